//! Meta Business Suite / Facebook Insights post and video exports (CSV): Insights → Content →
//! Export data. One row per post or video: `Post ID`, `Page ID`, `Page name`, `Title`,
//! `Publish time` (`MM/DD/YYYY HH:MM`), `Permalink`, `Post type`, `Date`, then metrics such as
//! `Views` (older files: `3-second video views`), `Reach`, `Reactions`, `Comments`, `Shares`,
//! `Seconds viewed`.
//!
//! - A row whose `Date` is a day is that day's values → `daily` observations (reach is not
//!   summed over days, so per-day reach is not stored).
//! - A row whose `Date` says `Lifetime` (in any language), or a file without `Date`, holds
//!   lifetime totals as of the moment of export → `total` readings at `--as-of`. The file does
//!   not record when it was exported (its name's dates are the publish-date filter), so
//!   without `--as-of` such a file is refused with a message saying so.
//!
//! The video is named by the id in `Permalink` (`/videos/{id}`, `/reel/{id}`, `watch?v=`) and
//! also matches by `Post ID`. Ids stay strings; an id a spreadsheet rounded (`1.22158E+17`)
//! fails the file with a message. Rows whose permalink is on instagram.com are Instagram's.

use std::io::Read;

use chrono::NaiveDate;

use super::headers::{Field, Matched, META_POSTS};
use super::ids;
use super::table::CsvTable;
use super::{
    metric_value, skip_or_fail, BadRow, Container, Dropped, ExportFile, Importer, ParseError,
    ReadOptions, Row, RowSink, When,
};
use crate::model::{Kind, Metric, Platform};

pub struct MetaBusinessSuite;

impl Importer for MetaBusinessSuite {
    fn name(&self) -> &'static str {
        "meta"
    }

    fn sniff(&self, file: &ExportFile) -> bool {
        file.container == Container::Text
            && META_POSTS.fit(&super::table::header_of(&file.head)).ok()
    }

    fn read(
        &self,
        file: &ExportFile,
        options: &ReadOptions,
        out: &mut dyn RowSink,
    ) -> Result<(), ParseError> {
        if file.container != Container::Text {
            return Err(ParseError::Format(
                "a Meta Business Suite export is a CSV file; this is not text".into(),
            ));
        }
        let mut t = CsvTable::open(file.reader()?).map_err(ParseError::Format)?;
        let fit = META_POSTS.fit(&t.headers);
        if !fit.ok() {
            return Err(ParseError::Format(format!(
                "not a Meta Business Suite export: {}",
                fit.describe()
            )));
        }
        let m = fit.matched;
        out.describe(format!("{} headers", m.language.name));
        let post_col = m.get(Field::PostId).unwrap_or(0);
        let mut lifetime_rows = 0usize;
        let mut dropped = Dropped::default();
        loop {
            let line = match t.next_record() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(b) => {
                    t.skip_or_fail(options, out, b)?;
                    continue;
                }
            };
            check_rounded_ids(&t, &m, post_col, line)?;
            let (kind, rows) = match read_row(&t, &m, post_col, line, options, &mut dropped)? {
                Ok(read) => read,
                Err(b) => {
                    skip_or_fail(options, out, b)?;
                    continue;
                }
            };
            if kind == Kind::Total {
                lifetime_rows += 1;
            }
            for row in rows {
                out.row(row);
            }
        }
        dropped.emit(out);
        if lifetime_rows > 0 {
            tracing::debug!(file = %file.name, rows = lifetime_rows, "lifetime totals read at --as-of");
        }
        Ok(())
    }
}

/// A row's problem at 0-based column `col`.
fn bad(line: u64, col: usize, message: String) -> BadRow {
    BadRow {
        part: None,
        line,
        column: col + 1,
        message,
    }
}

/// Rounded ids are a file problem, not a row problem: every row went through the same
/// spreadsheet.
fn check_rounded_ids<R: Read>(
    t: &CsvTable<R>,
    m: &Matched,
    post_col: usize,
    line: u64,
) -> Result<(), ParseError> {
    for col in [Some(post_col), m.get(Field::PageId)].into_iter().flatten() {
        if let Some(text) = t.cell(col).as_text() {
            if ids::looks_rounded(&text) {
                return Err(ParseError::At(bad(
                    line,
                    col,
                    format!(
                        "column `{}`: {}",
                        t.headers[col],
                        ids::rounded_message(&text)
                    ),
                )));
            }
        }
    }
    Ok(())
}

/// The current record's kind and rows, one per metric; the inner error is a bad row (skipped or failing
/// the file as the options say), the outer one fails the file.
fn read_row<R: Read>(
    t: &CsvTable<R>,
    m: &Matched,
    post_col: usize,
    line: u64,
    options: &ReadOptions,
    dropped: &mut Dropped,
) -> Result<Result<(Kind, Vec<Row>), BadRow>, ParseError> {
    let (platform, video, alias) = match row_video(t, m, post_col, line) {
        Ok(v) => v,
        Err(b) => return Ok(Err(b)),
    };
    let day = match row_day(t, m, line) {
        Ok(d) => d,
        Err(b) => return Ok(Err(b)),
    };
    let when = row_when(m, day, line, options)?;
    let kind = if day.is_some() {
        Kind::Daily
    } else {
        Kind::Total
    };
    let account = m
        .get(Field::PageName)
        .and_then(|c| t.cell(c).as_text().map(|s| s.into_owned()));
    let values = match row_values(t, m, kind, line, dropped) {
        Ok(v) => v,
        Err(b) => return Ok(Err(b)),
    };
    let rows = values
        .into_iter()
        .map(|(metric, value)| Row {
            platform,
            video: video.clone(),
            alias: alias.clone(),
            account: account.clone(),
            metric,
            kind,
            when,
            value,
            line,
            date_column: match day {
                Some(_) => m.get(Field::Date).map_or(0, |c| c + 1),
                None => 0,
            },
            part: None,
        })
        .collect();
    Ok(Ok((kind, rows)))
}

/// The row's platform, video id and the other id it goes by: named by the id in its permalink,
/// else by its Post ID.
fn row_video<R: Read>(
    t: &CsvTable<R>,
    m: &Matched,
    post_col: usize,
    line: u64,
) -> Result<(Platform, String, Option<String>), BadRow> {
    let post = t
        .cell(post_col)
        .as_text()
        .map(|p| ids::facebook_id(&p).unwrap_or_else(|| p.trim().to_string()));
    let link = m
        .get(Field::Permalink)
        .and_then(|c| t.cell(c).as_text().map(|s| s.into_owned()));
    let platform = if link.as_deref().is_some_and(ids::is_instagram) {
        Platform::Instagram
    } else {
        Platform::Facebook
    };
    // A `pfbid…` token in a post's permalink is not its id (Facebook re-issues them); such a
    // post is named by its Post ID.
    let from_link = link
        .as_deref()
        .filter(|_| platform == Platform::Facebook)
        .and_then(ids::facebook_id)
        .filter(|id| !(id.starts_with("pfbid") && post.is_some()));
    // An Instagram row is named by its media id (Post ID) and matches a reel URL in the
    // config through its permalink's shortcode.
    let shortcode = link
        .as_deref()
        .filter(|_| platform == Platform::Instagram)
        .and_then(ids::instagram_shortcode)
        .map(|code| format!("https://www.instagram.com/p/{code}/"));
    match (from_link, post) {
        (None, Some(p)) if shortcode.is_some() => Ok((platform, p, shortcode)),
        (Some(v), Some(p)) if v != p => Ok((platform, v, Some(p))),
        (Some(v), _) => Ok((platform, v, None)),
        (None, Some(p)) => Ok((platform, p, None)),
        (None, None) => Err(bad(
            line,
            post_col,
            format!(
                "column `{}` is empty and there is no permalink; the row names no post",
                t.headers[post_col]
            ),
        )),
    }
}

/// The row's day, or none for lifetime totals.
fn row_day<R: Read>(t: &CsvTable<R>, m: &Matched, line: u64) -> Result<Option<NaiveDate>, BadRow> {
    let Some(col) = m.get(Field::Date) else {
        return Ok(None);
    };
    match t.cell(col).as_text() {
        // "Lifetime", "Celková doba", "Gesamte Laufzeit" …
        None => Ok(None),
        Some(text) if !text.chars().any(|c| c.is_ascii_digit()) => Ok(None),
        Some(_) => match t.cell(col).stamp(m.language) {
            Ok(s) => Ok(s.map(|s| s.date)),
            Err(e) => Err(bad(line, col, format!("column `{}`: {e}", t.headers[col]))),
        },
    }
}

/// When the row's values are as of: its day, else (lifetime totals) `--as-of`, without which
/// the file is refused.
fn row_when(
    m: &Matched,
    day: Option<NaiveDate>,
    line: u64,
    options: &ReadOptions,
) -> Result<When, ParseError> {
    match day {
        Some(d) => Ok(When::Day(d)),
        None => match options.as_of {
            Some(w) => Ok(w),
            None => {
                // The column that says "Lifetime", if there is one.
                let col = m.get(Field::Date).map(|c| c + 1).unwrap_or(0);
                Err(ParseError::At(BadRow {
                    column: col,
                    ..bad(
                        line,
                        0,
                        "this row holds lifetime totals, which are as of the moment the \
                         file was exported, and a Meta export does not record that \
                         moment; pass --as-of with the export time (e.g. --as-of \
                         2020-09-30T18:00:00+02:00, or --as-of 2020-09-30 for the end \
                         of that day)"
                            .to_string(),
                    )
                }))
            }
        },
    }
}

/// The row's metric values (per-day reach left out: reach is not summed over days); values of
/// droppable columns that do not parse are noted in `dropped`.
fn row_values<R: Read>(
    t: &CsvTable<R>,
    m: &Matched,
    kind: Kind,
    line: u64,
    dropped: &mut Dropped,
) -> Result<Vec<(Metric, i64)>, BadRow> {
    let mut values = Vec::new();
    for (field, col) in m.metrics() {
        if field == Field::Views && t.cell(col).is_empty() {
            return Err(bad(line, col, super::required_count(&t.headers[col])));
        }
        match metric_value(field, t.cell(col), t.decimal) {
            Ok(Some((Metric::Reach, _))) if kind == Kind::Daily => {}
            Ok(Some(v)) => values.push(v),
            Ok(None) => {}
            Err(e) if Dropped::droppable(field) => {
                dropped.add(&t.headers[col], &None, line, col + 1, e)
            }
            Err(e) => return Err(bad(line, col, format!("column `{}`: {e}", t.headers[col]))),
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::{fixture, read_with, temp_file, VecSink};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn read(rel: &str, as_of: Option<When>) -> Result<VecSink, ParseError> {
        read_with(
            &MetaBusinessSuite,
            &fixture(rel),
            &ReadOptions {
                as_of,
                skip_bad_rows: false,
            },
        )
    }

    const VIDEO: &str = "3112749605483751";
    const POST: &str = "122158761234567890";

    #[test]
    fn lifetime_totals_in_english_and_czech() {
        let at = When::Instant(Utc.with_ymd_and_hms(2020, 8, 3, 8, 0, 0).unwrap());
        for rel in [
            "meta/en/Jul-24-2020_Aug-02-2020_lifetime.csv",
            "meta/cs/Jul-24-2020_Aug-02-2020_lifetime.csv",
        ] {
            let s = read(rel, Some(at)).unwrap();
            let video: Vec<(Metric, i64)> = s
                .rows
                .iter()
                .filter(|r| r.video == VIDEO)
                .map(|r| (r.metric, r.value))
                .collect();
            assert_eq!(
                video,
                vec![
                    (Metric::Views, 5234),
                    (Metric::Likes, 311),
                    (Metric::Comments, 46),
                    (Metric::Shares, 58),
                    (Metric::Reach, 4100),
                    (Metric::WatchTimeS, 81234),
                ],
                "{rel}"
            );
            let r = s.rows.iter().find(|r| r.video == VIDEO).unwrap();
            assert_eq!(r.alias.as_deref(), Some(POST), "matches by post id too");
            assert_eq!(r.account.as_deref(), Some("Conectart"));
            assert_eq!(
                (r.kind, r.when, r.platform),
                (Kind::Total, at, Platform::Facebook)
            );
            // the photo post is named by its Post ID, not the `pfbid…` token of its permalink
            // (issue 17: this assertion said the permalink's token before)
            assert!(s.rows.iter().any(|r| r.video == "122158761234500001"));
            assert!(!s.rows.iter().any(|r| r.video.starts_with("pfbid")));
        }
    }

    #[test]
    fn lifetime_totals_need_as_of() {
        let e = read("meta/en/Jul-24-2020_Aug-02-2020_lifetime.csv", None).unwrap_err();
        assert!(
            matches!(&e, ParseError::At(b) if (b.line, b.column) == (2, 17) && b.message.starts_with("this row holds lifetime totals") && b.message.contains("--as-of")),
            "{e:?}"
        );
    }

    #[test]
    fn per_day_exports_in_three_languages() {
        for rel in [
            "meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
            "meta/cs/Jul-24-2020_Jul-30-2020_daily.csv",
        ] {
            let s = read(rel, None).unwrap();
            let views: Vec<i64> = s
                .rows
                .iter()
                .filter(|r| r.metric == Metric::Views)
                .map(|r| r.value)
                .collect();
            assert_eq!(views, vec![1500, 820, 410, 300, 260, 190, 160], "{rel}");
            assert!(s.rows.iter().all(|r| r.kind == Kind::Daily));
            assert!(
                !s.rows.iter().any(|r| r.metric == Metric::Reach),
                "no daily reach"
            );
            assert_eq!(
                s.rows[0].when,
                When::Day(NaiveDate::from_ymd_opt(2020, 7, 24).unwrap())
            );
        }
        let s = read("meta/de/daily.csv", None).unwrap();
        assert!(s.detail.unwrap().contains("German"));
        assert_eq!(
            s.rows.iter().filter(|r| r.metric == Metric::Views).count(),
            2
        );
    }

    #[test]
    fn rounded_ids_fail_the_file() {
        let e = read(
            "meta/en/rounded-ids.csv",
            Some(When::EndOf(NaiveDate::from_ymd_opt(2020, 8, 2).unwrap())),
        )
        .unwrap_err();
        assert!(
            matches!(&e, ParseError::At(b) if (b.line, b.column) == (2, 1) && b.message.contains("column `Post ID`: `1.22158E+17`") && b.message.contains("spreadsheet rounded")),
            "{e:?}"
        );
    }

    #[test]
    fn instagram_rows_and_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = temp_file(
            &dir,
            "ig.csv",
            "Post ID,Account ID,Permalink,Date,Views,Reach\n\
             1801,1784,https://www.instagram.com/reel/Cabc/,07/24/2020,160,45\n\
             1802,1784,https://www.instagram.com/reel/Cdef/,07/25/2020,1.5,45\n\
             ,,,07/26/2020,5,5\n"
                .as_bytes(),
        );
        let opts = ReadOptions {
            as_of: None,
            skip_bad_rows: true,
        };
        let s = read_with(&MetaBusinessSuite, &p, &opts).unwrap();
        assert_eq!(s.rows.len(), 1);
        assert_eq!(
            (s.rows[0].platform, s.rows[0].video.as_str()),
            (Platform::Instagram, "1801")
        );
        assert_eq!(s.bad.len(), 2);
        assert_eq!((s.bad[0].line, s.bad[0].column), (3, 5));
        assert!(
            s.bad[0].message.contains("not a whole number"),
            "{}",
            s.bad[0].message
        );
        assert!(
            s.bad[1].message.contains("names no post"),
            "{}",
            s.bad[1].message
        );
    }
}
