//! The data model: one [`Observation`] is one number read from one platform about one video.

pub mod ids;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A social platform a video is posted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Youtube,
    Facebook,
    Linkedin,
    Instagram,
    Tiktok,
    Vimeo,
}

impl Platform {
    pub const ALL: [Platform; 6] = [
        Platform::Youtube,
        Platform::Facebook,
        Platform::Linkedin,
        Platform::Instagram,
        Platform::Tiktok,
        Platform::Vimeo,
    ];

    /// The lowercase identifier used in config files, CSV and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Youtube => "youtube",
            Platform::Facebook => "facebook",
            Platform::Linkedin => "linkedin",
            Platform::Instagram => "instagram",
            Platform::Tiktok => "tiktok",
            Platform::Vimeo => "vimeo",
        }
    }

    /// The brand name as people write it.
    pub fn display_name(self) -> &'static str {
        match self {
            Platform::Youtube => "YouTube",
            Platform::Facebook => "Facebook",
            Platform::Linkedin => "LinkedIn",
            Platform::Instagram => "Instagram",
            Platform::Tiktok => "TikTok",
            Platform::Vimeo => "Vimeo",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown platform `{s}`; expected one of {}",
                    Platform::ALL.map(|p| p.as_str()).join(", ")
                )
            })
    }
}

/// What was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Views,
    Likes,
    Comments,
    Shares,
    Impressions,
    Reach,
    WatchTimeS,
    /// YouTube `Engaged views`: its own count, never added to `views`.
    EngagedViews,
    /// Instagram `Saves`: how often the post was saved.
    Saves,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::Views,
        Metric::Likes,
        Metric::Comments,
        Metric::Shares,
        Metric::Impressions,
        Metric::Reach,
        Metric::WatchTimeS,
        Metric::EngagedViews,
        Metric::Saves,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Views => "views",
            Metric::Likes => "likes",
            Metric::Comments => "comments",
            Metric::Shares => "shares",
            Metric::Impressions => "impressions",
            Metric::Reach => "reach",
            Metric::WatchTimeS => "watch_time_s",
            Metric::EngagedViews => "engaged_views",
            Metric::Saves => "saves",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Metric::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown metric `{s}`; expected one of {}",
                    Metric::ALL.map(|m| m.as_str()).join(", ")
                )
            })
    }
}

/// Whether a value is a lifetime counter or one day's increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A lifetime counter read at `at`.
    Total,
    /// The increment for one calendar day (campaign time zone); `at` is the end of that day.
    Daily,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Total => "total",
            Kind::Daily => "daily",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "total" => Ok(Kind::Total),
            "daily" => Ok(Kind::Daily),
            other => Err(format!(
                "unknown kind `{other}`; expected `total` or `daily`"
            )),
        }
    }
}

/// Where an observation came from: `api`, `export:<first 12 hex of sha256>` or `manual`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source(String);

impl Source {
    pub fn api() -> Self {
        Source("api".into())
    }
    pub fn manual() -> Self {
        Source("manual".into())
    }
    /// An API reading taken from a metric other than the platform's usual one
    /// (`api:blue_reels_play_count`); its kind is `api`.
    pub fn api_metric(metric: &str) -> Self {
        Source(format!("api:{metric}"))
    }
    /// An export file, named by the first 12 hex digits of its SHA-256.
    pub fn export(sha256_hex: &str) -> Self {
        Source(format!(
            "export:{}",
            &sha256_hex[..sha256_hex.len().min(12)]
        ))
    }
    pub fn parse(s: &str) -> Self {
        Source(s.to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The part of the source that takes part in the idempotency key: `api`, `export`, `manual`.
    pub fn kind(&self) -> &str {
        self.0.split(':').next().unwrap_or("")
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One number read from one platform about one video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub campaign: String,
    pub platform: Platform,
    /// The platform's own id (YouTube video id, Facebook video id, LinkedIn post URN).
    pub video: String,
    /// Channel, page or organisation that posted it.
    pub account: Option<String>,
    pub metric: Metric,
    pub kind: Kind,
    /// When a `total` was read; for `daily`, the end of that day in the campaign time zone.
    pub at: DateTime<Utc>,
    pub value: i64,
    pub source: Source,
    pub collected_at: DateTime<Utc>,
}

/// The end of a calendar day in `tz` (the first instant of the next day), as UTC.
///
/// A `daily` observation is placed here. Where the next local midnight does not exist
/// (a DST jump at midnight) the first existing instant after it is used.
pub fn day_end(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let next = date.succ_opt().unwrap_or(date);
    let mut local = next.and_hms_opt(0, 0, 0).expect("midnight exists");
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&next.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// The calendar day (in `tz`) that a `daily` observation placed at `at` stands for.
pub fn day_of(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    (at - chrono::Duration::milliseconds(1))
        .with_timezone(&tz)
        .date_naive()
}

/// The calendar day a `daily` observation at `at` stands for: a day of the platform's
/// reporting time zone when `at` ends one, else a day of the campaign's.
pub fn daily_date(at: DateTime<Utc>, platform_day: Tz, campaign: Tz) -> NaiveDate {
    let d = day_of(at, platform_day);
    if day_end(d, platform_day) == at {
        d
    } else {
        day_of(at, campaign)
    }
}

/// The calendar day (in `tz`) that an instant falls on.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// `n` and a noun that agrees with it: "1 row", "2 rows", "0 rows".
pub fn counted(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_end_is_next_local_midnight() {
        let tz: Tz = "Europe/Prague".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2020, 7, 24).unwrap();
        let end = day_end(d, tz);
        assert_eq!(end.to_rfc3339(), "2020-07-24T22:00:00+00:00");
        assert_eq!(day_of(end, tz), d);
    }

    #[test]
    fn names_round_trip() {
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>().unwrap(), p);
        }
        for m in Metric::ALL {
            assert_eq!(m.as_str().parse::<Metric>().unwrap(), m);
        }
        assert!("myspace"
            .parse::<Platform>()
            .unwrap_err()
            .contains("youtube"));
    }
}
