//! viewtally's own tidy CSV: `platform,video,account,metric,kind,at,value`.
//!
//! `at` is RFC 3339 for `total` rows and `YYYY-MM-DD` (a day in the campaign time zone) for
//! `daily` rows. Columns are found by name, in any order; `account` may be empty or absent.

use chrono::{DateTime, NaiveDate, Utc};

use super::{BadRow, Importer, ParseError, Parsed, Row, When};
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

    fn sniff(&self, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        let first = text
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let cols: Vec<&str> = first
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        HEADER
            .iter()
            .filter(|h| **h != "account")
            .all(|h| cols.contains(h))
    }

    fn parse(&self, bytes: &[u8], skip_bad_rows: bool) -> Result<Parsed, ParseError> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| ParseError::Format(format!("cannot read the header: {e}")))?
            .clone();
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
        let mut parsed = Parsed::default();
        let mut record = csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let bad = BadRow {
                        line,
                        column: 1,
                        message: format!("unreadable CSV: {e}"),
                    };
                    if skip_bad_rows {
                        parsed.bad.push(bad);
                        continue;
                    }
                    return Err(ParseError::Row(bad));
                }
            }
            let line = record.position().map(|p| p.line()).unwrap_or(line);
            if record.iter().all(|f| f.is_empty()) {
                continue;
            }
            match parse_row(&record, &idx, line) {
                Ok(row) => parsed.rows.push(row),
                Err(bad) if skip_bad_rows => parsed.bad.push(bad),
                Err(bad) => return Err(ParseError::Row(bad)),
            }
        }
        Ok(parsed)
    }
}

fn parse_row(record: &csv::StringRecord, idx: &[usize; 7], line: u64) -> Result<Row, BadRow> {
    let field = |i: usize| -> Result<&str, BadRow> {
        let col = idx[i];
        match record.get(col) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(BadRow {
                line,
                column: col + 1,
                message: format!("column `{}` is empty", HEADER[i]),
            }),
        }
    };
    let bad = |i: usize, message: String| BadRow {
        line,
        column: idx[i] + 1,
        message: format!("column `{}`: {message}", HEADER[i]),
    };
    let platform = field(0)?.parse().map_err(|e| bad(0, e))?;
    let video = field(1)?.to_string();
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
    let at = field(5)?;
    let when = match kind {
        Kind::Total => When::Instant(
            DateTime::parse_from_rfc3339(at)
                .map_err(|e| {
                    bad(
                        5,
                        format!("`{at}` is not an RFC 3339 time ({e}); a `total` row needs e.g. 2020-07-27T10:00:00+02:00"),
                    )
                })?
                .with_timezone(&Utc),
        ),
        Kind::Daily => When::Day(NaiveDate::parse_from_str(at, "%Y-%m-%d").map_err(|e| {
            bad(5, format!("`{at}` is not a date ({e}); a `daily` row needs YYYY-MM-DD"))
        })?),
    };
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
        account,
        metric,
        kind,
        when,
        value,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Metric, Platform};

    fn parse(text: &str) -> Result<Parsed, ParseError> {
        TidyCsv.parse(text.as_bytes(), false)
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
            When::Day(NaiveDate::from_ymd_opt(2020, 7, 24).unwrap())
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
            let skipped = TidyCsv.parse(input.as_bytes(), true).unwrap();
            assert_eq!((skipped.rows.len(), skipped.bad.len()), (1, 1));
        }
    }

    #[test]
    fn sniffs_header_only() {
        assert!(TidyCsv.sniff(b"\xef\xbb\xbfplatform,video,account,metric,kind,at,value\n"));
        assert!(!TidyCsv.sniff(b"Date,Views\n"));
        let e = parse("platform,video,metric,kind,value\n").unwrap_err();
        assert!(matches!(e, ParseError::Format(m) if m.contains("column `at` is missing")));
    }
}
