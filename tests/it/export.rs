//! `viewtally export`: Parquet (plain and partitioned by campaign) read back with polars,
//! and the mistakes a user can make with its flags.

use polars::prelude::*;

use super::common::*;

fn read_parquet(path: &std::path::Path) -> DataFrame {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(file)
        .finish()
        .expect("the export is valid Parquet")
}

fn utc_ms() -> DataType {
    DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
}

/// The demo, with its config where `--config config/demo.toml` finds it.
fn demo() -> Env {
    let env = Env::new();
    env.run(&["demo"]).ok();
    env.write(
        "config/demo.toml",
        &std::fs::read_to_string(repo("config/demo.toml")).unwrap(),
    );
    env
}

#[test]
fn parquet_of_the_demo_reads_back_with_the_same_rows_and_types() {
    let env = demo();
    let csv = env
        .run(&["--config", "config/demo.toml", "export", "--format", "csv"])
        .ok()
        .stdout;
    let r = env
        .run(&[
            "--config",
            "config/demo.toml",
            "export",
            "--format",
            "parquet",
            "--out",
            "out/observations.parquet",
        ])
        .ok();
    assert!(
        r.stderr.contains("wrote out/observations.parquet"),
        "{}",
        r.stderr
    );
    let df = read_parquet(&env.path("out/observations.parquet"));
    assert_eq!(df.height(), csv.lines().count() - 1);
    assert!(df.height() > 100, "{}", df.height());
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "campaign",
            "platform",
            "video",
            "account",
            "metric",
            "kind",
            "at",
            "value",
            "source",
            "collected_at"
        ]
    );
    let dtype = |n: &str| df.column(n).unwrap().dtype().clone();
    assert_eq!(dtype("at"), utc_ms());
    assert_eq!(dtype("collected_at"), utc_ms());
    assert_eq!(dtype("value"), DataType::Int64);
    assert_eq!(dtype("video"), DataType::String);

    // Same numbers as the CSV, row for row (both oldest first).
    let values: Vec<i64> = df
        .column("value")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let csv_values: Vec<i64> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(values, csv_values);
    let campaigns = df.column("campaign").unwrap().str().unwrap();
    assert!(campaigns.no_null_iter().all(|c| c == "mdcc-2020"));
    // The first reading's time survives as a UTC instant.
    let first_at = df
        .column("at")
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .get(0)
        .unwrap();
    let first_csv = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    if first_csv.contains('T') {
        let t = chrono::DateTime::parse_from_rfc3339(&first_csv).unwrap();
        assert_eq!(first_at, t.timestamp_millis());
    }
    // Nothing but the file was left in the folder (no temporary files).
    let left: Vec<_> = std::fs::read_dir(env.path("out")).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn timeline_parquet_has_dates_and_the_csv_numbers() {
    let env = demo();
    let csv = env.read("reports/demo/timeline.csv");
    env.run(&[
        "--config",
        "config/demo.toml",
        "export",
        "--what",
        "timeline",
        "--format",
        "parquet",
        "--out",
        "timeline.parquet",
    ])
    .ok();
    let df = read_parquet(&env.path("timeline.parquet"));
    assert_eq!(df.height(), csv.lines().count() - 1);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names.join(","), csv.lines().next().unwrap());
    assert_eq!(df.column("date").unwrap().dtype(), &DataType::Date);
    assert_eq!(df.column("as_of").unwrap().dtype(), &utc_ms());
    let totals: Vec<String> = df
        .column("total")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .map(|v| v.to_string())
        .collect();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "total").unwrap();
    let csv_totals: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(at).unwrap().to_string())
        .collect();
    assert_eq!(totals, csv_totals);
}

const TWO_CAMPAIGNS: &str = r#"
[store]
url = "sqlite://data/test.db"

[[campaign]]
slug = "spring"
name = "Spring"
timezone = "Europe/Prague"
language = "en"

[[campaign]]
slug = "autumn"
name = "Autumn"
timezone = "Europe/Prague"
language = "en"
"#;

#[test]
fn partitioned_parquet_has_one_hive_folder_per_campaign() {
    let env = Env::new();
    env.write("config/viewtally.toml", TWO_CAMPAIGNS);
    let header = "platform,video,account,metric,kind,at,value\n";
    env.write(
        "spring.csv",
        &format!(
            "{header}youtube,a,,views,total,2026-03-01T10:00:00Z,5\nyoutube,a,,views,total,2026-03-02T10:00:00Z,9\n"
        ),
    );
    env.write(
        "autumn.csv",
        &format!("{header}facebook,1,Page,views,daily,2026-10-01,7\n"),
    );
    env.run(&["import", "--campaign", "spring", "spring.csv"])
        .ok();
    env.run(&["import", "--campaign", "autumn", "autumn.csv"])
        .ok();
    let r = env
        .run(&[
            "export",
            "--format",
            "parquet",
            "--partition-by",
            "campaign",
            "--out",
            "lake/observations",
        ])
        .ok();
    assert!(
        r.stderr
            .contains("lake/observations/campaign=spring/part-0.parquet"),
        "{}",
        r.stderr
    );
    let mut folders: Vec<String> = std::fs::read_dir(env.path("lake/observations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(folders, ["campaign=autumn", "campaign=spring"]);
    for (slug, rows) in [("spring", 2), ("autumn", 1)] {
        let dir = env.path(&format!("lake/observations/campaign={slug}"));
        let files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, ["part-0.parquet"]);
        let df = read_parquet(&dir.join("part-0.parquet"));
        assert_eq!(df.height(), rows, "{slug}");
        // The partition key lives in the folder name, not in the file (hive convention).
        assert!(df.column("campaign").is_err(), "{slug}");
        assert_eq!(df.column("at").unwrap().dtype(), &utc_ms());
    }
    let autumn = read_parquet(&env.path("lake/observations/campaign=autumn/part-0.parquet"));
    assert_eq!(
        autumn.column("account").unwrap().str().unwrap().get(0),
        Some("Page")
    );
    assert_eq!(
        autumn.column("kind").unwrap().str().unwrap().get(0),
        Some("daily")
    );

    // --campaign narrows the layout to one folder.
    env.run(&[
        "export",
        "--format",
        "parquet",
        "--partition-by",
        "campaign",
        "--campaign",
        "autumn",
        "--out",
        "one",
    ])
    .ok();
    assert!(env.path("one/campaign=autumn/part-0.parquet").exists());
    assert!(!env.path("one/campaign=spring").exists());
}

#[test]
fn export_flag_mistakes_are_usage_errors() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let r = env.run(&["export", "--format", "parquet"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("pass --out FILE"), "{}", r.stderr);
    let r = env.run(&["export", "--format", "csv", "--partition-by", "campaign"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("add --format parquet"), "{}", r.stderr);
    let r = env.run(&["export", "--format", "xlsx"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("parquet"), "{}", r.stderr);
    // An --out that cannot be created: a clear error, exit 1, nothing written. (`export`
    // never creates the store: import something first.)
    env.write(
        "v.csv",
        "platform,video,account,metric,kind,at,value\nyoutube,yt1,Chan,views,daily,2020-07-24,50\n",
    );
    env.run(&["import", "v.csv"]).ok();
    env.write("blocker", "a file, not a folder");
    let r = env.run(&[
        "export",
        "--format",
        "parquet",
        "--out",
        "blocker/observations.parquet",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot create the folder blocker"),
        "{}",
        r.stderr
    );
}
