//! The daemon's HTTP endpoint: `/` (campaign index and their reports), `/healthz`, `/metrics`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::metrics::Metrics;

/// How one job is doing, for /healthz.
#[derive(Debug, Clone, Default)]
pub struct JobHealth {
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
}

/// A file in a watched folder that failed to import: listed until it is fixed or removed.
#[derive(Debug, Clone)]
pub struct FailedFile {
    /// Its content when it failed (a changed file is read again).
    pub sha256: String,
    /// The import error, naming the file, line and column.
    pub error: String,
    pub since: chrono::DateTime<chrono::Utc>,
}

/// What the handlers read.
pub struct AppState {
    /// (slug, name) of every campaign.
    pub campaigns: Vec<(String, String)>,
    /// The slug of every `[[comparison]]` (their files are in `<report dir>/compare/<slug>/`).
    pub comparisons: Vec<String>,
    pub report_dir: PathBuf,
    pub metrics: Arc<Metrics>,
    pub health: Mutex<BTreeMap<(String, String), JobHealth>>,
    pub unhealthy_after: u32,
    /// Files of watched folders that failed to import, by (campaign, path).
    pub failed_files: Mutex<BTreeMap<(String, String), FailedFile>>,
    /// Why the store cannot be reached, while a daemon started without it waits for it.
    pub store_unreachable: Mutex<Option<String>>,
    /// Per campaign: readings fetched in runs whose store write failed, kept in the spool
    /// until a run writes them.
    pub pending_readings: Mutex<BTreeMap<String, usize>>,
    /// The live pages (`/c/<slug>/`): current timelines and what was rendered from them.
    pub live: Arc<super::live::Live>,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/reports/{slug}/{file}", get(report_file))
        .route("/reports/compare/{slug}/{file}", get(comparison_file))
        .route("/c/{slug}", get(super::live::campaign_redirect))
        .route("/c/{slug}/", get(super::live::campaign_page))
        .route("/c/{slug}/{file}", get(super::live::campaign_file))
        .with_state(state)
}

/// OpenMetrics when the scraper's `Accept` asks for it, else the Prometheus text format 0.0.4.
async fn metrics(State(s): State<Arc<AppState>>, headers: axum::http::HeaderMap) -> Response {
    let text = with_failed_files(&s, s.metrics.encode());
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    if super::metrics::wants_openmetrics(accept) {
        ([(header::CONTENT_TYPE, super::metrics::OPENMETRICS)], text).into_response()
    } else {
        (
            [(header::CONTENT_TYPE, super::metrics::PROMETHEUS_TEXT)],
            super::metrics::to_prometheus_text(&text),
        )
            .into_response()
    }
}

/// The metrics text with the `viewtally_import_failed_files` gauge added before its end:
/// per campaign, the files of its watched folder that failed to import and are neither fixed
/// nor removed.
fn with_failed_files(s: &AppState, encoded: String) -> String {
    let failed = s.failed_files.lock().map(|f| f.clone()).unwrap_or_default();
    let mut gauge = String::from(
        "# HELP viewtally_import_failed_files Files in the watched folder that failed to import (until fixed or removed).\n\
         # TYPE viewtally_import_failed_files gauge\n",
    );
    for (slug, _) in &s.campaigns {
        let n = failed.keys().filter(|(c, _)| c == slug).count();
        let label = slug.replace('\\', "\\\\").replace('"', "\\\"");
        gauge.push_str(&format!(
            "viewtally_import_failed_files{{campaign=\"{label}\"}} {n}\n"
        ));
    }
    match encoded.rfind("# EOF") {
        Some(at) => format!("{}{gauge}{}", &encoded[..at], &encoded[at..]),
        None => encoded + &gauge,
    }
}

async fn healthz(State(s): State<Arc<AppState>>) -> Response {
    if let Some(why) = s.store_unreachable.lock().ok().and_then(|w| w.clone()) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({
                "status": "failing",
                "reason": "the store is unreachable; the daemon connects (and starts its jobs) when it can",
                "store": why,
            })),
        )
            .into_response();
    }
    let health = s.health.lock().map(|h| h.clone()).unwrap_or_default();
    let failing: Vec<_> = health
        .iter()
        .filter(|(_, h)| h.consecutive_failures >= s.unhealthy_after)
        .map(|((campaign, job), h)| {
            json!({
                "campaign": campaign,
                "job": job,
                "consecutive_failures": h.consecutive_failures,
                "last_error": h.last_error,
            })
        })
        .collect();
    // Files that failed to import are listed, but do not turn /healthz red (503): the daemon
    // works, a file needs a person (a monitor restarting the daemon would not help).
    let files: Vec<_> = s
        .failed_files
        .lock()
        .map(|f| f.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|((campaign, file), f)| {
            json!({
                "campaign": campaign,
                "file": file,
                "error": f.error,
                "since": crate::render::rfc3339(f.since),
            })
        })
        .collect();
    // Webhooks whose last delivery failed are listed too, without a 503 of their own: the
    // announcements wait in the store and go out when the webhook takes them again.
    let webhooks: Vec<_> = s
        .metrics
        .failing_webhooks()
        .into_iter()
        .map(|(sink, h)| {
            json!({
                "url_env": sink,
                "consecutive_failures": h.consecutive_failures,
                "last_error": h.last_error,
            })
        })
        .collect();
    if failing.is_empty() {
        let degraded = !files.is_empty() || !webhooks.is_empty();
        let mut body = json!({ "status": if degraded { "degraded" } else { "ok" } });
        if !webhooks.is_empty() {
            body["reason"] = json!(format!(
                "{} failed to take milestone notifications; they are kept and retried",
                crate::model::counted(webhooks.len(), "webhook", "webhooks")
            ));
            body["failing_webhooks"] = json!(webhooks);
        }
        if !files.is_empty() {
            body["reason"] = json!(format!(
                "{} in a watched folder could not be imported; fix or remove {}",
                crate::model::counted(files.len(), "file", "files"),
                if files.len() == 1 { "it" } else { "them" }
            ));
            body["failed_files"] = json!(files);
        }
        with_pending(&s, &mut body);
        (StatusCode::OK, axum::Json(body)).into_response()
    } else {
        let mut body = json!({
            "status": "failing",
            "reason": format!("{} failed {} or more times in a row", crate::model::counted(failing.len(), "job", "jobs"), s.unhealthy_after),
            "jobs": failing,
        });
        if !files.is_empty() {
            body["failed_files"] = json!(files);
        }
        if !webhooks.is_empty() {
            body["failing_webhooks"] = json!(webhooks);
        }
        with_pending(&s, &mut body);
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
    }
}

/// `pending_readings`: per campaign, the readings kept in the spool for the store (only when
/// some wait).
fn with_pending(s: &AppState, body: &mut serde_json::Value) {
    let pending = s
        .pending_readings
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    if !pending.is_empty() {
        body["pending_readings"] = json!(pending);
    }
}

/// The report files the index links, in this order, where the campaign has them.
const INDEX_FILES: [&str; 5] = [
    "report.html",
    "summary.md",
    "cumulative.png",
    "cumulative.svg",
    "timeline.csv",
];

/// The index page's template environment (HTML auto-escaping), built once.
fn index_env() -> &'static minijinja::Environment<'static> {
    static ENV: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        env.set_trim_blocks(true);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.add_template("index.html", include_str!("templates/index.html"))
            .expect("the daemon's index template parses");
        env
    })
}

/// A campaign's numbers on the index: its total views and latest reading, or why they cannot
/// be read now.
pub type IndexNumbers =
    BTreeMap<String, Result<(i64, Option<chrono::DateTime<chrono::Utc>>), String>>;

/// The `/` page of several campaigns: each with a link to its live page, its total and latest
/// reading (in the campaign's language and time zone), and links to the report files it has.
pub fn index_page(
    campaigns: &[(String, String)],
    report_dir: &std::path::Path,
    numbers: &IndexNumbers,
    config: Option<&crate::config::Config>,
) -> Result<String, minijinja::Error> {
    let campaigns: Vec<_> = campaigns
        .iter()
        .map(|(slug, name)| {
            let dir = report_dir.join(slug);
            let files: Vec<&str> = INDEX_FILES
                .into_iter()
                .filter(|f| dir.join(f).is_file())
                .collect();
            let c = config.and_then(|c| c.campaigns.iter().find(|c| c.slug() == slug));
            let loc = crate::render::locale::Locale::new(
                c.map_or(crate::config::Language::En, |c| c.language),
            );
            let tz = c.map_or(chrono_tz::UTC, |c| c.tz());
            let (total, last, error) = match numbers.get(slug) {
                Some(Ok((total, last))) => (
                    Some(format!("{} {}", loc.number(*total), loc.strings.views)),
                    Some(match last {
                        Some(t) => format!(
                            "{}: {} ({})",
                            loc.strings.last_reading,
                            loc.datetime(*t, tz),
                            tz.name()
                        ),
                        None => loc.strings.live_no_reading.to_string(),
                    }),
                    None,
                ),
                Some(Err(e)) => (None, None, Some(e.clone())),
                None => (None, None, None),
            };
            minijinja::context! { slug, name, files, total, last, error, lang => loc.strings.tag }
        })
        .collect();
    index_env()
        .get_template("index.html")?
        .render(minijinja::context! { campaigns })
}

/// `/`: with one campaign its live page; else every campaign with its numbers and links.
async fn index(State(s): State<Arc<AppState>>, headers: axum::http::HeaderMap) -> Response {
    if let [(slug, _)] = &s.campaigns[..] {
        return super::live::page_response(&s, slug.clone(), &headers).await;
    }
    let live = s.live.clone();
    let numbers = tokio::task::spawn_blocking(move || live.numbers())
        .await
        .unwrap_or_default();
    match index_page(&s.campaigns, &s.report_dir, &numbers, Some(s.live.config())) {
        Ok(page) => ([(header::CACHE_CONTROL, "no-cache")], Html(page)).into_response(),
        Err(e) => {
            tracing::error!("cannot render the index page: {e:#}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Files of a campaign's report folder; only known campaigns and plain file names.
async fn report_file(
    State(s): State<Arc<AppState>>,
    Path((slug, file)): Path<(String, String)>,
) -> Response {
    let known = s.campaigns.iter().any(|(c, _)| *c == slug);
    if !known {
        return StatusCode::NOT_FOUND.into_response();
    }
    saved_file(s.report_dir.join(&slug), &file).await
}

/// A file of a configured comparison's last rendering (`compare.html`, `compare.png` …).
async fn comparison_file(
    State(s): State<Arc<AppState>>,
    Path((slug, file)): Path<(String, String)>,
) -> Response {
    if !s.comparisons.contains(&slug) {
        return StatusCode::NOT_FOUND.into_response();
    }
    saved_file(s.report_dir.join("compare").join(&slug), &file).await
}

/// A file written into `dir` by a report or comparison run; 404 for anything else (a hidden or
/// temporary file, a path, a file not there).
async fn saved_file(dir: std::path::PathBuf, file: &str) -> Response {
    let plain = !file.is_empty()
        && !file.starts_with('.')
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !plain {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = dir.join(file);
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        Some("md") | Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::{index_page, IndexNumbers};

    #[test]
    fn index_escapes_campaign_names_and_links_existing_reports() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("c1")).unwrap();
        std::fs::write(dir.path().join("c1/summary.md"), "x").unwrap();
        std::fs::write(dir.path().join("c1/timeline.csv"), "x").unwrap();
        let campaigns = vec![
            ("c1".to_string(), "Launch <&\"> night".to_string()),
            ("c2".to_string(), "Second".to_string()),
            ("c3".to_string(), "Third".to_string()),
        ];
        let at = chrono::DateTime::parse_from_rfc3339("2020-07-26T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut numbers = IndexNumbers::new();
        numbers.insert("c1".into(), Ok((12_345, Some(at))));
        numbers.insert("c2".into(), Err("the store is <down>".into()));
        let page = index_page(&campaigns, dir.path(), &numbers, None)
            .unwrap()
            .replace('\u{a0}', " ");
        assert!(
            page.contains(
                "<a href=\"/c/c1/\"><strong>Launch &lt;&amp;&quot;&gt; night</strong></a> <code>c1</code>"
            ),
            "{page}"
        );
        assert!(!page.contains("<&\">"), "{page}");
        assert!(
            page.contains(
                "<span class=\"total\">12,345 views</span> · Last reading: 26 Jul 2020 10:00 (UTC)"
            ),
            "{page}"
        );
        assert!(
            page.contains(
                "<a href=\"/reports/c1/summary.md\">summary.md</a> · \
                 <a href=\"/reports/c1/timeline.csv\">timeline.csv</a></li>"
            ),
            "{page}"
        );
        assert!(!page.contains("/reports/c1/report.html"), "{page}");
        assert!(
            page.contains(
                "numbers unavailable: the store is &lt;down&gt;</span><br>\nno report yet</li>"
            ),
            "{page}"
        );
        assert!(
            page.contains("<strong>Third</strong></a> <code>c3</code><br>\nno report yet</li>"),
            "{page}"
        );
        assert!(page.contains("<a href=\"/metrics\">metrics</a> · <a href=\"/healthz\">health</a>"));
    }
}
