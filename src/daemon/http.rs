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
    pub report_dir: PathBuf,
    pub metrics: Arc<Metrics>,
    pub health: Mutex<BTreeMap<(String, String), JobHealth>>,
    pub unhealthy_after: u32,
    /// Files of watched folders that failed to import, by (campaign, path).
    pub failed_files: Mutex<BTreeMap<(String, String), FailedFile>>,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/reports/{slug}/{file}", get(report_file))
        .with_state(state)
}

async fn metrics(State(s): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        with_failed_files(&s, s.metrics.encode()),
    )
        .into_response()
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
    if failing.is_empty() {
        let mut body = json!({ "status": if files.is_empty() { "ok" } else { "degraded" } });
        if !files.is_empty() {
            body["reason"] = json!(format!(
                "{} in a watched folder could not be imported; fix or remove {}",
                crate::model::counted(files.len(), "file", "files"),
                if files.len() == 1 { "it" } else { "them" }
            ));
            body["failed_files"] = json!(files);
        }
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
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn index(State(s): State<Arc<AppState>>) -> Html<String> {
    let mut rows = String::new();
    for (slug, name) in &s.campaigns {
        let dir = s.report_dir.join(slug);
        let mut links = Vec::new();
        for file in [
            "report.html",
            "summary.md",
            "cumulative.png",
            "cumulative.svg",
            "timeline.csv",
        ] {
            if dir.join(file).is_file() {
                links.push(format!(
                    "<a href=\"/reports/{}/{file}\">{file}</a>",
                    escape(slug)
                ));
            }
        }
        let links = if links.is_empty() {
            "no report yet".to_string()
        } else {
            links.join(" · ")
        };
        rows.push_str(&format!(
            "<li><strong>{}</strong> <code>{}</code><br>{links}</li>\n",
            escape(name),
            escape(slug)
        ));
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>viewtally</title><style>body{{font-family:system-ui,sans-serif;max-width:46rem;\
         margin:2rem auto;padding:0 1rem;line-height:1.5}}li{{margin:.8rem 0}}</style></head>\
         <body><h1>viewtally</h1><ul>\n{rows}</ul><p><a href=\"/metrics\">metrics</a> · \
         <a href=\"/healthz\">health</a></p></body></html>"
    ))
}

/// Files of a campaign's report folder; only known campaigns and plain file names.
async fn report_file(
    State(s): State<Arc<AppState>>,
    Path((slug, file)): Path<(String, String)>,
) -> Response {
    let known = s.campaigns.iter().any(|(c, _)| *c == slug);
    let plain = !file.is_empty()
        && !file.starts_with('.')
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !known || !plain {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = s.report_dir.join(&slug).join(&file);
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
