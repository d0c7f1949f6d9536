//! The cross-platform timeline (DESIGN.md "Timeline rules" 1–5), computed with polars.
//!
//! Every polars call of viewtally lives in this module (here, `curve` and `engagement`), so a
//! polars upgrade touches one place.
//! The heavy, per-observation work (merging `daily` and `total` series, per-series deltas, the
//! as-of sum across videos) runs as one lazy polars query; what comes out is small (one row per
//! distinct reading time) and the day grid, milestones and forecast are read off it.

use std::collections::{BTreeMap, HashMap};

mod bounds;
mod curve;
pub mod engagement;
pub mod period;
#[cfg(test)]
mod props;

pub use bounds::GAP_MS;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use serde::Serialize;

use crate::model::{day_end, day_of, local_date, Kind, Metric, Observation, Platform};
use crate::store::ObservationBatch;

/// A failure inside the timeline computation (a bug or an impossible store content).
#[derive(Debug, thiserror::Error)]
#[error("timeline computation failed: {0}")]
pub struct TimelineError(#[from] PolarsError);

/// Inputs besides the observations.
#[derive(Debug, Clone)]
pub struct TimelineOptions {
    pub campaign: String,
    pub tz: Tz,
    pub launched: Option<DateTime<Utc>>,
    pub milestones: Vec<i64>,
    /// Trailing window for velocity, in days (default 7).
    pub velocity_window_days: i64,
    /// Titles and accounts from the config, per (platform, video).
    pub titles: HashMap<(Platform, String), (Option<String>, Option<String>)>,
}

/// The campaign at one instant where something was read (or the launch).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub at: DateTime<Utc>,
    /// Estimated cumulative views per platform, in the order of [`Timeline::platforms`].
    pub platforms: Vec<i64>,
    /// Estimated cumulative views (the sum of `platforms`).
    pub total: i64,
    /// What the readings prove: at least `low` views …
    pub low: i64,
    /// … and at most `high` (None: a video has no later reading to bound it).
    pub high: Option<i64>,
    /// Whether the stretch from the previous point to this one is an estimate (a gap between
    /// readings), in total and per platform.
    pub estimated: bool,
    pub platforms_estimated: Vec<bool>,
    /// What the readings prove per platform (the order of `platforms`): at least …
    #[serde(skip)]
    pub platforms_low: Vec<i64>,
    /// … and at most (None: a video of the platform has no later reading to bound it).
    #[serde(skip)]
    pub platforms_high: Vec<Option<i64>>,
}

/// One calendar day of the campaign (campaign time zone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    pub date: NaiveDate,
    /// The end of the day (UTC); the cumulative values are as of this instant.
    pub end: DateTime<Utc>,
    /// Estimated cumulative views per platform and in total at the end of the day.
    pub platforms: Vec<i64>,
    pub total: i64,
    /// Proven bounds of the total at the end of the day.
    pub low: i64,
    pub high: Option<i64>,
    /// New views that day per platform (negative where a counter went down).
    pub new_platforms: Vec<i64>,
    pub new_total: i64,
    /// Whether the day's new views are (partly) an estimate: a gap's increase spread over
    /// its days, per platform.
    pub estimated: Vec<bool>,
}

impl Day {
    /// Whether any platform's new views that day are estimated.
    pub fn any_estimated(&self) -> bool {
        self.estimated.iter().any(|e| *e)
    }
}

/// One video (one post on one platform) and its latest numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoLine {
    pub platform: Platform,
    pub video: String,
    pub account: Option<String>,
    pub title: Option<String>,
    pub views: i64,
    pub first_reading: DateTime<Utc>,
    pub last_reading: DateTime<Utc>,
    /// Source kinds seen for this video: `api`, `export`, `manual`.
    pub sources: Vec<String>,
    /// Latest value of the other metrics (likes, comments …) where known.
    pub metrics: BTreeMap<Metric, i64>,
}

/// A counter that went down between two readings (kept as read, listed in the report).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decrease {
    pub platform: Platform,
    pub video: String,
    pub at: DateTime<Utc>,
    pub from: i64,
    pub to: i64,
}

/// A lifetime total that the daily rows before it contradict (rule 1: the total wins from its
/// instant on; earlier days keep what the daily rows say).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    pub platform: Platform,
    pub video: String,
    pub at: DateTime<Utc>,
    /// What the daily rows proved at that instant.
    pub low: i64,
    pub high: Option<i64>,
    /// The total read.
    pub read: i64,
}

/// An end of a milestone's bracket: an instant and the proven total there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reading {
    pub at: DateTime<Utc>,
    pub total: i64,
}

/// A milestone and what the readings prove about its crossing (rule 4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    pub threshold: i64,
    /// The estimate of the crossing, inside (after, by]; None until it is proven.
    pub crossed_at: Option<DateTime<Utc>>,
    /// The last instant before `by` at which the total was proven below the threshold (with
    /// that upper bound), at the earliest the launch with 0.
    pub after: Option<Reading>,
    /// The first instant at which the total was proven at or above the threshold (with that
    /// lower bound). None: not crossed yet.
    pub by: Option<Reading>,
    /// Crossed, but its bracket does not start at or after the moment monitoring began (the
    /// earliest reading): "crossed before monitoring began", never announced (issue 18).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub before_monitoring: bool,
}

/// How a crossing may be dated in words (rule 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossingDay {
    /// The bracket lies within one calendar day: "passed 8,000 views on 28 Jul".
    On(NaiveDate),
    /// It does not: "had passed 8,000 views by 3 Sep".
    By(NaiveDate),
}

impl CrossingDay {
    pub fn date(self) -> NaiveDate {
        match self {
            CrossingDay::On(d) | CrossingDay::By(d) => d,
        }
    }
}

impl Milestone {
    /// The day to state, in the campaign time zone: `On` only when `after` and `by` fall within
    /// one calendar day (a day's end, 24:00, belongs to that day).
    pub fn day(&self, tz: Tz) -> Option<CrossingDay> {
        let by = self.by?;
        let by_day = day_of(by.at, tz);
        match self.after {
            Some(a) if local_date(a.at, tz) == by_day => Some(CrossingDay::On(by_day)),
            _ => Some(CrossingDay::By(by_day)),
        }
    }
}

/// Views per day over the trailing window, between known points only (rule 7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Velocity {
    pub views_per_day: f64,
    /// The longest span between known points used, in days (at most the window).
    pub window_days: f64,
}

/// The next milestone and when the current pace reaches it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub threshold: i64,
    pub remaining: i64,
    /// None: not at the current pace, or no pace known.
    pub eta: Option<DateTime<Utc>>,
    /// Whether the threshold is one of the configured milestones (else the next round number).
    pub configured: bool,
}

/// Everything the reports need, computed from a campaign's observations.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub campaign: String,
    #[serde(skip)]
    pub tz: Tz,
    pub launched: Option<DateTime<Utc>>,
    /// When monitoring began: the earliest reading (a `total`'s instant, or the start of the
    /// earliest `daily` row). None without data.
    #[serde(skip)]
    pub monitoring_began: Option<DateTime<Utc>>,
    /// The time of the latest reading (None without data).
    pub as_of: Option<DateTime<Utc>>,
    pub platforms: Vec<Platform>,
    /// Proven views per platform at the latest reading.
    pub platform_views: Vec<i64>,
    /// The campaign at each instant where something was read (and at the launch).
    pub points: Vec<Point>,
    pub days: Vec<Day>,
    pub videos: Vec<VideoLine>,
    pub decreases: Vec<Decrease>,
    pub disagreements: Vec<Disagreement>,
    pub milestones: Vec<Milestone>,
    /// Announcements already sent whose bracket the readings now contradict (rule 5: a
    /// correction moved the crossing out of it).
    pub contradicted: Vec<Contradicted>,
    pub velocity: Option<Velocity>,
    pub forecast: Option<Forecast>,
    /// Likes, comments, shares, watch time … per video and platform at the latest reading
    /// (issue 16); not part of `timeline.json`.
    #[serde(skip)]
    pub engagement: engagement::Engagement,
}

/// A sent announcement and what the readings say now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contradicted {
    pub threshold: i64,
    /// The bracket the announcement stated.
    pub announced_after: Option<DateTime<Utc>>,
    pub announced_by: DateTime<Utc>,
    /// The milestone as the readings now prove it (`by` None: no longer proven crossed).
    pub now: Milestone,
}

impl Timeline {
    /// Compare sent announcements with what the readings prove now: an announcement is
    /// contradicted when the crossing is no longer proven, or its bracket and the current one
    /// no longer overlap.
    pub fn check_announcements(&mut self, announced: &[crate::store::Announced]) {
        self.contradicted = announced
            .iter()
            .filter_map(|a| {
                let now = self
                    .milestones
                    .iter()
                    .find(|m| m.threshold == a.threshold)?;
                let moved = match now.by {
                    None => true,
                    Some(by) => {
                        a.after.is_some_and(|after| by.at <= after)
                            || now.after.is_some_and(|after| after.at >= a.by)
                    }
                };
                moved.then(|| Contradicted {
                    threshold: a.threshold,
                    announced_after: a.after,
                    announced_by: a.by,
                    now: now.clone(),
                })
            })
            .collect();
    }

    /// Total views at the latest reading: what the readings prove.
    pub fn total(&self) -> i64 {
        self.points.last().map(|p| p.low).unwrap_or(0)
    }

    /// Proven views per platform at the latest reading.
    pub fn platform_totals(&self) -> Vec<(Platform, i64)> {
        self.platforms
            .iter()
            .copied()
            .zip(self.platform_views.iter().copied())
            .collect()
    }

    /// The proven total as of `t` (0 before the first reading).
    pub fn total_at(&self, t: DateTime<Utc>) -> i64 {
        as_of(&self.points, t).map(|p| p.low).unwrap_or(0)
    }

    /// Whether any stretch of the timeline is an estimate (the charts then say so).
    pub fn has_estimates(&self) -> bool {
        self.points.iter().any(|p| p.estimated) || self.days.iter().any(Day::any_estimated)
    }
}

/// A campaign's timeline from the store (readings at or before `until`).
///
/// The store is read once, in column batches ([`crate::store::Store::scan`]); no
/// [`Observation`] is built per row.
pub fn for_campaign(
    store: &dyn crate::store::Store,
    campaign: &crate::config::Campaign,
    until: Option<DateTime<Utc>>,
) -> anyhow::Result<Timeline> {
    let _span = tracing::debug_span!("timeline", campaign = campaign.slug()).entered();
    let started = std::time::Instant::now();
    let mut input = TimelineInput::default();
    let rows = store.scan(
        &crate::store::Query {
            campaign: campaign.slug().to_string(),
            until,
            metric: None,
        },
        crate::store::ScanOrder::Key,
        &mut |batch| {
            input.push(batch);
            Ok(())
        },
    )?;
    tracing::debug!(
        rows,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "store read"
    );
    let titles: HashMap<_, _> = campaign
        .videos
        .iter()
        .map(|v| {
            (
                (v.platform, v.id.clone()),
                (v.title.clone(), v.account.clone()),
            )
        })
        .collect();
    let options = TimelineOptions {
        campaign: campaign.slug().to_string(),
        tz: campaign.tz(),
        launched: campaign.launched_at,
        milestones: campaign.milestones().to_vec(),
        velocity_window_days: 7,
        titles,
    };
    let mut tl = input.finish(&options)?;
    // What was announced is checked against the full readings only (a past state via
    // `--until` shows what was proven then).
    if until.is_none() {
        tl.check_announcements(&store.announced(campaign.slug())?);
    }
    tracing::debug!(
        points = tl.points.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "timeline built"
    );
    Ok(tl)
}

/// The last point at or before `t`.
fn as_of(points: &[Point], t: DateTime<Utc>) -> Option<&Point> {
    let n = points.partition_point(|p| p.at <= t);
    n.checked_sub(1).map(|i| &points[i])
}

/// Build the timeline of one campaign.
pub fn build(
    observations: &[Observation],
    options: &TimelineOptions,
) -> Result<Timeline, TimelineError> {
    let mut input = TimelineInput::default();
    input.push(&ObservationBatch::from_observations(observations));
    input.finish(options)
}

/// Buckets of series (by series id) that the views readings are kept in, so that the polars
/// query can run over a few buckets at a time instead of over every reading at once.
const BUCKETS: usize = 16;

/// Readings per polars run (buckets are merged up to this): bounds the query's working memory.
const RUN_ROWS: usize = 1_000_000;

/// Where a row stands in [`crate::store::ScanOrder::Sorted`] order within one series: time,
/// then metric, kind and source kind names. Used to keep "first seen" and "last seen" facts
/// independent of the order a scan delivers rows in.
#[derive(Clone, Copy)]
struct RowKey {
    at: i64,
    metric: Metric,
    kind: Kind,
    /// Index into `TimelineInput::kind_names`.
    source_kind: u16,
}

/// A timeline's input, gathered from the batches of one store scan: the views readings in
/// columns for polars, and per video what the reports list (account, sources, other metrics).
///
/// A scan in [`crate::store::ScanOrder::Key`] order brings each video's rows together and each
/// series in time order, so the readings are grouped per video as they arrive (no sort). Rows
/// in another order are still right: then they are grouped by a sort.
#[derive(Default)]
pub struct TimelineInput {
    /// (platform, video) per series id: the scan's video dictionary.
    series: Vec<(Platform, String)>,
    /// The scan's account dictionary.
    account_names: Vec<String>,
    /// Source kind names (`api`, `export`, `manual`).
    kind_names: Vec<String>,
    /// Per entry of the scan's source dictionary: its index in `kind_names`.
    source_kind: Vec<u16>,
    buckets: Vec<Columns>,
    other_metrics: HashMap<(u32, Metric), OtherMetric>,
    /// Per series id: the account of its last row.
    accounts: Vec<Option<(RowKey, u32)>>,
    /// Per series id: its source kinds with the first row of each.
    sources: Vec<Vec<(RowKey, u16)>>,
    /// The series id of the last row pushed.
    last_series: Option<u32>,
    /// Per series id: whether its rows have ended (another series' rows came after them).
    ended: Vec<bool>,
    /// Whether a series' rows came in more than one stretch (not in key order).
    scattered: bool,
}

/// For a metric other than views: the latest `total` reading and the sum of `daily` rows.
#[derive(Default)]
struct OtherMetric {
    latest: Option<(i64, u16, i64)>, // at, source kind, value
    daily: i64,
    /// Every `daily` row (at, value): the engagement summary counts those after the latest
    /// total (rule 1).
    daily_rows: Vec<(i64, i64)>,
}

impl TimelineInput {
    fn key_cmp(&self, a: &RowKey, b: &RowKey) -> std::cmp::Ordering {
        a.at.cmp(&b.at)
            .then_with(|| a.metric.as_str().cmp(b.metric.as_str()))
            .then_with(|| a.kind.as_str().cmp(b.kind.as_str()))
            .then_with(|| {
                self.kind_names[a.source_kind as usize]
                    .cmp(&self.kind_names[b.source_kind as usize])
            })
    }

    /// Take in one batch of a scan (batches of one scan share their dictionaries).
    pub fn push(&mut self, batch: &ObservationBatch) {
        self.series
            .extend_from_slice(&batch.videos[self.series.len().min(batch.videos.len())..]);
        self.account_names.extend_from_slice(
            &batch.accounts[self.account_names.len().min(batch.accounts.len())..],
        );
        for s in &batch.sources[self.source_kind.len().min(batch.sources.len())..] {
            let kind = s.kind();
            let index = match self.kind_names.iter().position(|k| k == kind) {
                Some(i) => i,
                None => {
                    self.kind_names.push(kind.to_string());
                    self.kind_names.len() - 1
                }
            };
            self.source_kind.push(index as u16);
        }
        self.accounts.resize(self.series.len(), None);
        self.sources.resize(self.series.len(), Vec::new());
        self.ended.resize(self.series.len(), false);
        if self.buckets.is_empty() {
            self.buckets.resize_with(BUCKETS, Columns::default);
        }
        for i in 0..batch.len() {
            let id = batch.video[i];
            if self.last_series != Some(id) {
                if let Some(last) = self.last_series {
                    self.ended[last as usize] = true;
                }
                self.scattered |= self.ended[id as usize];
                self.last_series = Some(id);
            }
            let key = RowKey {
                at: batch.at_ms[i],
                metric: batch.metric[i],
                kind: batch.kind[i],
                source_kind: self.source_kind[batch.source[i] as usize],
            };
            if let Some(a) = batch.account[i] {
                let later = match &self.accounts[id as usize] {
                    Some((k, _)) => self.key_cmp(&key, k).is_ge(),
                    None => true,
                };
                if later {
                    self.accounts[id as usize] = Some((key, a));
                }
            }
            match self.sources[id as usize]
                .iter()
                .position(|(_, k)| *k == key.source_kind)
            {
                Some(j) => {
                    let first = self.sources[id as usize][j].0;
                    if self.key_cmp(&key, &first).is_lt() {
                        self.sources[id as usize][j].0 = key;
                    }
                }
                None => self.sources[id as usize].push((key, key.source_kind)),
            }
            let value = batch.value[i];
            if key.metric != Metric::Views {
                let kind_names = &self.kind_names;
                let e = self.other_metrics.entry((id, key.metric)).or_default();
                match key.kind {
                    Kind::Total => {
                        let later = e.latest.is_none_or(|(at, sk, _)| {
                            (key.at, &kind_names[key.source_kind as usize])
                                >= (at, &kind_names[sk as usize])
                        });
                        if later {
                            e.latest = Some((key.at, key.source_kind, value));
                        }
                    }
                    Kind::Daily => {
                        e.daily += value;
                        e.daily_rows.push((key.at, value));
                    }
                }
                continue;
            }
            let cols = &mut self.buckets[id as usize % BUCKETS];
            cols.series.push(id);
            cols.total.push(key.kind == Kind::Total);
            cols.at.push(key.at);
            cols.value.push(value);
        }
    }

    /// Compute the timeline from everything pushed.
    pub fn finish(self, options: &TimelineOptions) -> Result<Timeline, TimelineError> {
        self.finish_in_runs(options, RUN_ROWS)
    }

    fn finish_in_runs(
        self,
        options: &TimelineOptions,
        run_rows: usize,
    ) -> Result<Timeline, TimelineError> {
        let accounts: HashMap<i64, String> = self
            .accounts
            .iter()
            .enumerate()
            .filter_map(|(s, a)| a.map(|(_, a)| (s as i64, self.account_names[a as usize].clone())))
            .collect();
        let sources: HashMap<i64, Vec<String>> = self
            .sources
            .iter()
            .enumerate()
            .map(|(s, kinds)| {
                let mut kinds = kinds.clone();
                kinds.sort_by(|a, b| self.key_cmp(&a.0, &b.0));
                let names = kinds
                    .iter()
                    .map(|&(_, k)| self.kind_names[k as usize].clone())
                    .collect();
                (s as i64, names)
            })
            .collect();
        let other_metrics: HashMap<(i64, Metric), (Option<i64>, i64)> = self
            .other_metrics
            .iter()
            .map(|(&(s, m), o)| ((s as i64, m), (o.latest.map(|(_, _, v)| v), o.daily)))
            .collect();
        let engagement_rows: Vec<engagement::MetricRows> = self
            .other_metrics
            .into_iter()
            .map(|((s, metric), o)| {
                let (platform, video) = self.series[s as usize].clone();
                engagement::MetricRows {
                    platform,
                    video,
                    metric,
                    total: o.latest.map(|(at, _, v)| (at, v)),
                    daily: o.daily_rows,
                }
            })
            .collect();
        let mut tl = build_from(
            self.series,
            self.buckets,
            (other_metrics, accounts, sources),
            options,
            (run_rows, !self.scattered),
        )?;
        tl.engagement = engagement::summarize(&tl.videos, engagement_rows)?;
        Ok(tl)
    }
}

/// Per series: other metrics (latest total, sum of daily), account, source kinds.
type SeriesFacts = (
    HashMap<(i64, Metric), (Option<i64>, i64)>,
    HashMap<i64, String>,
    HashMap<i64, Vec<String>>,
);

fn build_from(
    series: Vec<(Platform, String)>,
    buckets: Vec<Columns>,
    (other_metrics, accounts, sources): SeriesFacts,
    options: &TimelineOptions,
    (run_rows, grouped): (usize, bool),
) -> Result<Timeline, TimelineError> {
    let platforms: Vec<Platform> = {
        let mut ps: Vec<Platform> = series.iter().map(|(p, _)| *p).collect();
        ps.sort();
        ps.dedup();
        ps
    };
    // The latest reading of all: the origin of the estimate's lines and the end of the
    // velocity window.
    let as_of_ms = buckets.iter().flat_map(|b| b.at.iter().copied()).max();
    let origin = as_of_ms.unwrap_or(0);
    let launch_ms = options.launched.map(|l| l.timestamp_millis());
    let window_ms = options.velocity_window_days * bounds::DAY_MS;

    // Rules 1–3 per video, in runs of buckets (each series lies in one bucket); each run's
    // changes are summed per instant by polars, and the runs' sums added up at the end.
    let mut latest: HashMap<i64, (i64, i64, i64)> = HashMap::new(); // first_at, last_at, value
    let mut decreases = Vec::new();
    let mut disagreements = Vec::new();
    let mut rates: Vec<(f64, Option<f64>)> = Vec::new(); // views/day, span in the window
    let mut run_sums = Vec::new();
    let mut began: Option<i64> = None; // the earliest reading's instant (a daily row's start)
    let mut pending = Columns::default();
    let mut buckets = buckets.into_iter().peekable();
    while let Some(bucket) = buckets.next() {
        pending.append(bucket);
        let next_rows = buckets.peek().map_or(usize::MAX, |b| b.len());
        if buckets.peek().is_some() && pending.len() + next_rows <= run_rows {
            continue;
        }
        let run = std::mem::take(&mut pending);
        let (rows, count) = (run.len(), run.series_count());
        let items: Vec<(u32, bounds::Readings)> = run.by_series(grouped).collect();
        let share = SeriesShare::of_run(
            items,
            (rows, count),
            &ShareCtx {
                series: &series,
                platforms: &platforms,
                launch_ms,
                origin,
                window_ms,
            },
        );
        let SeriesShare {
            deltas,
            latest: l,
            decreases: d,
            disagreements: g,
            rates: r,
            began: b,
        } = share;
        latest.extend(l);
        decreases.extend(d);
        disagreements.extend(g);
        rates.extend(r);
        began = match (began, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if deltas.len() > 0 {
            run_sums.push(deltas.sums()?);
        }
    }
    if let (Some(l), false) = (launch_ms, run_sums.is_empty()) {
        let mut mark = curve::Deltas::default();
        mark.mark(l);
        run_sums.push(mark.sums()?);
    }
    let curve = curve::Curve::accumulate(run_sums, platforms.len(), origin)?;
    let points = points(&curve, platforms.len());
    let platform_views: Vec<i64> = match as_of_ms {
        Some(t) => (0..platforms.len())
            .map(|k| curve.platform_lower(k, t))
            .collect(),
        None => Vec::new(),
    };

    decreases.sort_by(|a, b| a.at.cmp(&b.at).then(a.video.cmp(&b.video)));
    disagreements.sort_by(|a, b| a.at.cmp(&b.at).then(a.video.cmp(&b.video)));
    let mut videos: Vec<VideoLine> = latest
        .iter()
        .map(|(&s, &(first, last, views))| {
            let (platform, video) = series[s as usize].clone();
            let (title, cfg_account) = options
                .titles
                .get(&(platform, video.clone()))
                .cloned()
                .unwrap_or((None, None));
            let metrics = Metric::ALL
                .into_iter()
                .filter_map(|m| {
                    other_metrics
                        .get(&(s, m))
                        .map(|(t, daily)| (m, t.unwrap_or(*daily)))
                })
                .collect();
            VideoLine {
                platform,
                account: accounts.get(&s).cloned().or(cfg_account),
                video,
                title,
                views,
                first_reading: ms(first),
                last_reading: ms(last),
                sources: sources.get(&s).cloned().unwrap_or_default(),
                metrics,
            }
        })
        .collect();
    videos.sort_by(|a, b| b.views.cmp(&a.views).then(a.video.cmp(&b.video)));

    let as_of_time = as_of_ms.map(ms);
    let first_reading = latest.values().map(|v| v.0).min().map(ms);
    let days = day_grid(&curve, first_reading, as_of_time, options, platforms.len());
    let monitoring_began = began.map(ms);
    let mut milestones = milestones(&curve, &options.milestones);
    for m in &mut milestones {
        // Announced only when the bracket starts at or after the earliest reading (issue 18).
        let seen = m
            .after
            .zip(monitoring_began)
            .is_some_and(|(a, began)| a.at >= began);
        m.before_monitoring = m.by.is_some() && !seen;
    }
    let velocity = velocity(&rates);
    let total = points.last().map_or(0, |p| p.low);
    let forecast = as_of_time.map(|t| forecast(total, &options.milestones, velocity, t));

    Ok(Timeline {
        campaign: options.campaign.clone(),
        tz: options.tz,
        launched: options.launched,
        monitoring_began,
        as_of: as_of_time,
        platforms,
        platform_views,
        points,
        days,
        videos,
        decreases,
        disagreements,
        milestones,
        contradicted: Vec::new(),
        velocity,
        forecast,
        engagement: engagement::Engagement::default(),
    })
}

/// What a share of a run's series needs to apply rules 1–3 to each.
struct ShareCtx<'a> {
    series: &'a [(Platform, String)],
    platforms: &'a [Platform],
    launch_ms: Option<i64>,
    origin: i64,
    window_ms: i64,
}

/// Rules 1–3 applied to some of a run's series, in series order: their changes for polars and
/// what the report lists of them.
#[derive(Default)]
struct SeriesShare {
    deltas: curve::Deltas,
    /// Per series id: first reading, last reading, views at the last reading.
    latest: Vec<(i64, (i64, i64, i64))>,
    decreases: Vec<Decrease>,
    disagreements: Vec<Disagreement>,
    /// Views/day and span in the window, per series with a pace.
    rates: Vec<(f64, Option<f64>)>,
    /// The earliest reading's instant (a daily row's start).
    began: Option<i64>,
}

/// A run this large is split in two shares worked on at the same time.
const SPLIT_MIN_ROWS: usize = 100_000;

/// [`SPLIT_MIN_ROWS`], lowered by tests so that small runs are split too.
static SPLIT_AT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(SPLIT_MIN_ROWS);

impl SeriesShare {
    /// The run's series (`items`, in order; `rows` readings of `count` series in all), on two
    /// threads when the run is large. The second share is appended to the first, so the
    /// changes come in series order either way and polars adds them up in the same order.
    fn of_run(
        items: Vec<(u32, bounds::Readings)>,
        (rows, count): (usize, usize),
        ctx: &ShareCtx,
    ) -> SeriesShare {
        if rows < SPLIT_AT.load(std::sync::atomic::Ordering::Relaxed) || items.len() < 2 {
            let mut share = SeriesShare {
                deltas: curve::Deltas::with_capacity(rows, count),
                ..SeriesShare::default()
            };
            share.work(items, ctx);
            return share;
        }
        // Split where half the readings lie.
        let mut seen = 0;
        let at = items
            .iter()
            .position(|(_, r)| {
                seen += r.totals.len() + r.daily.len();
                seen * 2 >= rows
            })
            .map_or(items.len() / 2, |i| (i + 1).min(items.len() - 1));
        let mut items = items;
        let second_items = items.split_off(at);
        let (second_rows, second_count) = (
            second_items
                .iter()
                .map(|(_, r)| r.totals.len() + r.daily.len())
                .sum::<usize>(),
            second_items.len(),
        );
        let mut first = SeriesShare {
            // Room for both shares: the second is appended without a copy of the first.
            deltas: curve::Deltas::with_capacity(rows, count),
            ..SeriesShare::default()
        };
        let second = std::thread::scope(|scope| {
            let handle = scope.spawn(|| {
                let mut share = SeriesShare {
                    deltas: curve::Deltas::with_capacity(second_rows, second_count),
                    ..SeriesShare::default()
                };
                share.work(second_items, ctx);
                share
            });
            first.work(items, ctx);
            handle.join()
        });
        let second = match second {
            Ok(s) => s,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        first.append(second);
        first
    }

    /// Append `other` (the series after this share's).
    fn append(&mut self, other: SeriesShare) {
        self.deltas.append(other.deltas);
        self.latest.extend(other.latest);
        self.decreases.extend(other.decreases);
        self.disagreements.extend(other.disagreements);
        self.rates.extend(other.rates);
        self.began = match (self.began, other.began) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// Rules 1–3 for each of `items`, in order.
    fn work(&mut self, items: Vec<(u32, bounds::Readings)>, ctx: &ShareCtx) {
        for (id, readings) in items {
            let start = (readings.totals.iter().map(|r| r.0))
                .chain(readings.daily.iter().map(|r| r.0 - bounds::DAY_MS))
                .min();
            self.began = match (self.began, start) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let Some(b) = bounds::bounds(readings, ctx.launch_ms) else {
                continue;
            };
            let (platform, video) = &ctx.series[id as usize];
            let index = ctx
                .platforms
                .iter()
                .position(|q| q == platform)
                .unwrap_or(0);
            self.deltas.push(&b, index, ctx.origin);
            let last = b.events.iter().rfind(|e| e.at <= b.last_reading);
            self.latest.push((
                id as i64,
                (b.first_reading, b.last_reading, last.map_or(0, |e| e.lo)),
            ));
            for c in &b.conflicts {
                match *c {
                    bounds::Conflict::Decrease { at, from, to } => self.decreases.push(Decrease {
                        platform: *platform,
                        video: video.clone(),
                        at: ms(at),
                        from,
                        to,
                    }),
                    bounds::Conflict::Disagreement {
                        at,
                        low,
                        high,
                        read,
                    } => self.disagreements.push(Disagreement {
                        platform: *platform,
                        video: video.clone(),
                        at: ms(at),
                        low,
                        high,
                        read,
                    }),
                }
            }
            if let Some(rate) = series_rate(&b, ctx.origin, ctx.window_ms) {
                self.rates.push(rate);
            }
        }
    }
}

/// Views readings in columns (21 bytes a reading).
#[derive(Default)]
struct Columns {
    series: Vec<u32>,
    total: Vec<bool>,
    at: Vec<i64>,
    value: Vec<i64>,
}

impl Columns {
    fn len(&self) -> usize {
        self.at.len()
    }

    /// How many stretches of one series the rows hold (the number of series, for rows in key
    /// order; more when they are scattered).
    fn series_count(&self) -> usize {
        1 + self.series.windows(2).filter(|w| w[0] != w[1]).count()
    }

    /// The readings of each series. `grouped`: each series' rows are one stretch (a scan in
    /// key order), taken as they are; else they are grouped by a sort first.
    fn by_series(self, grouped: bool) -> impl Iterator<Item = (u32, bounds::Readings)> {
        let order: Vec<usize> = if grouped {
            (0..self.len()).collect()
        } else {
            let mut order: Vec<usize> = (0..self.len()).collect();
            order.sort_by_key(|&i| self.series[i]);
            order
        };
        let mut out: Vec<(u32, bounds::Readings)> = Vec::new();
        for i in order {
            let id = self.series[i];
            if out.last().is_none_or(|(s, _)| *s != id) {
                out.push((id, bounds::Readings::default()));
            }
            if let Some((_, r)) = out.last_mut() {
                let row = (self.at[i], self.value[i]);
                if self.total[i] {
                    r.totals.push(row);
                } else {
                    r.daily.push(row);
                }
            }
        }
        out.into_iter()
    }

    fn append(&mut self, other: Columns) {
        if self.len() == 0 {
            *self = other;
            return;
        }
        self.series.extend(other.series);
        self.total.extend(other.total);
        self.at.extend(other.at);
        self.value.extend(other.value);
    }
}

/// Rule 7 for one video: views per day between known points, and the span in days when both
/// lie within the trailing window. A video whose last known point is in the window but whose
/// other known points are not is bridged to its last known point before the window (its pace
/// across that gap, between known points only); one not read within the window has no pace.
fn series_rate(b: &bounds::Bounds, as_of: i64, window_ms: i64) -> Option<(f64, Option<f64>)> {
    let start = as_of - window_ms;
    let known: Vec<&bounds::Event> = b.events.iter().filter(|e| e.known()).collect();
    let last = *known.last()?;
    if last.at < start {
        return None;
    }
    let day = bounds::DAY_MS;
    let rate = |a: &bounds::Event| {
        let span = (last.at - a.at) as f64 / day as f64;
        (last.lo - a.lo) as f64 / span
    };
    match known.iter().find(|e| e.at >= start) {
        Some(first) if last.at - first.at >= day => {
            Some((rate(first), Some((last.at - first.at) as f64 / day as f64)))
        }
        _ => known
            .iter()
            .rev()
            .find(|e| e.at < start)
            .filter(|e| last.at - e.at >= day)
            .map(|e| (rate(e), None)),
    }
}

fn ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

/// The points: the curves at every instant where something was read (and at the launch).
fn points(curve: &curve::Curve, n_platforms: usize) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::new();
    let mut prev: Option<i64> = None;
    for (r, &at) in curve.at.iter().enumerate() {
        if !curve.real[r] {
            continue;
        }
        let platforms: Vec<i64> = (0..n_platforms)
            .map(|k| curve.platform_estimate(k, at).round() as i64)
            .collect();
        let (estimated, platforms_estimated) = match prev {
            Some(p) => curve.estimated(p, at),
            None => (false, vec![false; n_platforms]),
        };
        out.push(Point {
            at: ms(at),
            total: platforms.iter().sum(),
            platforms,
            low: curve.lower(at),
            high: curve.upper(at),
            estimated,
            platforms_estimated,
            platforms_low: (0..n_platforms)
                .map(|k| curve.platform_lower(k, at))
                .collect(),
            platforms_high: (0..n_platforms)
                .map(|k| curve.platform_upper(k, at))
                .collect(),
        });
        prev = Some(at);
    }
    out
}

/// One row per calendar day from the launch day (or first reading) to the last reading.
fn day_grid(
    curve: &curve::Curve,
    first_reading: Option<DateTime<Utc>>,
    as_of_time: Option<DateTime<Utc>>,
    options: &TimelineOptions,
    n_platforms: usize,
) -> Vec<Day> {
    let (Some(first), Some(last)) = (first_reading, as_of_time) else {
        return Vec::new();
    };
    // A reading at midnight closes the day before it (that is where `daily` rows sit).
    let first_date = day_of(first, options.tz);
    let mut date = options
        .launched
        .map_or(first_date, |l| local_date(l, options.tz).min(first_date));
    let last_date = day_of(last, options.tz).max(date);
    let mut days = Vec::new();
    let mut prev: Option<(Vec<i64>, i64)> = None;
    let mut start = match date.pred_opt() {
        Some(d) => day_end(d, options.tz),
        None => day_end(date, options.tz) - Duration::days(1),
    };
    while date <= last_date {
        let end = day_end(date, options.tz);
        let t = end.timestamp_millis();
        let platforms: Vec<i64> = (0..n_platforms)
            .map(|k| curve.platform_estimate(k, t).round() as i64)
            .collect();
        let total: i64 = platforms.iter().sum();
        let (pp, pt) = prev.clone().unwrap_or((vec![0; n_platforms], 0));
        let (_, estimated) = curve.estimated(start.timestamp_millis(), t);
        days.push(Day {
            date,
            end,
            new_platforms: platforms.iter().zip(&pp).map(|(a, b)| a - b).collect(),
            new_total: total - pt,
            low: curve.lower(t),
            high: curve.upper(t),
            estimated,
            platforms: platforms.clone(),
            total,
        });
        prev = Some((platforms, total));
        start = end;
        match date.succ_opt() {
            Some(d) => date = d,
            None => break,
        }
    }
    days
}

/// Rule 4: `by` is the first instant where ΣL ≥ m, `after` the last one before it where
/// ΣU < m (the launch at the earliest), and the crossing is where ΣE reaches m between them.
fn milestones(curve: &curve::Curve, thresholds: &[i64]) -> Vec<Milestone> {
    let real: Vec<i64> = curve
        .at
        .iter()
        .zip(&curve.real)
        .filter(|(_, r)| **r)
        .map(|(a, _)| *a)
        .collect();
    thresholds
        .iter()
        .map(|&m| {
            let not_crossed = Milestone {
                threshold: m,
                crossed_at: None,
                after: None,
                by: None,
                before_monitoring: false,
            };
            let Some(j) = real.iter().position(|&t| curve.lower(t) >= m) else {
                return not_crossed;
            };
            let by = Reading {
                at: ms(real[j]),
                total: curve.lower(real[j]),
            };
            let i = real[..j]
                .iter()
                .rposition(|&t| curve.upper(t).is_some_and(|u| u < m));
            let after = i.map(|i| Reading {
                at: ms(real[i]),
                total: curve.upper(real[i]).unwrap_or(0),
            });
            // ΣE is a line between consecutive points: find where it reaches m after `after`.
            let from = i.map_or(0, |i| i + 1);
            let mut crossed = real[j];
            for k in from..=j {
                let e = curve.estimate(real[k]);
                if e >= m as f64 - 1e-6 {
                    crossed = match k.checked_sub(1) {
                        Some(p) => {
                            let e0 = curve.estimate(real[p]);
                            let f = if e > e0 {
                                ((m as f64 - e0) / (e - e0)).clamp(0.0, 1.0)
                            } else {
                                1.0
                            };
                            real[p] + ((real[k] - real[p]) as f64 * f).round() as i64
                        }
                        None => real[k],
                    };
                    break;
                }
            }
            let lower_end = i.map_or(i64::MIN, |i| real[i] + 1);
            let crossed = crossed.clamp(lower_end, real[j]);
            Milestone {
                threshold: m,
                crossed_at: Some(ms(crossed)),
                after,
                by: Some(by),
                before_monitoring: false,
            }
        })
        .collect()
}

/// Rule 7: the videos' paces summed (each between known points only); None when no video has
/// two known points a day apart within the window.
fn velocity(rates: &[(f64, Option<f64>)]) -> Option<Velocity> {
    let window = rates
        .iter()
        .filter_map(|r| r.1)
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))?;
    Some(Velocity {
        views_per_day: rates.iter().map(|r| r.0).sum(),
        window_days: window,
    })
}

/// Below this pace (views per day) the next milestone is "not at the current pace".
pub const STALLED_VIEWS_PER_DAY: f64 = 0.5;

/// The next milestone above the current total: the next configured one, else the next step
/// after them ([`next_beyond`]), with its ETA at the current velocity.
fn forecast(
    total: i64,
    thresholds: &[i64],
    velocity: Option<Velocity>,
    as_of_time: DateTime<Utc>,
) -> Forecast {
    let (threshold, configured) = match thresholds.iter().find(|&&m| m > total) {
        Some(&m) => (m, true),
        None => (next_beyond(total, thresholds), false),
    };
    let remaining = threshold - total;
    let eta = velocity
        .filter(|v| v.views_per_day >= STALLED_VIEWS_PER_DAY)
        .and_then(|v| {
            let days = remaining as f64 / v.views_per_day;
            (days < 365.0 * 100.0)
                .then(|| as_of_time + Duration::milliseconds((days * 86_400_000.0).round() as i64))
        });
    Forecast {
        threshold,
        remaining,
        eta,
        configured,
    }
}

/// The step of the milestones offered after the configured ones: the configured list's own
/// last step (8 000, 10 000 → 2 000), but at least the round number (1, 2 or 5 × 10ⁿ) nearest
/// under a tenth of the total, so that 12 345 views are followed by 14 000 (not by 20 000) and
/// a million by 1 100 000 (not by 1 002 000).
pub fn step_beyond(total: i64, thresholds: &[i64]) -> i64 {
    let configured = match thresholds {
        [.., a, b] if b > a => b - a,
        _ => 0,
    };
    let tenth = total / 10;
    let mut scale = 1i64;
    'outer: for base in std::iter::successors(Some(1i64), |b| b.checked_mul(10)) {
        for f in [1, 2, 5] {
            match base.checked_mul(f) {
                Some(x) if x <= tenth => scale = x,
                _ => break 'outer,
            }
        }
    }
    configured.max(scale)
}

/// The first milestone after the configured ones above `total`: the next multiple of
/// [`step_beyond`].
pub fn next_beyond(total: i64, thresholds: &[i64]) -> i64 {
    let step = step_beyond(total, thresholds);
    (total.max(0) / step).saturating_add(1).saturating_mul(step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Source;
    use chrono::Datelike;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn o(platform: Platform, video: &str, kind: Kind, at: &str, value: i64) -> Observation {
        Observation {
            campaign: "c".into(),
            platform,
            video: video.into(),
            account: None,
            metric: Metric::Views,
            kind,
            at: t(at),
            value,
            source: Source::api(),
            collected_at: t(at),
        }
    }

    fn opts(milestones: Vec<i64>) -> TimelineOptions {
        TimelineOptions {
            campaign: "c".into(),
            tz: chrono_tz::UTC,
            launched: None,
            milestones,
            velocity_window_days: 7,
            titles: HashMap::new(),
        }
    }

    use Platform::{Facebook as Fb, Linkedin as Li, Youtube as Yt};

    fn lows(tl: &Timeline) -> Vec<i64> {
        tl.points.iter().map(|p| p.low).collect()
    }

    #[test]
    fn as_of_sum_of_videos_read_at_different_times() {
        let obs = vec![
            o(Yt, "a", Kind::Total, "2020-07-25T10:00:00Z", 100),
            o(Fb, "b", Kind::Total, "2020-07-25T12:00:00Z", 50),
            o(Yt, "a", Kind::Total, "2020-07-25T14:00:00Z", 160),
            o(Fb, "b", Kind::Total, "2020-07-25T16:00:00Z", 80),
        ];
        let tl = build(&obs, &opts(vec![200])).unwrap();
        // proven: the last reading of each video at or before each instant
        assert_eq!(lows(&tl), vec![100, 150, 210, 240]);
        // …and at most the next reading of each (at 16:00 nothing bounds YouTube any more)
        let highs: Vec<Option<i64>> = tl.points.iter().map(|p| p.high).collect();
        assert_eq!(highs, vec![Some(150), Some(210), Some(240), None]);
        // the estimate joins each video's readings: YouTube 130 at 12:00, Facebook 65 at 14:00
        let totals: Vec<i64> = tl.points.iter().map(|p| p.total).collect();
        assert_eq!(totals, vec![100, 180, 225, 240]);
        assert_eq!(tl.platforms, vec![Yt, Fb]);
        assert_eq!(tl.points[2].platforms, vec![160, 65]);
        assert_eq!(tl.total_at(t("2020-07-25T13:59:59Z")), 150);
        assert_eq!(tl.total_at(t("2020-07-25T09:00:00Z")), 0);
        // 200 is proven at 14:00 (210); at 10:00 at most 150 were possible; ΣE reaches 200
        // 20/45 of the way from 12:00 (180) to 14:00 (225)
        let m = &tl.milestones[0];
        assert_eq!(
            m.by,
            Some(Reading {
                at: t("2020-07-25T14:00:00Z"),
                total: 210
            })
        );
        assert_eq!(
            m.after,
            Some(Reading {
                at: t("2020-07-25T10:00:00Z"),
                total: 150
            })
        );
        assert_eq!(m.crossed_at, Some(t("2020-07-25T12:53:20Z")));
        assert_eq!(
            m.day(chrono_tz::UTC),
            Some(CrossingDay::On(t("2020-07-25T00:00:00Z").date_naive()))
        );
        assert_eq!(tl.total(), 240);
        assert_eq!(tl.platform_totals(), vec![(Yt, 160), (Fb, 80)]);
    }

    #[test]
    fn counter_decrease_is_kept_and_listed() {
        let obs = vec![
            o(Yt, "a", Kind::Total, "2020-07-25T10:00:00Z", 100),
            o(Yt, "a", Kind::Total, "2020-07-25T11:00:00Z", 90),
            o(Yt, "a", Kind::Total, "2020-07-25T12:00:00Z", 120),
        ];
        let tl = build(&obs, &opts(vec![])).unwrap();
        assert_eq!(lows(&tl), vec![100, 90, 120]);
        assert_eq!(
            tl.decreases,
            vec![Decrease {
                platform: Yt,
                video: "a".into(),
                at: t("2020-07-25T11:00:00Z"),
                from: 100,
                to: 90
            }]
        );
    }

    #[test]
    fn a_later_lifetime_total_never_rewrites_the_daily_history() {
        // Launch on the 24th; daily rows 10, 20, 30 for 24–26 Jul; a lifetime total of 200
        // read on the 30th. The days keep what the file says; the 140 views between the 27th
        // and the 30th are spread over those days and marked as estimated.
        let mut options = opts(vec![50, 100]);
        options.launched = Some(t("2020-07-24T00:00:00Z"));
        let obs = vec![
            o(Li, "p", Kind::Daily, "2020-07-25T00:00:00Z", 10),
            o(Li, "p", Kind::Daily, "2020-07-26T00:00:00Z", 20),
            o(Li, "p", Kind::Daily, "2020-07-27T00:00:00Z", 30),
            o(Li, "p", Kind::Total, "2020-07-30T00:00:00Z", 200),
        ];
        let tl = build(&obs, &options).unwrap();
        let days: Vec<(u32, i64, i64, bool)> = tl
            .days
            .iter()
            .map(|d| (d.date.day0() + 1, d.total, d.new_total, d.any_estimated()))
            .collect();
        assert_eq!(
            days,
            vec![
                (24, 10, 10, false),
                (25, 30, 20, false),
                (26, 60, 30, false),
                (27, 107, 47, true),
                (28, 153, 46, true),
                (29, 200, 47, true),
            ]
        );
        // day ends the daily rows pin are proven exactly
        assert_eq!((tl.days[2].low, tl.days[2].high), (60, Some(60)));
        assert_eq!((tl.days[3].low, tl.days[3].high), (60, Some(200)));
        // 50 crossed on the 26th (30 → 60), proven by the daily rows: one calendar day
        let m = &tl.milestones[0];
        assert_eq!(
            m.after.map(|r| (r.at, r.total)),
            Some((t("2020-07-26T00:00:00Z"), 30))
        );
        assert_eq!(
            m.by.map(|r| (r.at, r.total)),
            Some((t("2020-07-27T00:00:00Z"), 60))
        );
        assert_eq!(
            m.day(chrono_tz::UTC),
            Some(CrossingDay::On(t("2020-07-26T00:00:00Z").date_naive()))
        );
        // 100 lies in the gap: only "by the 30th"
        let m = &tl.milestones[1];
        assert_eq!(m.after.map(|r| r.total), Some(60));
        assert_eq!(
            m.by.map(|r| (r.at, r.total)),
            Some((t("2020-07-30T00:00:00Z"), 200))
        );
        assert_eq!(
            m.day(chrono_tz::UTC),
            Some(CrossingDay::By(t("2020-07-29T00:00:00Z").date_naive()))
        );
        let crossed = m.crossed_at.unwrap();
        assert!(crossed > t("2020-07-27T00:00:00Z") && crossed <= t("2020-07-30T00:00:00Z"));
        assert!(tl.disagreements.is_empty() && tl.decreases.is_empty());
    }

    #[test]
    fn sparse_readings_years_after_launch_give_by_dates_and_no_pace() {
        let mut options = opts(vec![8000, 10000]);
        options.launched = Some(t("2020-07-24T07:00:00Z"));
        let obs = vec![
            o(Yt, "a", Kind::Total, "2026-11-20T10:00:00Z", 9000),
            o(Fb, "b", Kind::Total, "2026-11-20T10:00:01Z", 1500),
            o(Yt, "a", Kind::Total, "2026-11-20T16:00:00Z", 9003),
            o(Fb, "b", Kind::Total, "2026-11-20T16:00:01Z", 1501),
        ];
        let tl = build(&obs, &options).unwrap();
        for m in &tl.milestones {
            assert_eq!(
                m.after.map(|r| (r.at, r.total)),
                Some((t("2020-07-24T07:00:00Z"), 0))
            );
            assert_eq!(
                m.day(chrono_tz::UTC),
                Some(CrossingDay::By(t("2026-11-20T00:00:00Z").date_naive())),
                "{m:?}"
            );
        }
        assert_eq!(tl.milestones[0].by.unwrap().at, t("2026-11-20T10:00:00Z"));
        assert_eq!(tl.milestones[1].by.unwrap().total, 10500);
        // readings six hours apart are no pace
        assert_eq!(tl.velocity, None);
        assert_eq!(tl.forecast.as_ref().unwrap().eta, None);
        // the years between launch and the first reading are an estimate, drawn as one
        assert!(tl.points[1].estimated);
        assert!(tl
            .days
            .iter()
            .filter(|d| d.date.year() < 2026)
            .all(|d| d.any_estimated()));
    }

    #[test]
    fn only_daily_rows_prove_at_least_their_sum() {
        let obs = vec![
            o(Yt, "a", Kind::Daily, "2020-07-25T00:00:00Z", 10),
            o(Yt, "a", Kind::Daily, "2020-07-26T00:00:00Z", 20),
        ];
        let tl = build(&obs, &opts(vec![25])).unwrap();
        assert_eq!(tl.total(), 30);
        assert_eq!(tl.days.len(), 2);
        assert_eq!(tl.days[1].new_total, 20);
        assert_eq!(tl.days[1].high, None);
        // proven crossed by the end of the 25th, but nothing bounds it before: "by"
        let m = &tl.milestones[0];
        assert_eq!(m.after, None);
        assert_eq!(
            m.day(chrono_tz::UTC),
            Some(CrossingDay::By(t("2020-07-25T00:00:00Z").date_naive()))
        );
    }

    #[test]
    fn milestone_from_launch_and_velocity_eta() {
        let mut options = opts(vec![1000, 3000]);
        options.launched = Some(t("2020-07-20T00:00:00Z"));
        // 10 days after launch: 2000 views, 7 days before the last reading: 600
        let obs = vec![
            o(Yt, "a", Kind::Total, "2020-07-23T00:00:00Z", 600),
            o(Yt, "a", Kind::Total, "2020-07-30T00:00:00Z", 2000),
        ];
        let tl = build(&obs, &options).unwrap();
        // 1000 crossed: 400/1400 of 7 days after the 23rd = 2 days
        assert_eq!(tl.milestones[0].crossed_at, Some(t("2020-07-25T00:00:00Z")));
        let v = tl.velocity.unwrap();
        assert!((v.views_per_day - 200.0).abs() < 1e-9, "{v:?}");
        assert_eq!(v.window_days, 7.0);
        let f = tl.forecast.clone().unwrap();
        assert_eq!((f.threshold, f.remaining, f.configured), (3000, 1000, true));
        assert_eq!(f.eta, Some(t("2020-08-04T00:00:00Z")));
        // first reading above a threshold with a launch time: bracket starts at launch, 0 views
        let tl = build(
            &obs[..1],
            &opts_with(vec![500], Some(t("2020-07-20T00:00:00Z"))),
        )
        .unwrap();
        assert_eq!(
            tl.milestones[0].after,
            Some(Reading {
                at: t("2020-07-20T00:00:00Z"),
                total: 0
            })
        );
        assert_eq!(tl.milestones[0].crossed_at, Some(t("2020-07-22T12:00:00Z")));
        // the launch (0 views) and one reading three days later are two known points
        let v = tl.velocity.unwrap();
        assert_eq!((v.views_per_day, v.window_days), (200.0, 3.0));
    }

    #[test]
    fn pace_bridges_a_video_read_rarely_to_its_last_reading_before_the_window() {
        // YouTube read daily for the last 9 days (+10 a day); LinkedIn read 20 days ago (100)
        // and on the last day (300): its pace is 10 a day across that gap, not 200 in a week.
        let mut obs: Vec<Observation> = (0..9)
            .map(|d| {
                o(
                    Yt,
                    "a",
                    Kind::Total,
                    &format!("2020-08-{:02}T12:00:00Z", 13 + d),
                    1000 + 10 * d as i64,
                )
            })
            .collect();
        obs.push(o(Li, "p", Kind::Total, "2020-08-01T12:00:00Z", 100));
        obs.push(o(Li, "p", Kind::Total, "2020-08-21T12:00:00Z", 300));
        let tl = build(&obs, &opts(vec![])).unwrap();
        let v = tl.velocity.unwrap();
        assert!((v.views_per_day - 20.0).abs() < 1e-9, "{v:?}");
        assert_eq!(v.window_days, 7.0);
        // LinkedIn alone has no two readings within the window: no pace at all
        let tl = build(&obs[9..], &opts(vec![])).unwrap();
        assert_eq!(tl.velocity, None);
    }

    fn opts_with(m: Vec<i64>, launched: Option<DateTime<Utc>>) -> TimelineOptions {
        let mut o = opts(m);
        o.launched = launched;
        o
    }

    #[test]
    fn stalled_pace_has_no_eta_and_beyond_config_uses_round_numbers() {
        let obs = vec![
            o(Yt, "a", Kind::Total, "2020-07-23T00:00:00Z", 12_345),
            o(Yt, "a", Kind::Total, "2020-07-30T00:00:00Z", 12_345),
        ];
        let tl = build(&obs, &opts(vec![8000, 10000])).unwrap();
        let f = tl.forecast.unwrap();
        assert_eq!((f.threshold, f.configured, f.eta), (14_000, false, None));
        // The configured step goes on; a total far past the list steps by about a tenth.
        let m = [8_000, 10_000];
        assert_eq!(next_beyond(10_000, &m), 12_000);
        assert_eq!(next_beyond(12_345, &m), 14_000);
        assert_eq!(next_beyond(28_500, &m), 30_000);
        assert_eq!(next_beyond(105_000, &m), 110_000);
        assert_eq!(next_beyond(1_000_000, &m), 1_100_000);
        assert_eq!(next_beyond(10_500, &[8_000, 9_000, 10_000]), 11_000);
        // Without milestones: round steps of about a tenth.
        assert_eq!(next_beyond(0, &[]), 1);
        assert_eq!(next_beyond(57, &[]), 60);
        assert_eq!(next_beyond(12_345, &[]), 13_000);
        assert_eq!(next_beyond(10_000, &[10_000]), 11_000);
        assert_eq!(next_beyond(i64::MAX - 1, &[]), i64::MAX);
    }

    #[test]
    fn day_grid_in_campaign_time_zone() {
        let mut options = opts(vec![]);
        options.tz = chrono_tz::Europe::Prague;
        let obs = vec![
            o(Yt, "a", Kind::Total, "2020-07-24T21:30:00Z", 10), // 23:30 Prague, 24 Jul
            o(Yt, "a", Kind::Total, "2020-07-24T22:30:00Z", 25), // 00:30 Prague, 25 Jul
        ];
        let tl = build(&obs, &options).unwrap();
        let days: Vec<(String, i64, i64, i64, Option<i64>)> = tl
            .days
            .iter()
            .map(|d| (d.date.to_string(), d.total, d.new_total, d.low, d.high))
            .collect();
        // midnight lies between the readings: proven 10–25, estimated 17.5
        assert_eq!(
            days,
            vec![
                ("2020-07-24".into(), 18, 18, 10, Some(25)),
                ("2020-07-25".into(), 25, 7, 25, None)
            ]
        );
    }

    #[test]
    fn runs_of_buckets_and_row_order_do_not_change_the_timeline() {
        // 40 videos over 3 platforms (all 16 buckets), totals, daily rows, a decrease, two
        // sources and accounts; computed in one run, in one run per bucket, and from the rows
        // in reverse order (as an unordered scan may deliver them).
        let mut obs = Vec::new();
        let platforms = [Yt, Fb, Li];
        for v in 0..40 {
            let video = format!("v{v}");
            let p = platforms[v % 3];
            for h in 0..30 {
                let at = format!("2020-07-{:02}T{:02}:00:00Z", 25 + h / 24, h % 24);
                let value = (v as i64 + 1) * h as i64 - i64::from(h == 20) * 5;
                let mut row = o(p, &video, Kind::Total, &at, value.max(0));
                row.account = Some(format!("acct{}", (v + h) % 3));
                obs.push(row);
            }
            for d in 0..3 {
                let mut row = o(
                    p,
                    &video,
                    Kind::Daily,
                    &format!("2020-07-2{}T00:00:00Z", 2 + d),
                    3,
                );
                row.source = Source::export("abcdef0123456789");
                obs.push(row);
            }
            let mut likes = o(p, &video, Kind::Total, "2020-07-26T01:00:00Z", v as i64);
            likes.metric = Metric::Likes;
            obs.push(likes);
        }
        let options = opts(vec![100, 1000]);
        let whole = build(&obs, &options).unwrap();
        let mut input = TimelineInput::default();
        input.push(&ObservationBatch::from_observations(&obs));
        let per_bucket = input.finish_in_runs(&options, 1).unwrap();
        // In the store's key order the rows are taken as they come (no grouping sort).
        let mut keyed = obs.clone();
        keyed.sort_by(|a, b| crate::store::key_order(a).cmp(&crate::store::key_order(b)));
        let mut input = TimelineInput::default();
        input.push(&ObservationBatch::from_observations(&keyed));
        assert!(!input.scattered, "key order is one stretch per video");
        let in_key_order = input.finish(&options).unwrap();
        // In time order the videos interleave: grouped by a sort, the same timeline.
        let mut by_time = obs.clone();
        by_time.sort_by_key(|o| o.at);
        let mut input = TimelineInput::default();
        input.push(&ObservationBatch::from_observations(&by_time));
        assert!(input.scattered, "rows in time order interleave the videos");
        let in_time_order = input.finish(&options).unwrap();
        // Each run worked on by two threads: the same timeline, to the last bit.
        SPLIT_AT.store(1, std::sync::atomic::Ordering::Relaxed);
        let split = build(&obs, &options).unwrap();
        SPLIT_AT.store(SPLIT_MIN_ROWS, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(split.velocity, whole.velocity);
        obs.reverse();
        let reversed = build(&obs, &options).unwrap();
        for other in [
            &per_bucket,
            &in_key_order,
            &in_time_order,
            &reversed,
            &split,
        ] {
            assert_eq!(other.points, whole.points);
            assert_eq!(other.days, whole.days);
            assert_eq!(other.videos, whole.videos);
            assert_eq!(other.decreases, whole.decreases);
            assert_eq!(other.disagreements, whole.disagreements);
            assert_eq!(other.milestones, whole.milestones);
        }
        assert_eq!(whole.videos.len(), 40);
        assert!(!whole.decreases.is_empty());
        assert_eq!(whole.videos[0].sources, vec!["export", "api"]);
        assert_eq!(whole.videos[0].metrics.get(&Metric::Likes), Some(&39));
    }

    #[test]
    fn empty_input_is_an_empty_timeline() {
        let tl = build(&[], &opts(vec![8000])).unwrap();
        assert_eq!(tl.total(), 0);
        assert!(tl.points.is_empty() && tl.days.is_empty() && tl.forecast.is_none());
        assert_eq!(tl.milestones[0].crossed_at, None);
    }
}
