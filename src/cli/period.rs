//! `--from`/`--until` (issue 16 point 2): a TIME is RFC 3339 or a plain date, which means the
//! start of that day (`--from`) or its end (`--until`) in the campaign's time zone; the two
//! are resolved per campaign and checked against each other.

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::*;

/// A `--from`/`--until` value before the campaign's time zone is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimeArg {
    At(DateTime<Utc>),
    Date(NaiveDate),
}

impl TimeArg {
    /// Parse `s` given to `flag` (a usage error naming the flag when it is neither form).
    pub(super) fn parse(s: &str, flag: &str) -> Result<TimeArg> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
            return Ok(TimeArg::At(t.with_timezone(&Utc)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            return Ok(TimeArg::Date(d));
        }
        Err(UsageError(format!(
            "{flag} `{s}` is not a time; write RFC 3339 like 2026-08-01T12:00:00+02:00, or a \
             date YYYY-MM-DD (--from: the start of that day, --until: its end, in the \
             campaign's time zone)"
        ))
        .into())
    }

    /// The instant as a period's start: a date is its first instant (the end of the day
    /// before).
    pub(super) fn start(self, tz: Tz) -> DateTime<Utc> {
        match self {
            TimeArg::At(t) => t,
            TimeArg::Date(d) => match d.pred_opt() {
                Some(prev) => day_end(prev, tz),
                None => day_end(d, tz) - chrono::Duration::days(1),
            },
        }
    }

    /// As the user wrote it, with the instant a date stands for ("2026-08-01 (its end,
    /// 2026-08-01T22:00:00Z)").
    fn describe(self, at: DateTime<Utc>, what: &str) -> String {
        match self {
            TimeArg::At(t) => render::rfc3339(t),
            TimeArg::Date(d) => format!("{d} ({what}, {})", render::rfc3339(at)),
        }
    }

    /// The instant as a period's end: a date is its end (24:00).
    pub(super) fn end(self, tz: Tz) -> DateTime<Utc> {
        match self {
            TimeArg::At(t) => t,
            TimeArg::Date(d) => day_end(d, tz),
        }
    }
}

/// `--from` and `--until` as given (not yet resolved for a campaign).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PeriodArgs {
    pub from: Option<TimeArg>,
    pub until: Option<TimeArg>,
}

/// A period resolved for one campaign: instants in UTC.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl PeriodArgs {
    pub(super) fn parse(from: Option<&str>, until: Option<&str>) -> Result<PeriodArgs> {
        Ok(PeriodArgs {
            from: from.map(|s| TimeArg::parse(s, "--from")).transpose()?,
            until: until.map(|s| TimeArg::parse(s, "--until")).transpose()?,
        })
    }

    /// The instants for a campaign in time zone `tz`; `--from` after `--until` is a usage
    /// error naming both.
    pub(super) fn resolve(&self, tz: Tz) -> Result<Bounds> {
        let from = self.from.map(|f| f.start(tz));
        let until = self.until.map(|u| u.end(tz));
        if let (Some(f), Some(u), Some(fa), Some(ua)) = (from, until, self.from, self.until) {
            if f > u {
                bail!(UsageError(format!(
                    "--from {} is later than --until {}: the period must start before it ends; \
                     swap them or fix one",
                    fa.describe(f, "its start"),
                    ua.describe(u, "its end"),
                )));
            }
        }
        Ok(Bounds { from, until })
    }

    /// Check every campaign's period before anything is read or written.
    pub(super) fn check(&self, campaigns: &[&config::Campaign]) -> Result<()> {
        for c in campaigns {
            self.resolve(c.tz())?;
        }
        Ok(())
    }
}

/// The instant a period from `from` ends when `--until` is not given: the latest reading
/// (what the data is "as of"), or now when `from` is after it (nothing read since: "at
/// least 0").
pub(super) fn open_end_after(
    tl: &timeline::Timeline,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match tl.as_of {
        Some(t) if t >= from && t <= now => t,
        _ => now.max(from),
    }
}
