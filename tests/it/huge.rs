//! Huge inputs (issue 8, point 3): `viewtally import` of files far larger than any export either
//! streams them in bounded memory or refuses them with an error naming the file and line; it
//! never hangs, panics or allocates without bound.
//!
//! Each case writes its file into a temp dir, runs the binary and measures the child's peak
//! resident memory (`wait4`'s `ru_maxrss`) and time. Streaming cases compare the peak with the
//! same import of a tiny file of the same format: the 8 MB files hold ~200 000 rows, so
//! keeping ~120 bytes per row would exceed [`STREAM_SLACK_MB`]. Rows are 8 MB because a debug
//! build parses ~1.5 MB/s; files refused early are 100 MB; the 1 GB ones are `#[ignore]`d,
//! see README "Fuzzing".

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::common::*;

const MB: u64 = 1_000_000;
/// A run longer than this counts as a hang (a debug build, on a busy machine).
const TIMEOUT: Duration = Duration::from_secs(300);
/// The most resident memory any import may use.
const MAX_RSS_MB: u64 = 500;
/// How much more than the same import of a tiny file a streamed import may use.
const STREAM_SLACK_MB: u64 = 24;

struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    peak_rss_mb: u64,
    took: Duration,
}

/// Read a child's pipe to the end on a thread (so a chatty child cannot block on a full pipe).
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            let mut bytes = Vec::new();
            let _ = p.read_to_end(&mut bytes);
            s = String::from_utf8_lossy(&bytes).into_owned();
        }
        s
    })
}

/// `viewtally import FILE ARGS…` in `env`, with its peak RSS; killed (and the test failed) after
/// [`TIMEOUT`].
// The child is reaped by `wait4` (which also gives its rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn import(env: &Env, file: &Path, extra: &[&str]) -> Measured {
    env.write("config/viewtally.toml", CONFIG);
    let start = Instant::now();
    let mut child = env
        .command_fixed(&["import"])
        .arg(file)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run viewtally");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert_eq!(r, 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            panic!(
                "viewtally import {} still ran after {TIMEOUT:?}: a hang",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = start.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let m = Measured {
        code,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        // ru_maxrss is in KiB on Linux.
        peak_rss_mb: usage.ru_maxrss as u64 * 1024 / MB,
        took,
    };
    eprintln!(
        "{}: exit {}, peak RSS {} MB, {:.1} s",
        file.display(),
        m.code,
        m.peak_rss_mb,
        m.took.as_secs_f64()
    );
    assert!(
        !m.stderr.contains("panicked"),
        "{}: panicked:\n{}",
        file.display(),
        m.stderr
    );
    assert!(
        m.peak_rss_mb < MAX_RSS_MB,
        "{}: peak RSS {} MB",
        file.display(),
        m.peak_rss_mb
    );
    m
}

/// `header`, then `row` repeated until the file holds at least `bytes`.
fn rows_file(env: &Env, name: &str, header: &str, row: &str, bytes: u64) -> PathBuf {
    let path = env.path(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("folder");
    }
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).expect("create"));
    w.write_all(header.as_bytes()).expect("write");
    let block = row.repeat((1 << 20) / row.len() + 1);
    let mut written = header.len() as u64;
    while written < bytes {
        w.write_all(block.as_bytes()).expect("write");
        written += block.len() as u64;
    }
    w.flush().expect("flush");
    path
}

/// `header`, then one line of `bytes` bytes, then a line break (without it the file ends in
/// the middle of a line and is refused as incomplete before it is read: issue 13).
fn long_line_file(env: &Env, name: &str, header: &str, bytes: u64) -> PathBuf {
    let path = rows_file(env, name, header, "x", bytes);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open");
    f.write_all(b"\n").expect("write");
    path
}

/// A ZIP of these entries, deflated, built in `env`; an entry's content is `header` then `row`
/// repeated to `bytes`.
fn zip_file(env: &Env, name: &str, entries: &[(&str, &str, &str, u64)]) -> PathBuf {
    let path = env.path(name);
    let mut z = zip::ZipWriter::new(BufWriter::new(
        std::fs::File::create(&path).expect("create"),
    ));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    for (entry, header, row, bytes) in entries {
        z.start_file(*entry, options).expect("zip entry");
        z.write_all(header.as_bytes()).expect("write");
        let block = row.repeat((1 << 20) / row.len() + 1);
        let mut written = header.len() as u64;
        while written < *bytes {
            z.write_all(block.as_bytes()).expect("write");
            written += block.len() as u64;
        }
    }
    z.finish().expect("zip").flush().expect("flush");
    path
}

/// A LinkedIn `.xlsx` (the committed fixture) with one entry replaced by `header` + `row`
/// repeated to `bytes` (+ `footer`).
fn xlsx_with(
    env: &Env,
    name: &str,
    replace: &str,
    parts: (&str, &str, &str),
    bytes: u64,
) -> PathBuf {
    let template = std::fs::read(repo(
        "tests/fixtures/exports/linkedin/en/conectart_content_1596146400000.xlsx",
    ))
    .expect("fixture");
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(template)).expect("fixture zip");
    let path = env.path(name);
    let mut z = zip::ZipWriter::new(BufWriter::new(
        std::fs::File::create(&path).expect("create"),
    ));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    let mut names = Vec::new();
    for i in 0..src.len() {
        let mut e = src.by_index(i).expect("entry");
        let entry = e.name().to_string();
        if entry == replace {
            continue;
        }
        z.start_file(entry.as_str(), options).expect("zip entry");
        std::io::copy(&mut e, &mut z).expect("copy");
        names.push(entry);
    }
    let (header, row, footer) = parts;
    z.start_file(replace, options).expect("zip entry");
    z.write_all(header.as_bytes()).expect("write");
    let block = row.repeat((1 << 20) / row.len() + 1);
    let mut written = header.len() as u64;
    while written < bytes {
        z.write_all(block.as_bytes()).expect("write");
        written += block.len() as u64;
    }
    z.write_all(footer.as_bytes()).expect("write");
    z.finish().expect("zip").flush().expect("flush");
    path
}

/// A file of `bytes` zero bytes, made sparse (no disk space, no time to write).
fn sparse_file(env: &Env, name: &str, bytes: u64) -> PathBuf {
    let path = env.path(name);
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(bytes))
        .expect("sparse file");
    path
}

const TIDY_HEADER: &str = "platform,video,account,metric,kind,at,value\n";
/// A row of a video the test config does not list: read, counted, dropped.
const TIDY_OTHER: &str = "youtube,zz9,,views,daily,2020-07-25,300\n";
const CHART_HEADER: &str = "Date,Content,Video title,Views\n";
const CHART_OTHER: &str = "2020-07-25,zzzzzzzzzz9,Another video,300\n";
const META_HEADER: &str =
    "Post ID,Page ID,Page name,Title,Publish time,Permalink,Post type,Views,Reach\n";
const META_OTHER: &str =
    "999999999999999,1106412345678901,Conectart,Other,07/25/2020 10:00,,Videos,300,200\n";

/// The file is refused with exit 2, a short message naming it and (for text) the line, fast.
#[track_caller]
fn assert_refused(m: &Measured, file: &str, says: &[&str]) {
    assert_eq!(
        m.code, 2,
        "{file}: stdout:\n{}\nstderr:\n{}",
        m.stdout, m.stderr
    );
    assert!(m.stderr.contains(file), "{file}: {}", m.stderr);
    for s in says {
        assert!(m.stderr.contains(s), "{file}: no `{s}` in: {}", m.stderr);
    }
    assert!(
        m.stderr.len() < 2_000,
        "{file}: {} bytes of error",
        m.stderr.len()
    );
    assert!(
        m.stdout.is_empty(),
        "{file}: stored something: {}",
        m.stdout
    );
}

/// A streamed import uses about as much memory as the same import of a tiny file.
#[track_caller]
fn assert_streamed(m: &Measured, tiny: &Measured, rows_said: &str) {
    assert_eq!(m.code, 0, "stdout:\n{}\nstderr:\n{}", m.stdout, m.stderr);
    assert!(m.stdout.contains(rows_said), "{}", m.stdout);
    assert!(
        m.peak_rss_mb <= tiny.peak_rss_mb + STREAM_SLACK_MB,
        "streaming used {} MB, a tiny file {} MB",
        m.peak_rss_mb,
        tiny.peak_rss_mb
    );
}

#[test]
fn tidy_csv_rows_are_streamed() {
    let env = Env::new();
    let tiny = rows_file(&env, "tiny.csv", TIDY_HEADER, TIDY_OTHER, 1);
    let tiny = import(&env, &tiny, &[]);
    let big = rows_file(&env, "big.csv", TIDY_HEADER, TIDY_OTHER, 8 * MB);
    let m = import(&env, &big, &[]);
    assert_streamed(&m, &tiny, "rows of videos the campaign does not list");
    // Bad rows too: counted, a few shown, not all kept.
    let bad = rows_file(
        &env,
        "bad.csv",
        TIDY_HEADER,
        "youtube,yt1,,views,daily,nope,1\n",
        4 * MB,
    );
    let m = import(&env, &bad, &["--skip-bad-rows"]);
    assert_eq!(m.code, 0, "{}", m.stderr);
    assert!(m.stdout.contains("bad rows"), "{}", m.stdout);
    assert!(
        m.stderr.len() < 100_000,
        "{} bytes of warnings",
        m.stderr.len()
    );
    assert!(
        m.peak_rss_mb <= tiny.peak_rss_mb + STREAM_SLACK_MB,
        "{} MB",
        m.peak_rss_mb
    );
}

#[test]
fn youtube_chart_csv_rows_are_streamed() {
    let env = Env::new();
    let tiny = rows_file(&env, "Chart data.csv", CHART_HEADER, CHART_OTHER, 1);
    let tiny = import(&env, &tiny, &[]);
    let big = rows_file(
        &env,
        "big/Chart data.csv",
        CHART_HEADER,
        CHART_OTHER,
        8 * MB,
    );
    let m = import(&env, &big, &[]);
    assert_streamed(&m, &tiny, "rows of videos the campaign does not list");
}

#[test]
fn meta_csv_rows_are_streamed() {
    let env = Env::new();
    let tiny = rows_file(&env, "meta.csv", META_HEADER, META_OTHER, 1);
    let tiny = import(&env, &tiny, &["--as-of", "2020-08-01"]);
    let big = rows_file(&env, "big-meta.csv", META_HEADER, META_OTHER, 8 * MB);
    let m = import(&env, &big, &["--as-of", "2020-08-01"]);
    assert_streamed(&m, &tiny, "rows of videos the campaign does not list");
}

#[test]
fn youtube_zip_with_a_large_member_is_streamed() {
    let env = Env::new();
    let table = "Content,Video title,Video publish time,Views\nTotal,,,0\n";
    let tiny = zip_file(
        &env,
        "Content 2020-07-24_2020-08-02 Tiny.zip",
        &[
            ("Table data.csv", table, "\n", 1),
            ("Chart data.csv", CHART_HEADER, CHART_OTHER, 1),
        ],
    );
    let tiny = import(&env, &tiny, &[]);
    let big = zip_file(
        &env,
        "Content 2020-07-24_2020-08-02 Big.zip",
        &[
            ("Table data.csv", table, "\n", 1),
            ("Chart data.csv", CHART_HEADER, CHART_OTHER, 8 * MB),
        ],
    );
    let m = import(&env, &big, &[]);
    assert_streamed(&m, &tiny, "rows of videos the campaign does not list");
}

#[test]
fn a_100_mb_line_is_refused_with_its_line() {
    let env = Env::new();
    let f = long_line_file(&env, "line.csv", TIDY_HEADER, 100 * MB);
    let m = import(&env, &f, &["--skip-bad-rows"]);
    assert_refused(
        &m,
        "line.csv",
        &[
            "line.csv:2:1: ",
            "longer than 1 MiB",
            "nothing from this file was stored",
        ],
    );
    let f = long_line_file(&env, "meta-line.csv", META_HEADER, 100 * MB);
    let m = import(&env, &f, &[]);
    assert_refused(
        &m,
        "meta-line.csv",
        &["meta-line.csv:2:1: ", "longer than 1 MiB"],
    );
    // A quote opened and never closed, over lines: one record that never ends.
    let f = rows_file(
        &env,
        "quote.csv",
        &format!("{CHART_HEADER}2020-07-25,\""),
        "a,b\n",
        20 * MB,
    );
    let m = import(&env, &f, &[]);
    // Issue 13: it ends inside the open quote, so it is refused as incomplete before reading.
    assert_refused(
        &m,
        "quote.csv",
        &["ends in the middle of line 2 (incomplete download?)"],
    );
    // A header that never ends.
    let f = long_line_file(&env, "header.csv", "", 10 * MB);
    let m = import(&env, &f, &[]);
    assert_refused(&m, "header.csv", &[]);
}

#[test]
fn a_header_of_300_000_columns_is_matched_in_linear_time() {
    // Header matching once normalized every alias for every column: this took 108 s.
    let env = Env::new();
    let header = format!("Date,Content,Views,{}\n", "a,".repeat(300_000));
    for name in ["wide.csv", "wide-meta.csv"] {
        let f = rows_file(&env, name, &header, "2020-07-25,yt1,5\n", 1);
        let m = import(&env, &f, &[]);
        assert!(m.code == 0 || m.code == 2, "{}", m.stderr);
        assert!(m.stderr.len() < 2_000, "{} bytes", m.stderr.len());
        assert!(m.took < Duration::from_secs(30), "{:?}", m.took);
    }
}

#[test]
fn a_zip_member_of_one_100_mb_line_is_refused() {
    let env = Env::new();
    let f = zip_file(
        &env,
        "Content 2020-07-24_2020-08-02 Line.zip",
        &[("Chart data.csv", CHART_HEADER, "x", 100 * MB)],
    );
    let m = import(&env, &f, &[]);
    assert_refused(
        &m,
        "Line.zip",
        &["[Chart data.csv]:2:1: ", "longer than 1 MiB"],
    );
}

#[test]
fn an_xlsx_that_unpacks_to_100_mb_is_refused() {
    let env = Env::new();
    let sheet = (
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
        "<row><c t=\"inlineStr\"><is><t>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</t></is></c></row>",
        "</sheetData></worksheet>",
    );
    let f = xlsx_with(
        &env,
        "bomb_content_1596146400000.xlsx",
        "xl/worksheets/sheet1.xml",
        sheet,
        100 * MB,
    );
    assert!(std::fs::metadata(&f).expect("xlsx").len() < 5 * MB);
    let m = import(&env, &f, &[]);
    assert_refused(
        &m,
        "bomb_content_1596146400000.xlsx",
        &["unpacks to more than 64 MiB"],
    );
    let m = import(&env, &f, &["--format", "linkedin"]);
    assert_refused(
        &m,
        "bomb_content_1596146400000.xlsx",
        &["unpacks to more than 64 MiB"],
    );
    // Shared strings (calamine reads them whole when it opens the workbook).
    let strings = (
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
        "<si><t>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</t></si>",
        "</sst>",
    );
    let f = xlsx_with(
        &env,
        "strings_content_1596146400000.xlsx",
        "xl/sharedStrings.xml",
        strings,
        100 * MB,
    );
    let m = import(&env, &f, &["--format", "linkedin"]);
    assert_refused(
        &m,
        "strings_content_1596146400000.xlsx",
        &["unpacks to more than 64 MiB"],
    );
}

#[test]
fn a_100_mb_binary_file_is_refused() {
    let env = Env::new();
    let f = sparse_file(&env, "zeros.csv", 100 * MB);
    let m = import(&env, &f, &[]);
    assert_refused(&m, "zeros.csv", &["not text, a ZIP or an Excel workbook"]);
    for format in ["tidy-csv", "youtube-studio", "meta", "linkedin"] {
        let m = import(&env, &f, &["--format", format]);
        assert_eq!(m.code, 2, "{format}: {}", m.stderr);
        assert!(m.stderr.contains("zeros.csv"), "{format}: {}", m.stderr);
        assert!(m.stderr.len() < 2_000, "{format}: {}", m.stderr);
    }
}

// 1 GB: `cargo test --test main it::huge -- --ignored` (a few minutes in a debug build).

#[test]
#[ignore = "1 GB; run with --ignored"]
fn one_gigabyte_single_line_is_refused() {
    let env = Env::new();
    let f = long_line_file(&env, "gig-line.csv", TIDY_HEADER, 1000 * MB);
    let m = import(&env, &f, &[]);
    assert_refused(
        &m,
        "gig-line.csv",
        &["gig-line.csv:2:1: ", "longer than 1 MiB"],
    );
}

#[test]
#[ignore = "1 GB; run with --ignored"]
fn one_gigabyte_sparse_binary_is_refused() {
    let env = Env::new();
    let f = sparse_file(&env, "gig.xlsx", 1000 * MB);
    let m = import(&env, &f, &[]);
    assert_refused(&m, "gig.xlsx", &["not text"]);
}

#[test]
#[ignore = "1 GB; run with --ignored"]
fn one_gigabyte_zip_member_is_refused() {
    let env = Env::new();
    let f = zip_file(
        &env,
        "Content 2020-07-24_2020-08-02 Gig.zip",
        &[("Chart data.csv", CHART_HEADER, "x", 1000 * MB)],
    );
    let m = import(&env, &f, &[]);
    assert_refused(&m, "Gig.zip", &["longer than 1 MiB"]);
}

/// Peak memory allowed for importing 1.2 million rows of a listed video. Held in memory as
/// before issue 18 (~300 bytes a row), they took well over 350 MB; streamed to the store in
/// chunks, what grows is the check of lifetime totals (~30 bytes a total).
const MILLION_ROWS_MAX_RSS_MB: u64 = 200;

#[test]
#[ignore = "1.2 million rows of a listed video (minutes in a debug build); run with --ignored"]
fn more_than_a_million_rows_of_a_listed_video_import() {
    // The rows of a listed video are handed to the store in chunks, all in one transaction:
    // a file of any length imports (it was refused past 1 000 000 values), in bounded memory.
    let env = Env::new();
    let f = env.path("many.csv");
    let mut w = BufWriter::new(std::fs::File::create(&f).expect("create"));
    w.write_all(TIDY_HEADER.as_bytes()).expect("write");
    let start = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a time");
    let n = 1_200_000u64;
    for i in 0..n {
        let at = start + chrono::Duration::minutes(i as i64 * 5);
        writeln!(
            w,
            "youtube,yt1,,views,total,{}Z,{i}",
            at.format("%Y-%m-%dT%H:%M:%S")
        )
        .expect("write");
    }
    w.flush().expect("flush");
    let m = import(&env, &f, &[]);
    assert_eq!(m.code, 0, "{}", m.stderr);
    assert!(
        m.stdout
            .contains(&format!("{n} rows → {n} new, 0 updated, 0 unchanged")),
        "{}",
        m.stdout
    );
    assert!(
        m.peak_rss_mb < MILLION_ROWS_MAX_RSS_MB,
        "peak RSS {} MB",
        m.peak_rss_mb
    );
}
