//! Periods end to end (issue 16 point 2): `--from`/`--until` on `status`, `report` and
//! `export`; the views between two instants as the readings prove them, a period report in a
//! folder of its own, and the usage errors.

use super::common::*;
use serde_json::json;

const HEADER: &str = "platform,video,account,metric,kind,at,value\n";
const YT: &str = "dQ8mC2c4Rx0";
const FB: &str = "3112749605483751";

fn config() -> String {
    ConfigBuilder::with_store("sqlite://data/p.db")
        .small_report()
        .campaign("press", "Summer video")
        .key("launched", "2026-07-20T10:00:00+02:00")
        .key("milestones", vec![1000, 2000, 5000])
        .key("language", "en")
        .video("youtube", YT)
        .video("facebook", FB)
        .build()
}

/// Lifetime totals read on 31 Jul 18:00, 2 Aug 09:00, at the end of 31 Aug and on 2 Sep
/// 12:00 (Prague): 1 000, 1 450, 3 400 and 4 000 views in all.
fn env() -> Env {
    let env = Env::new();
    env.write("config/viewtally.toml", &config());
    let mut csv = HEADER.to_string();
    for (at, yt, fb) in [
        ("2026-07-31T18:00:00+02:00", 900, 100),
        ("2026-08-02T09:00:00+02:00", 1300, 150),
        ("2026-09-01T00:00:00+02:00", 3000, 400),
        ("2026-09-02T12:00:00+02:00", 3500, 500),
    ] {
        csv.push_str(&format!("youtube,{YT},,views,total,{at},{yt}\n"));
        csv.push_str(&format!("facebook,{FB},,views,total,{at},{fb}\n"));
    }
    let file = env.write("api.csv", &csv);
    env.run(&["import", file.to_str().unwrap()]).ok();
    env
}

fn plain(s: &str) -> String {
    s.replace('\u{a0}', " ")
}

/// The files of a folder (not its subfolders) and their bytes.
fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn status_from_until_says_the_views_of_the_period_with_the_readings_around_its_ends() {
    let env = env();
    // August: the start falls between two readings, the end on one.
    let text = plain(
        &env.run(&["status", "--from", "2026-08-01", "--until", "2026-08-31"])
            .ok()
            .stdout,
    );
    for line in [
        "Period: 1 Aug 2026 – 31 Aug 2026",
        "  Views in the period: between 1,950 and 2,400",
        "  YouTube    between 1,700 and 2,100",
        "  total at 31 Jul 2026 24:00: between 1,000 and 1,450 (the period starts between the readings of 31 Jul 2026 18:00 and 2 Aug 2026 09:00)",
        "  total at 31 Aug 2026 24:00: 3,400",
        "    2,000: passed by 31 Aug 2026",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    // The state above the block is as of --until (the end of 31 Aug).
    assert!(text.starts_with("press: 3,400 views"), "{text}");

    let s: serde_json::Value = serde_json::from_str(
        &env.run(&[
            "status",
            "--json",
            "--from",
            "2026-08-01",
            "--until",
            "2026-08-31",
        ])
        .ok()
        .stdout,
    )
    .unwrap();
    let p = &s["period"];
    assert_eq!(p["from"], "2026-07-31T22:00:00Z");
    assert_eq!(p["until"], "2026-08-31T22:00:00Z");
    assert_eq!(
        p["views"],
        json!({"low": 1950, "high": 2400, "exact": false})
    );
    assert_eq!(
        p["platforms"]["youtube"],
        json!({"low": 1700, "high": 2100, "exact": false})
    );
    assert_eq!(
        p["platforms"]["facebook"],
        json!({"low": 250, "high": 300, "exact": false})
    );
    assert_eq!(
        p["from_between"],
        json!(["2026-07-31T16:00:00Z", "2026-08-02T07:00:00Z"])
    );
    assert_eq!(p["until_between"], serde_json::Value::Null);
    assert_eq!(p["milestones"][0]["threshold"], 2000);
    assert_eq!(p["milestones"][0]["proven"], true);
    assert_eq!(p["milestones"].as_array().unwrap().len(), 1);

    // Both ends on readings: one number, exact.
    let s: serde_json::Value = serde_json::from_str(
        &env.run(&[
            "status",
            "--json",
            "--from",
            "2026-08-02T09:00:00+02:00",
            "--until",
            "2026-08-31",
        ])
        .ok()
        .stdout,
    )
    .unwrap();
    assert_eq!(
        s["period"]["views"],
        json!({"low": 1950, "high": 1950, "exact": true})
    );
    assert_eq!(s["period"]["from_between"], serde_json::Value::Null);

    // --from alone: to the latest reading. An end past it is "at least".
    let text = plain(
        &env.run(&["status", "--from", "2026-08-02T09:00:00+02:00"])
            .ok()
            .stdout,
    );
    assert!(text.contains("Views in the period: 2,550"), "{text}");
    let text = plain(
        &env.run(&[
            "status",
            "--from",
            "2026-08-02T09:00:00+02:00",
            "--until",
            "2026-10-01",
        ])
        .ok()
        .stdout,
    );
    assert!(
        text.contains("Views in the period: at least 2,550"),
        "{text}"
    );
    assert!(
        text.contains("the period ends after the last reading: no readings after 2 Sep 2026 12:00"),
        "{text}"
    );

    // A period before the first reading: proven 0 (before the launch), or no readings.
    let text = plain(
        &env.run(&["status", "--from", "2026-07-22", "--until", "2026-07-25"])
            .ok()
            .stdout,
    );
    assert!(
        text.contains("Views in the period: between 0 and 1,000"),
        "{text}"
    );
    assert!(
        text.contains(
            "the period starts before the first reading: no readings before 31 Jul 2026 18:00"
        ),
        "{text}"
    );
}

#[test]
fn report_of_a_period_goes_to_its_own_folder_and_leaves_the_current_report_alone() {
    let env = env();
    env.run(&["report"]).ok();
    let current = env.path("reports/press");
    let before = files(&current);
    assert!(before.iter().any(|(n, _)| n == "report.html"));

    let r = env
        .run(&["report", "--from", "2026-08-01", "--until", "2026-08-31"])
        .ok();
    assert!(
        r.stdout
            .contains("reports/press/2026-08-01_2026-08-31/report.html"),
        "{}",
        r.stdout
    );
    assert_eq!(files(&current), before, "the current report is untouched");
    let md = plain(&env.read("reports/press/2026-08-01_2026-08-31/summary.md"));
    assert!(
        md.contains("## Views from 1 Aug to 31 Aug 2026: between 1,950 and 2,400"),
        "{md}"
    );
    assert!(
        md.contains(
            "- The period starts between the readings of 31 Jul 2026 18:00 and 2 Aug 2026 09:00"
        ),
        "{md}"
    );
    let html = plain(&env.read("reports/press/2026-08-01_2026-08-31/report.html"));
    assert!(
        html.contains("Views from 1 Aug to 31 Aug 2026: between 1,950 and 2,400</p>"),
        "{html}"
    );
    // The charts cover the period: they start with it, not at the launch.
    let csv = env.read("reports/press/2026-08-01_2026-08-31/timeline.csv");
    assert!(
        csv.lines().nth(1).unwrap().starts_with("2026-08-01,"),
        "{csv}"
    );
    assert!(
        csv.lines().last().unwrap().starts_with("2026-08-31,"),
        "{csv}"
    );

    // In Czech.
    env.run(&[
        "report",
        "--from",
        "2026-08-02T09:00:00+02:00",
        "--until",
        "2026-08-31",
        "--lang",
        "cs",
    ])
    .ok();
    let md = plain(&env.read("reports/press/2026-08-02_2026-08-31/summary.md"));
    assert!(
        md.contains("## Zhlédnutí od 2. 8. 2026 09:00 do 31. 8. 2026: 1 950"),
        "{md}"
    );

    // --until alone: from the launch day, in its own folder too (it used to replace the
    // current report).
    env.run(&["report", "--until", "2026-08-15"]).ok();
    let md = plain(&env.read("reports/press/2026-07-20_2026-08-15/summary.md"));
    assert!(
        md.contains("## Views from 20 Jul 2026 10:00 to 15 Aug 2026"),
        "{md}"
    );
    // --from alone: to the generation date.
    env.run(&["report", "--from", "2026-09-01"]).ok();
    assert!(env
        .path("reports/press/2026-09-01_2026-11-25/report.html")
        .is_file());
    assert_eq!(files(&current), before, "the current report is untouched");

    // A plain `report` still writes the current report.
    let r = env.run(&["report"]).ok();
    assert!(
        r.stdout.contains("reports/press/report.html"),
        "{}",
        r.stdout
    );
}

#[test]
fn export_from_until_keeps_the_period() {
    let env = env();
    let csv = env
        .run(&[
            "export",
            "--format",
            "csv",
            "--from",
            "2026-08-01",
            "--until",
            "2026-08-31",
        ])
        .ok()
        .stdout;
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(rows
        .iter()
        .all(|r| r.contains("2026-08-02T07:00:00Z") || r.contains("2026-08-31T22:00:00Z")));

    let json: serde_json::Value = serde_json::from_str(
        &env.run(&["export", "--format", "json", "--from", "2026-09-01"])
            .ok()
            .stdout,
    )
    .unwrap();
    // The readings at the end of 31 Aug (the start of 1 Sep) and on 2 Sep.
    assert_eq!(json.as_array().unwrap().len(), 4, "{json}");

    let timeline = env
        .run(&[
            "export",
            "--what",
            "timeline",
            "--format",
            "csv",
            "--from",
            "2026-08-01",
            "--until",
            "2026-08-31",
        ])
        .ok()
        .stdout;
    let dates: Vec<&str> = timeline.lines().skip(1).map(|l| &l[..10]).collect();
    assert_eq!(dates.len(), 31, "{timeline}");
    assert_eq!(dates[0], "2026-08-01");
    assert_eq!(dates[30], "2026-08-31");

    let out = env.path("p.parquet");
    env.run(&[
        "export",
        "--format",
        "parquet",
        "--from",
        "2026-08-01",
        "--until",
        "2026-08-31",
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    assert!(out.is_file());
}

#[test]
fn from_after_until_and_bad_times_are_usage_errors() {
    let env = env();
    for cmd in ["status", "report", "export"] {
        let mut args = vec![cmd, "--from", "2026-09-01", "--until", "2026-08-01"];
        if cmd == "export" {
            args.extend(["--format", "csv"]);
        }
        let r = env.run(&args);
        assert_eq!(r.code, 2, "{cmd}: {}", r.stderr);
        assert!(
            r.stderr.contains("--from") && r.stderr.contains("--until"),
            "{cmd}: {}",
            r.stderr
        );
    }
    let r = env.run(&["status", "--from", "2026-09-01", "--until", "2026-08-01"]);
    assert!(
        r.stderr.contains(
            "--from 2026-09-01 (its start, 2026-08-31T22:00:00Z) is later than --until 2026-08-01 (its end, 2026-08-01T22:00:00Z)"
        ),
        "{}",
        r.stderr
    );
    let r = env.run(&["status", "--from", "last week"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--from `last week` is not a time"),
        "{}",
        r.stderr
    );
    // Nothing was written.
    assert!(!env.path("reports").exists());
}
