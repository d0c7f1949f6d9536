//! Render's own error type: every module under `render/` (charts, templates, files) reports
//! through it, and callers map it to an exit code.

use std::path::PathBuf;

/// A rendering failure; names the file where there is one.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("chart font: {0}")]
    Font(String),
    #[error("drawing a chart failed: {0}")]
    Draw(String),
    #[error("{path}: cannot write: {source}; check that the report folder is writable ([report] dir or --out)")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("report template: {0}")]
    Template(String),
    #[error("timeline.json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("timeline.csv: {0}")]
    Csv(#[from] csv::Error),
}
