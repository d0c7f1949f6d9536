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
