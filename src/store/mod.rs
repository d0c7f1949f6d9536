//! The time-series store of observations.
//!
//! Callers talk to the [`Store`] trait only; `sqlite.rs` is the embedded default and a
//! PostgreSQL implementation can sit beside it without touching them.

mod postgres;
mod sqlite;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{Metric, Observation, Platform};

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

/// A durable home for observations.
pub trait Store: Send {
    /// Store observations (and the imports they came from) in one transaction: all or none.
    /// Upserts on (campaign, platform, video, metric, kind, at, source kind).
    fn write(
        &mut self,
        observations: &[Observation],
        imports: &[ImportRecord],
    ) -> Result<WriteSummary, StoreError>;

    /// Observations of a campaign, oldest first.
    fn observations(&self, query: &Query) -> Result<Vec<Observation>, StoreError>;

    /// How many observations a campaign has (all campaigns with `None`).
    fn count(&self, campaign: Option<&str>) -> Result<u64, StoreError>;

    /// Whether a file with this SHA-256 was already imported into the campaign.
    fn imported(&self, campaign: &str, sha256: &str) -> Result<bool, StoreError>;

    /// Where the store is, for messages (never includes a password).
    fn location(&self) -> String;

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

/// Open the store a URL names, creating and migrating it as needed.
pub fn open(url: &str) -> Result<Box<dyn Store>, StoreError> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok(Box::new(SqliteStore::open(path)?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Box::new(PgStore::open(url)?))
    } else {
        Err(StoreError::Unsupported(redact_url(url)))
    }
}

/// A URL with any password replaced (in the user part or a `password=` option), for messages.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &base[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:**REDACTED**{}",
                    &base[..scheme + 3],
                    &userinfo[..colon],
                    &base[at..]
                ),
                None => base.to_string(),
            }
        }
        _ => base.to_string(),
    };
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
    }
}
