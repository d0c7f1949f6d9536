//! Numbers, dates, plural forms and words in the report languages.
//!
//! A language is one [`Strings`] table (words, date patterns, plural forms, a `num-format`
//! locale for digit grouping) plus one arm in [`Locale::new`]; nothing else in `render/`
//! knows which language it writes.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use num_format::ToFormattedString;
use serde::Serialize;

use crate::config::Language;

/// No-break space: Czech thousands separator and the space inside dates.
pub const NBSP: char = '\u{a0}';

/// CLDR plural category of a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    One,
    Few,
    Other,
}

/// English (and most Western languages): 1 → one, else other.
pub fn plural_en(n: i64) -> Plural {
    if n == 1 {
        Plural::One
    } else {
        Plural::Other
    }
}

/// Czech and Slovak: 1 → one, 2–4 → few, else other.
pub fn plural_cs(n: i64) -> Plural {
    match n {
        1 => Plural::One,
        2..=4 => Plural::Few,
        _ => Plural::Other,
    }
}

/// The forms of a counted word: `one` (1), `few` (2–4 in Czech), `other`, and `fraction`
/// (after a decimal number: "1,2 milionu").
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Forms {
    pub one: &'static str,
    pub few: &'static str,
    pub other: &'static str,
    pub fraction: &'static str,
}

/// Every word, pattern and rule a report or chart uses in one language.
///
/// Patterns hold placeholders: dates `{d}` day, `{m}` month number, `{mon}` short month name,
/// `{month}` month name, `{y}` year; sentences name theirs in their doc comment.
#[derive(Debug, Serialize)]
pub struct Strings {
    /// BCP 47 tag (`<html lang>`).
    pub tag: &'static str,
    #[serde(skip)]
    pub grouping: num_format::Locale,
    #[serde(skip)]
    pub plural: fn(i64) -> Plural,
    pub decimal_mark: char,
    /// `{n}` a number.
    pub percent: &'static str,
    pub date_long: &'static str,
    pub date_short: &'static str,
    /// Month ticks of long charts.
    pub date_month: &'static str,
    /// Month ticks where the year changes (and the first one).
    pub date_month_year: &'static str,
    pub months_short: [&'static str; 12],
    pub months: [&'static str; 12],
    /// Joins list items ("YouTube, Facebook a LinkedIn").
    pub list_sep: &'static str,
    pub list_last: &'static str,

    pub views: &'static str,
    pub views_title: &'static str,
    pub total: &'static str,
    /// The source line when the timeline names no source.
    pub source_line: &'static str,
    /// "Source:" before the platforms and how their numbers were obtained.
    pub source_label: &'static str,
    /// Ends the default source line.
    pub compiled_by: &'static str,
    pub as_of: &'static str,
    pub as_of_title: &'static str,
    pub platform: &'static str,
    pub video: &'static str,
    pub videos: &'static str,
    pub account: &'static str,
    pub share: &'static str,
    pub last_reading: &'static str,
    pub sources: &'static str,
    pub milestones: &'static str,
    pub milestone: &'static str,
    pub crossed: &'static str,
    pub not_yet: &'static str,
    pub bracket: &'static str,
    pub velocity: &'static str,
    pub per_day: &'static str,
    pub next_milestone: &'static str,
    pub eta: &'static str,
    pub decreases: &'static str,
    pub decreases_none: &'static str,
    pub from_to: &'static str,
    pub launched: &'static str,
    pub launch_day: &'static str,
    pub no_data: &'static str,
    pub generated: &'static str,
    pub timezone: &'static str,
    /// Where each platform's export days end.
    pub export_days: &'static str,
    pub charts: &'static str,
    pub press_snippet: &'static str,
    pub data_freshness: &'static str,
    pub others: &'static str,

    /// Source kinds (`Timeline.videos[].sources`).
    pub source_api: &'static str,
    pub source_export: &'static str,
    pub source_manual: &'static str,

    pub cumulative_title: &'static str,
    pub cumulative_subtitle: &'static str,
    pub daily_title: &'static str,
    /// `{period}` the date range.
    pub daily_subtitle_day: &'static str,
    pub daily_subtitle_week: &'static str,
    pub daily_subtitle_month: &'static str,
    pub platforms_title: &'static str,
    /// `{total}` total views, `{date}` as-of date.
    pub platforms_subtitle: &'static str,
    pub videos_title: &'static str,
    pub videos_subtitle: &'static str,
    /// `{platform}` and `{what}`, e.g. "YouTube: view counting changed (Shorts)".
    pub counting_change: &'static str,
    pub counting_shorts: &'static str,
    pub counting_all: &'static str,

    /// `{amount}` with `{views}` after it, `{where}` the platforms.
    pub snippet_over: &'static str,
    pub snippet_exact: &'static str,
    /// `{platforms}` the list of platforms.
    pub snippet_where_one: &'static str,
    pub snippet_where_many: &'static str,
    /// `{milestone}`, `{date}`, then `{after}` (`snippet_days_after` or `snippet_launch_day`).
    pub snippet_milestone: &'static str,
    pub snippet_milestone_no_launch: &'static str,
    /// The crossing could not be dated to a day: `{milestone}`, `{date}` (the day of `by`).
    pub snippet_milestone_by: &'static str,
    /// Rule 4 in a status line or table: `{date}`.
    pub crossed_on: &'static str,
    pub crossed_by: &'static str,
    /// A chart label's date part: `{date}`.
    pub label_by: &'static str,
    /// The bracket in words: `{after}`, `{after_total}`, `{by}`, `{by_total}`.
    pub bracket_between: &'static str,
    pub bracket_by_only: &'static str,
    /// "estimated" before a date and time.
    pub estimated: &'static str,
    pub estimate_title: &'static str,
    /// How to read the milestone table.
    pub milestones_note: &'static str,
    /// The charts' note on estimated stretches.
    pub estimated_note_cumulative: &'static str,
    pub estimated_note_daily: &'static str,
    /// Rule 5: a sent announcement that a correction overtook.
    pub contradicted: &'static str,
    pub contradicted_row: &'static str,
    pub announced_between: &'static str,
    pub announced_by: &'static str,
    pub not_proven_now: &'static str,
    /// A crossing whose bracket starts before the earliest reading (never announced).
    pub before_monitoring: &'static str,
    /// Rule 1: a lifetime total the daily rows contradict.
    pub disagreements: &'static str,
    pub disagreement_row: &'static str,
    /// `{days}` "4 dny".
    pub snippet_days_after: &'static str,
    pub snippet_launch_day: &'static str,
    pub snippet_no_data: &'static str,
    /// Write "8 tisíc" (true) or "8,000" (false) for thousands.
    pub thousands_in_words: bool,
    pub thousand: Forms,
    pub million: Forms,
    pub view_forms: Forms,
    pub day_forms: Forms,

    // Pace and forecast in sentences (issue 16, point 6).
    /// Say a lone thousand or million as the word alone ("tisíc", not "1 tisíc").
    pub one_unit_as_word: bool,
    /// `{n}` the views still missing, `{views}` their counted word: "83 views to go".
    pub to_go: &'static str,
    /// `{n}` views a day, `{views}`, `{window}` "7 days".
    pub pace_sentence: &'static str,
    /// `{milestone}`, `{date}`, `{to_go}`: the forecast with an ETA.
    pub forecast_sentence: &'static str,
    /// `{milestone}`, `{to_go}`, `{why}`: the forecast without one.
    pub forecast_no_eta: &'static str,
    /// `{why}` of [`Self::forecast_no_eta`] when the pace is under half a view a day.
    pub eta_stalled: &'static str,
    /// `{why}` when no pace is known (rule 7).
    pub eta_unknown: &'static str,
    /// After a forecast whose milestone is not configured: `{milestone}`, `{last}` the last
    /// configured one.
    pub beyond_configured: &'static str,
    /// `status` when every configured milestone is passed: `{next}` the next round numbers.
    pub all_passed: &'static str,
    /// The card under "Next milestone" with an ETA: "estimate".
    pub estimate_word: &'static str,
    // Periods (`--from`/`--until`, issue 16 point 2).
    /// `{from}` `{until}` the ends, `{views}` the views in the period.
    pub period_headline: &'static str,
    pub period_title: &'static str,
    pub period_views: &'static str,
    /// `{low}` `{high}`: what the readings prove.
    pub range_between: &'static str,
    pub range_at_least: &'static str,
    /// `{before}` `{after}`: the readings around an end the readings do not pin.
    pub period_starts_between: &'static str,
    pub period_ends_between: &'static str,
    /// `{after}` the first reading.
    pub period_starts_before_readings: &'static str,
    pub period_ends_before_readings: &'static str,
    /// `{before}` the last reading.
    pub period_starts_after_readings: &'static str,
    pub period_ends_after_readings: &'static str,
    /// `{at}` an end, `{views}` what the readings prove there.
    pub period_total_at: &'static str,
    pub period_milestones: &'static str,
    /// A milestone whose estimated crossing is in the period but whose bracket reaches past
    /// an end.
    pub period_milestone_unproven: &'static str,
    pub period_none: &'static str,
    // The daemon's live page (issue 16, point 5): its status line and downloads.
    /// "Live page" before the status line.
    pub live_label: &'static str,
    /// `{at}` the latest reading's time, `{tz}` the campaign time zone.
    pub live_last_reading: &'static str,
    pub live_no_reading: &'static str,
    /// `{at}` when the page was built from the store.
    pub live_updated: &'static str,
    /// How often the page reloads itself (`live::REFRESH_S`, 300 s).
    pub live_refresh: &'static str,
    /// The heading of the links to the always-current chart files.
    pub live_files: &'static str,
    /// Before the links to the files the last `report` run wrote.
    pub live_saved: &'static str,
    // Engagement (issue 16, point 1): the report's "Engagement" section, its chart and the
    // `status` lines.
    pub engagement: &'static str,
    /// What the section shows; `{date}` the as-of date.
    pub engagement_intro: &'static str,
    pub engagement_none: &'static str,
    pub engagement_platforms: &'static str,
    pub engagement_videos: &'static str,
    pub likes_title: &'static str,
    pub comments_title: &'static str,
    pub shares_title: &'static str,
    pub interactions_title: &'static str,
    pub rate_title: &'static str,
    pub watch_time_title: &'static str,
    pub other_metrics_title: &'static str,
    /// A value proven at an earlier date than the views: `{date}`.
    pub as_of_date: &'static str,
    pub rate_no_views: &'static str,
    pub rate_read_apart: &'static str,
    pub rate_no_interactions: &'static str,
    /// A platform's rate computed over some of its videos: `{n}`, `{m}`.
    pub rate_over: &'static str,
    /// A platform's rate over part of its views: `{n}` of its `{m}` views.
    pub rate_over_views: &'static str,
    /// Metrics a platform has no value of: `{platform}`, `{metrics}`.
    pub missing_api: &'static str,
    pub missing_export: &'static str,
    pub missing_read: &'static str,
    /// What each platform's numbers mean.
    pub meaning_youtube: &'static str,
    pub meaning_facebook: &'static str,
    pub meaning_linkedin: &'static str,
    pub meaning_instagram: &'static str,
    /// `{platform}`.
    pub meaning_other: &'static str,
    pub likes_forms: Forms,
    pub reactions_forms: Forms,
    pub comments_forms: Forms,
    pub shares_forms: Forms,
    pub saves_word: &'static str,
    pub impressions_word: &'static str,
    pub reach_word: &'static str,
    pub engaged_views_word: &'static str,
    pub watch_time_word: &'static str,
    pub rate_word: &'static str,
    /// `{n}` hours.
    pub hours: &'static str,
    pub engagement_title: &'static str,
    /// `{date}`.
    pub engagement_subtitle: &'static str,
    /// The `status` line: `{platform}`, `{text}`.
    pub engagement_status: &'static str,
}

const EN: Strings = Strings {
    tag: "en",
    grouping: num_format::Locale::en,
    plural: plural_en,
    decimal_mark: '.',
    percent: "{n}%",
    date_long: "{d}\u{a0}{mon}\u{a0}{y}",
    date_short: "{d}\u{a0}{mon}",
    date_month: "{mon}",
    date_month_year: "{mon}\u{a0}{y}",
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    list_sep: ", ",
    list_last: " and ",

    views: "views",
    views_title: "Views",
    total: "Total",
    source_line: "Source: viewtally",
    source_label: "Source:",
    compiled_by: "compiled by viewtally",
    as_of: "as of",
    as_of_title: "As of",
    platform: "Platform",
    video: "Video",
    videos: "Videos",
    account: "Account",
    share: "Share",
    last_reading: "Last reading",
    sources: "Sources",
    milestones: "Milestones",
    milestone: "Milestone",
    crossed: "Crossed",
    not_yet: "not yet",
    bracket: "Between readings",
    velocity: "Pace",
    per_day: "views/day",
    next_milestone: "Next milestone",
    eta: "Expected",
    decreases: "Counters that went down",
    decreases_none: "No counter went down.",
    from_to: "from → to",
    launched: "Launch",
    launch_day: "launch",
    no_data: "No observations yet: import an export file or run `viewtally collect`.",
    generated: "Generated",
    timezone: "time zone",
    export_days: "days of the exports end at midnight in",
    charts: "Charts",
    press_snippet: "For the press release",
    data_freshness: "Data",
    others: "{n} others",

    source_api: "API",
    source_export: "export",
    source_manual: "manual entry",

    cumulative_title: "Views across platforms",
    cumulative_subtitle: "Cumulative views by platform",
    daily_title: "New views",
    daily_subtitle_day: "New views per day by platform, {period}",
    daily_subtitle_week: "New views per week by platform, {period}",
    daily_subtitle_month: "New views per month by platform, {period}",
    platforms_title: "Views by platform",
    platforms_subtitle: "Share of the {total} views, as of {date}",
    videos_title: "Views by video and account",
    videos_subtitle: "Each post of the video, as of {date}",
    counting_change: "{platform} changed view counting ({what})",
    counting_shorts: "Shorts",
    counting_all: "all formats",

    snippet_over: "The video already has more than {amount} {views} {where}.",
    snippet_exact: "The video already has {amount} {views} {where}.",
    snippet_where_one: "on {platforms}",
    snippet_where_many: "across {platforms}",
    snippet_milestone: "It passed {milestone} views on {date}, {after}.",
    snippet_milestone_no_launch: "It passed {milestone} views on {date}.",
    snippet_milestone_by: "It had passed {milestone} views by {date}.",
    crossed_on: "passed on {date}",
    crossed_by: "passed by {date}",
    label_by: "by {date}",
    bracket_between: "between {after} (at most {after_total}) and {by} (at least {by_total})",
    bracket_by_only: "by {by} (at least {by_total}); no earlier reading bounds it",
    estimated: "estimated",
    estimate_title: "Estimate",
    milestones_note: "Crossed: the day, when the readings pin the crossing within one calendar day; otherwise the day by which it had certainly happened. Between readings: the last reading that proves the total was still below the milestone (at most) and the first that proves it had reached it (at least). Estimate: the time the curve drawn between the readings reaches the milestone, not a reading.",
    estimated_note_cumulative: "Lighter areas and dashed line: estimated between readings",
    estimated_note_daily: "Lighter bars: a gap between readings spread evenly over its days (estimated)",
    contradicted: "Announcements that a correction has overtaken",
    contradicted_row: "{milestone} views: announced as crossed {announced}; the readings now say: {now}",
    announced_between: "between {after} and {by}",
    announced_by: "by {by}",
    not_proven_now: "not proven crossed",
    before_monitoring: "crossed before monitoring began",
    disagreements: "Lifetime totals that the daily rows contradict",
    disagreement_row: "read {read}; the daily rows before it proved {proved}; the total counts from its reading on",
    snippet_days_after: "{days} after launch",
    snippet_launch_day: "on launch day",
    snippet_no_data: "There are no view counts for the video yet.",
    thousands_in_words: false,
    thousand: Forms {
        one: "thousand",
        few: "thousand",
        other: "thousand",
        fraction: "thousand",
    },
    million: Forms {
        one: "million",
        few: "million",
        other: "million",
        fraction: "million",
    },
    view_forms: Forms {
        one: "view",
        few: "views",
        other: "views",
        fraction: "views",
    },
    day_forms: Forms {
        one: "day",
        few: "days",
        other: "days",
        fraction: "days",
    },
    one_unit_as_word: false,
    to_go: "{n}\u{a0}{views} to go",
    pace_sentence: "The video gains about {n}\u{a0}{views} a day (average over {window}).",
    forecast_sentence: "At this pace it should reach {milestone} views around {date} (estimate); {to_go}.",
    forecast_no_eta: "Next milestone {milestone}: {to_go}; {why}.",
    eta_stalled: "at the current pace (under one view a day) it will not be reached",
    eta_unknown: "no date can be estimated yet (no two readings a day apart in the last 7 days)",
    beyond_configured: "{milestone} is not a configured milestone: it is the next step after them (the last is {last}).",
    all_passed: "Every configured milestone is passed; the next steps would be {next} (add them to `milestones` in the config to have them announced).",
    estimate_word: "estimate",

    // Periods (`--from`/`--until`, issue 16 point 2).
    period_headline: "Views from {from} to {until}: {views}",
    period_title: "Period",
    period_views: "Views in the period",
    range_between: "between {low} and {high}",
    range_at_least: "at least {low}",
    period_starts_between: "the period starts between the readings of {before} and {after}",
    period_ends_between: "the period ends between the readings of {before} and {after}",
    period_starts_before_readings: "the period starts before the first reading: no readings before {after}",
    period_ends_before_readings: "the period ends before the first reading: no readings before {after}",
    period_starts_after_readings: "the period starts after the last reading: no readings after {before}",
    period_ends_after_readings: "the period ends after the last reading: no readings after {before}",
    period_total_at: "total at {at}: {views}",
    period_milestones: "Milestones crossed in the period",
    period_milestone_unproven: "estimated in the period; the readings do not prove it",
    period_none: "none",

    // The daemon's live page (issue 16, point 5).
    live_label: "Live page",
    live_last_reading: "last reading {at} ({tz})",
    live_no_reading: "no readings yet",
    live_updated: "page updated {at}",
    live_refresh: "refreshes every 5 minutes",
    live_files: "Charts, always current",
    live_saved: "Last saved report",
    // Engagement (issue 16, point 1).
    engagement: "Engagement",
    engagement_intro: "Likes or reactions, comments, shares and watch time as last read by {date}. Interactions: likes (reactions) + comments + shares, of those the platform gives. Engagement rate: interactions ÷ views, only where both were read at comparable times.",
    engagement_none: "No likes, comments, shares or watch time have been read for this campaign yet: exports from YouTube Studio, Meta Business Suite or LinkedIn carry them.",
    engagement_platforms: "By platform",
    engagement_videos: "By video",
    likes_title: "Likes / reactions",
    comments_title: "Comments",
    shares_title: "Shares",
    interactions_title: "Interactions",
    rate_title: "Engagement rate",
    watch_time_title: "Watch time",
    other_metrics_title: "Also read",
    as_of_date: "as of {date}",
    rate_no_views: "no views read",
    rate_read_apart: "not read together with the views",
    rate_no_interactions: "no interactions read",
    rate_over: "{n} of {m} videos",
    rate_over_views: "over {n} of its {m} views",
    missing_api: "{platform}: {metrics} not given by the {platform} API",
    missing_export: "{platform}: {metrics} not in these exports",
    missing_read: "{platform}: {metrics} not read",
    meaning_youtube: "YouTube: likes and comments from the Data API or YouTube Studio exports; shares, impressions and watch time from Studio exports only (the Data API gives none of them).",
    meaning_facebook: "Facebook: “reactions” count every reaction, likes included; comments and shares of the post; watch time from Meta Business Suite exports. The Graph API readings give views and impressions only.",
    meaning_linkedin: "LinkedIn: “reactions” count every reaction type (Like, Celebrate …); “impressions” count how often the post was shown, which is not a video view. LinkedIn gives no watch time, and its API no shares.",
    meaning_instagram: "Instagram: likes, comments, shares and saves from Meta Business Suite exports; the Graph API readings give views only.",
    meaning_other: "{platform}: the numbers as the platform reports them.",
    likes_forms: Forms {
        one: "like",
        few: "likes",
        other: "likes",
        fraction: "likes",
    },
    reactions_forms: Forms {
        one: "reaction",
        few: "reactions",
        other: "reactions",
        fraction: "reactions",
    },
    comments_forms: Forms {
        one: "comment",
        few: "comments",
        other: "comments",
        fraction: "comments",
    },
    shares_forms: Forms {
        one: "share",
        few: "shares",
        other: "shares",
        fraction: "shares",
    },
    saves_word: "saves",
    impressions_word: "impressions",
    reach_word: "reach",
    engaged_views_word: "engaged views",
    watch_time_word: "watch time",
    rate_word: "rate",
    hours: "{n} h",
    engagement_title: "Interactions by platform",
    engagement_subtitle: "Likes or reactions, comments and shares, as of {date}",
    engagement_status: "engagement {platform}: {text}",
};

const CS: Strings = Strings {
    tag: "cs",
    grouping: num_format::Locale::cs,
    plural: plural_cs,
    decimal_mark: ',',
    percent: "{n}\u{a0}%",
    date_long: "{d}.\u{a0}{m}.\u{a0}{y}",
    date_short: "{d}.\u{a0}{m}.",
    date_month: "{month}",
    date_month_year: "{month} {y}",
    months_short: [
        "led", "úno", "bře", "dub", "kvě", "čvn", "čvc", "srp", "zář", "říj", "lis", "pro",
    ],
    months: [
        "leden",
        "únor",
        "březen",
        "duben",
        "květen",
        "červen",
        "červenec",
        "srpen",
        "září",
        "říjen",
        "listopad",
        "prosinec",
    ],
    list_sep: ", ",
    list_last: " a\u{a0}",

    views: "zhlédnutí",
    views_title: "Zhlédnutí",
    total: "Celkem",
    source_line: "Zdroj: viewtally",
    source_label: "Zdroj:",
    compiled_by: "zpracoval viewtally",
    as_of: "stav k",
    as_of_title: "Stav k",
    platform: "Síť",
    video: "Video",
    videos: "Videa",
    account: "Účet",
    share: "Podíl",
    last_reading: "Poslední odečet",
    sources: "Zdroje",
    milestones: "Milníky",
    milestone: "Milník",
    crossed: "Dosaženo",
    not_yet: "zatím ne",
    bracket: "Mezi odečty",
    velocity: "Tempo",
    per_day: "zhlédnutí/den",
    next_milestone: "Další milník",
    eta: "Odhad",
    decreases: "Počítadla, která klesla",
    decreases_none: "Žádné počítadlo neklesalo.",
    from_to: "z → na",
    launched: "Zveřejnění",
    launch_day: "zveřejnění",
    no_data: "Zatím žádná data: importujte export nebo spusťte `viewtally collect`.",
    generated: "Vytvořeno",
    timezone: "časové pásmo",
    export_days: "dny v exportech končí o půlnoci v pásmu",
    charts: "Grafy",
    press_snippet: "Do tiskové zprávy",
    data_freshness: "Data",
    others: "{n} dalších",

    source_api: "API",
    source_export: "export",
    source_manual: "ruční zadání",

    cumulative_title: "Zhlédnutí napříč sítěmi",
    cumulative_subtitle: "Kumulativní počet zhlédnutí podle sítě",
    daily_title: "Nová zhlédnutí",
    daily_subtitle_day: "Nová zhlédnutí za den podle sítě, {period}",
    daily_subtitle_week: "Nová zhlédnutí za týden podle sítě, {period}",
    daily_subtitle_month: "Nová zhlédnutí za měsíc podle sítě, {period}",
    platforms_title: "Zhlédnutí podle sítě",
    platforms_subtitle: "Podíl na celkových {total} zhlédnutích, stav k\u{a0}{date}",
    videos_title: "Zhlédnutí podle videa a účtu",
    videos_subtitle: "Jednotlivá zveřejnění videa, stav k\u{a0}{date}",
    counting_change: "{platform} změnil počítání zhlédnutí ({what})",
    counting_shorts: "Shorts",
    counting_all: "všechny formáty",

    snippet_over: "Video má již přes {amount} {views} {where}.",
    snippet_exact: "Video má již {amount} {views} {where}.",
    snippet_where_one: "na síti {platforms}",
    snippet_where_many: "na sítích {platforms}",
    snippet_milestone: "Hranici {milestone} zhlédnutí překonalo {date}, {after}.",
    snippet_milestone_no_launch: "Hranici {milestone} zhlédnutí překonalo {date}.",
    snippet_milestone_by: "Hranici {milestone} zhlédnutí překonalo nejpozději {date}.",
    crossed_on: "překonáno {date}",
    crossed_by: "překonáno nejpozději {date}",
    label_by: "nejpozději {date}",
    bracket_between: "mezi {after} (nejvýše {after_total}) a\u{a0}{by} (nejméně {by_total})",
    bracket_by_only: "nejpozději {by} (nejméně {by_total}); dřívější odečet chybí",
    estimated: "odhad",
    estimate_title: "Odhad",
    milestones_note: "Dosaženo: den, pokud odečty vymezují překonání v rámci jednoho kalendářního dne; jinak den, do kterého k němu jistě došlo. Mezi odečty: poslední odečet, podle kterého byl součet ještě pod milníkem (nejvýše), a první, podle kterého ho dosáhl (nejméně). Odhad: okamžik, kdy křivka vedená mezi odečty milník protne; není to odečet.",
    estimated_note_cumulative: "Světlejší plochy a\u{a0}čárkovaná čára: odhad mezi odečty",
    estimated_note_daily: "Světlejší sloupce: přírůstek mezi odečty rozložený rovnoměrně do dnů (odhad)",
    contradicted: "Oznámení, která pozdější oprava dat vyvrátila",
    contradicted_row: "{milestone} zhlédnutí: oznámeno překonání {announced}; podle odečtů nyní: {now}",
    announced_between: "mezi {after} a\u{a0}{by}",
    announced_by: "nejpozději {by}",
    not_proven_now: "překonání už není doloženo",
    before_monitoring: "překročeno před začátkem sledování",
    disagreements: "Celkové počty, kterým odporují denní údaje",
    disagreement_row: "odečteno {read}; denní údaje před ním dokládaly {proved}; od odečtu platí celkový počet",
    snippet_days_after: "{days} po zveřejnění",
    snippet_launch_day: "v\u{a0}den zveřejnění",
    snippet_no_data: "Pro video zatím nejsou k\u{a0}dispozici žádná čísla o zhlédnutí.",
    thousands_in_words: true,
    thousand: Forms {
        one: "tisíc",
        few: "tisíce",
        other: "tisíc",
        fraction: "tisíce",
    },
    million: Forms {
        one: "milion",
        few: "miliony",
        other: "milionů",
        fraction: "milionu",
    },
    view_forms: Forms {
        one: "zhlédnutí",
        few: "zhlédnutí",
        other: "zhlédnutí",
        fraction: "zhlédnutí",
    },
    day_forms: Forms {
        one: "den",
        few: "dny",
        other: "dní",
        fraction: "dne",
    },
    one_unit_as_word: true,
    to_go: "chybí {n}\u{a0}{views}",
    pace_sentence: "Video získává přibližně {n}\u{a0}{views} denně (průměr za {window}).",
    forecast_sentence: "Tímto tempem video dosáhne {milestone} zhlédnutí kolem {date} (odhad); {to_go}.",
    forecast_no_eta: "Další milník {milestone}: {to_go}; {why}.",
    eta_stalled: "současným tempem (méně než jedno zhlédnutí denně) ho video nedosáhne",
    eta_unknown: "datum zatím nelze odhadnout (za posledních 7 dní chybí dva odečty alespoň den od sebe)",
    beyond_configured: "{milestone} není nastavený milník: je to další krok po nich (poslední je {last}).",
    all_passed: "Všechny nastavené milníky jsou překonané; další kroky by byly {next} (přidejte je do `milestones` v konfiguraci, aby byly oznámeny).",
    estimate_word: "odhad",

    // Periods (`--from`/`--until`, issue 16 point 2).
    period_headline: "Zhlédnutí od {from} do {until}: {views}",
    period_title: "Období",
    period_views: "Zhlédnutí za období",
    range_between: "mezi {low} a\u{a0}{high}",
    range_at_least: "nejméně {low}",
    period_starts_between: "období začíná mezi odečty {before} a\u{a0}{after}",
    period_ends_between: "období končí mezi odečty {before} a\u{a0}{after}",
    period_starts_before_readings: "období začíná před prvním odečtem: před {after} žádné odečty nejsou",
    period_ends_before_readings: "období končí před prvním odečtem: před {after} žádné odečty nejsou",
    period_starts_after_readings: "období začíná po posledním odečtu: po {before} žádné odečty nejsou",
    period_ends_after_readings: "období končí po posledním odečtu: po {before} žádné odečty nejsou",
    period_total_at: "celkem k {at}: {views}",
    period_milestones: "Milníky překonané v období",
    period_milestone_unproven: "odhad v období; odečty to neprokazují",
    period_none: "žádné",

    // The daemon's live page (issue 16, point 5).
    live_label: "Živá stránka",
    live_last_reading: "poslední odečet {at} ({tz})",
    live_no_reading: "zatím žádný odečet",
    live_updated: "stránka aktualizována {at}",
    live_refresh: "obnovuje se každých 5 minut",
    live_files: "Grafy, vždy aktuální",
    live_saved: "Poslední uložená zpráva",
    // Engagement (issue 16, point 1).
    engagement: "Zapojení",
    engagement_intro: "Označení Líbí se mi nebo reakce, komentáře, sdílení a\u{a0}doba sledování podle posledních odečtů do {date}. Interakce: Líbí se mi (reakce) + komentáře + sdílení, z\u{a0}těch, které síť uvádí. Míra zapojení: interakce ÷ zhlédnutí, jen kde byla obě čísla odečtena ve srovnatelnou dobu.",
    engagement_none: "Pro tuto kampaň zatím nebyla odečtena žádná označení Líbí se mi, komentáře, sdílení ani doba sledování: obsahují je exporty z\u{a0}YouTube Studia, Meta Business Suite nebo LinkedInu.",
    engagement_platforms: "Podle sítě",
    engagement_videos: "Podle videa",
    likes_title: "Líbí se mi / reakce",
    comments_title: "Komentáře",
    shares_title: "Sdílení",
    interactions_title: "Interakce",
    rate_title: "Míra zapojení",
    watch_time_title: "Doba sledování",
    other_metrics_title: "Další údaje",
    as_of_date: "stav k\u{a0}{date}",
    rate_no_views: "zhlédnutí neodečtena",
    rate_read_apart: "neodečteno spolu se zhlédnutími",
    rate_no_interactions: "interakce neodečteny",
    rate_over: "{n} z\u{a0}{m} videí",
    rate_over_views: "počítáno z\u{a0}{n} z\u{a0}{m} zhlédnutí",
    missing_api: "{platform}: API sítě {platform} neuvádí: {metrics}",
    missing_export: "{platform}: v\u{a0}těchto exportech chybí: {metrics}",
    missing_read: "{platform}: neodečteno: {metrics}",
    meaning_youtube: "YouTube: Líbí se mi a\u{a0}komentáře z\u{a0}Data API nebo z\u{a0}exportů YouTube Studia; sdílení, zobrazení a\u{a0}doba sledování jen z\u{a0}exportů Studia (Data API je neuvádí).",
    meaning_facebook: "Facebook: „reakce“ zahrnují všechny reakce včetně Líbí se mi; komentáře a\u{a0}sdílení příspěvku; doba sledování z\u{a0}exportů Meta Business Suite. Odečty z\u{a0}Graph API dávají jen zhlédnutí a\u{a0}zobrazení.",
    meaning_linkedin: "LinkedIn: „reakce“ zahrnují všechny druhy reakcí (To se mi líbí, Oslava …); „zobrazení“ udávají, kolikrát byl příspěvek zobrazen, nejde o\u{a0}zhlédnutí videa. LinkedIn neuvádí dobu sledování a\u{a0}jeho API ani sdílení.",
    meaning_instagram: "Instagram: Líbí se mi, komentáře, sdílení a\u{a0}uložení z\u{a0}exportů Meta Business Suite; odečty z\u{a0}Graph API dávají jen zhlédnutí.",
    meaning_other: "{platform}: čísla tak, jak je síť uvádí.",
    likes_forms: Forms {
        one: "Líbí se mi",
        few: "Líbí se mi",
        other: "Líbí se mi",
        fraction: "Líbí se mi",
    },
    reactions_forms: Forms {
        one: "reakce",
        few: "reakce",
        other: "reakcí",
        fraction: "reakce",
    },
    comments_forms: Forms {
        one: "komentář",
        few: "komentáře",
        other: "komentářů",
        fraction: "komentáře",
    },
    shares_forms: Forms {
        one: "sdílení",
        few: "sdílení",
        other: "sdílení",
        fraction: "sdílení",
    },
    saves_word: "uložení",
    impressions_word: "zobrazení",
    reach_word: "dosah",
    engaged_views_word: "aktivní zhlédnutí",
    watch_time_word: "doba sledování",
    rate_word: "míra zapojení",
    hours: "{n}\u{a0}h",
    engagement_title: "Interakce podle sítě",
    engagement_subtitle: "Líbí se mi nebo reakce, komentáře a\u{a0}sdílení, stav k\u{a0}{date}",
    engagement_status: "zapojení {platform}: {text}",
};

/// Formatting for one report language.
#[derive(Debug, Clone, Copy)]
pub struct Locale {
    pub language: Language,
    pub strings: &'static Strings,
}

impl Locale {
    pub fn new(language: Language) -> Locale {
        let strings = match language {
            Language::Cs => &CS,
            Language::En => &EN,
        };
        Locale { language, strings }
    }

    /// `8 000` (no-break space) in Czech, `8,000` in English.
    pub fn number(&self, n: i64) -> String {
        n.to_formatted_string(&self.strings.grouping)
    }

    /// A decimal with one digit: `123,4` / `123.4`.
    pub fn decimal(&self, x: f64) -> String {
        self.decimal_digits(x, 1)
    }

    /// A decimal with `digits` digits after the mark (0 → a whole number).
    pub fn decimal_digits(&self, x: f64, digits: u32) -> String {
        let factor = 10i64.pow(digits);
        let scaled = (x * factor as f64).round() as i64;
        let whole = self.number(scaled.abs() / factor);
        let sign = if scaled < 0 { "-" } else { "" };
        if digits == 0 {
            return format!("{sign}{whole}");
        }
        let frac = scaled.abs() % factor;
        format!(
            "{sign}{whole}{}{frac:0width$}",
            self.strings.decimal_mark,
            width = digits as usize
        )
    }

    /// A share in percent with one decimal: `41,5 %` / `41.5%`.
    pub fn percent(&self, x: f64) -> String {
        self.strings.percent.replace("{n}", &self.decimal(x))
    }

    fn date_pattern(&self, pattern: &str, d: NaiveDate) -> String {
        pattern
            .replace("{d}", &d.day().to_string())
            .replace("{m}", &d.month().to_string())
            .replace("{y}", &d.year().to_string())
            .replace("{mon}", self.strings.months_short[d.month0() as usize])
            .replace("{month}", self.strings.months[d.month0() as usize])
    }

    /// `24. 7. 2020` / `24 Jul 2020`.
    pub fn date(&self, d: NaiveDate) -> String {
        self.date_pattern(self.strings.date_long, d)
    }

    /// `24. 7.` / `24 Jul`.
    pub fn short_date(&self, d: NaiveDate) -> String {
        self.date_pattern(self.strings.date_short, d)
    }

    /// A month tick: `srpen` / `Aug`, with the year where asked (`srpen 2020` / `Aug 2020`).
    pub fn month(&self, d: NaiveDate, with_year: bool) -> String {
        let pattern = if with_year {
            self.strings.date_month_year
        } else {
            self.strings.date_month
        };
        self.date_pattern(pattern, d)
    }

    /// A date range: `24. 7. – 30. 9. 2020` (the year once when both share it).
    pub fn period(&self, first: NaiveDate, last: NaiveDate) -> String {
        if first == last {
            return self.date(first);
        }
        let start = if first.year() == last.year() {
            self.short_date(first)
        } else {
            self.date(first)
        };
        format!("{start}\u{a0}– {}", self.date(last))
    }

    /// Date and time in the campaign time zone: `27. 7. 2020 14:05` / `27 Jul 2020 14:05`.
    pub fn datetime(&self, t: DateTime<Utc>, tz: Tz) -> String {
        let local = t.with_timezone(&tz);
        format!(
            "{} {:02}:{:02}",
            self.date(local.date_naive()),
            local.hour(),
            local.minute()
        )
    }

    /// An instant in the campaign time zone where a local midnight ends the day before it:
    /// `31. 7. 2020 24:00` / `31 Jul 2020 24:00` (rule 4: a day's end belongs to that day).
    pub fn instant(&self, t: DateTime<Utc>, tz: Tz) -> String {
        let local = t.with_timezone(&tz);
        if local.hour() == 0 && local.minute() == 0 && local.second() == 0 {
            if let Some(prev) = local.date_naive().pred_opt() {
                return format!("{} 24:00", self.date(prev));
            }
        }
        self.datetime(t, tz)
    }

    /// A date with the year only where it differs from `year` (`24. 7.` / `3. 11. 2026`).
    pub fn date_in(&self, d: NaiveDate, year: Option<i32>) -> String {
        if year == Some(d.year()) {
            self.short_date(d)
        } else {
            self.date(d)
        }
    }

    /// The form of a counted word for `n`.
    pub fn form(&self, forms: &Forms, n: i64) -> &'static str {
        match (self.strings.plural)(n) {
            Plural::One => forms.one,
            Plural::Few => forms.few,
            Plural::Other => forms.other,
        }
    }

    /// "4 dny" / "4 days".
    pub fn count(&self, n: i64, forms: &Forms) -> String {
        format!("{}{NBSP}{}", self.number(n), self.form(forms, n))
    }

    /// "83 views to go" / "chybí 83 zhlédnutí".
    pub fn to_go(&self, n: i64) -> String {
        self.strings
            .to_go
            .replace("{n}", &self.number(n))
            .replace("{views}", self.form(&self.strings.view_forms, n))
    }

    /// A number of days that may have a fraction: "7 days", "6.5 days" / "7 dní", "6,5 dne".
    pub fn days(&self, x: f64) -> String {
        if x.fract() == 0.0 && x.abs() < 1e15 {
            self.count(x as i64, &self.strings.day_forms)
        } else {
            format!(
                "{}{NBSP}{}",
                self.decimal(x),
                self.strings.day_forms.fraction
            )
        }
    }

    /// "YouTube, Facebook a LinkedIn" / "YouTube, Facebook and LinkedIn".
    pub fn list(&self, items: &[&str]) -> String {
        match items {
            [] => String::new(),
            [one] => one.to_string(),
            [rest @ .., last] => format!(
                "{}{}{last}",
                rest.join(self.strings.list_sep),
                self.strings.list_last
            ),
        }
    }

    /// What a source kind is called (`api`, `export`, `manual`).
    pub fn source_kind(&self, kind: &str) -> &'static str {
        match kind {
            "api" => self.strings.source_api,
            "manual" => self.strings.source_manual,
            _ => self.strings.source_export,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let cs = Locale::new(Language::Cs);
        let en = Locale::new(Language::En);
        assert_eq!(cs.number(8000), "8\u{a0}000");
        assert_eq!(cs.number(999), "999");
        assert_eq!(cs.number(1_250_000), "1\u{a0}250\u{a0}000");
        assert_eq!(en.number(8123), "8,123");
        assert_eq!(en.number(999), "999");
        assert_eq!(en.number(-1000), "-1,000");
        assert_eq!(cs.decimal(123.45), "123,5");
        assert_eq!(cs.decimal(1234.5), "1\u{a0}234,5");
        assert_eq!(en.decimal(9.96), "10.0");
        assert_eq!(en.decimal(-0.04), "0.0");
        assert_eq!(en.decimal(-2.25), "-2.3");
        assert_eq!(cs.percent(41.53), "41,5\u{a0}%");
        assert_eq!(en.percent(41.53), "41.5%");
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2020, 7, 24).unwrap();
        let e = NaiveDate::from_ymd_opt(2020, 9, 30).unwrap();
        let cs = Locale::new(Language::Cs);
        let en = Locale::new(Language::En);
        assert_eq!(cs.date(d), "24.\u{a0}7.\u{a0}2020");
        assert_eq!(en.date(d), "24\u{a0}Jul\u{a0}2020");
        assert_eq!(cs.short_date(d), "24.\u{a0}7.");
        assert_eq!(cs.month(d, true), "červenec 2020");
        assert_eq!(en.month(d, false), "Jul");
        assert_eq!(cs.period(d, e), "24.\u{a0}7.\u{a0}– 30.\u{a0}9.\u{a0}2020");
    }

    #[test]
    fn plurals_and_lists() {
        let cs = Locale::new(Language::Cs);
        let en = Locale::new(Language::En);
        let t = cs.strings.thousand;
        assert_eq!(
            [1, 2, 4, 5, 21].map(|n| cs.form(&t, n)),
            ["tisíc", "tisíce", "tisíce", "tisíc", "tisíc"]
        );
        let m = cs.strings.million;
        assert_eq!(
            [1, 3, 7].map(|n| cs.form(&m, n)),
            ["milion", "miliony", "milionů"]
        );
        assert_eq!(cs.count(4, &cs.strings.day_forms), "4\u{a0}dny");
        assert_eq!(en.count(1, &en.strings.day_forms), "1\u{a0}day");
        assert_eq!(
            cs.list(&["YouTube", "Facebook", "LinkedIn"]),
            "YouTube, Facebook a\u{a0}LinkedIn"
        );
        assert_eq!(en.list(&["YouTube", "Facebook"]), "YouTube and Facebook");
        assert_eq!(en.list(&["YouTube"]), "YouTube");
    }
}
