//! viewtally's own tidy CSV: `platform,video,account,metric,kind,at,value`.
//!
//! `at` is RFC 3339 for `total` rows and `YYYY-MM-DD` (a day in the campaign time zone) for
//! `daily` rows. Columns are found by name, in any order; `account` may be empty or absent.

use chrono::{DateTime, NaiveDate, Utc};

use super::table::{fatal_error, is_fatal, RecordLimit};
use super::{
    skip_or_fail, BadRow, Container, ExportFile, Importer, ParseError, ReadOptions, Row, RowSink,
    When,
};
use crate::model::Kind;

/// The header of the tidy CSV, in the order viewtally writes it.
pub const HEADER: [&str; 7] = [
    "platform", "video", "account", "metric", "kind", "at", "value",
];

pub struct TidyCsv;

impl Importer for TidyCsv {
    fn name(&self) -> &'static str {
        "tidy-csv"
    }

    fn sniff(&self, file: &ExportFile) -> bool {
        if file.container != Container::Text {
            return false;
        }
        let cols: Vec<String> = super::table::header_of(&file.head)
            .into_iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        HEADER
            .iter()
            .filter(|h| **h != "account")
            .all(|h| cols.iter().any(|c| c == h))
    }

    fn read(
        &self,
        file: &ExportFile,
        options: &ReadOptions,
        out: &mut dyn RowSink,
    ) -> Result<(), ParseError> {
        let mut input = file.reader()?;
        let mut bom = [0u8; 3];
        let n = std::io::Read::read(&mut input, &mut bom)
            .map_err(|e| ParseError::Format(format!("cannot read: {e}")))?;
        if !(n == 3 && bom == *b"\xef\xbb\xbf") {
            std::io::Seek::seek(&mut input, std::io::SeekFrom::Start(0))
                .map_err(|e| ParseError::Format(format!("cannot read: {e}")))?;
        }
        let limit = RecordLimit::default();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            // Rows end at `\n` only, so a `\r\n` file's rows keep the physical line they start
            // on (with `\r` as a terminator too, the `\n` is read with the next row and every
            // line number is one too small); the `\r` left at a row's end is trimmed.
            .terminator(csv::Terminator::Any(b'\n'))
            .trim(csv::Trim::All)
            .from_reader(limit.wrap(input));
        let headers = reader
            .headers()
            .map_err(|e| ParseError::Format(format!("cannot read the header: {e}")))?
            .clone();
        limit.record_ended_at(reader.position().byte());
        let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let mut idx = [0usize; 7];
        for (i, name) in HEADER.iter().enumerate() {
            idx[i] = match find(name) {
                Some(p) => p,
                None if *name == "account" => usize::MAX,
                None => {
                    return Err(ParseError::Format(format!(
                        "column `{name}` is missing; the tidy CSV header is `{}` (found: `{}`)",
                        HEADER.join(","),
                        headers.iter().collect::<Vec<_>>().join(",")
                    )))
                }
            };
        }
        let mut record = csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => limit.record_ended_at(reader.position().byte()),
                Err(e) => {
                    let bad = BadRow {
                        part: None,
                        line,
                        column: 1,
                        message: format!("unreadable CSV: {e}"),
                    };
                    if is_fatal(&e) {
                        // Reading on cannot get past a row too long (or an I/O error).
                        return Err(fatal_error(&bad));
                    }
                    skip_or_fail(options, out, bad)?;
                    continue;
                }
            }
            let line = record.position().map(|p| p.line()).unwrap_or(line);
            if record.iter().all(|f| f.is_empty()) {
                continue;
            }
            match parse_row(&record, &idx, line) {
                Ok(row) => out.row(row),
                Err(bad) => skip_or_fail(options, out, bad)?,
            }
        }
        Ok(())
    }
}

fn parse_row(record: &csv::StringRecord, idx: &[usize; 7], line: u64) -> Result<Row, BadRow> {
    let field = |i: usize| -> Result<&str, BadRow> {
        let col = idx[i];
        match record.get(col) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(BadRow {
                part: None,
                line,
                column: col + 1,
                message: format!("column `{}` is empty", HEADER[i]),
            }),
        }
    };
    let bad = |i: usize, message: String| BadRow {
        part: None,
        line,
        column: idx[i] + 1,
        message: format!("column `{}`: {message}", HEADER[i]),
    };
    let platform = field(0)?.parse().map_err(|e| bad(0, e))?;
    let video = super::ids::normalize(platform, field(1)?).map_err(|e| bad(1, e))?;
    let account = if idx[2] == usize::MAX {
        None
    } else {
        record
            .get(idx[2])
            .filter(|a| !a.is_empty())
            .map(str::to_string)
    };
    let metric = field(3)?.parse().map_err(|e| bad(3, e))?;
    let kind: Kind = field(4)?.parse().map_err(|e| bad(4, e))?;
    let when = parse_when(kind, field(5)?).map_err(|m| bad(5, m))?;
    let raw = field(6)?;
    let value: i64 = raw
        .parse()
        .map_err(|_| bad(6, format!("`{raw}` is not a whole number of views")))?;
    if value < 0 {
        return Err(bad(6, format!("`{raw}` is negative; counts are 0 or more")));
    }
    Ok(Row {
        platform,
        video,
        alias: None,
        account,
        metric,
        kind,
        when,
        value,
        line,
        date_column: idx[5] + 1,
        part: None,
    })
}

/// The `at` cell: an RFC 3339 time for a `total` row; for a `daily` row a date, which is a day
/// of the campaign's time zone, or an RFC 3339 time, which is the end of the day (how `export`
/// writes a day whose platform counts days in another zone).
fn parse_when(kind: Kind, at: &str) -> Result<When, String> {
    Ok(match kind {
        Kind::Total => When::Instant(
            DateTime::parse_from_rfc3339(at)
                .map_err(|e| {
                    format!("`{at}` is not an RFC 3339 time ({e}); a `total` row needs e.g. 2020-07-27T10:00:00+02:00")
                })?
                .with_timezone(&Utc),
        ),
        Kind::Daily => match NaiveDate::parse_from_str(at, "%Y-%m-%d") {
            Ok(d) => When::CampaignDay(d),
            Err(e) => match DateTime::parse_from_rfc3339(at) {
                Ok(t) => When::DayEnding(t.with_timezone(&Utc)),
                Err(_) => {
                    return Err(format!(
                        "`{at}` is not a date ({e}); a `daily` row needs YYYY-MM-DD (a day of the campaign's time zone) or the day's end in RFC 3339"
                    ))
                }
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::{read_with, temp_file, VecSink};
    use crate::model::{Metric, Platform};

    fn run(text: &str, skip_bad_rows: bool) -> Result<VecSink, ParseError> {
        let dir = tempfile::tempdir().unwrap();
        let p = temp_file(&dir, "t.csv", text.as_bytes());
        read_with(
            &TidyCsv,
            &p,
            &ReadOptions {
                as_of: None,
                skip_bad_rows,
            },
        )
    }

    fn parse(text: &str) -> Result<VecSink, ParseError> {
        run(text, false)
    }

    #[test]
    fn reads_both_kinds() {
        let p = parse(
            "platform,video,account,metric,kind,at,value\n\
             youtube,abc,Conectart,views,total,2020-07-27T10:00:00+02:00,5100\n\
             linkedin,urn:li:ugcPost:1,,views,daily,2020-07-24,300\n",
        )
        .unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].platform, Platform::Youtube);
        assert_eq!(p.rows[0].account.as_deref(), Some("Conectart"));
        assert_eq!(p.rows[0].line, 2);
        assert_eq!(p.rows[1].metric, Metric::Views);
        assert_eq!(
            p.rows[1].when,
            When::CampaignDay(NaiveDate::from_ymd_opt(2020, 7, 24).unwrap())
        );
        assert_eq!(p.rows[1].account, None);
    }

    #[test]
    fn columns_in_any_order_account_optional() {
        let p = parse("value,at,kind,metric,video,platform\n7,2020-07-24,daily,views,x,facebook\n")
            .unwrap();
        assert_eq!(p.rows[0].value, 7);
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let cases = [
            (
                "youtube,a,,views,total,2020-07-27,5",
                6,
                "not an RFC 3339 time",
            ),
            ("youtube,a,,views,daily,27.7.2020,5", 6, "needs YYYY-MM-DD"),
            (
                "youtube,a,,views,total,2020-07-27T10:00:00Z,-5",
                7,
                "negative",
            ),
            (
                "youtube,a,,views,total,2020-07-27T10:00:00Z,5k",
                7,
                "not a whole number",
            ),
            (
                "myspace,a,,views,total,2020-07-27T10:00:00Z,5",
                1,
                "unknown platform",
            ),
            (
                "youtube,a,,plays,total,2020-07-27T10:00:00Z,5",
                4,
                "unknown metric",
            ),
            (
                "youtube,,,views,total,2020-07-27T10:00:00Z,5",
                2,
                "column `video` is empty",
            ),
        ];
        for (row, column, text) in cases {
            let input = format!("platform,video,account,metric,kind,at,value\nyoutube,ok,,views,daily,2020-07-24,1\n{row}\n");
            match parse(&input) {
                Err(ParseError::Row(b)) => {
                    assert_eq!((b.line, b.column), (3, column), "{row}: {b:?}");
                    assert!(b.message.contains(text), "{row}: {}", b.message);
                }
                other => panic!("{row}: expected a bad row, got {other:?}"),
            }
            let skipped = run(&input, true).unwrap();
            assert_eq!((skipped.rows.len(), skipped.bad.len()), (1, 1));
        }
    }

    #[test]
    fn sniffs_header_only() {
        let dir = tempfile::tempdir().unwrap();
        let sniff = |bytes: &[u8]| {
            TidyCsv.sniff(&ExportFile::open(&temp_file(&dir, "s.csv", bytes)).unwrap())
        };
        assert!(sniff(
            b"\xef\xbb\xbfplatform,video,account,metric,kind,at,value\n"
        ));
        assert!(!sniff(b"Date,Views\n"));
        // a BOM does not hide the first column from the reader either
        let p = parse("\u{feff}platform,video,account,metric,kind,at,value\nyoutube,a,,views,daily,2020-07-24,1\n")
            .unwrap();
        assert_eq!(p.rows.len(), 1);
        let e = parse("platform,video,metric,kind,value\n").unwrap_err();
        assert!(matches!(e, ParseError::Format(m) if m.contains("column `at` is missing")));
    }
}
