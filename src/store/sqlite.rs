//! SQLite store: one file, WAL journal, a schema-version table with migrations.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{
    Announced, Chunks, ImportRecord, JobState, NoticeState, ObservationBatch, Query,
    ReadingsVersion, ScanFill, ScanNames, ScanOrder, ScanPoint, ScanSeries, StateStore, Store,
    StoreError, WriteSummary, V2_FINISH,
};
use crate::model::{Kind, Metric, Observation, Platform, Source};

mod scan;

/// Schema migrations, applied in order; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[
    // 1: observations and imports
    "CREATE TABLE observations (
        id           INTEGER PRIMARY KEY,
        campaign     TEXT    NOT NULL,
        platform     TEXT    NOT NULL,
        video        TEXT    NOT NULL,
        account      TEXT,
        metric       TEXT    NOT NULL,
        kind         TEXT    NOT NULL CHECK (kind IN ('total', 'daily')),
        at_ms        INTEGER NOT NULL,
        value        INTEGER NOT NULL CHECK (value >= 0),
        source       TEXT    NOT NULL,
        source_kind  TEXT    NOT NULL,
        collected_ms INTEGER NOT NULL,
        UNIQUE (campaign, platform, video, metric, kind, at_ms, source_kind)
    );
    CREATE INDEX observations_campaign_at ON observations (campaign, at_ms);
    CREATE TABLE imports (
        campaign    TEXT    NOT NULL,
        sha256      TEXT    NOT NULL,
        path        TEXT    NOT NULL,
        format      TEXT    NOT NULL,
        rows        INTEGER NOT NULL,
        imported_ms INTEGER NOT NULL,
        PRIMARY KEY (campaign, sha256)
    );",
    // 2: API quota spent per platform, bucket and quota day; non-secret credential facts
    "CREATE TABLE api_usage (
        platform TEXT    NOT NULL,
        bucket   TEXT    NOT NULL,
        day      TEXT    NOT NULL,
        units    INTEGER NOT NULL CHECK (units >= 0),
        PRIMARY KEY (platform, bucket, day)
    );
    CREATE TABLE api_state (
        platform   TEXT    NOT NULL,
        key        TEXT    NOT NULL,
        value      TEXT    NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (platform, key)
    );",
    // 3: daemon job state and milestone notifications
    "CREATE TABLE job_state (
        campaign             TEXT    NOT NULL,
        job                  TEXT    NOT NULL,
        last_started_ms      INTEGER,
        last_finished_ms     INTEGER,
        last_success_ms      INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        last_error           TEXT,
        PRIMARY KEY (campaign, job)
    );
    CREATE TABLE milestone_notices (
        campaign   TEXT    NOT NULL,
        threshold  INTEGER NOT NULL,
        state      TEXT    NOT NULL CHECK (state IN ('baseline', 'pending', 'sent')),
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (campaign, threshold)
    );",
    // 4: a fleet of daemons on one store: who runs each scheduled tick, who sends a notice
    "CREATE TABLE job_ticks (
        campaign   TEXT    NOT NULL,
        job        TEXT    NOT NULL,
        tick_ms    INTEGER NOT NULL,
        owner      TEXT    NOT NULL,
        claimed_ms INTEGER NOT NULL,
        PRIMARY KEY (campaign, job, tick_ms)
    );
    ALTER TABLE milestone_notices ADD COLUMN claimed_by TEXT;
    ALTER TABLE milestone_notices ADD COLUMN claimed_ms INTEGER;",
    // 5: the bracket a sent announcement stated (timeline rules v2)
    "ALTER TABLE milestone_notices ADD COLUMN after_ms INTEGER;
    ALTER TABLE milestone_notices ADD COLUMN by_ms INTEGER;",
    // 6: schema v2, a store built for time series: the text of a reading's key lives once in
    // `series`; a reading is a few integers in `points`, clustered on (series, at_ms). The v1
    // rows are copied by `copy_v1_rows`, then `V2_FINISH` drops the v1 table.
    "CREATE TABLE series (
        id          INTEGER PRIMARY KEY,
        campaign    TEXT NOT NULL,
        platform    TEXT NOT NULL,
        video       TEXT NOT NULL,
        metric      TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('total', 'daily')),
        source_kind TEXT NOT NULL,
        UNIQUE (campaign, platform, video, metric, kind, source_kind)
    );
    CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE writes (id INTEGER PRIMARY KEY, collected_ms INTEGER NOT NULL UNIQUE);
    CREATE TABLE points (
        series    INTEGER NOT NULL REFERENCES series (id),
        at_ms     INTEGER NOT NULL,
        value     INTEGER NOT NULL CHECK (value >= 0),
        source    INTEGER NOT NULL REFERENCES sources (id),
        account   INTEGER REFERENCES accounts (id),
        collected INTEGER NOT NULL REFERENCES writes (id),
        PRIMARY KEY (series, at_ms)
    ) WITHOUT ROWID;
    INSERT INTO series (campaign, platform, video, metric, kind, source_kind)
        SELECT DISTINCT campaign, platform, video, metric, kind, source_kind FROM observations
        ORDER BY campaign, platform, video, metric, kind, source_kind;
    INSERT INTO sources (name) SELECT DISTINCT source FROM observations ORDER BY source;
    INSERT INTO accounts (name)
        SELECT DISTINCT account FROM observations WHERE account IS NOT NULL ORDER BY account;
    INSERT INTO writes (collected_ms)
        SELECT DISTINCT collected_ms FROM observations ORDER BY collected_ms;",
];

/// The schema version that introduced `series` and `points` (its rows are copied in Rust).
const V2: usize = 6;

/// Series per copy step of the v1 → v2 migration.
const COPY_SERIES: i64 = 64;

/// Copy the v1 `observations` rows into `points`, series by series in key order (so that the
/// clustered table is written front to back), with a progress bar when there are many.
fn copy_v1_rows(tx: &rusqlite::Transaction, location: &str) -> Result<(), String> {
    copy_v1_rows_or(tx, location).map_err(|e| match e {
        CopyError::Sql(e) => format!("{e} (upgrading to schema v2; nothing was changed)"),
        CopyError::Lost(m) => m,
    })
}

enum CopyError {
    Sql(rusqlite::Error),
    Lost(String),
}

impl From<rusqlite::Error> for CopyError {
    fn from(e: rusqlite::Error) -> Self {
        CopyError::Sql(e)
    }
}

fn copy_v1_rows_or(tx: &rusqlite::Transaction, location: &str) -> Result<(), CopyError> {
    let rows: i64 = tx.query_row("SELECT COUNT(*) FROM observations", [], |r| r.get(0))?;
    let last: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM series", [], |r| r.get(0))?;
    if rows > 0 {
        tracing::info!(store = %location, rows, "upgrading the store to schema v2 (one transaction)");
    }
    let started = std::time::Instant::now();
    let bar = super::migration_progress(rows as u64);
    let mut copy = tx.prepare(
        "INSERT INTO points (series, at_ms, value, source, account, collected)
         SELECT s.id, o.at_ms, o.value, src.id, a.id, w.id
         FROM series s
         JOIN observations o ON o.campaign = s.campaign AND o.platform = s.platform
             AND o.video = s.video AND o.metric = s.metric AND o.kind = s.kind
             AND o.source_kind = s.source_kind
         JOIN sources src ON src.name = o.source
         LEFT JOIN accounts a ON a.name = o.account
         JOIN writes w ON w.collected_ms = o.collected_ms
         WHERE s.id BETWEEN ?1 AND ?2
         ORDER BY s.id, o.at_ms",
    )?;
    let mut copied = 0u64;
    let mut first = 1;
    while first <= last {
        copied += copy.execute([first, first + COPY_SERIES - 1])? as u64;
        if let Some(bar) = &bar {
            bar.set_position(copied);
        }
        first += COPY_SERIES;
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if copied != rows as u64 {
        return Err(CopyError::Lost(format!(
            "upgrading to schema v2 copied {copied} of {rows} observations; nothing was changed"
        )));
    }
    tracing::debug!(
        store = %location,
        rows,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "store upgraded to schema v2"
    );
    Ok(())
}

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Open the SQLite file at `path` for a command that only reads: a file that does not
    /// exist is [`StoreError::Missing`] (named by its absolute path), never created.
    pub fn open_existing(path: &str) -> Result<SqliteStore, StoreError> {
        let p = Path::new(path);
        if path != ":memory:" && !p.exists() {
            return Err(StoreError::Missing {
                location: std::path::absolute(p)
                    .unwrap_or_else(|_| p.to_path_buf())
                    .display()
                    .to_string(),
            });
        }
        SqliteStore::open(path)
    }

    /// Open (creating if needed) the SQLite file at `path`; `:memory:` for a scratch store.
    pub fn open(path: &str) -> Result<SqliteStore, StoreError> {
        let path = PathBuf::from(path);
        let location = path.display().to_string();
        let open_err = |message: String| StoreError::Open {
            location: location.clone(),
            message,
        };
        if path.as_os_str() != ":memory:" {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| {
                    open_err(format!(
                        "cannot create folder {}: {e}; name a folder viewtally may write (a \
                         relative path in a config is read from the config's project folder; a \
                         deployed config names an absolute one, e.g. \
                         sqlite:///var/lib/viewtally/viewtally.db)",
                        std::path::absolute(parent)
                            .unwrap_or_else(|_| parent.to_path_buf())
                            .display()
                    ))
                })?;
            }
            create_private(&path).map_err(|e| open_err(e.to_string()))?;
        }
        let conn = Connection::open(&path).map_err(|e| open_err(e.to_string()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| open_err(e.to_string()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .map_err(|e| open_err(format!("{e} (is it an SQLite database?)")))?;
        let mut store = SqliteStore { conn, path };
        store.migrate()?;
        Ok(store)
    }

    fn err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Query {
            location: self.location(),
            message: e.to_string(),
        }
    }

    /// Run `f` in an IMMEDIATE transaction and commit: the write lock is taken up front, so a
    /// concurrent writer makes this one wait (busy timeout) instead of failing when its read
    /// upgrades to a write.
    fn in_write_tx<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let location = self.location();
        let err = |e: rusqlite::Error| StoreError::Query {
            location: location.clone(),
            message: e.to_string(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let out = f(&tx).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(out)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let location = self.location();
        let open_err = |e: rusqlite::Error| StoreError::Open {
            location: location.clone(),
            message: format!("{e} (is it an SQLite database?)"),
        };
        self.conn
            .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            .map_err(open_err)?;
        let version: i64 = self
            .conn
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                [],
                |r| r.get(0),
            )
            .map_err(open_err)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                location: self.location(),
                found: version,
                known,
            });
        }
        let upgrading_rows = version > 0 && (version as usize) < V2;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(open_err)?;
            tx.execute_batch(sql).map_err(open_err)?;
            if i + 1 == V2 {
                copy_v1_rows(&tx, &location).map_err(|message| StoreError::Open {
                    location: location.clone(),
                    message,
                })?;
                tx.execute_batch(V2_FINISH).map_err(open_err)?;
            }
            tx.execute("DELETE FROM schema_version", [])
                .map_err(open_err)?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [i as i64 + 1],
            )
            .map_err(open_err)?;
            tx.commit().map_err(open_err)?;
            tracing::debug!(store = %location, version = i + 1, "applied store migration");
        }
        if upgrading_rows {
            // The v1 table's pages are free now but still in the file: give them back (after
            // the upgrade committed; if this fails, the store is fine, only larger).
            let started = std::time::Instant::now();
            match self.conn.execute_batch("VACUUM") {
                Ok(()) => tracing::debug!(
                    store = %location,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "store compacted after the upgrade"
                ),
                Err(e) => tracing::warn!(
                    store = %location,
                    "could not compact the store after the upgrade (it works, only larger): {e}"
                ),
            }
        }
        Ok(())
    }
}

/// Create the database file readable by its owner only (it holds the campaign's history).
fn create_private(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A text column of a row, borrowed from SQLite (None for NULL).
fn row_text<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> Result<Option<&'a str>, String> {
    use rusqlite::types::ValueRef;
    match r.get_ref(i).map_err(|e| e.to_string())? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(Some)
            .map_err(|e| format!("column {i} is not UTF-8: {e}")),
        other => Err(format!(
            "column {i} holds {:?}, expected text",
            other.data_type()
        )),
    }
}

fn ms_to_utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// The text of a reading's series key, borrowed from the observation.
type SeriesKey<'a> = (&'a str, Platform, &'a str, Metric, Kind, &'a str);

/// The id of a name in a dictionary table (`sources`, `accounts`), added when new.
fn name_id(tx: &rusqlite::Transaction, table: &str, name: &str) -> rusqlite::Result<i64> {
    let mut find = tx.prepare_cached(&format!("SELECT id FROM {table} WHERE name = ?1"))?;
    if let Some(id) = find.query_row([name], |r| r.get(0)).optional()? {
        return Ok(id);
    }
    tx.prepare_cached(&format!("INSERT INTO {table} (name) VALUES (?1)"))?
        .execute([name])?;
    Ok(tx.last_insert_rowid())
}

/// The id of a collection time in `writes`, added when new.
fn write_id(tx: &rusqlite::Transaction, collected_ms: i64) -> rusqlite::Result<i64> {
    let mut find = tx.prepare_cached("SELECT id FROM writes WHERE collected_ms = ?1")?;
    if let Some(id) = find.query_row([collected_ms], |r| r.get(0)).optional()? {
        return Ok(id);
    }
    tx.prepare_cached("INSERT INTO writes (collected_ms) VALUES (?1)")?
        .execute([collected_ms])?;
    Ok(tx.last_insert_rowid())
}

/// The id of a series, added when new (then also put in `fresh`).
fn series_id(
    tx: &rusqlite::Transaction,
    k: &SeriesKey,
    fresh: &mut FastSet<i64>,
) -> rusqlite::Result<i64> {
    let p = params![k.0, k.1.as_str(), k.2, k.3.as_str(), k.4.as_str(), k.5];
    let mut find = tx.prepare_cached(
        "SELECT id FROM series WHERE campaign = ?1 AND platform = ?2 AND video = ?3
         AND metric = ?4 AND kind = ?5 AND source_kind = ?6",
    )?;
    if let Some(id) = find.query_row(p, |r| r.get(0)).optional()? {
        return Ok(id);
    }
    tx.prepare_cached(
        "INSERT INTO series (campaign, platform, video, metric, kind, source_kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(p)?;
    let id = tx.last_insert_rowid();
    fresh.insert(id);
    Ok(id)
}

/// The maps a write keeps its ids in: keys are small and not attacker-chosen in any way that
/// matters for one write, so a fast hash (FxHash) instead of SipHash.
type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<rustc_hash::FxHasher>>;
type FastSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<rustc_hash::FxHasher>>;

/// The id for `key` in `ids`, from `add` (a lookup, adding when new) the first time.
fn cached<K: Eq + std::hash::Hash>(
    ids: &mut FastMap<K, i64>,
    key: K,
    add: impl FnOnce() -> rusqlite::Result<i64>,
) -> rusqlite::Result<i64> {
    if let Some(&id) = ids.get(&key) {
        return Ok(id);
    }
    let id = add()?;
    ids.insert(key, id);
    Ok(id)
}

/// The ids a write has looked up or added, kept across the chunks of one transaction: series
/// (and which of them the write added), sources, accounts and collection times.
#[derive(Default)]
struct WriteCache {
    series: FastMap<(String, Platform, String, Metric, Kind, String), i64>,
    /// The series this write added: they hold only what it wrote.
    fresh: FastSet<i64>,
    sources: FastMap<String, i64>,
    accounts: FastMap<String, i64>,
    writes: FastMap<i64, i64>,
}

/// The id for `name` in `ids`, from `add` (a lookup, adding when new) the first time.
fn cached_name(
    ids: &mut FastMap<String, i64>,
    name: &str,
    add: impl FnOnce() -> rusqlite::Result<i64>,
) -> rusqlite::Result<i64> {
    if let Some(&id) = ids.get(name) {
        return Ok(id);
    }
    let id = add()?;
    ids.insert(name.to_string(), id);
    Ok(id)
}

/// Every row's (series id, `at` in ms, index in `observations`), one series lookup per series,
/// in key order (stable: a key repeated within the write keeps its order), so that the
/// clustered table is written front to back. Series this write added (in this chunk or an
/// earlier one) are put in `cache.fresh` (they hold no point but the write's).
fn write_order(
    tx: &rusqlite::Transaction,
    observations: &[Observation],
    cache: &mut WriteCache,
) -> rusqlite::Result<Vec<(i64, i64, usize)>> {
    let mut series: FastMap<SeriesKey, i64> = FastMap::default();
    let mut rows: Vec<(i64, i64, usize)> = Vec::with_capacity(observations.len());
    for (i, o) in observations.iter().enumerate() {
        let key: SeriesKey = (
            &o.campaign,
            o.platform,
            &o.video,
            o.metric,
            o.kind,
            o.source.kind(),
        );
        let id = cached(&mut series, key, || {
            let owned = (
                key.0.to_string(),
                key.1,
                key.2.to_string(),
                key.3,
                key.4,
                key.5.to_string(),
            );
            if let Some(&id) = cache.series.get(&owned) {
                return Ok(id);
            }
            let id = series_id(tx, &key, &mut cache.fresh)?;
            cache.series.insert(owned, id);
            Ok(id)
        })?;
        rows.push((id, o.at.timestamp_millis(), i));
    }
    rows.sort_by_key(|&(s, at, _)| (s, at));
    Ok(rows)
}

/// Upsert the points of `rows` (from [`write_order`]); an unchanged value is left alone (and
/// adds no source, account or write to the dictionaries).
fn write_points(
    tx: &rusqlite::Transaction,
    observations: &[Observation],
    rows: Vec<(i64, i64, usize)>,
    cache: &mut WriteCache,
) -> rusqlite::Result<WriteSummary> {
    let mut summary = WriteSummary::default();
    let mut find =
        tx.prepare_cached("SELECT value FROM points WHERE series = ?1 AND at_ms = ?2")?;
    // A series this write added holds only what it wrote: its points are inserted without a
    // look first (the conflict clause catches an instant given twice in one write).
    let mut insert = tx.prepare_cached(
        "INSERT INTO points (series, at_ms, value, source, account, collected)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (series, at_ms) DO NOTHING",
    )?;
    let mut update = tx.prepare_cached(
        "UPDATE points SET value = ?3, source = ?4, account = COALESCE(?5, account),
         collected = ?6 WHERE series = ?1 AND at_ms = ?2",
    )?;
    for (id, at, i) in rows {
        let o = &observations[i];
        let new_series = cache.fresh.contains(&id);
        let existing: Option<i64> = if new_series {
            None
        } else {
            find.query_row(params![id, at], |r| r.get(0)).optional()?
        };
        if existing == Some(o.value) {
            summary.unchanged += 1;
            continue;
        }
        let name = o.source.as_str();
        let source = cached_name(&mut cache.sources, name, || name_id(tx, "sources", name))?;
        let account = match o.account.as_deref() {
            None => None,
            Some(a) => Some(cached_name(&mut cache.accounts, a, || {
                name_id(tx, "accounts", a)
            })?),
        };
        let collected_ms = o.collected_at.timestamp_millis();
        let collected = cached(&mut cache.writes, collected_ms, || {
            write_id(tx, collected_ms)
        })?;
        let row = params![id, at, o.value, source, account, collected];
        if existing.is_none() && insert.execute(row)? == 1 {
            summary.inserted += 1;
            continue;
        }
        // A point already there (or given earlier in this write, for a new series).
        let before: i64 = find.query_row(params![id, at], |r| r.get(0))?;
        if before == o.value {
            summary.unchanged += 1;
        } else {
            update.execute(row)?;
            summary.updated += 1;
        }
    }
    Ok(summary)
}

/// Record the imports of a write (a file imported again updates its record).
fn write_imports(tx: &rusqlite::Transaction, imports: &[ImportRecord]) -> rusqlite::Result<()> {
    for i in imports {
        tx.execute(
            "INSERT INTO imports (campaign, sha256, path, format, rows, imported_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (campaign, sha256) DO UPDATE SET path = excluded.path,
             rows = excluded.rows, imported_ms = excluded.imported_ms",
            params![
                i.campaign,
                i.sha256,
                i.path,
                i.format,
                i.rows as i64,
                i.imported_at.timestamp_millis()
            ],
        )?;
    }
    Ok(())
}

/// The query of a [`ScanOrder::Sorted`] scan (the key-order scan is in `scan`).
fn scan_sql() -> &'static str {
    "SELECT s.id, s.platform, s.video, s.metric, s.kind, p.at_ms, p.value, p.source,
     p.account, p.collected
     FROM series s JOIN points p ON p.series = s.id
     WHERE s.campaign = ?1 AND p.at_ms <= ?2 AND (?3 IS NULL OR s.metric = ?3)
     ORDER BY p.at_ms, s.platform, s.video, s.metric, s.kind, s.source_kind"
}

impl SqliteStore {
    /// The dictionaries a scan resolves ids with: sources, accounts and collection times.
    fn scan_names(&self) -> Result<ScanNames<i64>, StoreError> {
        let names = |table: &str| -> Result<HashMap<i64, String>, StoreError> {
            let mut stmt = self
                .conn
                .prepare_cached(&format!("SELECT id, name FROM {table}"))
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
        };
        let sources = names("sources")?;
        let accounts = names("accounts")?;
        let collected: HashMap<i64, i64> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id, collected_ms FROM writes")
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        Ok(ScanNames {
            sources,
            accounts,
            collected,
        })
    }

    /// An integer column of a scan row.
    fn scan_int(&self, r: &rusqlite::Row, i: usize) -> Result<i64, StoreError> {
        r.get_ref(i)
            .and_then(|v| v.as_i64().map_err(Into::into))
            .map_err(|e| self.err(e))
    }

    /// The error for a scan row naming what the store has no record of.
    fn unknown(&self, what: &str, v: &str) -> StoreError {
        self.err(format!("row with unknown {what} `{v}`"))
    }

    /// The series of a scan row (series `id`): its text read and its video interned.
    fn scan_series(
        &self,
        r: &rusqlite::Row,
        id: i64,
        batch: &mut ObservationBatch,
    ) -> Result<ScanSeries<i64>, StoreError> {
        let text = |i| {
            row_text(r, i)
                .map(Option::unwrap_or_default)
                .map_err(|e| self.err(e))
        };
        self.scan_series_named(id, [text(1)?, text(2)?, text(3)?, text(4)?], batch)
    }

    /// Series `id` from its names (platform, video, metric, kind), its video interned.
    fn scan_series_named(
        &self,
        id: i64,
        [platform, video, metric, kind]: [&str; 4],
        batch: &mut ObservationBatch,
    ) -> Result<ScanSeries<i64>, StoreError> {
        let platform = Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == platform)
            .ok_or_else(|| self.unknown("platform", platform))?;
        let video = batch.video_id(platform, video);
        let metric = Metric::ALL
            .into_iter()
            .find(|m| m.as_str() == metric)
            .ok_or_else(|| self.unknown("metric", metric))?;
        let kind = match kind {
            "total" => Kind::Total,
            "daily" => Kind::Daily,
            other => return Err(self.unknown("kind", other)),
        };
        Ok(ScanSeries {
            id,
            video,
            metric,
            kind,
        })
    }

    /// The rest of a scan row (beside its series), its ids resolved to the batch's.
    fn scan_point(
        &self,
        r: &rusqlite::Row,
        fill: &mut ScanFill<i64>,
    ) -> Result<ScanPoint, StoreError> {
        let account = r
            .get_ref(8)
            .and_then(|v| v.as_i64_or_null().map_err(Into::into))
            .map_err(|e| self.err(e))?;
        let point = (
            self.scan_int(r, 5)?,
            self.scan_int(r, 6)?,
            self.scan_int(r, 7)?,
            account,
            self.scan_int(r, 9)?,
        );
        self.resolve(fill, point)
    }
}

impl Store for SqliteStore {
    fn write(
        &mut self,
        observations: &[Observation],
        imports: &[ImportRecord],
    ) -> Result<WriteSummary, StoreError> {
        self.in_write_tx(|tx| {
            let mut cache = WriteCache::default();
            let order = write_order(tx, observations, &mut cache)?;
            let summary = write_points(tx, observations, order, &mut cache)?;
            write_imports(tx, imports)?;
            Ok(summary)
        })
    }

    fn write_chunks(
        &mut self,
        chunks: &mut dyn Chunks,
    ) -> Result<Option<WriteSummary>, StoreError> {
        let location = self.location();
        let err = |e: rusqlite::Error| StoreError::Query {
            location: location.clone(),
            message: e.to_string(),
        };
        // The write lock is taken when the first chunk is there (a file smaller than a chunk
        // holds it only while it is written, as with `write`). Dropping `tx` without a commit
        // rolls it back.
        let Ok(mut next) = chunks.next_chunk() else {
            return Ok(None);
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut cache = WriteCache::default();
        let mut summary = WriteSummary::default();
        while let Some(chunk) = next {
            let order = write_order(&tx, &chunk, &mut cache).map_err(err)?;
            summary += write_points(&tx, &chunk, order, &mut cache).map_err(err)?;
            drop(chunk);
            let Ok(n) = chunks.next_chunk() else {
                return Ok(None);
            };
            next = n;
        }
        let Ok(imports) = chunks.finish() else {
            return Ok(None);
        };
        write_imports(&tx, &imports).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Some(summary))
    }

    fn scan(
        &self,
        query: &Query,
        order: ScanOrder,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        if order != ScanOrder::Sorted {
            return self.scan_key(query, each);
        }
        // Text is read once per series; sources, accounts and collection times are small
        // dictionaries read up front.
        let mut fill = ScanFill::new(self.scan_names()?);
        let mut stmt = self
            .conn
            .prepare_cached(scan_sql())
            .map_err(|e| self.err(e))?;
        let until = query
            .until
            .map(|t| t.timestamp_millis())
            .unwrap_or(i64::MAX);
        let mut rows = stmt
            .query(params![
                query.campaign,
                until,
                query.metric.map(|m| m.as_str())
            ])
            .map_err(|e| self.err(e))?;
        let mut current: Option<ScanSeries<i64>> = None;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let id = self.scan_int(r, 0)?;
            if current.as_ref().is_none_or(|c| c.id != id) {
                current = Some(self.scan_series(r, id, &mut fill.batch)?);
            }
            let Some(s) = current else { continue };
            let point = self.scan_point(r, &mut fill)?;
            fill.push(&s, point, each)?;
        }
        fill.flush(each)?;
        Ok(fill.total)
    }

    fn observations(&self, query: &Query) -> Result<Vec<Observation>, StoreError> {
        // The `observations` view joins the dictionaries back: the v1 rows, as they were.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT campaign, platform, video, account, metric, kind, at_ms, value, source,
                 collected_ms FROM observations
                 WHERE campaign = ?1 AND at_ms <= ?2 AND (?3 IS NULL OR metric = ?3)
                 ORDER BY at_ms, platform, video, metric, kind, source_kind",
            )
            .map_err(|e| self.err(e))?;
        let until = query
            .until
            .map(|t| t.timestamp_millis())
            .unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(
                params![query.campaign, until, query.metric.map(|m| m.as_str())],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, i64>(9)?,
                    ))
                },
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (campaign, platform, video, account, metric, kind, at, value, source, collected) =
                row.map_err(|e| self.err(e))?;
            let bad = |what: &str, v: &str| self.err(format!("row with unknown {what} `{v}`"));
            out.push(Observation {
                campaign,
                platform: platform.parse().map_err(|_| bad("platform", &platform))?,
                video,
                account,
                metric: metric
                    .parse::<Metric>()
                    .map_err(|_| bad("metric", &metric))?,
                kind: kind.parse::<Kind>().map_err(|_| bad("kind", &kind))?,
                at: ms_to_utc(at),
                value,
                source: Source::parse(&source),
                collected_at: ms_to_utc(collected),
            });
        }
        Ok(out)
    }

    fn count(&self, campaign: Option<&str>) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM points p JOIN series s ON s.id = p.series
                 WHERE ?1 IS NULL OR s.campaign = ?1",
                [campaign],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    fn readings_version(&self, campaign: &str) -> Result<ReadingsVersion, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), MAX(w.collected_ms), MAX(p.at_ms), COALESCE(MAX(p.collected), 0),
                 TOTAL(p.value)
                 FROM points p JOIN series s ON s.id = p.series JOIN writes w ON w.id = p.collected
                 WHERE s.campaign = ?1",
                [campaign],
                |r| {
                    Ok(ReadingsVersion {
                        readings: r.get::<_, i64>(0)? as u64,
                        last_write: r.get::<_, Option<i64>>(1)?.map(ms_to_utc),
                        last_at: r.get::<_, Option<i64>>(2)?.map(ms_to_utc),
                        last_write_id: r.get(3)?,
                        value_sum: r.get(4)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }

    fn campaigns(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.campaign, COUNT(*) FROM points p JOIN series s ON s.id = p.series
                 GROUP BY s.campaign ORDER BY s.campaign",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn imported(&self, campaign: &str, sha256: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM imports WHERE campaign = ?1 AND sha256 = ?2",
                [campaign, sha256],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.err(e))
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

impl StateStore for SqliteStore {
    fn job_state(&self, campaign: &str, job: &str) -> Result<JobState, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT last_started_ms, last_finished_ms, last_success_ms, consecutive_failures,
                 last_error FROM job_state WHERE campaign = ?1 AND job = ?2",
                [campaign, job],
                |r| {
                    Ok(JobState {
                        last_started: r.get::<_, Option<i64>>(0)?.map(ms_to_utc),
                        last_finished: r.get::<_, Option<i64>>(1)?.map(ms_to_utc),
                        last_success: r.get::<_, Option<i64>>(2)?.map(ms_to_utc),
                        consecutive_failures: r.get::<_, i64>(3)? as u32,
                        last_error: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.unwrap_or_default())
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
        let result = match finished {
            None => self.conn.execute(
                "INSERT INTO job_state (campaign, job, last_started_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (campaign, job) DO UPDATE SET last_started_ms = excluded.last_started_ms",
                params![campaign, job, started],
            ),
            Some(f) => {
                let f = f.timestamp_millis();
                match error {
                    None => self.conn.execute(
                        "INSERT INTO job_state (campaign, job, last_started_ms, last_finished_ms,
                         last_success_ms, consecutive_failures) VALUES (?1, ?2, ?3, ?4, ?4, 0)
                         ON CONFLICT (campaign, job) DO UPDATE SET
                         last_finished_ms = excluded.last_finished_ms,
                         last_success_ms = excluded.last_success_ms,
                         consecutive_failures = 0, last_error = NULL",
                        params![campaign, job, started, f],
                    ),
                    Some(e) => self.conn.execute(
                        "INSERT INTO job_state (campaign, job, last_started_ms, last_finished_ms,
                         consecutive_failures, last_error) VALUES (?1, ?2, ?3, ?4, 1, ?5)
                         ON CONFLICT (campaign, job) DO UPDATE SET
                         last_finished_ms = excluded.last_finished_ms,
                         consecutive_failures = job_state.consecutive_failures + 1,
                         last_error = excluded.last_error",
                        params![campaign, job, started, f, e],
                    ),
                }
            }
        };
        result.map(|_| ()).map_err(|e| self.err(e))
    }

    fn notices(&self, campaign: &str) -> Result<Vec<(i64, NoticeState)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT threshold, state FROM milestone_notices WHERE campaign = ?1 ORDER BY threshold",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([campaign], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (threshold, state) = row.map_err(|e| self.err(e))?;
            let state = NoticeState::parse(&state)
                .ok_or_else(|| self.err(format!("unknown notice state `{state}`")))?;
            out.push((threshold, state));
        }
        Ok(out)
    }

    fn set_notice(
        &mut self,
        campaign: &str,
        threshold: i64,
        state: NoticeState,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO milestone_notices (campaign, threshold, state, updated_ms)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (campaign, threshold) DO UPDATE SET state = excluded.state,
                 updated_ms = excluded.updated_ms WHERE milestone_notices.state <> 'sent'",
                params![campaign, threshold, state.as_str(), at.timestamp_millis()],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn record_announced(
        &mut self,
        campaign: &str,
        threshold: i64,
        after: Option<DateTime<Utc>>,
        by: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE milestone_notices SET after_ms = ?3, by_ms = ?4
                 WHERE campaign = ?1 AND threshold = ?2 AND state = 'sent' AND by_ms IS NULL",
                params![
                    campaign,
                    threshold,
                    after.map(|a| a.timestamp_millis()),
                    by.timestamp_millis()
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn announced(&self, campaign: &str) -> Result<Vec<Announced>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT threshold, after_ms, by_ms FROM milestone_notices
                 WHERE campaign = ?1 AND state = 'sent' AND by_ms IS NOT NULL ORDER BY threshold",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([campaign], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.map(|r| {
            r.map(|(threshold, after, by)| Announced {
                threshold,
                after: after.map(ms_to_utc),
                by: ms_to_utc(by),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| self.err(e))
    }

    fn claim_tick(
        &mut self,
        campaign: &str,
        job: &str,
        tick: DateTime<Utc>,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.in_write_tx(|tx| {
            tx.execute(
                "DELETE FROM job_ticks WHERE campaign = ?1 AND job = ?2 AND tick_ms < ?3",
                params![campaign, job, (now - super::TICK_MEMORY).timestamp_millis()],
            )?;
            let inserted = tx.execute(
                "INSERT INTO job_ticks (campaign, job, tick_ms, owner, claimed_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                params![
                    campaign,
                    job,
                    tick.timestamp_millis(),
                    owner,
                    now.timestamp_millis()
                ],
            )?;
            Ok(inserted == 1)
        })
    }

    fn claim_notice(
        &mut self,
        campaign: &str,
        threshold: i64,
        owner: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<bool, StoreError> {
        self.in_write_tx(|tx| {
            tx.execute(
                "INSERT INTO milestone_notices (campaign, threshold, state, updated_ms)
                 VALUES (?1, ?2, 'pending', ?3) ON CONFLICT DO NOTHING",
                params![campaign, threshold, now.timestamp_millis()],
            )?;
            let claimed = tx.execute(
                "UPDATE milestone_notices SET claimed_by = ?3, claimed_ms = ?4
                 WHERE campaign = ?1 AND threshold = ?2 AND state = 'pending'
                 AND (claimed_by IS NULL OR claimed_by = ?3 OR claimed_ms < ?5)",
                params![
                    campaign,
                    threshold,
                    owner,
                    now.timestamp_millis(),
                    (now - lease).timestamp_millis()
                ],
            )?;
            Ok(claimed == 1)
        })
    }

    fn api_usage(
        &self,
        platform: Platform,
        bucket: &str,
        day: NaiveDate,
    ) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT units FROM api_usage WHERE platform = ?1 AND bucket = ?2 AND day = ?3",
                params![platform.as_str(), bucket, day.to_string()],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|n| n.unwrap_or(0).max(0) as u64)
            .map_err(|e| self.err(e))
    }

    fn add_api_usage(
        &mut self,
        platform: Platform,
        bucket: &str,
        day: NaiveDate,
        units: u64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO api_usage (platform, bucket, day, units) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (platform, bucket, day) DO UPDATE SET units = units + excluded.units",
                params![platform.as_str(), bucket, day.to_string(), units as i64],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn api_state(&self, platform: Platform, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM api_state WHERE platform = ?1 AND key = ?2",
                params![platform.as_str(), key],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn set_api_state(
        &mut self,
        platform: Platform,
        key: &str,
        value: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO api_state (platform, key, value, updated_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (platform, key) DO UPDATE SET value = excluded.value,
                 updated_ms = excluded.updated_ms",
                params![platform.as_str(), key, value, at.timestamp_millis()],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Platform;

    fn obs(value: i64, at: i64, source: &str) -> Observation {
        Observation {
            campaign: "c".into(),
            platform: Platform::Youtube,
            video: "v1".into(),
            account: None,
            metric: Metric::Views,
            kind: Kind::Total,
            at: ms_to_utc(at),
            value,
            source: Source::parse(source),
            collected_at: ms_to_utc(0),
        }
    }

    #[test]
    fn reopening_keeps_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/v.db");
        let p = path.to_str().unwrap();
        SqliteStore::open(p)
            .unwrap()
            .write(&[obs(1, 1, "api")], &[])
            .unwrap();
        let s = SqliteStore::open(p).unwrap();
        assert_eq!(s.count(None).unwrap(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "store file must be owner-only");
        }
    }

    #[test]
    fn not_a_database_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(
            &path,
            "this is not sqlite, just some text that is long enough....",
        )
        .unwrap();
        let e = SqliteStore::open(path.to_str().unwrap())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("junk.db: cannot open"), "{e}");
    }
}
