//! YouTube Studio analytics export: Analytics → Advanced mode → Export current view, as the ZIP
//! (`Table data.csv`, `Chart data.csv`, `Totals.csv`) or any of those CSVs on their own.
//!
//! - **Chart data** (one row per day and video) → `daily` observations.
//! - **Table data** (one row per video, a `Total` row first) → `total` readings as of the end
//!   of the export's period: `--as-of`, else the period in the ZIP's (or the extracted folder's)
//!   name `Content 2020-07-24_2020-09-30 Channel`, else the last day of Chart data. A video
//!   published before the period began gets no totals (they would cover only part of its
//!   life); export the period "Lifetime" for those.
//! - **Totals** (one row per day, summed over every video in the view, no video column) is read
//!   only inside the ZIP and only when Table data names exactly one video and Chart data gave
//!   no per-video days: then it is that video's daily series. On its own it is refused.
//!
//! The parts are recognised by their header rows (in any language [`super::headers`] knows),
//! not by the entry names, which YouTube translates.

use std::io::{Read, Seek};

use chrono::NaiveDate;

use super::headers::{self, Field, Matched, YT_CHART, YT_TABLE, YT_TOTALS};
use super::ids;
use super::numbers::date_range_in;
use super::table::CsvTable;
use super::{
    metric_value, skip_or_fail, BadRow, Container, Dropped, ExportFile, Importer, ParseError,
    ReadOptions, Row, RowSink, When,
};
use crate::model::{Kind, Metric, Platform};

pub struct YoutubeStudio;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Chart,
    Table,
    Totals,
}

fn classify(headers: &[String]) -> Option<(Part, Matched)> {
    for (layout, part) in [
        (&YT_CHART, Part::Chart),
        (&YT_TABLE, Part::Table),
        (&YT_TOTALS, Part::Totals),
    ] {
        let fit = layout.fit(headers);
        if fit.ok() {
            return Some((part, fit.matched));
        }
    }
    None
}

fn zip_error(e: impl std::fmt::Display) -> ParseError {
    ParseError::Format(format!("cannot read the ZIP archive: {e}"))
}

/// A CSV entry of a ZIP that is a YouTube Studio table: (index, name, part, header match).
type ZipPart = (usize, String, Part, Matched);

/// The Studio tables in a ZIP, and the names of the other entries.
fn zip_parts(file: &ExportFile) -> Result<(Vec<ZipPart>, Vec<String>), ParseError> {
    let mut zip = zip::ZipArchive::new(file.reader()?).map_err(zip_error)?;
    let mut parts = Vec::new();
    let mut other = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(zip_error)?;
        let name = entry.name().to_string();
        if entry.is_dir() {
            continue;
        }
        let short = name.rsplit('/').next().unwrap_or(&name).to_string();
        if !short.to_lowercase().ends_with(".csv") {
            other.push(short);
            continue;
        }
        let mut head = Vec::new();
        (&mut entry)
            .take(64 * 1024)
            .read_to_end(&mut head)
            .map_err(zip_error)?;
        match classify(&super::table::header_of(&head)) {
            Some((part, m)) => parts.push((i, short, part, m)),
            None => other.push(short),
        }
    }
    Ok((parts, other))
}

impl Importer for YoutubeStudio {
    fn name(&self) -> &'static str {
        "youtube-studio"
    }

    fn sniff(&self, file: &ExportFile) -> bool {
        match &file.container {
            Container::Text => matches!(
                classify(&super::table::header_of(&file.head)),
                Some((Part::Chart | Part::Table, _))
            ),
            Container::Zip(entries) => {
                entries.iter().any(|e| e.to_lowercase().ends_with(".csv"))
                    && zip_parts(file)
                        .is_ok_and(|(parts, _)| parts.iter().any(|(_, _, p, _)| *p != Part::Totals))
            }
            _ => false,
        }
    }

    fn read(
        &self,
        file: &ExportFile,
        options: &ReadOptions,
        out: &mut dyn RowSink,
    ) -> Result<(), ParseError> {
        let period = file.names().iter().find_map(|n| date_range_in(n));
        match &file.container {
            Container::Zip(_) => read_zip(file, period, options, out),
            Container::Text => read_csv(file, period, options, out),
            _ => Err(ParseError::Format(
                "a YouTube Studio export is the ZIP Studio downloads or one of its CSV files; \
                 this is neither"
                    .into(),
            )),
        }
    }
}

/// One video's totals from Table data, kept until the period end is known.
struct TableRow {
    line: u64,
    part: Option<String>,
    video: String,
    published: Option<NaiveDate>,
    values: Vec<(Metric, i64)>,
}

/// First and last day seen in daily rows.
#[derive(Default)]
struct Span {
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    rows: usize,
}

impl Span {
    fn add(&mut self, d: NaiveDate) {
        self.first = Some(self.first.map_or(d, |f| f.min(d)));
        self.last = Some(self.last.map_or(d, |l| l.max(d)));
    }
}

fn bad(part: &Option<String>, line: u64, column: usize, message: String) -> BadRow {
    BadRow {
        part: part.clone(),
        line,
        column: column + 1,
        message,
    }
}

/// The video id in a row's `Content` cell: `Ok(None)` for the summary row.
fn video_of<R: Read>(
    t: &CsvTable<R>,
    m: &Matched,
    part: &Option<String>,
) -> Result<Option<String>, BadRow> {
    let Some(col) = m.get(Field::VideoId) else {
        return Ok(None);
    };
    let cell = t.cell(col);
    let Some(text) = cell.as_text() else {
        return Ok(None);
    };
    if headers::is_total_row(&text) {
        return Ok(None);
    }
    match ids::youtube_id(&text) {
        Some(id) => Ok(Some(id)),

        None => Err(bad(
            part,
            t.line(),
            col,
            format!(
                "column `{}`: `{text}` is not a YouTube video id (11 characters, or a watch URL)",
                t.headers[col]
            ),
        )),
    }
}

/// Studio's "table cut at 500 rows" footer, if the current row is one: a known footer text
/// (or a sentence with a number) in the video column, every other cell empty.
fn footer_of<R: Read>(t: &CsvTable<R>, m: &Matched) -> Option<String> {
    let col = m.get(Field::VideoId)?;
    let text = t.cell(col).as_text()?;
    (ids::youtube_id(&text).is_none()
        && headers::is_footer_row(&text)
        && (0..t.headers.len()).all(|c| c == col || t.cell(c).is_empty()))
    .then(|| headers::normalize_display(&text))
}

/// The note for a table Studio cut: the rows are read, the videos beyond are not in the file.
fn footer_note(part: &Option<String>, line: u64, text: &str) -> String {
    format!(
        "{}line {line}: `{text}`: YouTube Studio cut this table at its top rows, so videos \
         beyond them are not in the file (their values were not imported); the rows above were \
         read. For every video, export shorter periods or filter the view to fewer videos",
        part.as_ref().map(|p| format!("{p} ")).unwrap_or_default()
    )
}

/// The metric values of the current row. A bad views cell is a bad row; a bad or negative
/// value of another metric is dropped alone (into `dropped`).
fn values_of<R: Read>(
    t: &CsvTable<R>,
    m: &Matched,
    part: &Option<String>,
    dropped: &mut Dropped,
) -> Result<Vec<(Metric, i64)>, BadRow> {
    let mut values = Vec::new();
    for (field, col) in m.metrics() {
        if field == Field::Views && t.cell(col).is_empty() {
            return Err(bad(
                part,
                t.line(),
                col,
                super::required_count(&t.headers[col]),
            ));
        }
        match metric_value(field, t.cell(col), t.decimal) {
            Ok(Some(v)) => values.push(v),
            Ok(None) => {}
            Err(e) if Dropped::droppable(field) => {
                dropped.add(&t.headers[col], part, t.line(), col + 1, e)
            }
            Err(e) => {
                return Err(bad(
                    part,
                    t.line(),
                    col,
                    format!("column `{}`: {e}", t.headers[col]),
                ))
            }
        }
    }
    Ok(values)
}

fn read_table<R: Read>(
    t: &mut CsvTable<R>,
    m: &Matched,
    part: &Option<String>,
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<Vec<TableRow>, ParseError> {
    let mut rows = Vec::new();
    let mut dropped = Dropped::default();
    loop {
        let line = match t.next_record() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(mut b) => {
                b.part = part.clone();
                t.skip_or_fail(options, out, b)?;
                continue;
            }
        };
        if let Some(text) = footer_of(t, m) {
            out.note(footer_note(part, line, &text));
            continue;
        }
        let row = video_of(t, m, part).and_then(|video| {
            if video.is_none() {
                return Ok(None);
            }
            let values = values_of(t, m, part, &mut dropped)?;
            Ok(video.map(|video| TableRow {
                line,
                part: part.clone(),
                video,
                published: m
                    .get(Field::PublishTime)
                    .and_then(|c| t.cell(c).stamp(m.language).ok().flatten())
                    .map(|s| s.date),
                values,
            }))
        });
        match row {
            Ok(Some(_)) if rows.len() >= super::MAX_ROWS_KEPT => {
                return Err(ParseError::At(BadRow {
                    part: part.clone(),
                    line,
                    column: 0,
                    message: format!(
                        "Table data lists more than {} videos, far more than a channel has; \
                         check that this is the file YouTube Studio exported",
                        super::MAX_ROWS_KEPT
                    ),
                }))
            }
            Ok(Some(r)) => rows.push(r),
            Ok(None) => {}
            Err(b) => skip_or_fail(options, out, b)?,
        }
    }
    dropped.emit(out);
    Ok(rows)
}

/// A daily row: video, day, values.
type DailyRow = (String, NaiveDate, Vec<(Metric, i64)>);

/// Read daily rows (Chart data, or Totals with `video` given) into `out`.
#[allow(clippy::too_many_arguments)]
fn read_daily<R: Read>(
    t: &mut CsvTable<R>,
    m: &Matched,
    part: &Option<String>,
    video: Option<&str>,
    span: &mut Span,
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<(), ParseError> {
    let date_col = m.get(Field::Date).unwrap_or(0);
    let mut dropped = Dropped::default();
    loop {
        let line = match t.next_record() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(mut b) => {
                b.part = part.clone();
                t.skip_or_fail(options, out, b)?;
                continue;
            }
        };
        if video.is_none() {
            if let Some(text) = footer_of(t, m) {
                out.note(footer_note(part, line, &text));
                continue;
            }
        }
        let parsed = daily_row(t, m, part, video, line, &mut dropped);
        match parsed {
            Ok(Some((id, date, values))) => {
                span.add(date);
                span.rows += 1;
                for (metric, value) in values {
                    out.row(Row {
                        platform: Platform::Youtube,
                        video: id.clone(),
                        alias: None,
                        account: None,
                        metric,
                        kind: Kind::Daily,
                        when: When::Day(date),
                        value,
                        line,
                        date_column: date_col + 1,
                        part: part.clone(),
                    });
                }
            }
            Ok(None) => {}
            Err(b) => skip_or_fail(options, out, b)?,
        }
    }
    dropped.emit(out);
    Ok(())
}

/// The current record's video (`video`, else its `Content` cell), day and values; `None` for
/// the summary row.
fn daily_row<R: Read>(
    t: &CsvTable<R>,
    m: &Matched,
    part: &Option<String>,
    video: Option<&str>,
    line: u64,
    dropped: &mut Dropped,
) -> Result<Option<DailyRow>, BadRow> {
    let date_col = m.get(Field::Date).unwrap_or(0);
    let id = match video {
        Some(v) => v.to_string(),
        None => match video_of(t, m, part)? {
            Some(id) => id,
            None => return Ok(None),
        },
    };
    let date = match t.cell(date_col).stamp(m.language) {
        Ok(Some(s)) => s.date,
        Ok(None) => {
            return Err(bad(
                part,
                line,
                date_col,
                format!(
                    "column `{}` is empty; every row needs its day",
                    t.headers[date_col]
                ),
            ))
        }
        Err(e) => {
            return Err(bad(
                part,
                line,
                date_col,
                format!("column `{}`: {e}", t.headers[date_col]),
            ))
        }
    };
    Ok(Some((id, date, values_of(t, m, part, dropped)?)))
}

/// Store Table data totals as of `as_of`, except for videos published before the period.
fn emit_totals(
    rows: Vec<TableRow>,
    as_of: When,
    period_start: Option<NaiveDate>,
    out: &mut dyn RowSink,
) {
    let mut partial = Vec::new();
    for r in rows {
        if let (Some(start), Some(published)) = (period_start, r.published) {
            if published < start {
                partial.push(r.video);
                continue;
            }
        }
        for (metric, value) in r.values {
            out.row(Row {
                platform: Platform::Youtube,
                video: r.video.clone(),
                alias: None,
                account: None,
                metric,
                kind: Kind::Total,
                when: as_of,
                value,
                line: r.line,
                date_column: 0,
                part: r.part.clone(),
            });
        }
    }
    if !partial.is_empty() {
        out.note(format!(
            "Table data totals of {} were not stored: the export's period starts {}, after the \
             video was published, so they cover only part of its life (export the period \
             \"Lifetime\" for lifetime totals; its daily rows were read)",
            super::list(&partial),
            period_start.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
}

fn missing_as_of() -> ParseError {
    ParseError::Format(
        "Table data holds each video's totals over the period chosen in YouTube Studio, but this \
         file does not say when that period ended; pass --as-of with the period's last day \
         (e.g. --as-of 2020-09-30), or import the whole Studio ZIP (its Chart data and its name \
         date the period)"
            .into(),
    )
}

fn read_zip(
    file: &ExportFile,
    period: Option<(NaiveDate, NaiveDate)>,
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<(), ParseError> {
    let (parts, other) = zip_parts(file)?;
    if parts.is_empty() {
        return Err(ParseError::Format(format!(
            "no YouTube Studio table in this ZIP (entries: {}); a Studio export holds \
             `Table data.csv`, `Chart data.csv` and `Totals.csv`",
            super::list(&other)
        )));
    }
    let mut zip = zip::ZipArchive::new(file.reader()?).map_err(zip_error)?;
    let language = parts[0].3.language.name;
    out.describe(format!(
        "ZIP: {}; {language} headers",
        parts
            .iter()
            .map(|(_, n, _, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let table = read_table_parts(&mut zip, &parts, options, out)?;
    let mut table_videos: Vec<&str> = table.iter().map(|r| r.video.as_str()).collect();
    table_videos.sort_unstable();
    table_videos.dedup();
    let single = (table_videos.len() == 1).then(|| table_videos[0].to_string());

    let mut span = Span::default();
    read_chart_parts(&mut zip, &parts, &mut span, options, out)?;
    let unattributed =
        read_totals_parts(&mut zip, &parts, single.as_deref(), &mut span, options, out)?;
    if !unattributed.is_empty() {
        out.note(format!(
            "{} not read: it sums {} videos per day with no video column, so its days cannot be \
             given to one video (export Chart data, one row per day and video, to get daily views)",
            unattributed.join(", "),
            table_videos.len()
        ));
    }
    if table.is_empty() {
        return Ok(());
    }
    let as_of = options
        .as_of
        .or_else(|| period.map(|(_, end)| When::EndOf(end)))
        .or_else(|| span.last.map(When::EndOf))
        .ok_or_else(missing_as_of)?;
    let start = period.map(|(s, _)| s).or(span.first);
    emit_totals(table, as_of, start, out);
    Ok(())
}

/// The ZIP's Table data entries first: they are small (one row per video) and name the videos.
fn read_table_parts<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    parts: &[ZipPart],
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<Vec<TableRow>, ParseError> {
    let mut table = Vec::new();
    for (i, name, part, m) in parts {
        if *part != Part::Table {
            continue;
        }
        let entry = zip.by_index(*i).map_err(zip_error)?;
        let mut t =
            CsvTable::open(entry).map_err(|e| ParseError::Format(format!("{name}: {e}")))?;
        table.extend(read_table(&mut t, m, &Some(name.clone()), options, out)?);
    }
    Ok(table)
}

/// The ZIP's Chart data entries: each day's values per video.
fn read_chart_parts<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    parts: &[ZipPart],
    span: &mut Span,
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<(), ParseError> {
    for (i, name, part, m) in parts {
        if *part != Part::Chart {
            continue;
        }
        let entry = zip.by_index(*i).map_err(zip_error)?;
        let mut t =
            CsvTable::open(entry).map_err(|e| ParseError::Format(format!("{name}: {e}")))?;
        read_daily(&mut t, m, &Some(name.clone()), None, span, options, out)?;
    }
    Ok(())
}

/// The ZIP's Totals entries (each day summed over all videos): skipped when Chart data was
/// read, read as the `single` video's days when Table data names only one; the names of those
/// that could not be given to one video.
fn read_totals_parts<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    parts: &[ZipPart],
    single: Option<&str>,
    span: &mut Span,
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<Vec<String>, ParseError> {
    let mut unattributed = Vec::new();
    for (i, name, part, m) in parts {
        if *part != Part::Totals {
            continue;
        }
        if span.rows > 0 {
            out.note(format!(
                "{name} was not read: it repeats Chart data's days summed over all videos"
            ));
            continue;
        }
        match single {
            Some(video) => {
                let entry = zip.by_index(*i).map_err(zip_error)?;
                let mut t = CsvTable::open(entry)
                    .map_err(|e| ParseError::Format(format!("{name}: {e}")))?;
                read_daily(
                    &mut t,
                    m,
                    &Some(name.clone()),
                    Some(video),
                    span,
                    options,
                    out,
                )?;
                out.note(format!(
                    "{name} (daily sums) was read as video {video}'s days: Table data names only that video"
                ));
            }
            None => unattributed.push(name.clone()),
        }
    }
    Ok(unattributed)
}

fn read_csv(
    file: &ExportFile,
    period: Option<(NaiveDate, NaiveDate)>,
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<(), ParseError> {
    let mut t = CsvTable::open(file.reader()?).map_err(ParseError::Format)?;
    let Some((part, m)) = classify(&t.headers) else {
        let hint = headers::nearest(&t.headers)
            .map(|f| format!("; the nearest is {}", f.describe()))
            .unwrap_or_default();
        return Err(ParseError::Format(format!(
            "not a YouTube Studio table (headers: {}){hint}",
            super::list(&t.headers)
        )));
    };
    out.describe(format!(
        "{}; {} headers",
        match part {
            Part::Chart => "Chart data",
            Part::Table => "Table data",
            Part::Totals => "Totals",
        },
        m.language.name
    ));
    match part {
        Part::Chart => {
            let mut span = Span::default();
            read_daily(&mut t, &m, &None, None, &mut span, options, out)
        }
        Part::Table => {
            let as_of = options
                .as_of
                .or_else(|| period.map(|(_, end)| When::EndOf(end)))
                .ok_or_else(missing_as_of)?;
            let rows = read_table(&mut t, &m, &None, options, out)?;
            emit_totals(rows, as_of, period.map(|(s, _)| s), out);
            Ok(())
        }
        Part::Totals => Err(ParseError::Format(
            "this is YouTube Studio's Totals.csv: each day's views summed over every video in the \
             view, with no video column, so viewtally cannot tell whose views they are; import the \
             Studio ZIP (Totals is used there when Table data names exactly one video) or its \
             Chart data.csv"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::{fixture, read_with, temp_file, VecSink};

    fn read(rel: &str, as_of: Option<When>) -> Result<VecSink, ParseError> {
        read_with(
            &YoutubeStudio,
            &fixture(rel),
            &ReadOptions {
                as_of,
                skip_bad_rows: false,
            },
        )
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// (video, metric, kind) → (count, sum)
    fn sums(s: &VecSink) -> std::collections::BTreeMap<(String, Metric, Kind), (usize, i64)> {
        let mut out = std::collections::BTreeMap::new();
        for r in &s.rows {
            let e = out
                .entry((r.video.clone(), r.metric, r.kind))
                .or_insert((0, 0));
            e.0 += 1;
            e.1 += r.value;
        }
        out
    }

    const A: &str = "dQ8mC2c4Rx0";
    const B: &str = "-bQ3xZ9kLmN";

    #[test]
    fn the_zip_in_english_and_czech() {
        for (rel, lang) in [
            (
                "youtube/en/Content 2020-07-24_2020-08-02 Conectart.zip",
                "English",
            ),
            (
                "youtube/cs/Obsah 2020-07-24_2020-08-02 Conectart.zip",
                "Czech",
            ),
        ] {
            let s = read(rel, None).unwrap();
            let sums = sums(&s);
            let get = |v: &str, m, k| sums.get(&(v.to_string(), m, k)).copied();
            assert_eq!(
                get(A, Metric::Views, Kind::Daily),
                Some((10, 4102)),
                "{rel}"
            );
            assert_eq!(get(B, Metric::Views, Kind::Daily), Some((10, 90)), "{rel}");
            assert_eq!(get(A, Metric::Views, Kind::Total), Some((1, 4102)), "{rel}");
            assert_eq!(get(A, Metric::Likes, Kind::Total), Some((1, 140)));
            assert_eq!(get(A, Metric::Comments, Kind::Total), Some((1, 21)));
            assert_eq!(get(A, Metric::Shares, Kind::Total), Some((1, 17)));
            assert_eq!(get(A, Metric::Impressions, Kind::Total), Some((1, 51234)));
            // 123.4567 hours
            assert_eq!(get(A, Metric::WatchTimeS, Kind::Total), Some((1, 444444)));
            // B was published before the period: its period sums are not lifetime totals
            assert_eq!(get(B, Metric::Views, Kind::Total), None);
            assert!(
                s.notes
                    .iter()
                    .any(|n| n.contains(B) && n.contains("Lifetime")),
                "{:?}",
                s.notes
            );
            // Totals repeats Chart data
            assert!(
                s.notes.iter().any(|n| n.contains("was not read")),
                "{:?}",
                s.notes
            );
            // totals are as of the end of the period's last day (from the name)
            let total = s.rows.iter().find(|r| r.kind == Kind::Total).unwrap();
            assert_eq!(total.when, When::EndOf(day(2020, 8, 2)));
            let first = s.rows.iter().find(|r| r.kind == Kind::Daily).unwrap();
            assert_eq!((first.when, first.line), (When::Day(day(2020, 7, 24)), 2));
            assert!(
                s.detail.as_deref().unwrap().contains(lang),
                "{:?}",
                s.detail
            );
        }
    }

    #[test]
    fn a_zip_without_dates_in_its_name_is_dated_by_chart_data() {
        let s = read("youtube/en/studio-export.zip", None).unwrap();
        let total = s.rows.iter().find(|r| r.kind == Kind::Total).unwrap();
        assert_eq!(total.when, When::EndOf(day(2020, 8, 2)));
        // --as-of wins over the file
        let at = When::EndOf(day(2020, 8, 3));
        let s = read("youtube/en/studio-export.zip", Some(at)).unwrap();
        assert!(s
            .rows
            .iter()
            .filter(|r| r.kind == Kind::Total)
            .all(|r| r.when == at));
    }

    #[test]
    fn a_single_video_export_reads_totals_as_its_days() {
        let s = read("youtube/en/Video 2020-07-24_2020-08-02 Děkujeme.zip", None).unwrap();
        let sums = sums(&s);
        assert_eq!(
            sums.get(&(A.to_string(), Metric::Views, Kind::Daily)),
            Some(&(10, 4102))
        );
        assert!(s
            .notes
            .iter()
            .any(|n| n.contains("Table data names only that video")));
    }

    #[test]
    fn bare_csvs() {
        let s = read("youtube/en/Chart data.csv", None).unwrap();
        assert_eq!(s.rows.len(), 20);
        assert!(s.rows.iter().all(|r| r.kind == Kind::Daily));
        assert!(
            s.rows.iter().any(|r| r.video == B),
            "the padded id is trimmed"
        );

        let e = read("youtube/en/Table data.csv", None).unwrap_err();
        assert!(
            matches!(&e, ParseError::Format(m) if m.contains("pass --as-of") && m.contains("period")),
            "{e:?}"
        );
        let at = When::EndOf(day(2020, 8, 2));
        let s = read("youtube/en/Table data.csv", Some(at)).unwrap();
        let sums = sums(&s);
        assert_eq!(
            sums.get(&(A.to_string(), Metric::Views, Kind::Total)),
            Some(&(1, 4102))
        );
        // no period known, so B's totals are taken as they are
        assert_eq!(
            sums.get(&(B.to_string(), Metric::Views, Kind::Total)),
            Some(&(1, 90))
        );
        assert!(!sums.keys().any(|(v, _, _)| v == "Total"));

        let e = read("youtube/en/Totals.csv", None).unwrap_err();
        assert!(
            matches!(&e, ParseError::Format(m) if m.contains("no video column")),
            "{e:?}"
        );
    }

    #[test]
    fn a_czech_spreadsheet_resave() {
        // `;`, byte-order mark, `1 392` with a no-break space, `24. 7. 2020`
        let s = read("youtube/cs/Data grafu (Excel).csv", None).unwrap();
        let first = &s.rows[0];
        assert_eq!(
            (first.video.as_str(), first.value, first.when),
            (A, 1392, When::Day(day(2020, 7, 24)))
        );
        assert_eq!(
            sums(&s)[&(A.to_string(), Metric::Views, Kind::Daily)],
            (10, 4102)
        );
    }

    #[test]
    fn chart_data_in_every_language() {
        for (lang, name) in [
            ("sk", "Slovak"),
            ("de", "German"),
            ("pl", "Polish"),
            ("es", "Spanish"),
            ("fr", "French"),
        ] {
            let s = read(&format!("youtube/{lang}/Chart data.csv"), None).unwrap();
            assert_eq!(
                s.rows.iter().map(|r| r.value).collect::<Vec<_>>(),
                vec![1392, 760],
                "{lang}"
            );
            assert!(
                s.detail.as_deref().unwrap().contains(name),
                "{lang}: {:?}",
                s.detail
            );
        }
    }

    #[test]
    fn bad_rows_name_entry_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = temp_file(
            &dir,
            "Chart data.csv",
            b"Date,Content,Video title,Views\n2020-07-24,dQ8mC2c4Rx0,x,5\n2020-07-25,dQ8mC2c4Rx0,x,lots\n2020-07-26,not-an-id,x,3\nyesterday,dQ8mC2c4Rx0,x,3\n",
        );
        let opts = |skip| ReadOptions {
            as_of: None,
            skip_bad_rows: skip,
        };
        match read_with(&YoutubeStudio, &p, &opts(false)) {
            Err(ParseError::Row(b)) => {
                assert_eq!((b.line, b.column), (3, 4));
                assert!(
                    b.message.contains("column `Views`: `lots` is not a number"),
                    "{}",
                    b.message
                );
            }
            other => panic!("{other:?}"),
        }
        let s = read_with(&YoutubeStudio, &p, &opts(true)).unwrap();
        assert_eq!(s.rows.len(), 1);
        let bad: Vec<(u64, usize)> = s.bad.iter().map(|b| (b.line, b.column)).collect();
        assert_eq!(bad, vec![(3, 4), (4, 2), (5, 1)]);
        assert!(s.bad[1].message.contains("not a YouTube video id"));
        assert!(s.bad[2].message.contains("not a date"));

        // inside a ZIP the entry is named
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("Chart data.csv", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"Date,Content,Views\n2020-07-24,dQ8mC2c4Rx0,-5\n")
            .unwrap();
        let p = temp_file(&dir, "export.zip", &zip.finish().unwrap().into_inner());
        match read_with(&YoutubeStudio, &p, &opts(false)) {
            Err(ParseError::Row(b)) => {
                assert_eq!(b.part.as_deref(), Some("Chart data.csv"));
                assert_eq!((b.line, b.column), (2, 3));
                assert!(b.message.contains("negative"), "{}", b.message);
            }
            other => panic!("{other:?}"),
        }
    }
}
