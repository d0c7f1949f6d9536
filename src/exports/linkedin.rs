//! LinkedIn page analytics "Content" export (`.xls` or `.xlsx`, read with calamine): a notice
//! in row 1, the header in row 2.
//!
//! - Sheet `All posts` (one row per post: `Post title`, `Post link` with the URN inside,
//!   `Post type`, `Created date`, `Impressions`, `Views (excluding off-site video views)`,
//!   `Off-site views`, `Clicks`, `Likes`, `Comments`, `Reposts` …; older files say `Update …`)
//!   → `total` readings as of the export: `--as-of`, else the export time LinkedIn writes into
//!   the file name (`company_content_1601503200000.xls`, milliseconds since 1970), else the
//!   file is refused with a message saying so. Views are on-site plus off-site views.
//! - Sheet `Metrics` (one row per day) holds the page's daily totals over all its posts. They
//!   are stored as the post's `daily` values only when the workbook lists exactly one post;
//!   otherwise they cannot be attributed and are skipped with a note.
//!
//! Sheets are found by their header rows (any language [`super::headers`] knows), not by
//! their names. A workbook is loaded whole; LinkedIn's are small (one row per post or day).

use std::io::Read;

use calamine::{Data, Range, Reader, Sheets, Xls, Xlsx};
use chrono::{NaiveDate, NaiveTime};

use super::headers::{Field, Matched, LI_METRICS, LI_POSTS};
use super::ids;
use super::numbers::epoch_ms_in;
use super::table::{excel_serial, Cell};
use super::{
    metric_value, skip_or_fail, BadRow, Container, ExportFile, Importer, ParseError, ReadOptions,
    Row, RowSink, When,
};
use crate::model::{Kind, Metric, Platform};

pub struct LinkedInPage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SheetKind {
    Posts,
    Metrics,
}

type Workbook<'a> = Sheets<Box<dyn super::ReadSeek + 'a>>;

fn open(file: &ExportFile) -> Result<Workbook<'_>, ParseError> {
    let reader = file.reader()?;
    let fail = |e: &dyn std::fmt::Display| {
        ParseError::Format(format!("cannot read the Excel workbook: {e}"))
    };
    match file.container {
        Container::Xlsx => {
            check_xlsx_refs(file)?;
            Ok(Sheets::Xlsx(
                guarded(|| Xlsx::new(reader))
                    .map_err(|p| fail(&p))?
                    .map_err(|e| fail(&e))?,
            ))
        }
        Container::Xls => {
            check_xls(file)?;
            Ok(Sheets::Xls(
                guarded(|| Xls::new(reader))
                    .map_err(|p| fail(&p))?
                    .map_err(|e| fail(&e))?,
            ))
        }
        _ => Err(ParseError::Format(
            "a LinkedIn page-analytics export is an .xls or .xlsx workbook; this is neither".into(),
        )),
    }
}

thread_local! {
    /// Whether this thread is inside [`guarded`] (its panics are caught, not printed).
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run calamine, turning a panic inside it into an error. calamine 0.35's `.xls` reader
/// indexes records without checking their length in many places (the `linkedin_xls` fuzz
/// target found one in the shared strings after the ones [`check_biff`] refuses); the checks
/// above keep out what would abort (huge allocations) and this catches what is left. The
/// panic message is kept out of the user's terminal: the error says the workbook is damaged.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(|g| g.get()) {
                previous(info);
            }
        }));
    });
    GUARDED.with(|g| g.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(false));
    result.map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::debug!(panic = %what, "calamine panicked on a damaged workbook");
        "the workbook is damaged (its records do not hold what they say); download the export \
         from LinkedIn again"
            .to_string()
    })
}

/// The largest `.xls` read (calamine holds the whole file in memory; LinkedIn's are ~100 KB).
const MAX_XLS_BYTES: u64 = 64 * 1024 * 1024;

/// Refuse an `.xls` whose compound-file structure calamine would loop on, over-allocate for or
/// panic on (a sector chain with a cycle, a sector number past the allocation table, a
/// truncated sector): found by `it::robustness`, whose mutated `.xls` made calamine 0.35 try to
/// allocate 4 GiB.
fn check_xls(file: &ExportFile) -> Result<(), ParseError> {
    if file.len > MAX_XLS_BYTES {
        return Err(ParseError::Format(format!(
            "the .xls workbook is {} MiB; a LinkedIn export is far smaller (at most {} MiB is \
             read): export the period again, or save it as .xlsx",
            file.len / (1024 * 1024),
            MAX_XLS_BYTES / (1024 * 1024)
        )));
    }
    let mut bytes = Vec::new();
    file.reader()?
        .read_to_end(&mut bytes)
        .map_err(|e| ParseError::Format(format!("cannot read: {e}")))?;
    check_cfb(&bytes).map_err(|m| {
        ParseError::Format(format!(
            "the .xls workbook is damaged or incomplete ({m}); nothing from this file was \
             stored: download the export from LinkedIn again"
        ))
    })
}

/// Why an `.xls` file cannot be read as a workbook at all (cut short, damaged, too large), or
/// `None` when its structure is sound.
pub fn damage(file: &ExportFile) -> Option<String> {
    match check_xls(file) {
        Err(ParseError::Format(m)) => Some(m),
        _ => None,
    }
}

/// The most bytes the entries of an `.xlsx` may unpack to (LinkedIn's unpack to ~50 KB).
/// calamine holds the shared strings and a sheet's cells in memory, so a small ZIP that unpacks
/// to gigabytes (a ZIP bomb, or a sheet of a million rows) is refused before it reads them.
const MAX_XLSX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;

/// Refuse an `.xlsx` that unpacks to more than [`MAX_XLSX_UNPACKED_BYTES`] (counted while
/// unpacking, not taken from the sizes the ZIP claims), or whose sheets hold a cell reference
/// calamine 0.35 cannot parse without
/// overflowing (`r="AAAAAAAAA1"` panics in a debug build, wraps in a release one): found by
/// `it::robustness`. Every `r`/`ref` attribute of `<c>`, `<row>`, `<dimension>` and
/// `<mergeCell>` must be an A1 reference (at most 3 letters and 7 digits, or a range of two).
fn check_xlsx_refs(file: &ExportFile) -> Result<(), ParseError> {
    let damaged = |m: String| {
        ParseError::Format(format!(
            "the .xlsx workbook is damaged ({m}); download the export from LinkedIn again"
        ))
    };
    let mut zip = zip::ZipArchive::new(file.reader()?).map_err(|e| damaged(e.to_string()))?;
    let mut unpacked = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| damaged(e.to_string()))?;
        let name = entry.name().to_string();
        let is_sheet = name.starts_with("xl/worksheets/");
        let mut tag: Vec<u8> = Vec::new();
        let mut in_tag = false;
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| damaged(format!("{name}: {e}")))?;
            if n == 0 {
                break;
            }
            unpacked += n as u64;
            if unpacked > MAX_XLSX_UNPACKED_BYTES {
                return Err(ParseError::Format(format!(
                    "the .xlsx workbook unpacks to more than {} MiB (at `{name}`); a LinkedIn \
                     export unpacks to well under 1 MiB: export the period again from LinkedIn, \
                     or delete what was added to the workbook",
                    MAX_XLSX_UNPACKED_BYTES / (1024 * 1024)
                )));
            }
            if !is_sheet {
                continue;
            }
            for &b in &buf[..n] {
                match b {
                    b'<' => {
                        in_tag = true;
                        tag.clear();
                    }
                    b'>' if in_tag => {
                        in_tag = false;
                        check_tag(&tag).map_err(|m| damaged(format!("{name}: {m}")))?;
                    }
                    _ if in_tag && tag.len() < 4096 => tag.push(b),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// The `r`/`ref` attributes of one sheet XML tag (without `<` `>`), see [`check_xlsx_refs`].
fn check_tag(tag: &[u8]) -> Result<(), String> {
    let name_end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(tag.len());
    let name = &tag[..name_end];
    let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    if !matches!(local, b"c" | b"row" | b"dimension" | b"mergeCell") {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&tag[name_end..]);
    for attr in [" r=\"", " ref=\"", "\tr=\"", "\nr=\""] {
        let mut rest: &str = &text;
        while let Some(at) = rest.find(attr) {
            let value_start = at + attr.len();
            let value = rest[value_start..].split('"').next().unwrap_or("");
            let ok = value.split(':').count() <= 2
                && value.split(':').all(|part| {
                    let part = part.replace('$', "");
                    let letters = part.chars().take_while(char::is_ascii_alphabetic).count();
                    let digits = &part[letters..];
                    letters <= 3 && digits.len() <= 7 && digits.chars().all(|c| c.is_ascii_digit())
                });
            if !ok {
                let shown: String = value.chars().take(40).collect();
                return Err(format!("cell reference `{shown}` is not an A1 reference"));
            }
            rest = &rest[value_start..];
        }
    }
    Ok(())
}

/// Sector numbers at or above this are markers (end of chain, free, FAT or DIFAT sector).
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Every `next` of an allocation table points inside it (or is a marker), and no chain loops.
fn check_table(table: &[u32], what: &str) -> Result<(), String> {
    let n = table.len();
    if let Some(bad) = table
        .iter()
        .find(|&&x| x < RESERVED_SECTORS && x as usize >= n)
    {
        return Err(format!("{what} points to sector {bad} of {n}"));
    }
    // 0 = not seen, 1 = on the walk now, 2 = known to end.
    let mut state = vec![0u8; n];
    for start in 0..n {
        let mut at = start;
        let mut walk = Vec::new();
        while at < n && state[at] == 0 {
            state[at] = 1;
            walk.push(at);
            at = table[at] as usize;
        }
        if at < n && state[at] == 1 {
            return Err(format!("{what} has a chain that loops at sector {at}"));
        }
        for w in walk {
            state[w] = 2;
        }
    }
    Ok(())
}

/// Validate an OLE compound file the way calamine 0.35 reads it (see [`check_xls`]).
fn check_cfb(b: &[u8]) -> Result<(), String> {
    let short = || "the file is cut short".to_string();
    if b.len() < 512 || !b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(short());
    }
    let size: usize = match u16::from_le_bytes([b[30], b[31]]) {
        9 => 512,
        12 => 4096,
        s => return Err(format!("sector shift {s}")),
    };
    // Whole sectors after the header.
    let sectors = (b.len() / size).saturating_sub(1);
    let sector = |id: u32| -> Result<&[u8], String> {
        let id = id as usize;
        if id >= sectors {
            return Err(format!("sector {id} is past the end ({sectors} sectors)"));
        }
        Ok(&b[(id + 1) * size..(id + 2) * size])
    };
    // calamine reserves this many DIFAT entries up front (from bytes 62..66).
    if u32_at(b, 62) > 1 << 26 {
        return Err("the header's DIFAT size is out of range".into());
    }
    let mut difat: Vec<u32> = u32s(&b[76..512]).collect();
    let mut id = u32_at(b, 68);
    let mut steps = 0;
    while id < RESERVED_SECTORS {
        difat.extend(u32s(sector(id)?));
        id = difat.pop().unwrap_or(ENDOFCHAIN);
        steps += 1;
        if steps > sectors {
            return Err("the DIFAT chain loops".into());
        }
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        fat.extend(u32s(sector(id)?));
    }
    check_table(&fat, "the FAT")?;
    // A chain of whole sectors, each inside the FAT (so calamine's `fats[id]` cannot panic).
    let chain = |start: u32, len: usize| -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut id = start;
        while id != ENDOFCHAIN && out.len() < len {
            if id as usize >= fat.len() {
                return Err(format!("a chain points to sector {id}"));
            }
            out.extend_from_slice(sector(id)?);
            id = fat[id as usize];
        }
        out.truncate(len);
        Ok(out)
    };
    let dirs = chain(u32_at(b, 48), usize::MAX)?;
    let dir = |i: usize| {
        let d = &dirs[i * 128..(i + 1) * 128];
        let len = if size == 512 {
            u64::from(u32_at(d, 120))
        } else {
            u64::from(u32_at(d, 120)) | (u64::from(u32_at(d, 124)) << 32)
        };
        (u32_at(d, 116), usize::try_from(len).unwrap_or(usize::MAX))
    };
    if dirs.len() < 128 {
        return Err("no root directory".into());
    }
    let mini_fat_len = u32_at(b, 64) as usize;
    let mut mini_fat = Vec::new();
    let mut mini_stream = Vec::new();
    if mini_fat_len > 0 {
        let (root_start, root_len) = dir(0);
        mini_stream = chain(root_start, root_len)?;
        mini_fat = u32s(&chain(u32_at(b, 60), mini_fat_len.saturating_mul(size))?).collect();
        check_table(&mini_fat, "the mini FAT")?;
    }
    check_streams(&dirs, &dir, &chain, &mini_stream, &mini_fat, b.len())
}

/// Check the compound file's streams (see [`check_cfb`]): each one's start, and the workbook
/// stream's BIFF records. `dir(i)` is directory entry `i`'s (start, length); `chain` reads a
/// chain of whole sectors; a mini stream sector is 64 bytes.
fn check_streams(
    dirs: &[u8],
    dir: &impl Fn(usize) -> (u32, usize),
    chain: &impl Fn(u32, usize) -> Result<Vec<u8>, String>,
    mini_stream: &[u8],
    mini_fat: &[u32],
    file_len: usize,
) -> Result<(), String> {
    let mini_sectors = mini_stream.len() / 64;
    for i in 0..dirs.len() / 128 {
        let (start, len) = dir(i);
        if len == 0 || start >= RESERVED_SECTORS {
            continue;
        }
        if len < 4096 {
            if start as usize >= mini_fat.len() || start as usize >= mini_sectors {
                return Err(format!("stream {i} starts at mini sector {start}"));
            }
        } else {
            chain(start, len.min(file_len))?;
        }
    }
    // The workbook stream, which calamine parses whole when it opens the file.
    for i in 0..dirs.len() / 128 {
        let d = &dirs[i * 128..(i + 1) * 128];
        let name_len = usize::from(u16::from_le_bytes([d[64], d[65]])).min(64);
        let name: String = char::decode_utf16(
            d[..name_len]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|c| *c != 0),
        )
        .map(|c| c.unwrap_or('\u{fffd}'))
        .collect();
        if !(name.eq_ignore_ascii_case("Workbook") || name.eq_ignore_ascii_case("Book")) {
            continue;
        }
        let (start, len) = dir(i);
        if len == 0 || start >= RESERVED_SECTORS {
            continue;
        }
        let stream = if len < 4096 {
            let mut out = Vec::new();
            let mut id = start as usize;
            while out.len() < len && id < mini_sectors && id < mini_fat.len() {
                out.extend_from_slice(&mini_stream[id * 64..(id + 1) * 64]);
                id = mini_fat[id] as usize;
            }
            out.truncate(len);
            out
        } else {
            chain(start, len.min(file_len))?
        };
        check_biff(&stream)?;
    }
    Ok(())
}

/// Check the BIFF records of a workbook stream that calamine 0.35 reads without checking
/// (found by the `linkedin_xls` fuzz target): a `MulRk` whose last column is before its
/// first (a subtraction that overflows), a `BoundSheet8` pointing past the stream (a slice
/// out of range), records too short for the number read from them, and cells spread over
/// more than [`MAX_SHEET_CELLS`]
/// (calamine allocates the rectangle they span when it opens the file: one cell at A1 and one
/// at row 65 536 asked for 58 GB), counted from the cell records and the `Dimensions` record.
/// Records are read from the stream's start and from every sheet's offset up to its `EOF`
/// record, as calamine reads them.
fn check_biff(stream: &[u8]) -> Result<(), String> {
    let mut starts = vec![0usize];
    let mut scanned = std::collections::HashSet::new();
    while let Some(start) = starts.pop() {
        if !scanned.insert(start) {
            continue;
        }
        let mut rest = stream.get(start..).unwrap_or_default();
        // The rows and columns the sheet's cells span: (first, last) of each.
        let mut span: Option<((u64, u64), (u64, u64))> = None;
        let mut cell_at = |row: u64, first_col: u64, last_col: u64| {
            let ((r0, r1), (c0, c1)) = span.unwrap_or(((row, row), (first_col, last_col)));
            span = Some((
                (r0.min(row), r1.max(row)),
                (c0.min(first_col), c1.max(last_col)),
            ));
        };
        while rest.len() >= 4 {
            let typ = u16::from_le_bytes([rest[0], rest[1]]);
            let len = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
            let Some(data) = rest.get(4..4 + len) else {
                break;
            };
            rest = &rest[4 + len..];
            let u16_at = |at: usize| u64::from(u16::from_le_bytes([data[at], data[at + 1]]));
            match typ {
                // EOF: the end of the globals or of a sheet.
                0x000A => break,
                // Number, Label, BoolErr, Rk, LabelSst, Formula: a cell at (row, column).
                0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00FD | 0x0006 if data.len() >= 4 => {
                    cell_at(u16_at(0), u16_at(2), u16_at(2));
                }
                // BoundSheet8: where a sheet's records start (calamine slices the stream
                // there and reads the flags after it unchecked).
                0x0085 => {
                    let at = u32_at(data, 0) as usize;
                    if data.len() < 8 || at > stream.len() {
                        return Err(format!(
                            "a sheet is said to start at byte {at} of a {}-byte workbook stream",
                            stream.len()
                        ));
                    }
                    starts.push(at);
                }
                // FilePass, CodePage, DateMode: calamine reads a number from them unchecked.
                0x002F | 0x0042 | 0x0022 if data.len() < 2 => {
                    return Err(format!("record {typ:#06x} is cut short"));
                }
                // MulRk: row, first column, RK values, last column.
                0x00BD if data.len() >= 6 => {
                    let first = u16::from_le_bytes([data[2], data[3]]);
                    let last = u16::from_le_bytes([data[len - 2], data[len - 1]]);
                    if last < first {
                        return Err(format!(
                            "a MulRk record's columns run from {first} back to {last}"
                        ));
                    }
                    cell_at(u16_at(0), u64::from(first), u64::from(last));
                }
                // Dimensions: first row, last row + 1, first column, last column + 1.
                0x0200 => check_dimensions(data)?,
                _ => {}
            }
        }
        if let Some(span) = span {
            check_span(span)?;
        }
    }
    Ok(())
}

/// A `Dimensions` record: the rectangle it gives must start before it ends and hold at most
/// [`MAX_SHEET_CELLS`] (a record of another length is not read).
fn check_dimensions(data: &[u8]) -> Result<(), String> {
    let (rf, rl, mut cf, cl) = match data.len() {
        10 => (
            u64::from(u16::from_le_bytes([data[0], data[1]])),
            u64::from(u16::from_le_bytes([data[2], data[3]])),
            u64::from(u16::from_le_bytes([data[4], data[5]])),
            u64::from(u16::from_le_bytes([data[6], data[7]])),
        ),
        14 => (
            u64::from(u32_at(data, 0)),
            u64::from(u32_at(data, 4)),
            u64::from(u16::from_le_bytes([data[8], data[9]])),
            u64::from(u16::from_le_bytes([data[10], data[11]])),
        ),
        _ => return Ok(()),
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    if rl >= 1 && cl >= 1 {
        if rf > rl - 1 || cf > cl - 1 {
            return Err("a sheet's dimensions end before they start".into());
        }
        let cells = (rl - rf) * (cl - cf);
        if cells > MAX_SHEET_CELLS {
            return Err(format!("a sheet's dimensions span {cells} cells"));
        }
    }
    Ok(())
}

/// The rows and columns a sheet's cells span, (first, last) of each, must hold at most
/// [`MAX_SHEET_CELLS`].
fn check_span(((r0, r1), (c0, c1)): ((u64, u64), (u64, u64))) -> Result<(), String> {
    let cells = (r1 - r0 + 1) * (c1 - c0 + 1);
    if cells > MAX_SHEET_CELLS {
        return Err(format!(
            "a sheet's cells span rows {}–{} and columns {}–{} ({cells} cells)",
            r0 + 1,
            r1 + 1,
            c0 + 1,
            c1 + 1
        ));
    }
    Ok(())
}

/// A calamine cell as a [`Cell`].
fn cell(d: &Data) -> Cell<'_> {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Text(if *b { "true" } else { "false" }),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(y.into(), mo.into(), d.into())
                .and_then(|date| {
                    NaiveTime::from_hms_milli_opt(h.into(), mi.into(), s.into(), ms.into())
                        .map(|t| date.and_time(t))
                })
                .or_else(|| excel_serial(dt.as_f64()))
                .map(Cell::DateTime)
                .unwrap_or(Cell::Empty)
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
    }
}

fn texts(row: &[Data]) -> Vec<String> {
    row.iter()
        .map(|d| {
            cell(d)
                .as_text()
                .map(|s| s.into_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// The header row of a sheet (within its first six rows) and what kind of sheet it heads.
fn header_row(range: &Range<Data>) -> Option<(usize, SheetKind, Matched)> {
    for (i, row) in range.rows().take(6).enumerate() {
        let headers = texts(row);
        for (layout, kind) in [
            (&LI_POSTS, SheetKind::Posts),
            (&LI_METRICS, SheetKind::Metrics),
        ] {
            let fit = layout.fit(&headers);
            if fit.ok() {
                return Some((i, kind, fit.matched));
            }
        }
    }
    None
}

/// The most cells a sheet's used area may span (a LinkedIn sheet has a few thousand).
const MAX_SHEET_CELLS: u64 = 4_000_000;

/// A sheet as a range, refusing (with a warning naming the sheet) one whose cells span more
/// than [`MAX_SHEET_CELLS`]: calamine allocates the whole rectangle, so one cell typed into
/// `XFD1048576` of an `.xlsx` would ask for 512 GiB (found by `it::robustness`).
fn sheet_range(wb: &mut Workbook<'_>, name: &str) -> Result<Range<Data>, String> {
    if let Sheets::Xlsx(x) = wb {
        let mut cells = x.worksheet_cells_reader(name).map_err(|e| e.to_string())?;
        let (mut lo, mut hi) = ((u32::MAX, u32::MAX), (0u32, 0u32));
        let mut any = false;
        while let Some(c) = cells.next_cell().map_err(|e| e.to_string())? {
            let (r, col) = c.get_position();
            lo = (lo.0.min(r), lo.1.min(col));
            hi = (hi.0.max(r), hi.1.max(col));
            any = true;
        }
        let span = if any {
            (u64::from(hi.0 - lo.0) + 1) * (u64::from(hi.1 - lo.1) + 1)
        } else {
            0
        };
        if span > MAX_SHEET_CELLS {
            tracing::warn!(
                sheet = name,
                cells = span,
                "sheet skipped: its cells span rows {}–{} and columns {}–{}, more than a LinkedIn export holds; delete the cells far from the table and save the workbook again",
                lo.0 + 1,
                hi.0 + 1,
                lo.1 + 1,
                hi.1 + 1
            );
            return Err(format!("sheet `{name}` spans {span} cells"));
        }
    }
    guarded(|| wb.worksheet_range(name))?.map_err(|e| e.to_string())
}

/// Sheets that are LinkedIn tables: (name, range, header row index, kind, match).
#[allow(clippy::type_complexity)]
fn tables(wb: &mut Workbook<'_>) -> Vec<(String, Range<Data>, usize, SheetKind, Matched)> {
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let Ok(range) = sheet_range(wb, &name) else {
            continue;
        };
        if let Some((h, kind, m)) = header_row(&range) {
            out.push((name, range, h, kind, m));
        }
    }
    out
}

/// What a workbook holds, for the message about an unrecognised one.
pub fn describe_workbook(file: &ExportFile) -> String {
    let mut wb = match open(file) {
        Ok(wb) => wb,
        Err(ParseError::Format(m)) => return format!("it cannot be opened as a workbook: {m}"),
        Err(ParseError::Row(_) | ParseError::At(_)) => {
            return "it cannot be opened as a workbook".into()
        }
    };
    let mut parts = Vec::new();
    let mut best: Option<super::headers::Fit> = None;
    for name in wb.sheet_names() {
        let Ok(range) = sheet_range(&mut wb, &name) else {
            continue;
        };
        let mut first = String::new();
        for row in range.rows().take(3) {
            let cells: Vec<String> = texts(row).into_iter().filter(|c| !c.is_empty()).collect();
            if cells.is_empty() {
                continue;
            }
            if first.is_empty() {
                first = cells.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
            }
            if let Some(fit) = super::headers::nearest(&texts(row)) {
                if best.as_ref().is_none_or(|b| fit.score() > b.score()) {
                    best = Some(fit);
                }
            }
        }
        parts.push(format!("sheet `{name}` (starts: {first})"));
    }
    let mut s = parts.join("; ");
    if let Some(fit) = best {
        s.push_str(&format!("; the nearest known table is {}", fit.describe()));
    }
    s
}

impl Importer for LinkedInPage {
    fn name(&self) -> &'static str {
        "linkedin"
    }

    fn sniff(&self, file: &ExportFile) -> bool {
        matches!(file.container, Container::Xlsx | Container::Xls)
            && open(file).is_ok_and(|mut wb| !tables(&mut wb).is_empty())
    }

    fn read(
        &self,
        file: &ExportFile,
        options: &ReadOptions,
        out: &mut dyn RowSink,
    ) -> Result<(), ParseError> {
        let mut wb = open(file)?;
        let sheets = tables(&mut wb);
        if sheets.is_empty() {
            return Err(ParseError::Format(format!(
                "no LinkedIn `All posts` or `Metrics` sheet in this workbook: {}",
                describe_workbook(file)
            )));
        }
        out.describe(format!(
            "sheets: {}; {} headers",
            sheets
                .iter()
                .map(|s| s.0.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            sheets[0].4.language.name
        ));
        let as_of = options
            .as_of
            .or_else(|| epoch_ms_in(&file.file_name()).map(When::Instant));
        let mut posts: Vec<String> = Vec::new();
        for (name, range, h, kind, m) in &sheets {
            if *kind == SheetKind::Posts {
                read_posts(name, range, *h, m, as_of, options, out, &mut posts)?;
            }
        }
        posts.sort();
        posts.dedup();
        for (name, range, h, kind, m) in &sheets {
            if *kind != SheetKind::Metrics {
                continue;
            }
            if posts.len() == 1 {
                read_metrics(name, range, *h, m, &posts[0], options, out)?;
                out.note(format!(
                    "sheet `{name}` (the page's daily totals) was read as post {}'s days: the workbook lists only that post",
                    posts[0]
                ));
            } else {
                out.note(format!(
                    "sheet `{name}` was not read: it holds the page's daily totals over {} posts, \
                     which cannot be given to one post",
                    posts.len()
                ));
            }
        }
        Ok(())
    }
}

/// The row and column numbers of a cell as Excel shows them (1-based).
fn position(range: &Range<Data>, row: usize, col: usize) -> (u64, usize) {
    let (r0, c0) = range.start().unwrap_or((0, 0));
    (r0 as u64 + row as u64 + 1, c0 as usize + col + 1)
}

/// The metric values of a row; on-site and off-site views are added up.
fn values(
    row: &[Data],
    m: &Matched,
    headers: &[String],
) -> Result<Vec<(Metric, i64)>, (usize, String)> {
    let decimal = Some(m.language.decimal());
    let mut views: Option<i64> = None;
    let mut out = Vec::new();
    for (field, col) in m.metrics() {
        let c = row.get(col).map(cell).unwrap_or(Cell::Empty);
        match metric_value(field, c, decimal) {
            Ok(Some((Metric::Views, v))) => views = Some(views.unwrap_or(0) + v),
            Ok(Some(v)) => out.push(v),
            Ok(None) => {}
            Err(e) => {
                return Err((
                    col,
                    format!(
                        "column `{}`: {e}",
                        headers.get(col).map(String::as_str).unwrap_or("?")
                    ),
                ))
            }
        }
        let _ = field;
    }
    if let Some(v) = views {
        out.insert(0, (Metric::Views, v));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn read_posts(
    name: &str,
    range: &Range<Data>,
    header: usize,
    m: &Matched,
    as_of: Option<When>,
    options: &ReadOptions,
    out: &mut dyn RowSink,
    posts: &mut Vec<String>,
) -> Result<(), ParseError> {
    let seen = collect_posts(name, range, header, m, as_of, options, out)?;
    let mut summed = Vec::new();
    for p in seen {
        posts.push(p.urn.clone());
        let (urn, line, when) = (p.urn.clone(), p.line, p.when);
        let (vals, was_summed) = p.values();
        if was_summed {
            summed.push(urn.clone());
        }
        for (metric, value) in vals {
            out.row(Row {
                platform: Platform::Linkedin,
                video: urn.clone(),
                alias: None,
                account: None,
                metric,
                kind: Kind::Total,
                when,
                value,
                line,
                date_column: 0,
                part: Some(name.to_string()),
            });
        }
    }
    if !summed.is_empty() {
        out.note(format!(
            "sheet `{name}`: {} listed in several rows (organic and sponsored) without a \
             `Total` row; their rows were added up",
            super::list(&summed)
        ));
    }
    Ok(())
}

/// The posts of sheet `All posts`, each with its rows, in the order they first appear.
fn collect_posts(
    name: &str,
    range: &Range<Data>,
    header: usize,
    m: &Matched,
    as_of: Option<When>,
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<Vec<PostRows>, ParseError> {
    let headers = range.rows().nth(header).map(texts).unwrap_or_default();
    let link_col = m.get(Field::PostLink).unwrap_or(0);
    let mut seen: Vec<PostRows> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, row) in range.rows().enumerate().skip(header + 1) {
        if row.iter().all(|d| cell(d).is_empty()) {
            continue;
        }
        let (line, _) = position(range, i, 0);
        let bad = |col: usize, message: String| BadRow {
            part: Some(name.to_string()),
            line,
            column: position(range, i, col).1,
            message,
        };
        let link = row.get(link_col).map(cell).unwrap_or(Cell::Empty);
        let Some(urn) = link.as_text().and_then(|l| ids::linkedin_urn(&l)) else {
            skip_or_fail(
                options,
                out,
                bad(
                    link_col,
                    format!(
                        "column `{}`: `{}` holds no post URN (urn:li:activity:…, urn:li:ugcPost:… or urn:li:share:…)",
                        headers.get(link_col).map(String::as_str).unwrap_or("Post link"),
                        link.as_text().unwrap_or_default()
                    ),
                ),
            )?;
            continue;
        };
        let vals = match values(row, m, &headers) {
            Ok(v) => v,
            Err((col, message)) => {
                skip_or_fail(options, out, bad(col, message))?;
                continue;
            }
        };
        let Some(when) = as_of else {
            return Err(ParseError::Format(format!(
                "sheet `{name}` holds each post's totals as of the moment the file was exported, \
                 and this file does not say when that was (LinkedIn names its exports \
                 `…_content_<milliseconds since 1970>.xls`; this name has no such number); pass \
                 --as-of with the export time (e.g. --as-of 2020-09-30T18:00:00+02:00)"
            )));
        };
        let kind = m
            .get(Field::Distribution)
            .and_then(|c| row.get(c).map(cell))
            .and_then(|c| c.as_text().map(|t| distribution(&t)))
            .unwrap_or(Distribution::Other);
        let at = match index.get(&urn) {
            Some(at) => *at,
            None => {
                index.insert(urn.clone(), seen.len());
                seen.push(PostRows {
                    urn,
                    line,
                    total: None,
                    parts: Vec::new(),
                    when,
                });
                seen.len() - 1
            }
        };
        seen[at].add(kind, vals);
    }
    Ok(seen)
}

/// What one row of a post in `All posts` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Distribution {
    Organic,
    Sponsored,
    Total,
    Other,
}

fn distribution(text: &str) -> Distribution {
    match super::headers::normalize(text).as_str() {
        "organic" => Distribution::Organic,
        "sponsored" => Distribution::Sponsored,
        t if t == "total" || super::headers::is_total_row(t) => Distribution::Total,
        _ => Distribution::Other,
    }
}

/// The rows of one post in `All posts`: a boosted post has an `Organic`, a `Sponsored` and a
/// `Total` row; the `Total` (or else the sum) is stored, once.
struct PostRows {
    urn: String,
    /// The post's first row.
    line: u64,
    total: Option<Vec<(Metric, i64)>>,
    parts: Vec<(Distribution, Vec<(Metric, i64)>)>,
    when: When,
}

impl PostRows {
    /// Add one of the post's rows.
    fn add(&mut self, kind: Distribution, vals: Vec<(Metric, i64)>) {
        match kind {
            Distribution::Total => self.total = Some(vals),
            _ => self.parts.push((kind, vals)),
        }
    }

    /// The values to store: the `Total` row's, else the only row's, else the rows added up
    /// (then `true`).
    fn values(self) -> (Vec<(Metric, i64)>, bool) {
        match self.total {
            Some(t) => (t, false),
            None if self.parts.len() == 1 => (
                self.parts
                    .into_iter()
                    .next()
                    .map(|(_, v)| v)
                    .unwrap_or_default(),
                false,
            ),
            None => {
                let mut sum: Vec<(Metric, i64)> = Vec::new();
                for (_, vals) in self.parts {
                    for (metric, v) in vals {
                        match sum.iter_mut().find(|(m, _)| *m == metric) {
                            Some((_, s)) => *s += v,
                            None => sum.push((metric, v)),
                        }
                    }
                }
                (sum, true)
            }
        }
    }
}

fn read_metrics(
    name: &str,
    range: &Range<Data>,
    header: usize,
    m: &Matched,
    post: &str,
    options: &ReadOptions,
    out: &mut dyn RowSink,
) -> Result<(), ParseError> {
    let headers = range.rows().nth(header).map(texts).unwrap_or_default();
    let date_col = m.get(Field::Date).unwrap_or(0);
    for (i, row) in range.rows().enumerate().skip(header + 1) {
        if row.iter().all(|d| cell(d).is_empty()) {
            continue;
        }
        let (line, _) = position(range, i, 0);
        let bad = |col: usize, message: String| BadRow {
            part: Some(name.to_string()),
            line,
            column: position(range, i, col).1,
            message,
        };
        let date = match row
            .get(date_col)
            .map(cell)
            .unwrap_or(Cell::Empty)
            .stamp(m.language)
        {
            Ok(Some(s)) => s.date,
            Ok(None) => {
                skip_or_fail(options, out, bad(date_col, "the date is empty".into()))?;
                continue;
            }
            Err(e) => {
                skip_or_fail(
                    options,
                    out,
                    bad(
                        date_col,
                        format!(
                            "column `{}`: {e}",
                            headers.get(date_col).map(String::as_str).unwrap_or("Date")
                        ),
                    ),
                )?;
                continue;
            }
        };
        let vals = match values(row, m, &headers) {
            Ok(v) => v,
            Err((col, message)) => {
                skip_or_fail(options, out, bad(col, message))?;
                continue;
            }
        };
        for (metric, value) in vals {
            out.row(Row {
                platform: Platform::Linkedin,
                video: post.to_string(),
                alias: None,
                account: None,
                metric,
                kind: Kind::Daily,
                when: When::Day(date),
                value,
                line,
                date_column: position(range, i, date_col).1,
                part: Some(name.to_string()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::{fixture, read_with, VecSink};
    use chrono::{TimeZone, Utc};

    /// The English `.xls` fixture, changed by `edit`, read by the importer.
    fn read_damaged_xls(edit: impl Fn(&mut Vec<u8>)) -> Result<VecSink, ParseError> {
        let mut bytes =
            std::fs::read(fixture("linkedin/en/conectart_content_1596146400000.xls")).unwrap();
        edit(&mut bytes);
        let dir = tempfile::tempdir().unwrap();
        let p = crate::exports::temp_file(&dir, "conectart_content_1596146400000.xls", &bytes);
        read_with(&LinkedInPage, &p, &ReadOptions::default())
    }

    fn damaged(r: Result<VecSink, ParseError>) -> String {
        match r {
            Err(ParseError::Format(m)) => m,
            other => panic!("expected a format error, got {other:?}"),
        }
    }

    /// Found by `it::robustness`: calamine 0.35 follows a looping sector chain until it runs out
    /// of memory (a 4 GiB allocation). Here the directory's first sector points to itself.
    #[test]
    fn xls_with_a_looping_sector_chain_is_refused() {
        let m = damaged(read_damaged_xls(|b| {
            let fat_sector = u32_at(b, 76) as usize;
            let dir_start = u32_at(b, 48);
            let at = (fat_sector + 1) * 512 + dir_start as usize * 4;
            b[at..at + 4].copy_from_slice(&dir_start.to_le_bytes());
        }));
        assert!(m.contains("damaged") && m.contains("loops"), "{m}");
        assert!(m.contains("download the export from LinkedIn again"), "{m}");
    }

    /// A FAT entry past the table (calamine would index out of bounds), a truncated file and a
    /// DIFAT size that would reserve gigabytes are refused the same way.
    #[test]
    fn xls_with_bad_sector_numbers_or_cut_short_is_refused() {
        let m = damaged(read_damaged_xls(|b| {
            let fat_sector = u32_at(b, 76) as usize;
            let at = (fat_sector + 1) * 512 + 4;
            b[at..at + 4].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
        }));
        assert!(m.contains("points to sector"), "{m}");
        let m = damaged(read_damaged_xls(|b| b.truncate(b.len() / 2)));
        assert!(m.contains("damaged"), "{m}");
        let m = damaged(read_damaged_xls(|b| b[62..66].copy_from_slice(&[0xff; 4])));
        assert!(m.contains("DIFAT size"), "{m}");
        // The undamaged file still reads.
        assert!(!read_damaged_xls(|_| {}).unwrap().rows.is_empty());
    }

    /// The English `.xlsx` fixture with `</sheetData>` of each sheet replaced by `tail`,
    /// written to a temporary file with the fixture's name.
    fn edited_xlsx(dir: &tempfile::TempDir, tail: &str) -> std::path::PathBuf {
        use std::io::{Read as _, Write as _};
        let src =
            std::fs::read(fixture("linkedin/en/conectart_content_1596146400000.xlsx")).unwrap();
        let mut zin = zip::ZipArchive::new(std::io::Cursor::new(src)).unwrap();
        let mut zout = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..zin.len() {
            let mut e = zin.by_index(i).unwrap();
            let name = e.name().to_string();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            if name.starts_with("xl/worksheets/sheet") {
                data = String::from_utf8(data)
                    .unwrap()
                    .replacen("</sheetData>", tail, 1)
                    .into_bytes();
            }
            zout.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zout.write_all(&data).unwrap();
        }
        let bytes = zout.finish().unwrap().into_inner();
        crate::exports::temp_file(dir, "conectart_content_1596146400000.xlsx", &bytes)
    }

    /// Found by probing for unbounded allocation: one cell typed into `XFD1048576` made
    /// calamine allocate the whole 2^34-cell rectangle (512 GiB) and abort. The sheet is now
    /// skipped with a warning and the file refused as not a LinkedIn export.
    #[test]
    fn xlsx_with_a_far_away_cell_is_refused_not_allocated() {
        let dir = tempfile::tempdir().unwrap();
        let p = edited_xlsx(
            &dir,
            r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#,
        );
        let file = ExportFile::open(&p).unwrap();
        assert!(!LinkedInPage.sniff(&file));
        let m = damaged(read_with(&LinkedInPage, &p, &ReadOptions::default()));
        assert!(!m.is_empty());
        // The untouched fixture still reads through the same path.
        let p = edited_xlsx(&dir, "</sheetData>");
        assert!(LinkedInPage.sniff(&ExportFile::open(&p).unwrap()));
    }

    /// Found by `it::robustness` (a mutated `.xlsx`): a cell reference with many letters made
    /// calamine overflow ("attempt to multiply with overflow").
    #[test]
    fn xlsx_with_an_overlong_cell_reference_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = edited_xlsx(
            &dir,
            r#"<row r="9"><c r="TotalAAAAAAAAAAAAA9"><v>1</v></c></row></sheetData>"#,
        );
        let m = damaged(read_with(&LinkedInPage, &p, &ReadOptions::default()));
        assert!(m.contains("damaged") && m.contains("TotalAAAA"), "{m}");
        assert!(!LinkedInPage.sniff(&ExportFile::open(&p).unwrap()));
    }

    fn read(rel: &str, as_of: Option<When>) -> Result<VecSink, ParseError> {
        read_with(
            &LinkedInPage,
            &fixture(rel),
            &ReadOptions {
                as_of,
                skip_bad_rows: false,
            },
        )
    }

    const VIDEO: &str = "urn:li:ugcPost:6693157468235587584";

    #[test]
    fn all_posts_in_xls_and_xlsx_english_and_czech() {
        let exported = When::Instant(Utc.with_ymd_and_hms(2020, 7, 30, 22, 0, 0).unwrap());
        for rel in [
            "linkedin/en/conectart_content_1596146400000.xlsx",
            "linkedin/en/conectart_content_1596146400000.xls",
            "linkedin/cs/conectart_content_1596146400000.xlsx",
            "linkedin/cs/conectart_content_1596146400000.xls",
        ] {
            let s = read(rel, None).unwrap();
            let video: Vec<(Metric, i64)> = s
                .rows
                .iter()
                .filter(|r| r.video == VIDEO)
                .map(|r| (r.metric, r.value))
                .collect();
            assert_eq!(
                video,
                vec![
                    // 2345 on LinkedIn + 55 off-site
                    (Metric::Views, 2400),
                    (Metric::Likes, 142),
                    (Metric::Comments, 17),
                    (Metric::Shares, 31),
                    (Metric::Impressions, 9876),
                ],
                "{rel}"
            );
            assert!(s
                .rows
                .iter()
                .all(|r| r.kind == Kind::Total && r.when == exported));
            assert!(s
                .rows
                .iter()
                .any(|r| r.video == "urn:li:activity:6692000000000000001"));
            // the header is in row 2, so the first post is row 3
            assert_eq!(s.rows[0].line, 3, "{rel}");
            assert!(
                s.notes.iter().any(|n| n.contains("over 3 posts")),
                "{:?}",
                s.notes
            );
        }
    }

    #[test]
    fn metrics_belong_to_the_only_post() {
        let s = read("linkedin/en/single_post_content_1596146400000.xlsx", None).unwrap();
        let daily: Vec<(Metric, i64)> = s
            .rows
            .iter()
            .filter(|r| r.kind == Kind::Daily && r.metric == Metric::Impressions)
            .map(|r| (r.metric, r.value))
            .collect();
        assert_eq!(daily.len(), 7);
        assert_eq!(
            daily[0],
            (Metric::Impressions, 3100),
            "Impressions (total) preferred"
        );
        assert!(s.rows.iter().all(|r| r.video == VIDEO));
    }

    #[test]
    fn totals_need_an_export_time() {
        let e = read("linkedin/en/linkedin-export.xlsx", None).unwrap_err();
        assert!(
            matches!(&e, ParseError::Format(m) if m.contains("pass --as-of") && m.contains("All posts")),
            "{e:?}"
        );
        let at = When::Instant(Utc.with_ymd_and_hms(2020, 8, 1, 8, 0, 0).unwrap());
        let s = read("linkedin/en/linkedin-export.xlsx", Some(at)).unwrap();
        assert!(s.rows.iter().all(|r| r.when == at));
    }

    #[test]
    fn describe_workbook_lists_sheets_and_headers() {
        let file =
            ExportFile::open(&fixture("linkedin/en/conectart_content_1596146400000.xlsx")).unwrap();
        let d = describe_workbook(&file);
        assert!(d.contains("sheet `Metrics`"), "{d}");
        assert!(d.contains("sheet `All posts`"), "{d}");
    }
}
