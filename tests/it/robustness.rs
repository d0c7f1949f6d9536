//! Bad input (issue 8, point 3): property tests that feed arbitrary and mutated bytes to every
//! export parser, the tidy CSV importer, the number/date/id parsers and the config loader, and
//! assert that each answers with rows or a clean error — never a panic.
//!
//! Mutations start from the committed fixtures (`tests/fixtures/exports/`, the example and demo
//! configs): truncation, flipped bytes, inserted delimiters, quotes, huge or negative numbers,
//! odd dates; ZIP and `.xlsx` files are also mutated inside (an entry's bytes changed and the
//! archive rebuilt), so the parsers behind the archive get the bad bytes too. Case counts are
//! small so the suite stays fast in a debug build; a failing case is kept below as a plain
//! regression test.

use std::io::{Read, Write};
use std::path::Path;

use proptest::prelude::*;

use crate::support::fixtures;
use crate::support::parts::{parts, zip_of};
use viewtally::config::Config;
use viewtally::exports::headers::LANGUAGES;
use viewtally::exports::{
    self, ids, numbers, table, BadRow, ExportFile, ParseError, ReadOptions, Row, RowSink,
};
use viewtally::model::Platform;

/// Keeps what an importer reads.
#[derive(Default)]
struct Sink {
    rows: Vec<Row>,
    bad: Vec<BadRow>,
}

impl RowSink for Sink {
    fn row(&mut self, row: Row) {
        self.rows.push(row);
    }
    fn bad(&mut self, bad: BadRow) {
        self.bad.push(bad);
    }
    fn note(&mut self, _note: String) {}
    fn describe(&mut self, _detail: String) {}
}

const FIXTURES: &[&str] = &[
    "youtube/en/Chart data.csv",
    "youtube/en/Table data.csv",
    "youtube/en/Totals.csv",
    "youtube/cs/Data grafu (Excel).csv",
    "youtube/de/Chart data.csv",
    "youtube/fr/Chart data.csv",
    "youtube/en/Content 2020-07-24_2020-08-02 Conectart.zip",
    "youtube/en/Video 2020-07-24_2020-08-02 Děkujeme.zip",
    "meta/en/Jul-24-2020_Aug-02-2020_lifetime.csv",
    "meta/cs/Jul-24-2020_Jul-30-2020_daily.csv",
    "meta/de/daily.csv",
    "meta/en/rounded-ids.csv",
    "linkedin/en/conectart_content_1596146400000.xlsx",
    "linkedin/en/conectart_content_1596146400000.xls",
    "linkedin/cs/conectart_content_1596146400000.xlsx",
];

/// A tidy CSV (viewtally's own format), as `viewtally export` writes it.
const TIDY: &str = "campaign,platform,video,metric,kind,at,value,source\n\
launch,youtube,dQw4w9WgXcQ,views,total,2020-07-25T10:00:00Z,1200,api\n\
launch,youtube,dQw4w9WgXcQ,views,daily,2020-07-25,300,export\n\
launch,facebook,10157000000000001,views,total,2020-07-26T10:00:00Z,900,manual\n";

fn fixture_bytes(i: usize) -> (String, Vec<u8>) {
    if i == FIXTURES.len() {
        return ("tidy.csv".into(), TIDY.as_bytes().to_vec());
    }
    let rel = FIXTURES[i];
    let bytes = std::fs::read(fixtures::export(rel)).expect("fixture");
    let name = Path::new(rel)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (name, bytes)
}

/// Bytes that tend to break parsers, inserted at random places.
const TOKENS: &[&str] = &[
    ",",
    ";",
    "\t",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    "\0",
    "-1",
    "-",
    "−5",
    "99999999999999999999999",
    "9223372036854775807",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "12,5 %",
    "1.234,5",
    "0.5",
    "2099-12-31",
    "1899-12-30",
    "0000-00-00",
    "2020-02-30",
    "31/02/2020",
    "24. července 2020",
    "Jul 32, 2020",
    "9999999999999",
    "1596146400000",
    "https://youtu.be/",
    "urn:li:ugcPost:",
    "ž",
    "\u{202f}",
    "Total",
    "Date,Views\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), 1usize..256).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
    match *m {
        Mutation::Truncate(i) => bytes.truncate(at(i)),
        Mutation::Flip(i, x) => {
            if len > 0 {
                bytes[i % len] ^= x;
            }
        }
        Mutation::Insert(i, t) => {
            let i = at(i);
            bytes.splice(i..i, TOKENS[t].bytes());
        }
        Mutation::Delete(i, n) => {
            let i = at(i);
            let end = (i + n).min(len);
            bytes.drain(i..end);
        }
        Mutation::Duplicate(i, n) => {
            let i = at(i);
            let end = (i + n).min(len);
            let copy = bytes[i..end].to_vec();
            bytes.splice(end..end, copy);
        }
    }
}

/// Rebuild a ZIP with the bytes of one of its entries mutated; `None` if it is not a ZIP.
fn mutate_inside_zip(bytes: &[u8], entry: usize, mutations: &[Mutation]) -> Option<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let target = entry % zip.len().max(1);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut e = zip.by_index(i).ok()?;
        let name = e.name().to_string();
        let mut content = Vec::new();
        e.read_to_end(&mut content).ok()?;
        if i == target {
            for m in mutations {
                apply(&mut content, m);
            }
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .ok()?;
        out.write_all(&content).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

/// Every importer (forced, as `--format` does), with and without `--skip-bad-rows`, plus
/// detection, on these bytes. Panics propagate (and fail the property); errors and rows are
/// checked for sanity.
fn read_everything(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(if name.is_empty() { "x" } else { name });
    std::fs::write(&path, bytes).expect("write");
    let Ok(file) = ExportFile::open(&path) else {
        return;
    };
    let _ = exports::detect(&file);
    for importer in exports::importers() {
        for skip_bad_rows in [false, true] {
            let options = ReadOptions {
                as_of: None,
                skip_bad_rows,
            };
            let mut sink = Sink::default();
            match importer.read(&file, &options, &mut sink) {
                Ok(()) => {
                    for row in &sink.rows {
                        assert!(
                            row.value >= 0,
                            "{}: negative value stored: {row:?}",
                            importer.name()
                        );
                        assert!(
                            !row.video.is_empty(),
                            "{}: empty id: {row:?}",
                            importer.name()
                        );
                    }
                    if !skip_bad_rows {
                        assert!(sink.bad.is_empty());
                    }
                }
                Err(ParseError::Format(m)) => assert!(!m.is_empty()),
                Err(ParseError::Row(b)) | Err(ParseError::At(b)) => {
                    assert!(!b.message.is_empty())
                }
            }
        }
    }
}

/// `n` cases, or `PROPTEST_CASES` for a longer run (`PROPTEST_CASES=5000 cargo test --test
/// main it::robustness`).
fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(n),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(96))]

    #[test]
    fn mutated_export_files_never_panic(
        which in 0..=FIXTURES.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (name, mut bytes) = fixture_bytes(which);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        read_everything(&name, &bytes);
    }

    #[test]
    fn mutated_archive_entries_never_panic(
        which in prop::sample::select(vec![6usize, 7, 12, 14]),
        entry in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (name, bytes) = fixture_bytes(which);
        let mutated = mutate_inside_zip(&bytes, entry, &mutations).expect("fixture is a ZIP");
        read_everything(&name, &mutated);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        prefix in prop::sample::select(vec![
            "",
            "campaign,platform,video,metric,kind,at,value,source\n",
            "Date,Content,Video title,Views\n",
            "Content,Video title,Video publish time,Views,Watch time (hours)\n",
            "Post ID,Permalink,Publish time,Title,Description,3-second video views\n",
            "PK\u{3}\u{4}",
        ]),
        tail in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = prefix.as_bytes().to_vec();
        bytes.extend_from_slice(&tail);
        read_everything("arbitrary.csv", &bytes);
    }

    #[test]
    fn csv_lines_of_tokens_never_panic(
        which in prop::sample::select(vec![0usize, 1, 3, 8, 9, FIXTURES.len()]),
        rows in prop::collection::vec(
            prop::collection::vec(
                prop_oneof![
                    (0..TOKENS.len()).prop_map(|t| TOKENS[t].to_string()),
                    "[0-9.,: /-]{0,12}",
                    any::<i64>().prop_map(|n| n.to_string()),
                    any::<f64>().prop_map(|n| n.to_string()),
                ],
                1..10,
            ),
            1..6,
        ),
    ) {
        // The fixture's header line, then rows made of odd cells.
        let (name, bytes) = fixture_bytes(which);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let header = text.lines().next().unwrap_or_default().to_string();
        let mut out = header + "\n";
        for r in rows {
            out.push_str(&r.join(","));
            out.push('\n');
        }
        read_everything(&name, out.as_bytes());
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn number_and_date_parsers_never_panic(raw in ".{0,40}", d in prop::option::of(prop::sample::select(vec!['.', ','])), days in any::<f64>()) {
        let _ = numbers::parse_number(&raw, d);
        if let Ok(Some(n)) = numbers::parse_count(&raw, d) {
            prop_assert!(n >= 0);
        }
        for lang in LANGUAGES {
            let _ = numbers::parse_stamp(&raw, lang);
        }
        let _ = numbers::date_range_in(&raw);
        let _ = numbers::epoch_ms_in(&raw);
        let _ = table::excel_serial(days);
        let _ = table::header_of(raw.as_bytes());
        let _ = table::sniff_delimiter(raw.as_bytes());
        let _ = exports::parse_as_of(&raw);
    }

    #[test]
    fn numbery_strings_never_panic(raw in "[-+−]?[0-9 .,'\u{a0}\u{202f}]{0,30}%?", d in prop::option::of(prop::sample::select(vec!['.', ',']))) {
        let _ = numbers::parse_number(&raw, d);
        if let Ok(Some(n)) = numbers::parse_count(&raw, d) {
            prop_assert!(n >= 0);
        }
    }

    #[test]
    fn datey_strings_never_panic(raw in "[0-9]{0,5}[-./ ]{0,2}[0-9a-zé]{0,9}[-./, ]{0,2}[0-9]{0,6}( [0-9:]{0,9})?( ?[AP]M)?") {
        for lang in LANGUAGES {
            let _ = numbers::parse_stamp(&raw, lang);
        }
    }

    #[test]
    fn id_normalisation_never_panics(raw in prop_oneof![
        ".{0,60}",
        "(https?://)?(www\\.|m\\.)?(youtube\\.com/(watch\\?v=|shorts/|embed/)|youtu\\.be/|facebook\\.com/[a-z]{0,8}/(videos|posts)/|linkedin\\.com/(feed/update/|posts/))[A-Za-z0-9_:%?=&/.-]{0,30}",
        "urn:li:(ugcPost|share|activity)?:?[0-9a-z]{0,25}",
        "[0-9.,E+]{0,25}",
    ]) {
        for platform in [Platform::Youtube, Platform::Facebook, Platform::Linkedin, Platform::Instagram, Platform::Tiktok, Platform::Vimeo] {
            if let Ok(id) = ids::normalize(platform, &raw) {
                let _ = ids::match_keys(platform, &id);
            }
        }
        let _ = ids::youtube_id(&raw);
        let _ = ids::facebook_id(&raw);
        let _ = ids::linkedin_urn(&raw);
        let _ = ids::is_instagram(&raw);
        if ids::looks_rounded(&raw) {
            let _ = ids::rounded_message(&raw);
        }
    }
}

fn config_text(i: usize) -> String {
    let rel = ["config/viewtally.example.toml", "config/demo.toml"][i];
    std::fs::read_to_string(fixtures::repo(rel)).expect("config")
}

/// TOML fragments that tend to break a config loader.
const TOML_TOKENS: &[&str] = &[
    "\n[[campaign]]\n",
    "\n[store]\n",
    "=",
    "\"",
    "'''",
    "[",
    "]",
    "{",
    "}",
    "#",
    "\n",
    "-1",
    "0",
    "99999999999999999999",
    "1e400",
    "nan",
    "inf",
    "2099-12-31T00:00:00Z",
    "1979-05-27",
    "\"Mars/Olympus\"",
    "\"* * * * * * * *\"",
    "\"../../etc/passwd\"",
    "\"\"",
    "[]",
    "\u{0}",
    "ž",
];

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn mutated_configs_never_panic(
        which in 0..2usize,
        edits in prop::collection::vec((any::<usize>(), prop_oneof![
            (0..TOML_TOKENS.len()).prop_map(|t| Some(TOML_TOKENS[t].to_string())),
            Just(None),
        ]), 1..6),
    ) {
        let mut text = config_text(which);
        for (at, edit) in edits {
            // Work on char boundaries; None deletes a line.
            let chars: Vec<char> = text.chars().collect();
            let i = at % (chars.len() + 1);
            let head: String = chars[..i].iter().collect();
            let tail: String = chars[i..].iter().collect();
            text = match edit {
                Some(tok) => head + &tok + &tail,
                None => {
                    let cut = tail.find('\n').map(|n| n + 1).unwrap_or(tail.len());
                    head + &tail[cut..]
                }
            };
        }
        if let Err(e) = Config::parse(&text, "fuzz.toml") {
            let m = e.to_string();
            prop_assert!(m.contains("fuzz.toml"), "error does not name the file: {}", m);
        }
    }

    #[test]
    fn arbitrary_configs_never_panic(text in "(\\[\\[?[a-z.]{0,10}\\]\\]?\n|[a-z_]{1,10} = [-0-9a-z\"'.:T\\[\\], ]{0,20}\n|.{0,20}\n){0,12}") {
        if let Err(e) = Config::parse(&text, "fuzz.toml") {
            prop_assert!(e.to_string().contains("fuzz.toml"));
        }
    }
}

// Defined behaviour for odd but well-formed rows, end to end through `viewtally import` (the
// fixed clock is FIXED_NOW, 2026-11-25T12:00:00Z; the campaign launched 2020-07-24).

mod rows {
    use super::super::common::*;

    const HEADER: &str = "platform,video,account,metric,kind,at,value\n";

    fn import(env: &Env, name: &str, rows: &str, extra: &[&str]) -> Run {
        env.write("config/viewtally.toml", CONFIG);
        let f = env.write(name, &format!("{HEADER}{rows}"));
        let mut args = vec!["import", f.to_str().unwrap()];
        args.extend_from_slice(extra);
        env.run(&args)
    }

    fn stored(env: &Env) -> Vec<String> {
        let r = env.run(&["export", "--format", "csv"]).ok();
        r.stdout.lines().skip(1).map(str::to_string).collect()
    }

    #[test]
    fn negative_and_non_numeric_values_refuse_the_file() {
        for (value, says) in [
            ("-5", "`-5` is negative; counts are 0 or more"),
            ("−5", "not a whole number"),
            ("lots", "`lots` is not a whole number"),
            ("12.5", "not a whole number"),
            ("1e400", "not a whole number"),
            ("99999999999999999999", "not a whole number"),
        ] {
            let env = Env::new();
            let r = import(
                &env,
                "bad.csv",
                &format!("youtube,yt1,,views,total,2020-07-25T10:00:00Z,7\nyoutube,yt1,,views,total,2020-07-26T10:00:00Z,{value}\n"),
                &[],
            );
            assert_eq!(r.code, 2, "{value}: {}", r.stderr);
            assert!(r.stderr.contains("bad.csv:3:7"), "{value}: {}", r.stderr);
            assert!(r.stderr.contains(says), "{value}: {}", r.stderr);
            assert!(r.stderr.contains("nothing from this file was stored"));
            assert!(stored(&env).is_empty(), "{value}");
        }
    }

    #[test]
    fn future_dates_are_bad_rows() {
        let env = Env::new();
        let rows = "youtube,yt1,,views,total,2020-07-25T10:00:00Z,50\n\
                    youtube,yt1,,views,total,2027-07-25T10:00:00Z,60\n\
                    facebook,fb1,,views,daily,2026-11-27,5\n";
        let r = import(&env, "future.csv", rows, &[]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("future.csv:3"), "{}", r.stderr);
        assert!(
            !r.stderr.contains("future.csv:3:0"),
            "no made-up column: {}",
            r.stderr
        );
        assert!(r.stderr.contains("after now"), "{}", r.stderr);
        assert!(stored(&env).is_empty());
        // With --skip-bad-rows the good row is kept, both future ones are skipped and named.
        let r = import(&env, "future.csv", rows, &["--skip-bad-rows"]).ok();
        assert!(r.stdout.contains("skipped 2 bad rows"), "{}", r.stdout);
        assert!(r.stderr.contains("has not begun yet"), "{}", r.stderr);
        assert_eq!(
            stored(&env),
            vec!["youtube,yt1,Chan,views,total,2020-07-25T10:00:00Z,50"]
        );
        // Today (in any time zone) and a few minutes of clock skew are not the future.
        let env = Env::new();
        import(
            &env,
            "today.csv",
            "facebook,fb1,,views,daily,2026-11-26,5\nyoutube,yt1,,views,total,2026-11-25T12:05:00Z,9\n",
            &[],
        )
        .ok();
        assert_eq!(stored(&env).len(), 2);
    }

    #[test]
    fn dates_before_launch_are_stored_as_given() {
        // A video may be published (and watched) before the campaign's launch; the store keeps
        // what the platform said and the timeline starts where the data does.
        let env = Env::new();
        import(
            &env,
            "early.csv",
            "youtube,yt1,,views,total,2019-07-25T10:00:00Z,50\nfacebook,fb1,,views,daily,2020-07-01,5\n",
            &[],
        )
        .ok();
        assert_eq!(stored(&env).len(), 2);
    }

    #[test]
    fn duplicate_rows_in_one_file_last_one_wins() {
        // Same key (platform, video, metric, kind, time) twice in one file: the later row wins,
        // an identical repeat changes nothing; the summary counts each row it wrote.
        let env = Env::new();
        let r = import(
            &env,
            "dup.csv",
            "youtube,yt1,,views,total,2020-07-25T10:00:00Z,50\n\
             youtube,yt1,,views,total,2020-07-25T10:00:00Z,50\n\
             facebook,fb1,,views,daily,2020-07-24,70\n\
             facebook,fb1,,views,daily,2020-07-24,80\n",
            &[],
        )
        .ok();
        assert!(
            r.stdout.contains("4 rows → 2 new, 1 updated, 1 unchanged"),
            "{}",
            r.stdout
        );
        assert_eq!(
            stored(&env),
            vec![
                "facebook,fb1,,views,daily,2020-07-24,80",
                "youtube,yt1,Chan,views,total,2020-07-25T10:00:00Z,50",
            ]
        );
    }

    #[test]
    fn decreasing_totals_are_stored_as_given() {
        // Platforms do lower counts (spam views removed); the store keeps both readings.
        let env = Env::new();
        import(
            &env,
            "dec.csv",
            "youtube,yt1,,views,total,2020-07-25T10:00:00Z,500\nyoutube,yt1,,views,total,2020-07-26T10:00:00Z,400\n",
            &[],
        )
        .ok();
        assert_eq!(stored(&env).len(), 2);
    }
}

/// A 10 MB single line: a short, clear error (the cell is not repeated whole), quickly.
#[test]
fn a_ten_megabyte_line_gets_a_short_error() {
    use super::common::*;
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let long = "x".repeat(10_000_000);
    for (name, content) in [
        (
            "tidy.csv",
            format!("platform,video,account,metric,kind,at,value\n{long}\n"),
        ),
        ("noheader.csv", long.clone()),
        (
            "studio.csv",
            format!("Date,Content,Video title,Views\n2020-07-24,{long},t,5\n"),
        ),
    ] {
        let f = env.write(name, &content);
        let r = env.run(&["import", f.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{name}");
        assert!(r.stderr.contains(name), "{name}");
        assert!(r.stderr.len() < 2_000, "{name}: {} bytes", r.stderr.len());
    }
}

/// Every input a cargo-fuzz run found (kept in `fuzz/regressions/<target>/`), replayed the way
/// its target reads it, on each `cargo test`.
#[test]
fn fuzz_regressions_stay_fixed() {
    let root = fixtures::repo("fuzz/regressions");
    let Ok(targets) = std::fs::read_dir(&root) else {
        return;
    };
    for target in targets.flatten() {
        let target_name = target.file_name().to_string_lossy().into_owned();
        let Ok(files) = std::fs::read_dir(target.path()) else {
            continue;
        };
        for f in files.flatten() {
            let bytes = std::fs::read(f.path()).expect("regression input");
            eprintln!(
                "replaying {target_name}/{}",
                f.file_name().to_string_lossy()
            );
            replay(&target_name, &bytes);
        }
    }
}

/// Read `data` as the fuzz target `target` does (`fuzz/fuzz_targets/<target>.rs`).
fn replay(target: &str, data: &[u8]) {
    match target {
        "tidy_csv" => read_everything("observations.csv", data),
        "youtube_csv" => read_everything("Chart data.csv", data),
        "youtube_zip" => read_everything("Content 2020-07-24_2020-08-02 Conectart.zip", data),
        "meta_csv" => read_everything("Jul-24-2020_Aug-02-2020_lifetime.csv", data),
        "linkedin_xlsx" => read_everything("conectart_content_1596146400000.xlsx", data),
        "linkedin_xls" => read_everything("conectart_content_1596146400000.xls", data),
        "youtube_zip_parts" => {
            let Some((&flags, rest)) = data.split_first() else {
                return;
            };
            let p = parts(rest, 3);
            let names = ["Table data.csv", "Chart data.csv", "Totals.csv"];
            let entries: Vec<(&str, &[u8])> = names
                .iter()
                .zip(&p)
                .map(|(n, c)| (*n, c.as_slice()))
                .collect();
            let zip = zip_of(&entries, flags & 1 == 1);
            let name = if flags & 2 == 2 {
                "Content 2020-07-24_2020-08-02 Conectart.zip"
            } else {
                "export.zip"
            };
            read_everything(name, &zip);
        }
        "linkedin_xlsx_parts" => {
            let Some((&which, xml)) = data.split_first() else {
                return;
            };
            let template = std::fs::read(fixtures::export(
                "linkedin/en/conectart_content_1596146400000.xlsx",
            ))
            .expect("fixture");
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(template)).expect("zip");
            let mut entries = Vec::new();
            for i in 0..z.len() {
                let mut e = z.by_index(i).expect("entry");
                let mut content = Vec::new();
                e.read_to_end(&mut content).expect("entry");
                entries.push((e.name().to_string(), content));
            }
            let target = usize::from(which) % entries.len();
            entries[target].1 = xml.to_vec();
            let refs: Vec<(&str, &[u8])> = entries
                .iter()
                .map(|(n, c)| (n.as_str(), c.as_slice()))
                .collect();
            read_everything(
                "conectart_content_1596146400000.xlsx",
                &zip_of(&refs, which & 0x80 != 0),
            );
        }
        "import_file" => {
            use chrono::TimeZone;
            let config = Config::parse(&config_text(1), "demo.toml").expect("demo config");
            let mut store = viewtally::store::open("sqlite://:memory:").expect("store");
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir
                .path()
                .join("Content 2020-07-24_2020-08-02 x_content_1596146400000.csv");
            std::fs::write(&path, data).expect("write");
            let now = chrono::Utc
                .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
                .single()
                .expect("time");
            for skip_bad_rows in [false, true] {
                let options = exports::ImportOptions {
                    skip_bad_rows,
                    dry_run: true,
                    ..Default::default()
                };
                if let Err(e) = exports::import_file(&path, &config, store.as_mut(), &options, now)
                {
                    let m = e.to_string();
                    assert!(m.contains("x_content_1596146400000.csv"), "{m}");
                    assert!(m.len() < 4096, "{} bytes", m.len());
                }
            }
        }
        "numbers" => {
            let _ = table::header_of(data);
            let _ = table::sniff_delimiter(data);
            if let Ok(raw) = std::str::from_utf8(data) {
                for d in [None, Some('.'), Some(',')] {
                    let _ = numbers::parse_number(raw, d);
                    if let Ok(Some(n)) = numbers::parse_count(raw, d) {
                        assert!(n >= 0);
                    }
                }
                for lang in LANGUAGES {
                    let _ = numbers::parse_stamp(raw, lang);
                }
                let _ = numbers::date_range_in(raw);
                let _ = numbers::epoch_ms_in(raw);
                let _ = exports::parse_as_of(raw);
                for p in [Platform::Youtube, Platform::Facebook, Platform::Linkedin] {
                    if let Ok(id) = ids::normalize(p, raw) {
                        let _ = ids::match_keys(p, &id);
                    }
                }
            }
        }
        "config" => {
            if let Ok(text) = std::str::from_utf8(data) {
                if let Err(e) = Config::parse(text, "fuzz.toml") {
                    assert!(e.to_string().contains("fuzz.toml"));
                }
            }
        }
        other => panic!("fuzz/regressions/{other}: no fuzz target has this name"),
    }
}
