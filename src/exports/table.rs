//! Tables as the importers read them: CSV text streamed record by record (bounded memory), or
//! the cells of a spreadsheet. Both hand out [`Cell`]s that parse as counts, decimals or dates.

use std::borrow::Cow;
use std::cell::Cell as SharedCell;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::headers::Language;
use super::numbers::{self, Stamp};
use super::BadRow;

/// One cell of a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    DateTime(NaiveDateTime),
}

impl<'a> Cell<'a> {
    /// A text cell, trimmed; empty text is [`Cell::Empty`].
    pub fn text(s: &'a str) -> Cell<'a> {
        let t = s.trim();
        if t.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(t)
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The cell as text (numbers without a trailing `.0`).
    pub fn as_text(&self) -> Option<Cow<'a, str>> {
        match *self {
            Cell::Empty => None,
            Cell::Text(s) => Some(Cow::Borrowed(s)),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e17 => {
                Some(Cow::Owned(format!("{}", n as i64)))
            }
            Cell::Number(n) => Some(Cow::Owned(n.to_string())),
            Cell::DateTime(t) => Some(Cow::Owned(t.to_string())),
        }
    }

    /// A count (whole number ≥ 0); `None` for an empty cell.
    pub fn count(&self, decimal: Option<char>) -> Result<Option<i64>, String> {
        match *self {
            Cell::Empty => Ok(None),
            Cell::Text(s) => numbers::parse_count(s, decimal),
            Cell::Number(n) if n < 0.0 => Err(format!("`{n}` is negative; counts are 0 or more")),
            Cell::Number(n) if n.fract() != 0.0 => Err(format!("`{n}` is not a whole number")),
            Cell::Number(n) => Ok(Some(n as i64)),
            Cell::DateTime(t) => Err(format!("`{t}` is a date, not a count")),
        }
    }

    /// A decimal number (percent signs dropped); `None` for an empty cell.
    pub fn decimal(&self, decimal: Option<char>) -> Result<Option<f64>, String> {
        match *self {
            Cell::Empty => Ok(None),
            Cell::Text(s) => Ok(numbers::parse_number(s, decimal)?.map(|n| n.value)),
            Cell::Number(n) => Ok(Some(n)),
            Cell::DateTime(t) => Err(format!("`{t}` is a date, not a number")),
        }
    }

    /// A date or date-time; `None` for an empty cell.
    pub fn stamp(&self, lang: &Language) -> Result<Option<Stamp>, String> {
        match *self {
            Cell::Empty => Ok(None),
            Cell::Text(s) => numbers::parse_stamp(s, lang),
            Cell::DateTime(t) => Ok(Some(Stamp {
                date: t.date(),
                time: (t.time() != NaiveTime::MIN).then_some(t.time()),
            })),
            Cell::Number(n) => Err(format!("`{n}` is a number, not a date")),
        }
    }
}

/// An Excel serial date (days since 1899-12-30) as a date-time.
/// `None` when the number is not finite or lies outside the dates chrono can hold (a cell
/// holding `-1e300` must not panic).
pub fn excel_serial(days: f64) -> Option<NaiveDateTime> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let ms = (days * 86_400_000.0).round();
    // ±2^62 ms is far beyond chrono's years ±262143 and well inside i64 and TimeDelta.
    if !ms.is_finite() || ms.abs() > 4.6e18 {
        return None;
    }
    base.checked_add_signed(chrono::Duration::try_milliseconds(ms as i64)?)
}

/// The separator a `sep=;` first line declares (Excel's convention; Meta writes `sep=,` at the
/// top of its UTF-16 exports), or `None` when the file does not start with one.
pub fn sep_line(head: &[u8]) -> Option<u8> {
    let rest = head.strip_prefix(b"sep=")?;
    let d = *rest.first()?;
    matches!(rest.get(1), None | Some(b'\r' | b'\n')).then_some(d)
}

/// The field separator of a CSV, from its header line: the most frequent of `,` `;` and tab
/// outside quotes (`,` when none).
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let seps = [b',', b';', b'\t'];
    let (i, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
        .unwrap_or((0, &0));
    if *n == 0 {
        b','
    } else {
        seps[i]
    }
}

/// The header cells of a CSV's first line (for detection and messages).
pub fn header_of(head: &[u8]) -> Vec<String> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let (head, delimiter) = match sep_line(head) {
        Some(d) => {
            let rest = head
                .iter()
                .position(|&b| b == b'\n')
                .map_or(&head[head.len()..], |i| &head[i + 1..]);
            (rest, d)
        }
        None => (head, sniff_delimiter(head)),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Where a text file ends, as a CSV reader sees it: fed the file's bytes in order, it says
/// whether the last row is complete (the file ends with a line break, outside quotes) and if
/// not, the physical line the unfinished row starts on. Quotes open a quoted field only at the
/// start of a field, as the CSV reader has it (`12" screen` is text, not an open quote).
#[derive(Debug, Clone)]
pub struct RowEnds {
    delimiter: Option<u8>,
    state: QuoteState,
    line: u64,
    row_start: u64,
    last: Option<u8>,
    started: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl Default for RowEnds {
    fn default() -> Self {
        RowEnds {
            delimiter: None,
            state: QuoteState::FieldStart,
            line: 1,
            row_start: 1,
            last: None,
            started: false,
        }
    }
}

impl RowEnds {
    /// The next bytes of the file (the first call must hold the header line, to find the
    /// field separator).
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut bytes = bytes;
        if !self.started {
            self.started = true;
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
            self.delimiter = Some(sniff_delimiter(bytes));
        }
        let delimiter = self.delimiter.unwrap_or(b',');
        use QuoteState as S;
        for &b in bytes {
            if b == b'\n' {
                self.line += 1;
            }
            self.state = match (self.state, b) {
                (S::Quoted, b'"') => S::QuoteInQuoted,
                (S::Quoted, _) => S::Quoted,
                (S::QuoteInQuoted, b'"') => S::Quoted,
                (S::FieldStart, b'"') => S::Quoted,
                (_, b'\n') | (_, b'\r') => {
                    self.row_start = self.line;
                    S::FieldStart
                }
                (_, d) if d == delimiter => S::FieldStart,
                _ => S::Unquoted,
            };
        }
        if let Some(&b) = bytes.last() {
            self.last = Some(b);
        }
    }

    /// The line the unfinished last row starts on, or `None` when the file ends after a
    /// complete row (or is empty).
    pub fn unfinished(&self) -> Option<u64> {
        let ends_with_break = matches!(self.last, None | Some(b'\n') | Some(b'\r'));
        (self.state == QuoteState::Quoted || !ends_with_break).then_some(self.row_start)
    }
}

/// The message for a text file that ends inside a row.
pub fn ends_mid_row(line: u64) -> String {
    format!(
        "the file ends in the middle of line {line} (incomplete download?); nothing from this \
         file was stored: download or export it again (if the file is complete, or you edited \
         it, end its last line with a line break and close every quote)"
    )
}

/// The longest CSV record read, in bytes. A platform's rows are a few hundred bytes (a Facebook
/// post's description at most ~250 KB); without a bound, one 1 GB line (or a quote opened and
/// never closed) would be held in memory whole.
pub const MAX_RECORD_BYTES: u64 = 1024 * 1024;

/// Where a CSV reader may read up to: the byte offset of the current record's start plus
/// [`MAX_RECORD_BYTES`], moved on after each record by the reader's owner.
#[derive(Debug, Clone)]
pub struct RecordLimit(Rc<SharedCell<u64>>);

impl Default for RecordLimit {
    fn default() -> Self {
        RecordLimit(Rc::new(SharedCell::new(MAX_RECORD_BYTES)))
    }
}

impl RecordLimit {
    /// A record ended at byte `at`: the next one may run to `at + MAX_RECORD_BYTES`.
    pub fn record_ended_at(&self, at: u64) {
        self.0.set(at.saturating_add(MAX_RECORD_BYTES));
    }

    /// `input`, failing with [`record_too_long`] once it reads past the limit.
    pub fn wrap<R: Read>(&self, input: R) -> LimitedInput<R> {
        LimitedInput {
            inner: input,
            read: 0,
            limit: self.clone(),
        }
    }
}

/// Whether a CSV error is [`LimitedInput`]'s: the record is too long (or the input failed),
/// and reading on cannot skip past it.
pub fn is_fatal(e: &csv::Error) -> bool {
    matches!(e.kind(), csv::ErrorKind::Io(_))
}

/// The message for a record longer than [`MAX_RECORD_BYTES`].
pub fn record_too_long() -> String {
    format!(
        "a row longer than {} MiB (a line without its line break, or a quote that is never \
         closed); no platform writes such rows: check that this is the file the platform exported",
        MAX_RECORD_BYTES / (1024 * 1024)
    )
}

/// The error for a row reading cannot get past: the file is refused whole (`--skip-bad-rows`
/// cannot skip it), with the line (and ZIP entry) named.
pub fn fatal_error(bad: &BadRow) -> super::ParseError {
    super::ParseError::At(BadRow {
        message: format!("{}; nothing from this file was stored", bad.message),
        ..bad.clone()
    })
}

/// A reader that stops with an error at its [`RecordLimit`].
pub struct LimitedInput<R> {
    inner: R,
    read: u64,
    limit: RecordLimit,
}

impl<R: Read> Read for LimitedInput<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let room = self.limit.0.get().saturating_sub(self.read);
        if room == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                record_too_long(),
            ));
        }
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..take])?;
        self.read += n as u64;
        Ok(n)
    }
}

/// A CSV being read record by record.
pub struct CsvTable<R: Read> {
    reader: csv::Reader<LimitedInput<BufReader<R>>>,
    limit: RecordLimit,
    /// An error reading on cannot get past (a record too long, an I/O error).
    fatal: bool,
    pub headers: Vec<String>,
    /// The decimal separator the file's field separator implies (`.` for `,`, `,` for `;`).
    pub decimal: Option<char>,
    record: csv::StringRecord,
    line: u64,
}

impl<R: Read> CsvTable<R> {
    /// Start reading: skip a byte-order mark, find the field separator, read the header.
    pub fn open(input: R) -> Result<CsvTable<R>, String> {
        let mut buf = BufReader::with_capacity(64 * 1024, input);
        let head = buf.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
        if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
            return Err(
                "the file is UTF-16 text; save it as CSV UTF-8 (or export it again from the platform)"
                    .into(),
            );
        }
        let bom = head.starts_with(b"\xef\xbb\xbf");
        let text = if bom { &head[3..] } else { head };
        let declared = sep_line(text);
        let delimiter = declared.unwrap_or_else(|| sniff_delimiter(text));
        if bom {
            buf.consume(3);
        }
        let limit = RecordLimit::default();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            // With a `sep=` line first, the header is the second record (read below), so that
            // line numbers stay the file's own.
            .has_headers(declared.is_none())
            .flexible(true)
            // Rows end at `\n` only, so a `\r\n` file's rows keep the physical line they start
            // on (with `\r` as a terminator too, the `\n` is read with the next row and every
            // line number is one too small); the `\r` left at a row's end is trimmed.
            .terminator(csv::Terminator::Any(b'\n'))
            .trim(csv::Trim::All)
            .from_reader(limit.wrap(buf));
        let header_record = if declared.is_some() {
            let mut skip = csv::StringRecord::new();
            let mut header = csv::StringRecord::new();
            reader
                .read_record(&mut skip)
                .and_then(|_| reader.read_record(&mut header))
                .map(|_| {
                    reader.set_headers(header.clone());
                    header
                })
        } else {
            reader.headers().cloned()
        };
        let headers = match header_record {
            Ok(h) => h.iter().map(str::to_string).collect(),
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                return Err(
                    "the file is not UTF-8 text (a spreadsheet may have saved it as Windows-1250 or Latin-1); \
                     import the file as the platform exported it, or save it as CSV UTF-8"
                        .into(),
                )
            }
            Err(e) => return Err(format!("cannot read the header: {e}")),
        };
        limit.record_ended_at(reader.position().byte());
        Ok(CsvTable {
            reader,
            limit,
            fatal: false,
            headers,
            decimal: match delimiter {
                b',' => Some('.'),
                b';' => Some(','),
                _ => None,
            },
            record: csv::StringRecord::new(),
            line: 1,
        })
    }

    /// Read the next record that is not blank; its 1-based line, or `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<u64>, BadRow> {
        loop {
            let before = self.reader.position().line();
            if self.fatal {
                return Ok(None);
            }
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => self.limit.record_ended_at(self.reader.position().byte()),
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(before);
                    self.fatal = is_fatal(&e);
                    let message = match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => "this line is not UTF-8 text".to_string(),
                        _ => format!("unreadable CSV: {e}"),
                    };
                    self.line = line;
                    return Err(BadRow {
                        part: None,
                        line,
                        column: 1,
                        message,
                    });
                }
            }
            self.line = self.record.position().map(|p| p.line()).unwrap_or(before);
            if self.record.iter().all(str::is_empty) {
                continue;
            }
            return Ok(Some(self.line));
        }
    }

    /// Skip a bad row with `--skip-bad-rows`, else fail with it; always fail when reading on
    /// cannot get past it (a row longer than [`MAX_RECORD_BYTES`]).
    pub fn skip_or_fail(
        &self,
        options: &super::ReadOptions,
        out: &mut dyn super::RowSink,
        bad: BadRow,
    ) -> Result<(), super::ParseError> {
        if self.fatal {
            return Err(fatal_error(&bad));
        }
        super::skip_or_fail(options, out, bad)
    }

    /// A cell of the current record.
    pub fn cell(&self, column: usize) -> Cell<'_> {
        self.record
            .get(column)
            .map(Cell::text)
            .unwrap_or(Cell::Empty)
    }

    /// The current line.
    pub fn line(&self) -> u64 {
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sep_line_declares_the_separator_and_keeps_line_numbers() {
        assert_eq!(sep_line(b"sep=;\r\nA;B\n"), Some(b';'));
        assert_eq!(sep_line(b"sep=,"), Some(b','));
        assert_eq!(sep_line(b"sep=,x\n"), None);
        assert_eq!(sep_line(b"Date,Views\n"), None);
        assert_eq!(header_of(b"sep=;\nDate;Views\n"), vec!["Date", "Views"]);
        let mut t =
            CsvTable::open(&b"\xef\xbb\xbfsep=;\r\nDate;Views\r\n2020-07-24;1,5\r\n"[..]).unwrap();
        assert_eq!(t.headers, vec!["Date", "Views"]);
        assert_eq!(t.decimal, Some(','));
        assert_eq!(t.next_record().unwrap(), Some(3));
        assert_eq!(t.cell(1).as_text().as_deref(), Some("1,5"));
    }

    #[test]
    fn a_record_longer_than_the_limit_ends_the_file() {
        let sink_options = crate::exports::ReadOptions {
            as_of: None,
            skip_bad_rows: true,
        };
        let mut sink = crate::exports::VecSink::default();
        // A long line, then a quote never closed over many short lines.
        let long = "x".repeat(MAX_RECORD_BYTES as usize + 10);
        let quoted = format!("1,\"{}", "a,b\n".repeat(MAX_RECORD_BYTES as usize / 4 + 10));
        for body in [long, quoted] {
            let input = format!("a,b\n1,2\n{body}\n3,4\n");
            let mut t = CsvTable::open(input.as_bytes()).unwrap();
            assert_eq!(t.next_record().unwrap(), Some(2));
            let bad = t.next_record().unwrap_err();
            assert_eq!(bad.line, 3);
            assert!(bad.message.contains("longer than 1 MiB"), "{}", bad.message);
            // --skip-bad-rows cannot skip it: the file is refused, naming the line.
            match t.skip_or_fail(&sink_options, &mut sink, bad) {
                Err(crate::exports::ParseError::At(b)) => {
                    assert_eq!(b.line, 3);
                    assert!(
                        b.message.starts_with("unreadable CSV: a row longer"),
                        "{}",
                        b.message
                    )
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(t.next_record().unwrap(), None);
        }
        assert!(sink.bad.is_empty());
        // Rows up to the limit are read, however many there are.
        let row = format!("{},1\n", "y".repeat(MAX_RECORD_BYTES as usize - 100));
        let input = format!("a,b\n{}", row.repeat(3));
        let mut t = CsvTable::open(input.as_bytes()).unwrap();
        for line in 2..5 {
            assert_eq!(t.next_record().unwrap(), Some(line));
        }
        assert_eq!(t.next_record().unwrap(), None);
    }

    #[test]
    fn delimiters_and_bom() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2"), b',');
        assert_eq!(sniff_delimiter(b"\"x,y\";b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"single"), b',');
        assert_eq!(
            header_of(b"\xef\xbb\xbfDatum;Obsah;\"Zhl\xc3\xa9dnut\xc3\xad\"\n1;2;3"),
            vec!["Datum", "Obsah", "Zhlédnutí"]
        );
    }

    #[test]
    fn records_stream_with_lines_and_blanks_skipped() {
        let text = "\u{feff}Date;Views\n2020-07-24;1 234\n\n;\n2020-07-25;\"5,5\"\n";
        let mut t = CsvTable::open(text.as_bytes()).unwrap();
        assert_eq!(t.headers, vec!["Date", "Views"]);
        assert_eq!(t.decimal, Some(','));
        assert_eq!(t.next_record().unwrap(), Some(2));
        assert_eq!(t.cell(1).count(t.decimal).unwrap(), Some(1234));
        assert_eq!(t.cell(7), Cell::Empty);
        assert_eq!(t.next_record().unwrap(), Some(5));
        assert_eq!(t.cell(1).decimal(t.decimal).unwrap(), Some(5.5));
        assert_eq!(t.next_record().unwrap(), None);
    }

    #[test]
    fn utf16_and_latin1_are_named() {
        let e = CsvTable::open(&b"\xff\xfeD\x00a\x00"[..]).err().unwrap();
        assert!(e.contains("UTF-16"), "{e}");
        let e = CsvTable::open(&b"Zhl\xe9dnut\xed,x\n1,2\n"[..])
            .err()
            .unwrap();
        assert!(e.contains("not UTF-8"), "{e}");
    }

    #[test]
    fn cells_parse() {
        assert_eq!(Cell::Number(5.0).count(None).unwrap(), Some(5));
        assert!(Cell::Number(5.5).count(None).is_err());
        assert_eq!(
            Cell::Number(3112749605483751.0).as_text().unwrap(),
            "3112749605483751"
        );
        let t = excel_serial(44_105.5).unwrap();
        assert_eq!(t.to_string(), "2020-10-01 12:00:00");
        assert_eq!(Cell::text("  "), Cell::Empty);
    }

    /// Found by `it::robustness`: a date cell holding a huge number panicked in chrono
    /// ("TimeDelta::milliseconds out of bounds").
    #[test]
    fn excel_serials_out_of_range_are_none() {
        for days in [
            -1e300,
            1e300,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NAN,
            -2.0e14,
        ] {
            assert_eq!(excel_serial(days), None, "{days}");
        }
    }
}
