//! When jobs run: cron expressions evaluated in the campaign's time zone.
//!
//! # The DST rule
//! Cron fields are matched against the *wall clock* of the campaign time zone. Where a DST
//! change makes a wall-clock time ambiguous or non-existent:
//! - **Fixed-hour jobs** (the hour field names hours, e.g. `30 2 * * *`) run **once**: a time that
//!   falls into the spring-forward gap runs at the first instant after the gap (02:30 → 03:00
//!   CEST in Europe/Prague); a time that occurs twice in the autumn runs at its first occurrence.
//! - **Every-hour jobs** (hour field `*` or `*/n`, e.g. `*/15 * * * *`) follow real time: wall-clock
//!   times inside the gap do not exist and are skipped (no real time passes there), and the
//!   repeated autumn hour runs on both passes, so the interval between runs stays the same.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::config::parse_cron;

/// A job's schedule: a cron expression in a time zone.
#[derive(Debug, Clone)]
pub struct JobSchedule {
    cron: cron::Schedule,
    tz: Tz,
    every_hour: bool,
    expr: String,
}

impl JobSchedule {
    /// Parse a 5-field crontab or 6/7-field (with seconds) expression.
    pub fn new(expr: &str, tz: Tz) -> Result<JobSchedule, String> {
        let cron = parse_cron(expr)?;
        let fields: Vec<&str> = expr.split_whitespace().collect();
        let hour = if fields.len() == 5 {
            fields[1]
        } else {
            fields[2]
        };
        Ok(JobSchedule {
            cron,
            tz,
            every_hour: hour == "*" || hour.starts_with("*/"),
            expr: expr.to_string(),
        })
    }

    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// The first run strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Walk wall-clock candidates on a DST-free naive timeline, starting an hour before the
        // local time of `t` so that a repeated autumn hour is not missed.
        let local = t.with_timezone(&self.tz).naive_local() - Duration::hours(2);
        let start = Utc.from_utc_datetime(&local);
        for candidate in self.cron.after(&start).take(100_000) {
            let naive = candidate.naive_utc();
            for instant in self.instants(naive) {
                if instant > t {
                    return Some(instant);
                }
            }
        }
        None
    }

    /// The real instants a wall-clock time stands for under the DST rule.
    fn instants(&self, naive: NaiveDateTime) -> Vec<DateTime<Utc>> {
        use chrono::LocalResult;
        match self.tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => vec![t.with_timezone(&Utc)],
            LocalResult::Ambiguous(a, b) => {
                if self.every_hour {
                    vec![a.with_timezone(&Utc), b.with_timezone(&Utc)]
                } else {
                    vec![a.with_timezone(&Utc)]
                }
            }
            LocalResult::None => {
                if self.every_hour {
                    return Vec::new();
                }
                // The first existing minute after the gap is the time the clocks jumped to.
                let mut probe = naive;
                for _ in 0..(4 * 60) {
                    probe += Duration::minutes(1);
                    if let Some(t) = self.tz.from_local_datetime(&probe).earliest() {
                        return vec![t.with_timezone(&Utc)];
                    }
                }
                Vec::new()
            }
        }
    }

    /// How many runs were due in (from, to].
    pub fn due_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
        let mut n = 0;
        let mut t = from;
        while let Some(next) = self.next_after(t) {
            if next > to || n > 10_000 {
                break;
            }
            n += 1;
            t = next;
        }
        n
    }
}

/// The most the next regular tick may be away for a catch-up run to be skipped.
pub const CATCH_UP_MARGIN_MAX: Duration = Duration::seconds(60);

/// What a job does at start after downtime (`[daemon] catch_up`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// No tick was missed since the last run started.
    NothingMissed,
    /// Ticks were missed, but the next regular tick comes so soon (`next`) that it does the
    /// work: no catch-up run.
    NextTickClose { missed: usize, next: DateTime<Utc> },
    /// One catch-up run, keyed by the first missed tick (so that of a fleet starting together
    /// one daemon runs it).
    Run {
        missed: usize,
        first_missed: DateTime<Utc>,
    },
}

/// The catch-up rule. A job whose last run started at `last_started` and missed ticks up to
/// `now` runs once at start, unless its next regular tick is close: within a quarter of the
/// schedule's interval (between that tick and the one after), and never more than
/// [`CATCH_UP_MARGIN_MAX`] away. So an hourly job started 30 s before the hour waits for the
/// hour; a per-second job's catch-up is skipped when the next tick is under 250 ms away.
pub fn catch_up(
    schedule: &JobSchedule,
    last_started: DateTime<Utc>,
    now: DateTime<Utc>,
) -> CatchUp {
    let missed = schedule.due_between(last_started, now);
    let Some(first_missed) = schedule.next_after(last_started).filter(|t| *t <= now) else {
        return CatchUp::NothingMissed;
    };
    if missed == 0 {
        return CatchUp::NothingMissed;
    }
    if let Some(next) = schedule.next_after(now) {
        let interval = schedule
            .next_after(next)
            .map(|after| after - next)
            .unwrap_or(CATCH_UP_MARGIN_MAX * 4);
        let margin = (interval / 4).min(CATCH_UP_MARGIN_MAX);
        if next - now <= margin {
            return CatchUp::NextTickClose { missed, next };
        }
    }
    CatchUp::Run {
        missed,
        first_missed,
    }
}

/// Run `run` at every tick of `schedule` until `stop` turns true. A run happens inline, so a
/// job never overlaps itself: ticks that pass while it runs are skipped and logged. Between
/// ticks the task sleeps. `jitter_s` adds a random 0..jitter_s seconds before each run.
pub async fn run_schedule<F, Fut>(
    clock: &Clock,
    schedule: &JobSchedule,
    jitter_s: u64,
    stop: &mut tokio::sync::watch::Receiver<bool>,
    mut run: F,
) where
    F: FnMut(DateTime<Utc>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    loop {
        if *stop.borrow() {
            break;
        }
        let now = clock.now();
        let Some(next) = schedule.next_after(now) else {
            tracing::warn!(
                schedule = schedule.expr(),
                "the schedule has no future run; job ends"
            );
            break;
        };
        let jitter = match jitter_s {
            0 => Duration::zero(),
            j => Duration::milliseconds(fastrand::i64(0..(j as i64 * 1000))),
        };
        tokio::select! {
            _ = clock.sleep_until(next + jitter) => {}
            _ = stop.changed() => break,
        }
        run(next).await;
        let skipped = schedule.due_between(next, clock.now());
        if skipped > 0 {
            tracing::warn!(skipped, "ticks skipped: the previous run was still going");
        }
    }
}

/// Where "now" comes from: the system clock, or (in tests and with `--now`) a clock that
/// starts at a given time and advances with tokio's clock, so a paused tokio clock can run a
/// simulated day in milliseconds.
#[derive(Debug, Clone)]
pub enum Clock {
    System,
    Offset {
        base: DateTime<Utc>,
        start: tokio::time::Instant,
    },
}

impl Clock {
    pub fn starting_at(base: DateTime<Utc>) -> Clock {
        Clock::Offset {
            base,
            start: tokio::time::Instant::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Offset { base, start } => {
                let elapsed = tokio::time::Instant::now() - *start;
                *base + Duration::from_std(elapsed).unwrap_or_else(|_| Duration::zero())
            }
        }
    }

    /// Sleep until the clock shows `t` (at once if it is past).
    pub async fn sleep_until(&self, t: DateTime<Utc>) {
        let wait = (t - self.now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn prague(expr: &str) -> JobSchedule {
        JobSchedule::new(expr, chrono_tz::Europe::Prague).unwrap()
    }

    fn runs(s: &JobSchedule, from: &str, to: &str) -> Vec<String> {
        let (mut cur, end) = (t(from), t(to));
        let mut out = Vec::new();
        while let Some(n) = s.next_after(cur) {
            if n > end {
                break;
            }
            out.push(n.with_timezone(&chrono_tz::Europe::Prague).to_rfc3339());
            cur = n;
        }
        out
    }

    #[test]
    fn evaluates_in_campaign_time_zone() {
        let s = prague("0 8 * * *");
        assert_eq!(
            s.next_after(t("2020-07-24T05:00:00Z")),
            Some(t("2020-07-24T06:00:00Z")),
            "08:00 CEST is 06:00 UTC"
        );
        let s = prague("0 0 8 * * *");
        assert_eq!(
            s.next_after(t("2020-07-24T06:00:00Z")),
            Some(t("2020-07-25T06:00:00Z"))
        );
    }

    #[test]
    fn spring_forward_fixed_hour_job_runs_once_after_the_gap() {
        // 29 March 2026: 02:00 CET → 03:00 CEST in Prague.
        let s = prague("30 2 * * *");
        assert_eq!(
            runs(&s, "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z"),
            vec!["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]
        );
    }

    #[test]
    fn autumn_fixed_hour_job_runs_once() {
        // 25 October 2026: 03:00 CEST → 02:00 CET; 02:30 happens twice.
        let s = prague("30 2 * * *");
        assert_eq!(
            runs(&s, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z"),
            vec!["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]
        );
    }

    #[test]
    fn every_hour_jobs_keep_their_interval_across_dst() {
        let s = prague("0 * * * *");
        // spring: 23 real hours in the day, 23 runs
        assert_eq!(
            s.due_between(t("2026-03-28T23:00:00Z"), t("2026-03-29T22:00:00Z")),
            23
        );
        // autumn: 25 real hours, 25 runs, one per real hour
        let r = runs(&s, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z");
        assert_eq!(r.len(), 25, "{r:?}");
        assert!(r.contains(&"2026-10-25T02:00:00+02:00".to_string()));
        assert!(r.contains(&"2026-10-25T02:00:00+01:00".to_string()));
    }

    #[test]
    fn a_plain_day_has_every_tick_once() {
        let s = prague("*/15 * * * *");
        let r = runs(&s, "2026-07-01T22:00:00Z", "2026-07-02T22:00:00Z");
        assert_eq!(r.len(), 96);
        let mut dedup = r.clone();
        dedup.dedup();
        assert_eq!(dedup, r);
    }

    /// Run a schedule on a paused clock for a simulated span; returns the tick times run
    /// and the most runs ever in flight at once.
    async fn simulate(
        expr: &str,
        start: &str,
        hours: i64,
        run_minutes: i64,
    ) -> (Vec<String>, usize) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let clock = Clock::starting_at(t(start));
        let schedule = prague(expr);
        let (stop_tx, mut stop) = tokio::sync::watch::channel(false);
        let fired = Arc::new(Mutex::new(Vec::new()));
        let (in_flight, max_in_flight) =
            (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (f, i, m) = (fired.clone(), in_flight.clone(), max_in_flight.clone());
        let c = clock.clone();
        let task = tokio::spawn(async move {
            run_schedule(&c, &schedule, 0, &mut stop, |tick| {
                let (f, i, m) = (f.clone(), i.clone(), m.clone());
                async move {
                    let now = i.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(now, Ordering::SeqCst);
                    f.lock()
                        .unwrap()
                        .push(tick.with_timezone(&chrono_tz::Europe::Prague).to_rfc3339());
                    tokio::time::sleep(std::time::Duration::from_secs(run_minutes as u64 * 60))
                        .await;
                    i.fetch_sub(1, Ordering::SeqCst);
                }
            })
            .await
        });
        clock
            .sleep_until(t(start) + Duration::hours(hours) + Duration::minutes(1))
            .await;
        stop_tx.send(true).unwrap();
        task.await.unwrap();
        let fired = fired.lock().unwrap().clone();
        (
            fired,
            max_in_flight.load(std::sync::atomic::Ordering::SeqCst),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn a_simulated_day_fires_every_tick_exactly_once() {
        let (fired, max) = simulate("*/15 * * * *", "2026-07-01T22:00:00Z", 24, 1).await;
        assert_eq!(fired.len(), 96);
        assert_eq!(fired[0], "2026-07-02T00:15:00+02:00");
        assert_eq!(fired.last().unwrap(), "2026-07-03T00:00:00+02:00");
        let mut unique = fired.clone();
        unique.dedup();
        assert_eq!(unique.len(), 96);
        assert_eq!(max, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn dst_days_in_prague() {
        // spring forward: the 02:30 job runs once (at 03:00), hourly runs follow real time
        let (fired, _) = simulate("30 2 * * *", "2026-03-28T12:00:00Z", 24, 1).await;
        assert_eq!(fired, vec!["2026-03-29T03:00:00+02:00"]);
        let (fired, _) = simulate("0 * * * *", "2026-03-28T23:00:00Z", 23, 1).await;
        assert_eq!(fired.len(), 23);
        // autumn: the 02:30 job runs once though 02:30 happens twice
        let (fired, _) = simulate("30 2 * * *", "2026-10-24T12:00:00Z", 24, 1).await;
        assert_eq!(fired, vec!["2026-10-25T02:30:00+02:00"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_job_never_overlaps_itself() {
        // every 15 minutes, but each run takes 20: every other tick is skipped, never two at once
        let (fired, max) = simulate("*/15 * * * *", "2026-07-01T22:00:00Z", 2, 20).await;
        assert_eq!(max, 1);
        assert_eq!(
            fired,
            vec![
                "2026-07-02T00:15:00+02:00",
                "2026-07-02T00:45:00+02:00",
                "2026-07-02T01:15:00+02:00",
                "2026-07-02T01:45:00+02:00"
            ]
        );
    }

    #[test]
    fn catch_up_is_skipped_when_the_next_tick_is_close() {
        let hourly = prague("0 * * * *");
        let last = t("2026-07-01T08:00:00Z");
        // Down from 08:00 to 10:20: ticks 09:00 and 10:00 missed, next at 11:00: catch up.
        assert_eq!(
            catch_up(&hourly, last, t("2026-07-01T10:20:00Z")),
            CatchUp::Run {
                missed: 2,
                first_missed: t("2026-07-01T09:00:00Z")
            }
        );
        // Back 30 s before 11:00: the 11:00 tick does the work.
        assert_eq!(
            catch_up(&hourly, last, t("2026-07-01T10:59:30Z")),
            CatchUp::NextTickClose {
                missed: 2,
                next: t("2026-07-01T11:00:00Z")
            }
        );
        // The margin is at most a minute for long intervals: 61 s before still catches up.
        assert!(matches!(
            catch_up(&hourly, last, t("2026-07-01T10:58:59Z")),
            CatchUp::Run { .. }
        ));
        // Nothing missed: no run.
        assert_eq!(
            catch_up(&hourly, last, t("2026-07-01T08:59:59Z")),
            CatchUp::NothingMissed
        );
        // A tick exactly at `now` counts as missed.
        assert!(matches!(
            catch_up(&hourly, last, t("2026-07-01T09:00:00Z")),
            CatchUp::Run { missed: 1, .. }
        ));
    }

    #[test]
    fn catch_up_margin_is_a_quarter_of_a_short_interval() {
        // Every 10 s: the margin is 2.5 s.
        let s = prague("*/10 * * * * *");
        let last = t("2026-07-01T08:00:00Z");
        let close = t("2026-07-01T08:00:57.600Z");
        assert!(matches!(
            catch_up(&s, last, close),
            CatchUp::NextTickClose { .. }
        ));
        let far = t("2026-07-01T08:00:57.400Z");
        assert!(matches!(
            catch_up(&s, last, far),
            CatchUp::Run { missed: 5, .. }
        ));
        // Every second: a catch-up followed by the regular tick within 250 ms is skipped.
        let s = prague("* * * * * *");
        assert!(matches!(
            catch_up(&s, last, t("2026-07-01T08:00:09.800Z")),
            CatchUp::NextTickClose { .. }
        ));
        assert!(matches!(
            catch_up(&s, last, t("2026-07-01T08:00:09.500Z")),
            CatchUp::Run { .. }
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn offset_clock_follows_paused_tokio_time() {
        let clock = Clock::starting_at(t("2026-07-01T00:00:00Z"));
        clock.sleep_until(t("2026-07-01T06:00:00Z")).await;
        assert_eq!(clock.now(), t("2026-07-01T06:00:00Z"));
    }
}
