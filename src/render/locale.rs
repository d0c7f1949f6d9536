//! Numbers, dates and words in the report languages. A new language is one more
//! [`Strings`] table and one more arm in [`Locale::new`], not new code paths.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::config::Language;

/// No-break space: Czech thousands separator and the space inside dates.
pub const NBSP: char = '\u{a0}';

/// Every word a report or chart prints.
#[derive(Debug)]
pub struct Strings {
    pub views: &'static str,
    pub total: &'static str,
    pub cumulative_title: &'static str,
    pub cumulative_subtitle: &'static str,
    pub source_line: &'static str,
    pub synthetic_note: &'static str,
    pub as_of: &'static str,
    pub platform: &'static str,
    pub video: &'static str,
    pub account: &'static str,
    pub last_reading: &'static str,
    pub sources: &'static str,
    pub milestones: &'static str,
    pub milestone: &'static str,
    pub crossed: &'static str,
    pub not_yet: &'static str,
    pub bracket: &'static str,
    pub velocity: &'static str,
    pub per_day: &'static str,
    pub window_days: &'static str,
    pub next_milestone: &'static str,
    pub eta: &'static str,
    pub not_at_pace: &'static str,
    pub decreases: &'static str,
    pub decreases_none: &'static str,
    pub from_to: &'static str,
    pub launched: &'static str,
    pub no_data: &'static str,
    pub months_short: [&'static str; 12],
}

const EN: Strings = Strings {
    views: "views",
    total: "Total",
    cumulative_title: "Views across platforms",
    cumulative_subtitle: "Cumulative views by platform",
    source_line: "Source: viewtally",
    synthetic_note: "",
    as_of: "as of",
    platform: "Platform",
    video: "Video",
    account: "Account",
    last_reading: "Last reading",
    sources: "Sources",
    milestones: "Milestones",
    milestone: "Milestone",
    crossed: "Crossed",
    not_yet: "not yet",
    bracket: "Between readings",
    velocity: "Pace",
    per_day: "views/day",
    window_days: "days",
    next_milestone: "Next milestone",
    eta: "Expected",
    not_at_pace: "not at the current pace",
    decreases: "Counters that went down",
    decreases_none: "No counter went down.",
    from_to: "from → to",
    launched: "launch",
    no_data: "No observations yet: import an export file or run `viewtally collect`.",
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
};

const CS: Strings = Strings {
    views: "zhlédnutí",
    total: "Celkem",
    cumulative_title: "Zhlédnutí napříč sítěmi",
    cumulative_subtitle: "Kumulativní počet zhlédnutí podle sítě",
    source_line: "Zdroj: viewtally",
    synthetic_note: "",
    as_of: "stav k",
    platform: "Síť",
    video: "Video",
    account: "Účet",
    last_reading: "Poslední odečet",
    sources: "Zdroje",
    milestones: "Milníky",
    milestone: "Milník",
    crossed: "Dosaženo",
    not_yet: "zatím ne",
    bracket: "Mezi odečty",
    velocity: "Tempo",
    per_day: "zhlédnutí/den",
    window_days: "dní",
    next_milestone: "Další milník",
    eta: "Odhad",
    not_at_pace: "při současném tempu ne",
    decreases: "Počítadla, která klesla",
    decreases_none: "Žádné počítadlo neklesalo.",
    from_to: "z → na",
    launched: "zveřejnění",
    no_data: "Zatím žádná data: importujte export nebo spusťte `viewtally collect`.",
    months_short: [
        "led", "úno", "bře", "dub", "kvě", "čvn", "čvc", "srp", "zář", "říj", "lis", "pro",
    ],
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
        let sep = match self.language {
            Language::Cs => NBSP,
            Language::En => ',',
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(ch);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    }

    /// A decimal with one digit: `123,4` / `123.4`.
    pub fn decimal(&self, x: f64) -> String {
        let whole = x.trunc() as i64;
        let tenth = ((x.abs() - x.abs().trunc()) * 10.0).round() as i64;
        let (whole, tenth) = if tenth == 10 {
            (whole + x.signum() as i64, 0)
        } else {
            (whole, tenth)
        };
        let mark = match self.language {
            Language::Cs => ',',
            Language::En => '.',
        };
        format!("{}{mark}{tenth}", self.number(whole))
    }

    /// `24. 7. 2020` / `24 Jul 2020`.
    pub fn date(&self, d: NaiveDate) -> String {
        match self.language {
            Language::Cs => format!("{}.{NBSP}{}.{NBSP}{}", d.day(), d.month(), d.year()),
            Language::En => format!(
                "{}{NBSP}{}{NBSP}{}",
                d.day(),
                self.strings.months_short[d.month0() as usize],
                d.year()
            ),
        }
    }

    /// `24. 7.` / `24 Jul`.
    pub fn short_date(&self, d: NaiveDate) -> String {
        match self.language {
            Language::Cs => format!("{}.{NBSP}{}.", d.day(), d.month()),
            Language::En => format!(
                "{}{NBSP}{}",
                d.day(),
                self.strings.months_short[d.month0() as usize]
            ),
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let cs = Locale::new(Language::Cs);
        let en = Locale::new(Language::En);
        assert_eq!(cs.number(8000), "8\u{a0}000");
        assert_eq!(cs.number(1_250_000), "1\u{a0}250\u{a0}000");
        assert_eq!(en.number(8123), "8,123");
        assert_eq!(en.number(999), "999");
        assert_eq!(en.number(-1000), "-1,000");
        assert_eq!(cs.decimal(123.45), "123,5");
        assert_eq!(en.decimal(9.96), "10.0");
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2020, 7, 24).unwrap();
        assert_eq!(Locale::new(Language::Cs).date(d), "24.\u{a0}7.\u{a0}2020");
        assert_eq!(Locale::new(Language::En).date(d), "24\u{a0}Jul\u{a0}2020");
        assert_eq!(Locale::new(Language::Cs).short_date(d), "24.\u{a0}7.");
    }
}
