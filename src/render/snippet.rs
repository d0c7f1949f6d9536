//! The press snippet: one or two sentences for a press release ("Video má již přes 8 tisíc
//! zhlédnutí na sítích YouTube, Facebook a LinkedIn."), rounded down so that "over" stays
//! true, with the language's plural forms, and the date the latest milestone was crossed.

use super::locale::{Locale, NBSP};
use crate::model::local_date;
use crate::timeline::{CrossingDay, Timeline};

/// How a total is said: the amount (number and unit word) and whether it is exact.
///
/// Below 1 000 the exact number; below a million whole thousands ("8 tisíc" / "8,000");
/// from a million on, millions with one decimal ("1,2 milionu" / "1.2 million"). Always
/// rounded down: "more than" must be true.
pub fn amount(n: i64, loc: &Locale) -> (String, bool) {
    let s = loc.strings;
    if n < 1_000 {
        return (loc.number(n), true);
    }
    if n < 1_000_000 {
        let k = n / 1_000;
        let exact = n % 1_000 == 0;
        let text = if s.thousands_in_words && k == 1 && s.one_unit_as_word {
            s.thousand.one.to_string()
        } else if s.thousands_in_words {
            format!("{}{NBSP}{}", loc.number(k), loc.form(&s.thousand, k))
        } else {
            loc.number(k * 1_000)
        };
        return (text, exact);
    }
    let tenths = n / 100_000;
    let exact = n % 100_000 == 0;
    let (whole, frac) = (tenths / 10, tenths % 10);
    let text = if frac == 0 && whole == 1 && s.one_unit_as_word {
        s.million.one.to_string()
    } else if frac == 0 {
        format!("{}{NBSP}{}", loc.number(whole), loc.form(&s.million, whole))
    } else {
        format!(
            "{}{}{frac}{NBSP}{}",
            loc.number(whole),
            s.decimal_mark,
            s.million.fraction
        )
    };
    (text, exact)
}

/// The total sentence alone, for a total on these platforms.
pub fn total_sentence(total: i64, platforms: &[&str], loc: &Locale) -> String {
    let s = loc.strings;
    if total <= 0 || platforms.is_empty() {
        return s.snippet_no_data.to_string();
    }
    let (amount, exact) = amount(total, loc);
    let views = if total < 1_000 {
        loc.form(&s.view_forms, total)
    } else {
        s.view_forms.other
    };
    let place = if platforms.len() == 1 {
        s.snippet_where_one
    } else {
        s.snippet_where_many
    }
    .replace("{platforms}", &loc.list(platforms));
    let pattern = if exact {
        s.snippet_exact
    } else {
        s.snippet_over
    };
    pattern
        .replace("{amount}", &amount)
        .replace("{views}", views)
        .replace("{where}", &place)
}

/// The snippet of a timeline: the total sentence, then the latest milestone crossed.
pub fn snippet(tl: &Timeline, loc: &Locale) -> String {
    let s = loc.strings;
    let platforms: Vec<&str> = tl
        .platform_totals()
        .into_iter()
        .filter(|(_, v)| *v > 0)
        .map(|(p, _)| p.display_name())
        .collect();
    let mut out = total_sentence(tl.total(), &platforms, loc);
    // The highest milestone proven crossed, dated as rule 4 allows.
    let crossed = tl
        .milestones
        .iter()
        .filter_map(|m| m.day(tl.tz).map(|d| (m.threshold, d)))
        .max_by_key(|(threshold, _)| *threshold);
    if let Some((threshold, day)) = crossed {
        let sentence = match day {
            CrossingDay::On(day) => {
                let launch = tl
                    .launched
                    .map(|l| local_date(l, tl.tz))
                    .filter(|l| *l <= day);
                match launch {
                    Some(l) => {
                        let days = (day - l).num_days();
                        let after = if days == 0 {
                            s.snippet_launch_day.to_string()
                        } else {
                            s.snippet_days_after
                                .replace("{days}", &loc.count(days, &s.day_forms))
                        };
                        s.snippet_milestone.replace("{after}", &after)
                    }
                    None => s.snippet_milestone_no_launch.to_string(),
                }
            }
            CrossingDay::By(_) => s.snippet_milestone_by.to_string(),
        };
        out.push(' ');
        out.push_str(
            &sentence
                .replace("{milestone}", &loc.number(threshold))
                .replace("{date}", &loc.date(day.date())),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;

    const ALL: [&str; 3] = ["YouTube", "Facebook", "LinkedIn"];

    fn plain(s: String) -> String {
        s.replace(NBSP, " ")
    }

    #[test]
    fn czech_totals_round_down_with_plural_forms() {
        let cs = Locale::new(Language::Cs);
        let t = |n| plain(total_sentence(n, &ALL, &cs));
        assert_eq!(
            t(999),
            "Video má již 999 zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(1_000),
            "Video má již tisíc zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(1_999),
            "Video má již přes tisíc zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(1_100_000),
            "Video má již 1,1 milionu zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(1_099_999),
            "Video má již přes milion zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(8_123),
            "Video má již přes 8 tisíc zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(21_500),
            "Video má již přes 21 tisíc zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(1_250_000),
            "Video má již přes 1,2 milionu zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(3_400),
            "Video má již přes 3 tisíce zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(2_000_000),
            "Video má již 2 miliony zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(1_000_000),
            "Video má již milion zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            t(7_040_000),
            "Video má již přes 7 milionů zhlédnutí na sítích YouTube, Facebook a LinkedIn."
        );
        assert_eq!(
            plain(total_sentence(8_123, &["YouTube"], &cs)),
            "Video má již přes 8 tisíc zhlédnutí na síti YouTube."
        );
        // Numbers and the one-letter conjunction keep their no-break spaces.
        assert!(total_sentence(8_123, &ALL, &cs).contains("8\u{a0}tisíc"));
        assert!(total_sentence(8_123, &ALL, &cs).contains(" a\u{a0}LinkedIn"));
    }

    #[test]
    fn english_totals() {
        let en = Locale::new(Language::En);
        let t = |n| plain(total_sentence(n, &ALL, &en));
        assert_eq!(
            t(999),
            "The video already has 999 views across YouTube, Facebook and LinkedIn."
        );
        assert_eq!(
            t(1_000),
            "The video already has 1,000 views across YouTube, Facebook and LinkedIn."
        );
        assert_eq!(
            t(8_123),
            "The video already has more than 8,000 views across YouTube, Facebook and LinkedIn."
        );
        assert_eq!(
            t(21_500),
            "The video already has more than 21,000 views across YouTube, Facebook and LinkedIn."
        );
        assert_eq!(t(1_250_000), "The video already has more than 1.2 million views across YouTube, Facebook and LinkedIn.");
        assert_eq!(
            plain(total_sentence(1, &["YouTube"], &en)),
            "The video already has 1 view on YouTube."
        );
        assert_eq!(t(0), "There are no view counts for the video yet.");
    }
}
