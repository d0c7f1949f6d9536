//! Reports end to end: the chart set in every size and format, report.html, summary.md,
//! timeline.json, the press snippets, `--size`, `[campaign.style]`, and a headless Chromium
//! rendering of report.html.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::common::*;

/// Text content of every `<text>` element of an SVG file (which must parse).
pub(super) fn svg_texts(env: &Env, rel: &str) -> Vec<String> {
    let svg = env.read(rel);
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{rel}: {e}"));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

fn png_size(path: &Path) -> (u32, u32) {
    let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (img.width(), img.height())
}

/// Anything in an HTML page that would make a browser fetch something.
fn external_references(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    [
        "http://", "https://", "//", "url(", "@import", "<script", "<link", "<img", "<iframe",
    ]
    .iter()
    .filter(|needle| match **needle {
        // `//` only counts where it starts a reference.
        "//" => lower.contains("src=\"//") || lower.contains("href=\"//"),
        n => lower.contains(n),
    })
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn demo_report_has_the_full_file_set_in_both_sizes() {
    let env = Env::new();
    env.run(&["demo"]).ok();
    let dir = env.path("reports/demo");
    for kind in ["cumulative", "daily", "platforms"] {
        assert_eq!(
            png_size(&dir.join(format!("{kind}.png"))),
            (1600, 900),
            "{kind}"
        );
        assert_eq!(
            png_size(&dir.join(format!("{kind}-print.png"))),
            (3200, 1800),
            "{kind}"
        );
        for suffix in ["", "-print"] {
            let texts = svg_texts(&env, &format!("reports/demo/{kind}{suffix}.svg"));
            assert!(
                texts
                    .iter()
                    .any(|t| t.starts_with("Mezinárodní den call center")),
                "{kind}{suffix}: {texts:?}"
            );
        }
    }
    // The demo video has one post per platform: a videos chart would repeat `platforms`.
    assert!(!dir.join("videos.png").exists());

    let texts = svg_texts(&env, "reports/demo/cumulative.svg");
    assert!(
        texts
            .iter()
            .any(|t| t == "8\u{a0}000 — nejpozději 29.\u{a0}7."),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "Celkem 9\u{a0}917"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "YouTube 4\u{a0}103"), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("zhlédnutí")), "{texts:?}");
    let texts = svg_texts(&env, "reports/demo/daily.svg");
    assert!(
        texts.iter().any(|t| t == "Zveřejnění 24.\u{a0}7."),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t
                == "Nová zhlédnutí za den podle sítě, 24.\u{a0}7.\u{a0}– 1.\u{a0}10.\u{a0}2020"),
        "{texts:?}"
    );
    let texts = svg_texts(&env, "reports/demo/platforms.svg");
    assert!(texts.iter().any(|t| t == "41,4\u{a0}%"), "{texts:?}");

    // The print size is the same drawing at twice the scale, not a bigger empty canvas.
    let web = env.read("reports/demo/platforms.svg");
    let print = env.read("reports/demo/platforms-print.svg");
    assert_eq!(web.matches("<text").count(), print.matches("<text").count());

    let cs = env.read("reports/demo/snippet.cs.txt");
    assert_eq!(
        cs,
        "Video má již přes 9\u{a0}tisíc zhlédnutí na sítích YouTube, Facebook a\u{a0}LinkedIn. \
         Hranici 8\u{a0}000 zhlédnutí překonalo nejpozději 29.\u{a0}7.\u{a0}2020.\n"
    );
    let en = env.read("reports/demo/snippet.en.txt");
    assert_eq!(
        en,
        "The video already has more than 9,000 views across YouTube, Facebook and LinkedIn. \
         It had passed 8,000 views by 29\u{a0}Jul\u{a0}2020.\n"
    );

    let json: serde_json::Value =
        serde_json::from_str(&env.read("reports/demo/timeline.json")).expect("timeline.json");
    assert_eq!(json["campaign"], "mdcc-2020");
    assert_eq!(json["milestones"][0]["threshold"], 8000);
    assert_eq!(json["days"].as_array().map(Vec::len), Some(70));

    let html = env.read("reports/demo/report.html");
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"cs\">"),
        "{}",
        &html[..80]
    );
    assert_eq!(external_references(&html), Vec::<String>::new());
    assert!(
        html.contains("<svg viewBox=\"0 0 1600 820\""),
        "inline SVG charts"
    );
    assert!(html.contains("8\u{a0}000 — nejpozději 29.\u{a0}7."));
    assert!(
        html.contains("Stav k 1.\u{a0}10.\u{a0}2020 09:00"),
        "freshness"
    );
    assert!(
        html.contains("zdroje: export (YouTube, Facebook a\u{a0}LinkedIn)"),
        "sources"
    );
    assert!(
        html.contains(
            "dny v exportech končí o půlnoci v pásmu YouTube a\u{a0}Facebook: America&#x2f;Los_Angeles; LinkedIn: UTC"
        ),
        "export day boundaries"
    );
    assert!(
        html.contains("Ukázka na syntetických datech"),
        "the demo note"
    );
    assert!(html.contains("3112749605483751"), "per-video table");

    let md = env.read("reports/demo/summary.md");
    assert!(
        md.contains(
            "![Kumulativní počet zhlédnutí na YouTube, Facebooku a LinkedInu](cumulative.png)"
        ),
        "{md}"
    );
    assert!(
        md.contains("](daily.png)") && md.contains("](platforms.png)"),
        "{md}"
    );
    insta::assert_snapshot!("demo_summary_md", md);
}

const REPOST_CONFIG: &str = r##"
[store]
url = "sqlite://data/test.db"

[report]
sizes = ["1200x675"]

[[campaign]]
slug = "repost"
name = "Re-post campaign"
timezone = "Europe/Prague"
launched = "2025-03-20T10:00:00+01:00"
milestones = [1000, 5000]
language = "en"

[campaign.style]
title = "Thank-you video, re-posted"
source = "Source: partner exports"
logo = "ACME"

[campaign.style.colors]
youtube = "#00aa00"

[[campaign.video]]
platform = "youtube"
id = "yt1"
account = "Conectart"

[[campaign.video]]
platform = "youtube"
id = "yt2"
account = "Partner a.s."

[[campaign.video]]
platform = "facebook"
id = "fb1"
account = "Conectart"
"##;

/// Daily views of three posts, 20 Mar – 15 Apr 2025 (spans YouTube's Shorts counting change).
fn repost_csv() -> String {
    let mut out = String::from("platform,video,account,metric,kind,at,value\n");
    let start = chrono::NaiveDate::from_ymd_opt(2025, 3, 20).unwrap();
    for i in 0..27 {
        let d = start + chrono::Duration::days(i);
        let decay = |peak: i64| (peak * 10 / (10 + i * 3)).max(1);
        out.push_str(&format!(
            "youtube,yt1,Conectart,views,daily,{d},{}\n",
            decay(300)
        ));
        out.push_str(&format!(
            "youtube,yt2,Partner a.s.,views,daily,{d},{}\n",
            decay(120)
        ));
        out.push_str(&format!(
            "facebook,fb1,Conectart,views,daily,{d},{}\n",
            decay(200)
        ));
    }
    out
}

fn repost_env() -> Env {
    let env = Env::new();
    env.write("config/viewtally.toml", REPOST_CONFIG);
    env.write("exports/daily.csv", &repost_csv());
    env.run(&["import", "exports/daily.csv"]).ok();
    env
}

#[test]
fn reposts_get_a_videos_chart_custom_size_and_style() {
    let env = repost_env();
    let r = env.run(&["report"]).ok();
    assert!(
        r.stdout.contains("reports/repost/videos-1200x675.png"),
        "{}",
        r.stdout
    );
    let dir = env.path("reports/repost");
    for kind in ["cumulative", "daily", "platforms", "videos"] {
        assert_eq!(
            png_size(&dir.join(format!("{kind}-1200x675.png"))),
            (1200, 675),
            "{kind}"
        );
    }
    assert!(
        !dir.join("cumulative.png").exists(),
        "only the configured size"
    );

    let texts = svg_texts(&env, "reports/repost/videos-1200x675.svg");
    let order: Vec<&String> = texts
        .iter()
        .filter(|t| ["Conectart", "Partner a.s."].contains(&t.as_str()))
        .collect();
    assert_eq!(
        order,
        ["Conectart", "Conectart", "Partner a.s."],
        "sorted by views: {texts:?}"
    );
    assert!(texts.iter().any(|t| t == "ACME"), "logo text: {texts:?}");
    assert!(
        texts.iter().any(|t| t == "Thank-you video, re-posted"),
        "{texts:?}"
    );

    // The span includes 31 Mar 2025: YouTube's Shorts counting change is marked.
    for kind in ["cumulative", "daily"] {
        let texts = svg_texts(&env, &format!("reports/repost/{kind}-1200x675.svg"));
        assert!(
            texts
                .iter()
                .any(|t| t == "YouTube changed view counting (Shorts), 31\u{a0}Mar\u{a0}2025"),
            "{kind}: {texts:?}"
        );
    }
    // The YouTube colour comes from [campaign.style.colors].
    let svg = env
        .read("reports/repost/platforms-1200x675.svg")
        .to_lowercase();
    assert!(svg.contains("#00aa00"), "override colour");
    assert!(!svg.contains("#e01e14"), "default YouTube red replaced");

    let md = env.read("reports/repost/summary.md");
    assert!(md.contains("](videos-1200x675.png)"), "{md}");
    let html = env.read("reports/repost/report.html");
    assert!(html.contains("Partner a.s."));
    assert!(html.contains("<html lang=\"en\">"));

    // --size overrides the config; several sizes at once.
    env.run(&["report", "--size", "web,print", "--out", "sized"])
        .ok();
    assert_eq!(png_size(&env.path("sized/repost/videos.png")), (1600, 900));
    assert_eq!(
        png_size(&env.path("sized/repost/videos-print.png")),
        (3200, 1800)
    );
}

#[test]
fn report_until_and_lang_reach_every_file() {
    let env = repost_env();
    env.run(&[
        "report",
        "--until",
        "2025-03-22",
        "--lang",
        "cs",
        "--out",
        "past",
    ])
    .ok();
    // 20–22 March: 300+230+187 + 120+92+75 + 200+153+125 = 1 482 views.
    let cs = env.read("past/repost/2025-03-20_2025-03-22/snippet.cs.txt");
    assert!(
        cs.starts_with("Video má již přes tisíc zhlédnutí na sítích YouTube a\u{a0}Facebook."),
        "{cs}"
    );
    let html = env.read("past/repost/2025-03-20_2025-03-22/report.html");
    assert!(html.contains("<html lang=\"cs\">"));
    assert!(
        html.contains("Stav k 23.\u{a0}3.\u{a0}2025 00:00"),
        "as of the last reading before --until"
    );
    let texts = svg_texts(
        &env,
        "past/repost/2025-03-20_2025-03-22/cumulative-1200x675.svg",
    );
    assert!(
        texts.iter().any(|t| t.starts_with("1\u{a0}000 — ")),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.contains("Shorts")),
        "31 March is after --until: {texts:?}"
    );
}

#[test]
fn bad_sizes_and_colours_are_usage_errors() {
    let env = repost_env();
    let r = env.run(&["report", "--size", "huge"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`huge` is not `web`, `print` or WIDTHxHEIGHT"),
        "{}",
        r.stderr
    );
    env.write(
        "config/viewtally.toml",
        &REPOST_CONFIG.replace("youtube = \"#00aa00\"", "youtube = \"green\""),
    );
    let r = env.run(&["report"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("config/viewtally.toml:22:11: colour `green` is not `#rrggbb`"),
        "{}",
        r.stderr
    );
    assert!(!env.path("reports").exists(), "nothing written");
}

/// REPOST_CONFIG with these `[campaign.style]` lines instead of its title and source.
fn styled(lines: &str) -> String {
    REPOST_CONFIG.replace(
        "title = \"Thank-you video, re-posted\"\nsource = \"Source: partner exports\"\n",
        lines,
    )
}

/// The source lines of a report.html (`<p class="source">` with a source label).
fn html_sources(html: &str) -> Vec<&str> {
    html.split("<p class=\"source\">")
        .skip(1)
        .filter_map(|s| s.split("</p>").next())
        .filter(|s| s.starts_with("Source:") || s.starts_with("Zdroj:"))
        .collect()
}

#[test]
fn per_language_texts_follow_the_report_language() {
    let env = repost_env();
    env.write(
        "config/viewtally.toml",
        &styled(
            "title = { cs = \"Děkujeme\", en = \"Thank you\" }\n\
             note = { en = \"Sample data\", cs = \"Ukázková data\" }\n",
        ),
    );
    for (lang, title, note, other) in [
        ("cs", "Děkujeme", "Ukázková data", "Thank you"),
        ("en", "Thank you", "Sample data", "Děkujeme"),
    ] {
        env.run(&["report", "--lang", lang, "--out", lang]).ok();
        let html = env.read(&format!("{lang}/repost/report.html"));
        assert!(
            html.contains(&format!("<h1>{title}</h1>")),
            "{lang}: {html}"
        );
        assert!(html.contains(note), "{lang}: note");
        assert!(!html.contains(other), "{lang}: only its own title");
        let md = env.read(&format!("{lang}/repost/summary.md"));
        assert!(md.starts_with(&format!("# {title}\n")), "{lang}: {md}");
        assert!(md.contains(&format!("> {note}")), "{lang}: {md}");
        let texts = svg_texts(&env, &format!("{lang}/repost/cumulative-1200x675.svg"));
        assert!(texts.iter().any(|t| t == title), "{lang}: {texts:?}");
        assert!(!texts.iter().any(|t| t == other), "{lang}: {texts:?}");
    }
    // No source configured: the line names the platforms and how their numbers were obtained
    // (here exports), in the report's language.
    let texts = svg_texts(&env, "cs/repost/cumulative-1200x675.svg");
    let want = "Zdroj: export YouTube Studio, export Facebook (Meta Business Suite) · zpracoval \
                viewtally · stav k ";
    assert!(texts.iter().any(|t| t.starts_with(want)), "{texts:?}");
    let html = env.read("cs/repost/report.html");
    let lines = html_sources(&html);
    assert!(
        !lines.is_empty() && lines.iter().all(|s| s.starts_with(want)),
        "{lines:?}"
    );
    let html = env.read("en/repost/report.html");
    let lines = html_sources(&html);
    assert!(
        !lines.is_empty()
            && lines.iter().all(|s| s.starts_with(
                "Source: YouTube Studio export, Facebook export (Meta Business Suite) · compiled \
                 by viewtally · as of "
            )),
        "{lines:?}"
    );

    // A plain text stays valid for every language.
    env.write(
        "config/viewtally.toml",
        &styled("title = \"Díky, Thanks\"\nsource = \"Zdroj: partneři\"\n"),
    );
    env.run(&["report", "--lang", "cs", "--out", "plain"]).ok();
    let html = env.read("plain/repost/report.html");
    assert!(html.contains("<h1>Díky, Thanks</h1>"), "{html}");
    let lines = html_sources(&html);
    assert!(
        !lines.is_empty()
            && lines
                .iter()
                .all(|s| s.starts_with("Zdroj: partneři · stav k")),
        "{lines:?}"
    );
}

#[test]
fn per_language_texts_are_checked() {
    let env = repost_env();
    // an unknown language: a config error naming the line
    let text = styled("title = { cs = \"Děkujeme\", de = \"Danke\" }\n");
    let line = text.lines().position(|l| l.starts_with("title =")).unwrap() + 1;
    env.write("config/viewtally.toml", &text);
    let r = env.run(&["report"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("config/viewtally.toml:{line}:"))
            && r.stderr.contains(
                "unknown language `de` in a per-language text; the languages are `cs` and `en`"
            ),
        "{}",
        r.stderr
    );
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // an empty table too
    env.write("config/viewtally.toml", &styled("subtitle = {}\n"));
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("an empty per-language text; give at least `en`"),
        "{}",
        r.stderr
    );

    // a language missing: `check` says which text is used instead; the report falls back
    env.write(
        "config/viewtally.toml",
        &styled("title = { en = \"Thank you\" }\n"),
    );
    let r = env.run(&["check"]).ok();
    assert!(
        r.stdout.contains(
            "  note: [campaign.style] title has no `cs` text; cs reports use the `en` one\n"
        ),
        "{}",
        r.stdout
    );
    env.run(&["report", "--lang", "cs"]).ok();
    assert!(env
        .read("reports/repost/report.html")
        .contains("<h1>Thank you</h1>"));
}

/// The Chromium binary, if there is one.
pub(super) fn chromium() -> Option<String> {
    if let Ok(p) = std::env::var("VIEWTALLY_CHROMIUM") {
        return Some(p);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate.display().to_string());
            }
        }
    }
    None
}

/// Chromium for a rendering test of `what`; None (the test returns) when there is none, which
/// fails under `VIEWTALLY_REQUIRE_CHROMIUM` (CI).
pub(super) fn chromium_or_skip(what: &str) -> Option<String> {
    let found = chromium();
    if found.is_none() {
        if std::env::var_os("VIEWTALLY_REQUIRE_CHROMIUM").is_some() {
            panic!("VIEWTALLY_REQUIRE_CHROMIUM is set but no chromium was found on PATH");
        }
        eprintln!("note: chromium not found; skipping the {what} rendering check");
    }
    found
}

/// A screenshot is not blank: more than `percent` % of its pixels are inked.
pub(super) fn assert_inked(img: &image::RgbImage, name: &str, percent: usize) {
    let total = (img.width() * img.height()) as usize;
    let inked = img
        .pixels()
        .filter(|p| p.0.iter().any(|c| *c < 200))
        .count();
    assert!(
        inked * 100 > total * percent,
        "{name}: only {inked} of {total} pixels are not blank"
    );
}

/// Screenshot `page` at `width`×`height` with headless Chromium; the PNG's path.
pub(super) fn screenshot(
    chromium: &str,
    page: &Path,
    out: &Path,
    size: (u32, u32),
) -> image::RgbImage {
    screenshot_url(chromium, &format!("file://{}", page.display()), out, size)
}

/// Screenshot `url` (a file or a loopback page) at `width`×`height` with headless Chromium.
pub(super) fn screenshot_url(
    chromium: &str,
    url: &str,
    out: &Path,
    (width, height): (u32, u32),
) -> image::RgbImage {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", out.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    image::open(out)
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()))
        .to_rgb8()
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let Some(chromium) = chromium_or_skip("report.html") else {
        return;
    };
    let env = Env::new();
    env.run(&["demo"]).ok();
    let page = env.path("reports/demo/report.html");
    for (name, size) in [("desktop", (1280, 2400)), ("phone", (390, 2400))] {
        let img = screenshot(&chromium, &page, &env.path(&format!("{name}.png")), size);
        assert_eq!((img.width(), img.height()), size, "{name}");
        let youtube_red = img
            .pixels()
            .filter(|p| p.0[0] > 190 && p.0[1] < 70 && p.0[2] < 70)
            .count();
        assert_inked(&img, name, 3);
        assert!(
            youtube_red > 2_000,
            "{name}: the charts did not render ({youtube_red} red pixels)"
        );
    }
}
