//! The time-series store of observations.
//!
//! Callers talk to the [`Store`] trait only; `sqlite.rs` is the embedded default and a
//! PostgreSQL implementation can sit beside it without touching them.

mod postgres;
mod sqlite;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{Kind, Metric, Observation, Platform, Source};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// How long claimed ticks are remembered (older claims are pruned as new ones are taken).
pub const TICK_MEMORY: chrono::Duration = chrono::Duration::days(7);

/// A store failure: the message names the store and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "store url `{0}` is not supported; use sqlite://PATH (e.g. sqlite://data/viewtally.db) \
         or postgres://USER@HOST:PORT/DATABASE"
    )]
    Unsupported(String),
    #[error("store {location}: cannot open: {message}; check [store] url in the config or $VIEWTALLY_STORE")]
    Open { location: String, message: String },
    #[error(
        "store {location} has schema version {found}, newer than this viewtally understands ({known}); \
         upgrade viewtally or point [store] url at another store"
    )]
    TooNew {
        location: String,
        found: i64,
        known: i64,
    },
    #[error("store {location}: {message}")]
    Query { location: String, message: String },
    /// A command that only reads found no SQLite file (it never creates one).
    #[error("no store at {location}; `viewtally import` or `viewtally collect` creates it")]
    Missing { location: String },
    /// A command that only reads found a PostgreSQL database without viewtally's tables.
    #[error(
        "store {location} has no viewtally tables yet; `viewtally import` or `viewtally collect` \
         creates them"
    )]
    Empty { location: String },
    /// The server cannot be reached now (down, refusing, not answering, name not resolved):
    /// the message says which and where; trying again later may work.
    #[error("store {location}: {message}")]
    Unreachable { location: String, message: String },
}

impl StoreError {
    /// Whether the store could not be reached (trying again later may work).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StoreError::Unreachable { .. })
    }
}

/// What a write did. Rows that already held the same value are `unchanged`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteSummary {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl WriteSummary {
    pub fn total(&self) -> u64 {
        self.inserted + self.updated + self.unchanged
    }
}

/// A file that was imported, remembered so that the daemon imports each file once.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub sha256: String,
    pub path: String,
    pub format: String,
    pub campaign: String,
    pub rows: u64,
    pub imported_at: DateTime<Utc>,
}

/// What the store remembers of a daemon job between restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobState {
    pub last_started: Option<DateTime<Utc>>,
    pub last_finished: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
}

/// Where a milestone notification stands: `baseline` (already crossed when the daemon first
/// A milestone announcement that was sent, with the bracket (timeline rule 4) it stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announced {
    pub threshold: i64,
    pub after: Option<DateTime<Utc>>,
    pub by: DateTime<Utc>,
}

/// ran; never announced), `pending` (crossed, announcement not yet delivered), `sent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeState {
    Baseline,
    Pending,
    Sent,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Baseline => "baseline",
            NoticeState::Pending => "pending",
            NoticeState::Sent => "sent",
        }
    }
    pub fn parse(s: &str) -> Option<NoticeState> {
        match s {
            "baseline" => Some(NoticeState::Baseline),
            "pending" => Some(NoticeState::Pending),
            "sent" => Some(NoticeState::Sent),
            _ => None,
        }
    }
}

/// Which observations to read.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub campaign: String,
    /// Only readings at or before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only this metric.
    pub metric: Option<Metric>,
}

/// Rows per [`ObservationBatch`] of a [`Store::scan`].
pub const SCAN_BATCH_ROWS: usize = 65_536;

/// Observations in columns, as [`Store::scan`] delivers them: no string per row.
///
/// Videos, accounts and sources are interned: the columns hold ids into the dictionaries
/// below, which grow over a scan and keep their ids (id 3 means the same video in every batch
/// of one scan).
#[derive(Debug, Clone, Default)]
pub struct ObservationBatch {
    /// Index into [`ObservationBatch::videos`].
    pub video: Vec<u32>,
    /// Index into [`ObservationBatch::accounts`].
    pub account: Vec<Option<u32>>,
    pub metric: Vec<Metric>,
    pub kind: Vec<Kind>,
    /// `at` in milliseconds since the Unix epoch (UTC).
    pub at_ms: Vec<i64>,
    pub value: Vec<i64>,
    /// Index into [`ObservationBatch::sources`].
    pub source: Vec<u32>,
    /// `collected_at` in milliseconds since the Unix epoch (UTC).
    pub collected_ms: Vec<i64>,
    /// Every (platform, video) seen so far in the scan.
    pub videos: Vec<(Platform, String)>,
    /// Every account seen so far in the scan.
    pub accounts: Vec<String>,
    /// Every source seen so far in the scan.
    pub sources: Vec<Source>,
    /// Dictionary lookups (by platform, then video id; by account; by source).
    video_ids: HashMap<Platform, HashMap<String, u32>>,
    account_ids: HashMap<String, u32>,
    source_ids: HashMap<String, u32>,
}

impl ObservationBatch {
    /// Rows in this batch.
    pub fn len(&self) -> usize {
        self.at_ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at_ms.is_empty()
    }

    /// Keep only the rows for which `keep(row)` holds (the dictionaries stay).
    pub fn retain_rows(&mut self, keep: impl Fn(usize) -> bool) {
        let rows: Vec<usize> = (0..self.len()).filter(|&i| keep(i)).collect();
        fn pick<T: Clone>(v: &mut Vec<T>, rows: &[usize]) {
            *v = rows.iter().map(|&i| v[i].clone()).collect();
        }
        pick(&mut self.video, &rows);
        pick(&mut self.account, &rows);
        pick(&mut self.metric, &rows);
        pick(&mut self.kind, &rows);
        pick(&mut self.at_ms, &rows);
        pick(&mut self.value, &rows);
        pick(&mut self.source, &rows);
        pick(&mut self.collected_ms, &rows);
    }

    /// Empty the columns for the next batch; the dictionaries stay.
    pub fn clear_rows(&mut self) {
        self.video.clear();
        self.account.clear();
        self.metric.clear();
        self.kind.clear();
        self.at_ms.clear();
        self.value.clear();
        self.source.clear();
        self.collected_ms.clear();
    }

    /// The id of a video in [`ObservationBatch::videos`], added when new (allocates only then).
    pub fn video_id(&mut self, platform: Platform, video: &str) -> u32 {
        let ids = self.video_ids.entry(platform).or_default();
        match ids.get(video) {
            Some(&id) => id,
            None => {
                let id = self.videos.len() as u32;
                self.videos.push((platform, video.to_string()));
                ids.insert(video.to_string(), id);
                id
            }
        }
    }

    /// The id of an account in [`ObservationBatch::accounts`], added when new.
    pub fn account_id(&mut self, account: &str) -> u32 {
        match self.account_ids.get(account) {
            Some(&id) => id,
            None => {
                let id = self.accounts.len() as u32;
                self.accounts.push(account.to_string());
                self.account_ids.insert(account.to_string(), id);
                id
            }
        }
    }

    /// The id of a source in [`ObservationBatch::sources`], added when new.
    pub fn source_id(&mut self, source: &str) -> u32 {
        match self.source_ids.get(source) {
            Some(&id) => id,
            None => {
                let id = self.sources.len() as u32;
                self.sources.push(Source::parse(source));
                self.source_ids.insert(source.to_string(), id);
                id
            }
        }
    }

    /// Append one observation. For small inputs and the default [`Store::scan`].
    pub fn push(&mut self, o: &Observation) {
        let video = self.video_id(o.platform, &o.video);
        let account = o.account.as_deref().map(|a| self.account_id(a));
        let source = self.source_id(o.source.as_str());
        self.video.push(video);
        self.account.push(account);
        self.metric.push(o.metric);
        self.kind.push(o.kind);
        self.at_ms.push(o.at.timestamp_millis());
        self.value.push(o.value);
        self.source.push(source);
        self.collected_ms.push(o.collected_at.timestamp_millis());
    }

    /// A batch holding these observations (tests and small callers).
    pub fn from_observations(observations: &[Observation]) -> ObservationBatch {
        let mut batch = ObservationBatch::default();
        for o in observations {
            batch.push(o);
        }
        batch
    }
}

/// The dictionaries of a store a scan resolves its rows' ids with, read up front: source and
/// account names, and collection times, by the store's id (`K`) of each.
struct ScanNames<K> {
    sources: HashMap<K, String>,
    accounts: HashMap<K, String>,
    collected: HashMap<K, i64>,
}

/// What one row of a series stands for in a scan (read once per series, not per row).
#[derive(Clone, Copy)]
struct ScanSeries<K> {
    id: K,
    video: u32,
    metric: Metric,
    kind: Kind,
}

/// One row of a scan, beside its series: ids are the batch's.
struct ScanPoint {
    at_ms: i64,
    value: i64,
    source: u32,
    account: Option<u32>,
    collected_ms: i64,
}

/// Ids of one kind a scan has mapped (store id `K` → `V`), with the last one asked for kept
/// apart: a series' rows mostly share their ids, so most lookups need no hash.
struct Memo<K, V> {
    map: HashMap<K, V>,
    last: Option<(K, V)>,
}

impl<K: Copy + Eq + std::hash::Hash, V: Copy> Memo<K, V> {
    fn new() -> Memo<K, V> {
        Memo {
            map: HashMap::new(),
            last: None,
        }
    }

    /// The value of `id`, from `find` the first time (None: there is none).
    fn get(&mut self, id: K, find: impl FnOnce() -> Option<V>) -> Option<V> {
        match self.last {
            Some((k, v)) if k == id => return Some(v),
            _ => {}
        }
        let v = match self.map.get(&id) {
            Some(&v) => v,
            None => {
                let v = find()?;
                self.map.insert(id, v);
                v
            }
        };
        self.last = Some((id, v));
        Some(v)
    }
}

/// A store's scan rows filled into a reused [`ObservationBatch`], handed on each time it holds
/// [`SCAN_BATCH_ROWS`] rows; maps the store's dictionary ids (`K`) to the batch's.
struct ScanFill<K> {
    batch: ObservationBatch,
    names: ScanNames<K>,
    sources: Memo<K, u32>,
    accounts: Memo<K, u32>,
    collected: Memo<K, i64>,
    /// Rows handed on so far.
    total: u64,
}

impl<K: Copy + Eq + std::hash::Hash> ScanFill<K> {
    fn new(names: ScanNames<K>) -> ScanFill<K> {
        ScanFill {
            batch: ObservationBatch::default(),
            names,
            sources: Memo::new(),
            accounts: Memo::new(),
            collected: Memo::new(),
            total: 0,
        }
    }

    /// The batch's id of the store's source `id`; None when the store has no such source.
    fn source(&mut self, id: K) -> Option<u32> {
        let (batch, names) = (&mut self.batch, &self.names);
        self.sources
            .get(id, || Some(batch.source_id(names.sources.get(&id)?)))
    }

    /// The batch's id of the store's account `id`; None when the store has no such account.
    fn account(&mut self, id: K) -> Option<u32> {
        let (batch, names) = (&mut self.batch, &self.names);
        self.accounts
            .get(id, || Some(batch.account_id(names.accounts.get(&id)?)))
    }

    /// The collection time of the store's write `id`; None when the store has no such write.
    fn collected_ms(&mut self, id: K) -> Option<i64> {
        let names = &self.names;
        self.collected.get(id, || names.collected.get(&id).copied())
    }

    /// Append a row; a full batch is handed to `each`.
    fn push(
        &mut self,
        series: &ScanSeries<K>,
        point: ScanPoint,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let batch = &mut self.batch;
        batch.video.push(series.video);
        batch.account.push(point.account);
        batch.metric.push(series.metric);
        batch.kind.push(series.kind);
        batch.at_ms.push(point.at_ms);
        batch.value.push(point.value);
        batch.source.push(point.source);
        batch.collected_ms.push(point.collected_ms);
        if batch.len() == SCAN_BATCH_ROWS {
            self.flush(each)?;
        }
        Ok(())
    }

    /// Hand the rows held (if any) to `each` and empty the batch's columns.
    fn flush(
        &mut self,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.total += self.batch.len() as u64;
        each(&self.batch)?;
        self.batch.clear_rows();
        Ok(())
    }
}

/// The row order of a [`Store::scan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOrder {
    /// The order of [`Store::observations`]: by time, then platform, video, metric, kind and
    /// source kind (exports, where the output must not change between runs).
    Sorted,
    /// Whatever order the store reads fastest: both stores give [`ScanOrder::Key`] order.
    Any,
    /// Key order: series by series (campaign, platform, video, metric, kind, source kind, in
    /// byte order), each series by time; one row per instant of a series. The order of the
    /// store's primary key, read without a sort; the timeline relies on it (a video's rows
    /// come together, each series in time order).
    Key,
}

/// The caller of a chunked write stopped it: a bad row, a failed check of the whole file. The
/// write is rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// Where a chunked write ([`Store::write_chunks`]) takes its observations from.
pub trait Chunks {
    /// The next observations, in order (a key given twice: the later value wins, as within one
    /// [`Store::write`]); `Ok(None)` after the last; `Err(Stop)` rolls the write back.
    fn next_chunk(&mut self) -> Result<Option<Vec<Observation>>, Stop>;
    /// Asked once after the last chunk: the imports to record with them, or `Err(Stop)` to roll
    /// everything back (the caller's final check failed).
    fn finish(&mut self) -> Result<Vec<ImportRecord>, Stop>;
}

/// Chunks held in memory (tests and small callers).
#[derive(Debug, Default)]
pub struct VecChunks {
    pub chunks: std::collections::VecDeque<Vec<Observation>>,
    /// The imports to record, or `None` to stop (roll back) at the end.
    pub imports: Option<Vec<ImportRecord>>,
}

impl Chunks for VecChunks {
    fn next_chunk(&mut self) -> Result<Option<Vec<Observation>>, Stop> {
        Ok(self.chunks.pop_front())
    }
    fn finish(&mut self) -> Result<Vec<ImportRecord>, Stop> {
        self.imports.take().ok_or(Stop)
    }
}

impl std::ops::AddAssign for WriteSummary {
    fn add_assign(&mut self, o: WriteSummary) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// A durable home for observations.
pub trait Store: StateStore + Send {
    /// Store observations (and the imports they came from) in one transaction: all or none.
    /// Upserts on (campaign, platform, video, metric, kind, at, source kind).
    fn write(
        &mut self,
        observations: &[Observation],
        imports: &[ImportRecord],
    ) -> Result<WriteSummary, StoreError>;

    /// Store observations handed in chunks (and the imports they came from) in one
    /// transaction: all or none, memory bounded by a chunk. What is stored, and the summary,
    /// are those of one [`Store::write`] of all the chunks in order. `Ok(None)`: the caller
    /// stopped it ([`Stop`]) and nothing was stored; a store error also stores nothing.
    fn write_chunks(&mut self, chunks: &mut dyn Chunks)
        -> Result<Option<WriteSummary>, StoreError>;

    /// Observations of a campaign, oldest first.
    fn observations(&self, query: &Query) -> Result<Vec<Observation>, StoreError>;

    /// Observations of a campaign in column batches of up to [`SCAN_BATCH_ROWS`] rows, in the
    /// given order, for reading millions of rows without a `String` per row. `each` sees every batch in turn; an error from it stops the scan and
    /// is returned. Returns the number of rows delivered.
    ///
    /// The default reads [`Store::observations`], puts it in the order asked for and slices
    /// it; stores override it with a streaming read.
    fn scan(
        &self,
        query: &Query,
        order: ScanOrder,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let mut observations = self.observations(query)?;
        if order != ScanOrder::Sorted {
            observations.sort_by(|a, b| key_order(a).cmp(&key_order(b)));
        }
        let mut batch = ObservationBatch::default();
        for chunk in observations.chunks(SCAN_BATCH_ROWS) {
            batch.clear_rows();
            for o in chunk {
                batch.push(o);
            }
            each(&batch)?;
        }
        Ok(observations.len() as u64)
    }

    /// How many observations a campaign has (all campaigns with `None`).
    fn count(&self, campaign: Option<&str>) -> Result<u64, StoreError>;

    /// The campaigns that have observations, with how many each (by slug).
    fn campaigns(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// Whether a file with this SHA-256 was already imported into the campaign.
    fn imported(&self, campaign: &str, sha256: &str) -> Result<bool, StoreError>;

    /// Where the store is, for messages (never includes a password).
    fn location(&self) -> String;

    /// A cheap fingerprint of a campaign's readings (one aggregate query, no rows read into
    /// memory): it changes whenever a reading is added or its value changes. The daemon's live
    /// page rebuilds its timeline only when this differs from the one it was built from.
    fn readings_version(&self, campaign: &str) -> Result<ReadingsVersion, StoreError>;
}

/// What [`Store::readings_version`] returns: equal versions mean the same readings.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReadingsVersion {
    /// How many readings the campaign has.
    pub readings: u64,
    /// When the latest write that stored one of them happened (its `collected_at`).
    pub last_write: Option<DateTime<Utc>>,
    /// The newest reading's time.
    pub last_at: Option<DateTime<Utc>>,
    /// The highest write id among them (a write that replaces a value gets a newer one).
    pub last_write_id: i64,
    /// The sum of their values (as a float: a checksum, never shown).
    pub value_sum: f64,
}

/// What the daemon and the API sources remember besides observations: job runs, milestone
/// notices and their claims, scheduled-tick claims, API quota and non-secret credential state.
/// Every store implements both halves; the same transaction and claim guarantees hold.
pub trait StateStore {
    /// The remembered state of a daemon job.
    fn job_state(&self, campaign: &str, job: &str) -> Result<JobState, StoreError>;

    /// Remember that a job started (`finished` None) or finished (with its error, if any).
    fn record_job(
        &mut self,
        campaign: &str,
        job: &str,
        started: DateTime<Utc>,
        finished: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Milestone notification states of a campaign: (threshold, state).
    fn notices(&self, campaign: &str) -> Result<Vec<(i64, NoticeState)>, StoreError>;

    /// Set a milestone's notification state. A `sent` notice is final: it is never changed.
    fn set_notice(
        &mut self,
        campaign: &str,
        threshold: i64,
        state: NoticeState,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Remember the bracket a sent announcement stated (the first one recorded stays), so that
    /// a report can say when later corrections move the crossing out of it.
    fn record_announced(
        &mut self,
        campaign: &str,
        threshold: i64,
        after: Option<DateTime<Utc>>,
        by: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The sent announcements of a campaign with the bracket each stated.
    fn announced(&self, campaign: &str) -> Result<Vec<Announced>, StoreError>;

    /// Claim one scheduled tick of a daemon job for `owner` (one daemon of a fleet). Returns
    /// true for exactly one caller per (campaign, job, tick) among all daemons sharing the store;
    /// the others skip that tick. Claims older than [`TICK_MEMORY`] are pruned.
    fn claim_tick(
        &mut self,
        campaign: &str,
        job: &str,
        tick: DateTime<Utc>,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Claim the announcement of a crossed milestone for `owner`: records the milestone as
    /// `pending` if it is new, and returns true when it is pending and not held by another owner
    /// whose claim is younger than `lease` (so a daemon that died while sending is replaced).
    fn claim_notice(
        &mut self,
        campaign: &str,
        threshold: i64,
        owner: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<bool, StoreError>;

    /// API quota units spent on a platform's quota `day` in one quota `bucket`
    /// (e.g. YouTube's `videos.list`, counted per Pacific-time day).
    fn api_usage(
        &self,
        platform: Platform,
        bucket: &str,
        day: NaiveDate,
    ) -> Result<u64, StoreError>;

    /// Add `units` to what was spent on `day` in `bucket` (its own small transaction).
    fn add_api_usage(
        &mut self,
        platform: Platform,
        bucket: &str,
        day: NaiveDate,
        units: u64,
    ) -> Result<(), StoreError>;

    /// A remembered fact about a platform's credentials, never a secret
    /// (e.g. when the LinkedIn refresh token expires).
    fn api_state(&self, platform: Platform, key: &str) -> Result<Option<String>, StoreError>;

    /// Remember (replace) a fact about a platform's credentials. Never pass a secret.
    fn set_api_state(
        &mut self,
        platform: Platform,
        key: &str,
        value: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// The text of a reading's series key (the store key without `at`), borrowed from it.
pub(crate) type SeriesKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

pub(crate) fn series_key(o: &Observation) -> SeriesKey<'_> {
    (
        &o.campaign,
        o.platform.as_str(),
        &o.video,
        o.metric.as_str(),
        o.kind.as_str(),
        o.source.kind(),
    )
}

/// Where an observation stands in [`ScanOrder::Key`].
pub fn key_order(o: &Observation) -> (SeriesKey<'_>, i64) {
    (series_key(o), o.at.timestamp_millis())
}

/// The end of migration 6 (both stores), after the v1 rows are copied: the v1 table goes, and
/// a view of the same name and columns stays for people and scripts that query the store.
pub(crate) const V2_FINISH: &str = "DROP TABLE observations;
    CREATE VIEW observations AS
        SELECT s.campaign, s.platform, s.video, a.name AS account, s.metric, s.kind, p.at_ms,
               p.value, src.name AS source, s.source_kind, w.collected_ms
        FROM points p
        JOIN series s ON s.id = p.series
        JOIN sources src ON src.id = p.source
        LEFT JOIN accounts a ON a.id = p.account
        JOIN writes w ON w.id = p.collected;";

/// Rows from which a schema upgrade shows a progress bar (when stderr is a terminal).
const MIGRATION_PROGRESS_ROWS: u64 = 100_000;

/// A progress bar on stderr for a schema upgrade of `rows` observations, when that is many and
/// stderr is a terminal.
fn migration_progress(rows: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if rows < MIGRATION_PROGRESS_ROWS || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(rows),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "upgrading the store to schema v2 [{bar:30}] {pos}/{len} observations ({eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// Open the store a URL names, creating and migrating it as needed.
pub fn open(url: &str) -> Result<Box<dyn Store>, StoreError> {
    open_as(url, true)
}

/// Open the store a URL names for a command that only reads: an SQLite file that does not
/// exist, or a PostgreSQL database without viewtally's tables, is an error
/// ([`StoreError::Missing`], [`StoreError::Empty`]), never created.
pub fn open_existing(url: &str) -> Result<Box<dyn Store>, StoreError> {
    open_as(url, false)
}

/// The store a URL names; `create`: made (and migrated) when missing.
fn open_as(url: &str, create: bool) -> Result<Box<dyn Store>, StoreError> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok(Box::new(match create {
            true => SqliteStore::open(path)?,
            false => SqliteStore::open_existing(path)?,
        }))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Box::new(match create {
            true => PgStore::open(url)?,
            false => PgStore::open_existing(url)?,
        }))
    } else {
        Err(StoreError::Unsupported(redact_url(url)))
    }
}

/// Where the user part of a URL ends (the `@` before the host), if it has one: the last `@`
/// before the first `?` that follows the first `@` (a password written with a raw `@` or
/// `?` still ends there; an `@` in the options does not count).
fn userinfo_end(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let first_at = rest.find('@')?;
    let limit = rest[first_at..]
        .find('?')
        .map(|q| first_at + q)
        .unwrap_or(rest.len());
    let at = rest[..limit].rfind('@')?;
    // An `@` in the path or the options of a URL without a user part: a user name holds no `/`.
    let user = rest[..at].split(':').next().unwrap_or("");
    if user.contains('/') || user.contains('?') {
        return None;
    }
    Some((start, start + at))
}

/// A URL with any password replaced (in the user part or a `password=` option), for messages.
pub fn redact_url(url: &str) -> String {
    let (mut out, rest) = match userinfo_end(url) {
        Some((start, at)) => {
            let userinfo = &url[start..at];
            let head = match userinfo.find(':') {
                Some(colon) => format!("{}{}:**REDACTED**", &url[..start], &userinfo[..colon]),
                None => url[..at].to_string(),
            };
            (head, &url[at..])
        }
        None => (String::new(), url),
    };
    let (base, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    out.push_str(base);
    if let Some(query) = query {
        let options: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=**REDACTED**"),
                _ => kv.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&options.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://me:secret@db/x"),
            "postgres://me:**REDACTED**@db/x"
        );
        assert_eq!(redact_url("sqlite://data/v.db"), "sqlite://data/v.db");
        assert_eq!(
            redact_url("postgres://me@db/x?sslmode=require&password=s3cret&pool_size=2"),
            "postgres://me@db/x?sslmode=require&password=**REDACTED**&pool_size=2"
        );
        // Passwords written with raw reserved characters are still hidden whole.
        assert_eq!(
            redact_url("postgres://me:p@ss@db/x"),
            "postgres://me:**REDACTED**@db/x"
        );
        assert_eq!(
            redact_url("postgres://me:pa?ss@db/x?sslmode=disable"),
            "postgres://me:**REDACTED**@db/x?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://me:pa/ss@db/x"),
            "postgres://me:**REDACTED**@db/x"
        );
        assert_eq!(
            redact_url("postgres://db/x?sslrootcert=/a@b/ca.pem"),
            "postgres://db/x?sslrootcert=/a@b/ca.pem"
        );
        assert_eq!(
            redact_url("postgres://me@db/x?sslrootcert=/a@b/ca.pem"),
            "postgres://me@db/x?sslrootcert=/a@b/ca.pem"
        );
    }
}
