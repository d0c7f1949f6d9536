//! Engagement (issue 16, point 1): the report's "Engagement" section, `engagement.png/svg`, the
//! `status` lines and `status --json`'s `engagement`, from the demo's bundled exports and from
//! a tidy CSV; `--until` takes the values as of then; a views-only campaign says it has none.

use super::common::*;
use super::report::{chromium_or_skip, screenshot};

/// Text with no-break spaces as plain spaces (numbers, dates and units carry them).
fn plain(s: &str) -> String {
    s.replace('\u{a0}', " ")
}

fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("SVG parses");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| plain(t.trim())))
        .collect()
}

#[test]
fn demo_report_and_status_show_engagement() {
    let env = Env::new();
    env.run(&["demo"]).ok();

    let md = plain(&env.read("reports/demo/summary.md"));
    let section = md
        .split("## Zapojení")
        .nth(1)
        .and_then(|s| s.split("## Počítadla").next())
        .unwrap_or_else(|| panic!("no engagement section: {md}"));
    for row in [
        "| YouTube | 134 | 23 | 19 | 176 | 4 103 | 4,3 % | 82,1 h | 49 236 zobrazení |",
        // Reactions and views read on 30 Sep; watch time only up to the 7 Aug export.
        "| Facebook | 311 | 46 | 58 | 415 | 3 743 | 11,1 % | 20,7 h (stav k 8. 8. 2020) | — |",
        "| LinkedIn | 114 | 14 | 25 | 153 | 2 071 | 7,4 % | — | 8 634 zobrazení |",
        "| Facebook | Děkujeme, operátoři! (`3112749605483751`) | 311 | 46 | 58 | 415 | 3 743 | 11,1 % | 20,7 h (stav k 8. 8. 2020) |",
    ] {
        assert!(section.contains(row), "{row}\n{section}");
    }
    assert!(section.contains("- LinkedIn: v těchto exportech chybí: doba sledování"));
    assert!(section.contains("„reakce“ zahrnují všechny reakce včetně Líbí se mi"));
    assert!(md.contains("](engagement.png)"), "{md}");
    // Press snippets stay about views.
    let snippet = env.read("reports/demo/snippet.cs.txt");
    assert!(
        !snippet.contains("Líbí") && !snippet.contains("reakc"),
        "{snippet}"
    );

    let html = plain(&env.read("reports/demo/report.html"));
    assert!(html.contains("<h2>Zapojení</h2>"), "{html}");
    assert!(html.contains("<figure id=\"engagement\">"));
    assert!(html.contains(
        "<td class=\"num\">20,7 h<br><span class=\"muted\">stav k 8. 8. 2020</span></td>"
    ));

    let dir = env.path("reports/demo");
    for (file, size) in [
        ("engagement.png", (1600, 900)),
        ("engagement-print.png", (3200, 1800)),
    ] {
        let img = image::open(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!((img.width(), img.height()), size, "{file}");
    }
    let texts = svg_texts(&env.read("reports/demo/engagement.svg"));
    for t in [
        "Facebook",
        "YouTube",
        "LinkedIn",
        "Líbí se mi / reakce",
        "Komentáře",
        "Sdílení",
        "415",
        "311",
        "míra zapojení 11,1 %",
    ] {
        assert!(texts.iter().any(|x| x == t), "{t}: {texts:?}");
    }

    env.write(
        "config/demo.toml",
        &std::fs::read_to_string(repo("config/demo.toml")).unwrap(),
    );
    let r = env
        .run(&["--config", "config/demo.toml", "status", "--json"])
        .ok();
    let s: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let e = &s["engagement"];
    assert_eq!(
        e["facebook"],
        serde_json::json!({"likes": 311, "comments": 46, "shares": 58,
            "watch_time_s": 74697, "interactions": 415, "rate": 0.1109})
    );
    assert_eq!(e["youtube"]["watch_time_s"], 295416);
    assert_eq!(e["youtube"]["impressions"], 49236);
    assert_eq!(e["linkedin"]["interactions"], 153);
    assert!(e["linkedin"].get("watch_time_s").is_none());

    let r = env.run(&["--config", "config/demo.toml", "status"]).ok();
    assert!(
        r.stdout.contains(
            "  zapojení Facebook: 311 reakcí · 46 komentářů · 58 sdílení · míra zapojení 11,1 % · doba sledování 20,7 h (stav k 8. 8. 2020)\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "  zapojení YouTube: 134 Líbí se mi · 23 komentářů · 19 sdílení · míra zapojení 4,3 % · doba sledování 82,1 h\n"
        ),
        "{}",
        r.stdout
    );
}

const CONFIG: &str = r##"
[store]
url = "sqlite://data/test.db"

[report]
sizes = ["1200x675"]

[[campaign]]
slug = "thanks"
name = "Thank-you video"
timezone = "Europe/Prague"
milestones = [1000, 5000]
language = "en"
"##;

/// YouTube read twice with likes and comments; Facebook's reactions read days before its views.
const READINGS: &str = "platform,video,account,metric,kind,at,value
youtube,yt1,Conectart,views,total,2025-03-21T10:00:00Z,1000
youtube,yt1,Conectart,likes,total,2025-03-21T10:00:00Z,30
youtube,yt1,Conectart,comments,total,2025-03-21T10:00:00Z,10
youtube,yt1,Conectart,views,total,2025-03-25T10:00:00Z,2000
youtube,yt1,Conectart,likes,total,2025-03-25T10:00:00Z,50
youtube,yt1,Conectart,comments,total,2025-03-25T10:00:00Z,14
facebook,fb1,Conectart,views,total,2025-03-25T10:00:00Z,800
facebook,fb1,Conectart,likes,total,2025-03-21T10:00:00Z,12
";

#[test]
fn rates_need_views_read_alongside_and_until_takes_earlier_values() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    env.write("exports/readings.csv", READINGS);
    env.run(&["import", "exports/readings.csv"]).ok();

    let s: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).ok().stdout).unwrap();
    assert_eq!(
        s["engagement"],
        serde_json::json!({
            "youtube": {"likes": 50, "comments": 14, "interactions": 64, "rate": 0.032},
            "facebook": {"likes": 12, "interactions": 12, "rate": null},
        })
    );
    let text = plain(&env.run(&["status"]).ok().stdout);
    assert!(
        text.contains("  engagement YouTube: 50 likes · 14 comments · rate 3.2%\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  engagement Facebook: 12 reactions (as of 21 Mar 2025) · rate — (not read together with the views)\n"
        ),
        "{text}"
    );

    // As of 22 Mar: the first readings only.
    let s: serde_json::Value = serde_json::from_str(
        &env.run(&["status", "--json", "--until", "2025-03-22T00:00:00Z"])
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        s["engagement"]["youtube"],
        serde_json::json!({"likes": 30, "comments": 10, "interactions": 40, "rate": 0.04})
    );
    // Facebook's reactions were read, its views not yet.
    assert_eq!(
        s["engagement"]["facebook"],
        serde_json::json!({"likes": 12, "interactions": 12, "rate": null})
    );

    env.run(&["report"]).ok();
    let md = plain(&env.read("reports/thanks/summary.md"));
    for row in [
        "| YouTube | 50 | 14 | — | 64 | 2,000 | 3.2% | — | — |",
        "| Facebook | 12 (as of 21 Mar 2025) | — | — | 12 | 800 | — (not read together with the views) | — | — |",
        "- Facebook: comments, shares and watch time not in these exports",
        "- YouTube: shares and watch time not in these exports",
    ] {
        assert!(md.contains(row), "{row}\n{md}");
    }
    assert!(env.path("reports/thanks/engagement-1200x675.png").is_file());
    // Facebook's bar is as of its reading, not as of the chart's date.
    let svg = env.read("reports/thanks/engagement-1200x675.svg");
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t == "as of 21 Mar 2025"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "rate 3.2%"), "{texts:?}");
}

#[test]
fn views_only_campaign_has_no_engagement_chart_and_says_so() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    env.write(
        "exports/views.csv",
        "platform,video,account,metric,kind,at,value\n\
         youtube,yt1,Conectart,views,total,2025-03-21T10:00:00Z,1000\n",
    );
    env.run(&["import", "exports/views.csv"]).ok();
    env.run(&["report"]).ok();
    assert!(env.path("reports/thanks/cumulative-1200x675.png").is_file());
    assert!(!env.path("reports/thanks/engagement-1200x675.png").exists());
    let md = env.read("reports/thanks/summary.md");
    assert!(
        md.contains("## Engagement\n\nNo likes, comments, shares or watch time have been read"),
        "{md}"
    );
    let html = env.read("reports/thanks/report.html");
    assert!(!html.contains("<figure id=\"engagement\">"));
    let s: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).ok().stdout).unwrap();
    assert_eq!(s["engagement"], serde_json::json!({}));
    assert!(!env.run(&["status"]).ok().stdout.contains("engagement"));
}

#[test]
fn engagement_renders_in_headless_chromium() {
    let Some(chromium) = chromium_or_skip("engagement") else {
        return;
    };
    let env = Env::new();
    env.run(&["demo"]).ok();
    let page = env.path("reports/demo/report.html");
    // Tall enough for the whole page: the Engagement chart and tables are near its end.
    for (name, size) in [("desktop", (1280, 7000)), ("phone", (390, 12000))] {
        let img = screenshot(&chromium, &page, &env.path(&format!("{name}.png")), size);
        // The shares segment of Facebook's bar: the Facebook blue at 36 % over white, a tint
        // no other chart fills an area with (counted in runs of 6 pixels or more, so that the
        // anti-aliased edges of other shapes do not count).
        let is_tint = |x: u32, y: u32| {
            let [r, g, b] = img.get_pixel(x, y).0;
            r.abs_diff(172) <= 1 && g.abs_diff(202) <= 1 && b.abs_diff(246) <= 1
        };
        let mut shares_tint = 0;
        for y in 0..img.height() {
            let mut run = 0;
            for x in 0..img.width() {
                if is_tint(x, y) {
                    run += 1;
                } else {
                    if run >= 6 {
                        shares_tint += run;
                    }
                    run = 0;
                }
            }
        }
        assert!(
            shares_tint > 300,
            "{name}: the engagement chart did not render ({shares_tint} pixels)"
        );
        // The tables below the charts are drawn: ink in the lower part of the page content.
        let h = img.height();
        let last_inked = (0..h)
            .rev()
            .find(|&y| (0..img.width()).any(|x| img.get_pixel(x, y).0.iter().any(|c| *c < 120)))
            .unwrap_or(0);
        let inked_rows = (last_inked.saturating_sub(1500)..last_inked)
            .filter(|&y| (0..img.width()).any(|x| img.get_pixel(x, y).0.iter().any(|c| *c < 120)))
            .count();
        assert!(inked_rows > 300, "{name}: the end of the page is blank");
    }
}
