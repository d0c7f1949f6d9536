//! Export files people download from the platforms (and viewtally's own tidy CSV), turned into
//! observations. One file per format, each an [`Importer`]; [`detect`] picks one from content.

pub mod tidy;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::config::{Campaign, Config};
use crate::model::{day_end, Kind, Metric, Observation, Platform, Source};
use crate::store::{ImportRecord, Store, StoreError, WriteSummary};

/// When a parsed value applies: an instant (a `total` reading) or a calendar day (`daily`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Instant(DateTime<Utc>),
    Day(NaiveDate),
}

/// One value read from an export file, before it is assigned to a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub platform: Platform,
    pub video: String,
    pub account: Option<String>,
    pub metric: Metric,
    pub kind: Kind,
    pub when: When,
    pub value: i64,
    /// 1-based line in the file, for messages.
    pub line: u64,
}

/// A row that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub column: usize,
    pub message: String,
}

/// What a parser read from a file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
    /// Bad rows skipped (only with `--skip-bad-rows`).
    pub bad: Vec<BadRow>,
}

/// An import failure; the message names the file (and line and column where there is one).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}; nothing from this file was stored (fix the row, or pass --skip-bad-rows to store the good rows)")]
    BadRow {
        path: String,
        line: u64,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error("{path}: {source}")]
    Store { path: String, source: StoreError },
}

/// Options of `viewtally import`.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Force a format instead of detecting it.
    pub format: Option<String>,
    /// Store the good rows of a file with bad rows.
    pub skip_bad_rows: bool,
    /// Keep rows of videos the campaign does not list.
    pub all_videos: bool,
    /// Only the campaign with this slug.
    pub campaign: Option<String>,
    /// Parse and report, store nothing.
    pub dry_run: bool,
}

/// One export format.
pub trait Importer: Sync {
    /// The format's name, as given to `--format`.
    fn name(&self) -> &'static str;
    /// Whether the file's first bytes look like this format.
    fn sniff(&self, head: &[u8]) -> bool;
    /// Read every row of the file.
    fn parse(&self, bytes: &[u8], skip_bad_rows: bool) -> Result<Parsed, ParseError>;
}

/// A parser's failure, before the file name is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Row(BadRow),
    Format(String),
}

/// Every known format, in detection order.
pub fn importers() -> Vec<&'static dyn Importer> {
    vec![&tidy::TidyCsv]
}

/// The format of a file, from its content.
pub fn detect(head: &[u8]) -> Option<&'static dyn Importer> {
    importers().into_iter().find(|i| i.sniff(head))
}

/// What importing one file did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub path: String,
    pub format: &'static str,
    pub rows: usize,
    pub bad_rows_skipped: usize,
    /// Rows of videos no selected campaign lists.
    pub other_videos_skipped: usize,
    /// Per campaign: how many observations it got.
    pub campaigns: BTreeMap<String, usize>,
    pub written: WriteSummary,
    /// Per video: metric, kind, first/last day, count and sum (for `--dry-run`).
    pub preview: Vec<PreviewLine>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PreviewLine {
    pub campaign: String,
    pub platform: Platform,
    pub video: String,
    pub metric: Metric,
    pub kind: Kind,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub count: usize,
    pub sum: i64,
}

/// Expand folders to the files in them (not recursive, sorted, hidden files skipped).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ImportError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let read = std::fs::read_dir(p).map_err(|source| ImportError::Read {
                path: p.display().to_string(),
                source,
            })?;
            let mut files: Vec<PathBuf> = read
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && !f
                            .file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with('.') || n.ends_with(".md"))
                })
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Import one file into the campaigns it feeds, in one transaction.
pub fn import_file(
    path: &Path,
    config: &Config,
    store: &mut dyn Store,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: name.clone(),
        source,
    })?;
    let sha = hex(&Sha256::digest(&bytes));
    let importer = match &options.format {
        Some(f) => importers()
            .into_iter()
            .find(|i| i.name() == f)
            .ok_or_else(|| ImportError::Format {
                path: name.clone(),
                message: format!(
                    "unknown format `{f}`; known formats: {}",
                    importers()
                        .iter()
                        .map(|i| i.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?,
        None => {
            detect(&bytes[..bytes.len().min(64 * 1024)]).ok_or_else(|| ImportError::Format {
                path: name.clone(),
                message: unrecognised(&bytes),
            })?
        }
    };
    let parsed = importer
        .parse(&bytes, options.skip_bad_rows)
        .map_err(|e| match e {
            ParseError::Row(b) => ImportError::BadRow {
                path: name.clone(),
                line: b.line,
                column: b.column,
                message: b.message,
            },
            ParseError::Format(message) => ImportError::Format {
                path: name.clone(),
                message,
            },
        })?;
    for b in &parsed.bad {
        tracing::warn!(file = %name, line = b.line, column = b.column, "skipped bad row: {}", b.message);
    }

    let campaigns: Vec<&Campaign> =
        config
            .selected(options.campaign.as_deref())
            .map_err(|e| ImportError::Format {
                path: name.clone(),
                message: e.to_string(),
            })?;
    let single = campaigns.len() == 1;
    if options.all_videos && !single {
        return Err(ImportError::Format {
            path: name,
            message: "--all-videos needs one campaign; choose it with --campaign SLUG".into(),
        });
    }
    let source = Source::export(&sha);
    let mut observations = Vec::new();
    let mut per_campaign = BTreeMap::new();
    let mut other = 0;
    for row in &parsed.rows {
        let mut taken = false;
        for c in &campaigns {
            // A campaign with no video list takes every row only when it is the one chosen.
            let listed = c.video(row.platform, &row.video).is_some();
            let takes = listed || options.all_videos || (c.videos.is_empty() && single);
            if !takes {
                continue;
            }
            taken = true;
            *per_campaign.entry(c.slug().to_string()).or_insert(0) += 1;
            let account = row.account.clone().or_else(|| {
                c.video(row.platform, &row.video)
                    .and_then(|v| v.account.clone())
            });
            observations.push(Observation {
                campaign: c.slug().to_string(),
                platform: row.platform,
                video: row.video.clone(),
                account,
                metric: row.metric,
                kind: row.kind,
                at: match row.when {
                    When::Instant(t) => t,
                    When::Day(d) => day_end(d, c.tz()),
                },
                value: row.value,
                source: source.clone(),
                collected_at: now,
            });
        }
        if !taken {
            other += 1;
        }
    }
    if other > 0 {
        tracing::info!(
            file = %name,
            skipped = other,
            "rows of videos the campaign does not list were skipped (add them to [[campaign.video]] or pass --all-videos)"
        );
    }
    let preview = preview(&observations);
    let records: Vec<ImportRecord> = per_campaign
        .iter()
        .map(|(c, n)| ImportRecord {
            sha256: sha.clone(),
            path: name.clone(),
            format: importer.name().to_string(),
            campaign: c.clone(),
            rows: *n as u64,
            imported_at: now,
        })
        .collect();
    let written = if options.dry_run {
        WriteSummary::default()
    } else {
        store
            .write(&observations, &records)
            .map_err(|source| ImportError::Store {
                path: name.clone(),
                source,
            })?
    };
    Ok(ImportReport {
        path: name,
        format: importer.name(),
        rows: parsed.rows.len(),
        bad_rows_skipped: parsed.bad.len(),
        other_videos_skipped: other,
        campaigns: per_campaign,
        written,
        preview,
    })
}

fn preview(observations: &[Observation]) -> Vec<PreviewLine> {
    let mut groups: BTreeMap<(String, Platform, String, Metric, Kind), PreviewLine> =
        BTreeMap::new();
    for o in observations {
        let key = (
            o.campaign.clone(),
            o.platform,
            o.video.clone(),
            o.metric,
            o.kind,
        );
        let line = groups.entry(key).or_insert_with(|| PreviewLine {
            campaign: o.campaign.clone(),
            platform: o.platform,
            video: o.video.clone(),
            metric: o.metric,
            kind: o.kind,
            first: o.at,
            last: o.at,
            count: 0,
            sum: 0,
        });
        line.first = line.first.min(o.at);
        line.last = line.last.max(o.at);
        line.count += 1;
        line.sum += o.value;
    }
    groups.into_values().collect()
}

/// The message for a file no importer recognises: the headers found and the formats known.
fn unrecognised(bytes: &[u8]) -> String {
    let first_line = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)])
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('\u{feff}')
        .chars()
        .take(200)
        .collect::<String>();
    format!(
        "not a format viewtally knows (first line: `{first_line}`); known formats: {}. \
         The tidy CSV needs the header `{}`; pass --format to force one",
        importers()
            .iter()
            .map(|i| i.name())
            .collect::<Vec<_>>()
            .join(", "),
        tidy::HEADER.join(",")
    )
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
