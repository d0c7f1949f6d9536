//! A milestone in words (DESIGN.md timeline rule 4), the same everywhere viewtally says it:
//! a day only when the readings pin the crossing within one calendar day, else "by" the day of
//! the first reading that proves it; the bracket with its proven totals; the estimate labelled
//! as one.

use chrono::Datelike;
use chrono_tz::Tz;

use super::locale::Locale;
use crate::timeline::{Contradicted, CrossingDay, Milestone, Timeline};

/// The year chart labels may leave out: the one year of every day the chart spans (the launch,
/// the first and the last reading, in the campaign time zone). None when the chart spans more
/// than one year: then every date label carries its year.
pub fn label_year(tl: &Timeline) -> Option<i32> {
    let ends = [
        tl.launched,
        tl.points.first().map(|p| p.at),
        tl.points
            .last()
            .map(|p| p.at - chrono::Duration::milliseconds(1)),
    ];
    let mut years = ends
        .into_iter()
        .flatten()
        .map(|t| t.with_timezone(&tl.tz).year());
    let first = years.next()?;
    years.all(|y| y == first).then_some(first)
}

/// "1 Aug 2020" / "by 3 Sep 2020" (with the year unless it is `year`); None: not crossed.
pub fn day_text(m: &Milestone, tz: Tz, loc: &Locale, year: Option<i32>) -> Option<String> {
    Some(match m.day(tz)? {
        CrossingDay::On(d) => loc.date_in(d, year),
        CrossingDay::By(d) => loc
            .strings
            .label_by
            .replace("{date}", &loc.date_in(d, year)),
    })
}

/// The crossed text with "(crossed before monitoring began)" appended for a milestone the
/// readings put before the earliest reading (issue 18: listed, never announced).
pub fn with_before_monitoring(m: &Milestone, text: Option<String>, loc: &Locale) -> Option<String> {
    match text {
        Some(t) if m.before_monitoring => Some(format!("{t} ({})", loc.strings.before_monitoring)),
        t => t,
    }
}

/// "passed on 1 Aug 2020" / "passed by 3 Sep 2020"; None: not crossed.
pub fn crossed_text(m: &Milestone, tz: Tz, loc: &Locale) -> Option<String> {
    let s = loc.strings;
    Some(match m.day(tz)? {
        CrossingDay::On(d) => s.crossed_on.replace("{date}", &loc.date(d)),
        CrossingDay::By(d) => s.crossed_by.replace("{date}", &loc.date(d)),
    })
}

/// "between 31 Jul 2020 24:00 (at most 7,964) and 1 Aug 2020 24:00 (at least 8,259)"; "—"
/// while not crossed.
pub fn bracket_text(m: &Milestone, tz: Tz, loc: &Locale) -> String {
    let s = loc.strings;
    let Some(by) = m.by else {
        return "—".into();
    };
    let pattern = match m.after {
        Some(a) => s
            .bracket_between
            .replace("{after_total}", &loc.number(a.total))
            .replace("{after}", &loc.instant(a.at, tz)),
        None => s.bracket_by_only.to_string(),
    };
    pattern
        .replace("{by_total}", &loc.number(by.total))
        .replace("{by}", &loc.instant(by.at, tz))
}

/// "estimated 1 Aug 2020 06:12"; None while not crossed.
pub fn estimate_text(m: &Milestone, tz: Tz, loc: &Locale) -> Option<String> {
    m.crossed_at
        .map(|t| format!("{} {}", loc.strings.estimated, loc.datetime(t, tz)))
}

/// The status line's text: "passed on 1 Aug 2020 — between … (estimated …)".
pub fn status_text(m: &Milestone, tz: Tz, loc: &Locale) -> Option<String> {
    let crossed = crossed_text(m, tz, loc)?;
    let mut out = format!("{crossed} — {}", bracket_text(m, tz, loc));
    if let (Some(CrossingDay::By(_)), Some(e)) = (m.day(tz), estimate_text(m, tz, loc)) {
        out.push_str(&format!("; {e}"));
    }
    Some(out)
}

/// "8,000 views: announced as crossed between … and …; the readings now say: passed by …".
pub fn contradicted_text(c: &Contradicted, tz: Tz, loc: &Locale) -> String {
    let s = loc.strings;
    let announced = match c.announced_after {
        Some(a) => s
            .announced_between
            .replace("{after}", &loc.instant(a, tz))
            .replace("{by}", &loc.instant(c.announced_by, tz)),
        None => s
            .announced_by
            .replace("{by}", &loc.instant(c.announced_by, tz)),
    };
    let now = status_text(&c.now, tz, loc).unwrap_or_else(|| s.not_proven_now.to_string());
    s.contradicted_row
        .replace("{milestone}", &loc.number(c.threshold))
        .replace("{announced}", &announced)
        .replace("{now}", &now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;
    use crate::timeline::Reading;
    use chrono::{DateTime, Utc};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn m(after: Option<(&str, i64)>, by: (&str, i64), crossed: &str) -> Milestone {
        Milestone {
            threshold: 8000,
            crossed_at: Some(t(crossed)),
            after: after.map(|(a, total)| Reading { at: t(a), total }),
            by: Some(Reading {
                at: t(by.0),
                total: by.1,
            }),
            before_monitoring: false,
        }
    }

    #[test]
    fn a_day_only_when_the_bracket_lies_within_it() {
        let tz: Tz = "Europe/Prague".parse().unwrap();
        let en = Locale::new(Language::En);
        let cs = Locale::new(Language::Cs);
        // end of 31 Jul → end of 1 Aug (Prague): on 1 Aug
        let one = m(
            Some(("2020-07-31T22:00:00Z", 7964)),
            ("2020-08-01T22:00:00Z", 8259),
            "2020-08-01T08:00:00Z",
        );
        assert_eq!(
            crossed_text(&one, tz, &en).unwrap(),
            "passed on 1\u{a0}Aug\u{a0}2020"
        );
        assert_eq!(
            bracket_text(&one, tz, &en),
            "between 31\u{a0}Jul\u{a0}2020 24:00 (at most 7,964) and 1\u{a0}Aug\u{a0}2020 24:00 (at least 8,259)"
        );
        assert_eq!(day_text(&one, tz, &cs, Some(2020)).unwrap(), "1.\u{a0}8.");
        // daily rows that reach m on 24 Jul put the crossing on 24 Jul, never 25 Jul
        let launch_day = m(
            Some(("2020-07-24T07:00:00Z", 0)),
            ("2020-07-24T22:00:00Z", 9000),
            "2020-07-24T20:00:00Z",
        );
        assert_eq!(
            crossed_text(&launch_day, tz, &cs).unwrap(),
            "překonáno 24.\u{a0}7.\u{a0}2020"
        );
        // a bracket over years: by the day of the proving reading, with its year
        let wide = m(
            Some(("2020-07-24T07:00:00Z", 0)),
            ("2026-11-03T10:00:00Z", 8100),
            "2025-01-07T00:00:00Z",
        );
        assert_eq!(
            day_text(&wide, tz, &en, Some(2020)).unwrap(),
            "by 3\u{a0}Nov\u{a0}2026"
        );
        assert_eq!(
            crossed_text(&wide, tz, &cs).unwrap(),
            "překonáno nejpozději 3.\u{a0}11.\u{a0}2026"
        );
        assert!(status_text(&wide, tz, &en)
            .unwrap()
            .ends_with("; estimated 7\u{a0}Jan\u{a0}2025 01:00"));
    }
}
