//! End-to-end: platform export files (YouTube Studio, Meta Business Suite, LinkedIn) through
//! `viewtally import` into the store, read back with `status` and `export`.

use super::common::*;

/// A campaign whose videos are written as URLs, as users paste them.
fn config() -> String {
    ConfigBuilder::new()
        .campaign("launch", "Launch")
        .key("launched", "2020-07-24T09:00:00+02:00")
        .key("milestones", vec![5000, 20000])
        .key("language", "en")
        .video("youtube", "https://youtu.be/dQ8mC2c4Rx0?si=abc")
        .video(
            "facebook",
            "https://www.facebook.com/watch/?v=3112749605483751",
        )
        .video(
            "linkedin",
            "https://www.linkedin.com/feed/update/urn:li:ugcPost:6693157468235587584/",
        )
        .build()
}

const YT: &str = "dQ8mC2c4Rx0";
const FB: &str = "3112749605483751";
const LI: &str = "urn:li:ugcPost:6693157468235587584";

fn setup(config: &str) -> Env {
    let env = Env::new();
    env.write("config/viewtally.toml", config);
    env
}

fn status(env: &Env, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let r = env.run(&args).ok();
    serde_json::from_str(&r.stdout).unwrap()
}

fn observations(env: &Env, campaign: &str) -> Vec<String> {
    let r = env
        .run(&["export", "--format", "csv", "--campaign", campaign])
        .ok();
    r.stdout.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn every_platform_in_english_and_czech() {
    for (lang, workbook) in [
        ("en", "linkedin/en/conectart_content_1596146400000.xlsx"),
        ("cs", "linkedin/cs/conectart_content_1596146400000.xls"),
    ] {
        let env = setup(&config());
        let zip = env.fixture(
            "exports",
            &format!(
                "youtube/{lang}/{} 2020-07-24_2020-08-02 Conectart.zip",
                if lang == "en" { "Content" } else { "Obsah" }
            ),
        );
        let meta = env.fixture(
            "exports",
            &format!("meta/{lang}/Jul-24-2020_Jul-30-2020_daily.csv"),
        );
        let li = env.fixture("exports", workbook);
        let r = env.run(&["import", &zip, &meta, &li]).ok();
        let name = if lang == "en" { "English" } else { "Czech" };
        assert_eq!(
            r.stdout.matches(&format!("{name} headers")).count(),
            3,
            "{}",
            r.stdout
        );
        assert!(r.stdout.contains("(youtube-studio: ZIP:"), "{}", r.stdout);
        assert!(r.stdout.contains("(meta: "), "{}", r.stdout);
        assert!(r.stdout.contains("(linkedin: sheets:"), "{}", r.stdout);
        let s = status(&env, &[]);
        assert_eq!(s["platforms"]["youtube"], 4102, "{lang}: {s}");
        assert_eq!(s["platforms"]["facebook"], 3640, "{lang}: {s}");
        assert_eq!(s["platforms"]["linkedin"], 2400, "{lang}: {s}");
        assert_eq!(s["total_views"], 4102 + 3640 + 2400);
        // the ids the config wrote as URLs are stored as the platforms' own ids
        let videos: Vec<&str> = s["videos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["video"].as_str().unwrap())
            .collect();
        assert_eq!(videos.len(), 3, "{videos:?}");
        for id in [YT, FB, LI] {
            assert!(videos.contains(&id), "{id} in {videos:?}");
        }
        assert_eq!(s["milestones"][0]["threshold"], 5000);
        assert!(s["milestones"][0]["crossed_at"].is_string());
    }
}

#[test]
fn config_ids_match_in_every_form() {
    let cases = [
        ("youtube", "dQ8mC2c4Rx0", YT, "youtube/en/Chart data.csv"),
        (
            "youtube",
            "https://www.youtube.com/watch?v=dQ8mC2c4Rx0&t=5s",
            YT,
            "youtube/en/Chart data.csv",
        ),
        (
            "youtube",
            "https://youtu.be/dQ8mC2c4Rx0",
            YT,
            "youtube/en/Chart data.csv",
        ),
        (
            "youtube",
            "https://www.youtube.com/shorts/dQ8mC2c4Rx0",
            YT,
            "youtube/en/Chart data.csv",
        ),
        (
            "youtube",
            "https://www.youtube.com/embed/dQ8mC2c4Rx0",
            YT,
            "youtube/en/Chart data.csv",
        ),
        (
            "facebook",
            FB,
            FB,
            "meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
        ),
        (
            "facebook",
            "https://www.facebook.com/conectart/videos/3112749605483751/",
            FB,
            "meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
        ),
        (
            "facebook",
            "https://www.facebook.com/reel/3112749605483751",
            FB,
            "meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
        ),
        // the export's Post ID, as a bare id and as page_post
        (
            "facebook",
            "122158761234567890",
            "122158761234567890",
            "meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
        ),
        (
            "facebook",
            "100064123456789_122158761234567890",
            "100064123456789_122158761234567890",
            "meta/en/Jul-24-2020_Jul-30-2020_daily.csv",
        ),
        (
            "linkedin",
            LI,
            LI,
            "linkedin/en/conectart_content_1596146400000.xlsx",
        ),
        (
            "linkedin",
            "https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A6693157468235587584",
            LI,
            "linkedin/en/conectart_content_1596146400000.xlsx",
        ),
        (
            // another URN type with the same number
            "linkedin",
            "urn:li:activity:6693157468235587584",
            "urn:li:activity:6693157468235587584",
            "linkedin/en/conectart_content_1596146400000.xlsx",
        ),
        (
            "linkedin",
            "https://www.linkedin.com/posts/conectart_dekujeme-activity-6693157468235587584-AbCd",
            "urn:li:activity:6693157468235587584",
            "linkedin/en/conectart_content_1596146400000.xlsx",
        ),
    ];
    for (platform, form, stored, file) in cases {
        let env = setup(&format!(
            "[store]\nurl = \"sqlite://data/t.db\"\n[[campaign]]\nslug = \"c\"\nname = \"C\"\ntimezone = \"Europe/Prague\"\n\
             [[campaign.video]]\nplatform = \"{platform}\"\nid = \"{form}\"\n"
        ));
        let f = env.fixture("exports", file);
        let r = env.run(&["import", "--dry-run", &f]).ok();
        let line = r
            .stdout
            .lines()
            .find(|l| l.contains(" views ") && l.contains(stored))
            .unwrap_or_else(|| panic!("{form}: no views line for {stored}:\n{}", r.stdout));
        assert!(line.starts_with("  c "), "{form}: {line}");
    }
}

#[test]
fn importing_twice_adds_nothing_and_a_newer_export_replaces_overlapping_days() {
    let env = setup(&config());
    let zip = env.fixture(
        "exports",
        "youtube/en/Content 2020-07-24_2020-08-02 Conectart.zip",
    );
    let r = env.run(&["import", &zip]).ok();
    assert!(
        r.stdout
            .contains("26 rows → 16 new, 0 updated, 0 unchanged"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("skipped 10 rows of videos the campaign does not list"),
        "{}",
        r.stdout
    );
    let r = env.run(&["import", &zip]).ok();
    assert!(
        r.stdout
            .contains("26 rows → 0 new, 0 updated, 16 unchanged"),
        "{}",
        r.stdout
    );
    assert_eq!(observations(&env, "launch").len(), 16);

    // A later export of 1.–4. 8.: 1. 8. was revised (120 → 125), 2. 8. is the same, two new days.
    let newer = env.write(
        "in/newer/Chart data.csv",
        "Date,Content,Video title,Video publish time,Duration,Views\n\
         2020-08-01,dQ8mC2c4Rx0,x,\"Jul 24, 2020\",94,125\n\
         2020-08-02,dQ8mC2c4Rx0,x,\"Jul 24, 2020\",94,100\n\
         2020-08-03,dQ8mC2c4Rx0,x,\"Jul 24, 2020\",94,90\n\
         2020-08-04,dQ8mC2c4Rx0,x,\"Jul 24, 2020\",94,80\n",
    );
    let r = env.run(&["import", newer.to_str().unwrap()]).ok();
    assert!(
        r.stdout.contains("4 rows → 2 new, 1 updated, 1 unchanged"),
        "{}",
        r.stdout
    );
    let obs = observations(&env, "launch");
    assert_eq!(obs.len(), 18);
    assert!(
        obs.contains(&format!(
            "youtube,{YT},,views,daily,2020-08-02T07:00:00Z,125"
        )),
        "{obs:?}"
    );
    assert!(
        !obs.contains(&format!(
            "youtube,{YT},,views,daily,2020-08-02T07:00:00Z,120"
        )),
        "{obs:?}"
    );
    // the Table data total (end of 2. 8.) stands; the later days continue from it
    assert_eq!(status(&env, &[])["platforms"]["youtube"], 4102 + 90 + 80);
}

#[test]
fn one_file_feeds_several_campaigns() {
    let env = setup(
        r#"
[store]
url = "sqlite://data/t.db"
[[campaign]]
slug = "thanks"
name = "Thanks"
timezone = "Europe/Prague"
[[campaign.video]]
platform = "youtube"
id = "https://www.youtube.com/watch?v=dQ8mC2c4Rx0"
[[campaign.video]]
platform = "facebook"
id = "3112749605483751"
[[campaign]]
slug = "howto"
name = "How we work"
timezone = "UTC"
[[campaign.video]]
platform = "youtube"
id = "-bQ3xZ9kLmN"
"#,
    );
    let zip = env.fixture(
        "exports",
        "youtube/en/Content 2020-07-24_2020-08-02 Conectart.zip",
    );
    let r = env.run(&["import", &zip]).ok();
    assert!(r.stdout.contains("26 rows → 26 new"), "{}", r.stdout);
    assert!(!r.stdout.contains("skipped"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("note: Table data totals of `-bQ3xZ9kLmN` were not stored"),
        "{}",
        r.stdout
    );
    assert_eq!(observations(&env, "thanks").len(), 16);
    let howto = observations(&env, "howto");
    assert_eq!(howto.len(), 10);
    // days end where YouTube counts them (Pacific time), whatever the campaign's time zone
    assert!(
        howto.contains(&"youtube,-bQ3xZ9kLmN,,views,daily,2020-07-25T07:00:00Z,12".to_string()),
        "{howto:?}"
    );
    assert_eq!(status(&env, &["--campaign", "howto"])["total_views"], 90);
    // --campaign limits an import to one campaign
    let env2 = setup(&env.read("config/viewtally.toml"));
    let zip = env2.fixture(
        "exports",
        "youtube/en/Content 2020-07-24_2020-08-02 Conectart.zip",
    );
    let r = env2.run(&["import", "--campaign", "howto", &zip]).ok();
    assert!(r.stdout.contains("26 rows → 10 new"), "{}", r.stdout);
}

#[test]
fn lifetime_totals_need_a_time_and_as_of_gives_it() {
    let env = setup(&config());
    let f = env.fixture("exports", "meta/cs/Jul-24-2020_Aug-02-2020_lifetime.csv");
    let r = env.run(&["import", &f]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "error: {f}:2:17: this row holds lifetime totals, which are as of the moment the file was exported"
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pass --as-of"), "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("error:").count(),
        1,
        "said once: {}",
        r.stderr
    );
    assert!(observations(&env, "launch").is_empty());

    let r = env.run(&["import", "--as-of", "last week", &f]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--as-of `last week` is not a time"),
        "{}",
        r.stderr
    );

    env.run(&["import", "--as-of", "2020-08-03T10:00:00+02:00", &f])
        .ok();
    let s = status(&env, &[]);
    assert_eq!(s["platforms"]["facebook"], 5234);
    assert_eq!(s["videos"][0]["last_reading"], "2020-08-03T08:00:00Z");
    let obs = observations(&env, "launch");
    assert!(
        obs.contains(&format!(
            "facebook,{FB},Conectart,likes,total,2020-08-03T08:00:00Z,311"
        )),
        "{obs:?}"
    );

    // YouTube Table data on its own: the same rule
    let t = env.fixture("exports", "youtube/en/Table data.csv");
    let r = env.run(&["import", &t]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("does not say when that period ended"),
        "{}",
        r.stderr
    );
    let r = env.run(&["import", "--as-of", "2020-08-02", &t]).ok();
    assert!(r.stdout.contains("6 new"), "{}", r.stdout);
    let obs = observations(&env, "launch");
    // a date means the end of that day in the campaign's time zone
    assert!(
        obs.contains(&format!(
            "youtube,{YT},,views,total,2020-08-02T22:00:00Z,4102"
        )),
        "{obs:?}"
    );
}

#[test]
fn dry_run_is_readable_and_stores_nothing() {
    let env = setup(&config());
    let zip = env.fixture(
        "exports",
        "youtube/cs/Obsah 2020-07-24_2020-08-02 Conectart.zip",
    );
    let li = env.fixture("exports", "linkedin/en/conectart_content_1596146400000.xls");
    let r = env.run(&["import", "--dry-run", &zip, &li]).ok();
    let out = &r.stdout;
    assert!(
        out.contains(
            "(youtube-studio: ZIP: Data tabulky.csv, Data grafu.csv, Součty.csv; Czech headers): 26 rows read; would store:"
        ),
        "{out}"
    );
    let daily = out
        .lines()
        .find(|l| l.contains("views") && l.contains("daily"))
        .unwrap();
    assert!(daily.contains("2020-07-24 … 2020-08-02"), "{daily}");
    assert!(daily.ends_with("10 rows  sum 4102"), "{daily}");
    let total = out
        .lines()
        .find(|l| l.contains(" views ") && l.contains("total") && l.contains(YT))
        .unwrap();
    // the period ends with 2 Aug as YouTube counts days (Pacific time): 09:00 in Prague
    assert!(total.contains("2020-08-03 09:00 CEST"), "{total}");
    assert!(out.contains("note: Součty.csv was not read"), "{out}");
    assert!(
        out.contains(&format!("linkedin  {LI}")) && out.contains("2020-07-31 00:00 CEST"),
        "{out}"
    );
    assert!(out.contains("note: sheet `Metrics` was not read"), "{out}");
    assert!(observations(&env, "launch").is_empty());
}

#[test]
fn unrecognised_and_forced_formats_explain_themselves() {
    let env = setup(&config());
    let totals = env.fixture("exports", "youtube/en/Totals.csv");
    let r = env.run(&["import", &totals]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a format viewtally knows (first line: `Date,Views`); the nearest known format is YouTube Studio Totals"),
        "{}",
        r.stderr
    );
    let r = env.run(&["import", "--format", "youtube-studio", &totals]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no video column"), "{}", r.stderr);

    let chart = env.fixture("exports", "youtube/en/Chart data.csv");
    let r = env.run(&["import", "--format", "meta", &chart]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a Meta Business Suite export: Meta Business Suite post/video export (English headers): recognised `Date`, `Views`; missing `Post ID`"),
        "{}",
        r.stderr
    );
    let r = env.run(&["import", "--format", "linkedin", &chart]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".xls or .xlsx workbook"), "{}", r.stderr);
    let r = env.run(&["import", "--format", "excel", &chart]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "unknown format `excel`; known formats: tidy-csv, youtube-studio, meta, linkedin"
        ),
        "{}",
        r.stderr
    );
    let rounded = env.fixture("exports", "meta/en/rounded-ids.csv");
    let r = env.run(&["import", "--as-of", "2020-08-02", &rounded]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("`1.22158E+17` is an id a spreadsheet rounded"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_rows_inside_a_zip_name_the_entry() {
    let env = setup(&config());
    let dir = env.path("in");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("export.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file("Chart data.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(
        &mut zip,
        b"Date,Content,Video title,Views\n2020-07-24,dQ8mC2c4Rx0,x,5\n2020-07-25,dQ8mC2c4Rx0,x,\"5,5\"\n",
    )
    .unwrap();
    zip.finish().unwrap();
    let p = path.to_str().unwrap();
    let r = env.run(&["import", p]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!(
            "{p}[Chart data.csv]:3:4: column `Views`: `5,5` is not a whole number; nothing from this file was stored"
        )),
        "{}",
        r.stderr
    );
    assert!(observations(&env, "launch").is_empty());
    let r = env.run(&["import", "--skip-bad-rows", p]).ok();
    assert!(r.stdout.contains("skipped 1 bad row "), "{}", r.stdout);
    assert_eq!(observations(&env, "launch").len(), 1);
}

#[test]
fn the_demo_folder_imports_as_one_mixed_folder() {
    let env = Env::new();
    env.write(
        "config/demo.toml",
        &std::fs::read_to_string(repo("config/demo.toml")).unwrap(),
    );
    std::fs::create_dir_all(env.path("config/demo")).unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(repo("config/demo")).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(&p, env.path("config/demo").join(&name)).unwrap();
        names.push(name);
    }
    let r = env
        .run(&["--config", "config/demo.toml", "import", "config/demo/"])
        .ok();
    for format in ["(youtube-studio:", "(meta:", "(linkedin:", "(tidy-csv)"] {
        assert!(r.stdout.contains(format), "{format}:\n{}", r.stdout);
    }
    assert_eq!(
        r.stdout.matches(" rows → ").count(),
        names.len(),
        "one line per file:\n{}",
        r.stdout
    );
    let s: serde_json::Value = serde_json::from_str(
        &env.run(&["--config", "config/demo.toml", "status", "--json"])
            .ok()
            .stdout,
    )
    .unwrap();
    let total = s["total_views"].as_i64().unwrap();
    assert!(total > 8000 && total < 10_000, "{total}");
    // again: nothing new
    let r = env
        .run(&["--config", "config/demo.toml", "import", "config/demo/"])
        .ok();
    assert!(
        !r.stdout.contains(" 1 new") && r.stdout.contains(" 0 new, 0 updated"),
        "{}",
        r.stdout
    );
}
