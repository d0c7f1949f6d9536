//! The daemon's live pages (issue 16, point 5): `/c/<slug>/` is the campaign's report built
//! from the store's current timeline, `/c/<slug>/<chart file>` its charts, rendered on request.
//!
//! Per campaign one [`Snapshot`] is kept: the timeline, the page and the charts rendered from
//! it. A request first asks the store for the campaign's [`ReadingsVersion`] (one aggregate
//! query, at most every [`RECHECK`]); the timeline is rebuilt only when that changed. Every
//! store read and every rendering runs on a blocking thread; the store is opened for the
//! check (and the rebuild) and closed at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::http::AppState;
use super::schedule::Clock;
use crate::config::{Campaign, Config};
use crate::render::live::{self as render_live, LiveInfo};
use crate::render::ReportOptions;
use crate::store::{self, ReadingsVersion};
use crate::timeline::Timeline;

/// Requests within this long of the last check reuse the snapshot without asking the store
/// (a phone loading a page and its charts asks once).
const RECHECK: Duration = Duration::from_secs(2);

/// `Cache-Control` of the live page and charts: a minute, then revalidated (ETag).
const CACHE_CONTROL: &str = "public, max-age=60";

/// The report files of a campaign's folder the live page links as "last saved report".
const SAVED_FILES: [&str; 5] = [
    "report.html",
    "summary.md",
    "timeline.csv",
    "snippet.cs.txt",
    "snippet.en.txt",
];

/// Why a live page or chart cannot be served.
#[derive(Debug)]
pub enum LiveError {
    /// The store cannot be read (503): the reason, URLs redacted.
    Store(String),
    /// The timeline or a rendering failed (500).
    Render(String),
}

/// One campaign's timeline as of one [`ReadingsVersion`], and what was rendered from it.
pub struct Snapshot {
    pub version: ReadingsVersion,
    pub tl: Timeline,
    /// When it was built (the page's "page updated").
    pub built_at: DateTime<Utc>,
    /// The base of every ETag of this snapshot: the readings and the report options.
    tag: String,
    /// `Last-Modified`: the latest write of a reading (or the daemon's start, if later: the
    /// report options may have changed with it), to the second.
    pub last_modified: DateTime<Utc>,
    /// The page, with the saved report files it links.
    page: Mutex<Option<(Vec<String>, Bytes)>>,
    /// Charts rendered so far, by file name.
    charts: Mutex<HashMap<String, (Bytes, &'static str)>>,
}

impl Snapshot {
    /// An ETag for one representation (`"page"` or a chart file name) of this snapshot.
    fn etag(&self, what: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.tag.as_bytes());
        h.update([0]);
        h.update(what.as_bytes());
        format!("\"{}\"", &hex(&h.finalize())[..20])
    }
}

struct Slot {
    /// Held while the snapshot is checked or rebuilt: concurrent requests wait for one rebuild.
    build: Mutex<()>,
    current: Mutex<Option<(Arc<Snapshot>, Instant)>>,
    /// A digest of what the report depends on besides the readings (campaign and report
    /// settings, the viewtally version).
    options_key: String,
}

/// The live pages of every campaign.
pub struct Live {
    config: Arc<Config>,
    clock: Clock,
    started: DateTime<Utc>,
    slots: HashMap<String, Slot>,
}

impl Live {
    pub fn new(config: Arc<Config>, clock: Clock) -> Live {
        let started = clock.now();
        let slots = config
            .campaigns
            .iter()
            .map(|c| {
                let mut h = Sha256::new();
                h.update(env!("CARGO_PKG_VERSION"));
                h.update(format!(
                    "{c:?}\n{:?}\n{:?}",
                    config.report, config.platforms
                ));
                let slot = Slot {
                    build: Mutex::new(()),
                    current: Mutex::new(None),
                    options_key: hex(&h.finalize()),
                };
                (c.slug().to_string(), slot)
            })
            .collect();
        Live {
            config,
            clock,
            started,
            slots,
        }
    }

    /// The configuration the daemon runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn campaign(&self, slug: &str) -> Option<&Campaign> {
        self.config.campaigns.iter().find(|c| c.slug() == slug)
    }

    fn options(&self, campaign: &Campaign, now: DateTime<Utc>) -> ReportOptions {
        let config = &self.config;
        ReportOptions::for_campaign(config, campaign, &config.report.dir, None, now)
    }

    /// The campaign's current snapshot (blocking: store); `None` for an unknown slug.
    pub fn snapshot(&self, slug: &str) -> Result<Option<Arc<Snapshot>>, LiveError> {
        let (Some(slot), Some(campaign)) = (self.slots.get(slug), self.campaign(slug)) else {
            return Ok(None);
        };
        let fresh = || {
            lock(&slot.current)
                .as_ref()
                .filter(|(_, checked)| checked.elapsed() < RECHECK)
                .map(|(s, _)| s.clone())
        };
        if let Some(s) = fresh() {
            return Ok(Some(s));
        }
        let _building = lock(&slot.build);
        // Another request may have checked while this one waited.
        if let Some(s) = fresh() {
            return Ok(Some(s));
        }
        let url = &self.config.store.url;
        let store = store::open(url).map_err(|e| LiveError::Store(redacted(&e, url)))?;
        let version = store
            .readings_version(slug)
            .map_err(|e| LiveError::Store(redacted(&e, url)))?;
        let current = lock(&slot.current).as_ref().map(|(s, _)| s.clone());
        if let Some(s) = current.filter(|s| s.version == version) {
            *lock(&slot.current) = Some((s.clone(), Instant::now()));
            return Ok(Some(s));
        }
        let started = Instant::now();
        let tl = crate::timeline::for_campaign(store.as_ref(), campaign, None).map_err(|e| {
            let store_failed = e
                .chain()
                .any(|c| c.downcast_ref::<store::StoreError>().is_some());
            match store_failed {
                true => LiveError::Store(redacted(&format!("{e:#}"), url)),
                false => LiveError::Render(redacted(&format!("{e:#}"), url)),
            }
        })?;
        drop(store);
        let last_write = version.last_write.unwrap_or(self.started).max(self.started);
        let snapshot = Arc::new(Snapshot {
            tag: format!(
                "{}/{}/{}/{}/{}",
                slot.options_key,
                version.readings,
                version.last_write_id,
                version.last_at.map_or(0, |t| t.timestamp_millis()),
                version.value_sum.to_bits()
            ),
            version,
            tl,
            built_at: self.clock.now(),
            last_modified: DateTime::from_timestamp(last_write.timestamp(), 0)
                .unwrap_or(last_write),
            page: Mutex::new(None),
            charts: Mutex::new(HashMap::new()),
        });
        tracing::debug!(
            campaign = slug,
            readings = version.readings,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "live page: timeline rebuilt"
        );
        *lock(&slot.current) = Some((snapshot.clone(), Instant::now()));
        Ok(Some(snapshot))
    }

    /// The live page of a campaign and its ETag (blocking); `None` for an unknown slug.
    pub fn page(&self, slug: &str) -> Result<Option<(Arc<Snapshot>, Bytes, String)>, LiveError> {
        let Some(snap) = self.snapshot(slug)? else {
            return Ok(None);
        };
        let Some(campaign) = self.campaign(slug) else {
            return Ok(None);
        };
        let dir = self.config.report.dir.join(slug);
        let saved: Vec<String> = SAVED_FILES
            .into_iter()
            .filter(|f| dir.join(f).is_file())
            .map(String::from)
            .collect();
        let etag = snap.etag(&format!("page\0{}", saved.join("\0")));
        if let Some((s, page)) = lock(&snap.page).as_ref() {
            if *s == saved {
                return Ok(Some((snap.clone(), page.clone(), etag)));
            }
        }
        let info = LiveInfo {
            updated_at: snap.built_at,
            slug: slug.to_string(),
            saved: saved.clone(),
        };
        let options = self.options(campaign, snap.built_at);
        let page = render_live::page(campaign, &snap.tl, &options, &info)
            .map_err(|e| LiveError::Render(e.to_string()))?;
        let page = Bytes::from(page);
        *lock(&snap.page) = Some((saved, page.clone()));
        Ok(Some((snap, page, etag)))
    }

    /// One chart file of a campaign, with its content type and ETag (blocking); `None` for an
    /// unknown slug or file.
    #[allow(clippy::type_complexity)]
    pub fn chart(
        &self,
        slug: &str,
        file: &str,
    ) -> Result<Option<(Arc<Snapshot>, Bytes, &'static str, String)>, LiveError> {
        let Some(snap) = self.snapshot(slug)? else {
            return Ok(None);
        };
        let Some(campaign) = self.campaign(slug) else {
            return Ok(None);
        };
        let etag = snap.etag(file);
        if let Some((bytes, ty)) = lock(&snap.charts).get(file) {
            return Ok(Some((snap.clone(), bytes.clone(), ty, etag)));
        }
        let options = self.options(campaign, snap.built_at);
        let Some((bytes, ty)) = render_live::chart(campaign, &snap.tl, &options, file)
            .map_err(|e| LiveError::Render(e.to_string()))?
        else {
            return Ok(None);
        };
        let bytes = Bytes::from(bytes);
        lock(&snap.charts).insert(file.to_string(), (bytes.clone(), ty));
        Ok(Some((snap, bytes, ty, etag)))
    }

    /// The chart files a campaign's live page serves now (for the 404 message).
    fn chart_files(&self, slug: &str) -> Vec<String> {
        let Some(campaign) = self.campaign(slug) else {
            return Vec::new();
        };
        let slot = self.slots.get(slug);
        let snap = slot.and_then(|s| lock(&s.current).as_ref().map(|(s, _)| s.clone()));
        match snap {
            Some(s) => render_live::chart_files(&s.tl, &self.options(campaign, s.built_at)),
            None => Vec::new(),
        }
    }

    /// Per campaign: its total views and latest reading, or why they cannot be read (for the
    /// index; blocking).
    pub fn numbers(&self) -> super::http::IndexNumbers {
        self.config
            .campaigns
            .iter()
            .map(|c| {
                let numbers = match self.snapshot(c.slug()) {
                    Ok(Some(s)) => Ok((s.tl.total(), s.tl.as_of)),
                    Ok(None) => Err("not configured".to_string()),
                    Err(LiveError::Store(e) | LiveError::Render(e)) => Err(e),
                };
                (c.slug().to_string(), numbers)
            })
            .collect()
    }
}

/// A mutex's value, also after a panic elsewhere (the cache is only ever replaced whole).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An error's text with the store URL (and any password in it) redacted.
fn redacted(e: &dyn std::fmt::Display, url: &str) -> String {
    let text = e.to_string();
    if url.is_empty() {
        return text;
    }
    text.replace(url, &store::redact_url(url))
}

/// An HTTP date: `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether the request's validators say the client has this version: `If-None-Match` when
/// given (a list, or `*`), else `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        let inm = inm.to_str().unwrap_or("");
        return inm.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| last_modified <= since.with_timezone(&Utc))
}

/// A 200 with the caching headers, or a 304 when the client has it.
fn cached(
    headers: &HeaderMap,
    etag: &str,
    last_modified: DateTime<Utc>,
    content_type: &'static str,
    body: Bytes,
) -> Response {
    let mut out = HeaderMap::new();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(etag) {
        out.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(last_modified)) {
        out.insert(header::LAST_MODIFIED, v);
    }
    if not_modified(headers, etag, last_modified) {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    (StatusCode::OK, out, body).into_response()
}

/// A short plain-text answer.
fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        format!("viewtally: {text}\n"),
    )
        .into_response()
}

fn unknown_campaign(slug: &str) -> Response {
    plain(
        StatusCode::NOT_FOUND,
        format!("no campaign `{slug}` is configured; / lists the campaigns"),
    )
}

fn failed(slug: &str, e: LiveError) -> Response {
    match e {
        LiveError::Store(why) => {
            tracing::warn!(
                campaign = slug,
                "live page: the store cannot be read: {why}"
            );
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the numbers of campaign `{slug}` cannot be read now (the store): {why}"),
            )
        }
        LiveError::Render(why) => {
            tracing::error!(campaign = slug, "live page failed: {why}");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the live page of campaign `{slug}` cannot be made: {why}"),
            )
        }
    }
}

/// `/c/<slug>`: to `/c/<slug>/`.
pub async fn campaign_redirect(Path(slug): Path<String>) -> Response {
    Redirect::permanent(&format!("/c/{slug}/")).into_response()
}

/// `/c/<slug>/`: the campaign's live page.
pub async fn campaign_page(
    State(s): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    page_response(&s, slug, &headers).await
}

/// The live page of `slug` as a response (also `/` with one campaign).
pub async fn page_response(s: &Arc<AppState>, slug: String, headers: &HeaderMap) -> Response {
    let live = s.live.clone();
    let slug2 = slug.clone();
    match tokio::task::spawn_blocking(move || live.page(&slug2)).await {
        Ok(Ok(Some((snap, page, etag)))) => cached(
            headers,
            &etag,
            snap.last_modified,
            "text/html; charset=utf-8",
            page,
        ),
        Ok(Ok(None)) => unknown_campaign(&slug),
        Ok(Err(e)) => failed(&slug, e),
        Err(e) => failed(
            &slug,
            LiveError::Render(format!("the page task failed: {e}")),
        ),
    }
}

/// `/c/<slug>/<file>`: a chart rendered from the current timeline.
pub async fn campaign_file(
    State(s): State<Arc<AppState>>,
    Path((slug, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !s.campaigns.iter().any(|(c, _)| *c == slug) {
        return unknown_campaign(&slug);
    }
    let live = s.live.clone();
    let (slug2, file2) = (slug.clone(), file.clone());
    match tokio::task::spawn_blocking(move || live.chart(&slug2, &file2)).await {
        Ok(Ok(Some((snap, bytes, ty, etag)))) => {
            cached(&headers, &etag, snap.last_modified, ty, bytes)
        }
        Ok(Ok(None)) => {
            let files = s.live.chart_files(&slug);
            plain(
                StatusCode::NOT_FOUND,
                format!(
                    "campaign `{slug}` has no live file `{}`; it has: {}",
                    file.chars().take(100).collect::<String>(),
                    if files.is_empty() {
                        "(none yet)".to_string()
                    } else {
                        files.join(", ")
                    }
                ),
            )
        }
        Ok(Err(e)) => failed(&slug, e),
        Err(e) => failed(
            &slug,
            LiveError::Render(format!("the chart task failed: {e}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_answer_304_only_for_this_version() {
        let lm = DateTime::parse_from_rfc3339("2020-07-26T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, "\"abc\"", lm));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(not_modified(&h, "\"abc\"", lm));
        assert!(!not_modified(&h, "\"abd\"", lm));
        // If-None-Match wins over If-Modified-Since
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Sun, 26 Jul 2020 10:00:00 GMT"),
        );
        assert!(!not_modified(&h, "\"abd\"", lm));
        h.remove(header::IF_NONE_MATCH);
        assert!(not_modified(&h, "\"abd\"", lm));
        assert!(!not_modified(
            &h,
            "\"abd\"",
            lm + chrono::Duration::seconds(1)
        ));
        assert_eq!(http_date(lm), "Sun, 26 Jul 2020 10:00:00 GMT");
    }

    #[test]
    fn store_urls_are_redacted_in_errors() {
        let url = "postgres://vt:s3cret@db/vt";
        let e = format!("cannot connect to {url}: refused");
        let text = redacted(&e, url);
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("postgres://vt:**REDACTED**@db/vt"), "{text}");
    }
}
