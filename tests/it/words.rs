//! Words (issue 16, point 6): pace and forecast written as sentences with "N views to go",
//! natural Czech for a thousand, the milestones offered after the configured ones, and the
//! year on every chart label when a chart spans more than one year.

use super::common::*;
use super::report::svg_texts;

const HEADER: &str = "platform,video,account,metric,kind,at,value\n";
const YT: &str = "dQ8mC2c4Rx0";

fn config(language: &str, launched: &str) -> String {
    ConfigBuilder::with_store("sqlite://data/w.db")
        .small_report()
        .campaign("mdcc", "Thank-you video")
        .key("launched", launched)
        .key("milestones", vec![8000, 10000])
        .key("language", language)
        .video("youtube", YT)
        .build()
}

/// A date label without its year: "28 Dec".
fn is_short_date(t: &str) -> bool {
    match t.split(' ').collect::<Vec<_>>()[..] {
        [d, m] => {
            d.len() <= 2
                && d.chars().all(|c| c.is_ascii_digit())
                && m.len() == 3
                && m.starts_with(|c: char| c.is_ascii_uppercase())
        }
        _ => false,
    }
}

fn plain(s: &str) -> String {
    s.replace('\u{a0}', " ")
}

/// Lifetime totals of the YouTube video at noon UTC, one a day from `day` of November 2026.
fn totals(day: u32, values: &[i64]) -> String {
    let rows: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let d = day + i as u32;
            format!("youtube,{YT},,views,total,2026-11-{d:02}T12:00:00Z,{v}\n")
        })
        .collect();
    format!("{HEADER}{rows}")
}

/// 100 views a day for a week, ending 83 views short of 10 000.
fn a_week_at_100_a_day(env: &Env, language: &str) {
    env.write(
        "config/viewtally.toml",
        &config(language, "2026-11-01T09:00:00+01:00"),
    );
    let file = env.write(
        "week.csv",
        &totals(
            10,
            &[9_217, 9_317, 9_417, 9_517, 9_617, 9_717, 9_817, 9_917],
        ),
    );
    env.run(&["import", file.to_str().unwrap()]).ok();
}

#[test]
fn pace_and_forecast_are_sentences_with_the_views_to_go() {
    let env = Env::new();
    a_week_at_100_a_day(&env, "en");
    let text = plain(&env.run(&["status"]).ok().stdout);
    assert!(
        text.contains("  The video gains about 100 views a day (average over 7 days).\n"),
        "{text}"
    );
    assert!(
        text.contains("  At this pace it should reach 10,000 views around 18 Nov 2026 (estimate); 83 views to go.\n"),
        "{text}"
    );
    assert!(!text.contains("(−83)"), "{text}");

    env.run(&["report"]).ok();
    let md = plain(&env.read("reports/mdcc/summary.md"));
    assert!(
        md.contains("- **Pace:** The video gains about 100 views a day (average over 7 days).\n"),
        "{md}"
    );
    assert!(
        md.contains("- **Next milestone:** At this pace it should reach 10,000 views around 18 Nov 2026 (estimate); 83 views to go.\n"),
        "{md}"
    );
    let html = plain(&env.read("reports/mdcc/report.html"));
    assert!(
        html.contains(
            "<span class=\"label\">Next milestone 10,000</span><span class=\"value\">18 Nov 2026</span><span class=\"detail\">estimate · 83 views to go</span>"
        ),
        "{html}"
    );
    assert!(!html.contains("−83"), "{html}");

    // The same in Czech.
    env.run(&["report", "--lang", "cs"]).ok();
    let md = plain(&env.read("reports/mdcc/summary.md"));
    assert!(
        md.contains(
            "- **Tempo:** Video získává přibližně 100 zhlédnutí denně (průměr za 7 dní).\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("- **Další milník:** Tímto tempem video dosáhne 10 000 zhlédnutí kolem 18. 11. 2026 (odhad); chybí 83 zhlédnutí.\n"),
        "{md}"
    );
}

#[test]
fn a_stalled_video_says_why_there_is_no_date_and_czech_says_tisic() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &config("cs", "2026-11-01T09:00:00+01:00"),
    );
    // 1 450 views, then nothing for a week.
    let file = env.write("flat.csv", &totals(20, &[1_450, 1_450, 1_450, 1_450]));
    env.run(&["import", file.to_str().unwrap()]).ok();
    let text = plain(&env.run(&["status"]).ok().stdout);
    assert!(
        text.contains("  Další milník 8 000: chybí 6 550 zhlédnutí; současným tempem (méně než jedno zhlédnutí denně) ho video nedosáhne.\n"),
        "{text}"
    );
    env.run(&["report"]).ok();
    let cs = plain(&env.read("reports/mdcc/snippet.cs.txt"));
    assert!(
        cs.starts_with("Video má již přes tisíc zhlédnutí na síti YouTube."),
        "{cs}"
    );
}

#[test]
fn after_the_configured_milestones_the_next_steps_follow_their_step() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &config("en", "2026-11-01T09:00:00+01:00"),
    );
    let file = env.write("past.csv", &totals(20, &[12_345, 12_645, 12_945, 13_245]));
    env.run(&["import", file.to_str().unwrap()]).ok();
    let text = plain(&env.run(&["status"]).ok().stdout);
    // 2 000 apart in the config: 14 000 next (not 20 000), and the following steps offered.
    assert!(
        text.contains("  At this pace it should reach 14,000 views around "),
        "{text}"
    );
    assert!(
        text.contains("  Every configured milestone is passed; the next steps would be 14,000, 16,000 and 18,000 (add them to `milestones` in the config to have them announced).\n"),
        "{text}"
    );
    env.run(&["report"]).ok();
    let md = plain(&env.read("reports/mdcc/summary.md"));
    assert!(
        md.contains("755 views to go. 14,000 is not a configured milestone: it is the next step after them (the last is 10,000).\n"),
        "{md}"
    );
}

#[test]
fn a_chart_over_the_new_year_has_the_year_on_every_date_label() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &config("en", "2025-12-20T10:00:00+01:00"),
    );
    // 400 views a day from 20 Dec 2025 for 32 days: 8 000 at the end of 8 Jan 2026.
    let start = chrono::NaiveDate::from_ymd_opt(2025, 12, 20).unwrap();
    let rows: String = (0..32)
        .map(|i| {
            let d = start + chrono::Duration::days(i);
            format!("youtube,{YT},,views,daily,{d},400\n")
        })
        .collect();
    let file = env.write("days.csv", &format!("{HEADER}{rows}"));
    env.run(&["import", file.to_str().unwrap()]).ok();
    env.run(&["report"]).ok();

    let texts: Vec<String> = svg_texts(&env, "reports/mdcc/cumulative.svg")
        .iter()
        .map(|t| plain(t))
        .collect();
    assert!(texts.iter().any(|t| t == "20 Dec 2025"), "{texts:?}");
    assert!(texts.iter().any(|t| t.ends_with(" Jan 2026")), "{texts:?}");
    assert!(!texts.iter().any(|t| is_short_date(t)), "{texts:?}");
    assert!(
        texts.iter().any(|t| t == "8,000 — 8 Jan 2026"),
        "the milestone's label has its year: {texts:?}"
    );
    let daily: Vec<String> = svg_texts(&env, "reports/mdcc/daily.svg")
        .iter()
        .map(|t| plain(t))
        .collect();
    assert!(daily.iter().any(|t| t == "Launch 20 Dec 2025"), "{daily:?}");
    assert!(!daily.iter().any(|t| is_short_date(t)), "{daily:?}");

    // Within one year the labels stay short.
    let env = Env::new();
    a_week_at_100_a_day(&env, "en");
    env.run(&["report"]).ok();
    let texts: Vec<String> = svg_texts(&env, "reports/mdcc/cumulative.svg")
        .iter()
        .map(|t| plain(t))
        .collect();
    assert!(texts.iter().any(|t| is_short_date(t)), "{texts:?}");
}
