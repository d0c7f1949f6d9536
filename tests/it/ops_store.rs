//! Issue 18, points 2 and 4: relative paths in a config are read from its project folder
//! (whatever the current folder), commands that only read never create a store, and a store
//! that cannot be had says why and what to do (a missing or wrong password, a password that
//! needs percent-encoding, a server that is down), while a daemon started without its store
//! waits for it (503 on /healthz) instead of exiting.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use super::common::*;
use super::daemon::{get, Daemon};
use super::pg::Postgres;

const ROWS: &str = "platform,video,account,metric,kind,at,value\n\
                    youtube,yt1,Chan,views,daily,2020-07-24,50\n\
                    youtube,yt1,Chan,views,daily,2020-07-25,80\n";

/// Every file and folder under `dir`, relative to it.
fn tree(dir: &Path) -> BTreeSet<String> {
    super::paths::entries(dir, true)
}

/// viewtally run in `env`'s folder `rel` (fixed clock, cleared environment).
fn run_in(env: &Env, rel: &str, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let dir = env.path(rel);
    std::fs::create_dir_all(&dir).unwrap();
    let o = viewtally_fixed(&dir, args)
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn total_views(json: &str) -> i64 {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["total_views"]
        .as_i64()
        .unwrap_or_else(|| panic!("{json}"))
}

#[test]
fn relative_paths_are_read_from_the_config_folder_whatever_the_current_folder() {
    let env = Env::new();
    env.write(
        "proj/config/viewtally.toml",
        &(CONFIG.replace(
            "[[campaign]]",
            "[report]\nsizes = [\"480x270\"]\nformats = [\"svg\"]\n\n[[campaign]]",
        ) + "\n[campaign.schedule]\nimport_dir = \"*/5 * * * *\"\nwatch_dir = \"inbox\"\n"),
    );
    env.write("proj/inbox/bad.csv", "not,an,export\n1,2,3\n");
    env.write("v.csv", ROWS);
    let config = env.path("proj/config/viewtally.toml");
    let config = config.to_str().unwrap();

    // Imported from the top folder, read from another one: the same store, proj/data/test.db.
    run_in(&env, "", &["--config", config, "import", "v.csv"], &[]).ok();
    assert!(env.path("proj/data/test.db").is_file());
    assert!(
        !env.path("data").exists(),
        "store made in the current folder"
    );
    let here = run_in(&env, "", &["--config", config, "status", "--json"], &[]).ok();
    let there = run_in(
        &env,
        "elsewhere",
        &["--config", config, "status", "--json"],
        &[],
    )
    .ok();
    assert!(total_views(&here.stdout) > 0, "{}", here.stdout);
    assert_eq!(total_views(&here.stdout), total_views(&there.stdout));
    // The watched folder is the project's too.
    let text = run_in(&env, "elsewhere", &["--config", config, "status"], &[]).ok();
    assert!(
        text.stdout.contains("proj/inbox/bad.csv is refused"),
        "{}",
        text.stdout
    );
    // Reports go to proj/reports, from any folder.
    run_in(&env, "elsewhere", &["--config", config, "report"], &[]).ok();
    assert!(env.path("proj/reports/c1/summary.md").is_file());
    assert_eq!(
        tree(&env.path("elsewhere")),
        BTreeSet::new(),
        "written in the current folder"
    );

    // A config not in a `config` folder: its own folder is the project folder.
    env.write("other/viewtally.toml", CONFIG);
    run_in(
        &env,
        "",
        &["--config", "other/viewtally.toml", "import", "v.csv"],
        &[],
    )
    .ok();
    assert!(env.path("other/data/test.db").is_file());
    // $VIEWTALLY_STORE is like a command-line path: read from the current folder.
    run_in(
        &env,
        "",
        &["--config", config, "import", "v.csv"],
        &[("VIEWTALLY_STORE", "sqlite://data/env.db")],
    )
    .ok();
    assert!(env.path("data/env.db").is_file());
}

#[test]
fn commands_that_only_read_never_create_a_store() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let before = tree(env.dir.path());
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["report"],
        &["export", "--format", "csv"],
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("no store at /")
                && r.stderr
                    .contains("data/test.db; `viewtally import` or `viewtally collect` creates it"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stdout.contains("0 views"), "{}", r.stdout);
    }
    assert_eq!(tree(env.dir.path()), before, "something was written");
    // import creates it, and then they read it.
    env.write("v.csv", ROWS);
    env.run(&["import", "v.csv"]).ok();
    env.run(&["status"]).ok();
}

#[test]
fn a_store_the_current_folder_holds_is_not_split_from_a_new_one() {
    // As a systemd unit ran it before: the config in /etc/…, a relative store read from the
    // working folder. Now that path means <config folder>/data/test.db: say so, create nothing.
    let env = Env::new();
    env.write("etc/viewtally.toml", CONFIG);
    env.write("v.csv", ROWS);
    run_in(
        &env,
        "",
        &["--config", "etc/viewtally.toml", "import", "v.csv"],
        &[("VIEWTALLY_STORE", "sqlite://data/test.db")],
    )
    .ok();
    assert!(env.path("data/test.db").is_file());
    for args in [&["status"][..], &["import", "v.csv"], &["collect"]] {
        let mut all = vec!["--config", "etc/viewtally.toml"];
        all.extend_from_slice(args);
        let r = env.run(&all);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("etc/data/test.db (no store there yet)")
                && r.stderr.contains("Write its absolute path")
                && r.stderr
                    .contains("etc/viewtally.toml: [store] url names `data/test.db`"),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert!(!env.path("etc/data").exists());
}

#[test]
fn postgres_read_commands_create_no_tables() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.database();
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let r = env.run_env(&["status"], &[("VIEWTALLY_STORE", &url)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "has no viewtally tables yet; `viewtally import` or `viewtally collect` creates them"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(
        pg.sql(
            Postgres::db_of(&url),
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ),
        "0"
    );
}

#[test]
fn postgres_password_mistakes_say_what_to_do() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let password = "s3cr@t:pw";
    let db = pg.password_role("pwuser", password);
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    env.write("v.csv", ROWS);
    let base = |user: &str| {
        format!(
            "postgres://{user}@127.0.0.1:{}/{db}?sslmode=disable",
            pg.port
        )
    };
    let no_secret = |r: &Run| {
        for s in ["s3cr", "t:pw", password] {
            assert!(
                !r.stderr.contains(s) && !r.stdout.contains(s),
                "{}",
                r.stderr
            );
        }
    };

    // No password anywhere: name $PGPASSWORD.
    let r = env.run_env(
        &["import", "v.csv"],
        &[("VIEWTALLY_STORE", &base("pwuser"))],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "the server at 127.0.0.1:{} asks for a password and none was given: set $PGPASSWORD",
            pg.port
        )),
        "{}",
        r.stderr
    );
    // A wrong one.
    let r = env.run_env(
        &["import", "v.csv"],
        &[
            ("VIEWTALLY_STORE", &base("pwuser")),
            ("PGPASSWORD", "wrong"),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("the password is wrong"), "{}", r.stderr);
    // Written into the URL as it is: `@` and `:` must be percent-encoded (before any lookup of
    // a host `t:pw@127.0.0.1`).
    let raw = base(&format!("pwuser:{password}"));
    let r = env.run_env(&["import", "v.csv"], &[("VIEWTALLY_STORE", &raw)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("must be percent-encoded in the URL (`@` → `%40`"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("Name or service"), "{}", r.stderr);
    no_secret(&r);
    // Percent-encoded, or from $PGPASSWORD: it works.
    let encoded = base("pwuser:s3cr%40t%3Apw");
    env.run_env(&["import", "v.csv"], &[("VIEWTALLY_STORE", &encoded)])
        .ok();
    let r = env
        .run_env(
            &["status"],
            &[
                ("VIEWTALLY_STORE", &base("pwuser")),
                ("PGPASSWORD", password),
            ],
        )
        .ok();
    no_secret(&r);
}

#[test]
fn postgres_down_says_the_server_is_not_running() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.database();
    pg.stop();
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let r = env.run_env(&["status"], &[("VIEWTALLY_STORE", &url)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "the server at 127.0.0.1:{} refused the connection: PostgreSQL is not running there",
            pg.port
        )),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("check [store] url"), "{}", r.stderr);
    pg.start_again();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_started_while_postgres_is_down_waits_for_it() {
    let Some(pg) = tokio::task::block_in_place(Postgres::start) else {
        return;
    };
    let url = tokio::task::block_in_place(|| pg.database());
    let db = Postgres::db_of(&url).to_string();
    let youtube = crate::support::upstream::rising_youtube().await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &ConfigBuilder::with_store(&url)
            .platform("youtube", &youtube.uri())
            .key("method", "videos_list")
            .campaign("c1", "Outage test")
            .schedule()
            .key("collect", "* * * * * *")
            .video("youtube", "vid1")
            .build(),
    );
    tokio::task::block_in_place(|| pg.stop());
    let d = tokio::task::block_in_place(|| {
        Daemon::start_with(
            &env,
            "http://127.0.0.1:9/unused",
            &[("YOUTUBE_API_KEY", "AIza-outage-key")],
        )
    });
    let (code, body) = get(&d.addr, "/healthz");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("the store is unreachable"), "{body}");
    assert!(body.contains("refused the connection"), "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(get(&d.addr, "/healthz").0, 503);

    tokio::task::block_in_place(|| pg.start_again());
    let start = Instant::now();
    loop {
        let (code, body) = get(&d.addr, "/healthz");
        // (the tables exist once the daemon has connected, which /healthz says first)
        let stored = match code {
            200 => tokio::task::block_in_place(|| pg.sql(&db, "SELECT COUNT(*) FROM points")),
            _ => "0".to_string(),
        };
        if code == 200 && stored != "0" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never recovered: {code} {body}, {stored} points; stderr:\n{}",
            d.stderr.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (code, stderr) = tokio::task::block_in_place(|| d.terminate());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("retries until it can connect"), "{stderr}");
}

#[test]
fn a_daemon_waiting_for_its_store_stops_cleanly() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.database();
    pg.stop();
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &ConfigBuilder::with_store(&url)
            .campaign("c1", "Outage test")
            .schedule()
            .key("report", "* * * * * *")
            .build(),
    );
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[]);
    assert_eq!(get(&d.addr, "/healthz").0, 503);
    let started = Instant::now();
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "{stderr}");
    assert!(
        stderr.contains("stopping before the store could be reached"),
        "{stderr}"
    );
    pg.start_again();
}
