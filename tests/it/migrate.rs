//! Store schema v1 → v2: a store written by the v1 code (`tests/fixtures/store-v1/v1.db`, made
//! by `make_v1_fixture` below while the store was still v1) is upgraded in place on first open,
//! and everything it held reads back the same: every observation with all its fields, the
//! daemon's state, `status --json` and the report files, byte for byte, on SQLite and on
//! PostgreSQL (loaded with the v1 DDL and the v1 rows).

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use viewtally::model::{Kind, Metric, Observation, Platform, Source};
use viewtally::store::{self, NoticeState, Query, Store};

use super::common::{repo, Env};

/// The campaigns of the fixture.
const CAMPAIGNS: [&str; 2] = ["mdcc-2020", "press-2026"];

/// The fixture's config: the demo campaign (all exports of config/demo) and a second campaign
/// with no video list (API, manual and tidy-CSV readings).
const CONFIG: &str = r#"
[store]
url = "sqlite://data/v1.db"

[report]
dir = "reports"

[[campaign]]
slug = "mdcc-2020"
name = "Mezinárodní den call center — děkovné video"
timezone = "Europe/Prague"
launched = "2020-07-24T09:00:00+02:00"
milestones = [8000, 10000]
language = "cs"

# The v1 code's default source line, written out: the report files are compared with the
# v1 ones byte for byte (the default now names the platforms and sources).
[campaign.style]
source = "Zdroj: viewtally"

[[campaign.video]]
platform = "youtube"
id = "dQ8mC2c4Rx0"
account = "Conectart"
title = "Děkujeme, operátoři!"

[[campaign.video]]
platform = "facebook"
id = "3112749605483751"
account = "Conectart"
title = "Děkujeme, operátoři!"

[[campaign.video]]
platform = "linkedin"
id = "urn:li:ugcPost:6693157468235587584"
account = "Conectart"
title = "Děkujeme, operátoři!"

[[campaign]]
slug = "press-2026"
name = "Press test"
timezone = "Europe/Prague"
launched = "2026-10-01T10:00:00+02:00"
milestones = [1000, 5000, 100000]
language = "en"

[campaign.style]
source = "Source: viewtally"
"#;

/// A tidy CSV for the second campaign (imported: `export:` source), with an account left
/// out, daily rows, other metrics and a decrease.
const TIDY: &str = "platform,video,account,metric,kind,at,value
youtube,ytA,Chan,views,total,2026-10-02T12:00:00Z,120
youtube,ytA,Chan,views,total,2026-10-05T12:00:00Z,900
youtube,ytA,Chan,views,total,2026-10-06T12:00:00Z,850
youtube,ytA,Chan,likes,total,2026-10-06T12:00:00Z,31
facebook,fbB,,views,daily,2026-10-02,40
facebook,fbB,,views,daily,2026-10-03,75
facebook,fbB,,views,daily,2026-10-04,0
facebook,fbB,,shares,daily,2026-10-03,4
linkedin,urn:li:ugcPost:42,,impressions,total,2026-10-04T08:00:00Z,700
linkedin,urn:li:ugcPost:42,,views,total,2026-10-04T08:00:00Z,310
";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn fixture(rel: &str) -> PathBuf {
    repo("tests/fixtures/store-v1").join(rel)
}

/// API and manual readings of the second campaign (written through the store API).
fn api_and_manual() -> Vec<Observation> {
    let o = |platform,
             video: &str,
             account: Option<&str>,
             metric,
             kind,
             at: &str,
             value,
             source: Source,
             collected: &str| Observation {
        campaign: "press-2026".into(),
        platform,
        video: video.into(),
        account: account.map(Into::into),
        metric,
        kind,
        at: t(at),
        value,
        source,
        collected_at: t(collected),
    };
    use Kind::{Daily, Total};
    use Metric::{Comments, Likes, Views};
    use Platform::{Facebook, Linkedin, Youtube};
    vec![
        o(
            Youtube,
            "ytA",
            Some("Chan"),
            Views,
            Total,
            "2026-10-05T12:00:00Z",
            905,
            Source::api(),
            "2026-10-05T12:00:01.250Z",
        ),
        o(
            Youtube,
            "ytA",
            None,
            Views,
            Total,
            "2026-10-07T12:00:00Z",
            1400,
            Source::api(),
            "2026-10-07T12:00:02Z",
        ),
        o(
            Youtube,
            "ytA",
            None,
            Likes,
            Total,
            "2026-10-07T12:00:00Z",
            40,
            Source::api(),
            "2026-10-07T12:00:02Z",
        ),
        o(
            Youtube,
            "ytA",
            None,
            Comments,
            Total,
            "2026-10-07T12:00:00Z",
            6,
            Source::api(),
            "2026-10-07T12:00:02Z",
        ),
        o(
            Youtube,
            "ytC",
            Some("Other channel"),
            Views,
            Total,
            "2026-10-03T00:00:00Z",
            10,
            Source::api(),
            "2026-10-03T00:00:00.5Z",
        ),
        o(
            Youtube,
            "ytC",
            Some("Other channel"),
            Views,
            Total,
            "2026-10-08T00:00:00Z",
            4700,
            Source::api(),
            "2026-10-08T00:00:00.5Z",
        ),
        o(
            Facebook,
            "fbB",
            Some("Page"),
            Views,
            Total,
            "2026-10-05T09:30:00Z",
            180,
            Source::api(),
            "2026-10-05T09:30:00Z",
        ),
        o(
            Facebook,
            "fbB",
            None,
            Views,
            Daily,
            "2026-10-05T22:00:00Z",
            30,
            Source::manual(),
            "2026-10-09T08:00:00Z",
        ),
        o(
            Linkedin,
            "urn:li:ugcPost:42",
            None,
            Views,
            Total,
            "2026-10-04T08:00:00Z",
            305,
            Source::manual(),
            "2026-10-09T08:00:00Z",
        ),
        o(
            Linkedin,
            "urn:li:ugcPost:42",
            None,
            Views,
            Total,
            "2026-10-09T08:00:00Z",
            290,
            Source::manual(),
            "2026-10-09T08:00:00Z",
        ),
    ]
    .into_iter()
    .map(|mut o: Observation| {
        // a daily row's `at` is the end of its day in the campaign time zone
        if o.kind == Kind::Daily {
            o.at = t("2026-10-05T22:00:00Z");
        }
        o
    })
    .collect()
}

/// Fill the state tables (jobs, notices, announcements, ticks, quota, credential facts).
fn write_state(s: &mut dyn Store) {
    let at = t("2026-10-08T06:00:00Z");
    s.record_job("press-2026", "collect", at, None, None)
        .unwrap();
    s.record_job(
        "press-2026",
        "report",
        at,
        Some(at + chrono::Duration::seconds(3)),
        None,
    )
    .unwrap();
    s.record_job(
        "mdcc-2020",
        "collect",
        at,
        Some(at),
        Some("youtube: quota exceeded"),
    )
    .unwrap();
    s.set_notice("press-2026", 1000, NoticeState::Sent, at)
        .unwrap();
    s.record_announced(
        "press-2026",
        1000,
        Some(t("2026-10-05T12:00:00Z")),
        t("2026-10-07T12:00:00Z"),
    )
    .unwrap();
    s.set_notice("mdcc-2020", 8000, NoticeState::Baseline, at)
        .unwrap();
    assert!(s
        .claim_notice(
            "press-2026",
            5000,
            "host-a",
            at,
            chrono::Duration::minutes(5)
        )
        .unwrap());
    assert!(s
        .claim_tick(
            "press-2026",
            "collect",
            t("2026-11-25T11:45:00Z"),
            "host-a",
            t("2026-11-25T11:45:01Z")
        )
        .unwrap());
    s.add_api_usage(
        Platform::Youtube,
        "videos.list",
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        7,
    )
    .unwrap();
    s.set_api_state(
        Platform::Linkedin,
        "refresh_token_expires",
        "2027-05-01T00:00:00Z",
        at,
    )
    .unwrap();
}

/// Write `tests/fixtures/store-v1/` with the code of the time (run it only on a v1 build):
/// `cargo test --test main migrate::make_v1_fixture -- --ignored`.
#[test]
#[ignore = "writes the v1 fixture; run on the v1 code only"]
fn make_v1_fixture() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    env.write("press.csv", TIDY);
    let config = env.path("config/viewtally.toml");
    let config = config.to_str().unwrap();
    let demo: Vec<String> = std::fs::read_dir(repo("config/demo"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let mut args = vec!["--config", config, "import", "--campaign", "mdcc-2020"];
    args.extend(demo.iter().map(String::as_str));
    env.run(&args).ok();
    let press = env.path("press.csv");
    let press = press.to_str().unwrap();
    env.run(&[
        "--config",
        config,
        "import",
        "--campaign",
        "press-2026",
        press,
    ])
    .ok();
    // the same file twice adds nothing
    env.run(&[
        "--config",
        config,
        "import",
        "--campaign",
        "press-2026",
        press,
    ])
    .ok();
    let db = env.path("data/v1.db");
    {
        let mut s = store::open(&format!("sqlite://{}", db.display())).unwrap();
        s.write(&api_and_manual(), &[]).unwrap();
        write_state(s.as_mut());
    }
    let out = fixture("");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    // one self-contained file (no WAL beside it)
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(&format!("VACUUM INTO '{}'", out.join("v1.db").display()))
        .unwrap();
    for slug in CAMPAIGNS {
        let status = env
            .run(&["--config", config, "status", "--json", "--campaign", slug])
            .ok();
        std::fs::write(out.join(format!("{slug}.status.json")), status.stdout).unwrap();
        let reports = env.path("reports");
        let reports = reports.to_str().unwrap();
        env.run(&[
            "--config",
            config,
            "report",
            "--campaign",
            slug,
            "--out",
            reports,
        ])
        .ok();
        copy_tree(
            &env.path(&format!("reports/{slug}")),
            &out.join(format!("report/{slug}")),
        );
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// The v1 PostgreSQL schema (migrations 1–5 of the v1 code, as they were).
const PG_V1_DDL: &str = "
CREATE TABLE schema_version (version BIGINT NOT NULL);
CREATE TABLE observations (
    id           BIGSERIAL PRIMARY KEY,
    campaign     TEXT   NOT NULL,
    platform     TEXT   NOT NULL,
    video        TEXT   NOT NULL,
    account      TEXT,
    metric       TEXT   NOT NULL,
    kind         TEXT   NOT NULL CHECK (kind IN ('total', 'daily')),
    at_ms        BIGINT NOT NULL,
    value        BIGINT NOT NULL CHECK (value >= 0),
    source       TEXT   NOT NULL,
    source_kind  TEXT   NOT NULL,
    collected_ms BIGINT NOT NULL,
    UNIQUE (campaign, platform, video, metric, kind, at_ms, source_kind)
);
CREATE INDEX observations_campaign_at ON observations (campaign, at_ms);
CREATE TABLE imports (
    campaign    TEXT   NOT NULL,
    sha256      TEXT   NOT NULL,
    path        TEXT   NOT NULL,
    format      TEXT   NOT NULL,
    rows        BIGINT NOT NULL,
    imported_ms BIGINT NOT NULL,
    PRIMARY KEY (campaign, sha256)
);
CREATE TABLE api_usage (
    platform TEXT   NOT NULL,
    bucket   TEXT   NOT NULL,
    day      TEXT   NOT NULL,
    units    BIGINT NOT NULL CHECK (units >= 0),
    PRIMARY KEY (platform, bucket, day)
);
CREATE TABLE api_state (
    platform   TEXT   NOT NULL,
    key        TEXT   NOT NULL,
    value      TEXT   NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (platform, key)
);
CREATE TABLE job_state (
    campaign             TEXT   NOT NULL,
    job                  TEXT   NOT NULL,
    last_started_ms      BIGINT,
    last_finished_ms     BIGINT,
    last_success_ms      BIGINT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    last_error           TEXT,
    PRIMARY KEY (campaign, job)
);
CREATE TABLE milestone_notices (
    campaign   TEXT   NOT NULL,
    threshold  BIGINT NOT NULL,
    state      TEXT   NOT NULL CHECK (state IN ('baseline', 'pending', 'sent')),
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (campaign, threshold)
);
CREATE TABLE job_ticks (
    campaign   TEXT   NOT NULL,
    job        TEXT   NOT NULL,
    tick_ms    BIGINT NOT NULL,
    owner      TEXT   NOT NULL,
    claimed_ms BIGINT NOT NULL,
    PRIMARY KEY (campaign, job, tick_ms)
);
ALTER TABLE milestone_notices ADD COLUMN claimed_by TEXT;
ALTER TABLE milestone_notices ADD COLUMN claimed_ms BIGINT;
ALTER TABLE milestone_notices ADD COLUMN after_ms BIGINT;
ALTER TABLE milestone_notices ADD COLUMN by_ms BIGINT;
";

/// The v1 tables whose rows are copied to PostgreSQL as they are (every column).
const V1_TABLES: &[&str] = &[
    "schema_version",
    "observations",
    "imports",
    "api_usage",
    "api_state",
    "job_state",
    "milestone_notices",
    "job_ticks",
];

/// Every row of the v1 fixture as SQL inserts (for PostgreSQL).
fn v1_inserts() -> String {
    use rusqlite::types::ValueRef;
    // A copy: opening the committed fixture itself could leave WAL files beside it.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("v1.db");
    std::fs::copy(fixture("v1.db"), &copy).unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let mut sql = String::new();
    for table in V1_TABLES {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let values: Vec<String> = (0..columns.len())
                .map(|i| match r.get_ref(i).unwrap() {
                    ValueRef::Null => "NULL".to_string(),
                    ValueRef::Integer(n) => n.to_string(),
                    ValueRef::Text(t) => {
                        format!("'{}'", String::from_utf8_lossy(t).replace('\'', "''"))
                    }
                    other => panic!("{table}: unexpected {other:?}"),
                })
                .collect();
            sql.push_str(&format!(
                "INSERT INTO {table} ({}) VALUES ({});\n",
                columns.join(", "),
                values.join(", ")
            ));
        }
    }
    sql
}

/// Every observation of the v1 fixture, read with plain SQL from its v1 table, in the order
/// of `Store::observations`.
fn v1_observations(campaign: &str) -> Vec<Observation> {
    // A copy: opening the committed fixture itself could leave WAL files beside it.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("v1.db");
    std::fs::copy(fixture("v1.db"), &copy).unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT campaign, platform, video, account, metric, kind, at_ms, value, source,
             collected_ms FROM observations WHERE campaign = ?1
             ORDER BY at_ms, platform, video, metric, kind, source_kind",
        )
        .unwrap();
    let ms = |v: i64| Utc.timestamp_millis_opt(v).unwrap();
    let rows = stmt
        .query_map([campaign], |r| {
            Ok(Observation {
                campaign: r.get(0)?,
                platform: r.get::<_, String>(1)?.parse().unwrap(),
                video: r.get(2)?,
                account: r.get(3)?,
                metric: r.get::<_, String>(4)?.parse().unwrap(),
                kind: r.get::<_, String>(5)?.parse().unwrap(),
                at: ms(r.get(6)?),
                value: r.get(7)?,
                source: Source::parse(&r.get::<_, String>(8)?),
                collected_at: ms(r.get(9)?),
            })
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Every file under a folder, by relative path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// `status --json` without the `engagement` field that issue 16 added (the v1 code had none).
fn status_without_engagement(stdout: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    v.as_object_mut().unwrap().remove("engagement");
    serde_json::to_string_pretty(&v).unwrap() + "\n"
}

/// Report files without what issue 16's engagement added (the v1 code had none): the
/// `engagement.*` charts, the chart's figure and the Engagement section of `report.html`, its
/// image link and section in `summary.md`.
fn without_engagement(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    fn cut(text: &mut String, start: &str, end: &str) {
        if let Some(a) = text.find(start) {
            let b = text[a..]
                .find(end)
                .map_or(text.len(), |b| a + b + end.len());
            text.replace_range(a..b, "");
        }
    }
    files
        .into_iter()
        .filter(|(name, _)| !name.starts_with("engagement"))
        .map(|(name, bytes)| {
            let mut text = match name.as_str() {
                "report.html" | "summary.md" => String::from_utf8(bytes).unwrap(),
                _ => return (name, bytes),
            };
            if name == "report.html" {
                cut(&mut text, "<figure id=\"engagement\">", "</figure>\n");
                cut(
                    &mut text,
                    "<section id=\"engagement-table\">",
                    "</section>\n\n",
                );
            } else {
                if let Some(i) = text.find("](engagement.png)\n\n") {
                    let line = text[..i].rfind('\n').map_or(0, |n| n + 1);
                    let start = text[line..i].to_string();
                    cut(&mut text, &start, "](engagement.png)\n\n");
                }
                for heading in ["## Zapojení\n", "## Engagement\n"] {
                    if let Some(a) = text.find(heading) {
                        // Up to the next heading, which stays.
                        let b = text[a + 1..]
                            .find("\n## ")
                            .map_or(text.len(), |b| a + 1 + b + 1);
                        text.replace_range(a..b, "");
                    }
                }
            }
            (name, text.into_bytes())
        })
        .collect()
}

/// Open the v1 store at `url` (which migrates it) and check that it holds what the v1 code
/// wrote: every observation with every field, the daemon's state, `status --json` and the
/// report files byte for byte.
fn check_upgraded(url: &str, env: &Env, vars: &[(&str, &str)]) {
    let s = store::open(url).unwrap_or_else(|e| panic!("open {url}: {e}"));
    let mut total = 0;
    for slug in CAMPAIGNS {
        let want = v1_observations(slug);
        assert!(want.len() > 10, "{slug}: fixture rows");
        let got = s
            .observations(&Query {
                campaign: slug.into(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(got.len(), want.len(), "{slug}: observations kept");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{slug}: observation after the upgrade");
        }
        assert_eq!(s.count(Some(slug)).unwrap(), want.len() as u64);
        total += want.len() as u64;
        // the ordered scan gives the same rows, in key order
        let mut scanned = Vec::new();
        s.scan(
            &Query {
                campaign: slug.into(),
                ..Default::default()
            },
            store::ScanOrder::Key,
            &mut |b| {
                for i in 0..b.len() {
                    let (platform, video) = b.videos[b.video[i] as usize].clone();
                    scanned.push(Observation {
                        campaign: slug.into(),
                        platform,
                        video,
                        account: b.account[i].map(|a| b.accounts[a as usize].clone()),
                        metric: b.metric[i],
                        kind: b.kind[i],
                        at: Utc.timestamp_millis_opt(b.at_ms[i]).unwrap(),
                        value: b.value[i],
                        source: b.sources[b.source[i] as usize].clone(),
                        collected_at: Utc.timestamp_millis_opt(b.collected_ms[i]).unwrap(),
                    });
                }
                Ok(())
            },
        )
        .unwrap();
        let mut in_key_order = want.clone();
        in_key_order.sort_by(|a, b| store::key_order(a).cmp(&store::key_order(b)));
        assert_eq!(scanned, in_key_order, "{slug}: scan in key order");
    }
    assert_eq!(s.count(None).unwrap(), total);
    // the state tables
    let job = s.job_state("mdcc-2020", "collect").unwrap();
    assert_eq!(job.consecutive_failures, 1);
    assert_eq!(job.last_error.as_deref(), Some("youtube: quota exceeded"));
    let job = s.job_state("press-2026", "report").unwrap();
    assert_eq!(job.last_success, Some(t("2026-10-08T06:00:03Z")));
    assert_eq!(
        s.notices("press-2026").unwrap(),
        vec![(1000, NoticeState::Sent), (5000, NoticeState::Pending)]
    );
    assert_eq!(
        s.notices("mdcc-2020").unwrap(),
        vec![(8000, NoticeState::Baseline)]
    );
    let announced = s.announced("press-2026").unwrap();
    assert_eq!(announced.len(), 1);
    assert_eq!(announced[0].after, Some(t("2026-10-05T12:00:00Z")));
    assert_eq!(announced[0].by, t("2026-10-07T12:00:00Z"));
    assert_eq!(
        s.api_usage(
            Platform::Youtube,
            "videos.list",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        )
        .unwrap(),
        7
    );
    assert_eq!(
        s.api_state(Platform::Linkedin, "refresh_token_expires")
            .unwrap()
            .as_deref(),
        Some("2027-05-01T00:00:00Z")
    );
    assert!(s
        .imported(
            "mdcc-2020",
            "8fce2c4780c6ee84b128c6356cf3f3216cca44b4b1b8f9b75e0c63b8424ace97"
        )
        .unwrap());
    drop(s);
    // the same answers and files as the v1 code gave
    let config = env.path("config/viewtally.toml");
    let config = config.to_str().unwrap();
    for slug in CAMPAIGNS {
        let status = env
            .run_env(
                &["--config", config, "status", "--json", "--campaign", slug],
                vars,
            )
            .ok();
        let want = std::fs::read_to_string(fixture(&format!("{slug}.status.json"))).unwrap();
        assert_eq!(
            status_without_engagement(&status.stdout),
            want,
            "{slug}: status --json"
        );
        let out = env.path("reports");
        env.run_env(
            &[
                "--config",
                config,
                "report",
                "--campaign",
                slug,
                "--out",
                out.to_str().unwrap(),
            ],
            vars,
        )
        .ok();
        let got = without_engagement(files(&out.join(slug)));
        let want = files(&fixture(&format!("report/{slug}")));
        let names = |f: &[(String, Vec<u8>)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&got), names(&want), "{slug}: report files");
        for ((name, g), (_, w)) in got.iter().zip(&want) {
            assert!(
                g == w,
                "{slug}: report file {name} differs from the v1 report"
            );
        }
    }
}

#[test]
fn a_v1_sqlite_store_is_upgraded_in_place_and_loses_nothing() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let db = env.path("data/v1.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::copy(fixture("v1.db"), &db).unwrap();
    let url = format!("sqlite://{}", db.display());
    // The first open upgrades it, in place, and says so.
    let config = env.path("config/viewtally.toml");
    let first = env
        .run(&[
            "--config",
            config.to_str().unwrap(),
            "status",
            "--campaign",
            "press-2026",
        ])
        .ok();
    assert!(
        first.stderr.contains("upgrading the store to schema v2"),
        "{}",
        first.stderr
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 6);
    let without_rowid: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'points'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(without_rowid.contains("WITHOUT ROWID"), "{without_rowid}");
    drop(conn);
    check_upgraded(&url, &env, &[]);
    // A later open does nothing more.
    let again = env
        .run(&[
            "--config",
            config.to_str().unwrap(),
            "status",
            "--campaign",
            "press-2026",
        ])
        .ok();
    assert!(!again.stderr.contains("schema v2"), "{}", again.stderr);
}

#[test]
fn a_failed_upgrade_changes_nothing() {
    // Migration 6 fails half way (a table named like a v2 one is in the way): the upgrade is
    // one transaction, so the store stays v1 with every row, and no v2 table is left behind.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    std::fs::copy(fixture("v1.db"), &db).unwrap();
    let before = v1_observations("press-2026").len();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE points (x INTEGER);")
        .unwrap();
    let e = store::open(&format!("sqlite://{}", db.display()))
        .err()
        .expect("a broken upgrade is an error");
    assert!(e.to_string().contains("points"), "{e}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5, "the store stays v1");
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM observations WHERE campaign = 'press-2026'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n as usize, before);
    let series: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'series'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(series, 0, "no half-made v2 table is left");
}

#[test]
fn a_v1_postgres_store_is_upgraded_in_place_and_loses_nothing() {
    let Some(pg) = super::pg::Postgres::start() else {
        return;
    };
    let url = pg.database();
    let db = super::pg::Postgres::db_of(&url).to_string();
    pg.sql(&db, &format!("{PG_V1_DDL}\n{}", v1_inserts()));
    // the v1 rows are there as the v1 code left them
    let n = pg.sql(&db, "SELECT COUNT(*) FROM observations");
    let want: usize = CAMPAIGNS.iter().map(|c| v1_observations(c).len()).sum();
    assert_eq!(n.trim(), want.to_string());
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    check_upgraded(&url, &env, &[("VIEWTALLY_STORE", &url)]);
    assert_eq!(
        pg.sql(&db, "SELECT MAX(version) FROM schema_version")
            .trim(),
        "6"
    );
    assert_eq!(
        pg.sql(&db, "SELECT COUNT(*) FROM observations").trim(),
        want.to_string()
    );
}

/// Schema v2's size on SQLite: ≤ 40 bytes per observation (file size / rows) for the bench's
/// shape — 900 series (300 videos × 3 platforms) read hourly from the API, written hour by
/// hour in chunks of 200 000 rows as `cargo bench --bench scale -- gen` does.
/// `VIEWTALLY_SIZE_ROWS` sets the row count (default 100 000).
#[test]
fn sqlite_store_holds_an_observation_in_at_most_40_bytes() {
    let rows: usize = std::env::var("VIEWTALLY_SIZE_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("size.db");
    let mut s = store::open(&format!("sqlite://{}", db.display())).unwrap();
    let start = t("2026-01-01T00:00:00Z");
    let mut chunk = Vec::with_capacity(200_000);
    let mut written = 0;
    let mut hour = 0i64;
    let started = std::time::Instant::now();
    while written < rows {
        let at = start + chrono::Duration::hours(hour);
        for p in [Platform::Youtube, Platform::Facebook, Platform::Linkedin] {
            for v in 0..300i64 {
                if written + chunk.len() == rows {
                    break;
                }
                chunk.push(Observation {
                    campaign: "scale".into(),
                    platform: p,
                    video: format!("{}-video-{v:04}", p.as_str()),
                    account: Some(format!("{}-account-{}", p.as_str(), v % 7)),
                    metric: Metric::Views,
                    kind: Kind::Total,
                    at,
                    value: hour * (50 + v * 7) + (v * 13) % 97,
                    source: Source::api(),
                    collected_at: at,
                });
            }
        }
        hour += 1;
        if chunk.len() >= 200_000 || written + chunk.len() == rows {
            s.write(&chunk, &[]).unwrap();
            written += chunk.len();
            chunk.clear();
        }
    }
    let elapsed = started.elapsed();
    drop(s);
    // fold the WAL into the file
    rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let bytes = std::fs::metadata(&db).unwrap().len();
    let per_row = bytes as f64 / rows as f64;
    println!(
        "{rows} observations: {bytes} bytes, {per_row:.1} bytes per observation (written in {:.1} s)",
        elapsed.as_secs_f64()
    );
    assert!(per_row <= 40.0, "{per_row:.1} bytes per observation");
}
