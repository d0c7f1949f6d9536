//! Export files people download from the platforms (and viewtally's own tidy CSV), turned into
//! observations. One file per format, each an [`Importer`]; [`detect`] picks one from the
//! content (never the file name), `--format` forces one.
//!
//! Formats: [`youtube_studio`] (the Studio ZIP or its CSVs), [`meta`] (Meta Business Suite
//! CSV), [`linkedin`] (page analytics `.xls`/`.xlsx`), [`tidy`] (viewtally's own CSV). Column
//! names in every UI language come from [`headers`]; localized numbers and dates from
//! [`numbers`]; ids and URLs are normalised by [`ids`] on both sides (file and config).
//!
//! A file is read as a stream (CSV records one at a time, ZIP entries decompressed on the fly);
//! rows of videos the campaigns do not list are counted and dropped as they are read. The rows
//! kept are handed to the store in chunks of [`IMPORT_CHUNK_ROWS`], written on a second thread
//! while the file is read on, all in one store transaction that is committed only when the whole
//! file was read and passed its checks: memory stays flat however many rows a file has.

pub mod headers;
pub use crate::model::ids;
pub mod linkedin;
pub mod meta;
pub mod numbers;
pub mod table;
pub mod tidy;
pub mod youtube_studio;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{IsTerminal, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};

use crate::config::{Campaign, Config};
use crate::model::{day_end, Kind, Metric, Observation, Platform, Source};
use crate::store::{Chunks, ImportRecord, Stop, Store, StoreError, WriteSummary};

/// When a parsed value applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum When {
    /// A `total` read at this instant.
    Instant(DateTime<Utc>),
    /// A `daily` increment for this calendar day as the platform's export counts days (its
    /// `[platforms.X] day_timezone`: Pacific time for YouTube and Meta, UTC for LinkedIn).
    Day(NaiveDate),
    /// A `total` as of the end of this day as the platform counts days: an export's period end.
    EndOf(NaiveDate),
    /// A `daily` increment for this calendar day of the campaign's time zone (the tidy CSV).
    CampaignDay(NaiveDate),
    /// A `total` as of the end of this day in the campaign's time zone (`--as-of DATE`).
    CampaignEndOf(NaiveDate),
    /// A `daily` increment for the day that ends at this instant (the tidy CSV may give the
    /// day's end instead of a date, so that an export of observations imports back as it was).
    DayEnding(DateTime<Utc>),
}

impl When {
    /// The calendar date a day-based time names (None for instants).
    fn date(self) -> Option<NaiveDate> {
        match self {
            When::Day(d) | When::EndOf(d) | When::CampaignDay(d) | When::CampaignEndOf(d) => {
                Some(d)
            }
            When::Instant(_) | When::DayEnding(_) => None,
        }
    }

    /// The instant an observation is placed at: a day's end in the time zone its day is
    /// counted in.
    pub fn instant(self, platform_day: Tz, campaign: Tz) -> DateTime<Utc> {
        match self {
            When::Instant(t) | When::DayEnding(t) => t,
            When::Day(d) | When::EndOf(d) => day_end(d, platform_day),
            When::CampaignDay(d) | When::CampaignEndOf(d) => day_end(d, campaign),
        }
    }
}

/// One value read from an export file, before it is assigned to a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub platform: Platform,
    /// The platform's id of the video, normalised ([`ids::normalize`]).
    pub video: String,
    /// Another id of the same video that may be configured instead (a Facebook post id beside
    /// the video id).
    pub alias: Option<String>,
    pub account: Option<String>,
    pub metric: Metric,
    pub kind: Kind,
    pub when: When,
    pub value: i64,
    /// 1-based line (or sheet row) in the file, for messages.
    pub line: u64,
    /// 1-based column of the cell that dates the value (0 when the date is not in the row:
    /// `--as-of`, a file name), for messages.
    pub date_column: usize,
    /// The ZIP entry or sheet the row is in.
    pub part: Option<String>,
}

/// A row that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The ZIP entry or sheet the row is in.
    pub part: Option<String>,
    pub line: u64,
    pub column: usize,
    pub message: String,
}

/// `:column` for messages, nothing where the column is unknown (0).
fn column_suffix(column: usize) -> String {
    if column == 0 {
        String::new()
    } else {
        format!(":{column}")
    }
}

/// An import failure; the message names the file (and line and column where there is one).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}{}: {message}; nothing from this file was stored (fix the row, or pass --skip-bad-rows to store the good rows)", column_suffix(*.column))]
    BadRow {
        path: String,
        line: u64,
        column: usize,
        message: String,
    },
    #[error("{path}:{line}{}: {message}", column_suffix(*.column))]
    At {
        path: String,
        line: u64,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error("{path}: {source}")]
    Store { path: String, source: StoreError },
}

/// Options of `viewtally import`.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Force a format instead of detecting it.
    pub format: Option<String>,
    /// Store the good rows of a file with bad rows.
    pub skip_bad_rows: bool,
    /// Keep rows of videos the campaign does not list.
    pub all_videos: bool,
    /// Only the campaign with this slug.
    pub campaign: Option<String>,
    /// Parse and report, store nothing.
    pub dry_run: bool,
    /// When the `total` readings of the files were read (`--as-of`): an instant, or the end of
    /// a day ([`When::Instant`] or [`When::CampaignEndOf`]). Overrides what a file says.
    pub as_of: Option<When>,
}

/// Parse `--as-of`: RFC 3339, or a date meaning the end of that day in the campaign time zone.
pub fn parse_as_of(s: &str) -> Result<When, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(When::Instant(t.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        return Ok(When::CampaignEndOf(d));
    }
    Err(format!(
        "--as-of `{s}` is not a time; write RFC 3339 like 2020-09-30T18:00:00+02:00, or a date \
         (YYYY-MM-DD, meaning the end of that day in the campaign's time zone)"
    ))
}

/// What an importer needs besides the file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--as-of`, which wins over what the file says.
    pub as_of: Option<When>,
    pub skip_bad_rows: bool,
}

/// Where an importer puts what it reads.
pub trait RowSink {
    /// A value read.
    fn row(&mut self, row: Row);
    /// A bad row skipped (only with `--skip-bad-rows`; otherwise the importer fails).
    fn bad(&mut self, bad: BadRow);
    /// Something the user should know about the file (printed under its import line).
    fn note(&mut self, note: String);
    /// What was recognised, e.g. "ZIP: Table data, Chart data; Czech headers".
    fn describe(&mut self, detail: String);
}

/// Skip a bad row with `--skip-bad-rows`, else fail with it.
pub fn skip_or_fail(
    options: &ReadOptions,
    out: &mut dyn RowSink,
    bad: BadRow,
) -> Result<(), ParseError> {
    if options.skip_bad_rows {
        out.bad(bad);
        Ok(())
    } else {
        Err(ParseError::Row(bad))
    }
}

/// One export format.
pub trait Importer: Sync {
    /// The format's name, as given to `--format`.
    fn name(&self) -> &'static str;
    /// Whether the file looks like this format (from its content).
    fn sniff(&self, file: &ExportFile) -> bool;
    /// Read every row of the file into `out`, streaming where the format allows.
    fn read(
        &self,
        file: &ExportFile,
        options: &ReadOptions,
        out: &mut dyn RowSink,
    ) -> Result<(), ParseError>;
}

/// A parser's failure, before the file name is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Row(BadRow),
    /// The file is refused because of what it holds at this row (not a bad row that
    /// `--skip-bad-rows` could skip).
    At(BadRow),
    Format(String),
}

/// Every known format, in detection order.
pub fn importers() -> Vec<&'static dyn Importer> {
    vec![
        &tidy::TidyCsv,
        &youtube_studio::YoutubeStudio,
        &meta::MetaBusinessSuite,
        &linkedin::LinkedInPage,
    ]
}

/// The format of a file, from its content.
pub fn detect(file: &ExportFile) -> Option<&'static dyn Importer> {
    importers().into_iter().find(|i| i.sniff(file))
}

/// What kind of container a file is, from its first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Container {
    /// UTF-8 text (a CSV, presumably).
    Text,
    /// A ZIP archive and the names of its entries.
    Zip(Vec<String>),
    /// An Office Open XML workbook (`.xlsx`).
    Xlsx,
    /// An OLE compound file (`.xls`).
    Xls,
    /// UTF-16 text.
    Utf16,
    /// A file that starts like a ZIP archive (or `.xlsx`) but cannot be opened as one: cut
    /// short (its table of contents is at the end) or damaged; why.
    DamagedZip(String),
    /// Anything else.
    Binary,
}

/// Files at least this large get a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: u64 = 4 * 1024 * 1024;

/// A file being imported: where it is, what it is, and a reader that feeds the progress bar.
pub struct ExportFile {
    pub path: PathBuf,
    /// The path as given, for messages.
    pub name: String,
    pub len: u64,
    pub sha256: String,
    /// The first 64 KiB.
    pub head: Vec<u8>,
    pub container: Container,
    /// For text: the line an unfinished last row starts on (the file ends inside a row or
    /// quote: an incomplete download), `None` when the file ends after a complete row.
    pub unfinished: Option<u64>,
    /// A UTF-16 text file decoded to UTF-8 (read instead of the file).
    decoded: Option<Vec<u8>>,
    progress: Option<ProgressBar>,
}

/// Largest UTF-16 file decoded in memory (Meta's page exports are a few MB at most).
const MAX_UTF16_BYTES: u64 = 512 * 1024 * 1024;

/// UTF-16 text (with its byte-order mark) as UTF-8 without one, and whether the file was cut
/// inside a character (an odd byte, or a lone first half of a pair at the end: an incomplete
/// download); `None` when it is not valid UTF-16.
fn decode_utf16(bytes: &[u8]) -> Option<(Vec<u8>, bool)> {
    let big = bytes.starts_with(b"\xfe\xff");
    let body = &bytes[2..];
    let mut cut = body.len() % 2 == 1;
    let mut units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| {
            if big {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .collect();
    if units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
        units.pop();
        cut = true;
    }
    let mut out = String::with_capacity(body.len() / 2);
    for c in char::decode_utf16(units) {
        out.push(c.ok()?);
    }
    Some((out.into_bytes(), cut))
}

/// Read a file to its end: its SHA-256, its first 64 KiB and where its rows end.
fn scan(file: &mut File) -> std::io::Result<(String, Vec<u8>, table::RowEnds)> {
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(64 * 1024);
    let mut buf = vec![0u8; 64 * 1024];
    let mut ends = table::RowEnds::default();
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ends.feed(&buf[..n]);
        if head.len() < 64 * 1024 {
            let take = n.min(64 * 1024 - head.len());
            head.extend_from_slice(&buf[..take]);
        }
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), head, ends))
}

/// The container a file's first bytes say it is (a ZIP's entries are listed from `file`).
fn container_of(head: &[u8], mut file: File) -> std::io::Result<Container> {
    Ok(
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            file.seek(SeekFrom::Start(0))?;
            match zip::ZipArchive::new(std::io::BufReader::new(file)) {
                Ok(z) => {
                    let entries: Vec<String> = z.file_names().map(str::to_string).collect();
                    if entries.iter().any(|e| e == "xl/workbook.xml") {
                        Container::Xlsx
                    } else {
                        Container::Zip(entries)
                    }
                }
                Err(e) => Container::DamagedZip(e.to_string()),
            }
        } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            Container::Xls
        } else if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
            Container::Utf16
        } else if head.contains(&0) {
            Container::Binary
        } else {
            // Text; if it is not UTF-8, the CSV reader says so with the encoding to use.
            Container::Text
        },
    )
}

/// A progress bar for reading a large file, when stderr is a terminal.
fn progress_bar(path: &Path, len: u64) -> Option<ProgressBar> {
    (len >= PROGRESS_MIN_BYTES && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        bar
    })
}

/// Something to read a file through: `Read + Seek`.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

impl ExportFile {
    /// Open a file: hash it (streaming), read its head, find its container type.
    pub fn open(path: &Path) -> Result<ExportFile, ImportError> {
        let name = path.display().to_string();
        let read_err = |source| ImportError::Read {
            path: name.clone(),
            source,
        };
        let mut file = File::open(path).map_err(read_err)?;
        let len = file.metadata().map_err(read_err)?.len();
        let (sha256, mut head, mut ends) = scan(&mut file).map_err(read_err)?;
        let mut decoded = None;
        let mut cut_line = None;
        if (head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff"))
            && len <= MAX_UTF16_BYTES
        {
            let bytes = std::fs::read(path).map_err(read_err)?;
            if let Some((text, cut)) = decode_utf16(&bytes) {
                head = text[..text.len().min(64 * 1024)].to_vec();
                ends = table::RowEnds::default();
                ends.feed(&text);
                if cut {
                    cut_line = Some(text.iter().filter(|b| **b == b'\n').count() as u64 + 1);
                }
                decoded = Some(text);
            }
        }
        let container = container_of(&head, file).map_err(read_err)?;
        let progress = progress_bar(path, len);
        Ok(ExportFile {
            path: path.to_path_buf(),
            name,
            len,
            sha256,
            head,
            unfinished: if container == Container::Text {
                ends.unfinished().or(cut_line)
            } else {
                None
            },
            container,
            decoded,
            progress,
        })
    }

    /// A fresh reader over the whole file; reading it advances the progress bar.
    pub fn reader(&self) -> Result<Box<dyn ReadSeek + '_>, ParseError> {
        if let Some(text) = &self.decoded {
            return Ok(Box::new(std::io::Cursor::new(text.as_slice())));
        }
        let file =
            File::open(&self.path).map_err(|e| ParseError::Format(format!("cannot read: {e}")))?;
        Ok(Box::new(std::io::BufReader::with_capacity(
            64 * 1024,
            Progress {
                inner: file,
                bar: self.progress.clone(),
            },
        )))
    }

    /// The file's name without its folder.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The names to look for hints in: the file's and its folder's (an extracted YouTube Studio
    /// ZIP keeps the period in the folder name).
    pub fn names(&self) -> Vec<String> {
        let mut out = vec![self.file_name()];
        if let Some(parent) = self.path.parent().and_then(|p| p.file_name()) {
            out.push(parent.to_string_lossy().into_owned());
        }
        out
    }
}

impl Drop for ExportFile {
    fn drop(&mut self) {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
    }
}

/// A reader that reports its position to a progress bar.
struct Progress<R> {
    inner: R,
    bar: Option<ProgressBar>,
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Progress<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let at = self.inner.seek(pos)?;
        if let Some(bar) = &self.bar {
            bar.set_position(at);
        }
        Ok(at)
    }
}

/// What importing one file did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub path: String,
    pub format: &'static str,
    /// What was recognised inside (parts, header language), for the import line.
    pub detail: Option<String>,
    pub rows: usize,
    pub bad_rows_skipped: usize,
    /// Rows of videos no selected campaign lists.
    pub other_videos_skipped: usize,
    /// Some of those videos, as `platform id` (to copy into [[campaign.video]]).
    pub other_videos: Vec<String>,
    /// Per campaign: how many observations it got.
    pub campaigns: BTreeMap<String, usize>,
    pub written: WriteSummary,
    /// Per video: metric, kind, first/last day, count and sum (for `--dry-run`).
    pub preview: Vec<PreviewLine>,
    /// Things the user should know about the file.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PreviewLine {
    pub campaign: String,
    pub platform: Platform,
    pub video: String,
    pub metric: Metric,
    pub kind: Kind,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// `first … last` in the campaign's time zone: days for `daily`, times for `total`.
    pub span: String,
    pub count: usize,
    pub sum: i64,
}

/// Expand folders to the files in them (not recursive, sorted, hidden files skipped).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ImportError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let read = std::fs::read_dir(p).map_err(|source| ImportError::Read {
                path: p.display().to_string(),
                source,
            })?;
            let mut files: Vec<PathBuf> = read
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && !f
                            .file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with('.') || n.ends_with(".md"))
                })
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Rows matched to campaigns as they are read.
/// A campaign's videos by (platform, match key) → index in its list.
type VideoIndex = HashMap<(Platform, String), usize>;

struct Collector<'a> {
    campaigns: Vec<(&'a Campaign, VideoIndex)>,
    /// Where each platform's export days end (`[platforms.X] day_timezone`).
    day_zones: &'a crate::config::PlatformsConfig,
    all_videos: bool,
    single: bool,
    source: Source,
    now: DateTime<Utc>,
    /// The observations read since the last chunk was handed on.
    chunk: Vec<Observation>,
    /// How many observations a chunk holds.
    chunk_rows: usize,
    /// Where full chunks go (the store's writer thread); `None` for `--dry-run`, or once the
    /// writer stopped (a store error: the rest of the file is read for its messages, and dropped).
    out: Option<std::sync::mpsc::SyncSender<ToWriter>>,
    /// Per stored video id: its preview lines, summed up as rows are read.
    preview: HashMap<String, Vec<PreviewLine>>,
    per_campaign: BTreeMap<String, usize>,
    rows: usize,
    other: usize,
    /// The unlisted videos those rows were about (a few, for the message).
    other_videos: std::collections::BTreeSet<(Platform, String)>,
    /// The first [`MAX_BAD_ROWS_KEPT`] bad rows skipped, and how many there were.
    bad: Vec<BadRow>,
    bad_count: usize,
    /// The first rows dated after `now` (refused: see [`future_message`]), and how many.
    future: Vec<BadRow>,
    future_count: usize,
    /// The line of the last row from the future counted (one row carries several values).
    future_line: Option<u64>,
    /// Every lifetime total kept, by a hash of what it is about and when: its first value and
    /// line. The one thing that grows with the rows of a file (~30 bytes per lifetime total;
    /// daily rows add nothing): 10 million totals take ~300 MB.
    totals: HashMap<u64, (i64, u64)>,
    totals_hasher: std::collections::hash_map::RandomState,
    /// The lifetime totals the file gives several different values (a file that gives one
    /// video several lifetime values at one instant is contradictory): values and lines.
    contradictions: HashMap<(Platform, String, Metric, When), LifetimeValues>,
    notes: Vec<String>,
    detail: Option<String>,
    /// [`Collector::takers`] of each video seen (rows without an alias), per platform.
    takers_memo: HashMap<String, Vec<(Platform, TakersOf)>>,
}

/// The campaigns that take a video's rows (see [`Collector::takers`]).
type TakersOf = std::rc::Rc<[Takes]>;

/// A campaign (its index in [`Collector::campaigns`]) that takes a row, and the index of the
/// listed video the row matched (none: the campaign takes every video).
type Takes = (usize, Option<usize>);

/// The most rows an importer holds in memory at once (YouTube Studio's Table data, one row per
/// video, is read whole before Chart data): far more than a channel has videos.
pub const MAX_ROWS_KEPT: usize = 1_000_000;

/// How many observations are handed to the store's writer at a time (~300 bytes each; at most
/// three chunks are alive at once: one being filled, one waiting, one being written).
pub const IMPORT_CHUNK_ROWS: usize = 16_384;

/// The hidden environment variable that sets another chunk size (tests: many chunks from a
/// small file).
const CHUNK_ROWS_VAR: &str = "VIEWTALLY_IMPORT_CHUNK_ROWS";

/// The chunk size: [`IMPORT_CHUNK_ROWS`], or `$VIEWTALLY_IMPORT_CHUNK_ROWS` when set (tests).
fn chunk_rows() -> usize {
    std::env::var(CHUNK_ROWS_VAR)
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(IMPORT_CHUNK_ROWS)
}

/// What the reading thread tells the store's writer.
enum ToWriter {
    /// The next observations, in file order.
    Chunk(Vec<Observation>),
    /// The file was read and passed its checks: the imports to record, then commit.
    Done(Vec<ImportRecord>),
}

/// The writer thread's side of the channel, as the store's [`Chunks`]. A closed channel (the
/// reader failed: a bad row, a failed check) stops the write: it is rolled back.
struct Received {
    rx: std::sync::mpsc::Receiver<ToWriter>,
    imports: Option<Vec<ImportRecord>>,
}

impl Chunks for Received {
    fn next_chunk(&mut self) -> Result<Option<Vec<Observation>>, Stop> {
        match self.rx.recv() {
            Ok(ToWriter::Chunk(c)) => Ok(Some(c)),
            Ok(ToWriter::Done(imports)) => {
                self.imports = Some(imports);
                Ok(None)
            }
            Err(_) => Err(Stop),
        }
    }
    fn finish(&mut self) -> Result<Vec<ImportRecord>, Stop> {
        self.imports.take().ok_or(Stop)
    }
}

/// How many skipped bad rows (and rows from the future) are kept to be shown; the rest are
/// counted.
const MAX_BAD_ROWS_KEPT: usize = 100;

/// How far past `now` a reading's instant may lie (clocks of the machine that exported and of
/// this one differ a little).
const FUTURE_SLACK_MINUTES: i64 = 10;

/// Why a row dated after `now` is refused, or `None` when its date has come. A day counts as
/// come once it has begun somewhere on Earth (UTC+14), so no campaign time zone refuses today.
fn future_message(when: When, now: DateTime<Utc>) -> Option<String> {
    match when {
        When::Instant(t) if t > now + chrono::Duration::minutes(FUTURE_SLACK_MINUTES) => Some(format!(
            "the reading is dated {}, after now ({}); a view count cannot come from the future: fix the date (or the clock of this machine)",
            t.to_rfc3339(),
            now.to_rfc3339()
        )),
        When::DayEnding(t) if t > now + chrono::Duration::days(1) => Some(format!(
            "the day ending {} has not begun yet (now is {}); a view count cannot come from the future: fix the date (or the clock of this machine)",
            t.to_rfc3339(),
            now.to_rfc3339()
        )),
        w if w
            .date()
            .is_some_and(|d| d > (now + chrono::Duration::hours(14)).date_naive()) =>
        {
            let d = w.date().unwrap_or_default();
            Some(format!(
                "the day {d} has not begun yet (now is {}); a view count cannot come from the future: fix the date (or the clock of this machine)",
                now.to_rfc3339()
            ))
        }
        _ => None,
    }
}

/// Whether a listed video's readings are stored under the id the file gives rather than the
/// id in the config: an Instagram reel URL, whose media id `collect` stores too.
fn stored_by_platform_id(v: &crate::config::VideoConfig) -> bool {
    v.platform == Platform::Instagram && ids::instagram_shortcode(&v.id).is_some()
}

impl<'a> Collector<'a> {
    fn new(
        campaigns: &[&'a Campaign],
        day_zones: &'a crate::config::PlatformsConfig,
        all_videos: bool,
        source: Source,
        now: DateTime<Utc>,
    ) -> Self {
        let campaigns = campaigns
            .iter()
            .map(|c| {
                let mut index = HashMap::new();
                for (i, v) in c.videos.iter().enumerate() {
                    for key in ids::match_keys(v.platform, &v.id) {
                        index.entry((v.platform, key)).or_insert(i);
                    }
                }
                (*c, index)
            })
            .collect::<Vec<_>>();
        Collector {
            single: campaigns.len() == 1,
            campaigns,
            day_zones,
            all_videos,
            source,
            now,
            chunk: Vec::new(),
            chunk_rows: IMPORT_CHUNK_ROWS,
            out: None,
            preview: HashMap::new(),
            per_campaign: BTreeMap::new(),
            rows: 0,
            other: 0,
            other_videos: Default::default(),
            bad: Vec::new(),
            bad_count: 0,
            future: Vec::new(),
            future_count: 0,
            future_line: None,
            totals: HashMap::new(),
            totals_hasher: Default::default(),
            contradictions: HashMap::new(),
            notes: Vec::new(),
            detail: None,
            takers_memo: HashMap::new(),
        }
    }
}

impl Collector<'_> {
    /// Hand the observations read since the last chunk to the writer (dropped for `--dry-run`,
    /// or when the writer stopped on a store error, which the import then reports).
    fn hand_on(&mut self) {
        let chunk = std::mem::take(&mut self.chunk);
        if chunk.is_empty() {
            return;
        }
        if let Some(out) = &self.out {
            if out.send(ToWriter::Chunk(chunk)).is_err() {
                self.out = None;
            }
        }
    }

    /// Count an observation in its preview line (per campaign, video, metric and kind).
    fn add_to_preview(&mut self, o: &Observation) {
        let lines = match self.preview.get_mut(o.video.as_str()) {
            Some(lines) => lines,
            None => self.preview.entry(o.video.clone()).or_default(),
        };
        let i = match lines.iter().position(|l| {
            l.campaign == o.campaign
                && l.platform == o.platform
                && l.metric == o.metric
                && l.kind == o.kind
        }) {
            Some(i) => i,
            None => {
                lines.push(PreviewLine {
                    campaign: o.campaign.clone(),
                    platform: o.platform,
                    video: o.video.clone(),
                    metric: o.metric,
                    kind: o.kind,
                    first: o.at,
                    last: o.at,
                    span: String::new(),
                    count: 0,
                    sum: 0,
                });
                lines.len() - 1
            }
        };
        let line = &mut lines[i];
        line.first = line.first.min(o.at);
        line.last = line.last.max(o.at);
        line.count += 1;
        line.sum += o.value;
    }

    /// Remember a kept lifetime total; note it when the file gave the same total another value.
    /// The campaigns that take `row` (by index), each with the index of the listed video it
    /// matched. A file names few videos over many rows: the answer for a video (without an
    /// alias) is worked out once and remembered.
    fn takers(&mut self, row: &Row) -> std::rc::Rc<[Takes]> {
        if row.alias.is_none() {
            if let Some(t) = self
                .takers_memo
                .get(row.video.as_str())
                .and_then(|per| per.iter().find(|(p, _)| *p == row.platform))
            {
                return t.1.clone();
            }
        }
        let mut keys = ids::match_keys(row.platform, &row.video);
        if let Some(a) = &row.alias {
            keys.extend(ids::match_keys(row.platform, a));
        }
        let mut takers = Vec::new();
        for (ci, (c, index)) in self.campaigns.iter().enumerate() {
            let listed = keys
                .iter()
                .find_map(|k| index.get(&(row.platform, k.clone())))
                .copied();
            // A campaign with no video list takes every row only when it is the one chosen.
            if listed.is_some() || self.all_videos || (c.videos.is_empty() && self.single) {
                takers.push((ci, listed));
            }
        }
        let takers: std::rc::Rc<[Takes]> = takers.into();
        if row.alias.is_none() {
            self.takers_memo
                .entry(row.video.clone())
                .or_default()
                .push((row.platform, takers.clone()));
        }
        takers
    }

    fn check_total(&mut self, row: &Row) {
        use std::collections::hash_map::Entry;
        use std::hash::BuildHasher;
        let key = self
            .totals_hasher
            .hash_one((row.platform, &row.video, row.metric, row.when));
        match self.totals.entry(key) {
            Entry::Vacant(e) => {
                e.insert((row.value, row.line));
            }
            Entry::Occupied(e) => {
                let (first, line) = *e.get();
                if first != row.value {
                    let seen = self
                        .contradictions
                        .entry((row.platform, row.video.clone(), row.metric, row.when))
                        .or_insert_with(|| LifetimeValues {
                            values: vec![first],
                            lines: vec![line],
                        });
                    if !seen.values.contains(&row.value) {
                        seen.values.push(row.value);
                        seen.lines.push(row.line);
                    }
                }
            }
        }
    }
}

impl RowSink for Collector<'_> {
    fn row(&mut self, row: Row) {
        self.rows += 1;
        if let Some(message) = future_message(row.when, self.now) {
            // One bad row counts once, however many values it carries.
            if self.future_line == Some(row.line) {
                return;
            }
            self.future_line = Some(row.line);
            self.future_count += 1;
            if self.future.len() < MAX_BAD_ROWS_KEPT {
                self.future.push(BadRow {
                    part: row.part.clone(),
                    line: row.line,
                    column: row.date_column,
                    message,
                });
            }
            return;
        }
        let takers = self.takers(&row);
        let taken = !takers.is_empty();
        for &(ci, listed) in takers.iter() {
            let c = self.campaigns[ci].0;
            let listed = listed.map(|i| &c.videos[i]);
            match self.per_campaign.get_mut(c.slug()) {
                Some(n) => *n += 1,
                None => {
                    self.per_campaign.insert(c.slug().to_string(), 1);
                }
            }
            let o = Observation {
                campaign: c.slug().to_string(),
                platform: row.platform,
                video: listed
                    .filter(|v| !stored_by_platform_id(v))
                    .map(|v| v.id.clone())
                    .unwrap_or_else(|| row.video.clone()),
                account: row
                    .account
                    .clone()
                    .or_else(|| listed.and_then(|v| v.account.clone())),
                metric: row.metric,
                kind: row.kind,
                at: row
                    .when
                    .instant(self.day_zones.day_timezone(row.platform), c.tz()),
                value: row.value,
                source: self.source.clone(),
                collected_at: self.now,
            };
            self.add_to_preview(&o);
            self.chunk.push(o);
            if self.chunk.len() >= self.chunk_rows {
                self.hand_on();
            }
        }
        if taken && row.kind == Kind::Total {
            self.check_total(&row);
        }
        if !taken {
            self.other += 1;
            if self.other_videos.len() < 20 {
                self.other_videos.insert((row.platform, row.video.clone()));
            }
        }
    }

    fn bad(&mut self, mut bad: BadRow) {
        self.bad_count += 1;
        if self.bad.len() < MAX_BAD_ROWS_KEPT {
            bad.message = clip_quoted(&bad.message);
            self.bad.push(bad);
        }
    }

    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    fn describe(&mut self, detail: String) {
        self.detail = Some(detail);
    }
}

/// The distinct values one file gives for one lifetime total, and the first line of each.
#[derive(Debug, Default)]
struct LifetimeValues {
    values: Vec<i64>,
    lines: Vec<u64>,
}

/// The refusal of a file that gives one video several different lifetime totals at one
/// instant (a daily export whose Date column was removed, read as lifetime totals, would store
/// its last day as the lifetime total), or `None`.
fn contradictory_totals(
    totals: &HashMap<(Platform, String, Metric, When), LifetimeValues>,
    format: &str,
) -> Option<String> {
    let worst = totals
        .iter()
        .filter(|(_, v)| v.values.len() > 1)
        .max_by_key(|((_, video, metric, _), v)| {
            (
                *metric == Metric::Views,
                v.values.len(),
                std::cmp::Reverse(v.lines[0]),
                std::cmp::Reverse(video.clone()),
            )
        })?;
    let ((platform, video, metric, _), v) = worst;
    let what = match platform {
        Platform::Youtube => "video",
        _ => "post",
    };
    let mut lines: Vec<String> = v.lines.iter().take(5).map(|l| l.to_string()).collect();
    if v.lines.len() > 5 {
        lines.push("…".into());
    }
    let hint = if format == "tidy-csv" {
        "a video has one lifetime total at one instant: keep one of these rows, or give each its \
         own time in `at`"
            .to_string()
    } else {
        "is this a daily export whose Date column was removed? A file of lifetime totals has one \
         row per video: import the export as the platform gave it (with its Date column)"
            .to_string()
    };
    Some(format!(
        "{} different lifetime values for {what} {video} in one file (`{}` on lines {}): {hint}; \
         nothing from this file was stored",
        v.values.len(),
        metric.as_str(),
        lines.join(", ")
    ))
}

/// The path shown in a message about a row: the file, and the ZIP entry or sheet.
fn row_path(name: &str, part: &Option<String>) -> String {
    match part {
        Some(p) => format!("{name}[{p}]"),
        None => name.to_string(),
    }
}

/// Import one file into the campaigns it feeds, in one transaction.
pub fn import_file(
    path: &Path,
    config: &Config,
    store: &mut dyn Store,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    let file = ExportFile::open(path)?;
    let name = file.name.clone();
    refuse_damaged(&file)?;
    let importer = choose_importer(&file, options)?;
    let campaigns: Vec<&Campaign> =
        config
            .selected(options.campaign.as_deref())
            .map_err(|e| ImportError::Format {
                path: name.clone(),
                message: e.to_string(),
            })?;
    if options.all_videos && campaigns.len() != 1 {
        return Err(ImportError::Format {
            path: name,
            message: "--all-videos needs one campaign; choose it with --campaign SLUG".into(),
        });
    }
    let source = Source::export(&file.sha256);
    let mut collector = Collector::new(
        &campaigns,
        &config.platforms,
        options.all_videos,
        source,
        now,
    );
    collector.chunk_rows = chunk_rows();
    let read_options = ReadOptions {
        as_of: options.as_of,
        skip_bad_rows: options.skip_bad_rows,
    };
    let zones: HashMap<String, Tz> = campaigns
        .iter()
        .map(|c| (c.slug().to_string(), c.tz()))
        .collect();
    tracing::debug!(file = %name, format = importer.name(), bytes = file.len, "reading export");
    // The file is read on this thread and written on another, chunk by chunk, in one
    // transaction that commits only once the file was read whole and passed its checks.
    let (read, written) = std::thread::scope(|scope| {
        let writer = (!options.dry_run).then(|| {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            collector.out = Some(tx);
            scope.spawn(move || store.write_chunks(&mut Received { rx, imports: None }))
        });
        // A panic while reading must still close the channel, or the writer waits for ever.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_all(
                importer,
                file,
                &read_options,
                &mut collector,
                &name,
                options,
                now,
            )
        }));
        let read = match read {
            Ok(read) => read,
            Err(panic) => {
                drop(collector.out.take());
                if let Some(w) = writer {
                    let _ = w.join();
                }
                std::panic::resume_unwind(panic)
            }
        };
        match (&read, collector.out.take()) {
            (Ok(records), Some(out)) => {
                // A failed send: the writer stopped on a store error, which it returns.
                let _ = out.send(ToWriter::Done(records.clone()));
            }
            // Dropping the sender without `Done` rolls the write back.
            (_, out) => drop(out),
        }
        let written = writer.map(|w| w.join());
        (read, written)
    });
    read?;
    log_skipped(&collector, &name);
    let written = match written {
        None => WriteSummary::default(),
        Some(Ok(Ok(Some(summary)))) => summary,
        Some(Ok(Err(source))) => {
            return Err(ImportError::Store {
                path: name.clone(),
                source,
            })
        }
        Some(Ok(Ok(None))) => {
            return Err(ImportError::Format {
                path: name.clone(),
                message: "the store's write was stopped; nothing from this file was stored".into(),
            })
        }
        Some(Err(panic)) => std::panic::resume_unwind(panic),
    };
    let preview = preview(
        std::mem::take(&mut collector.preview),
        &zones,
        &config.platforms,
    );
    Ok(ImportReport {
        path: name,
        format: importer.name(),
        detail: collector.detail,
        rows: collector.rows,
        bad_rows_skipped: collector.bad_count,
        other_videos_skipped: collector.other,
        other_videos: collector
            .other_videos
            .iter()
            .map(|(p, v)| format!("{} {v}", p.as_str()))
            .collect(),
        campaigns: collector.per_campaign,
        written,
        preview,
        notes: collector.notes,
    })
}

/// Read a file whole through the collector (handing its chunks on), then run the checks that
/// need the whole file; the store's records of the import when it passed them.
fn read_all(
    importer: &dyn Importer,
    file: ExportFile,
    read_options: &ReadOptions,
    collector: &mut Collector,
    name: &str,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> Result<Vec<ImportRecord>, ImportError> {
    importer
        .read(&file, read_options, collector)
        .map_err(|e| import_error(name, e))?;
    let sha = file.sha256.clone();
    drop(file);
    check_collected(collector, name, importer.name(), options)?;
    // The last, partial chunk goes only once the checks passed (a failed check stops the
    // write anyway).
    collector.hand_on();
    Ok(import_records(collector, &sha, name, importer.name(), now))
}

/// The importer `--format` names, else the one that recognises the file.
fn choose_importer(
    file: &ExportFile,
    options: &ImportOptions,
) -> Result<&'static dyn Importer, ImportError> {
    let name = &file.name;
    match &options.format {
        Some(f) => importers()
            .into_iter()
            .find(|i| i.name() == f)
            .ok_or_else(|| ImportError::Format {
                path: name.clone(),
                message: format!("unknown format `{f}`; known formats: {}", format_names()),
            }),
        None => detect(file).ok_or_else(|| ImportError::Format {
            path: name.clone(),
            message: unrecognised(file),
        }),
    }
}

/// An importer's error about the file `name`, its quoted cells clipped.
fn import_error(name: &str, e: ParseError) -> ImportError {
    match e {
        ParseError::Row(b) => ImportError::BadRow {
            path: row_path(name, &b.part),
            line: b.line,
            column: b.column,
            message: clip_quoted(&b.message),
        },
        ParseError::At(b) => ImportError::At {
            path: row_path(name, &b.part),
            line: b.line,
            column: b.column,
            message: clip_quoted(&b.message),
        },
        ParseError::Format(message) => ImportError::Format {
            path: name.to_string(),
            message: clip_quoted(&message),
        },
    }
}

/// What fails the whole file once it is read: contradictory totals and values dated in the future (listed with the bad rows under --skip-bad-rows).
fn check_collected(
    collector: &mut Collector,
    name: &str,
    format: &str,
    options: &ImportOptions,
) -> Result<(), ImportError> {
    if let Some(message) = contradictory_totals(&collector.contradictions, format) {
        return Err(ImportError::Format {
            path: name.to_string(),
            message,
        });
    }
    if !collector.future.is_empty() {
        if options.skip_bad_rows {
            collector.bad_count += collector.future_count;
            let room = MAX_BAD_ROWS_KEPT.saturating_sub(collector.bad.len());
            collector.future.truncate(room);
            collector.bad.append(&mut collector.future);
        } else {
            let b = collector.future.swap_remove(0);
            return Err(ImportError::BadRow {
                path: row_path(name, &b.part),
                line: b.line,
                column: b.column,
                message: b.message,
            });
        }
    }
    Ok(())
}

/// The store's record of this import: one per campaign the file fed.
fn import_records(
    collector: &Collector,
    sha: &str,
    name: &str,
    format: &str,
    now: DateTime<Utc>,
) -> Vec<ImportRecord> {
    collector
        .per_campaign
        .iter()
        .map(|(c, n)| ImportRecord {
            sha256: sha.to_string(),
            path: name.to_string(),
            format: format.to_string(),
            campaign: c.clone(),
            rows: *n as u64,
            imported_at: now,
        })
        .collect()
}

/// Log the skipped bad rows and rows of other videos.
fn log_skipped(collector: &Collector, name: &str) {
    for b in &collector.bad {
        tracing::warn!(file = %row_path(name, &b.part), line = b.line, column = b.column, "skipped bad row: {}", b.message);
    }
    if collector.bad_count > collector.bad.len() {
        tracing::warn!(
            file = %name,
            more = collector.bad_count - collector.bad.len(),
            "more bad rows were skipped than are listed above"
        );
    }
    if collector.other > 0 {
        tracing::debug!(
            file = %name,
            skipped = collector.other,
            "rows of videos the campaign does not list were skipped (add them to [[campaign.video]] or pass --all-videos)"
        );
    }
}

/// Refuse a file that was cut short or is damaged before any importer reads it (a cut file
/// must never be read as another kind of file, or as fewer rows than it had).
fn refuse_damaged(file: &ExportFile) -> Result<(), ImportError> {
    let message = if file.len == 0 {
        Some(
            "the file is empty (incomplete download?); nothing was stored: download or export \
             it again"
                .to_string(),
        )
    } else if let Some(line) = file.unfinished {
        Some(table::ends_mid_row(line))
    } else if let Container::DamagedZip(_) = &file.container {
        Some(unrecognised(file))
    } else if file.container == Container::Xls {
        linkedin::damage(file)
    } else {
        None
    };
    match message {
        Some(message) => Err(ImportError::Format {
            path: file.name.clone(),
            message,
        }),
        None => Ok(()),
    }
}

fn format_names() -> String {
    importers()
        .iter()
        .map(|i| i.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The preview lines summed up while reading, in order, each with its span in the campaign's
/// time zone.
fn preview(
    lines: HashMap<String, Vec<PreviewLine>>,
    zones: &HashMap<String, Tz>,
    day_zones: &crate::config::PlatformsConfig,
) -> Vec<PreviewLine> {
    let mut out: Vec<PreviewLine> = lines.into_values().flatten().collect();
    out.sort_unstable_by(|a, b| {
        (&a.campaign, a.platform, &a.video, a.metric, a.kind).cmp(&(
            &b.campaign,
            b.platform,
            &b.video,
            b.metric,
            b.kind,
        ))
    });
    for l in &mut out {
        let tz = zones.get(&l.campaign).copied().unwrap_or(chrono_tz::UTC);
        let day_tz = day_zones.day_timezone(l.platform);
        let show = |t: DateTime<Utc>| match l.kind {
            Kind::Daily => crate::model::daily_date(t, day_tz, tz)
                .format("%Y-%m-%d")
                .to_string(),
            Kind::Total => t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
        };
        l.span = if l.first == l.last {
            show(l.first)
        } else {
            format!("{} … {}", show(l.first), show(l.last))
        };
    }
    out
}

/// The metric a Meta Business Suite Page-level export holds, if the file is one: `sep=,`, the
/// metric's name alone on line 2, then a header of two columns (`"Date","Primary"`).
fn meta_page_metric(head: &[u8]) -> Option<String> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let delimiter = table::sep_line(head)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut records = reader.records().skip(1);
    let name = records.next()?.ok()?;
    let header = records.next()?.ok()?;
    (name.len() == 1 && !name[0].trim().is_empty() && header.len() == 2)
        .then(|| headers::normalize_display(&name[0]))
}

/// The message for a file no importer recognises: what it holds and the nearest known format.
fn unrecognised(file: &ExportFile) -> String {
    let known = format!(
        "known formats: {}; pass --format to force one",
        format_names()
    );
    match &file.container {
        Container::Text => {
            let first_line = String::from_utf8_lossy(&file.head[..file.head.len().min(4096)])
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches('\u{feff}')
                .chars()
                .take(200)
                .collect::<String>();
            if let Some(metric) = meta_page_metric(&file.head) {
                return format!(
                    "a Meta Business Suite Page-level export (`{metric}` per day for the whole \
                     Page, no posts or videos): viewtally stores each video's counts; in Meta \
                     Business Suite export Content → Posts/Videos instead (Insights → Content → \
                     Export data)"
                );
            }
            let headers = table::header_of(&file.head);
            let hint = match headers::nearest(&headers) {
                Some(fit) => {
                    let mut s = format!("the nearest known format is {}", fit.describe());
                    if std::ptr::eq(fit.layout, &headers::YT_TOTALS) {
                        s.push_str(
                            ". YouTube's Totals.csv has no video column, so viewtally reads it \
                             only inside the Studio ZIP, where Table data names the one video; \
                             import the ZIP or its Chart data.csv",
                        );
                    } else if fit.layout.format == headers::Format::LinkedIn {
                        s.push_str(
                            ". viewtally reads LinkedIn exports as the .xls/.xlsx workbook \
                             LinkedIn gives, not re-saved as CSV",
                        );
                    }
                    s
                }
                None => format!(
                    "no column matches a platform export; the tidy CSV needs the header `{}`",
                    tidy::HEADER.join(",")
                ),
            };
            format!("not a format viewtally knows (first line: `{first_line}`); {hint}; {known}")
        }
        Container::Zip(entries) => format!(
            "a ZIP archive whose entries ({}) hold no YouTube Studio table; {known}",
            list(entries)
        ),
        Container::Xlsx | Container::Xls => {
            format!(
                "an Excel workbook without a LinkedIn page-analytics sheet: {}; {known}",
                linkedin::describe_workbook(file)
            )
        }
        Container::Utf16 => format!(
            "UTF-16 text that does not decode (a broken character, or larger than {} MiB); \
             save it as CSV UTF-8 or import the file as the platform exported it; {known}",
            MAX_UTF16_BYTES / 1024 / 1024
        ),
        Container::DamagedZip(why) => format!(
            "damaged or incomplete ZIP ({why}): the file starts like a ZIP archive (or .xlsx \
             workbook) but cannot be opened as one, usually because the download was cut short; \
             nothing from this file was stored: download the export again"
        ),
        Container::Binary => format!(
            "not text, a ZIP or an Excel workbook (first bytes: {}); {known}",
            file.head
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// The value of a metric column in viewtally's unit: counts as they are, watch time in
/// seconds. `None` for an empty cell or a column that is not a metric.
pub fn metric_value(
    field: headers::Field,
    cell: table::Cell<'_>,
    decimal: Option<char>,
) -> Result<Option<(Metric, i64)>, String> {
    use headers::Field as F;
    let metric = match field {
        F::Views | F::ViewsOffSite => Metric::Views,
        F::EngagedViews => Metric::EngagedViews,
        F::Likes => Metric::Likes,
        F::Comments => Metric::Comments,
        F::Shares => Metric::Shares,
        F::Saves => Metric::Saves,
        F::Impressions => Metric::Impressions,
        F::Reach => Metric::Reach,
        F::WatchTimeHours | F::WatchTimeSeconds => Metric::WatchTimeS,
        _ => return Ok(None),
    };
    let seconds_per_unit = match field {
        F::WatchTimeHours => 3600.0,
        F::WatchTimeSeconds => 1.0,
        _ => return Ok(cell.count(decimal)?.map(|v| (metric, v))),
    };
    match cell.decimal(decimal)? {
        None => Ok(None),
        Some(v) if v < 0.0 => Err(format!("`{v}` is negative; watch time is 0 or more")),
        Some(v) => Ok(Some((metric, (v * seconds_per_unit).round() as i64))),
    }
}

/// Values of metrics other than views that were dropped from their rows (a negative net
/// change, a spreadsheet error such as `#NAME?`): the row's views and other values are kept,
/// and the import summary says, per column, how many were dropped, where the first was and why.
#[derive(Debug, Default)]
pub struct Dropped {
    /// Column header → (count, first part, first line, first column (1-based), first reason).
    columns: BTreeMap<String, (usize, Option<String>, u64, usize, String)>,
}

impl Dropped {
    /// Whether a bad cell in this field costs only the value (not the row): everything but
    /// the views a row is about.
    pub fn droppable(field: headers::Field) -> bool {
        !matches!(field, headers::Field::Views | headers::Field::ViewsOffSite)
    }

    pub fn add(
        &mut self,
        header: &str,
        part: &Option<String>,
        line: u64,
        column: usize,
        reason: String,
    ) {
        let e = self
            .columns
            .entry(header.trim().to_string())
            .or_insert_with(|| (0, part.clone(), line, column, clip_quoted(&reason)));
        e.0 += 1;
    }

    /// One note per column with dropped values.
    pub fn emit(self, out: &mut dyn RowSink) {
        for (header, (n, part, line, column, reason)) in self.columns {
            let negative = reason.contains("negative");
            out.note(format!(
                "column `{header}`: {n} value{} dropped, the rest of {} row{} kept (first at {}line \
                 {line}, column {column}: {reason}){}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "its" } else { "their" },
                if n == 1 { "" } else { "s" },
                part.map(|p| format!("{p} ")).unwrap_or_default(),
                if negative {
                    "; a period export reports net changes (e.g. likes minus likes removed), \
                     which can be negative: export the period \"Lifetime\" for totals"
                } else {
                    "; fix the cells in the file to import them"
                }
            ));
        }
    }
}

/// The message for an empty cell where a count is required (a platform row's views).
pub fn required_count(header: &str) -> String {
    format!("column `{header}` is empty; a count is required here (0 if there were none)")
}

/// Longest `quoted` value a message repeats whole; longer ones (a 10 MB cell) are shortened.
const MAX_QUOTED_CHARS: usize = 120;

/// A message with every `quoted` value longer than [`MAX_QUOTED_CHARS`] shortened to its start,
/// `…`, its end and its length, so that a huge cell does not become a huge error.
pub fn clip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4096));
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let n = part.chars().count();
        if i % 2 == 1 && n > MAX_QUOTED_CHARS {
            out.extend(part.chars().take(80));
            out.push_str(&format!(" … ({n} characters) … "));
            out.extend(part.chars().skip(n - 20));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The first names of a list, for messages.
pub fn list(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(8)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 8 {
        s.push_str(&format!(" and {} more", names.len() - 8));
    }
    s
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A sink that keeps everything, for unit tests of the importers.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct VecSink {
    pub rows: Vec<Row>,
    pub bad: Vec<BadRow>,
    pub notes: Vec<String>,
    pub detail: Option<String>,
}

#[cfg(test)]
impl RowSink for VecSink {
    fn row(&mut self, row: Row) {
        self.rows.push(row);
    }
    fn bad(&mut self, bad: BadRow) {
        self.bad.push(bad);
    }
    fn note(&mut self, note: String) {
        self.notes.push(note);
    }
    fn describe(&mut self, detail: String) {
        self.detail = Some(detail);
    }
}

/// Read a file with one importer into a [`VecSink`] (unit tests).
#[cfg(test)]
pub(crate) fn read_with(
    importer: &dyn Importer,
    path: &Path,
    options: &ReadOptions,
) -> Result<VecSink, ParseError> {
    let file = ExportFile::open(path).map_err(|e| ParseError::Format(e.to_string()))?;
    if let Err(e) = refuse_damaged(&file) {
        return Err(ParseError::Format(e.to_string()));
    }
    let mut sink = VecSink::default();
    importer.read(&file, options, &mut sink)?;
    Ok(sink)
}

/// Write bytes to a temporary file with this name (unit tests).
#[cfg(test)]
pub(crate) fn temp_file(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, content).unwrap();
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quoted_values_are_clipped_in_messages() {
        let big = "x".repeat(10_000_000);
        let m = clip_quoted(&format!(
            "column `platform`: unknown platform `{big}`; use `youtube`"
        ));
        assert!(m.len() < 300, "{}", m.len());
        assert!(
            m.starts_with("column `platform`: unknown platform `xxx"),
            "{m}"
        );
        assert!(m.contains("(10000000 characters)"), "{m}");
        assert!(m.ends_with("xxx`; use `youtube`"), "{m}");
        let short = "`ž` is not a number";
        assert_eq!(clip_quoted(short), short);
    }

    #[test]
    fn as_of_forms() {
        assert_eq!(
            parse_as_of("2020-09-30").unwrap(),
            When::CampaignEndOf(NaiveDate::from_ymd_opt(2020, 9, 30).unwrap())
        );
        assert!(matches!(
            parse_as_of("2020-09-30T18:00:00+02:00").unwrap(),
            When::Instant(t) if t.to_rfc3339() == "2020-09-30T16:00:00+00:00"
        ));
        assert!(parse_as_of("yesterday").unwrap_err().contains("--as-of"));
    }

    #[test]
    fn containers_are_sniffed_from_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let kind = |name: &str, bytes: &[u8]| {
            let f = ExportFile::open(&temp_file(&dir, name, bytes)).unwrap();
            f.container.clone()
        };
        assert_eq!(kind("a.xlsx", b"Date,Views\n"), Container::Text);
        // UTF-16 text is decoded (issue 17: it was refused before); invalid UTF-16 stays
        assert_eq!(kind("a.csv", b"\xff\xfeD\x00"), Container::Text);
        assert_eq!(kind("a.csv", b"\xff\xfe\x00\xdcA\x00"), Container::Utf16);
        assert_eq!(
            kind(
                "a.csv",
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]
            ),
            Container::Xls
        );
        assert_eq!(kind("a.csv", b"\x89PNG\r\n\x1a\n\0\0"), Container::Binary);
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("Table data.csv", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"Content,Views\n").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(
            kind("renamed.txt", &bytes),
            Container::Zip(vec!["Table data.csv".into()])
        );
    }

    #[test]
    fn progress_reader_tracks_the_position() {
        let bar = ProgressBar::hidden();
        let mut r = Progress {
            inner: std::io::Cursor::new(vec![0u8; 100]),
            bar: Some(bar.clone()),
        };
        let mut buf = [0u8; 40];
        r.read_exact(&mut buf).unwrap();
        assert_eq!(bar.position(), 40);
        r.seek(SeekFrom::Start(90)).unwrap();
        assert_eq!(bar.position(), 90);
    }
}

/// A file under `tests/fixtures/exports/` (unit tests).
#[cfg(test)]
pub(crate) fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exports")
        .join(rel)
}

#[cfg(test)]
mod detection_tests {
    use super::*;

    #[test]
    fn every_fixture_is_detected_from_its_content() {
        let cases = [
            (
                "youtube/en/Content 2020-07-24_2020-08-02 Conectart.zip",
                "youtube-studio",
            ),
            (
                "youtube/cs/Obsah 2020-07-24_2020-08-02 Conectart.zip",
                "youtube-studio",
            ),
            (
                "youtube/en/Video 2020-07-24_2020-08-02 Děkujeme.zip",
                "youtube-studio",
            ),
            ("youtube/en/Chart data.csv", "youtube-studio"),
            ("youtube/en/Table data.csv", "youtube-studio"),
            ("youtube/cs/Data grafu (Excel).csv", "youtube-studio"),
            ("youtube/sk/Chart data.csv", "youtube-studio"),
            ("youtube/de/Chart data.csv", "youtube-studio"),
            ("youtube/pl/Chart data.csv", "youtube-studio"),
            ("youtube/es/Chart data.csv", "youtube-studio"),
            ("youtube/fr/Chart data.csv", "youtube-studio"),
            ("meta/en/Jul-24-2020_Aug-02-2020_lifetime.csv", "meta"),
            ("meta/cs/Jul-24-2020_Jul-30-2020_daily.csv", "meta"),
            ("meta/de/daily.csv", "meta"),
            (
                "linkedin/en/conectart_content_1596146400000.xlsx",
                "linkedin",
            ),
            (
                "linkedin/en/conectart_content_1596146400000.xls",
                "linkedin",
            ),
            (
                "linkedin/cs/conectart_content_1596146400000.xlsx",
                "linkedin",
            ),
            (
                "linkedin/cs/conectart_content_1596146400000.xls",
                "linkedin",
            ),
        ];
        for (rel, format) in cases {
            let file = ExportFile::open(&fixture(rel)).unwrap();
            assert_eq!(detect(&file).map(|i| i.name()), Some(format), "{rel}");
        }
        // Totals.csv alone is not taken for anything
        let file = ExportFile::open(&fixture("youtube/en/Totals.csv")).unwrap();
        assert!(detect(&file).is_none());
        let m = unrecognised(&file);
        assert!(m.contains("first line: `Date,Views`"), "{m}");
        assert!(m.contains("YouTube Studio Totals"), "{m}");
    }

    #[test]
    fn the_name_does_not_decide_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let bytes =
            std::fs::read(fixture("linkedin/en/conectart_content_1596146400000.xlsx")).unwrap();
        let p = temp_file(&dir, "report.csv", &bytes);
        let file = ExportFile::open(&p).unwrap();
        assert_eq!(detect(&file).map(|i| i.name()), Some("linkedin"));
        let bytes = std::fs::read(fixture("youtube/en/Chart data.csv")).unwrap();
        let p = temp_file(&dir, "data.xlsx", &bytes);
        let file = ExportFile::open(&p).unwrap();
        assert_eq!(detect(&file).map(|i| i.name()), Some("youtube-studio"));
    }

    #[test]
    fn unrecognised_files_say_what_they_hold() {
        let dir = tempfile::tempdir().unwrap();
        let msg = |name: &str, bytes: &[u8]| {
            let file = ExportFile::open(&temp_file(&dir, name, bytes)).unwrap();
            assert!(detect(&file).is_none(), "{name}");
            unrecognised(&file)
        };
        let m = msg(
            "x.csv",
            "Datum,Obsah,Název videa\n2020-07-24,a,b\n".as_bytes(),
        );
        assert!(
            m.contains("the nearest known format is YouTube Studio Chart data"),
            "{m}"
        );
        assert!(m.contains("Czech headers"), "{m}");
        assert!(m.contains("missing a metric column"), "{m}");
        let m = msg("y.csv", b"foo,bar\n1,2\n");
        assert!(m.contains("the tidy CSV needs the header"), "{m}");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("notes.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"hello").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let m = msg("z.zip", &bytes);
        assert!(m.contains("ZIP archive whose entries (`notes.txt`)"), "{m}");
        let m = msg("p.png", b"\x89PNG\r\n\x1a\n\0\0\0");
        assert!(m.contains("first bytes: 89 50 4e 47"), "{m}");
        let m = msg("u.csv", b"\xff\xfe\x00\xdcA\x00");
        assert!(m.contains("UTF-16"), "{m}");
    }
}
