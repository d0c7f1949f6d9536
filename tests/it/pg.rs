//! A throwaway PostgreSQL server for tests: `initdb` + `pg_ctl` from Debian's packages
//! (`/usr/lib/postgresql/<version>/bin`) on a temporary folder and a free loopback port,
//! stopped and deleted when dropped. Without the server package the tests that need it skip
//! with a note, unless `VIEWTALLY_REQUIRE_POSTGRES` is set (as `.ci/run` does): then a
//! missing PostgreSQL is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    pub port: u16,
    /// The folder holding `data/` (and TLS files); removed on drop.
    pub dir: tempfile::TempDir,
    /// Whether the server requires TLS (see [`Postgres::start_tls`]).
    pub tls: bool,
    /// The server options `pg_ctl start` was given (for [`Postgres::start_again`]).
    options: String,
}

/// The newest installed server's bin folder, or `$VIEWTALLY_PG_BIN`.
fn find_bin() -> Option<PathBuf> {
    if let Some(b) = std::env::var_os("VIEWTALLY_PG_BIN") {
        return Some(PathBuf::from(b));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// PostgreSQL refuses to run as root: as root, run its programs as the `postgres` user.
fn command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--clear-groups",
            "--",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn give_to_postgres(path: &Path) {
    if !is_root() {
        return;
    }
    let id = |flag: &str| -> u32 {
        let o = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("id postgres");
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .expect("the postgres user (from Debian's postgresql package) must exist")
    };
    std::os::unix::fs::chown(path, Some(id("-u")), Some(id("-g"))).expect("chown");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[track_caller]
fn run(mut c: Command, what: &str) {
    let o = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        o.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

impl Postgres {
    /// Start a server, or `None` when PostgreSQL is not installed (and not required).
    pub fn start() -> Option<Postgres> {
        Self::start_with(false)
    }

    /// Start a server that accepts only TLS connections, with a certificate for 127.0.0.1
    /// signed by a throwaway CA (`ca.crt` in [`Postgres::dir`]).
    pub fn start_tls() -> Option<Postgres> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Option<Postgres> {
        let Some(bin) = find_bin() else {
            assert!(
                std::env::var_os("VIEWTALLY_REQUIRE_POSTGRES").is_none(),
                "VIEWTALLY_REQUIRE_POSTGRES is set but no PostgreSQL server was found under \
                 /usr/lib/postgresql/*/bin (apt-get install postgresql)"
            );
            eprintln!(
                "note: PostgreSQL server not installed (apt-get install postgresql); \
                 skipping the PostgreSQL part of this test"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        give_to_postgres(&data);
        let mut initdb = command(&bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-U",
            "viewtally",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ]);
        run(initdb, "initdb");
        let mut options = String::from(
            "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c max_connections=200",
        );
        if tls {
            make_certificates(dir.path(), &data);
            options.push_str(" -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key");
            // Only TLS connections from loopback (plain ones are refused).
            std::fs::write(
                data.join("pg_hba.conf"),
                "hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
            )
            .unwrap();
        }
        // A port can be taken between choosing and binding: try a few.
        for _ in 0..5 {
            let port = free_port();
            let mut pg_ctl = command(&bin.join("pg_ctl"));
            pg_ctl
                .arg("-D")
                .arg(&data)
                .args(["-w", "-t", "60", "-l"])
                .arg(data.join("server.log"))
                .arg("-o")
                .arg(format!("-p {port} -k {} {options}", data.display()))
                .arg("start");
            let o = pg_ctl.output().expect("pg_ctl");
            if o.status.success() {
                let options = format!("-p {port} -k {} {options}", data.display());
                return Some(Postgres {
                    bin,
                    data,
                    port,
                    dir,
                    tls,
                    options,
                });
            }
        }
        panic!(
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(data.join("server.log")).unwrap_or_default()
        );
    }

    /// Stop the server (an outage); [`Postgres::start_again`] brings it back on the same port.
    pub fn stop(&self) {
        let mut c = command(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "stop"]);
        run(c, "pg_ctl stop");
    }

    /// Start the stopped server again, on its port and with its options.
    pub fn start_again(&self) {
        let mut c = command(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(&self.data)
            .args(["-w", "-t", "60", "-l"])
            .arg(self.data.join("server.log"))
            .arg("-o")
            .arg(&self.options)
            .arg("start");
        run(c, "pg_ctl start");
    }

    /// A login role `user` with `password` that must give it (SCRAM) over TCP, owning a new
    /// database; returns the database's name. Other roles keep logging in without one.
    pub fn password_role(&self, user: &str, password: &str) -> String {
        assert!(!self.tls, "password_role is for the plain server");
        let db = Self::db_of(&self.database()).to_string();
        self.sql(
            "postgres",
            &format!(
                "CREATE ROLE {user} LOGIN PASSWORD '{}'",
                password.replace('\'', "''")
            ),
        );
        self.sql("postgres", &format!("ALTER DATABASE {db} OWNER TO {user}"));
        std::fs::write(
            self.data.join("pg_hba.conf"),
            format!(
                "local all all trust\nhost all {user} 127.0.0.1/32 scram-sha-256\n\
                 host all all 127.0.0.1/32 trust\n"
            ),
        )
        .unwrap();
        let mut c = command(&self.bin.join("pg_ctl"));
        c.arg("-D").arg(&self.data).arg("reload");
        run(c, "pg_ctl reload");
        std::thread::sleep(std::time::Duration::from_millis(500));
        db
    }

    /// A new empty database; returns its store URL.
    pub fn database(&self) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// The store URL of a database.
    pub fn url(&self, db: &str) -> String {
        if self.tls {
            format!(
                "postgres://viewtally@127.0.0.1:{}/{db}?sslmode=require&sslrootcert={}",
                self.port,
                self.dir.path().join("ca.crt").display()
            )
        } else {
            format!(
                "postgres://viewtally@127.0.0.1:{}/{db}?sslmode=disable",
                self.port
            )
        }
    }

    /// Run SQL with psql; returns its unaligned output.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let mut c = Command::new(self.bin.join("psql"));
        c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg("127.0.0.1")
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-U", "viewtally", "-d", db, "-c", sql]);
        if self.tls {
            c.env("PGSSLMODE", "require");
        }
        let o = c.output().expect("psql");
        assert!(
            o.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// The database name of a store URL made by [`Postgres::database`].
    pub fn db_of(url: &str) -> &str {
        let path = url.rsplit('/').next().unwrap_or("");
        path.split('?').next().unwrap_or(path)
    }
}

/// A CA and a server certificate for 127.0.0.1 / localhost, made with openssl.
fn make_certificates(dir: &Path, data: &Path) {
    let openssl = |args: &[&str]| {
        let mut c = Command::new("openssl");
        c.current_dir(dir).args(args);
        run(c, &format!("openssl {}", args.join(" ")));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=viewtally test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    ]);
    for f in ["server.crt", "server.key"] {
        let to = data.join(f);
        std::fs::copy(dir.join(f), &to).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
        give_to_postgres(&to);
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut c = command(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = c.output();
    }
}
