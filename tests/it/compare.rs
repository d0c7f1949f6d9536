//! `viewtally compare` and `[[comparison]]` end to end: two campaigns imported from small tidy
//! exports (one read daily, one read on a few days only), the chart, compare.html/.md, the
//! milestone table with exact and bounded crossings, the same-age verdict in cs and en, the
//! usage and config errors, a headless Chromium rendering, and the daemon rendering a
//! configured comparison.

use std::time::{Duration, Instant};

use super::common::*;
use super::daemon::{get, Daemon};
use super::report::{assert_inked, chromium_or_skip, screenshot};

const CONFIG: &str = r#"
[store]
url = "sqlite://data/v.db"

[report]
sizes = ["web"]

[[campaign]]
slug = "thanks-2024"
name = "Thank you 2024"
timezone = "Europe/Prague"
launched = "2024-07-24T09:00:00+02:00"
milestones = [5000, 8000, 10000]

[[campaign]]
slug = "thanks-2025"
name = "Thank you 2025"
timezone = "Europe/Prague"
launched = "2025-07-24T09:00:00+02:00"
milestones = [8000, 10000]

[[campaign]]
slug = "unlaunched"
name = "Unlaunched"
timezone = "Europe/Prague"
milestones = [5000, 8000]

[[campaign]]
slug = "empty"
name = "Nothing read yet"
timezone = "Europe/Prague"
"#;

/// 2024: daily rows for 30 days from the launch day (every crossing pinned to a day).
fn daily_2024() -> String {
    let mut out = String::from("platform,video,account,metric,kind,at,value\n");
    let start = chrono::NaiveDate::from_ymd_opt(2024, 7, 24).unwrap();
    for i in 0..30 {
        let v = (1000 * 10 / (10 + i * 2)).max(20);
        out.push_str(&format!(
            "youtube,yt24,ACME,views,daily,{},{v}\n",
            start + chrono::Duration::days(i)
        ));
    }
    out
}

/// 2025: lifetime totals read at the end of days 1, 3, 9, 12 and 14 only (Prague, UTC+2).
fn totals_2025() -> String {
    let mut out = String::from("platform,video,account,metric,kind,at,value\n");
    for (day, views) in [(1, 2100), (3, 4300), (9, 7600), (12, 8400), (14, 8800)] {
        let at =
            chrono::NaiveDate::from_ymd_opt(2025, 7, 23).unwrap() + chrono::Duration::days(day);
        out.push_str(&format!(
            "youtube,yt25,ACME,views,total,{at}T22:00:00Z,{views}\n"
        ));
    }
    out
}

fn env_with(config: &str) -> Env {
    let env = Env::new();
    env.write("config/viewtally.toml", config);
    env.write("exports/y2024.csv", &daily_2024());
    env.write("exports/y2025.csv", &totals_2025());
    env.write(
        "exports/unlaunched.csv",
        "platform,video,account,metric,kind,at,value\n\
         youtube,u1,ACME,views,total,2025-03-01T10:00:00Z,6000\n\
         youtube,u1,ACME,views,total,2025-03-05T10:00:00Z,9000\n",
    );
    for (file, slug) in [
        ("exports/y2024.csv", "thanks-2024"),
        ("exports/y2025.csv", "thanks-2025"),
        ("exports/unlaunched.csv", "unlaunched"),
    ] {
        env.run(&["import", file, "--campaign", slug]).ok();
    }
    env
}

fn nb(s: &str) -> String {
    s.replace('\u{a0}', " ")
}

fn svg_texts(env: &Env, rel: &str) -> Vec<String> {
    let svg = env.read(rel);
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{rel}: {e}"));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| nb(t.trim())))
        .collect()
}

#[test]
fn compare_writes_the_chart_the_table_and_the_verdict() {
    let env = env_with(CONFIG);
    // --until takes a date: the end of that day in the first campaign's time zone (Prague),
    // so the 2025 reading at the end of 1 Aug (day 9) is in and nothing later.
    let r = env
        .run(&[
            "compare",
            "thanks-2025",
            "thanks-2024",
            "--until",
            "2025-08-01",
        ])
        .ok();
    assert!(
        nb(&r.stdout).contains("By the end of day 9, Thank you 2025 did better than"),
        "{}",
        r.stdout
    );
    let r = env.run(&["compare", "thanks-2025", "thanks-2024"]).ok();
    let out = nb(&r.stdout);
    assert!(
        out.starts_with("Thank you 2025 vs Thank you 2024\n"),
        "{out}"
    );
    // The bounds prove it: 8,800 read at the end of day 14 against 7,054 from daily rows.
    assert!(
        out.contains(
            "By the end of day 14, Thank you 2025 did better than Thank you 2024: \
             Thank you 2025 8,800; Thank you 2024 7,054."
        ),
        "{out}"
    );
    // Exact days from daily rows; bounded ones between two totals read days apart.
    assert!(
        out.contains("Milestone      5,000: Thank you 2025 day 4–9; Thank you 2024 day 8"),
        "{out}"
    );
    assert!(
        out.contains("Milestone      8,000: Thank you 2025 day 10–12; Thank you 2024 day 18"),
        "{out}"
    );
    assert!(
        out.contains("Milestone     10,000: Thank you 2025 not yet; Thank you 2024 day 29"),
        "{out}"
    );
    let dir = "reports/compare/thanks-2025-vs-thanks-2024";
    for file in ["compare.png", "compare.svg", "compare.html", "compare.md"] {
        assert!(
            out.contains(&format!("{dir}/{file}")),
            "{file} not listed: {out}"
        );
    }
    let img = image::open(env.path(&format!("{dir}/compare.png"))).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 900));
    let texts = svg_texts(&env, &format!("{dir}/compare.svg"));
    for want in [
        "Thank you 2025 vs Thank you 2024",
        "Thank you 2025 8,800",
        "Thank you 2024 10,165",
        "Milestone 8,000",
        "day 14",
        "days since launch (day 1 = the launch day)",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want}: {texts:?}");
    }
    let html = nb(&env.read(&format!("{dir}/compare.html")));
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        html.contains("<td class=\"nowrap\">day 10–12</td>"),
        "{html}"
    );
    assert!(html.contains("Views at the end of day 14"), "{html}");
    for bad in ["<script", "<link", "<img", "http://", "https://"] {
        assert!(!html.to_lowercase().contains(bad), "{bad} in compare.html");
    }
    let md = env.read(&format!("{dir}/compare.md"));
    assert!(md.contains("| 8,000 | day 10–12 | day 18 |"), "{md}");
    assert!(md.contains("![Cumulative views (all platforms) by days since launch](compare.png)"));

    // Czech, into another folder.
    let r = env
        .run(&[
            "compare",
            "thanks-2025",
            "thanks-2024",
            "--lang",
            "cs",
            "--out",
            "cs",
        ])
        .ok();
    let out = nb(&r.stdout);
    assert!(
        out.contains(
            "Na konci 14. dne má Thank you 2025 více zhlédnutí než Thank you 2024: \
             Thank you 2025 8 800; Thank you 2024 7 054."
        ),
        "{out}"
    );
    assert!(
        out.contains("Thank you 2025 10.–12. den; Thank you 2024 18. den"),
        "{out}"
    );
    assert!(out.contains("Thank you 2025 zatím ne"), "{out}");
    let md = nb(&env.read("cs/compare/thanks-2025-vs-thanks-2024/compare.md"));
    assert!(md.contains("| 8 000 | 10.–12. den | 18. den |"), "{md}");
    assert!(md.contains("Zhlédnutí na konci 14. dne"), "{md}");
}

#[test]
fn without_a_launch_date_days_count_from_the_first_reading_and_undecided_is_said() {
    let env = env_with(CONFIG);
    let r = env.run(&["compare", "unlaunched", "thanks-2025"]).ok();
    let out = nb(&r.stdout);
    assert!(
        out.contains(
            "note: Unlaunched: no launch date configured; days count from its first reading \
             (1 Mar 2025)"
        ),
        "{out}"
    );
    // 6,000 already at the first reading: only "by" that day.
    assert!(
        out.contains("Milestone      5,000: Unlaunched by day 1; Thank you 2025 day 4–9"),
        "{out}"
    );
    // At the end of day 4 the unlaunched one lies between 6,000 and 9,000, the other between
    // 4,300 and 7,600: the readings cannot tell.
    assert!(
        out.contains(
            "At the end of day 4, the readings cannot tell yet which did better: Unlaunched \
             between 6,000 and 9,000; Thank you 2025 between 4,300 and 7,600."
        ),
        "{out}"
    );
    let dir = "reports/compare/unlaunched-vs-thanks-2025";
    let html = nb(&env.read(&format!("{dir}/compare.html")));
    assert!(html.contains("1 Mar 2025 (first reading)"), "{html}");
    let texts = svg_texts(&env, &format!("{dir}/compare.svg"));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Unlaunched: no launch date configured")),
        "{texts:?}"
    );
}

#[test]
fn compare_refuses_unknown_single_and_empty_campaigns() {
    let env = env_with(CONFIG);
    let r = env.run(&["compare", "thanks-2025", "thanks-2023"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "no campaign `thanks-2023` in config/viewtally.toml; its campaigns are: \
             thanks-2024, thanks-2025, unlaunched, empty"
        ),
        "{}",
        r.stderr
    );
    let r = env.run(&["compare", "thanks-2025"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("compare needs at least two campaigns"),
        "{}",
        r.stderr
    );
    let r = env.run(&["compare", "thanks-2025", "empty"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("nothing to compare for `empty`: no readings; import an export file"),
        "{}",
        r.stderr
    );
    assert!(!env.path("reports/compare").exists());
}

#[test]
fn comparison_config_errors_name_the_line() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &format!("{CONFIG}\n[[comparison]]\ncampaigns = [\"thanks-2025\", \"thanks-2023\"]\n"),
    );
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = CONFIG.lines().count() + 3;
    assert!(
        r.stderr.contains(&format!(
            "config/viewtally.toml:{line}:13: [[comparison]] names campaign `thanks-2023`, which \
             is not configured; the campaigns are: thanks-2024, thanks-2025, unlaunched, empty"
        )),
        "{}",
        r.stderr
    );
    env.write(
        "config/viewtally.toml",
        &format!("{CONFIG}\n[[comparison]]\ncampaigns = [\"thanks-2025\"]\n"),
    );
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "config/viewtally.toml:{line}:13: [[comparison]] needs at least two campaigns"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn a_named_comparison_takes_its_title_and_folder() {
    let config = format!(
        "{CONFIG}\n[[comparison]]\nname = {{ cs = \"Děkovné video: 2025 proti 2024\", en = \
         \"Thank-you video: 2025 vs 2024\" }}\nslug = \"thanks\"\ncampaigns = [\"thanks-2025\", \
         \"thanks-2024\"]\n"
    );
    let env = env_with(&config);
    let r = env.run(&["compare", "thanks", "--lang", "cs"]).ok();
    assert!(
        r.stdout.starts_with("Děkovné video: 2025 proti 2024\n"),
        "{}",
        r.stdout
    );
    let html = env.read("reports/compare/thanks/compare.html");
    assert!(
        html.contains("<h1>Děkovné video: 2025 proti 2024</h1>"),
        "{html}"
    );
    assert!(html.contains("<html lang=\"cs\">"));
}

#[test]
fn compare_html_renders_in_headless_chromium() {
    let Some(chromium) = chromium_or_skip("compare.html") else {
        return;
    };
    let env = env_with(CONFIG);
    env.run(&["compare", "thanks-2025", "thanks-2024"]).ok();
    let page = env.path("reports/compare/thanks-2025-vs-thanks-2024/compare.html");
    for (name, size) in [("desktop", (1280, 1800)), ("phone", (390, 1800))] {
        let img = screenshot(&chromium, &page, &env.path(&format!("{name}.png")), size);
        assert_eq!((img.width(), img.height()), size, "{name}");
        // The two campaigns' colours: blue (#1f5fbf) and orange (#d9480f).
        let near = |p: &image::Rgb<u8>, c: [u8; 3]| {
            p.0.iter()
                .zip(c)
                .all(|(a, b)| (*a as i32 - b as i32).abs() < 40)
        };
        let blue = img.pixels().filter(|p| near(p, [0x1f, 0x5f, 0xbf])).count();
        let orange = img.pixels().filter(|p| near(p, [0xd9, 0x48, 0x0f])).count();
        assert_inked(&img, name, 1);
        assert!(
            blue > 300 && orange > 300,
            "{name}: lines missing ({blue} blue, {orange} orange)"
        );
        // Nothing reaches past the right edge of a phone: the last columns stay white
        // outside the scrolling tables (the page has a 24 px margin).
        if name == "phone" {
            let right_edge_ink = (0..img.height())
                .filter(|y| {
                    let p = img.get_pixel(img.width() - 3, *y);
                    p.0.iter().any(|c| *c < 200)
                })
                .count();
            assert!(
                right_edge_ink < 40,
                "phone: {right_edge_ink} inked rows at the right edge (horizontal overflow?)"
            );
        }
    }
}

#[test]
fn the_daemon_renders_configured_comparisons() {
    let schedule = "\n[campaign.schedule]\nreport = \"*/2 * * * * *\"\n";
    let config = format!(
        "{}\n[[comparison]]\nslug = \"after-reports\"\ncampaigns = [\"thanks-2025\", \"empty\"]\n\n\
         [[comparison]]\nslug = \"after-2024\"\ncampaigns = [\"thanks-2025\", \"thanks-2024\"]\n\n\
         [[comparison]]\nslug = \"own-cron\"\ncampaigns = [\"thanks-2024\", \"unlaunched\"]\n\n\
         [comparison.schedule]\nreport = \"*/2 * * * * *\"\n",
        CONFIG
            .replace(
                "milestones = [5000, 8000, 10000]\n",
                &format!("milestones = [5000, 8000, 10000]\n{schedule}")
            )
            .replace(
                "milestones = [8000, 10000]\n",
                &format!("milestones = [8000, 10000]\n{schedule}")
            )
    );
    let env = env_with(&config);
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/", &[]);
    let start = Instant::now();
    let want = [
        "reports/compare/after-2024/compare.html",
        "reports/compare/own-cron/compare.html",
        "reports/compare/after-2024/compare.md",
    ];
    while !want.iter().all(|f| env.path(f).exists()) {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "not rendered; stderr:\n{}",
            d.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // A comparison with a campaign that has no readings is logged, and the campaign's report
    // still stands.
    let start = Instant::now();
    while !d.stderr.lock().unwrap().contains("comparison not rendered") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{}",
            d.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The daemon serves a configured comparison's files, and nothing of an unknown one.
    let (status, body) = get(&d.addr, "/reports/compare/after-2024/compare.html");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("did better than"), "{body}");
    assert_eq!(get(&d.addr, "/reports/compare/nope/compare.html").0, 404);
    assert_eq!(get(&d.addr, "/reports/compare/after-2024/.hidden").0, 404);
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(env.path("reports/thanks-2025/report.html").exists());
    assert!(!env.path("reports/compare/after-reports").exists());
    let html = env.read("reports/compare/after-2024/compare.html");
    assert!(html.contains("did better than"), "{html}");
}
