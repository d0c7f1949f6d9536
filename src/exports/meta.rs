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

use super::headers::{Field, META_POSTS};
use super::ids;
use super::table::CsvTable;
use super::{
    metric_value, skip_or_fail, BadRow, Container, ExportFile, Importer, ParseError, ReadOptions,
    Row, RowSink, When,
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
        loop {
            let line = match t.next_record() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(b) => {
                    skip_or_fail(options, out, b)?;
                    continue;
                }
            };
            let bad = |col: usize, message: String| BadRow {
                part: None,
                line,
                column: col + 1,
                message,
            };
            // Rounded ids are a file problem, not a row problem: every row went through the
            // same spreadsheet.
            for col in [Some(post_col), m.get(Field::PageId)].into_iter().flatten() {
                if let Some(text) = t.cell(col).as_text() {
                    if ids::looks_rounded(&text) {
                        return Err(ParseError::Format(format!(
                            "line {line}, column `{}`: {}",
                            t.headers[col],
                            ids::rounded_message(&text)
                        )));
                    }
                }
            }
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
            let from_link = link
                .as_deref()
                .filter(|_| platform == Platform::Facebook)
                .and_then(ids::facebook_id);
            let (video, alias) = match (from_link, post) {
                (Some(v), Some(p)) if v != p => (v, Some(p)),
                (Some(v), _) => (v, None),
                (None, Some(p)) => (p, None),
                (None, None) => {
                    skip_or_fail(
                        options,
                        out,
                        bad(
                            post_col,
                            format!(
                                "column `{}` is empty and there is no permalink; the row names no post",
                                t.headers[post_col]
                            ),
                        ),
                    )?;
                    continue;
                }
            };
            let day = match m.get(Field::Date) {
                None => None,
                Some(col) => match t.cell(col).as_text() {
                    // "Lifetime", "Celková doba", "Gesamte Laufzeit" …
                    None => None,
                    Some(text) if !text.chars().any(|c| c.is_ascii_digit()) => None,
                    Some(_) => match t.cell(col).stamp(m.language) {
                        Ok(s) => s.map(|s| s.date),
                        Err(e) => {
                            skip_or_fail(
                                options,
                                out,
                                bad(col, format!("column `{}`: {e}", t.headers[col])),
                            )?;
                            continue;
                        }
                    },
                },
            };
            let when = match day {
                Some(d) => When::Day(d),
                None => match options.as_of {
                    Some(w) => w,
                    None => return Err(ParseError::Format(format!(
                        "line {line} holds lifetime totals, which are as of the moment the file \
                             was exported, and a Meta export does not record that moment; pass \
                             --as-of with the export time (e.g. --as-of 2020-09-30T18:00:00+02:00, \
                             or --as-of 2020-09-30 for the end of that day)"
                    ))),
                },
            };
            let kind = if day.is_some() {
                Kind::Daily
            } else {
                Kind::Total
            };
            let account = m
                .get(Field::PageName)
                .and_then(|c| t.cell(c).as_text().map(|s| s.into_owned()));
            let mut values = Vec::new();
            let mut failed = None;
            for (field, col) in m.metrics() {
                match metric_value(field, t.cell(col), t.decimal) {
                    Ok(Some((Metric::Reach, _))) if kind == Kind::Daily => {}
                    Ok(Some(v)) => values.push(v),
                    Ok(None) => {}
                    Err(e) => {
                        failed = Some(bad(col, format!("column `{}`: {e}", t.headers[col])));
                        break;
                    }
                }
            }
            if let Some(b) = failed {
                skip_or_fail(options, out, b)?;
                continue;
            }
            if kind == Kind::Total {
                lifetime_rows += 1;
            }
            for (metric, value) in values {
                out.row(Row {
                    platform,
                    video: video.clone(),
                    alias: alias.clone(),
                    account: account.clone(),
                    metric,
                    kind,
                    when,
                    value,
                    line,
                });
            }
        }
        if lifetime_rows > 0 {
            tracing::debug!(file = %file.name, rows = lifetime_rows, "lifetime totals read at --as-of");
        }
        Ok(())
    }
}
