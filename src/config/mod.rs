//! The TOML configuration: schema, validation with file:line:column errors, secrets from the
//! environment.
//!
//! Secrets never live in the config file: it names environment variables (for example
//! `api_key_env = "YOUTUBE_API_KEY"`), filled from the process environment or a `.env` file.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::model::Platform;
pub use crate::sources::facebook::{FacebookConfig, FACEBOOK_METRICS};
pub use crate::sources::instagram::InstagramConfig;
pub use crate::sources::linkedin::LinkedinConfig;
pub use crate::sources::youtube::{YoutubeConfig, YoutubeMethod};

mod campaign;
mod comparison;
mod daemon;
mod notify;
mod paths;
mod platforms;
mod report;
mod store;
pub use campaign::*;
pub use comparison::*;
pub use daemon::*;
pub use notify::*;
pub use paths::*;
pub use platforms::*;
pub use report::*;
pub use store::*;

/// The commented example config that `viewtally init` writes.
pub const EXAMPLE_CONFIG: &str = include_str!("../../config/viewtally.example.toml");
/// The embedded demo config (`viewtally demo`).
pub const DEMO_CONFIG: &str = include_str!("../../config/demo.toml");
/// Where the config is looked for when neither `--config` nor `$VIEWTALLY_CONFIG` is given.
pub const DEFAULT_CONFIG_PATH: &str = "config/viewtally.toml";
/// The store used when the config does not name one.
pub const DEFAULT_STORE_URL: &str = "sqlite://data/viewtally.db";

/// An error in the configuration: the user fixes it by editing the file or the environment.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "config file {path} not found; write a starting one with `viewtally init`, \
         or point to yours with --config PATH or $VIEWTALLY_CONFIG"
    )]
    NotFound { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Usage(String),
}

/// A secret read from the environment. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**REDACTED**")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**REDACTED**")
    }
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where observations are kept.
    #[serde(default)]
    pub store: StoreConfig,
    /// Where and how reports are written.
    #[serde(default)]
    pub report: ReportConfig,
    /// API access per platform.
    #[serde(default)]
    pub platforms: PlatformsConfig,
    /// The daemon: HTTP endpoint, catch-up, jitter, health.
    #[serde(default)]
    pub daemon: DaemonConfig,
    /// Webhooks told when a campaign crosses a milestone (daemon).
    #[serde(default)]
    pub notify: Vec<NotifyConfig>,
    /// The campaigns; at least one.
    #[serde(default, rename = "campaign")]
    pub campaigns: Vec<Campaign>,
    /// Campaigns compared by days since launch (`[[comparison]]`).
    #[serde(default, rename = "comparison")]
    pub comparisons: Vec<Comparison>,
    /// The file this config came from (for messages).
    #[serde(skip)]
    pub origin: String,
    /// The folder its relative paths are read from ([`project_dir`]; empty: the current one).
    #[serde(skip)]
    pub base: PathBuf,
    /// The SQLite store's path as the file wrote it, when relative (see
    /// [`Config::store_moved`]).
    #[serde(skip)]
    pub relative_store: Option<PathBuf>,
}

pub(crate) fn default_true() -> bool {
    true
}

/// Parse a cron expression in the crontab (5 fields) or `cron` crate (6 or 7 fields) form.
pub fn parse_cron(expr: &str) -> Result<cron::Schedule, String> {
    let fields = expr.split_whitespace().count();
    let full = match fields {
        5 => format!("0 {expr}"),
        6 | 7 => expr.to_string(),
        n => {
            return Err(format!(
                "a cron expression has 5 fields (min hour day month weekday) or 6/7 with seconds \
                 (sec min hour day month weekday [year]); `{expr}` has {n}"
            ))
        }
    };
    cron::Schedule::from_str(&full).map_err(|e| format!("invalid cron expression `{expr}`: {e}"))
}

/// The platforms a `[[campaign.video]]` may name: the ones viewtally reads (API or export).
pub const SUPPORTED_PLATFORMS: &str = "youtube, facebook, instagram, linkedin";

/// A TOML error about an unknown platform says which platforms are supported (serde's message
/// lists every name the data model has room for, some of which nothing reads yet).
fn platform_message(message: &str) -> String {
    match message.strip_prefix("unknown variant `") {
        Some(rest) if message.contains("expected one of `youtube`") => {
            let name = rest.split('`').next().unwrap_or_default();
            format!(
                "unknown platform `{name}`; supported platforms: {SUPPORTED_PLATFORMS} \
                 (written in lowercase)"
            )
        }
        _ => message.to_string(),
    }
}

/// A problem found while validating a parsed config: where it is in the text (if known) and
/// what is wrong.
type Invalid = (Option<Range<usize>>, String);

impl Config {
    /// Parse and validate a config from text; `origin` names the file in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let at = |(span, message): Invalid| {
            let (line, column) = line_col(text, span.map(|s| s.start).unwrap_or(0));
            ConfigError::Invalid {
                path: origin.to_string(),
                line,
                column,
                message,
            }
        };
        let mut config: Config = toml::from_str(text)
            .map_err(|e| at((e.span(), platform_message(e.message().trim()))))?;
        config.origin = origin.to_string();
        config.validate(text).map_err(at)?;
        Ok(config)
    }

    /// Check values serde cannot, section by section (the first problem found is reported);
    /// fill in what validation computes (campaign time zones, launch times, normalised ids).
    fn validate(&mut self, text: &str) -> Result<(), Invalid> {
        self.store.validate(text)?;
        self.report.validate()?;
        self.daemon.validate(text)?;
        if self.campaigns.is_empty() {
            return Err((
                None,
                "no campaign defined; add a [[campaign]] table with slug, name and timezone \
                 (see config/viewtally.example.toml)"
                    .into(),
            ));
        }
        for n in &self.notify {
            n.validate(text)?;
        }
        let mut slugs = HashSet::new();
        for c in &mut self.campaigns {
            c.validate(text, &mut slugs)?;
        }
        let known = self.slugs();
        let mut compared = HashSet::new();
        for c in &self.comparisons {
            c.validate(&known, &mut compared)?;
        }
        self.platforms
            .validate()
            .map_err(|(section, key, message)| {
                let span = find(text, section).and_then(|s| find_after(text, s.start, key));
                (span, message)
            })
    }

    /// Read and validate a config file; its relative paths are read from its project folder
    /// ([`project_dir`]).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound {
                    path: path.to_path_buf(),
                })
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let mut config = Config::parse(&text, &path.display().to_string())?;
        config.resolve_paths(&project_dir(path));
        Ok(config)
    }

    /// The campaign a command works on: `--campaign SLUG`, or the only one.
    pub fn campaign(&self, slug: Option<&str>) -> Result<&Campaign, ConfigError> {
        match slug {
            Some(s) => self
                .campaigns
                .iter()
                .find(|c| c.slug() == s)
                .ok_or_else(|| {
                    ConfigError::Usage(format!(
                        "no campaign `{s}` in {}; it has: {}",
                        self.origin,
                        self.slugs().join(", ")
                    ))
                }),
            None if self.campaigns.len() == 1 => Ok(&self.campaigns[0]),
            None => Err(ConfigError::Usage(format!(
                "{} holds {} campaigns ({}); choose one with --campaign SLUG",
                self.origin,
                self.campaigns.len(),
                self.slugs().join(", ")
            ))),
        }
    }

    /// The campaigns a command works on: `--campaign SLUG`, or all of them.
    pub fn selected(&self, slug: Option<&str>) -> Result<Vec<&Campaign>, ConfigError> {
        match slug {
            Some(_) => Ok(vec![self.campaign(slug)?]),
            None => Ok(self.campaigns.iter().collect()),
        }
    }

    pub fn slugs(&self) -> Vec<String> {
        self.campaigns
            .iter()
            .map(|c| c.slug().to_string())
            .collect()
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

fn find(text: &str, needle: &str) -> Option<Range<usize>> {
    text.find(needle).map(|s| s..s + needle.len())
}

fn find_after(text: &str, from: usize, needle: &str) -> Option<Range<usize>> {
    text[from..]
        .find(needle)
        .map(|s| from + s..from + s + needle.len())
}

/// Read a secret from the environment variable the config names.
pub fn secret_from_env(var: &str, what: &str) -> Result<Secret, ConfigError> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
        _ => Err(ConfigError::Usage(format!(
            "{what}: environment variable {var} is not set; put `{var}=…` in .env or the environment"
        ))),
    }
}

#[cfg(test)]
mod tests;
