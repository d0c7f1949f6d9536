//! PostgreSQL store: the SQLite store's schema, migrations, idempotency and transaction rules
//! on a server that a team (or a fleet of daemons) shares.
//!
//! URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?OPTIONS]` with the options of
//! `tokio-postgres` (`sslmode=disable|prefer|require`, `connect_timeout=S`, `application_name`,
//! …) plus viewtally's own: `sslrootcert=FILE` (PEM certificates to trust besides the public
//! web roots), `sslmode=verify-full` (a synonym of `require`: rustls always checks the
//! certificate and the host name) and `pool_size=N` (connections, default 4). Without a
//! password in the URL, `$PGPASSWORD` is used; without a user, `$PGUSER` or `$USER`.
//!
//! The [`Store`] trait is synchronous (SQLite is), while the PostgreSQL client is async. The
//! connection pool and its connections live on one small runtime of their own, so a store call
//! works the same from a plain thread, a `spawn_blocking` task or an async task (where it blocks
//! briefly, as an SQLite call does); the queries of a call are driven on the caller's thread.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use futures_executor::block_on;
use futures_util::{pin_mut, TryStreamExt};
use tokio_postgres::types::ToSql;

use super::{
    series_key, Announced, Chunks, ImportRecord, JobState, NoticeState, ObservationBatch, Query,
    ReadingsVersion, ScanFill, ScanNames, ScanOrder, ScanPoint, ScanSeries, SeriesKey, StateStore,
    Stop, Store, StoreError, WriteSummary, V2_FINISH,
};
use crate::model::{Kind, Metric, Observation, Platform, Source};

/// Schema migrations, applied in order; the same tables as the SQLite store's migrations.
const MIGRATIONS: &[&str] = &[
    // 1: observations and imports
    "CREATE TABLE observations (
        id           BIGSERIAL PRIMARY KEY,
        campaign     TEXT   NOT NULL,
        platform     TEXT   NOT NULL,
        video        TEXT   NOT NULL,
        account      TEXT,
        metric       TEXT   NOT NULL,
        kind         TEXT   NOT NULL CHECK (kind IN ('total', 'daily')),
        at_ms        BIGINT NOT NULL,
        value        BIGINT NOT NULL CHECK (value >= 0),
        source       TEXT   NOT NULL,
        source_kind  TEXT   NOT NULL,
        collected_ms BIGINT NOT NULL,
        UNIQUE (campaign, platform, video, metric, kind, at_ms, source_kind)
    );
    CREATE INDEX observations_campaign_at ON observations (campaign, at_ms);
    CREATE TABLE imports (
        campaign    TEXT   NOT NULL,
        sha256      TEXT   NOT NULL,
        path        TEXT   NOT NULL,
        format      TEXT   NOT NULL,
        rows        BIGINT NOT NULL,
        imported_ms BIGINT NOT NULL,
        PRIMARY KEY (campaign, sha256)
    );",
    // 2: API quota spent per platform, bucket and quota day; non-secret credential facts
    "CREATE TABLE api_usage (
        platform TEXT   NOT NULL,
        bucket   TEXT   NOT NULL,
        day      TEXT   NOT NULL,
        units    BIGINT NOT NULL CHECK (units >= 0),
        PRIMARY KEY (platform, bucket, day)
    );
    CREATE TABLE api_state (
        platform   TEXT   NOT NULL,
        key        TEXT   NOT NULL,
        value      TEXT   NOT NULL,
        updated_ms BIGINT NOT NULL,
        PRIMARY KEY (platform, key)
    );",
    // 3: daemon job state and milestone notifications
    "CREATE TABLE job_state (
        campaign             TEXT   NOT NULL,
        job                  TEXT   NOT NULL,
        last_started_ms      BIGINT,
        last_finished_ms     BIGINT,
        last_success_ms      BIGINT,
        consecutive_failures BIGINT NOT NULL DEFAULT 0,
        last_error           TEXT,
        PRIMARY KEY (campaign, job)
    );
    CREATE TABLE milestone_notices (
        campaign   TEXT   NOT NULL,
        threshold  BIGINT NOT NULL,
        state      TEXT   NOT NULL CHECK (state IN ('baseline', 'pending', 'sent')),
        updated_ms BIGINT NOT NULL,
        PRIMARY KEY (campaign, threshold)
    );",
    // 4: a fleet of daemons on one store: who runs each scheduled tick, who sends a notice
    "CREATE TABLE job_ticks (
        campaign   TEXT   NOT NULL,
        job        TEXT   NOT NULL,
        tick_ms    BIGINT NOT NULL,
        owner      TEXT   NOT NULL,
        claimed_ms BIGINT NOT NULL,
        PRIMARY KEY (campaign, job, tick_ms)
    );
    ALTER TABLE milestone_notices ADD COLUMN claimed_by TEXT;
    ALTER TABLE milestone_notices ADD COLUMN claimed_ms BIGINT;",
    // 5: the bracket a sent announcement stated (timeline rules v2)
    "ALTER TABLE milestone_notices ADD COLUMN after_ms BIGINT;
    ALTER TABLE milestone_notices ADD COLUMN by_ms BIGINT;",
    // 6: schema v2 (as in the SQLite store): the text of a reading's key lives once in
    // `series` (byte-order collation, as SQLite compares); a reading is a few integers in
    // `points`, keyed by (series, at_ms). The v1 rows are copied by `V2_COPY`.
    "CREATE TABLE series (
        id          SERIAL PRIMARY KEY,
        campaign    TEXT COLLATE \"C\" NOT NULL,
        platform    TEXT COLLATE \"C\" NOT NULL,
        video       TEXT COLLATE \"C\" NOT NULL,
        metric      TEXT COLLATE \"C\" NOT NULL,
        kind        TEXT COLLATE \"C\" NOT NULL CHECK (kind IN ('total', 'daily')),
        source_kind TEXT COLLATE \"C\" NOT NULL,
        UNIQUE (campaign, platform, video, metric, kind, source_kind)
    );
    CREATE TABLE sources (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE accounts (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE writes (id SERIAL PRIMARY KEY, collected_ms BIGINT NOT NULL UNIQUE);
    CREATE TABLE points (
        at_ms     BIGINT  NOT NULL,
        value     BIGINT  NOT NULL CHECK (value >= 0),
        series    INTEGER NOT NULL REFERENCES series (id),
        source    INTEGER NOT NULL REFERENCES sources (id),
        account   INTEGER REFERENCES accounts (id),
        collected INTEGER NOT NULL REFERENCES writes (id),
        PRIMARY KEY (series, at_ms)
    );",
];

/// The schema version that introduced `series` and `points`.
const V2: usize = 6;

/// The rest of migration 6: the v1 rows copied into the new tables, the v1 table replaced by a
/// view of the same name and columns.
const V2_COPY: &str = "
    INSERT INTO series (campaign, platform, video, metric, kind, source_kind)
        SELECT DISTINCT campaign, platform, video, metric, kind, source_kind FROM observations
        ORDER BY 1, 2, 3, 4, 5, 6;
    INSERT INTO sources (name) SELECT DISTINCT source FROM observations ORDER BY 1;
    INSERT INTO accounts (name)
        SELECT DISTINCT account FROM observations WHERE account IS NOT NULL ORDER BY 1;
    INSERT INTO writes (collected_ms) SELECT DISTINCT collected_ms FROM observations ORDER BY 1;
    INSERT INTO points (series, at_ms, value, source, account, collected)
        SELECT s.id, o.at_ms, o.value, src.id, a.id, w.id
        FROM observations o
        JOIN series s ON s.campaign = o.campaign COLLATE \"C\"
            AND s.platform = o.platform COLLATE \"C\" AND s.video = o.video COLLATE \"C\"
            AND s.metric = o.metric COLLATE \"C\" AND s.kind = o.kind COLLATE \"C\"
            AND s.source_kind = o.source_kind COLLATE \"C\"
        JOIN sources src ON src.name = o.source
        LEFT JOIN accounts a ON a.name = o.account
        JOIN writes w ON w.collected_ms = o.collected_ms
        ORDER BY s.id, o.at_ms;";

/// Why a migration did not apply.
enum Upgrade {
    /// The store's schema version, newer than this binary's.
    TooNew(i64),
    /// A v1 → v2 copy that did not carry every row.
    Lost(String),
}

/// Serialises concurrent migrations of one database (several daemons starting at once).
const MIGRATION_LOCK: i64 = 0x7669_6577_7461_6c6c; // "viewtall"

/// Rows per upsert statement (arrays bound as parameters: one round trip per chunk).
const CHUNK: usize = 5_000;

const UPSERT: &str = "
    INSERT INTO points (series, at_ms, value, source, account, collected)
    SELECT * FROM UNNEST($1::integer[], $2::bigint[], $3::bigint[], $4::integer[],
        $5::integer[], $6::integer[])
    ON CONFLICT (series, at_ms) DO UPDATE SET
        value = excluded.value, account = COALESCE(excluded.account, points.account),
        source = excluded.source, collected = excluded.collected
    WHERE points.value <> excluded.value
    RETURNING (xmax = 0)";

/// The rows of a scan: text once per series, the rest integers.
const SCAN: &str = "SELECT s.id, s.platform, s.video, s.metric, s.kind, p.at_ms, p.value,
    p.source, p.account, p.collected
    FROM series s JOIN points p ON p.series = s.id
    WHERE s.campaign = $1 AND p.at_ms <= $2 AND ($3::text IS NULL OR s.metric = $3)";
/// Key order (the series columns compare bytes, as SQLite does).
const SCAN_KEY: &str = "ORDER BY s.campaign, s.platform, s.video, s.metric, s.kind,
    s.source_kind, p.at_ms";
/// The order of `observations`.
const SCAN_SORTED: &str = "ORDER BY p.at_ms, s.platform, s.video, s.metric, s.kind, s.source_kind";

/// One pool per store URL for the life of the process: the daemon opens the store for every
/// job, and that must not mean a new connection (and a migration check) each time.
static POOLS: OnceLock<Mutex<HashMap<String, Pool>>> = OnceLock::new();

/// The runtime the pool's connections run on.
fn runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("viewtally-postgres")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the PostgreSQL client runtime: {e}"))
    })
    .as_ref()
    .map_err(|e| e.clone())
}

/// Run a future on the pool's runtime and wait for it (from any thread, in or out of a runtime).
fn on_runtime<T: Send + 'static>(
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime()?.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv()
        .map_err(|_| "the PostgreSQL client task ended unexpectedly".to_string())
}

/// A PostgreSQL store (a handle on a shared connection pool).
pub struct PgStore {
    pool: Pool,
    location: String,
    /// `HOST:PORT` of the server(s), for messages about reaching it.
    server: String,
}

/// The URL split into what tokio-postgres understands and viewtally's own options.
struct Settings {
    config: tokio_postgres::Config,
    root_cert: Option<String>,
    pool_size: usize,
}

/// What to write instead of a password (or user name) holding a character the URL syntax
/// reserves; said when the URL shows one (never quoting the password).
const PERCENT_ENCODE: &str = "a password (or user name) holding `@`, `:`, `/`, `?`, `#` or `%` \
    must be percent-encoded in the URL (`@` → `%40`, `:` → `%3A`, `/` → `%2F`, `?` → `%3F`, \
    `#` → `%23`, `%` → `%25`); or leave the password out of the URL and set $PGPASSWORD";

/// A URL whose user part holds a raw reserved character reads as another host (`p@ss@host`
/// is the host `ss@host`, "Name or service not known") or other options: say so up front.
fn check_reserved(url: &str) -> Result<(), String> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let first_key = query.split('&').next().unwrap_or("");
    let first_key = first_key.split('=').next().unwrap_or("");
    if base.matches('@').count() > 1
        || base.contains('#')
        || first_key.contains('@')
        || (first_key.contains('/') && query.contains('@'))
    {
        return Err(format!(
            "the URL's user part cannot be read: {PERCENT_ENCODE}"
        ));
    }
    Ok(())
}

/// `HOST:PORT, …` of a parsed config, for messages.
fn server_of(config: &tokio_postgres::Config) -> String {
    let ports = config.get_ports();
    config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                tokio_postgres::config::Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
            };
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_url(url: &str) -> Result<Settings, String> {
    check_reserved(url)?;
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut root_cert = None;
    let mut pool_size = 4;
    let mut rest = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("sslrootcert", v) => root_cert = Some(v.to_string()),
            ("pool_size", v) => {
                pool_size = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| format!("pool_size `{v}` must be a number from 1 to 64"))?
            }
            ("sslmode", "verify-full" | "verify-ca") => {
                rest.append_pair("sslmode", "require");
            }
            (k, v) => {
                rest.append_pair(k, v);
            }
        }
    }
    let rest = rest.finish();
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{rest}")
    };
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
    if config.get_password().is_none() {
        if let Ok(p) = std::env::var("PGPASSWORD") {
            config.password(p);
        }
    }
    if config.get_user().is_none() {
        if let Some(u) = std::env::var("PGUSER")
            .ok()
            .or_else(|| std::env::var("USER").ok())
        {
            config.user(u);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("viewtally");
    }
    Ok(Settings {
        config,
        root_cert,
        pool_size,
    })
}

fn tls(root_cert: Option<&str>) -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = root_cert {
        let file = std::fs::File::open(path)
            .map_err(|e| format!("sslrootcert {path}: cannot read: {e}"))?;
        let mut n = 0;
        for cert in rustls_pemfile::certs(&mut std::io::BufReader::new(file)) {
            let cert = cert.map_err(|e| format!("sslrootcert {path}: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("sslrootcert {path}: {e}"))?;
            n += 1;
        }
        if n == 0 {
            return Err(format!(
                "sslrootcert {path}: no PEM certificate found (expected -----BEGIN CERTIFICATE-----)"
            ));
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// A PostgreSQL error with its server detail, for messages.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                s.push_str(&format!(" ({d})"));
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                s.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            s
        }
    }
}

/// The kind of the I/O error under a client error, if any.
fn io_kind(e: &tokio_postgres::Error) -> Option<std::io::ErrorKind> {
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = inner.source();
    }
    None
}

/// The error for a connection that could not be had: what went wrong where, and what to do
/// (the password is never part of it). [`StoreError::Unreachable`] when trying again later may
/// work (the server is down, refusing, not answering, starting up; the name does not resolve).
fn connect_error(location: &str, server: &str, e: &deadpool_postgres::PoolError) -> StoreError {
    use deadpool_postgres::PoolError;
    use std::io::ErrorKind;
    use tokio_postgres::error::SqlState;
    let unreachable = |message: String| StoreError::Unreachable {
        location: location.to_string(),
        message,
    };
    let open = |message: String| StoreError::Open {
        location: location.to_string(),
        message,
    };
    let e = match e {
        PoolError::Backend(e) => e,
        PoolError::Timeout(_) => {
            return unreachable(format!(
                "no connection to the server at {server} in time: is it up and reachable from \
                 here (host, port, firewall)?"
            ))
        }
        e => return open(e.to_string()),
    };
    let detail = describe(e);
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        return if *code == SqlState::INVALID_PASSWORD {
            open(format!(
                "{detail}; the password is wrong: check $PGPASSWORD, or the password in the URL \
                 (percent-encoded: `@` → `%40`)"
            ))
        } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            open(format!(
                "{detail}; the server does not let this user in from here: check the user in the \
                 URL and the server's pg_hba.conf"
            ))
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            open(format!(
                "{detail}; create the database (createdb) or fix its name in the URL"
            ))
        } else if [
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
        ]
        .contains(code)
        {
            unreachable(format!(
                "the server at {server} does not take connections now ({detail})"
            ))
        } else {
            open(detail)
        };
    }
    let lower = detail.to_lowercase();
    if lower.contains("password missing") {
        open(format!(
            "the server at {server} asks for a password and none was given: set $PGPASSWORD (in \
             the environment or the .env file), or put it in the URL \
             (postgres://USER:PASSWORD@HOST/DB, percent-encoded: `@` → `%40`)"
        ))
    } else if io_kind(e) == Some(ErrorKind::ConnectionRefused) {
        unreachable(format!(
            "the server at {server} refused the connection: PostgreSQL is not running there, \
             or listens on another port ({detail})"
        ))
    } else if io_kind(e) == Some(ErrorKind::TimedOut)
        || lower.contains("timeout")
        || lower.contains("timed out")
    {
        unreachable(format!(
            "no answer from the server at {server} within connect_timeout: is it up and \
             reachable from here (host, port, firewall)? ({detail})"
        ))
    } else if lower.contains("lookup address")
        || lower.contains("name or service not known")
        || lower.contains("name resolution")
        || lower.contains("nodename nor servname")
    {
        unreachable(format!(
            "the host of {server} cannot be resolved: check the host in the URL ({PERCENT_ENCODE}) \
             ({detail})"
        ))
    } else if matches!(
        io_kind(e),
        Some(
            ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::NotConnected
                | ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::NetworkDown
                | ErrorKind::UnexpectedEof
                | ErrorKind::BrokenPipe
        )
    ) || e.is_closed()
    {
        unreachable(format!(
            "the connection to the server at {server} failed: is it up and reachable? ({detail})"
        ))
    } else {
        open(detail)
    }
}

/// Whether a failed transaction can simply be run again (deadlock, serialization failure).
fn retryable(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    })
}

fn ms_to_utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

impl PgStore {
    /// Connect (sharing the process's pool for this URL) and migrate the schema.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        PgStore::open_mode(url, true)
    }

    /// Connect for a command that only reads: a database without viewtally's tables is
    /// [`StoreError::Empty`] (nothing is created in it).
    pub fn open_existing(url: &str) -> Result<PgStore, StoreError> {
        PgStore::open_mode(url, false)
    }

    fn open_mode(url: &str, create: bool) -> Result<PgStore, StoreError> {
        // (redacted first: a password with a raw `?` must not be cut into a visible half)
        let location = super::redact_url(url)
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        let open_err = |message: String| StoreError::Open {
            location: location.clone(),
            message,
        };
        let pools = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
        let mut pools = pools.lock().unwrap_or_else(|p| p.into_inner());
        let settings = parse_url(url).map_err(open_err)?;
        let server = server_of(&settings.config);
        if let Some(pool) = pools.get(url) {
            return Ok(PgStore {
                pool: pool.clone(),
                location,
                server,
            });
        }
        let tls = tls(settings.root_cert.as_deref()).map_err(open_err)?;
        let manager = Manager::from_config(
            settings.config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(settings.pool_size)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(15)))
            .build()
            .map_err(|e| open_err(e.to_string()))?;
        let store = PgStore {
            pool,
            location,
            server,
        };
        if !create && !store.has_schema()? {
            return Err(StoreError::Empty {
                location: store.location.clone(),
            });
        }
        store.migrate()?;
        pools.insert(url.to_string(), store.pool.clone());
        Ok(store)
    }

    /// A connection from the pool (made on the pool's runtime if a new one is needed).
    fn client(&self) -> Result<Object, StoreError> {
        let pool = self.pool.clone();
        on_runtime(async move { pool.get().await })
            .map_err(|m| self.err(m))?
            .map_err(|e| connect_error(&self.location, &self.server, &e))
    }

    /// Whether the database holds viewtally's tables (a store made by `import` or `collect`).
    fn has_schema(&self) -> Result<bool, StoreError> {
        let client = self.client()?;
        block_on(async {
            client
                .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
                .await
        })
        .map(|row| row.get(0))
        .map_err(|e| self.pg(e))
    }

    fn err(&self, message: impl std::fmt::Display) -> StoreError {
        StoreError::Query {
            location: self.location.clone(),
            message: message.to_string(),
        }
    }

    fn pg(&self, e: tokio_postgres::Error) -> StoreError {
        self.err(describe(&e))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let open_err = |e: tokio_postgres::Error| StoreError::Open {
            location: self.location.clone(),
            message: describe(&e),
        };
        let applied = block_on(async {
            let tx = client.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
                .await?;
            let version: i64 = tx
                .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
                .await?
                .get(0);
            if version > MIGRATIONS.len() as i64 {
                return Ok(Err(Upgrade::TooNew(version)));
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.batch_execute(sql).await?;
                if i + 1 == V2 {
                    if let Err(lost) = self.copy_v1_rows(&tx).await? {
                        return Ok(Err(Upgrade::Lost(lost)));
                    }
                }
                tracing::debug!(store = %self.location, version = i + 1, "applied store migration");
            }
            tx.execute("DELETE FROM schema_version", &[]).await?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&(MIGRATIONS.len() as i64).max(version)],
            )
            .await?;
            tx.commit().await?;
            Ok(Ok(()))
        })
        .map_err(open_err)?;
        applied.map_err(|e| match e {
            Upgrade::TooNew(found) => StoreError::TooNew {
                location: self.location.clone(),
                found,
                known: MIGRATIONS.len() as i64,
            },
            Upgrade::Lost(message) => StoreError::Open {
                location: self.location.clone(),
                message,
            },
        })
    }

    /// Copy the v1 rows into the v2 tables (in the migration's transaction) and drop the v1
    /// table; `Err` (and a rollback by the caller) if any row did not make it.
    async fn copy_v1_rows(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> Result<Result<(), String>, tokio_postgres::Error> {
        let rows: i64 = tx
            .query_one("SELECT COUNT(*) FROM observations", &[])
            .await?
            .get(0);
        if rows > 0 {
            tracing::info!(store = %self.location, rows, "upgrading the store to schema v2 (one transaction)");
        }
        let started = std::time::Instant::now();
        // One statement on the server: a spinner says it is working when there are many rows.
        let bar = super::migration_progress(rows as u64);
        if let Some(bar) = &bar {
            bar.enable_steady_tick(Duration::from_millis(200));
        }
        tx.batch_execute(V2_COPY).await?;
        let copied: i64 = tx
            .query_one("SELECT COUNT(*) FROM points", &[])
            .await?
            .get(0);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if copied != rows {
            return Ok(Err(format!(
                "upgrading to schema v2 copied {copied} of {rows} observations; nothing was changed"
            )));
        }
        tx.batch_execute(V2_FINISH).await?;
        tracing::debug!(
            store = %self.location,
            rows,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "store upgraded to schema v2"
        );
        Ok(Ok(()))
    }

    /// Run one statement with parameters; returns the number of rows it changed.
    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        let client = self.client()?;
        block_on(async {
            let stmt = client.prepare_cached(sql).await?;
            client.execute(&stmt, params).await
        })
        .map_err(|e| self.pg(e))
    }

    /// Run one query with parameters; returns its rows.
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let client = self.client()?;
        block_on(async {
            let stmt = client.prepare_cached(sql).await?;
            client.query(&stmt, params).await
        })
        .map_err(|e| self.pg(e))
    }
    /// One attempt at [`Store::write`]: the outer error is a pool failure, the inner one a
    /// failed (rolled back) transaction.
    fn write_once(
        &self,
        observations: &[Observation],
        imports: &[ImportRecord],
    ) -> Result<Result<WriteSummary, tokio_postgres::Error>, StoreError> {
        let mut client = self.client()?;
        let mut summary = WriteSummary::default();
        let done = block_on(async {
            let tx = client.transaction().await?;
            let mut cache = IdCache::default();
            write_chunk(&tx, observations, &mut cache, &mut summary).await?;
            write_imports(&tx, imports).await?;
            tx.commit().await
        });
        Ok(done.map(|()| summary))
    }
}

/// Upsert one chunk of a write's observations, adding to `summary`.
async fn write_chunk(
    tx: &deadpool_postgres::Transaction<'_>,
    observations: &[Observation],
    cache: &mut IdCache,
    summary: &mut WriteSummary,
) -> Result<(), tokio_postgres::Error> {
    let ids = Ids::resolve(tx, observations, cache).await?;
    let upsert = tx.prepare_cached(UPSERT).await?;
    for run in unique_runs(observations) {
        let mut series: Vec<i32> = Vec::with_capacity(run.len());
        let mut at: Vec<i64> = Vec::with_capacity(run.len());
        let mut value: Vec<i64> = Vec::with_capacity(run.len());
        let mut source: Vec<i32> = Vec::with_capacity(run.len());
        let mut account: Vec<Option<i32>> = Vec::with_capacity(run.len());
        let mut collected: Vec<i32> = Vec::with_capacity(run.len());
        for o in run {
            series.push(ids.series[&series_key(o)]);
            at.push(o.at.timestamp_millis());
            value.push(o.value);
            source.push(ids.sources[o.source.as_str()]);
            account.push(o.account.as_deref().map(|a| ids.accounts[a]));
            collected.push(ids.writes[&o.collected_at.timestamp_millis()]);
        }
        let rows = tx
            .query(
                &upsert,
                &[&series, &at, &value, &source, &account, &collected],
            )
            .await?;
        for row in &rows {
            if row.get::<_, bool>(0) {
                summary.inserted += 1;
            } else {
                summary.updated += 1;
            }
        }
        summary.unchanged += (run.len() - rows.len()) as u64;
    }
    Ok(())
}

/// Record the imports of a write (a file imported again updates its record).
async fn write_imports(
    tx: &deadpool_postgres::Transaction<'_>,
    imports: &[ImportRecord],
) -> Result<(), tokio_postgres::Error> {
    for i in imports {
        tx.execute(
            "INSERT INTO imports (campaign, sha256, path, format, rows, imported_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (campaign, sha256) DO UPDATE SET path = excluded.path,
             rows = excluded.rows, imported_ms = excluded.imported_ms",
            &[
                &i.campaign,
                &i.sha256,
                &i.path,
                &i.format,
                &(i.rows as i64),
                &i.imported_at.timestamp_millis(),
            ],
        )
        .await?;
    }
    Ok(())
}

/// The dictionary ids of one write's series, sources, accounts and collection times (looked
/// up, or added, once each, in sorted order so that concurrent writers take locks alike).
struct Ids<'a> {
    series: HashMap<SeriesKey<'a>, i32>,
    sources: HashMap<&'a str, i32>,
    accounts: HashMap<&'a str, i32>,
    writes: HashMap<i64, i32>,
}

/// The dictionary ids a write has resolved, kept across the chunks of one transaction.
#[derive(Default)]
struct IdCache {
    series: HashMap<[String; 6], i32>,
    sources: HashMap<String, i32>,
    accounts: HashMap<String, i32>,
    writes: HashMap<i64, i32>,
}

/// The id of a dictionary row: found, else added, else (added meanwhile) found.
async fn lookup_or_add(
    tx: &deadpool_postgres::Transaction<'_>,
    find: &str,
    add: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<i32, tokio_postgres::Error> {
    let find = tx.prepare_cached(find).await?;
    if let Some(r) = tx.query_opt(&find, params).await? {
        return Ok(r.get(0));
    }
    let add = tx.prepare_cached(add).await?;
    if let Some(r) = tx.query_opt(&add, params).await? {
        return Ok(r.get(0));
    }
    Ok(tx.query_one(&find, params).await?.get(0))
}

impl<'a> Ids<'a> {
    async fn resolve(
        tx: &deadpool_postgres::Transaction<'_>,
        observations: &'a [Observation],
        cache: &mut IdCache,
    ) -> Result<Ids<'a>, tokio_postgres::Error> {
        use std::collections::BTreeSet;
        let keys: BTreeSet<SeriesKey> = observations.iter().map(series_key).collect();
        let sources: BTreeSet<&str> = observations.iter().map(|o| o.source.as_str()).collect();
        let accounts: BTreeSet<&str> = observations
            .iter()
            .filter_map(|o| o.account.as_deref())
            .collect();
        let writes: BTreeSet<i64> = observations
            .iter()
            .map(|o| o.collected_at.timestamp_millis())
            .collect();
        let mut ids = Ids {
            series: HashMap::with_capacity(keys.len()),
            sources: HashMap::new(),
            accounts: HashMap::new(),
            writes: HashMap::new(),
        };
        for k in keys {
            let owned = [k.0, k.1, k.2, k.3, k.4, k.5].map(str::to_string);
            let id = match cache.series.get(&owned) {
                Some(&id) => id,
                None => {
                    let id = lookup_or_add(
                        tx,
                        "SELECT id FROM series WHERE campaign = $1 AND platform = $2 AND video = $3
                         AND metric = $4 AND kind = $5 AND source_kind = $6",
                        "INSERT INTO series (campaign, platform, video, metric, kind, source_kind)
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
                        &[&k.0, &k.1, &k.2, &k.3, &k.4, &k.5],
                    )
                    .await?;
                    cache.series.insert(owned, id);
                    id
                }
            };
            ids.series.insert(k, id);
        }
        for name in sources {
            let id = match cache.sources.get(name) {
                Some(&id) => id,
                None => {
                    let id = lookup_or_add(
                        tx,
                        "SELECT id FROM sources WHERE name = $1",
                        "INSERT INTO sources (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id",
                        &[&name],
                    )
                    .await?;
                    cache.sources.insert(name.to_string(), id);
                    id
                }
            };
            ids.sources.insert(name, id);
        }
        for name in accounts {
            let id = match cache.accounts.get(name) {
                Some(&id) => id,
                None => {
                    let id = lookup_or_add(
                        tx,
                        "SELECT id FROM accounts WHERE name = $1",
                        "INSERT INTO accounts (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id",
                        &[&name],
                    )
                    .await?;
                    cache.accounts.insert(name.to_string(), id);
                    id
                }
            };
            ids.accounts.insert(name, id);
        }
        for ms in writes {
            let id = match cache.writes.get(&ms) {
                Some(&id) => id,
                None => {
                    let id = lookup_or_add(
                        tx,
                        "SELECT id FROM writes WHERE collected_ms = $1",
                        "INSERT INTO writes (collected_ms) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id",
                        &[&ms],
                    )
                    .await?;
                    cache.writes.insert(ms, id);
                    id
                }
            };
            ids.writes.insert(ms, id);
        }
        Ok(ids)
    }
}

/// Split observations into runs whose keys are unique, in order, so that one multi-row upsert
/// per run does what a row-by-row upsert would (a repeated key starts a new run).
fn unique_runs(observations: &[Observation]) -> Vec<&[Observation]> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut seen = HashSet::new();
    for (i, o) in observations.iter().enumerate() {
        let key = (
            o.campaign.as_str(),
            o.platform,
            o.video.as_str(),
            o.metric,
            o.kind,
            o.at.timestamp_millis(),
            o.source.kind(),
        );
        if i - start == CHUNK || !seen.insert(key) {
            runs.push(&observations[start..i]);
            start = i;
            seen.clear();
            seen.insert(key);
        }
    }
    if start < observations.len() {
        runs.push(&observations[start..]);
    }
    runs
}

/// The query of a scan in `order`.
fn scan_sql(order: ScanOrder) -> String {
    format!(
        "{SCAN} {}",
        match order {
            ScanOrder::Key | ScanOrder::Any => SCAN_KEY,
            ScanOrder::Sorted => SCAN_SORTED,
        }
    )
}

/// The dictionaries a scan resolves ids with: sources, accounts and collection times.
async fn scan_names(
    client: &tokio_postgres::Client,
) -> Result<ScanNames<i32>, tokio_postgres::Error> {
    let mut sources: HashMap<i32, String> = HashMap::new();
    for r in client.query("SELECT id, name FROM sources", &[]).await? {
        sources.insert(r.get(0), r.get(1));
    }
    let mut accounts: HashMap<i32, String> = HashMap::new();
    for r in client.query("SELECT id, name FROM accounts", &[]).await? {
        accounts.insert(r.get(0), r.get(1));
    }
    let mut collected: HashMap<i32, i64> = HashMap::new();
    for r in client
        .query("SELECT id, collected_ms FROM writes", &[])
        .await?
    {
        collected.insert(r.get(0), r.get(1));
    }
    Ok(ScanNames {
        sources,
        accounts,
        collected,
    })
}

impl PgStore {
    /// One row of a scan into `fill`; `current` is the series of the row before (read again
    /// when the series changes).
    fn scan_row(
        &self,
        r: &tokio_postgres::Row,
        current: &mut Option<ScanSeries<i32>>,
        fill: &mut ScanFill<i32>,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let id: i32 = r.get(0);
        if current.is_none_or(|c| c.id != id) {
            let (platform, metric, kind): (&str, &str, &str) = (r.get(1), r.get(3), r.get(4));
            let (Ok(p), Ok(m), Ok(k)) = (
                platform.parse::<Platform>(),
                metric.parse::<Metric>(),
                kind.parse::<Kind>(),
            ) else {
                return Err(self.err(format!(
                    "row with unknown platform/metric/kind `{platform}`/`{metric}`/`{kind}`"
                )));
            };
            *current = Some(ScanSeries {
                id,
                video: fill.batch.video_id(p, r.get(2)),
                metric: m,
                kind: k,
            });
        }
        let Some(series) = *current else {
            return Ok(());
        };
        let (source_id, account_id, write): (i32, Option<i32>, i32) =
            (r.get(7), r.get(8), r.get(9));
        let source = fill
            .source(source_id)
            .ok_or_else(|| self.err(format!("row with unknown source id {source_id}")))?;
        let account = match account_id {
            None => None,
            Some(a) => Some(
                fill.account(a)
                    .ok_or_else(|| self.err(format!("row with unknown account id {a}")))?,
            ),
        };
        let collected_ms = fill
            .collected_ms(write)
            .ok_or_else(|| self.err(format!("row with unknown write id {write}")))?;
        let point = ScanPoint {
            at_ms: r.get(5),
            value: r.get(6),
            source,
            account,
            collected_ms,
        };
        fill.push(&series, point, each)
    }
}

impl Store for PgStore {
    fn write(
        &mut self,
        observations: &[Observation],
        imports: &[ImportRecord],
    ) -> Result<WriteSummary, StoreError> {
        // Two writers upserting overlapping keys in different orders can deadlock; PostgreSQL
        // then aborts one transaction, which is simply run again.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.write_once(observations, imports)? {
                Err(e) if attempt < 5 && retryable(&e) => {
                    tracing::debug!(store = %self.location, attempt, "write retried: {}", describe(&e));
                    std::thread::sleep(Duration::from_millis(20 * attempt));
                }
                r => return r.map_err(|e| self.pg(e)),
            }
        }
    }

    fn write_chunks(
        &mut self,
        chunks: &mut dyn Chunks,
    ) -> Result<Option<WriteSummary>, StoreError> {
        // Not retried on a deadlock like `write`: the chunks are gone once written. A failed
        // transaction stores nothing either way.
        let mut client = self.client()?;
        let done: Result<Option<WriteSummary>, tokio_postgres::Error> = block_on(async {
            let tx = client.transaction().await?;
            let mut cache = IdCache::default();
            let mut summary = WriteSummary::default();
            loop {
                match chunks.next_chunk() {
                    Ok(Some(chunk)) => {
                        write_chunk(&tx, &chunk, &mut cache, &mut summary).await?;
                    }
                    Ok(None) => break,
                    Err(Stop) => {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                }
            }
            let Ok(imports) = chunks.finish() else {
                tx.rollback().await?;
                return Ok(None);
            };
            write_imports(&tx, &imports).await?;
            tx.commit().await?;
            Ok(Some(summary))
        });
        done.map_err(|e| self.pg(e))
    }

    fn observations(&self, query: &Query) -> Result<Vec<Observation>, StoreError> {
        let client = self.client()?;
        let until = query
            .until
            .map(|t| t.timestamp_millis())
            .unwrap_or(i64::MAX);
        let metric = query.metric.map(|m| m.as_str());
        let mut out = Vec::new();
        let mut bad = None;
        block_on(async {
            let stmt = client
                .prepare_cached(
                    "SELECT campaign, platform, video, account, metric, kind, at_ms, value, source,
                     collected_ms FROM observations
                     WHERE campaign = $1 AND at_ms <= $2 AND ($3::text IS NULL OR metric = $3)
                     ORDER BY at_ms, platform COLLATE \"C\", video COLLATE \"C\",
                     metric COLLATE \"C\", kind COLLATE \"C\", source_kind COLLATE \"C\"",
                )
                .await?;
            let params: [&(dyn ToSql + Sync); 3] = [&query.campaign, &until, &metric];
            let rows = client.query_raw(&stmt, params).await?;
            pin_mut!(rows);
            while let Some(r) = rows.try_next().await? {
                let platform: &str = r.get(1);
                let metric: &str = r.get(4);
                let kind: &str = r.get(5);
                let (Ok(p), Ok(m), Ok(k)) = (
                    platform.parse::<Platform>(),
                    metric.parse::<Metric>(),
                    kind.parse::<Kind>(),
                ) else {
                    bad = Some(format!(
                        "row with unknown platform/metric/kind `{platform}`/`{metric}`/`{kind}`"
                    ));
                    break;
                };
                out.push(Observation {
                    campaign: r.get(0),
                    platform: p,
                    video: r.get(2),
                    account: r.get(3),
                    metric: m,
                    kind: k,
                    at: ms_to_utc(r.get(6)),
                    value: r.get(7),
                    source: Source::parse(r.get(8)),
                    collected_at: ms_to_utc(r.get(9)),
                });
            }
            Ok::<_, tokio_postgres::Error>(())
        })
        .map_err(|e| self.pg(e))?;
        match bad {
            Some(m) => Err(self.err(m)),
            None => Ok(out),
        }
    }

    fn scan(
        &self,
        query: &Query,
        order: ScanOrder,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        // Streamed (rows are not all held at once) into a reused column batch: text is read
        // once per series, sources, accounts and collection times from small dictionaries.
        let client = self.client()?;
        let until = query
            .until
            .map(|t| t.timestamp_millis())
            .unwrap_or(i64::MAX);
        let metric = query.metric.map(|m| m.as_str());
        let mut failure: Option<StoreError> = None;
        let sql = scan_sql(order);
        let mut fill = block_on(async {
            let mut fill = ScanFill::new(scan_names(&client).await?);
            let mut current: Option<ScanSeries<i32>> = None;
            let stmt = client.prepare_cached(&sql).await?;
            let params: [&(dyn ToSql + Sync); 3] = [&query.campaign, &until, &metric];
            let rows = client.query_raw(&stmt, params).await?;
            pin_mut!(rows);
            while let Some(r) = rows.try_next().await? {
                if let Err(e) = self.scan_row(&r, &mut current, &mut fill, each) {
                    failure = Some(e);
                    break;
                }
            }
            Ok::<_, tokio_postgres::Error>(fill)
        })
        .map_err(|e| self.pg(e))?;
        if let Some(e) = failure {
            return Err(e);
        }
        fill.flush(each)?;
        Ok(fill.total)
    }

    fn count(&self, campaign: Option<&str>) -> Result<u64, StoreError> {
        let rows = self.query(
            "SELECT COUNT(*) FROM points p JOIN series s ON s.id = p.series
             WHERE $1::text IS NULL OR s.campaign = $1",
            &[&campaign],
        )?;
        Ok(rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0) as u64)
    }

    fn readings_version(&self, campaign: &str) -> Result<ReadingsVersion, StoreError> {
        let rows = self.query(
            "SELECT COUNT(*), MAX(w.collected_ms), MAX(p.at_ms),
             COALESCE(MAX(p.collected), 0)::bigint, COALESCE(SUM(p.value), 0)::float8
             FROM points p JOIN series s ON s.id = p.series JOIN writes w ON w.id = p.collected
             WHERE s.campaign = $1",
            &[&campaign],
        )?;
        Ok(rows
            .first()
            .map(|r| ReadingsVersion {
                readings: r.get::<_, i64>(0) as u64,
                last_write: r.get::<_, Option<i64>>(1).map(ms_to_utc),
                last_at: r.get::<_, Option<i64>>(2).map(ms_to_utc),
                last_write_id: r.get(3),
                value_sum: r.get(4),
            })
            .unwrap_or_default())
    }

    fn campaigns(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = self.query(
            "SELECT s.campaign, COUNT(*) FROM points p JOIN series s ON s.id = p.series
             GROUP BY s.campaign ORDER BY s.campaign",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64))
            .collect())
    }

    fn imported(&self, campaign: &str, sha256: &str) -> Result<bool, StoreError> {
        let rows = self.query(
            "SELECT 1 FROM imports WHERE campaign = $1 AND sha256 = $2",
            &[&campaign, &sha256],
        )?;
        Ok(!rows.is_empty())
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

impl StateStore for PgStore {
    fn job_state(&self, campaign: &str, job: &str) -> Result<JobState, StoreError> {
        let rows = self.query(
            "SELECT last_started_ms, last_finished_ms, last_success_ms, consecutive_failures,
             last_error FROM job_state WHERE campaign = $1 AND job = $2",
            &[&campaign, &job],
        )?;
        Ok(rows
            .first()
            .map(|r| JobState {
                last_started: r.get::<_, Option<i64>>(0).map(ms_to_utc),
                last_finished: r.get::<_, Option<i64>>(1).map(ms_to_utc),
                last_success: r.get::<_, Option<i64>>(2).map(ms_to_utc),
                consecutive_failures: r.get::<_, i64>(3).clamp(0, u32::MAX as i64) as u32,
                last_error: r.get(4),
            })
            .unwrap_or_default())
    }

    fn record_job(
        &mut self,
        campaign: &str,
        job: &str,
        started: DateTime<Utc>,
        finished: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let started = started.timestamp_millis();
        match (finished.map(|f| f.timestamp_millis()), error) {
            (None, _) => self.execute(
                "INSERT INTO job_state (campaign, job, last_started_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (campaign, job) DO UPDATE SET last_started_ms = excluded.last_started_ms",
                &[&campaign, &job, &started],
            ),
            (Some(f), None) => self.execute(
                "INSERT INTO job_state (campaign, job, last_started_ms, last_finished_ms,
                 last_success_ms, consecutive_failures) VALUES ($1, $2, $3, $4, $4, 0)
                 ON CONFLICT (campaign, job) DO UPDATE SET
                 last_finished_ms = excluded.last_finished_ms,
                 last_success_ms = excluded.last_success_ms,
                 consecutive_failures = 0, last_error = NULL",
                &[&campaign, &job, &started, &f],
            ),
            (Some(f), Some(e)) => self.execute(
                "INSERT INTO job_state (campaign, job, last_started_ms, last_finished_ms,
                 consecutive_failures, last_error) VALUES ($1, $2, $3, $4, 1, $5)
                 ON CONFLICT (campaign, job) DO UPDATE SET
                 last_finished_ms = excluded.last_finished_ms,
                 consecutive_failures = job_state.consecutive_failures + 1,
                 last_error = excluded.last_error",
                &[&campaign, &job, &started, &f, &e],
            ),
        }
        .map(|_| ())
    }

    fn notices(&self, campaign: &str) -> Result<Vec<(i64, NoticeState)>, StoreError> {
        let rows = self.query(
            "SELECT threshold, state FROM milestone_notices WHERE campaign = $1 ORDER BY threshold",
            &[&campaign],
        )?;
        rows.iter()
            .map(|r| {
                let state: &str = r.get(1);
                NoticeState::parse(state)
                    .map(|s| (r.get::<_, i64>(0), s))
                    .ok_or_else(|| self.err(format!("unknown notice state `{state}`")))
            })
            .collect()
    }

    fn set_notice(
        &mut self,
        campaign: &str,
        threshold: i64,
        state: NoticeState,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO milestone_notices (campaign, threshold, state, updated_ms)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (campaign, threshold) DO UPDATE SET state = excluded.state,
             updated_ms = excluded.updated_ms WHERE milestone_notices.state <> 'sent'",
            &[
                &campaign,
                &threshold,
                &state.as_str(),
                &at.timestamp_millis(),
            ],
        )
        .map(|_| ())
    }

    fn record_announced(
        &mut self,
        campaign: &str,
        threshold: i64,
        after: Option<DateTime<Utc>>,
        by: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE milestone_notices SET after_ms = $3, by_ms = $4
             WHERE campaign = $1 AND threshold = $2 AND state = 'sent' AND by_ms IS NULL",
            &[
                &campaign,
                &threshold,
                &after.map(|a| a.timestamp_millis()),
                &by.timestamp_millis(),
            ],
        )
        .map(|_| ())
    }

    fn announced(&self, campaign: &str) -> Result<Vec<Announced>, StoreError> {
        let rows = self.query(
            "SELECT threshold, after_ms, by_ms FROM milestone_notices
             WHERE campaign = $1 AND state = 'sent' AND by_ms IS NOT NULL ORDER BY threshold",
            &[&campaign],
        )?;
        Ok(rows
            .iter()
            .map(|r| Announced {
                threshold: r.get::<_, i64>(0),
                after: r.get::<_, Option<i64>>(1).map(ms_to_utc),
                by: ms_to_utc(r.get::<_, i64>(2)),
            })
            .collect())
    }

    fn claim_tick(
        &mut self,
        campaign: &str,
        job: &str,
        tick: DateTime<Utc>,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let forget_before = (now - super::TICK_MEMORY).timestamp_millis();
        block_on(async {
            let tx = client.transaction().await?;
            tx.execute(
                "DELETE FROM job_ticks WHERE campaign = $1 AND job = $2 AND tick_ms < $3",
                &[&campaign, &job, &forget_before],
            )
            .await?;
            let n = tx
                .execute(
                    "INSERT INTO job_ticks (campaign, job, tick_ms, owner, claimed_ms)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    &[
                        &campaign,
                        &job,
                        &tick.timestamp_millis(),
                        &owner,
                        &now.timestamp_millis(),
                    ],
                )
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        })
        .map_err(|e| self.pg(e))
    }

    fn claim_notice(
        &mut self,
        campaign: &str,
        threshold: i64,
        owner: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let (now_ms, expired) = (now.timestamp_millis(), (now - lease).timestamp_millis());
        block_on(async {
            let tx = client.transaction().await?;
            tx.execute(
                "INSERT INTO milestone_notices (campaign, threshold, state, updated_ms)
                 VALUES ($1, $2, 'pending', $3) ON CONFLICT DO NOTHING",
                &[&campaign, &threshold, &now_ms],
            )
            .await?;
            // The row lock this UPDATE takes makes concurrent claims wait, then re-check.
            let n = tx
                .execute(
                    "UPDATE milestone_notices SET claimed_by = $3, claimed_ms = $4
                     WHERE campaign = $1 AND threshold = $2 AND state = 'pending'
                     AND (claimed_by IS NULL OR claimed_by = $3 OR claimed_ms < $5)",
                    &[&campaign, &threshold, &owner, &now_ms, &expired],
                )
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        })
        .map_err(|e| self.pg(e))
    }

    fn api_usage(
        &self,
        platform: Platform,
        bucket: &str,
        day: NaiveDate,
    ) -> Result<u64, StoreError> {
        let rows = self.query(
            "SELECT units FROM api_usage WHERE platform = $1 AND bucket = $2 AND day = $3",
            &[&platform.as_str(), &bucket, &day.to_string()],
        )?;
        Ok(rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0).max(0) as u64)
    }

    fn add_api_usage(
        &mut self,
        platform: Platform,
        bucket: &str,
        day: NaiveDate,
        units: u64,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO api_usage (platform, bucket, day, units) VALUES ($1, $2, $3, $4)
             ON CONFLICT (platform, bucket, day) DO UPDATE SET units = api_usage.units + excluded.units",
            &[&platform.as_str(), &bucket, &day.to_string(), &(units as i64)],
        )
        .map(|_| ())
    }

    fn api_state(&self, platform: Platform, key: &str) -> Result<Option<String>, StoreError> {
        let rows = self.query(
            "SELECT value FROM api_state WHERE platform = $1 AND key = $2",
            &[&platform.as_str(), &key],
        )?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn set_api_state(
        &mut self,
        platform: Platform,
        key: &str,
        value: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO api_state (platform, key, value, updated_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (platform, key) DO UPDATE SET value = excluded.value,
             updated_ms = excluded.updated_ms",
            &[&platform.as_str(), &key, &value, &at.timestamp_millis()],
        )
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_options_of_viewtally_are_taken_out() {
        let s = parse_url(
            "postgres://me:pw@db.example:5433/views?sslmode=verify-full&pool_size=8&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(s.pool_size, 8);
        assert_eq!(s.root_cert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(
            s.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
        assert_eq!(s.config.get_user(), Some("me"));
        assert_eq!(s.config.get_dbname(), Some("views"));
        assert_eq!(s.config.get_application_name(), Some("x"));
        let e = parse_url("postgres://me@h/db?pool_size=0").err().unwrap();
        assert!(e.contains("pool_size"), "{e}");
        assert!(parse_url("postgres://me@h/db?bogus=1").is_err());
    }

    #[test]
    fn repeated_keys_start_a_new_run() {
        let o = |at: i64| Observation {
            campaign: "c".into(),
            platform: Platform::Youtube,
            video: "v".into(),
            account: None,
            metric: Metric::Views,
            kind: Kind::Total,
            at: ms_to_utc(at),
            value: 1,
            source: Source::parse("api"),
            collected_at: ms_to_utc(0),
        };
        let rows = vec![o(1), o(2), o(1), o(3)];
        let runs: Vec<usize> = unique_runs(&rows).iter().map(|r| r.len()).collect();
        assert_eq!(runs, vec![2, 2]);
        let many: Vec<Observation> = (0..(CHUNK as i64 + 10)).map(o).collect();
        let runs: Vec<usize> = unique_runs(&many).iter().map(|r| r.len()).collect();
        assert_eq!(runs, vec![CHUNK, 10]);
    }
}
