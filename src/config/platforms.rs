//! `[platforms.*]`: API access per platform (each platform's own section lives with its
//! source) and `[platforms.http]`, shared by all of them.

use super::*;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformsConfig {
    pub youtube: Option<YoutubeConfig>,
    pub facebook: Option<FacebookConfig>,
    pub instagram: Option<InstagramConfig>,
    pub linkedin: Option<LinkedinConfig>,
    /// Timeouts, retries and concurrency shared by the platforms' APIs.
    #[serde(default)]
    pub http: HttpConfig,
}

/// How viewtally talks HTTP to the platforms (`[platforms.http]`); the defaults suit most uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Seconds to wait for a connection.
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: f64,
    /// Seconds one request may take in all (connect, send, answer).
    #[serde(default = "default_timeout")]
    pub timeout_secs: f64,
    /// Retries of a request after a timeout, a connection error, a 5xx or a 429.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// First wait before a retry, in milliseconds; it doubles (with jitter) up to `backoff_max_ms`.
    #[serde(default = "default_backoff_base")]
    pub backoff_base_ms: u64,
    /// Longest wait between two retries, in milliseconds.
    #[serde(default = "default_backoff_max")]
    pub backoff_max_ms: u64,
    /// Longest time, in seconds, spent on one request with all its retries and waits
    /// (a `Retry-After` asking for more gives up at once).
    #[serde(default = "default_retry_budget")]
    pub retry_budget_secs: f64,
    /// Requests in flight at once per platform.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout_secs: default_connect_timeout(),
            timeout_secs: default_timeout(),
            retries: default_retries(),
            backoff_base_ms: default_backoff_base(),
            backoff_max_ms: default_backoff_max(),
            retry_budget_secs: default_retry_budget(),
            concurrency: default_concurrency(),
        }
    }
}

fn default_connect_timeout() -> f64 {
    10.0
}
fn default_timeout() -> f64 {
    30.0
}
fn default_retries() -> u32 {
    4
}
fn default_backoff_base() -> u64 {
    500
}
fn default_backoff_max() -> u64 {
    30_000
}
fn default_retry_budget() -> f64 {
    120.0
}
/// 8 in flight per platform: LinkedIn has no batch endpoint (two requests per post), and 500
/// posts behind 50 ms answers take 12.5 s at 4, 6 s at 8 (BENCHMARKS.md).
fn default_concurrency() -> usize {
    8
}

/// The reporting-day time zone of each platform's analytics (DESIGN timeline rule 1), unless
/// `[platforms.X] day_timezone` says otherwise.
pub fn default_day_timezone(p: Platform) -> Tz {
    match p {
        Platform::Youtube | Platform::Facebook | Platform::Instagram => {
            chrono_tz::America::Los_Angeles
        }
        _ => chrono_tz::UTC,
    }
}

/// A config problem found after parsing: (section, key to find its position, message).
pub(crate) type Problem = (&'static str, &'static str, String);

pub(crate) fn check_base(
    section: &'static str,
    key: &'static str,
    value: &mut String,
) -> Result<(), Problem> {
    let v = value.trim().trim_end_matches('/').to_string();
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => {
            *value = v;
            Ok(())
        }
        _ => Err((
            section,
            key,
            format!(
                "{section} {key} `{value}` must be scheme and host (and optional port), \
                 e.g. \"https://api.example.com\" or \"http://127.0.0.1:8080\""
            ),
        )),
    }
}
pub(crate) fn check_env_name(
    section: &'static str,
    key: &'static str,
    value: &str,
) -> Result<(), Problem> {
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err((
            section,
            key,
            format!(
                "{section} {key} `{value}` must name an environment variable \
                 (letters, digits and `_`, e.g. \"YOUTUBE_API_KEY\"); the secret itself goes in .env"
            ),
        ));
    }
    Ok(())
}
pub(crate) fn check_zone(section: &'static str, value: Option<&String>) -> Result<(), Problem> {
    match value {
        Some(z) if z.parse::<Tz>().is_err() => Err((
            section,
            "day_timezone",
            format!(
                "{section} day_timezone `{z}` is not an IANA time zone; write it like \
                 \"America/Los_Angeles\" or \"UTC\""
            ),
        )),
        _ => Ok(()),
    }
}

impl PlatformsConfig {
    /// The time zone in which `p`'s exports count their days: a daily row of its export
    /// stands for the increase up to the end of that day there.
    pub fn day_timezone(&self, p: Platform) -> Tz {
        let configured = match p {
            Platform::Youtube => self.youtube.as_ref().and_then(|c| c.day_timezone.as_ref()),
            Platform::Facebook => self.facebook.as_ref().and_then(|c| c.day_timezone.as_ref()),
            // Instagram's own, else the Meta one of [platforms.facebook].
            Platform::Instagram => self
                .instagram
                .as_ref()
                .and_then(|c| c.day_timezone.as_ref())
                .or_else(|| self.facebook.as_ref().and_then(|c| c.day_timezone.as_ref())),
            Platform::Linkedin => self.linkedin.as_ref().and_then(|c| c.day_timezone.as_ref()),
            _ => None,
        };
        configured
            .and_then(|z| z.parse().ok())
            .unwrap_or_else(|| default_day_timezone(p))
    }

    /// Check values serde cannot; normalise API bases (no trailing `/`). An error names the
    /// section and key (to find its position) and says what is expected.
    pub(super) fn validate(&mut self) -> Result<(), Problem> {
        check_zone(
            "[platforms.youtube]",
            self.youtube.as_ref().and_then(|c| c.day_timezone.as_ref()),
        )?;
        check_zone(
            "[platforms.facebook]",
            self.facebook.as_ref().and_then(|c| c.day_timezone.as_ref()),
        )?;
        check_zone(
            "[platforms.linkedin]",
            self.linkedin.as_ref().and_then(|c| c.day_timezone.as_ref()),
        )?;
        check_zone(
            "[platforms.instagram]",
            self.instagram
                .as_ref()
                .and_then(|c| c.day_timezone.as_ref()),
        )?;
        if let Some(y) = &mut self.youtube {
            y.validate()?;
        }
        if let Some(f) = &mut self.facebook {
            f.validate()?;
        }
        if let Some(l) = &mut self.linkedin {
            l.validate()?;
        }
        if let Some(i) = &mut self.instagram {
            i.validate()?;
        }
        let h = &self.http;
        const H: &str = "[platforms.http]";
        for (key, secs) in [
            ("connect_timeout_secs", h.connect_timeout_secs),
            ("timeout_secs", h.timeout_secs),
            ("retry_budget_secs", h.retry_budget_secs),
        ] {
            if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
                return Err((
                    H,
                    key,
                    format!("{H} {key} must be a number of seconds above 0, e.g. 30"),
                ));
            }
        }
        if h.retries > 20 {
            return Err((H, "retries", format!("{H} retries must be at most 20")));
        }
        if h.backoff_base_ms == 0 || h.backoff_max_ms < h.backoff_base_ms {
            return Err((
                H,
                "backoff_base_ms",
                format!("{H} backoff_base_ms must be at least 1 and no more than backoff_max_ms"),
            ));
        }
        if !(1..=50).contains(&h.concurrency) {
            return Err((
                H,
                "concurrency",
                format!("{H} concurrency must be between 1 and 50"),
            ));
        }
        Ok(())
    }
}
