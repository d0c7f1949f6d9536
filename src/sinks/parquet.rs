//! Parquet sinks: observations batch by batch, and the daily timeline. They use polars'
//! Parquet writer; like `timeline/`, a polars upgrade touches this file.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::store::ObservationBatch;
use crate::timeline::{Day, Timeline};

/// Writing a Parquet file failed.
#[derive(Debug, thiserror::Error)]
#[error("writing Parquet failed: {0}")]
pub struct ParquetError(#[from] PolarsError);

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
    pub fn new(out: W, campaign: Option<&str>) -> Result<Self, ParquetError> {
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
    pub fn push(&mut self, batch: &ObservationBatch) -> Result<(), ParquetError> {
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

    fn flush(&mut self) -> Result<(), ParquetError> {
        if let Some(mut df) = self.pending.take() {
            df.rechunk_mut();
            self.writer.write_batch(&df)?;
        }
        Ok(())
    }

    /// Write the footer; returns the rows written.
    pub fn finish(mut self) -> Result<u64, ParquetError> {
        self.flush()?;
        self.writer.finish()?;
        Ok(self.rows)
    }
}

/// One batch of observations as a polars frame (see [`ParquetObservations`] for the columns).
fn observations_frame(
    b: &ObservationBatch,
    campaign: Option<&str>,
) -> Result<DataFrame, ParquetError> {
    let n = b.len();
    let text = |name: &str, values: Vec<&str>| {
        StringChunked::from_iter_values(name.into(), values.into_iter())
            .into_series()
            .into_column()
    };
    let time = |name: &str, values: &[i64]| {
        Int64Chunked::from_vec(name.into(), values.to_vec())
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
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
    Ok(DataFrame::new_infer_height(columns)?)
}

/// The daily timeline (the rows of `timeline.csv`) as Parquet: `date` (Date, campaign time
/// zone), `as_of` (UTC datetime, ms), then Int64 columns `<platform>…`, `total`,
/// `new_<platform>…`, `new_total`, `total_low`, `total_high` (null where unbounded), and
/// `estimated` (Boolean).
pub fn write_timeline_parquet<W: std::io::Write>(
    tl: &Timeline,
    out: W,
) -> Result<(), ParquetError> {
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
        .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
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
    columns.push(int(
        "total_low".into(),
        tl.days.iter().map(|d| d.low).collect(),
    ));
    columns.push(Column::new(
        "total_high".into(),
        tl.days.iter().map(|d| d.high).collect::<Vec<Option<i64>>>(),
    ));
    columns.push(Column::new(
        "estimated".into(),
        tl.days
            .iter()
            .map(Day::any_estimated)
            .collect::<Vec<bool>>(),
    ));
    let mut df = DataFrame::new_infer_height(columns)?;
    ParquetWriter::new(out)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)?;
    Ok(())
}
