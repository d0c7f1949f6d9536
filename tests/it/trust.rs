//! Issue 13: every bad or damaged file is refused for the right reason, with the physical line
//! and column a text editor shows, and `--dry-run` says the same as the import.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone, Utc};
use viewtally::config::Config;
use viewtally::exports::{self, ImportOptions, When};

use super::common::*;

/// One campaign that takes every video of the files imported into it.
fn open_config() -> String {
    ConfigBuilder::new()
        .campaign("c1", "Test campaign")
        .key("launched", "2020-07-24T09:00:00+02:00")
        .key("milestones", vec![100, 200])
        .key("language", "en")
        .build()
}

/// The values that are not counts.
const BAD_VALUES: [&str; 5] = ["n/a", "—", "-", "12abc", ""];

/// Import `file` for real and as a dry run: both must be refused with the same message, which is
/// returned. Nothing may be stored.
#[track_caller]
fn refused(env: &Env, file: &Path, extra: &[&str]) -> String {
    let f = file.to_str().unwrap();
    let mut args = vec!["import", f];
    args.extend_from_slice(extra);
    let real = env.run(&args);
    assert_eq!(
        real.code, 2,
        "{f}: stdout {} stderr {}",
        real.stdout, real.stderr
    );
    args.push("--dry-run");
    let dry = env.run(&args);
    assert_eq!(
        dry.code, 2,
        "{f}: stdout {} stderr {}",
        dry.stdout, dry.stderr
    );
    assert_eq!(
        real.stderr, dry.stderr,
        "--dry-run must say the same as the import"
    );
    let r = env.run(&["export", "--format", "csv"]).ok();
    assert_eq!(r.stdout.lines().count(), 1, "nothing stored: {}", r.stdout);
    real.stderr
}

/// A Meta, YouTube Chart data, YouTube Studio ZIP and tidy CSV with `{}` as the views of one row;
/// the file name, the bytes and where the cell is (`entry` for a ZIP) with its header.
fn text_cases(bad: &str) -> Vec<(&'static str, Vec<u8>, String)> {
    let meta = std::fs::read_to_string(repo(
        "tests/fixtures/exports/meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
    ))
    .unwrap();
    // Row 3 (line 3) is 07/25/2020 with 820 views in column 18.
    let meta = meta.replacen(",07/25/2020,820,", &format!(",07/25/2020,{bad},"), 1);
    let chart =
        std::fs::read_to_string(repo("tests/fixtures/exports/youtube/en/Chart data.csv")).unwrap();
    let mut lines: Vec<String> = chart.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let views_col = header.iter().position(|h| *h == "Views").unwrap();
    // Views is the last column (earlier cells hold quoted commas).
    assert_eq!(views_col + 1, header.len());
    let (before, _) = lines[2].rsplit_once(',').unwrap();
    lines[2] = format!("{before},{bad}");
    let chart = lines.join("\n") + "\n";
    let tidy = format!(
        "platform,video,account,metric,kind,at,value\n\
         youtube,dQ8mC2c4Rx0,,views,daily,2020-07-24,5\n\
         youtube,dQ8mC2c4Rx0,,views,daily,2020-07-25,{bad}\n"
    );
    let zip = rezip(
        &repo("tests/fixtures/exports/youtube/en/Content 2020-07-24_2020-08-02 Conectart.zip"),
        "Chart data.csv",
        |_| chart.clone().into_bytes(),
    );
    vec![
        (
            "meta.csv",
            meta.into_bytes(),
            "meta.csv:3:18: column `Views`".to_string(),
        ),
        (
            "Chart data.csv",
            chart.clone().into_bytes(),
            format!("Chart data.csv:3:{}: column `Views`", views_col + 1),
        ),
        (
            "Content 2020-07-24_2020-08-02 Conectart.zip",
            zip,
            format!(
                "Content 2020-07-24_2020-08-02 Conectart.zip[Chart data.csv]:3:{}: column `Views`",
                views_col + 1
            ),
        ),
        (
            "tidy.csv",
            tidy.into_bytes(),
            "tidy.csv:3:7: column `value`".to_string(),
        ),
    ]
}

/// A ZIP (or `.xlsx`) rebuilt with the entries whose name ends with `entry` changed by `edit`.
fn rezip(path: &Path, entry: &str, edit: impl Fn(Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(std::fs::read(path).unwrap())).unwrap();
    let mut zout = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut e = zin.by_index(i).unwrap();
        let name = e.name().to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        if name.ends_with(entry) {
            data = edit(data);
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(&data).unwrap();
    }
    zout.finish().unwrap().into_inner()
}

#[test]
fn non_numeric_counts_are_bad_rows_in_every_format() {
    for bad in BAD_VALUES {
        for (name, bytes, at) in text_cases(bad) {
            let env = Env::new();
            env.write("config/viewtally.toml", &open_config());
            let p = env.path(name);
            std::fs::write(&p, &bytes).unwrap();
            let err = refused(&env, &p, &[]);
            assert!(err.contains(&at), "{name} `{bad}`: {err}");
            let why = if bad.is_empty() {
                "is empty"
            } else {
                "is not a"
            };
            assert!(err.contains(why), "{name} `{bad}`: {err}");
            assert!(err.contains("--skip-bad-rows"), "{name} `{bad}`: {err}");
            // With --skip-bad-rows the other rows are stored and the one row counts once.
            let r = env
                .run(&["import", p.to_str().unwrap(), "--skip-bad-rows"])
                .ok();
            assert!(
                r.stdout.contains("skipped 1 bad row (see"),
                "{name} `{bad}`: {}",
                r.stdout
            );
        }
    }
}

#[test]
fn non_numeric_counts_are_bad_rows_in_linkedin_workbooks() {
    // `All posts` row 3, column K: the video's views. (An empty Views cell is allowed in a
    // LinkedIn workbook: LinkedIn leaves it empty for posts without a video.)
    for bad in ["n/a", "—", "-", "12abc"] {
        let env = Env::new();
        env.write("config/viewtally.toml", &open_config());
        let bytes = rezip(
            &repo("tests/fixtures/exports/linkedin/en/conectart_content_1596146400000.xlsx"),
            "sheet2.xml",
            |x| {
                String::from_utf8(x)
                    .unwrap()
                    .replacen(
                        r#"<c r="K3" t="n"><v>2345</v></c>"#,
                        &format!(r#"<c r="K3" t="inlineStr"><is><t>{bad}</t></is></c>"#),
                        1,
                    )
                    .into_bytes()
            },
        );
        let p = env.path("conectart_content_1596146400000.xlsx");
        std::fs::write(&p, bytes).unwrap();
        let err = refused(&env, &p, &[]);
        assert!(
            err.contains(
                "conectart_content_1596146400000.xlsx[All posts]:3:11: column `Views (excluding off-site video views)`"
            ) && err.contains("is not a"),
            "`{bad}`: {err}"
        );
    }
}

/// Every file under `dir` (recursively), but not scripts or notes.
fn export_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            export_files(&p, out);
        } else if !p
            .extension()
            .is_some_and(|e| e == "py" || e == "md" || e == "toml")
        {
            out.push(p);
        }
    }
}

/// What an import of these bytes (named `name`) gives: per (video, metric, kind) the count of
/// values and their sum, or the error.
fn import_bytes(
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<std::collections::BTreeMap<String, (usize, i64)>, String> {
    let config = Config::parse(
        &open_config().replace(
            "sqlite://data/test.db",
            &format!("sqlite://{}/t.db", dir.display()),
        ),
        "viewtally.toml",
    )
    .unwrap();
    let mut store = viewtally::store::open(&config.store.url).unwrap();
    let sub = dir.join("cut");
    std::fs::create_dir_all(&sub).unwrap();
    let path = sub.join(name);
    std::fs::write(&path, bytes).unwrap();
    let options = ImportOptions {
        campaign: Some("c1".into()),
        all_videos: true,
        dry_run: true,
        as_of: Some(When::EndOf(NaiveDate::from_ymd_opt(2020, 10, 1).unwrap())),
        ..Default::default()
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    exports::import_file(&path, &config, store.as_mut(), &options, now)
        .map(|r| {
            r.preview
                .iter()
                .map(|l| {
                    (
                        format!("{} {} {}", l.video, l.metric.as_str(), l.kind.as_str()),
                        (l.count, l.sum),
                    )
                })
                .collect()
        })
        .map_err(|e| e.to_string())
}

/// Every export of the demo and of the test fixtures, cut at 20 points: refused as cut short
/// or damaged, or (a text file cut right after a line break, where no format can tell) read
/// as exactly the complete rows before the cut.
#[test]
fn cut_files_are_refused_as_incomplete_or_read_up_to_the_cut() {
    let mut files = Vec::new();
    export_files(&repo("config/demo"), &mut files);
    export_files(&repo("tests/fixtures/exports"), &mut files);
    assert!(files.len() > 25, "{files:?}");
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        let bytes = std::fs::read(file).unwrap();
        if bytes.starts_with(b"\xff\xfe") {
            // UTF-16: line breaks are two bytes; tests/it/variants.rs cuts these files.
            continue;
        }
        let whole = import_bytes(dir.path(), name, &bytes);
        let is_text = !bytes.starts_with(b"PK") && !bytes.starts_with(&[0xD0, 0xCF]);
        let mut cuts: Vec<usize> = (0..20).map(|k| bytes.len() * k / 20).collect();
        // Just before the final line break: the last row is whole but unterminated.
        cuts.push(bytes.len() - 1);
        for cut in cuts {
            let part = &bytes[..cut];
            let got = import_bytes(dir.path(), name, part);
            let at_row_end = is_text && part.last().is_some_and(|b| *b == b'\n');
            match got {
                Err(e) => {
                    let damaged = e.contains("ends in the middle of line")
                        || e.contains("damaged or incomplete")
                        || e.contains("the file is empty (incomplete download?)");
                    // A text file cut after its header line, or after a row: what is left may
                    // be refused for what it is (e.g. a Totals.csv alone), never as another
                    // kind of file's content.
                    assert!(
                        damaged || (at_row_end && whole.is_err()),
                        "{} cut at {cut}/{}: {e}",
                        file.display(),
                        bytes.len()
                    );
                    if let Some(line) = e
                        .split("ends in the middle of line ")
                        .nth(1)
                        .and_then(|r| r.split(' ').next())
                    {
                        // The line the unfinished row starts on: the cut is on it or later.
                        let lines_before = part.iter().filter(|b| **b == b'\n').count() as u64 + 1;
                        let line: u64 = line.parse().unwrap();
                        assert!(line <= lines_before, "{e}");
                    }
                }
                Ok(rows) => {
                    assert!(
                        at_row_end,
                        "{} cut at {cut}/{} (not after a line break) was read: {rows:?}",
                        file.display(),
                        bytes.len()
                    );
                    // Exactly the complete rows: a prefix of the whole file's values.
                    let whole = whole
                        .as_ref()
                        .unwrap_or_else(|e| panic!("{} whole file refused: {e}", file.display()));
                    for (key, (count, _)) in &rows {
                        let (wc, _) = whole.get(key).unwrap_or_else(|| {
                            panic!(
                                "{} cut at {cut}: {key} not in the whole file",
                                file.display()
                            )
                        });
                        assert!(count <= wc, "{} cut at {cut}: {key}", file.display());
                    }
                    // The complete rows, checked against the same text read line by line.
                    let complete = String::from_utf8_lossy(part);
                    let n_lines = complete.lines().count();
                    let all = String::from_utf8_lossy(&bytes);
                    let prefix: String = all
                        .lines()
                        .take(n_lines)
                        .map(|l| format!("{l}\n"))
                        .collect();
                    let same = import_bytes(dir.path(), name, prefix.as_bytes());
                    assert_eq!(Ok(rows), same, "{} cut at {cut}", file.display());
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn a_daily_export_without_its_date_column_is_refused_as_contradictory() {
    let env = Env::new();
    env.write("config/viewtally.toml", &open_config());
    let text = std::fs::read_to_string(repo(
        "tests/fixtures/exports/meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
    ))
    .unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let date = rows[0].iter().position(|h| h == "Date").unwrap();
    // Saved again by a spreadsheet: CRLF line ends.
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in &rows {
        let cells: Vec<&str> = r
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != date)
            .map(|(_, c)| c)
            .collect();
        w.write_record(&cells).unwrap();
    }
    let p = env.path("no-date.csv");
    std::fs::write(&p, w.into_inner().unwrap()).unwrap();
    // Without --as-of: the physical line of the first row (2, not 1).
    let err = refused(&env, &p, &[]);
    assert!(err.contains("no-date.csv:2: "), "{err}");
    assert!(err.contains("--as-of"), "{err}");
    // With --as-of, as that message advises: refused, never stored as the last day's value.
    let err = refused(&env, &p, &["--as-of", "2020-08-01"]);
    assert!(
        err.contains(
            "7 different lifetime values for post 3112749605483751 in one file (`views` on lines 2, 3, 4, 5, 6, …): is this a daily export whose Date column was removed?"
        ),
        "{err}"
    );
    // A tidy CSV that gives one video two totals at one instant is refused too.
    let tidy = env.write(
        "two.csv",
        "platform,video,account,metric,kind,at,value\n\
         youtube,dQ8mC2c4Rx0,,views,total,2020-07-25T10:00:00Z,50\n\
         youtube,dQ8mC2c4Rx0,,views,total,2020-07-25T10:00:00Z,60\n",
    );
    let err = refused(&env, &tidy, &[]);
    assert!(
        err.contains(
            "2 different lifetime values for video dQ8mC2c4Rx0 in one file (`views` on lines 2, 3)"
        ),
        "{err}"
    );
    // The same value twice is no contradiction.
    let same = env.write(
        "same.csv",
        "platform,video,account,metric,kind,at,value\n\
         youtube,dQ8mC2c4Rx0,,views,total,2020-07-25T10:00:00Z,50\n\
         youtube,dQ8mC2c4Rx0,,views,total,2020-07-25T10:00:00Z,50\n",
    );
    env.run(&["import", same.to_str().unwrap()]).ok();
}

#[test]
fn cut_and_damaged_files_say_so_and_dry_run_agrees() {
    let env = Env::new();
    env.write("config/viewtally.toml", &open_config());
    let meta = std::fs::read(repo(
        "tests/fixtures/exports/meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
    ))
    .unwrap();
    let p = env.path("cut.csv");
    std::fs::write(&p, &meta[..1000]).unwrap();
    let err = refused(&env, &p, &[]);
    assert!(
        err.contains("cut.csv: the file ends in the middle of line 5 (incomplete download?)"),
        "{err}"
    );
    // An open quote (a title with a line break, cut inside it) ends in the middle of its row.
    let p = env.write(
        "quote.csv",
        "platform,video,account,metric,kind,at,value\n\
         youtube,dQ8mC2c4Rx0,\"Chan\nnel\",views,daily,2020-07-24,5\n\
         youtube,dQ8mC2c4Rx0,\"Chan\n",
    );
    let err = refused(&env, &p, &[]);
    assert!(err.contains("ends in the middle of line 4"), "{err}");
    // A quote inside a field is text, not an open quote.
    let p = env.write(
        "inch.csv",
        "platform,video,account,metric,kind,at,value\n\
         youtube,dQ8mC2c4Rx0,12\" screen,views,daily,2020-07-24,5\n",
    );
    env.run(&["import", p.to_str().unwrap(), "--dry-run"]).ok();
    let zip = std::fs::read(repo(
        "tests/fixtures/exports/youtube/en/Content 2020-07-24_2020-08-02 Conectart.zip",
    ))
    .unwrap();
    let p = env.path("Content 2020-07-24_2020-08-02 Conectart.zip");
    std::fs::write(&p, &zip[..zip.len() * 2 / 3]).unwrap();
    let err = refused(&env, &p, &[]);
    assert!(err.contains("damaged or incomplete ZIP"), "{err}");
    assert!(
        !err.contains("not text, a ZIP or an Excel workbook"),
        "{err}"
    );
    let xls = std::fs::read(repo(
        "tests/fixtures/exports/linkedin/en/conectart_content_1596146400000.xls",
    ))
    .unwrap();
    let p = env.path("conectart_content_1596146400000.xls");
    std::fs::write(&p, &xls[..xls.len() / 2]).unwrap();
    let err = refused(&env, &p, &[]);
    assert!(err.contains("damaged or incomplete"), "{err}");
    let p = env.write("empty.csv", "");
    let err = refused(&env, &p, &[]);
    assert!(
        err.contains("empty.csv: the file is empty (incomplete download?)"),
        "{err}"
    );
}

#[test]
fn rows_from_the_future_count_once() {
    let env = Env::new();
    env.write("config/viewtally.toml", &open_config());
    let text = std::fs::read_to_string(repo(
        "tests/fixtures/exports/meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
    ))
    .unwrap()
    .replacen(",07/25/2020,", ",07/25/2030,", 1);
    let p = env.write("future.csv", &text);
    let err = refused(&env, &p, &[]);
    // Line and column of the date (`Date` is column 17).
    assert!(
        err.contains("future.csv:3:17: the day 2030-07-25 has not begun yet"),
        "{err}"
    );
    let r = env
        .run(&["import", p.to_str().unwrap(), "--skip-bad-rows"])
        .ok();
    assert!(r.stdout.contains("skipped 1 bad row (see"), "{}", r.stdout);
}

#[test]
fn export_into_a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    let env = Env::new();
    env.write("config/viewtally.toml", &open_config());
    let mut rows = String::from("platform,video,account,metric,kind,at,value\n");
    let start = NaiveDate::from_ymd_opt(2020, 7, 24).unwrap();
    for v in 0..20 {
        for d in 0..150 {
            let day = start + chrono::Duration::days(d);
            rows.push_str(&format!(
                "youtube,video{v:06},,views,daily,{day},{}\n",
                d + v
            ));
        }
    }
    let f = env.write("many.csv", &rows);
    env.run(&["import", f.to_str().unwrap()]).ok();
    for format in ["csv", "json"] {
        let mut child = env
            .command_fixed(&["export", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -c 100`: read a little, then close the pipe.
        let mut first = [0u8; 100];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}
