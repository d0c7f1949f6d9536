//! A period in words (`--from`/`--until`): the views between two instants as the readings
//! prove them — one number only where both ends are proven, else "between A and B" or "at
//! least A" with the readings around each unproven end named.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use minijinja::{context, Value};

use super::locale::Locale;
use super::{milestone, rfc3339};
use crate::model::{day_of, local_date};
use crate::timeline::period::{End, Period, Range};
use crate::timeline::Timeline;

/// "2,310" / "between 2,100 and 2,450" / "at least 2,100".
pub fn range_text(r: Range, loc: &Locale) -> String {
    match r.high {
        _ if r.exact() => loc.number(r.low),
        Some(h) => loc
            .strings
            .range_between
            .replace("{low}", &loc.number(r.low))
            .replace("{high}", &loc.number(h)),
        None => loc
            .strings
            .range_at_least
            .replace("{low}", &loc.number(r.low)),
    }
}

/// The day an end stands for where it is a local midnight: the day it starts (the start) or
/// the day it ends (the end); None at another time of day.
fn end_date(at: DateTime<Utc>, start: bool, tl: &Timeline) -> Option<NaiveDate> {
    let local = at.with_timezone(&tl.tz);
    (local.hour() == 0 && local.minute() == 0 && local.second() == 0).then(|| match start {
        true => local_date(at, tl.tz),
        false => day_of(at, tl.tz),
    })
}

/// An end as a person says it: a date where it is a local midnight, else the date and time.
pub fn end_label(at: DateTime<Utc>, start: bool, tl: &Timeline, loc: &Locale) -> String {
    match end_date(at, start, tl) {
        Some(d) => loc.date(d),
        None => loc.datetime(at, tl.tz),
    }
}

/// Why an end is not proven: the readings around it ("the period starts between the
/// readings of 31 Jul 2026 18:00 and 2 Aug 2026 09:00"); None where the readings pin it.
pub fn end_note(end: &End, start: bool, tl: &Timeline, loc: &Locale) -> Option<String> {
    let s = loc.strings;
    let (before, after) = end.around?;
    // The launch is a point (0 views) but not a reading: before the first reading there are
    // none.
    let before =
        before.filter(|b| tl.launched != Some(*b) || tl.monitoring_began.is_some_and(|m| m <= *b));
    let text = |t: DateTime<Utc>| loc.instant(t, tl.tz);
    let pattern = match (before, after, start) {
        (Some(_), Some(_), true) => s.period_starts_between,
        (Some(_), Some(_), false) => s.period_ends_between,
        (None, Some(_), true) => s.period_starts_before_readings,
        (None, Some(_), false) => s.period_ends_before_readings,
        (Some(_), None, true) => s.period_starts_after_readings,
        (Some(_), None, false) => s.period_ends_after_readings,
        (None, None, _) => return None,
    };
    Some(
        pattern
            .replace("{before}", &before.map(text).unwrap_or_default())
            .replace("{after}", &after.map(text).unwrap_or_default()),
    )
}

/// "Views from 1 Aug to 31 Aug 2026: 2,310" (the start's year only where it differs).
pub fn headline(p: &Period, tl: &Timeline, loc: &Locale) -> String {
    let from = match (
        end_date(p.from.at, true, tl),
        end_date(p.until.at, false, tl),
    ) {
        (Some(f), Some(u)) => loc.date_in(f, Some(u.year())),
        _ => end_label(p.from.at, true, tl, loc),
    };
    loc.strings
        .period_headline
        .replace("{from}", &from)
        .replace("{until}", &end_label(p.until.at, false, tl, loc))
        .replace("{views}", &range_text(p.views, loc))
}

/// The milestones crossed in the period, in words ("10,000: passed on 12 Aug 2026 — …").
fn milestone_lines(p: &Period, tl: &Timeline, loc: &Locale) -> Vec<String> {
    p.milestones
        .iter()
        .map(|m| {
            let when = milestone::status_text(&m.milestone, tl.tz, loc)
                .unwrap_or_else(|| loc.strings.not_yet.into());
            let unproven = match m.proven {
                true => String::new(),
                false => format!(" ({})", loc.strings.period_milestone_unproven),
            };
            format!("{}: {when}{unproven}", loc.number(m.milestone.threshold))
        })
        .collect()
}

/// The `status` block of a period.
pub fn status_text(p: &Period, tl: &Timeline, loc: &Locale) -> String {
    let s = loc.strings;
    let mut out = format!(
        "{}: {} – {}\n",
        s.period_title,
        end_label(p.from.at, true, tl, loc),
        end_label(p.until.at, false, tl, loc)
    );
    out.push_str(&format!(
        "  {}: {}\n",
        s.period_views,
        range_text(p.views, loc)
    ));
    for (platform, r) in &p.platforms {
        out.push_str(&format!(
            "  {:<10} {:>12}\n",
            platform.display_name(),
            range_text(*r, loc)
        ));
    }
    for (end, start) in [(&p.from, true), (&p.until, false)] {
        let total = s
            .period_total_at
            .replace("{at}", &loc.instant(end.at, tl.tz))
            .replace("{views}", &range_text(end.total, loc));
        match end_note(end, start, tl, loc) {
            Some(note) => out.push_str(&format!("  {total} ({note})\n")),
            None => out.push_str(&format!("  {total}\n")),
        }
    }
    let lines = milestone_lines(p, tl, loc);
    if lines.is_empty() {
        out.push_str(&format!("  {}: {}\n", s.period_milestones, s.period_none));
    } else {
        out.push_str(&format!("  {}:\n", s.period_milestones));
        for l in lines {
            out.push_str(&format!("    {l}\n"));
        }
    }
    out.replace(super::locale::NBSP, " ")
}

fn range_json(r: Range) -> serde_json::Value {
    serde_json::json!({"low": r.low, "high": r.high, "exact": r.exact()})
}

fn around_json(end: &End) -> serde_json::Value {
    match end.around {
        Some((b, a)) => serde_json::json!([b.map(rfc3339), a.map(rfc3339)]),
        None => serde_json::Value::Null,
    }
}

/// The `"period"` object of `status --json` (shape in README "Periods").
pub fn status_json(p: &Period) -> serde_json::Value {
    serde_json::json!({
        "from": rfc3339(p.from.at),
        "until": rfc3339(p.until.at),
        "views": range_json(p.views),
        "platforms": p
            .platforms
            .iter()
            .map(|(k, r)| (k.as_str().to_string(), range_json(*r)))
            .collect::<serde_json::Map<_, _>>(),
        "from_total": range_json(p.from.total),
        "until_total": range_json(p.until.total),
        "from_between": around_json(&p.from),
        "until_between": around_json(&p.until),
        "milestones": p
            .milestones
            .iter()
            .map(|m| serde_json::json!({
                "threshold": m.milestone.threshold,
                "crossed_at": m.milestone.crossed_at.map(rfc3339),
                "after": m.milestone.after.map(|r| serde_json::json!({"at": rfc3339(r.at), "total": r.total})),
                "by": m.milestone.by.map(|r| serde_json::json!({"at": rfc3339(r.at), "total": r.total})),
                "proven": m.proven,
            }))
            .collect::<Vec<_>>(),
    })
}

/// What report.html and summary.md show of a period (None: the report is not of a period).
pub fn report_context(p: Option<&Period>, tl: &Timeline, loc: &Locale) -> Option<Value> {
    let p = p?;
    let notes: Vec<String> = [(&p.from, true), (&p.until, false)]
        .into_iter()
        .filter_map(|(end, start)| end_note(end, start, tl, loc))
        .map(|n| {
            // A sentence of its own on the page.
            let mut c = n.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .collect();
    Some(context! {
        headline => headline(p, tl, loc),
        exact => p.views.exact(),
        notes => notes,
        platforms => p
            .platforms
            .iter()
            .map(|(k, r)| context! { name => k.display_name(), views => range_text(*r, loc) })
            .collect::<Vec<_>>(),
        milestones => milestone_lines(p, tl, loc),
    })
}
