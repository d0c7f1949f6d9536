//! Engagement at the timeline's end (issue 16): per video and per platform, the latest lifetime
//! value of every metric besides views (likes or reactions, comments, shares, saves,
//! impressions, reach, watch time), the interactions (likes/reactions + comments + shares, of
//! those the platform gives) and the engagement rate (interactions / views).
//!
//! The same rules as for views, applied to each metric of each video:
//! - only readings at or before the timeline's `until` take part (the store scan is bounded);
//! - a lifetime `total` wins from its instant on; `daily` rows add only for days that start at or
//!   after it (rule 1: a day that straddles the total's reading would count twice, so it is
//!   left out: the value stays a proven lower bound as of its reading);
//! - without a total, the `daily` rows are summed (as the views timeline sums them);
//! - every value keeps the instant it is proven at, so a watch time read weeks before the views
//!   is shown with its own date, and a rate is only computed where the interactions were read
//!   within [`COMPARABLE_MS`] of the video's views reading.
//!
//! The per-platform sums are one polars group-by over the per-video values.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use polars::prelude::*;
use serde::Serialize;

use super::{bounds, ms, TimelineError, VideoLine};
use crate::model::{Metric, Platform};

/// Interactions are read "at comparable times" with the views when no more than this apart
/// (the timeline's gap between readings: a day plus a DST shift and some slack).
pub const COMPARABLE_MS: i64 = bounds::GAP_MS;

/// The metrics counted as interactions: likes (reactions on Facebook and LinkedIn), comments,
/// shares.
pub const INTERACTIONS: [Metric; 3] = [Metric::Likes, Metric::Comments, Metric::Shares];

/// The metrics the summary shows, in the order it shows them.
pub const SHOWN: [Metric; 8] = [
    Metric::Likes,
    Metric::Comments,
    Metric::Shares,
    Metric::Saves,
    Metric::Impressions,
    Metric::Reach,
    Metric::EngagedViews,
    Metric::WatchTimeS,
];

/// The readings of one metric (not views) of one video, as a store scan gave them.
#[derive(Debug, Clone)]
pub struct MetricRows {
    pub platform: Platform,
    pub video: String,
    pub metric: Metric,
    /// The latest `total` reading: (instant in ms, value).
    pub total: Option<(i64, i64)>,
    /// Every `daily` row: (end of its day in ms, value).
    pub daily: Vec<(i64, i64)>,
}

/// One metric's latest lifetime value and the instant the readings prove it at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MetricValue {
    pub value: i64,
    /// The instant of the last reading that went into `value` (a daily row's day end).
    pub at: DateTime<Utc>,
    /// Summed from `daily` rows only (no lifetime total read): counts from the first row's day.
    pub from_daily: bool,
    /// Read within [`COMPARABLE_MS`] of the video's views reading.
    pub with_views: bool,
}

/// Why an engagement rate is (not) given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rate {
    /// Interactions / views, as a fraction (0.031 = 3.1 %).
    Known(f64),
    /// No interaction metric read.
    NoInteractions,
    /// No views read, or 0 views.
    NoViews,
    /// The interactions and the views were not read at comparable times.
    ReadApart,
}

impl Rate {
    pub fn value(self) -> Option<f64> {
        match self {
            Rate::Known(r) => Some(r),
            _ => None,
        }
    }
}

/// One video's engagement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoEngagement {
    pub platform: Platform,
    pub video: String,
    pub title: Option<String>,
    pub account: Option<String>,
    /// Proven views at the video's last views reading (None: no views read).
    pub views: Option<i64>,
    pub views_at: Option<DateTime<Utc>>,
    pub metrics: BTreeMap<Metric, MetricValue>,
    /// Likes/reactions + comments + shares, of those read (None: none read).
    pub interactions: Option<i64>,
    pub rate: Rate,
}

/// One metric summed over a platform's videos.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlatformValue {
    pub value: i64,
    /// How many of the platform's videos have the metric.
    pub videos: usize,
    /// The earliest instant among the videos' values (what the sum is proven "as of").
    pub oldest: DateTime<Utc>,
    /// Every video's value was read at a time comparable with its views.
    pub with_views: bool,
}

/// One platform's engagement: the sums over its videos.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformEngagement {
    pub platform: Platform,
    /// Videos of the platform in the summary (with views or another metric).
    pub videos: usize,
    pub metrics: BTreeMap<Metric, PlatformValue>,
    pub interactions: Option<i64>,
    /// Interactions / views over the videos whose rate is known (None: no such video).
    pub rate: Option<f64>,
    /// How many videos the rate is computed over.
    pub rate_videos: usize,
    /// Why the rate is missing, when it is (the first video's reason).
    pub no_rate: Option<Rate>,
}

/// The engagement summary of a campaign.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Engagement {
    pub platforms: Vec<PlatformEngagement>,
    /// Most interactions first, then most views.
    pub videos: Vec<VideoEngagement>,
}

impl Engagement {
    /// Whether any metric besides views was read.
    pub fn is_empty(&self) -> bool {
        self.videos.iter().all(|v| v.metrics.is_empty())
    }

    pub fn platform(&self, p: Platform) -> Option<&PlatformEngagement> {
        self.platforms.iter().find(|e| e.platform == p)
    }
}

/// A metric's latest lifetime value from its readings (None: nothing read).
pub fn latest_value(rows: &MetricRows) -> Option<(i64, i64, bool)> {
    match rows.total {
        Some((at, value)) => {
            let after: Vec<&(i64, i64)> = rows
                .daily
                .iter()
                .filter(|(end, _)| end - bounds::DAY_MS >= at)
                .collect();
            let last = after.iter().map(|(end, _)| *end).max().unwrap_or(at);
            Some((
                value + after.iter().map(|(_, v)| v).sum::<i64>(),
                last,
                false,
            ))
        }
        None => {
            let last = rows.daily.iter().map(|(end, _)| *end).max()?;
            Some((rows.daily.iter().map(|(_, v)| v).sum(), last, true))
        }
    }
}

/// The summary from the timeline's videos (views) and the other metrics' readings.
pub fn summarize(videos: &[VideoLine], rows: Vec<MetricRows>) -> Result<Engagement, TimelineError> {
    let mut by_video: BTreeMap<(Platform, String), VideoEngagement> = videos
        .iter()
        .map(|v| {
            (
                (v.platform, v.video.clone()),
                VideoEngagement {
                    platform: v.platform,
                    video: v.video.clone(),
                    title: v.title.clone(),
                    account: v.account.clone(),
                    views: Some(v.views),
                    views_at: Some(v.last_reading),
                    metrics: BTreeMap::new(),
                    interactions: None,
                    rate: Rate::NoInteractions,
                },
            )
        })
        .collect();
    for r in &rows {
        let Some((value, at, from_daily)) = latest_value(r) else {
            continue;
        };
        let e = by_video
            .entry((r.platform, r.video.clone()))
            .or_insert_with(|| VideoEngagement {
                platform: r.platform,
                video: r.video.clone(),
                title: None,
                account: None,
                views: None,
                views_at: None,
                metrics: BTreeMap::new(),
                interactions: None,
                rate: Rate::NoInteractions,
            });
        let with_views = e
            .views_at
            .is_some_and(|v| (v.timestamp_millis() - at).abs() <= COMPARABLE_MS);
        e.metrics.insert(
            r.metric,
            MetricValue {
                value,
                at: ms(at),
                from_daily,
                with_views,
            },
        );
    }
    let mut videos: Vec<VideoEngagement> = by_video.into_values().collect();
    for v in &mut videos {
        let read: Vec<&MetricValue> = INTERACTIONS
            .iter()
            .filter_map(|m| v.metrics.get(m))
            .collect();
        v.interactions = (!read.is_empty()).then(|| read.iter().map(|m| m.value).sum());
        v.rate = match (v.interactions, v.views) {
            (None, _) => Rate::NoInteractions,
            (Some(_), None | Some(0)) => Rate::NoViews,
            (Some(_), _) if !read.iter().all(|m| m.with_views) => Rate::ReadApart,
            (Some(i), Some(views)) => Rate::Known(i as f64 / views as f64),
        };
    }
    videos.sort_by(|a, b| {
        b.interactions
            .cmp(&a.interactions)
            .then(b.views.cmp(&a.views))
            .then(a.platform.cmp(&b.platform))
            .then(a.video.cmp(&b.video))
    });
    let platforms = per_platform(&videos)?;
    Ok(Engagement { platforms, videos })
}

/// The per-platform sums: one polars group-by over (platform, metric) for the metrics, one over
/// platform for the rate's interactions and views.
fn per_platform(videos: &[VideoEngagement]) -> Result<Vec<PlatformEngagement>, TimelineError> {
    let mut platforms: Vec<Platform> = videos.iter().map(|v| v.platform).collect();
    platforms.sort();
    platforms.dedup();
    let index = |p: Platform| platforms.iter().position(|q| *q == p).unwrap_or(0) as i64;

    // (platform, metric) → sum, count, oldest, all comparable.
    let (mut pl, mut metric, mut value, mut at, mut with) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for v in videos {
        for (m, mv) in &v.metrics {
            pl.push(index(v.platform));
            metric.push(SHOWN.iter().position(|s| s == m).unwrap_or(SHOWN.len()) as i64);
            value.push(mv.value);
            at.push(mv.at.timestamp_millis());
            with.push(i64::from(mv.with_views));
        }
    }
    let df = DataFrame::new_infer_height(vec![
        Int64Chunked::from_vec("platform".into(), pl).into_column(),
        Int64Chunked::from_vec("metric".into(), metric).into_column(),
        Int64Chunked::from_vec("value".into(), value).into_column(),
        Int64Chunked::from_vec("at".into(), at).into_column(),
        Int64Chunked::from_vec("with".into(), with).into_column(),
    ])?;
    let sums = df
        .lazy()
        .group_by([col("platform"), col("metric")])
        .agg([
            col("value").sum().alias("value"),
            col("value").count().cast(DataType::Int64).alias("videos"),
            col("at").min().alias("oldest"),
            col("with").min().alias("with"),
        ])
        .sort(["platform", "metric"], SortMultipleOptions::default())
        .collect()?;
    let mut metrics: HashMap<i64, BTreeMap<Metric, PlatformValue>> = HashMap::new();
    let column = |name: &str| -> Result<Vec<i64>, TimelineError> {
        Ok(sums
            .column(name)?
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (p, m, val, videos_n, oldest, w) = (
        column("platform")?,
        column("metric")?,
        column("value")?,
        column("videos")?,
        column("oldest")?,
        column("with")?,
    );
    for i in 0..p.len() {
        let Some(metric) = SHOWN.get(m[i] as usize) else {
            continue;
        };
        metrics.entry(p[i]).or_default().insert(
            *metric,
            PlatformValue {
                value: val[i],
                videos: videos_n[i] as usize,
                oldest: ms(oldest[i]),
                with_views: w[i] > 0,
            },
        );
    }

    // The rate over the videos whose rate is known: Σ interactions / Σ views.
    let known: Vec<&VideoEngagement> = videos.iter().filter(|v| v.rate.value().is_some()).collect();
    let rate_df = DataFrame::new_infer_height(vec![
        Int64Chunked::from_vec(
            "platform".into(),
            known.iter().map(|v| index(v.platform)).collect(),
        )
        .into_column(),
        Int64Chunked::from_vec(
            "interactions".into(),
            known.iter().map(|v| v.interactions.unwrap_or(0)).collect(),
        )
        .into_column(),
        Int64Chunked::from_vec(
            "views".into(),
            known.iter().map(|v| v.views.unwrap_or(0)).collect(),
        )
        .into_column(),
    ])?;
    let rates = rate_df
        .lazy()
        .group_by([col("platform")])
        .agg([
            col("interactions").sum(),
            col("views").sum(),
            col("views").count().cast(DataType::Int64).alias("videos"),
        ])
        .collect()?;
    let rate_column = |name: &str| -> Result<Vec<i64>, TimelineError> {
        Ok(rates
            .column(name)?
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (rp, ri, rv, rn) = (
        rate_column("platform")?,
        rate_column("interactions")?,
        rate_column("views")?,
        rate_column("videos")?,
    );
    let rate_of: HashMap<i64, (f64, usize)> = (0..rp.len())
        .filter(|&i| rv[i] > 0)
        .map(|i| (rp[i], (ri[i] as f64 / rv[i] as f64, rn[i] as usize)))
        .collect();

    Ok(platforms
        .iter()
        .map(|&platform| {
            let k = index(platform);
            let mine: Vec<&VideoEngagement> =
                videos.iter().filter(|v| v.platform == platform).collect();
            let read: Vec<i64> = mine.iter().filter_map(|v| v.interactions).collect();
            let rate = rate_of.get(&k).copied();
            PlatformEngagement {
                platform,
                videos: mine.len(),
                metrics: metrics.remove(&k).unwrap_or_default(),
                interactions: (!read.is_empty()).then(|| read.iter().sum()),
                rate: rate.map(|r| r.0),
                rate_videos: rate.map_or(0, |r| r.1),
                no_rate: match rate {
                    Some(_) => None,
                    None => mine
                        .iter()
                        .map(|v| v.rate)
                        .find(|r| *r != Rate::NoInteractions)
                        .or(Some(Rate::NoInteractions)),
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Observation, Source};
    use crate::timeline::{build, TimelineOptions};

    fn o(
        p: Platform,
        video: &str,
        metric: Metric,
        kind: Kind,
        at: &str,
        value: i64,
    ) -> Observation {
        let at: DateTime<Utc> = at.parse().unwrap();
        Observation {
            campaign: "c".into(),
            platform: p,
            video: video.into(),
            account: None,
            metric,
            kind,
            at,
            value,
            source: Source::api(),
            collected_at: at,
        }
    }

    fn options() -> TimelineOptions {
        TimelineOptions {
            campaign: "c".into(),
            tz: "Europe/Prague".parse().unwrap(),
            launched: None,
            milestones: vec![1000],
            velocity_window_days: 7,
            titles: HashMap::new(),
        }
    }

    use Kind::{Daily, Total};
    use Metric::{Comments, Likes, Shares, Views, WatchTimeS};
    use Platform::{Facebook, Linkedin, Youtube};

    #[test]
    fn latest_total_at_until_and_daily_rows_after_it() {
        let obs = vec![
            o(Youtube, "a", Views, Total, "2020-07-25T10:00:00Z", 100),
            o(Youtube, "a", Views, Total, "2020-07-28T20:00:00Z", 300),
            o(Youtube, "a", Likes, Total, "2020-07-25T10:00:00Z", 5),
            o(Youtube, "a", Likes, Total, "2020-07-27T10:00:00Z", 9),
            // A day that straddles the total is not added; a later one is.
            o(Youtube, "a", Likes, Daily, "2020-07-27T22:00:00Z", 3),
            o(Youtube, "a", Likes, Daily, "2020-07-28T22:00:00Z", 2),
            o(Youtube, "a", Comments, Daily, "2020-07-27T22:00:00Z", 1),
            o(Youtube, "a", Comments, Daily, "2020-07-28T22:00:00Z", 2),
        ];
        let tl = build(&obs, &options()).unwrap();
        let v = &tl.engagement.videos[0];
        let likes = v.metrics[&Likes];
        assert_eq!(likes.value, 11);
        assert_eq!(likes.at.to_rfc3339(), "2020-07-28T22:00:00+00:00");
        assert!(!likes.from_daily);
        let comments = v.metrics[&Comments];
        assert_eq!((comments.value, comments.from_daily), (3, true));
        // Both end on 28 Jul 24:00, views were read on 28 Jul 22:00: comparable.
        assert_eq!(v.interactions, Some(14));
        assert_eq!(v.rate, Rate::Known(14.0 / 300.0));

        // As of `until` = 26 Jul: only what was read by then.
        let until: DateTime<Utc> = "2020-07-26T00:00:00Z".parse().unwrap();
        let early: Vec<Observation> = obs.iter().filter(|o| o.at <= until).cloned().collect();
        let tl = build(&early, &options()).unwrap();
        let v = &tl.engagement.videos[0];
        assert_eq!(v.metrics[&Likes].value, 5);
        assert!(!v.metrics.contains_key(&Comments));
        assert_eq!(v.views, Some(100));
        assert_eq!(v.rate, Rate::Known(5.0 / 100.0));
    }

    #[test]
    fn missing_metrics_and_rates_only_with_views_read_alongside() {
        let obs = vec![
            // Facebook: views read on 30 Sep, watch time and reactions only up to 7 Aug.
            o(Facebook, "f", Views, Total, "2020-09-30T16:00:00Z", 3000),
            o(Facebook, "f", Likes, Daily, "2020-08-07T22:00:00Z", 40),
            o(
                Facebook,
                "f",
                WatchTimeS,
                Daily,
                "2020-08-07T22:00:00Z",
                7200,
            ),
            // LinkedIn: interactions but no views at all.
            o(Linkedin, "l", Likes, Total, "2020-09-30T19:00:00Z", 10),
            // YouTube: views only.
            o(Youtube, "y", Views, Total, "2020-09-30T10:00:00Z", 500),
            // YouTube: 0 views but a like.
            o(Youtube, "z", Views, Total, "2020-09-30T10:00:00Z", 0),
            o(Youtube, "z", Shares, Total, "2020-09-30T10:00:00Z", 1),
        ];
        let tl = build(&obs, &options()).unwrap();
        let e = &tl.engagement;
        let get = |video: &str| e.videos.iter().find(|v| v.video == video).unwrap();
        assert_eq!(get("f").rate, Rate::ReadApart);
        assert!(!get("f").metrics[&WatchTimeS].with_views);
        assert_eq!(get("l").rate, Rate::NoViews);
        assert_eq!(get("l").views, None);
        assert_eq!(get("y").rate, Rate::NoInteractions);
        assert_eq!(get("y").interactions, None);
        assert_eq!(get("z").rate, Rate::NoViews);
        assert!(!get("y").metrics.contains_key(&Comments));

        let fb = e.platform(Facebook).unwrap();
        assert_eq!(fb.rate, None);
        assert_eq!(fb.no_rate, Some(Rate::ReadApart));
        assert_eq!(fb.metrics[&WatchTimeS].value, 7200);
        assert!(!fb.metrics[&WatchTimeS].with_views);
        assert!(!fb.metrics.contains_key(&Shares));
        let yt = e.platform(Youtube).unwrap();
        assert_eq!((yt.interactions, yt.rate), (Some(1), None));
        assert_eq!(yt.no_rate, Some(Rate::NoViews));
        assert!(!e.is_empty());
    }

    #[test]
    fn platform_rate_over_the_videos_with_both() {
        let obs = vec![
            o(Youtube, "a", Views, Total, "2020-09-30T10:00:00Z", 1000),
            o(Youtube, "a", Likes, Total, "2020-09-30T10:00:00Z", 30),
            o(Youtube, "a", Comments, Total, "2020-09-30T10:00:00Z", 10),
            o(Youtube, "b", Views, Total, "2020-09-30T10:00:00Z", 3000),
            o(Youtube, "b", Likes, Total, "2020-09-30T10:00:00Z", 20),
            // Read long before the views: in the sums, not in the rate.
            o(Youtube, "c", Views, Total, "2020-09-30T10:00:00Z", 9000),
            o(Youtube, "c", Likes, Total, "2020-08-01T10:00:00Z", 900),
        ];
        let tl = build(&obs, &options()).unwrap();
        let yt = tl.engagement.platform(Youtube).unwrap();
        assert_eq!(yt.metrics[&Likes].value, 950);
        assert_eq!(yt.metrics[&Likes].videos, 3);
        assert_eq!(
            yt.metrics[&Likes].oldest.to_rfc3339(),
            "2020-08-01T10:00:00+00:00"
        );
        assert!(!yt.metrics[&Likes].with_views);
        assert_eq!(yt.metrics[&Comments].videos, 1);
        assert_eq!(yt.interactions, Some(960));
        assert_eq!(yt.rate, Some(60.0 / 4000.0));
        assert_eq!(yt.rate_videos, 2);
        assert_eq!(tl.engagement.videos[0].video, "c");
    }

    #[test]
    fn views_only_is_empty() {
        let obs = vec![o(Youtube, "a", Views, Total, "2020-09-30T10:00:00Z", 1000)];
        let tl = build(&obs, &options()).unwrap();
        assert!(tl.engagement.is_empty());
        assert!(build(&[], &options()).unwrap().engagement.is_empty());
    }
}
