//! The cross-platform timeline (DESIGN.md "Timeline rules" 1–5), computed with polars.
//!
//! Every polars call of viewtally lives in this file, so a polars upgrade touches one place.
//! The heavy, per-observation work (merging `daily` and `total` series, per-series deltas, the
//! as-of sum across videos) runs as one lazy polars query; what comes out is small (one row per
//! distinct reading time) and the day grid, milestones and forecast are read off it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use serde::Serialize;

use crate::model::{day_end, local_date, Kind, Metric, Observation, Platform};
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

/// The cumulative views at one reading time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub at: DateTime<Utc>,
    /// Cumulative views per platform, in the order of [`Timeline::platforms`].
    pub platforms: Vec<i64>,
    pub total: i64,
}

/// One calendar day of the campaign (campaign time zone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    pub date: NaiveDate,
    /// The end of the day (UTC); the cumulative values are as of this instant.
    pub end: DateTime<Utc>,
    pub platforms: Vec<i64>,
    pub total: i64,
    /// New views that day per platform (negative where a counter went down).
    pub new_platforms: Vec<i64>,
    pub new_total: i64,
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

/// A reading used to bracket a milestone crossing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reading {
    pub at: DateTime<Utc>,
    pub total: i64,
}

/// A milestone and when the total crossed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    pub threshold: i64,
    /// Interpolated linearly between the bracketing readings.
    pub crossed_at: Option<DateTime<Utc>>,
    /// The last reading below the threshold (None when the first reading was already above it).
    pub before: Option<Reading>,
    /// The first reading at or above the threshold.
    pub after: Option<Reading>,
}

/// Views per day over the trailing window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Velocity {
    pub views_per_day: f64,
    /// The window actually used, in days (shorter than asked when the data is younger).
    pub window_days: f64,
}

/// The next milestone and when the current pace reaches it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub threshold: i64,
    pub remaining: i64,
    /// None: not at the current pace.
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
    /// The time of the latest reading (None without data).
    pub as_of: Option<DateTime<Utc>>,
    pub platforms: Vec<Platform>,
    /// Per-platform and total cumulative views at each distinct reading time.
    pub points: Vec<Point>,
    pub days: Vec<Day>,
    pub videos: Vec<VideoLine>,
    pub decreases: Vec<Decrease>,
    pub milestones: Vec<Milestone>,
    pub velocity: Option<Velocity>,
    pub forecast: Option<Forecast>,
}

impl Timeline {
    /// Total views at the latest reading.
    pub fn total(&self) -> i64 {
        self.points.last().map(|p| p.total).unwrap_or(0)
    }

    /// Views per platform at the latest reading.
    pub fn platform_totals(&self) -> Vec<(Platform, i64)> {
        match self.points.last() {
            Some(p) => self
                .platforms
                .iter()
                .copied()
                .zip(p.platforms.iter().copied())
                .collect(),
            None => Vec::new(),
        }
    }

    /// The cumulative total as of `t` (0 before the first reading).
    pub fn total_at(&self, t: DateTime<Utc>) -> i64 {
        as_of(&self.points, t).map(|p| p.total).unwrap_or(0)
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
        crate::store::ScanOrder::Any,
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
    let tl = input.finish(&options)?;
    tracing::debug!(
        points = tl.points.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "timeline built"
    );
    Ok(tl)
}

/// Rows per Parquet row group of an observations export (several scan batches).
const PARQUET_ROW_GROUP: usize = 262_144;

/// Observations written to Parquet batch by batch (polars' batched writer, zstd): memory stays
/// at one row group whatever the size of the store.
///
/// Columns: `campaign` (unless the file sits in a `campaign=<slug>` folder), `platform`,
/// `video`, `account`, `metric`, `kind` (strings), `at` and `collected_at` (UTC datetimes, ms),
/// `value` (Int64), `source` (string).
pub struct ParquetObservations<W: std::io::Write> {
    writer: polars::io::parquet::write::BatchedWriter<W>,
    campaign: Option<String>,
    pending: Option<DataFrame>,
    rows: u64,
}

impl<W: std::io::Write> ParquetObservations<W> {
    /// Start a file; `campaign` adds the campaign column (None in a partitioned layout).
    pub fn new(out: W, campaign: Option<&str>) -> Result<Self, TimelineError> {
        let empty = observations_frame(&ObservationBatch::default(), campaign)?;
        let writer = ParquetWriter::new(out)
            .with_compression(ParquetCompression::Zstd(None))
            .batched(empty.schema())?;
        Ok(ParquetObservations {
            writer,
            campaign: campaign.map(str::to_string),
            pending: None,
            rows: 0,
        })
    }

    /// Add one batch of a scan.
    pub fn push(&mut self, batch: &ObservationBatch) -> Result<(), TimelineError> {
        let df = observations_frame(batch, self.campaign.as_deref())?;
        self.rows += df.height() as u64;
        match &mut self.pending {
            Some(p) => {
                p.vstack_mut(&df)?;
            }
            None => self.pending = Some(df),
        }
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.height() >= PARQUET_ROW_GROUP)
        {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TimelineError> {
        if let Some(mut df) = self.pending.take() {
            df.as_single_chunk();
            self.writer.write_batch(&df)?;
        }
        Ok(())
    }

    /// Write the footer; returns the rows written.
    pub fn finish(mut self) -> Result<u64, TimelineError> {
        self.flush()?;
        self.writer.finish()?;
        Ok(self.rows)
    }
}

/// One batch of observations as a polars frame (see [`ParquetObservations`] for the columns).
fn observations_frame(
    b: &ObservationBatch,
    campaign: Option<&str>,
) -> Result<DataFrame, TimelineError> {
    let n = b.len();
    let text = |name: &str, values: Vec<&str>| {
        StringChunked::from_iter_values(name.into(), values.into_iter())
            .into_series()
            .into_column()
    };
    let time = |name: &str, values: &[i64]| {
        Int64Chunked::from_vec(name.into(), values.to_vec())
            .into_datetime(TimeUnit::Milliseconds, Some("UTC".into()))
            .into_series()
            .into_column()
    };
    let mut columns = Vec::with_capacity(10);
    if let Some(c) = campaign {
        columns.push(text("campaign", vec![c; n]));
    }
    columns.push(text(
        "platform",
        b.video
            .iter()
            .map(|&v| b.videos[v as usize].0.as_str())
            .collect(),
    ));
    columns.push(text(
        "video",
        b.video
            .iter()
            .map(|&v| b.videos[v as usize].1.as_str())
            .collect(),
    ));
    columns.push(
        StringChunked::from_iter_options(
            "account".into(),
            b.account
                .iter()
                .map(|a| a.map(|a| b.accounts[a as usize].as_str())),
        )
        .into_series()
        .into_column(),
    );
    columns.push(text(
        "metric",
        b.metric.iter().map(|m| m.as_str()).collect(),
    ));
    columns.push(text("kind", b.kind.iter().map(|k| k.as_str()).collect()));
    columns.push(time("at", &b.at_ms));
    columns.push(Column::new("value".into(), b.value.clone()));
    columns.push(text(
        "source",
        b.source
            .iter()
            .map(|&s| b.sources[s as usize].as_str())
            .collect(),
    ));
    columns.push(time("collected_at", &b.collected_ms));
    Ok(DataFrame::new(columns)?)
}

/// The daily timeline (the rows of `timeline.csv`) as Parquet: `date` (Date, campaign time
/// zone), `as_of` (UTC datetime, ms), then Int64 columns `<platform>…`, `total`,
/// `new_<platform>…`, `new_total`.
pub fn write_timeline_parquet<W: std::io::Write>(
    tl: &Timeline,
    out: W,
) -> Result<(), TimelineError> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let mut columns = vec![
        Int32Chunked::from_vec(
            "date".into(),
            tl.days
                .iter()
                .map(|d| (d.date - epoch).num_days() as i32)
                .collect(),
        )
        .into_date()
        .into_series()
        .into_column(),
        Int64Chunked::from_vec(
            "as_of".into(),
            tl.days.iter().map(|d| d.end.timestamp_millis()).collect(),
        )
        .into_datetime(TimeUnit::Milliseconds, Some("UTC".into()))
        .into_series()
        .into_column(),
    ];
    let int = |name: String, values: Vec<i64>| Column::new(name.into(), values);
    for (i, p) in tl.platforms.iter().enumerate() {
        columns.push(int(
            p.as_str().to_string(),
            tl.days.iter().map(|d| d.platforms[i]).collect(),
        ));
    }
    columns.push(int(
        "total".into(),
        tl.days.iter().map(|d| d.total).collect(),
    ));
    for (i, p) in tl.platforms.iter().enumerate() {
        columns.push(int(
            format!("new_{}", p.as_str()),
            tl.days.iter().map(|d| d.new_platforms[i]).collect(),
        ));
    }
    columns.push(int(
        "new_total".into(),
        tl.days.iter().map(|d| d.new_total).collect(),
    ));
    let mut df = DataFrame::new(columns)?;
    ParquetWriter::new(out)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)?;
    Ok(())
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

/// A timeline's input, gathered from the batches of one store scan (in any order): the views
/// readings in columns for polars, and per video what the reports list (account, sources,
/// other metrics).
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
}

/// For a metric other than views: the latest `total` reading and the sum of `daily` rows.
#[derive(Default)]
struct OtherMetric {
    latest: Option<(i64, u16, i64)>, // at, source kind, value
    daily: i64,
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
        if self.buckets.is_empty() {
            self.buckets.resize_with(BUCKETS, Columns::default);
        }
        for i in 0..batch.len() {
            let id = batch.video[i];
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
                    Kind::Daily => e.daily += value,
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
        build_from(
            self.series,
            self.buckets,
            (other_metrics, accounts, sources),
            options,
            run_rows,
        )
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
    run_rows: usize,
) -> Result<Timeline, TimelineError> {
    let platforms: Vec<Platform> = {
        let mut ps: Vec<Platform> = series.iter().map(|(p, _)| *p).collect();
        ps.sort();
        ps.dedup();
        ps
    };

    // Rules 1–3 per run of buckets (each series lies in one bucket); the per-time sums of the
    // runs are then added up and accumulated.
    let mut latest: HashMap<i64, (i64, i64, i64)> = HashMap::new(); // first_at, last_at, value
    let mut decreases = Vec::new();
    let mut event_sums = Vec::new();
    let mut pending = Columns::default();
    let mut buckets = buckets.into_iter().peekable();
    while let Some(bucket) = buckets.next() {
        pending.append(bucket);
        let next_rows = buckets.peek().map_or(usize::MAX, |b| b.len());
        if buckets.peek().is_some() && pending.len() + next_rows <= run_rows {
            continue;
        }
        let run = std::mem::take(&mut pending);
        let (points_df, sums) = series_points(run, &series, &platforms)?;
        event_sums.push(sums.lazy());
        collect_series(&points_df, &series, &mut latest, &mut decreases)?;
    }
    let events_df = accumulate(event_sums, &platforms)?;

    // Per-reading-time cumulative values.
    let ats = events_df.column("at")?.i64()?;
    let totals = events_df.column("total")?.i64()?;
    let per_platform: Vec<&Int64Chunked> = platforms
        .iter()
        .map(|p| {
            events_df
                .column(&format!("p_{}", p.as_str()))
                .and_then(|c| c.i64())
        })
        .collect::<PolarsResult<_>>()?;
    let mut platform_values: Vec<_> = per_platform.iter().map(|c| c.into_iter()).collect();
    let points: Vec<Point> = ats
        .into_iter()
        .zip(totals)
        .map(|(at, total)| Point {
            at: ms(at.unwrap_or(0)),
            platforms: platform_values
                .iter_mut()
                .map(|c| c.next().flatten().unwrap_or(0))
                .collect(),
            total: total.unwrap_or(0),
        })
        .collect();

    decreases.sort_by(|a, b| a.at.cmp(&b.at).then(a.video.cmp(&b.video)));
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

    let as_of_time = points.last().map(|p| p.at);
    let days = day_grid(&points, options, platforms.len());
    let milestones = milestones(&points, options.launched, &options.milestones);
    let velocity = as_of_time
        .and_then(|t| velocity(&points, options.launched, t, options.velocity_window_days));
    let forecast = as_of_time.map(|t| forecast(&points, &options.milestones, velocity, t));

    Ok(Timeline {
        campaign: options.campaign.clone(),
        tz: options.tz,
        launched: options.launched,
        as_of: as_of_time,
        platforms,
        points,
        days,
        videos,
        decreases,
        milestones,
        velocity,
        forecast,
    })
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

fn clip0(e: Expr) -> Expr {
    when(e.clone().lt(lit(0))).then(lit(0i64)).otherwise(e)
}

/// Rules 1–3 in one lazy query over some series. Returns (per-series points with deltas,
/// per-time sums of the deltas: `at`, `total`, `p_<platform>`…).
fn series_points(
    cols: Columns,
    series: &[(Platform, String)],
    platforms: &[Platform],
) -> PolarsResult<(DataFrame, DataFrame)> {
    let platform: Vec<i64> = cols
        .series
        .iter()
        .map(|&s| series[s as usize].0 as i64)
        .collect();
    let ids: Vec<i64> = cols.series.iter().map(|&s| s as i64).collect();
    drop(cols.series);
    let df = DataFrame::new(vec![
        Column::new("series".into(), ids),
        Column::new("platform".into(), platform),
        Column::new("total".into(), cols.total),
        Column::new("at".into(), cols.at),
        Column::new("value".into(), cols.value),
    ])?;
    let by_at = || SortMultipleOptions::default();
    // The same reading from two sources of one kind at the same instant counts once.
    let readings = df
        .lazy()
        .group_by([col("series"), col("platform"), col("total"), col("at")])
        .agg([col("value").max()]);

    // Rule 1: `total` readings stand as read …
    let totals = readings.clone().filter(col("total"));
    let bounds = totals.clone().group_by([col("series")]).agg([
        col("at").min().alias("first_at"),
        col("value")
            .sort_by([col("at")], by_at())
            .first()
            .alias("first_value"),
        col("at").max().alias("last_at"),
        col("value")
            .sort_by([col("at")], by_at())
            .last()
            .alias("last_value"),
    ]);
    // … `daily` rows become a running sum at the end of each day …
    let daily = readings
        .filter(col("total").not())
        .sort(["series", "at"], SortMultipleOptions::default())
        .with_column(
            col("value")
                .cum_sum(false)
                .over([col("series")])
                .alias("cum"),
        )
        .join(
            bounds,
            [col("series")],
            [col("series")],
            JoinArgs::new(JoinType::Left),
        );
    let anchors = daily.clone().group_by([col("series")]).agg([
        col("cum")
            .filter(col("at").lt_eq(col("first_at")))
            .max()
            .alias("cum_at_first"),
        col("cum")
            .filter(col("at").lt_eq(col("last_at")))
            .max()
            .alias("cum_at_last"),
    ]);
    // … and fill the periods without `total` readings, shifted to meet them.
    let daily = daily
        .join(
            anchors,
            [col("series")],
            [col("series")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(
            when(col("first_at").is_null())
                .then(col("cum"))
                .when(col("at").lt(col("first_at")))
                .then(clip0(
                    col("cum") + col("first_value") - col("cum_at_first").fill_null(lit(0i64)),
                ))
                .when(col("at").gt(col("last_at")))
                .then(clip0(
                    col("cum") + col("last_value") - col("cum_at_last").fill_null(lit(0i64)),
                ))
                .otherwise(lit(NULL))
                .alias("merged"),
        )
        .filter(col("merged").is_not_null())
        .select([
            col("series"),
            col("platform"),
            col("at"),
            col("merged").alias("value"),
        ]);

    let points = concat(
        [
            totals.select([col("series"), col("platform"), col("at"), col("value")]),
            daily,
        ],
        UnionArgs::default(),
    )?
    .group_by([col("series"), col("platform"), col("at")])
    .agg([col("value").max()])
    .sort(["series", "at"], SortMultipleOptions::default())
    // Rule 2 and 3: each reading adds its change since the series' previous reading.
    .with_column(
        (col("value") - col("value").shift(lit(1)).over([col("series")]))
            .fill_null(col("value"))
            .alias("delta"),
    )
    .collect()?;

    let mut sums = vec![col("delta").sum().alias("total")];
    for p in platforms {
        sums.push(
            when(col("platform").eq(lit(*p as i64)))
                .then(col("delta"))
                .otherwise(lit(0i64))
                .sum()
                .alias(format!("p_{}", p.as_str())),
        );
    }
    let sums = points
        .clone()
        .lazy()
        .group_by([col("at")])
        .agg(sums)
        .collect()?;
    Ok((points, sums))
}

/// Per series: first and last reading and latest value; and every decrease (rule 2).
fn collect_series(
    points_df: &DataFrame,
    series: &[(Platform, String)],
    latest: &mut HashMap<i64, (i64, i64, i64)>,
    decreases: &mut Vec<Decrease>,
) -> PolarsResult<()> {
    let s_col = points_df.column("series")?.i64()?;
    let a_col = points_df.column("at")?.i64()?;
    let v_col = points_df.column("value")?.i64()?;
    let d_col = points_df.column("delta")?.i64()?;
    let rows = s_col
        .into_iter()
        .zip(a_col)
        .zip(v_col.into_iter().zip(d_col));
    for ((s, at), (v, d)) in rows {
        let (s, at, v, d) = (
            s.unwrap_or(0),
            at.unwrap_or(0),
            v.unwrap_or(0),
            d.unwrap_or(0),
        );
        let e = latest.entry(s).or_insert((at, at, v));
        e.0 = e.0.min(at);
        if at >= e.1 {
            e.1 = at;
            e.2 = v;
        }
        if d < 0 {
            let (platform, video) = series[s as usize].clone();
            decreases.push(Decrease {
                platform,
                video,
                at: ms(at),
                from: v - d,
                to: v,
            });
        }
    }
    Ok(())
}

/// Rule 3 across runs: add up the per-time change of every run, then accumulate over time.
fn accumulate(event_sums: Vec<LazyFrame>, platforms: &[Platform]) -> PolarsResult<DataFrame> {
    let names: Vec<String> = std::iter::once("total".to_string())
        .chain(platforms.iter().map(|p| format!("p_{}", p.as_str())))
        .collect();
    let empty = || {
        let mut columns = vec![Column::new("at".into(), Vec::<i64>::new())];
        columns.extend(
            names
                .iter()
                .map(|n| Column::new(n.into(), Vec::<i64>::new())),
        );
        DataFrame::new(columns)
    };
    if event_sums.is_empty() {
        return empty();
    }
    concat(event_sums, UnionArgs::default())?
        .group_by([col("at")])
        .agg(
            names
                .iter()
                .map(|n| col(n.as_str()).sum())
                .collect::<Vec<_>>(),
        )
        .sort(["at"], SortMultipleOptions::default())
        .with_columns(
            names
                .iter()
                .map(|n| col(n.as_str()).cum_sum(false))
                .collect::<Vec<_>>(),
        )
        .collect()
}

fn ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

/// One row per calendar day from the launch day (or first reading) to the last reading.
fn day_grid(points: &[Point], options: &TimelineOptions, n_platforms: usize) -> Vec<Day> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    // A reading at midnight closes the day before it (that is where `daily` rows sit).
    let first_date = local_date(first.at - Duration::milliseconds(1), options.tz);
    let mut date = options
        .launched
        .map_or(first_date, |l| local_date(l, options.tz).min(first_date));
    let last_date = local_date(last.at - Duration::milliseconds(1), options.tz).max(date);
    let mut days = Vec::new();
    let mut prev: Option<(Vec<i64>, i64)> = None;
    while date <= last_date {
        let end = day_end(date, options.tz);
        let (platforms, total) = match as_of(points, end) {
            Some(p) => (p.platforms.clone(), p.total),
            None => (vec![0; n_platforms], 0),
        };
        let (pp, pt) = prev.clone().unwrap_or((vec![0; n_platforms], 0));
        days.push(Day {
            date,
            end,
            new_platforms: platforms.iter().zip(&pp).map(|(a, b)| a - b).collect(),
            new_total: total - pt,
            platforms: platforms.clone(),
            total,
        });
        prev = Some((platforms, total));
        match date.succ_opt() {
            Some(d) => date = d,
            None => break,
        }
    }
    days
}

/// Rule 4: milestone m is crossed at the first reading where the total ≥ m, interpolated
/// linearly from the previous reading (or the launch, at 0 views).
fn milestones(
    points: &[Point],
    launched: Option<DateTime<Utc>>,
    thresholds: &[i64],
) -> Vec<Milestone> {
    let mut readings: Vec<Reading> = Vec::with_capacity(points.len() + 1);
    if let (Some(l), Some(first)) = (launched, points.first()) {
        if l < first.at {
            readings.push(Reading { at: l, total: 0 });
        }
    }
    readings.extend(points.iter().map(|p| Reading {
        at: p.at,
        total: p.total,
    }));
    thresholds
        .iter()
        .map(|&m| {
            let Some(i) = readings.iter().position(|r| r.total >= m) else {
                return Milestone {
                    threshold: m,
                    crossed_at: None,
                    before: None,
                    after: None,
                };
            };
            let after = readings[i];
            let before = i.checked_sub(1).map(|j| readings[j]);
            let crossed_at = match before {
                Some(b) if after.total > b.total => {
                    let span = (after.at - b.at).num_milliseconds() as f64;
                    let frac = (m - b.total) as f64 / (after.total - b.total) as f64;
                    b.at + Duration::milliseconds((span * frac).round() as i64)
                }
                _ => after.at,
            };
            Milestone {
                threshold: m,
                crossed_at: Some(crossed_at),
                before,
                after: Some(after),
            }
        })
        .collect()
}

/// Rule 5: views per day over the trailing window ending at the last reading.
fn velocity(
    points: &[Point],
    launched: Option<DateTime<Utc>>,
    as_of_time: DateTime<Utc>,
    window_days: i64,
) -> Option<Velocity> {
    let first = points.first()?;
    let origin = launched.map_or(first.at, |l| l.min(first.at));
    let start = (as_of_time - Duration::days(window_days)).max(origin);
    let span_days = (as_of_time - start).num_milliseconds() as f64 / 86_400_000.0;
    if span_days < 1.0 / 24.0 {
        return None;
    }
    let now = as_of(points, as_of_time).map_or(0, |p| p.total);
    let then = as_of(points, start).map_or(0, |p| p.total);
    Some(Velocity {
        views_per_day: (now - then) as f64 / span_days,
        window_days: span_days,
    })
}

/// Below this pace (views per day) the next milestone is "not at the current pace".
pub const STALLED_VIEWS_PER_DAY: f64 = 0.5;

/// The next milestone above the current total: the next configured one, else the next round
/// number (1, 2 or 5 × 10ⁿ), with its ETA at the current velocity.
fn forecast(
    points: &[Point],
    thresholds: &[i64],
    velocity: Option<Velocity>,
    as_of_time: DateTime<Utc>,
) -> Forecast {
    let total = points.last().map_or(0, |p| p.total);
    let (threshold, configured) = match thresholds.iter().find(|&&m| m > total) {
        Some(&m) => (m, true),
        None => (next_round(total), false),
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

/// The smallest of 1, 2, 5 × 10ⁿ above `total`.
pub fn next_round(total: i64) -> i64 {
    let mut base = 1i64;
    loop {
        for f in [1, 2, 5] {
            if f * base > total {
                return f * base;
            }
        }
        base = base.saturating_mul(10);
        if base == i64::MAX {
            return i64::MAX;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Source;

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

    #[test]
    fn as_of_sum_of_videos_read_at_different_times() {
        let obs = vec![
            o(Yt, "a", Kind::Total, "2020-07-25T10:00:00Z", 100),
            o(Fb, "b", Kind::Total, "2020-07-25T12:00:00Z", 50),
            o(Yt, "a", Kind::Total, "2020-07-25T14:00:00Z", 160),
            o(Fb, "b", Kind::Total, "2020-07-25T16:00:00Z", 80),
        ];
        let tl = build(&obs, &opts(vec![200])).unwrap();
        let totals: Vec<i64> = tl.points.iter().map(|p| p.total).collect();
        assert_eq!(totals, vec![100, 150, 210, 240]);
        assert_eq!(tl.platforms, vec![Yt, Fb]);
        assert_eq!(tl.points[2].platforms, vec![160, 50]);
        // no extrapolation: between readings the last one holds
        assert_eq!(tl.total_at(t("2020-07-25T13:59:59Z")), 150);
        assert_eq!(tl.total_at(t("2020-07-25T09:00:00Z")), 0);
        // 200 is crossed between 12:00 (150) and 14:00 (210): 50/60 of two hours = 100 min
        let m = &tl.milestones[0];
        assert_eq!(m.crossed_at, Some(t("2020-07-25T13:40:00Z")));
        assert_eq!(m.before.unwrap().total, 150);
        assert_eq!(m.after.unwrap().at, t("2020-07-25T14:00:00Z"));
        assert_eq!(tl.total(), 240);
    }

    #[test]
    fn counter_decrease_is_kept_and_listed() {
        let obs = vec![
            o(Yt, "a", Kind::Total, "2020-07-25T10:00:00Z", 100),
            o(Yt, "a", Kind::Total, "2020-07-25T11:00:00Z", 90),
            o(Yt, "a", Kind::Total, "2020-07-25T12:00:00Z", 120),
        ];
        let tl = build(&obs, &opts(vec![])).unwrap();
        assert_eq!(
            tl.points.iter().map(|p| p.total).collect::<Vec<_>>(),
            vec![100, 90, 120]
        );
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
    fn daily_rows_fill_before_totals_and_are_shifted_to_meet_them() {
        // Export history: 10, 20, 30 on three days (cumulative 10, 30, 60); API collection
        // starts at noon of the third day reading 70: the export curve is shifted by 70 - 30
        // (the running sum at or before the first total) and stops where totals begin.
        let obs = vec![
            o(Li, "p", Kind::Daily, "2020-07-25T00:00:00Z", 10),
            o(Li, "p", Kind::Daily, "2020-07-26T00:00:00Z", 20),
            o(Li, "p", Kind::Daily, "2020-07-27T00:00:00Z", 30),
            o(Li, "p", Kind::Total, "2020-07-26T12:00:00Z", 70),
            o(Li, "p", Kind::Total, "2020-07-27T12:00:00Z", 100),
            // after the last total, daily rows continue from it
            o(Li, "p", Kind::Daily, "2020-07-28T00:00:00Z", 5),
        ];
        let tl = build(&obs, &opts(vec![])).unwrap();
        let got: Vec<(String, i64)> = tl
            .points
            .iter()
            .map(|p| (p.at.format("%d %H").to_string(), p.total))
            .collect();
        assert_eq!(
            got,
            vec![
                ("25 00".into(), 50),
                ("26 00".into(), 70),
                ("26 12".into(), 70),
                ("27 12".into(), 100),
                ("28 00".into(), 100 + (65 - 60)),
            ]
        );
    }

    #[test]
    fn only_daily_rows_make_a_running_sum() {
        let obs = vec![
            o(Yt, "a", Kind::Daily, "2020-07-25T00:00:00Z", 10),
            o(Yt, "a", Kind::Daily, "2020-07-26T00:00:00Z", 20),
        ];
        let tl = build(&obs, &opts(vec![])).unwrap();
        assert_eq!(
            tl.points.iter().map(|p| p.total).collect::<Vec<_>>(),
            vec![10, 30]
        );
        assert_eq!(tl.days.len(), 2);
        assert_eq!(tl.days[1].new_total, 20);
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
            tl.milestones[0].before,
            Some(Reading {
                at: t("2020-07-20T00:00:00Z"),
                total: 0
            })
        );
        assert_eq!(tl.milestones[0].crossed_at, Some(t("2020-07-22T12:00:00Z")));
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
        assert_eq!((f.threshold, f.configured, f.eta), (20_000, false, None));
        assert_eq!(next_round(0), 1);
        assert_eq!(next_round(8000), 10_000);
        assert_eq!(next_round(10_000), 20_000);
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
        let days: Vec<(String, i64, i64)> = tl
            .days
            .iter()
            .map(|d| (d.date.to_string(), d.total, d.new_total))
            .collect();
        assert_eq!(
            days,
            vec![("2020-07-24".into(), 10, 10), ("2020-07-25".into(), 25, 15)]
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
        obs.reverse();
        let reversed = build(&obs, &options).unwrap();
        for other in [&per_bucket, &reversed] {
            assert_eq!(other.points, whole.points);
            assert_eq!(other.days, whole.days);
            assert_eq!(other.videos, whole.videos);
            assert_eq!(other.decreases, whole.decreases);
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
