//! Localized numbers and dates, as the platforms' exports write them (and as a spreadsheet that
//! re-saved an export writes them).
//!
//! Numbers: `8123`, `8 123` (space, no-break space U+00A0, narrow no-break space U+202F, thin
//! space), `8.123` and `8,123` (grouping), `1 234,5`, `1,234.5`, `1.234,5`, `12,5 %`.
//! Dates: ISO `2020-07-24` (with an optional time), `07/24/2020 09:00` (Meta), `24. 7. 2020`,
//! `24.07.2020`, `24/07/2020`, `Jul 24, 2020`, `24 juil. 2020`, `24. července 2020` — month
//! names come from the language tables in [`super::headers`].

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::headers::{Language, LANGUAGES};

/// Spaces people and spreadsheets put between digit groups.
const GROUP_SPACES: [char; 7] = [
    ' ', '\u{a0}', '\u{202f}', '\u{2009}', '\u{2007}', '\'', '\u{2019}',
];

/// A parsed number and whether it carried a percent sign.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub value: f64,
    pub percent: bool,
}

/// Parse a number cell. `decimal` is the file's decimal separator when known (`.` in a
/// comma-separated file, `,` in a semicolon-separated one); an empty cell (or `-`) is `None`.
pub fn parse_number(raw: &str, decimal: Option<char>) -> Result<Option<Number>, String> {
    let mut s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    // A dash or "n/a" says the platform had no number: a row with it is bad, never a 0 or a
    // value silently left out.
    if matches!(
        s.to_ascii_lowercase().as_str(),
        "-" | "–" | "—" | "n/a" | "na" | "n.a." | "null" | "none" | "nan"
    ) {
        return Err(format!(
            "`{raw}` is not a number; a count must be a number (0 if there were none)"
        ));
    }
    let mut percent = false;
    if let Some(rest) = s.strip_suffix('%') {
        percent = true;
        s = rest.trim_end_matches(GROUP_SPACES);
    }
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-').or_else(|| s.strip_prefix('\u{2212}')) {
        negative = true;
        s = rest.trim_start();
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    let compact: String = s.chars().filter(|c| !GROUP_SPACES.contains(c)).collect();
    if compact.is_empty()
        || !compact
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(format!("`{raw}` is not a number"));
    }
    let (grouping, decimal_sep) = separators(&compact, decimal);
    if let Some(d) = decimal_sep {
        if compact.matches(d).count() > 1 {
            return Err(format!("`{raw}` has more than one decimal separator"));
        }
    }
    let (int_part, frac_part) = match decimal_sep {
        Some(d) => compact.split_once(d).unwrap_or((&compact, "")),
        None => (compact.as_str(), ""),
    };
    let digits = integer_digits(raw, int_part, grouping)?;
    if digits.is_empty() && frac_part.is_empty() {
        return Err(format!("`{raw}` is not a number"));
    }
    if frac_part.contains(['.', ',']) {
        return Err(format!("`{raw}` is not a number"));
    }
    let text = format!(
        "{}{}.{}",
        if negative { "-" } else { "" },
        if digits.is_empty() { "0" } else { &digits },
        if frac_part.is_empty() { "0" } else { frac_part }
    );
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{raw}` is not a number"))?;
    Ok(Some(Number { value, percent }))
}

/// Which of `.` and `,` in a number's digits groups thousands and which separates the
/// decimals (`decimal`: the file's decimal separator, when known).
fn separators(compact: &str, decimal: Option<char>) -> (Option<char>, Option<char>) {
    let dots = compact.matches('.').count();
    let commas = compact.matches(',').count();
    match (dots, commas) {
        (0, 0) => (None, None),
        (_, 0) | (0, _) => {
            let sep = if dots > 0 { '.' } else { ',' };
            let n = dots + commas;
            let (before, after) = compact.rsplit_once(sep).unwrap_or((compact, ""));
            if n > 1 {
                (Some(sep), None)
            } else if decimal == Some(sep) {
                (None, Some(sep))
            } else if after.len() == 3 && (1..=3).contains(&before.len()) {
                (Some(sep), None)
            } else {
                (None, Some(sep))
            }
        }
        _ => {
            // Both: the one that comes last separates the decimals.
            let last_dot = compact.rfind('.').unwrap_or(0);
            let last_comma = compact.rfind(',').unwrap_or(0);
            if last_dot > last_comma {
                (Some(','), Some('.'))
            } else {
                (Some('.'), Some(','))
            }
        }
    }
}

/// The integer part's digits without their grouping, which must be in groups of three.
fn integer_digits(raw: &str, int_part: &str, grouping: Option<char>) -> Result<String, String> {
    match grouping {
        Some(g) => {
            let groups: Vec<&str> = int_part.split(g).collect();
            let ok = groups.len() > 1
                && (1..=3).contains(&groups[0].len())
                && groups[1..].iter().all(|grp| grp.len() == 3);
            if !ok {
                return Err(format!(
                    "`{raw}` mixes separators in a way that is not a number (digit groups of three expected)"
                ));
            }
            Ok(groups.concat())
        }
        None => Ok(int_part.to_string()),
    }
}

/// Parse a count (views, likes …): a whole number ≥ 0. A single `.` or `,` followed by exactly
/// three digits is read as digit grouping (`8.123` is 8123), since a count has no decimals.
pub fn parse_count(raw: &str, decimal: Option<char>) -> Result<Option<i64>, String> {
    let t = raw.trim();
    let single_group = {
        let seps: Vec<(usize, char)> = t
            .char_indices()
            .filter(|(_, c)| *c == '.' || *c == ',')
            .collect();
        seps.len() == 1 && {
            let (i, _) = seps[0];
            let (before, after) = (&t[..i], &t[i + 1..]);
            after.len() == 3
                && after.chars().all(|c| c.is_ascii_digit())
                && !before.is_empty()
                && before.chars().all(|c| c.is_ascii_digit())
                && before.len() <= 3
        }
    };
    let n = if single_group {
        parse_number(t, None)?
    } else {
        parse_number(t, decimal)?
    };
    let Some(n) = n else { return Ok(None) };
    if n.percent {
        return Err(format!("`{raw}` is a percentage, not a count"));
    }
    if n.value < 0.0 {
        return Err(format!("`{raw}` is negative; counts are 0 or more"));
    }
    if n.value.fract() != 0.0 {
        return Err(format!("`{raw}` is not a whole number"));
    }
    if n.value >= 9.0e15 {
        return Err(format!("`{raw}` is too large for a count"));
    }
    Ok(Some(n.value as i64))
}

/// A date, with the time of day when the cell had one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl Stamp {
    pub fn datetime(&self) -> NaiveDateTime {
        self.date.and_time(self.time.unwrap_or(NaiveTime::MIN))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(String),
    Word(String),
    Sep(char),
}

fn tokens(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_num = false;
    let flush = |out: &mut Vec<Token>, cur: &mut String, num: bool| {
        if !cur.is_empty() {
            out.push(if num {
                Token::Num(std::mem::take(cur))
            } else {
                Token::Word(std::mem::take(cur))
            });
        }
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !cur_num {
                flush(&mut out, &mut cur, false);
            }
            cur_num = true;
            cur.push(c);
        } else if c.is_alphabetic() {
            if cur_num {
                flush(&mut out, &mut cur, true);
            }
            cur_num = false;
            cur.push(c);
        } else {
            flush(&mut out, &mut cur, cur_num);
            if !c.is_whitespace() && !GROUP_SPACES.contains(&c) {
                out.push(Token::Sep(c));
            }
        }
    }
    flush(&mut out, &mut cur, cur_num);
    out
}

/// The month (1–12) a word names in this language (or English), if any.
fn month_of(word: &str, lang: &Language) -> Option<u32> {
    let w = word.to_lowercase();
    let w = w.trim_end_matches('.');
    for l in [lang, &LANGUAGES[0]] {
        for (i, names) in l.months.iter().enumerate() {
            if names.contains(&w) {
                return Some(i as u32 + 1);
            }
        }
    }
    None
}

/// Parse a date or date-time cell in the conventions of `lang` (day or month first).
pub fn parse_stamp(raw: &str, lang: &Language) -> Result<Option<Stamp>, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || {
        format!(
            "`{raw}` is not a date (expected e.g. 2020-07-24, 07/24/2020, 24. 7. 2020 or Jul 24, 2020)"
        )
    };
    if let Some(stamp) = iso_stamp(s) {
        return Ok(Some(stamp));
    }
    let toks = tokens(s);
    let mut used = vec![false; toks.len()];
    let time = time_in(&toks, &mut used, &bad)?;
    let mut nums: Vec<&str> = Vec::new();
    let mut seps: Vec<char> = Vec::new();
    let mut month_word = None;
    for (i, t) in toks.iter().enumerate() {
        if used[i] {
            continue;
        }
        match t {
            Token::Num(n) => nums.push(n),
            Token::Sep(c) => seps.push(*c),
            Token::Word(w) => {
                if let Some(m) = month_of(w, lang) {
                    month_word = Some(m);
                }
                // other words ("de", "r.", weekday names) are ignored
            }
        }
    }
    let (y, m, d) = match month_word {
        Some(m) => ymd_with_month_word(&nums, m).ok_or_else(bad)?,
        None => ymd_of_numbers(&nums, &seps, lang).ok_or_else(bad)?,
    };
    let date = match (y, m, d) {
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    Ok(Some(Stamp { date, time }))
}

/// ISO 8601 / RFC 3339 forms, tried first: unambiguous.
fn iso_stamp(s: &str) -> Option<Stamp> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        let local = t.naive_local();
        return Some(Stamp {
            date: local.date(),
            time: Some(local.time()),
        });
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Stamp {
                date: t.date(),
                time: Some(t.time()),
            });
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| Stamp {
            date: d,
            time: None,
        })
}

/// The time among the tokens: H:MM[:SS] with an optional AM/PM; its tokens are marked used.
fn time_in(
    toks: &[Token],
    used: &mut [bool],
    bad: &impl Fn() -> String,
) -> Result<Option<NaiveTime>, String> {
    for i in 0..toks.len() {
        if let (Some(Token::Num(h)), Some(Token::Sep(':')), Some(Token::Num(m))) =
            (toks.get(i), toks.get(i + 1), toks.get(i + 2))
        {
            let mut hour: u32 = h.parse().map_err(|_| bad())?;
            let minute: u32 = m.parse().map_err(|_| bad())?;
            let mut second = 0;
            let mut end = i + 3;
            if let (Some(Token::Sep(':')), Some(Token::Num(sec))) =
                (toks.get(i + 3), toks.get(i + 4))
            {
                second = sec.parse().map_err(|_| bad())?;
                end = i + 5;
            }
            if let Some(Token::Word(w)) = toks.get(end) {
                let w = w.to_ascii_lowercase();
                if w == "pm" && hour < 12 {
                    hour += 12;
                    used[end] = true;
                } else if w == "am" {
                    if hour == 12 {
                        hour = 0;
                    }
                    used[end] = true;
                }
            }
            let time = NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(bad)?;
            for u in used.iter_mut().take(end).skip(i) {
                *u = true;
            }
            return Ok(Some(time));
        }
    }
    Ok(None)
}

/// A year written with 4 digits, or 2 (20xx).
fn year_of(n: &str) -> Option<i32> {
    let y: i32 = n.parse().ok()?;
    match n.len() {
        4 => Some(y),
        2 => Some(2000 + y),
        _ => None,
    }
}

/// A day or month number.
fn num(n: &str) -> Option<u32> {
    n.parse::<u32>().ok()
}

/// Year, month, day of a date whose month is a word: "Jul 24, 2020", "24 juil. 2020",
/// "24. července 2020"; `None` when it does not have two numbers.
fn ymd_with_month_word(nums: &[&str], m: u32) -> Option<(Option<i32>, Option<u32>, Option<u32>)> {
    if nums.len() != 2 {
        return None;
    }
    let (a, b) = (nums[0], nums[1]);
    Some(if a.len() == 4 {
        (year_of(a), Some(m), num(b))
    } else {
        (year_of(b), Some(m), num(a))
    })
}

/// Year, month, day of an all-numbers date: year first, else day or month first as the values,
/// the separator and the language say; `None` when it is not three numbers.
fn ymd_of_numbers(
    nums: &[&str],
    seps: &[char],
    lang: &Language,
) -> Option<(Option<i32>, Option<u32>, Option<u32>)> {
    if nums.len() != 3 {
        return None;
    }
    let (a, b, c) = (nums[0], nums[1], nums[2]);
    if a.len() == 4 {
        return Some((year_of(a), num(b), num(c)));
    }
    let (x, z) = (num(a)?, num(b)?);
    let slash = seps.first() == Some(&'/');
    let day_first = if x > 12 {
        true
    } else if z > 12 {
        false
    } else {
        !slash || lang.day_first
    };
    Some(if day_first {
        (year_of(c), Some(z), Some(x))
    } else {
        (year_of(c), Some(x), Some(z))
    })
}

/// A date range written `YYYY-MM-DD_YYYY-MM-DD` in a name (YouTube Studio names its exports
/// `Content 2020-07-24_2020-09-30 Channel`).
pub fn date_range_in(name: &str) -> Option<(NaiveDate, NaiveDate)> {
    let b = name.as_bytes();
    let is_date = |s: &[u8]| {
        s.len() == 10
            && s.iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
    };
    for i in 0..b.len().saturating_sub(20) {
        if is_date(&b[i..i + 10]) && b[i + 10] == b'_' && is_date(&b[i + 11..i + 21]) {
            let from = NaiveDate::parse_from_str(&name[i..i + 10], "%Y-%m-%d").ok()?;
            let to = NaiveDate::parse_from_str(&name[i + 11..i + 21], "%Y-%m-%d").ok()?;
            return (from <= to).then_some((from, to));
        }
    }
    None
}

/// A 13-digit Unix time in milliseconds in a name (LinkedIn names its exports
/// `company_content_1601503200000.xls`), between 2005 and 2100.
pub fn epoch_ms_in(name: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let mut run = String::new();
    let mut found = None;
    for c in name.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            if run.len() == 13 {
                found = run.parse::<i64>().ok();
            }
            run.clear();
        }
    }
    let ms = found?;
    let t = chrono::DateTime::from_timestamp_millis(ms)?;
    (1_104_537_600_000..4_102_444_800_000)
        .contains(&ms)
        .then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::headers::language;

    #[test]
    fn localized_numbers() {
        // (text, decimal separator of the file, value)
        let cases: &[(&str, Option<char>, f64)] = &[
            ("8123", None, 8123.0),
            ("8 123", None, 8123.0),
            ("8\u{a0}123", None, 8123.0),
            ("8\u{202f}123", None, 8123.0),
            ("8.123", Some(','), 8123.0),
            ("8,123", Some('.'), 8123.0),
            ("8,123", None, 8123.0),
            ("1 234,5", Some(','), 1234.5),
            ("1 234,5", None, 1234.5),
            ("1,234.5", None, 1234.5),
            ("1.234,5", None, 1234.5),
            ("1.234.567", None, 1234567.0),
            ("12.3456", Some(','), 12.3456),
            ("12,5", Some('.'), 12.5),
            ("0,25", None, 0.25),
            ("1'234", None, 1234.0),
            ("-3", None, -3.0),
            ("\u{2212}3", None, -3.0),
            ("5.1", None, 5.1),
        ];
        for (text, dec, want) in cases {
            let got = parse_number(text, *dec).unwrap().unwrap();
            assert_eq!(got.value, *want, "{text} with {dec:?}");
            assert!(!got.percent);
        }
        let p = parse_number("12,5 %", Some(',')).unwrap().unwrap();
        assert_eq!((p.value, p.percent), (12.5, true));
        let p = parse_number("4.10%", None).unwrap().unwrap();
        assert_eq!((p.value, p.percent), (4.1, true));
        assert_eq!(parse_number("", None).unwrap(), None);
        // Issue 13: a dash or "n/a" is not an empty cell but a missing number (a bad row).
        for dash in [" - ", "—", "–", "n/a", "N/A"] {
            assert!(
                parse_number(dash, None)
                    .unwrap_err()
                    .contains("is not a number"),
                "{dash}"
            );
        }
        for bad in ["12a", "1.2.3,4,5", "1,23,45", "abc", "1.22158E+17", ","] {
            assert!(parse_number(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_are_whole_and_not_negative() {
        assert_eq!(parse_count("8.123", Some('.')).unwrap(), Some(8123));
        assert_eq!(parse_count("8,123", Some(',')).unwrap(), Some(8123));
        assert_eq!(parse_count("1 234", Some(',')).unwrap(), Some(1234));
        assert_eq!(parse_count("1,234.0", None).unwrap(), Some(1234));
        assert_eq!(parse_count("", None).unwrap(), None);
        assert!(parse_count("8,5", Some(','))
            .unwrap_err()
            .contains("not a whole number"));
        assert!(parse_count("-1", None).unwrap_err().contains("negative"));
        assert!(parse_count("5 %", None).unwrap_err().contains("percentage"));
    }

    #[test]
    fn dates_in_export_formats() {
        let en = language("en").unwrap();
        let cs = language("cs").unwrap();
        let fr = language("fr").unwrap();
        let es = language("es").unwrap();
        let de = language("de").unwrap();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        type Case<'a> = (&'a str, &'a Language, NaiveDate, Option<(u32, u32)>);
        let cases: &[Case] = &[
            ("2020-07-24", en, d(2020, 7, 24), None),
            ("2020-07-24 09:30:00", cs, d(2020, 7, 24), Some((9, 30))),
            (
                "2020-07-24T09:30:00+02:00",
                en,
                d(2020, 7, 24),
                Some((9, 30)),
            ),
            ("07/24/2020 09:00", en, d(2020, 7, 24), Some((9, 0))),
            ("07/05/2020 21:15", en, d(2020, 7, 5), Some((21, 15))),
            ("05/07/2020", fr, d(2020, 7, 5), None),
            ("24/07/2020", en, d(2020, 7, 24), None),
            ("24. 7. 2020", cs, d(2020, 7, 24), None),
            ("24.07.2020 9:05", de, d(2020, 7, 24), Some((9, 5))),
            ("Jul 24, 2020", en, d(2020, 7, 24), None),
            ("July 24, 2020", cs, d(2020, 7, 24), None),
            ("24 juil. 2020", fr, d(2020, 7, 24), None),
            ("24 de julio de 2020", es, d(2020, 7, 24), None),
            ("24. července 2020", cs, d(2020, 7, 24), None),
            ("24. 7. 2020 9:00", cs, d(2020, 7, 24), Some((9, 0))),
            ("7/24/2020 9:00 PM", en, d(2020, 7, 24), Some((21, 0))),
        ];
        for (text, lang, date, time) in cases {
            let s = parse_stamp(text, lang).unwrap().unwrap();
            assert_eq!(s.date, *date, "{text}");
            assert_eq!(
                s.time
                    .map(|t| (chrono::Timelike::hour(&t), chrono::Timelike::minute(&t))),
                *time,
                "{text}"
            );
        }
        assert_eq!(parse_stamp("", en).unwrap(), None);
        for bad in ["Lifetime", "31. 2. 2020", "2020", "soon"] {
            assert!(parse_stamp(bad, en).is_err(), "{bad}");
        }
    }

    #[test]
    fn hints_in_file_names() {
        let (a, b) = date_range_in("Content 2020-07-24_2020-09-30 Conectart.zip").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2020-07-24".into(), "2020-09-30".into())
        );
        assert!(date_range_in("Table data.csv").is_none());
        assert!(date_range_in("2020-09-30_2020-07-24").is_none());
        let t = epoch_ms_in("conectart_content_1601503200000.xls").unwrap();
        assert_eq!(t.to_rfc3339(), "2020-09-30T22:00:00+00:00");
        assert!(epoch_ms_in("export_16015032000001.xls").is_none());
        assert!(epoch_ms_in("content.xls").is_none());
    }
}
