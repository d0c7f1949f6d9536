//! Engagement in words and tables (issue 16): the report's "Engagement" section, the `status`
//! lines and the `status --json` field. Press snippets stay about views.

use chrono_tz::Tz;
use minijinja::{context, Value};

use super::chart::Chart;
use super::locale::{Forms, Locale};
use crate::model::{day_of, Metric, Platform};
use crate::timeline::engagement::{
    Engagement, MetricValue, PlatformEngagement, PlatformValue, Rate, VideoEngagement, SHOWN,
};
use crate::timeline::Timeline;

/// What a platform's likes are called: Facebook and LinkedIn count every reaction.
pub fn likes_forms(p: Platform, loc: &Locale) -> &'static Forms {
    match p {
        Platform::Facebook | Platform::Linkedin => &loc.strings.reactions_forms,
        _ => &loc.strings.likes_forms,
    }
}

/// The plural word of a metric (for lists: "reactions, comments").
fn metric_word(m: Metric, p: Platform, loc: &Locale) -> &'static str {
    let s = loc.strings;
    match m {
        Metric::Likes => likes_forms(p, loc).few,
        Metric::Comments => s.comments_forms.few,
        Metric::Shares => s.shares_forms.few,
        Metric::Saves => s.saves_word,
        Metric::Impressions => s.impressions_word,
        Metric::Reach => s.reach_word,
        Metric::EngagedViews => s.engaged_views_word,
        Metric::WatchTimeS => s.watch_time_word,
        Metric::Views => s.views,
    }
}

/// "82,1 h" / "82.1 h".
fn hours(seconds: i64, loc: &Locale) -> String {
    loc.strings
        .hours
        .replace("{n}", &loc.decimal(seconds as f64 / 3600.0))
}

/// A metric's value as shown: hours for watch time, else the number.
fn shown(m: Metric, value: i64, loc: &Locale) -> String {
    match m {
        Metric::WatchTimeS => hours(value, loc),
        _ => loc.number(value),
    }
}

/// " (as of 7 Aug 2020)" where a value was proven at another time than the views.
fn as_of(at: chrono::DateTime<chrono::Utc>, with_views: bool, tz: Tz, loc: &Locale) -> String {
    if with_views {
        return String::new();
    }
    format!(
        " ({})",
        loc.strings
            .as_of_date
            .replace("{date}", &loc.date(day_of(at, tz)))
    )
}

/// A table cell: the value, and "as of 7 Aug 2020" where it was proven at another time than
/// the views (the templates set it under the value).
fn cell(
    v: Option<(i64, chrono::DateTime<chrono::Utc>, bool)>,
    m: Metric,
    tz: Tz,
    loc: &Locale,
) -> Value {
    match v {
        None => context! { value => "—" },
        Some((value, at, with_views)) => context! {
            value => shown(m, value, loc),
            note => (!with_views).then(|| {
                loc.strings
                    .as_of_date
                    .replace("{date}", &loc.date(day_of(at, tz)))
            }),
        },
    }
}

fn video_cell(v: Option<&MetricValue>, m: Metric, tz: Tz, loc: &Locale) -> Value {
    cell(v.map(|v| (v.value, v.at, v.with_views)), m, tz, loc)
}

fn platform_cell(v: Option<&PlatformValue>, m: Metric, tz: Tz, loc: &Locale) -> Value {
    cell(v.map(|v| (v.value, v.oldest, v.with_views)), m, tz, loc)
}

/// Why a rate is missing, in words.
fn no_rate(r: Rate, loc: &Locale) -> &'static str {
    let s = loc.strings;
    match r {
        Rate::NoViews => s.rate_no_views,
        Rate::ReadApart => s.rate_read_apart,
        Rate::Known(_) | Rate::NoInteractions => s.rate_no_interactions,
    }
}

fn video_rate(v: &VideoEngagement, loc: &Locale) -> String {
    match v.rate {
        Rate::Known(r) => loc.percent(r * 100.0),
        other => format!("— ({})", no_rate(other, loc)),
    }
}

/// A platform's rate; when it is over fewer views than the platform's `views` (videos whose
/// interactions were not read with their views), it says over how many.
fn platform_rate(
    p: &PlatformEngagement,
    e: &Engagement,
    loc: &Locale,
    views: Option<i64>,
) -> String {
    let rated_views: i64 = e
        .videos
        .iter()
        .filter(|v| v.platform == p.platform && matches!(v.rate, Rate::Known(_)))
        .filter_map(|v| v.views)
        .sum();
    match (p.rate, p.no_rate) {
        (Some(r), _) if views.is_some_and(|all| rated_views < all) => format!(
            "{} ({})",
            loc.percent(r * 100.0),
            loc.strings
                .rate_over_views
                .replace("{n}", &loc.number(rated_views))
                .replace("{m}", &loc.number(views.unwrap_or_default()))
        ),
        (Some(r), _) => {
            let with_interactions = e
                .videos
                .iter()
                .filter(|v| v.platform == p.platform && v.interactions.is_some())
                .count();
            let pct = loc.percent(r * 100.0);
            if p.rate_videos < with_interactions {
                format!(
                    "{pct} ({})",
                    loc.strings
                        .rate_over
                        .replace("{n}", &loc.number(p.rate_videos as i64))
                        .replace("{m}", &loc.number(with_interactions as i64))
                )
            } else {
                pct
            }
        }
        (None, why) => format!("— ({})", no_rate(why.unwrap_or(Rate::NoInteractions), loc)),
    }
}

/// Impressions, reach, saves, engaged views: "49 236 impressions · 4 100 reach".
fn others<'a>(
    get: impl Fn(Metric) -> Option<(i64, chrono::DateTime<chrono::Utc>, bool)> + 'a,
    p: Platform,
    tz: Tz,
    loc: &Locale,
) -> String {
    let parts: Vec<String> = [
        Metric::Impressions,
        Metric::Reach,
        Metric::Saves,
        Metric::EngagedViews,
    ]
    .into_iter()
    .filter_map(|m| {
        get(m).map(|(value, at, with)| {
            format!(
                "{} {}{}",
                loc.number(value),
                metric_word(m, p, loc),
                as_of(at, with, tz, loc)
            )
        })
    })
    .collect();
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(" · ")
    }
}

/// The platforms in the summary, in the timeline's order.
fn platforms(tl: &Timeline) -> Vec<&PlatformEngagement> {
    tl.engagement
        .platforms
        .iter()
        .filter(|p| !p.metrics.is_empty())
        .collect()
}

/// The context of the report's Engagement section (`none`: nothing but views was read).
pub fn section(tl: &Timeline, chart: &Chart) -> Value {
    let loc = chart.loc;
    let s = loc.strings;
    let tz = tl.tz;
    let e = &tl.engagement;
    if e.is_empty() {
        return context! { none => s.engagement_none };
    }
    let platform_rows: Vec<Value> = platforms(tl)
        .into_iter()
        .map(|p| {
            let cell = |m: Metric| platform_cell(p.metrics.get(&m), m, tz, loc);
            let total = platform_views(tl, p.platform);
            let views = total.map_or("—".into(), |v| loc.number(v));
            context! {
                name => p.platform.display_name(),
                color => super::chart::theme::css(chart.palette.platform_text(p.platform)),
                likes => cell(Metric::Likes),
                comments => cell(Metric::Comments),
                shares => cell(Metric::Shares),
                interactions => p.interactions.map_or("—".into(), |n| loc.number(n)),
                views => views,
                rate => platform_rate(p, e, loc, total),
                watch => cell(Metric::WatchTimeS),
                other => others(
                    |m| p.metrics.get(&m).map(|v| (v.value, v.oldest, v.with_views)),
                    p.platform,
                    tz,
                    loc,
                ),
            }
        })
        .collect();
    let video_rows: Vec<Value> = e
        .videos
        .iter()
        .filter(|v| !v.metrics.is_empty())
        .map(|v| {
            let cell = |m: Metric| video_cell(v.metrics.get(&m), m, tz, loc);
            context! {
                platform => v.platform.display_name(),
                video => v.video.clone(),
                title => v.title.clone(),
                account => v.account.clone(),
                likes => cell(Metric::Likes),
                comments => cell(Metric::Comments),
                shares => cell(Metric::Shares),
                interactions => v.interactions.map_or("—".into(), |n| loc.number(n)),
                views => v.views.map_or("—".into(), |n| loc.number(n)),
                rate => video_rate(v, loc),
                watch => cell(Metric::WatchTimeS),
            }
        })
        .collect();
    let date = tl
        .as_of
        .map(|t| loc.date(crate::model::local_date(t, tz)))
        .unwrap_or_default();
    context! {
        intro => s.engagement_intro.replace("{date}", &date),
        platforms => platform_rows,
        videos => video_rows,
        notes => notes(tl, loc),
    }
}

/// Per platform: what its numbers mean, then which of likes/reactions, comments, shares and
/// watch time it has no value of, and why (the API does not give it, the exports lack it).
pub fn notes(tl: &Timeline, loc: &Locale) -> Vec<String> {
    let s = loc.strings;
    let mut out = Vec::new();
    for p in platforms(tl) {
        let platform = p.platform;
        out.push(match platform {
            Platform::Youtube => s.meaning_youtube.to_string(),
            Platform::Facebook => s.meaning_facebook.to_string(),
            Platform::Linkedin => s.meaning_linkedin.to_string(),
            Platform::Instagram => s.meaning_instagram.to_string(),
            other => s.meaning_other.replace("{platform}", other.display_name()),
        });
    }
    for p in &tl.engagement.platforms {
        let platform = p.platform;
        let missing: Vec<&str> = [
            Metric::Likes,
            Metric::Comments,
            Metric::Shares,
            Metric::WatchTimeS,
        ]
        .into_iter()
        .filter(|m| !p.metrics.contains_key(m))
        .map(|m| metric_word(m, platform, loc))
        .collect();
        if missing.is_empty() {
            continue;
        }
        let kinds: Vec<&String> = tl
            .videos
            .iter()
            .filter(|v| v.platform == platform)
            .flat_map(|v| v.sources.iter())
            .collect();
        let pattern = if !kinds.is_empty() && kinds.iter().all(|k| *k == "api") {
            s.missing_api
        } else if !kinds.is_empty() && kinds.iter().all(|k| *k == "export") {
            s.missing_export
        } else {
            s.missing_read
        };
        out.push(
            pattern
                .replace("{platform}", platform.display_name())
                .replace("{metrics}", &loc.list(&missing)),
        );
    }
    out
}

/// The platform's views as the report's platform table gives them.
fn platform_views(tl: &Timeline, platform: Platform) -> Option<i64> {
    tl.platform_totals()
        .into_iter()
        .find(|(q, _)| *q == platform)
        .map(|(_, v)| v)
}

/// The `status` lines: per platform, "engagement YouTube: 134 likes · 23 comments · 19 shares
/// · rate 4.3 % · watch time 82.1 h".
pub fn status_lines(tl: &Timeline, loc: &Locale) -> Vec<String> {
    let s = loc.strings;
    let tz = tl.tz;
    platforms(tl)
        .into_iter()
        .map(|p| {
            let mut parts: Vec<String> = Vec::new();
            for (m, forms) in [
                (Metric::Likes, likes_forms(p.platform, loc)),
                (Metric::Comments, &s.comments_forms),
                (Metric::Shares, &s.shares_forms),
            ] {
                if let Some(v) = p.metrics.get(&m) {
                    parts.push(format!(
                        "{}{}",
                        loc.count(v.value, forms),
                        as_of(v.oldest, v.with_views, tz, loc)
                    ));
                }
            }
            if p.interactions.is_some() {
                parts.push(format!(
                    "{} {}",
                    s.rate_word,
                    platform_rate(p, &tl.engagement, loc, platform_views(tl, p.platform))
                ));
            }
            if let Some(v) = p.metrics.get(&Metric::WatchTimeS) {
                parts.push(format!(
                    "{} {}{}",
                    s.watch_time_word,
                    hours(v.value, loc),
                    as_of(v.oldest, v.with_views, tz, loc)
                ));
            }
            if parts.is_empty() {
                parts.push(others(
                    |m| p.metrics.get(&m).map(|v| (v.value, v.oldest, v.with_views)),
                    p.platform,
                    tz,
                    loc,
                ));
            }
            s.engagement_status
                .replace("{platform}", p.platform.display_name())
                .replace("{text}", &parts.join(" · "))
        })
        .collect()
}

/// `status --json`'s `engagement`: `{platform: {metric: value, …, "interactions": n, "rate":
/// fraction or null}}` (metric names as in the store: `likes` holds Facebook's and LinkedIn's
/// reactions, `watch_time_s` seconds).
pub fn status_json(tl: &Timeline) -> serde_json::Map<String, serde_json::Value> {
    platforms(tl)
        .into_iter()
        .map(|p| {
            let mut m = serde_json::Map::new();
            for metric in SHOWN {
                if let Some(v) = p.metrics.get(&metric) {
                    m.insert(metric.as_str().into(), v.value.into());
                }
            }
            if let Some(i) = p.interactions {
                m.insert("interactions".into(), i.into());
                m.insert(
                    "rate".into(),
                    p.rate
                        .map(|r| serde_json::json!((r * 10_000.0).round() / 10_000.0))
                        .unwrap_or(serde_json::Value::Null),
                );
            }
            (
                p.platform.as_str().to_string(),
                serde_json::Value::Object(m),
            )
        })
        .collect()
}
