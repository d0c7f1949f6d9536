//! Milestone truth end to end (timeline rules v2): the three cases of the issue through
//! `import`, `status`, `report` and the press snippets, in English and Czech.

use super::common::*;
use serde_json::json;

const HEADER: &str = "platform,video,account,metric,kind,at,value\n";
const YT: &str = "dQ8mC2c4Rx0";
const FB: &str = "3112749605483751";
const LI: &str = "urn:li:ugcPost:6693157468235587584";

fn config(language: &str) -> String {
    ConfigBuilder::with_store("sqlite://data/m.db")
        .small_report()
        .campaign("mdcc", "Thank-you video")
        .key("launched", "2020-07-24T09:00:00+02:00")
        .key("milestones", vec![8000, 10000])
        .key("language", language)
        .video("youtube", YT)
        .video("facebook", FB)
        .video("linkedin", LI)
        .build()
}

fn plain(s: &str) -> String {
    s.replace('\u{a0}', " ")
}

fn status(env: &Env, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&env.run(&args).ok().stdout).unwrap()
}

/// Daily rows of one video from 24 Jul 2020 on (tidy CSV: days in the campaign time zone).
fn daily(platform: &str, video: &str, values: &[i64]) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2020, 7, 24).unwrap();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let d = start + chrono::Duration::days(i as i64);
            format!("{platform},{video},,views,daily,{d},{v}\n")
        })
        .collect()
}

// Case 1: a YouTube and a Meta daily export from the launch day to 6 Aug; at the end of
// 31 Jul they add up to 7 964, at the end of 1 Aug to 8 259.
const YT_DAYS: [i64; 14] = [
    1400, 760, 520, 380, 280, 160, 120, 90, 70, 60, 50, 40, 30, 30,
];
const FB_DAYS: [i64; 14] = [
    1300, 900, 650, 480, 370, 250, 184, 120, 225, 110, 80, 60, 50, 40,
];

fn case1(env: &Env, until_day: usize) {
    env.write("config/viewtally.toml", &config("en"));
    let yt = env.write(
        "yt.csv",
        &format!("{HEADER}{}", daily("youtube", YT, &YT_DAYS[..until_day])),
    );
    let fb = env.write(
        "fb.csv",
        &format!("{HEADER}{}", daily("facebook", FB, &FB_DAYS[..until_day])),
    );
    env.run(&["import", yt.to_str().unwrap(), fb.to_str().unwrap()])
        .ok();
}

#[test]
fn a_later_lifetime_total_does_not_rewrite_history() {
    let env = Env::new();
    case1(&env, 14);
    let bracket = json!({
        "threshold": 8000,
        "after": {"at": "2020-07-31T22:00:00Z", "total": 7964},
        "by": {"at": "2020-08-01T22:00:00Z", "total": 8259},
    });
    let check = |s: &serde_json::Value| {
        let m = &s["milestones"][0];
        assert_eq!(m["threshold"], bracket["threshold"]);
        assert_eq!(m["after"], bracket["after"], "{m}");
        assert_eq!(m["by"], bracket["by"], "{m}");
        let crossed = m["crossed_at"].as_str().unwrap();
        assert!(
            ("2020-07-31T22:00:00Z".."2020-08-01T22:00:01Z").contains(&crossed),
            "{crossed}"
        );
    };
    let before = status(&env, &[]);
    check(&before);
    assert_eq!(before["total_views"], 3990 + 4819);

    // A Meta lifetime total read on 15 Aug, 140 above the daily sum.
    let life = env.write(
        "fb-lifetime.csv",
        &format!("{HEADER}facebook,{FB},,views,total,2020-08-15T10:00:00+02:00,4959\n"),
    );
    env.run(&["import", life.to_str().unwrap()]).ok();
    let after = status(&env, &[]);
    check(&after);
    assert_eq!(after["total_views"], 3990 + 4959);
    assert_eq!(after["platforms"]["facebook"], 4959);

    // The status line says the day, with the readings around it.
    let text = plain(&env.run(&["status"]).ok().stdout);
    assert!(
        text.contains(
            "Milestone      8,000: passed on 1 Aug 2020 — between 31 Jul 2020 24:00 (at most 7,964) and 1 Aug 2020 24:00 (at least 8,259)"
        ),
        "{text}"
    );

    // The days keep what the files say: Facebook's launch day is 1 300, not 1 440; the
    // 140 views between 6 and 15 Aug are spread over those days and marked as estimated.
    env.run(&["report"]).ok();
    let csv = env.read("reports/mdcc/timeline.csv");
    let head: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let row = |date: &str| -> Vec<String> {
        csv.lines()
            .find(|l| l.starts_with(date))
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("2020-07-24")[col("facebook")], "1300");
    assert_eq!(row("2020-07-31")[col("total")], "7964");
    assert_eq!(row("2020-08-01")[col("total")], "8259");
    assert_eq!(row("2020-08-01")[col("total_low")], "8259");
    assert_eq!(row("2020-08-01")[col("total_high")], "8259");
    assert_eq!(row("2020-08-06")[col("estimated")], "false");
    assert_eq!(row("2020-08-10")[col("estimated")], "true");
    let spread: Vec<i64> = csv
        .lines()
        .filter(|l| ("2020-08-07".."2020-08-15").contains(&&l[..10]))
        .map(|l| {
            l.split(',')
                .nth(col("new_facebook"))
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(spread.iter().all(|v| (10..=20).contains(v)), "{spread:?}");

    // The press snippets, in both languages.
    let en = plain(&env.read("reports/mdcc/snippet.en.txt"));
    assert_eq!(
        en.trim(),
        "The video already has more than 8,000 views across YouTube and Facebook. It passed 8,000 views on 1 Aug 2020, 8 days after launch."
    );
    let cs = plain(&env.read("reports/mdcc/snippet.cs.txt"));
    assert_eq!(
        cs.trim(),
        "Video má již přes 8 tisíc zhlédnutí na sítích YouTube a Facebook. Hranici 8 000 zhlédnutí překonalo 1. 8. 2020, 8 dní po zveřejnění."
    );
    let md = plain(&env.read("reports/mdcc/summary.md"));
    assert!(
        md.contains("| 8,000 | 1 Aug 2020 | between 31 Jul 2020 24:00 (at most 7,964) and 1 Aug 2020 24:00 (at least 8,259) |"),
        "{md}"
    );
    let svg = plain(&env.read("reports/mdcc/cumulative.svg"));
    assert!(svg.contains("8,000 — 1 Aug"), "chart label");

    // `--until T` says what the readings up to T prove: the same as a store that only has
    // those readings.
    let until = status(&env, &["--until", "2020-08-03T00:00:00+02:00"]);
    let only = Env::new();
    case1(&only, 10);
    assert_eq!(until, status(&only, &[]));
    let until_text = env
        .run(&["status", "--until", "2020-08-03T00:00:00+02:00"])
        .ok()
        .stdout;
    assert_eq!(until_text, only.run(&["status"]).ok().stdout);
}

#[test]
fn sparse_readings_years_after_launch_are_dated_by_not_on() {
    let env = Env::new();
    env.write("config/viewtally.toml", &config("en"));
    let api = env.write(
        "api.csv",
        &format!(
            "{HEADER}youtube,{YT},,views,total,2026-11-20T10:00:00Z,9000\n\
             facebook,{FB},,views,total,2026-11-20T10:00:01Z,1500\n\
             youtube,{YT},,views,total,2026-11-20T16:00:00Z,9003\n\
             facebook,{FB},,views,total,2026-11-20T16:00:01Z,1501\n"
        ),
    );
    env.run(&["import", api.to_str().unwrap()]).ok();
    let s = status(&env, &[]);
    let launch = json!({"at": "2020-07-24T07:00:00Z", "total": 0});
    assert_eq!(s["milestones"][0]["after"], launch);
    assert_eq!(
        s["milestones"][0]["by"],
        json!({"at": "2026-11-20T10:00:00Z", "total": 9000})
    );
    assert_eq!(s["milestones"][1]["after"], launch);
    assert_eq!(
        s["milestones"][1]["by"],
        json!({"at": "2026-11-20T10:00:01Z", "total": 10500})
    );
    // six hours of readings are no pace: no forecast
    assert!(s["next_milestone_eta"].is_null(), "{s}");

    let text = plain(&env.run(&["status"]).ok().stdout);
    assert!(
        text.contains("Milestone     10,000: passed by 20 Nov 2026 — between 24 Jul 2020 09:00 (at most 0) and 20 Nov 2026 11:00 (at least 10,500); estimated "),
        "{text}"
    );
    assert!(
        text.contains(
            "Next milestone 12,000: 1,496 views to go; no date can be estimated yet (no two readings a day apart in the last 7 days)."
        ),
        "{text}"
    );
    // Past the configured milestones, the next steps go on from their own step (issue 16).
    assert!(
        text.contains(
            "Every configured milestone is passed; the next steps would be 12,000, 14,000 and 16,000 (add them to `milestones` in the config to have them announced)."
        ),
        "{text}"
    );

    env.run(&["report"]).ok();
    assert_eq!(
        plain(&env.read("reports/mdcc/snippet.en.txt")).trim(),
        "The video already has more than 10,000 views across YouTube and Facebook. It had passed 10,000 views by 20 Nov 2026."
    );
    assert_eq!(
        plain(&env.read("reports/mdcc/snippet.cs.txt")).trim(),
        "Video má již přes 10 tisíc zhlédnutí na sítích YouTube a Facebook. Hranici 10 000 zhlédnutí překonalo nejpozději 20. 11. 2026."
    );
    let svg = plain(&env.read("reports/mdcc/cumulative.svg"));
    assert!(
        svg.contains("10,000 — by 20 Nov 2026"),
        "chart label with year"
    );
    assert!(svg.contains("estimated between readings"), "chart key");
    let md = plain(&env.read("reports/mdcc/summary.md"));
    // The launch (2020) is long before the first reading (2026): crossed before monitoring
    // began, and the report's list says so (issue 18).
    assert!(
        md.contains("| 10,000 | by 20 Nov 2026 (crossed before monitoring began) |"),
        "{md}"
    );

    // Czech report: the same bracket in Czech words.
    env.write("config/viewtally.toml", &config("cs"));
    let text = plain(&env.run(&["status"]).ok().stdout);
    assert!(
        text.contains("Milník     10 000: překonáno nejpozději 20. 11. 2026 — mezi 24. 7. 2020 09:00 (nejvýše 0) a 20. 11. 2026 11:00 (nejméně 10 500); odhad "),
        "{text}"
    );
    assert!(
        text.contains("(překročeno před začátkem sledování)\n"),
        "{text}"
    );
}

#[test]
fn a_reading_after_a_gap_is_no_spike_in_the_daily_figures() {
    let env = Env::new();
    env.write("config/viewtally.toml", &config("en"));
    let file = env.write(
        "in.csv",
        &format!(
            "{HEADER}{}linkedin,{LI},,views,total,2020-07-27T12:00:00+02:00,300\n\
             linkedin,{LI},,views,total,2020-08-06T12:00:00+02:00,728\n",
            daily("youtube", YT, &YT_DAYS)
        ),
    );
    env.run(&["import", file.to_str().unwrap()]).ok();
    env.run(&["report"]).ok();
    let tl: serde_json::Value =
        serde_json::from_str(&env.read("reports/mdcc/timeline.json")).unwrap();
    let li = platform_column(&tl, "linkedin");
    let gap: Vec<(String, i64, bool)> = tl["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| ("2020-07-28".."2020-08-06").contains(&d["date"].as_str().unwrap()))
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["new_platforms"][li].as_i64().unwrap(),
                d["estimated"][li].as_bool().unwrap(),
            )
        })
        .collect();
    // 428 views over ten days: about 43 a day, each marked as estimated; never one spike
    assert_eq!(gap.len(), 9);
    assert!(
        gap.iter().all(|(_, v, est)| (40..=45).contains(v) && *est),
        "{gap:?}"
    );
    // YouTube's days are read, not estimated
    let yt = platform_column(&tl, "youtube");
    assert!(tl["days"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| !d["estimated"][yt].as_bool().unwrap()));
    let svg = plain(&env.read("reports/mdcc/daily.svg"));
    assert!(
        svg.contains("Lighter bars: a gap between readings spread evenly over its days"),
        "daily chart key"
    );
}

/// The demo's exports in a temporary folder, with the demo config (optionally amended).
fn demo_env(extra_config: &str) -> Env {
    let env = Env::new();
    let config = std::fs::read_to_string(repo("config/demo.toml")).unwrap();
    let config = config.replacen("[[campaign]]", &format!("{extra_config}\n[[campaign]]"), 1);
    env.write("config/demo.toml", &config);
    std::fs::create_dir_all(env.path("config/demo")).unwrap();
    for entry in std::fs::read_dir(repo("config/demo")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, env.path("config/demo").join(p.file_name().unwrap())).unwrap();
    }
    env.run(&["--config", "config/demo.toml", "import", "config/demo/"])
        .ok();
    env
}

fn daily_ats(csv: &str, platform: &str) -> Vec<String> {
    csv.lines()
        .filter(|l| l.starts_with(platform) && l.contains(",views,daily,"))
        .map(|l| l.split(',').nth(5).unwrap().to_string())
        .collect()
}

#[test]
fn export_days_end_where_the_platform_counts_them_and_round_trip() {
    // YouTube Studio and Meta count days in Pacific time (DESIGN timeline rule 1): the day
    // 24 Jul ends at 07:00 UTC on the 25th, not at midnight in Prague.
    let env = demo_env("");
    let csv = env
        .run(&["--config", "config/demo.toml", "export", "--format", "csv"])
        .ok()
        .stdout;
    let yt = daily_ats(&csv, "youtube");
    assert_eq!(yt.first().map(String::as_str), Some("2020-07-25T07:00:00Z"));
    assert_eq!(
        daily_ats(&csv, "facebook").first().map(String::as_str),
        Some("2020-07-25T07:00:00Z")
    );
    // The report says which day boundary each export used.
    env.run(&["--config", "config/demo.toml", "report", "--lang", "en"])
        .ok();
    let md = plain(&env.read("reports/mdcc-2020/summary.md"));
    assert!(
        md.contains("days of the exports end at midnight in YouTube and Facebook: America/Los_Angeles; LinkedIn: UTC"),
        "{md}"
    );

    // export → import is lossless: the exported CSV imported into a fresh store exports the
    // same rows again.
    let again = Env::new();
    again.write(
        "config/demo.toml",
        &std::fs::read_to_string(repo("config/demo.toml")).unwrap(),
    );
    again.write("all.csv", &csv);
    again
        .run(&["--config", "config/demo.toml", "import", "all.csv"])
        .ok();
    let csv2 = again
        .run(&["--config", "config/demo.toml", "export", "--format", "csv"])
        .ok()
        .stdout;
    assert_eq!(csv2, csv);

    // A configured day_timezone moves the day ends; days that end at a campaign midnight are
    // written as dates.
    let prague = demo_env("[platforms.youtube]\nday_timezone = \"Europe/Prague\"\n");
    let csv = prague
        .run(&["--config", "config/demo.toml", "export", "--format", "csv"])
        .ok()
        .stdout;
    assert_eq!(
        daily_ats(&csv, "youtube").first().map(String::as_str),
        Some("2020-07-24")
    );
}

#[test]
fn a_day_timezone_that_is_no_time_zone_is_refused_at_its_line() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &format!(
            "[platforms.linkedin]\naccess_token_env = \"LINKEDIN_ACCESS_TOKEN\"\nday_timezone = \"Mars/Olympus\"\n{}",
            config("en")
        ),
    );
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("[platforms.linkedin] day_timezone `Mars/Olympus` is not an IANA time zone"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("viewtally.toml:3:"), "{}", r.stderr);
}
