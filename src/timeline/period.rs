//! Periods ("views in August"): the increase of the cumulative total between two instants,
//! from what the readings prove at each end (timeline rules 1–4). Exact only where both ends
//! are proven; else a range, with the readings around each unproven end named. Nothing here
//! adds arithmetic of its own: the bounds at an instant are the timeline's points (ΣL of the
//! last point at or before it, ΣU of the first point at or after it, as [`Timeline::total_at`]
//! and the milestones read them).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Milestone, Platform, Point, Timeline};

/// What the readings prove about a count: at least `low`, at most `high` (None: nothing
/// bounds it from above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub low: i64,
    pub high: Option<i64>,
}

impl Range {
    /// The readings prove the value: both bounds meet.
    pub fn exact(&self) -> bool {
        self.high == Some(self.low)
    }

    /// The increase from `start` to `end` (a later instant): at least what the end proves
    /// above the most the start can have been, at most the most the end can have been above
    /// the least the start was. Exact when both ends are.
    pub fn increase(start: Range, end: Range) -> Range {
        if start.exact() && end.exact() {
            let d = end.low - start.low;
            return Range {
                low: d,
                high: Some(d),
            };
        }
        let low = start.high.map_or(0, |h| (end.low - h).max(0));
        Range {
            low,
            high: end.high.map(|h| (h - start.low).max(low)),
        }
    }
}

/// The readings around an instant: the last one at or before it and the first one after it
/// (None: there is none on that side).
pub type Around = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// One end of a period and what the readings prove there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct End {
    pub at: DateTime<Utc>,
    /// The cumulative total at `at`.
    pub total: Range,
    /// The cumulative views per platform at `at` (the order of [`Timeline::platforms`]).
    pub platforms: Vec<Range>,
    /// When the readings do not prove the total at `at`: the last reading at or before it
    /// and the first one after it (None: there is none on that side).
    pub around: Option<Around>,
}

impl End {
    /// The bounds at `at` from the timeline's points.
    pub fn at(tl: &Timeline, at: DateTime<Utc>) -> End {
        let points = &tl.points;
        let n = points.partition_point(|p| p.at <= at);
        let prev: Option<&Point> = n.checked_sub(1).map(|i| &points[i]);
        let on = prev.filter(|p| p.at == at);
        let next: Option<&Point> = points.get(n);
        let platforms = tl.platforms.len();
        let (total, per) = match on {
            Some(p) => (
                Range {
                    low: p.low,
                    high: p.high,
                },
                (0..platforms)
                    .map(|k| Range {
                        low: p.platforms_low.get(k).copied().unwrap_or(0),
                        high: p.platforms_high.get(k).copied().flatten(),
                    })
                    .collect::<Vec<_>>(),
            ),
            // Between points: at least what the last one proved (counts never go down
            // between readings), at most what the next one allows (ΣU is constant from just
            // after a point up to the next).
            None => (
                Range {
                    low: prev.map_or(0, |p| p.low),
                    high: next.and_then(|q| q.high),
                },
                (0..platforms)
                    .map(|k| Range {
                        low: prev.map_or(0, |p| p.platforms_low.get(k).copied().unwrap_or(0)),
                        high: next.and_then(|q| q.platforms_high.get(k).copied().flatten()),
                    })
                    .collect(),
            ),
        };
        let around = (!total.exact()).then(|| (prev.map(|p| p.at), next.map(|q| q.at)));
        End {
            at,
            total,
            platforms: per,
            around,
        }
    }
}

/// A milestone crossed in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodMilestone {
    pub milestone: Milestone,
    /// The readings prove the crossing inside the period (below the threshold at its start,
    /// at or above it at its end); false: only the estimate falls inside, the bracket
    /// reaches beyond an end.
    pub proven: bool,
}

/// The views of a period, in total and per platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub from: End,
    pub until: End,
    /// Views in the period: the increase of the total from `from` to `until`.
    pub views: Range,
    pub platforms: Vec<(Platform, Range)>,
    /// Milestones proven crossed in the period, or whose estimated crossing lies in it.
    pub milestones: Vec<PeriodMilestone>,
}

impl Timeline {
    /// The timeline from `from` on, for the charts of a period: the points at or after it,
    /// the days that end after it, the milestones not crossed before it; the launch only when
    /// it lies in the period. What the period's ends prove is said by [`Timeline::period`].
    pub fn within(&self, from: DateTime<Utc>) -> Timeline {
        let mut tl = self.clone();
        tl.points.retain(|p| p.at >= from);
        if let Some(first) = tl.points.first_mut() {
            // Nothing before it is drawn: its stretch from the point before is not shown.
            first.estimated = false;
            first
                .platforms_estimated
                .iter_mut()
                .for_each(|e| *e = false);
        }
        tl.days.retain(|d| d.end > from);
        tl.milestones
            .retain(|m| m.crossed_at.is_none_or(|t| t >= from));
        tl.launched = tl.launched.filter(|l| *l >= from);
        tl
    }

    /// What the readings prove about the views between `from` and `until` (`from` ≤ `until`).
    pub fn period(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Period {
        let start = End::at(self, from);
        let end = End::at(self, until);
        let views = Range::increase(start.total, end.total);
        let platforms = self
            .platforms
            .iter()
            .enumerate()
            .map(|(k, p)| (*p, Range::increase(start.platforms[k], end.platforms[k])))
            .collect();
        let milestones = self
            .milestones
            .iter()
            .filter_map(|m| {
                let proven = start.total.high.is_some_and(|h| h < m.threshold)
                    && end.total.low >= m.threshold;
                let estimate_inside = m.crossed_at.is_some_and(|t| t > from && t <= until);
                (proven || estimate_inside).then(|| PeriodMilestone {
                    milestone: m.clone(),
                    proven,
                })
            })
            .collect();
        Period {
            from: start,
            until: end,
            views,
            platforms,
            milestones,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{build, TimelineOptions};
    use super::*;
    use crate::model::{Kind, Metric, Observation, Source};
    use std::collections::HashMap;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn o(platform: Platform, video: &str, at: &str, value: i64) -> Observation {
        Observation {
            campaign: "c".into(),
            platform,
            video: video.into(),
            account: None,
            metric: Metric::Views,
            kind: Kind::Total,
            at: t(at),
            value,
            source: Source::api(),
            collected_at: t(at),
        }
    }

    fn timeline(obs: &[Observation], launched: Option<&str>) -> Timeline {
        build(
            obs,
            &TimelineOptions {
                campaign: "c".into(),
                tz: chrono_tz::UTC,
                launched: launched.map(t),
                milestones: vec![1000, 2000, 5000],
                velocity_window_days: 7,
                titles: HashMap::new(),
            },
        )
        .unwrap()
    }

    use Platform::{Facebook as Fb, Youtube as Yt};

    fn readings() -> Vec<Observation> {
        vec![
            o(Yt, "a", "2026-07-31T18:00:00Z", 900),
            o(Fb, "b", "2026-07-31T18:00:00Z", 100),
            o(Yt, "a", "2026-08-02T09:00:00Z", 1300),
            o(Fb, "b", "2026-08-02T09:00:00Z", 150),
            o(Yt, "a", "2026-09-01T00:00:00Z", 3000),
            o(Fb, "b", "2026-09-01T00:00:00Z", 400),
            o(Yt, "a", "2026-09-02T12:00:00Z", 3500),
            o(Fb, "b", "2026-09-02T12:00:00Z", 500),
        ]
    }

    #[test]
    fn both_ends_on_readings_give_an_exact_number() {
        let tl = timeline(&readings(), None);
        let p = tl.period(t("2026-08-02T09:00:00Z"), t("2026-09-01T00:00:00Z"));
        assert_eq!(
            p.views,
            Range {
                low: 1950,
                high: Some(1950)
            }
        );
        assert!(p.views.exact());
        assert_eq!(p.from.around, None);
        assert_eq!(p.until.around, None);
        assert_eq!(
            p.platforms,
            vec![
                (
                    Yt,
                    Range {
                        low: 1700,
                        high: Some(1700)
                    }
                ),
                (
                    Fb,
                    Range {
                        low: 250,
                        high: Some(250)
                    }
                )
            ]
        );
        // 2,000 crossed between the two ends, proven; 1,000 before them (1,450 at the start)
        let crossed: Vec<(i64, bool)> = p
            .milestones
            .iter()
            .map(|m| (m.milestone.threshold, m.proven))
            .collect();
        assert_eq!(crossed, vec![(2000, true)]);
    }

    #[test]
    fn a_start_between_readings_gives_a_range_and_names_them() {
        let tl = timeline(&readings(), None);
        // August: the start falls between 31 Jul 18:00 (1,000) and 2 Aug 09:00 (1,450); the
        // end (1 Sep 00:00, the end of 31 Aug) is a reading (3,400)
        let p = tl.period(t("2026-08-01T00:00:00Z"), t("2026-09-01T00:00:00Z"));
        assert_eq!(p.from.total.low, 1000);
        assert_eq!(p.from.total.high, Some(1450));
        assert_eq!(
            p.from.around,
            Some((
                Some(t("2026-07-31T18:00:00Z")),
                Some(t("2026-08-02T09:00:00Z"))
            ))
        );
        assert_eq!(p.until.around, None);
        assert_eq!(
            p.views,
            Range {
                low: 1950,
                high: Some(2400)
            }
        );
        assert!(!p.views.exact());
        // per platform the same honesty: YouTube between 3,000 − 1,300 and 3,000 − 900
        assert_eq!(
            p.platforms[0].1,
            Range {
                low: 1700,
                high: Some(2100)
            }
        );
        // 1,000 may have been crossed before 1 Aug (the start is at most 1,450): its estimate
        // may fall inside, but it is not proven inside; 2,000 is
        assert!(p
            .milestones
            .iter()
            .all(|m| m.milestone.threshold != 1000 || !m.proven));
        assert!(p
            .milestones
            .iter()
            .any(|m| m.milestone.threshold == 2000 && m.proven));
    }

    #[test]
    fn both_ends_between_readings() {
        let tl = timeline(&readings(), None);
        let p = tl.period(t("2026-08-01T00:00:00Z"), t("2026-09-02T00:00:00Z"));
        assert!(p.from.around.is_some() && p.until.around.is_some());
        assert_eq!(
            p.until.around,
            Some((
                Some(t("2026-09-01T00:00:00Z")),
                Some(t("2026-09-02T12:00:00Z"))
            ))
        );
        // at least 3,400 − 1,450, at most 4,000 − 1,000
        assert_eq!(
            p.views,
            Range {
                low: 1950,
                high: Some(3000)
            }
        );
        // an end after the last reading: nothing bounds it from above ("at least")
        let p = tl.period(t("2026-08-02T09:00:00Z"), t("2026-10-01T00:00:00Z"));
        assert_eq!(
            p.until.around,
            Some((Some(t("2026-09-02T12:00:00Z")), None))
        );
        assert_eq!(
            p.views,
            Range {
                low: 2550,
                high: None
            }
        );
    }

    #[test]
    fn a_period_before_the_first_reading_says_there_are_none() {
        let tl = timeline(&readings(), None);
        let p = tl.period(t("2026-07-01T00:00:00Z"), t("2026-07-15T00:00:00Z"));
        // nothing before 31 Jul: no readings before it, and at most the 1,000 read then
        assert_eq!(p.from.around, Some((None, Some(t("2026-07-31T18:00:00Z")))));
        assert_eq!(
            p.until.around,
            Some((None, Some(t("2026-07-31T18:00:00Z"))))
        );
        assert_eq!(
            p.views,
            Range {
                low: 0,
                high: Some(1000)
            }
        );
        assert!(p.milestones.is_empty());
        // with the launch known, the views before it are proven 0
        let tl = timeline(&readings(), Some("2026-07-20T00:00:00Z"));
        let p = tl.period(t("2026-07-01T00:00:00Z"), t("2026-07-15T00:00:00Z"));
        assert_eq!(
            p.views,
            Range {
                low: 0,
                high: Some(0)
            }
        );
        assert_eq!(p.from.around, None);
    }
}
