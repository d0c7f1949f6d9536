use super::common::*;

#[test]
fn demo_writes_the_report_and_status_agrees() {
    let env = Env::new();
    let r = env.run(&["demo"]).ok();
    assert!(
        r.stdout.contains("reports/demo/cumulative.png"),
        "{}",
        r.stdout
    );

    // The PNG decodes at the configured size; the SVG parses and labels the crossing.
    let png = image::open(env.path("reports/demo/cumulative.png")).expect("PNG decodes");
    assert_eq!((png.width(), png.height()), (1600, 900));
    let svg = env.read("reports/demo/cumulative.svg");
    let doc = roxmltree::Document::parse(&svg).expect("SVG parses");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t == "8\u{a0}000 — nejpozději 29.\u{a0}7."),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.starts_with("YouTube ")), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.starts_with("Facebook ")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("LinkedIn ")),
        "{texts:?}"
    );

    let csv = env.read("reports/demo/timeline.csv");
    assert!(
        csv.starts_with("date,as_of,youtube,facebook,linkedin,total,"),
        "{csv}"
    );
    // YouTube's last day (30 Sep in Pacific time) ends at 09:00 on 1 Oct in Prague
    assert_eq!(
        csv.lines().count(),
        1 + 70,
        "one row per day 24. 7. – 1. 10."
    );
    let md = env.read("reports/demo/summary.md");
    assert!(
        md.contains("| 8\u{a0}000 | nejpozději 29.\u{a0}7.\u{a0}2020"),
        "{md}"
    );
    assert!(
        md.contains("syntetických"),
        "the demo is labelled as synthetic"
    );
    assert!(
        md.contains("3\u{a0}112\u{a0}749") || md.contains("Facebook"),
        "{md}"
    );
    assert!(
        md.contains("| Facebook | `3112749605483751` | 12."),
        "the spam-view decrease is listed: {md}"
    );

    // status --json on the demo config (its store is data/demo.db)
    env.write(
        "config/demo.toml",
        &std::fs::read_to_string(repo("config/demo.toml")).unwrap(),
    );
    let r = env
        .run(&["--config", "config/demo.toml", "status", "--json"])
        .ok();
    let s: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let sum: i64 = s["platforms"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!(s["total_views"].as_i64().unwrap(), sum);
    assert_eq!(s["platforms"].as_object().unwrap().len(), 3);
    assert!(sum > 8000 && sum < 10_000, "{sum}");
    assert_eq!(s["milestones"][0]["threshold"], 8000);
    let crossed = s["milestones"][0]["crossed_at"]
        .as_str()
        .expect("8 000 crossed");
    assert!(s["milestones"][1]["crossed_at"].is_null());
    assert!(s["next_milestone_eta"].is_string());

    // The crossing lies in its bracket (timeline rule 4): the end of 27 Jul (at most 7 780
    // views proven) and the end of 28 Jul (at least 8 274), days as YouTube and Meta count
    // them (Pacific time: 09:00 in Prague), so two calendar days in Prague: "by 29 Jul".
    let m = &s["milestones"][0];
    assert_eq!(
        m["after"],
        serde_json::json!({"at": "2020-07-28T07:00:00Z", "total": 7780})
    );
    assert_eq!(
        m["by"],
        serde_json::json!({"at": "2020-07-29T07:00:00Z", "total": 8274})
    );
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    assert!(t("2020-07-28T07:00:00Z") < t(crossed) && t(crossed) <= t("2020-07-29T07:00:00Z"));
    assert!(s["milestones"][1]["after"].is_null() && s["milestones"][1]["by"].is_null());

    // The timeline export carries the same bracket.
    let r = env
        .run(&[
            "--config",
            "config/demo.toml",
            "export",
            "--what",
            "timeline",
            "--format",
            "json",
        ])
        .ok();
    let tl: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let m = &tl["milestones"][0];
    assert_eq!(m["after"]["total"], 7780);
    assert_eq!(m["by"]["total"], 8274);

    // The sparse LinkedIn readings (28 Jul, 31 Jul, 14 Aug, 30 Sep) are no spikes in the daily
    // figures: each gap's views are spread over its days and marked as estimated.
    let days = tl["days"].as_array().unwrap();
    let li = platform_column(&tl, "linkedin");
    let late: Vec<(i64, bool)> = days
        .iter()
        .filter(|d| d["date"].as_str().unwrap() >= "2020-08-01")
        .map(|d| {
            (
                d["new_platforms"][li].as_i64().unwrap(),
                d["estimated"][li].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(late.iter().all(|(v, est)| *v <= 10 && *est), "{late:?}");

    // Running the demo again starts from a fresh scratch store.
    let r = env.run(&["demo"]).ok();
    assert!(r.stdout.contains("(409 observations)"), "{}", r.stdout);
}

#[test]
fn report_until_renders_a_past_state_in_english() {
    let env = Env::new();
    env.run(&["demo"]).ok();
    env.write(
        "config/demo.toml",
        &std::fs::read_to_string(repo("config/demo.toml")).unwrap(),
    );
    env.run(&[
        "--config",
        "config/demo.toml",
        "report",
        "--until",
        "2020-07-27T12:00:00+02:00",
        "--lang",
        "en",
        "--out",
        "past",
    ])
    .ok();
    let md = env.read("past/mdcc-2020/2020-07-24_2020-07-27/summary.md");
    assert!(md.contains("| 8,000 | not yet |"), "{md}");
    let r = env
        .run(&[
            "--config",
            "config/demo.toml",
            "status",
            "--json",
            "--until",
            "2020-07-27T12:00:00+02:00",
        ])
        .ok();
    let s: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(s["total_views"].as_i64().unwrap() < 8000);
    assert!(s["as_of"].as_str().unwrap() <= "2020-07-27T10:00:00Z");
}
