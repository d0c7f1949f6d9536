//! Timeline rules (v2) 1–3 for one video (DESIGN.md): what its readings **prove** about its
//! lifetime count V(t) — a lower and an upper bound at every instant where something is known —
//! and the **estimate** drawn between them. Nothing is shifted, back-filled or extrapolated.
//!
//! The readings are a set of constraints on V:
//! - a `total` reading pins V(at) = value (it wins from its instant on);
//! - a `daily` row says V(end) − V(start) = value for its day;
//! - V never goes down between readings (rule 6 keeps a decrease as read);
//! - V = 0 at and before the launch, unless the video has readings from before it.
//!
//! Propagating them forwards and backwards over the instants gives, per instant, the tightest
//! bounds these constraints prove. An instant where both bounds meet is a *known point*; the
//! estimate joins known points (linearly across a gap), clamped to the bounds, and stays flat
//! after the last one.

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// Daily rows whose ends are a day apart within this tolerance (a DST day has 23 or 25 hours)
/// are consecutive days of one run.
const DAY_SLACK_MS: i64 = 2 * HOUR_MS;
/// Known points further apart than this, with no daily row between them, are a gap: the
/// stretch between them is an estimate, drawn as such.
pub const GAP_MS: i64 = 26 * HOUR_MS;

/// The views readings of one video.
#[derive(Debug, Default, Clone)]
pub struct Readings {
    /// `total` readings: (at in ms, value). Any order; at one instant the largest value counts
    /// (the same reading from two sources).
    pub totals: Vec<(i64, i64)>,
    /// `daily` rows: (end of the day in ms, the day's increase).
    pub daily: Vec<(i64, i64)>,
}

/// What is known about the video at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub at: i64,
    /// V(at) is at least this.
    pub lo: i64,
    /// V(at) is at most this (None: nothing read later bounds it).
    pub hi: Option<i64>,
    /// The estimate, within [lo, hi].
    pub est: f64,
    /// Whether the stretch from this instant to the next one is an estimate (a gap between
    /// known points, or an end that is not known), not read data.
    pub estimated_after: bool,
}

impl Event {
    /// Both bounds meet: the readings prove V(at) exactly.
    pub fn known(&self) -> bool {
        self.hi == Some(self.lo)
    }
}

/// A reading that the readings before it contradict (kept as read: it wins from its instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// A `total` below the previous `total` (rule 6).
    Decrease { at: i64, from: i64, to: i64 },
    /// A `total` outside what the daily rows before it prove (rule 1).
    Disagreement {
        at: i64,
        low: i64,
        high: Option<i64>,
        read: i64,
    },
}

/// The result for one video.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    /// Every instant where something is known, in time order.
    pub events: Vec<Event>,
    /// Whether the stretch before the first event is an estimate (false when the first event
    /// is at or before the launch, where the video had no views yet).
    pub estimated_before: bool,
    pub conflicts: Vec<Conflict>,
    /// The first and last reading (day ends for daily rows), in ms.
    pub first_reading: i64,
    pub last_reading: i64,
}

/// Sort by instant and keep the largest value at each. Readings of one series in key order
/// (one per instant, in time order) are left as they are.
fn dedup_max(v: &mut Vec<(i64, i64)>) {
    if v.windows(2).all(|w| w[0].0 < w[1].0) {
        return;
    }
    v.sort_unstable();
    v.reverse();
    v.dedup_by_key(|r| r.0);
    v.reverse();
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Rules 1–3 for one video (`launch` in ms). None without readings.
pub fn bounds(mut r: Readings, launch: Option<i64>) -> Option<Bounds> {
    dedup_max(&mut r.totals);
    dedup_max(&mut r.daily);
    let ends = r.totals.iter().chain(&r.daily).map(|x| x.0);
    let first_reading = ends.clone().min()?;
    let last_reading = ends.max()?;
    let g = Grid::new(&r, launch);
    let (lo, hi, conflicts) = g.propagate();
    Some(Bounds {
        estimated_before: !g.zero[0],
        events: g.estimate(&lo, &hi),
        conflicts,
        first_reading,
        last_reading,
    })
}

/// The instants where something is known about one video, and what is read at each.
struct Grid {
    t: Vec<i64>,
    /// A `total` read at the instant.
    total_at: Vec<Option<i64>>,
    /// A day ends here: (index of its start, its increase).
    day_end_at: Vec<Option<(usize, i64)>>,
    /// A day starts here: (index of its end, its increase).
    day_start_at: Vec<Option<(usize, i64)>>,
    /// At or before the launch, where the video had no views yet.
    zero: Vec<bool>,
}

impl Grid {
    fn new(r: &Readings, launch: Option<i64>) -> Grid {
        // Each day starts where the day before ended when they are consecutive, else a day
        // before its end.
        let days: Vec<(i64, i64, i64)> = r
            .daily
            .iter()
            .enumerate()
            .map(|(k, &(end, d))| {
                let nominal = end - DAY_MS;
                let start = match k.checked_sub(1).map(|j| r.daily[j].0) {
                    Some(prev) if (nominal - prev).abs() <= DAY_SLACK_MS => prev,
                    _ => nominal,
                };
                (start, end, d)
            })
            .collect();
        // V = 0 up to the launch, unless the video has views read from before it.
        let launch = launch.filter(|&l| {
            r.totals.iter().all(|&(at, v)| at >= l || v == 0)
                && r.daily.iter().all(|&(end, d)| end > l || d == 0)
        });
        let mut t: Vec<i64> = r.totals.iter().map(|x| x.0).collect();
        t.extend(days.iter().flat_map(|&(s, e, _)| [s, e]));
        t.extend(launch);
        t.sort_unstable();
        t.dedup();
        let n = t.len();
        let idx = |x: i64| t.binary_search(&x).unwrap_or(0);
        let mut total_at: Vec<Option<i64>> = vec![None; n];
        for &(at, v) in &r.totals {
            total_at[idx(at)] = Some(v);
        }
        let mut day_end_at: Vec<Option<(usize, i64)>> = vec![None; n];
        let mut day_start_at: Vec<Option<(usize, i64)>> = vec![None; n];
        for &(s, e, d) in &days {
            let (si, ei) = (idx(s), idx(e));
            day_end_at[ei] = Some((si, d));
            day_start_at[si] = Some((ei, d));
        }
        let zero: Vec<bool> = t.iter().map(|&x| launch.is_some_and(|l| x <= l)).collect();
        Grid {
            t,
            total_at,
            day_end_at,
            day_start_at,
            zero,
        }
    }

    /// The tightest bounds the constraints prove at every instant, and the readings that
    /// contradict what came before them. Two rounds of a forward and a backward pass reach
    /// what alternating chains of days and totals prove.
    fn propagate(&self) -> (Vec<i64>, Vec<Option<i64>>, Vec<Conflict>) {
        let n = self.t.len();
        let mut lo = vec![0i64; n];
        let mut hi: Vec<Option<i64>> = vec![None; n];
        let mut conflicts = Vec::new();
        self.forward(&mut lo, &mut hi, Some(&mut conflicts));
        self.backward(&mut lo, &mut hi);
        self.forward(&mut lo, &mut hi, None);
        self.backward(&mut lo, &mut hi);
        (lo, hi, conflicts)
    }

    /// Forward: monotone lower bounds, day increases added to both bounds; a total wins at its
    /// instant (and is checked against what came before it when `conflicts` is given).
    fn forward(
        &self,
        lo: &mut [i64],
        hi: &mut [Option<i64>],
        mut conflicts: Option<&mut Vec<Conflict>>,
    ) {
        let mut last_total: Option<i64> = None;
        for i in 0..self.t.len() {
            let mut l = (if i > 0 { lo[i - 1] } else { 0 }).max(lo[i]);
            let mut h = hi[i];
            if let Some((s, d)) = self.day_end_at[i] {
                l = l.max(lo[s] + d);
                h = min_opt(h, hi[s].map(|hs| hs + d));
            }
            if self.zero[i] {
                h = Some(0);
            }
            if let Some(v) = self.total_at[i] {
                if let Some(c) = conflicts.as_deref_mut() {
                    if let Some(p) = last_total.filter(|p| v < *p) {
                        c.push(Conflict::Decrease {
                            at: self.t[i],
                            from: p,
                            to: v,
                        });
                    } else if v < l || h.is_some_and(|h| v > h) {
                        c.push(Conflict::Disagreement {
                            at: self.t[i],
                            low: l,
                            high: h,
                            read: v,
                        });
                    }
                }
                last_total = Some(v);
                l = v;
                h = Some(v);
            }
            lo[i] = l;
            hi[i] = h;
        }
    }

    /// Backward: monotone upper bounds, day increases taken off both bounds; totals stand.
    fn backward(&self, lo: &mut [i64], hi: &mut [Option<i64>]) {
        let n = self.t.len();
        for i in (0..n).rev() {
            if self.total_at[i].is_some() {
                continue;
            }
            let mut h = min_opt(hi[i], if i + 1 < n { hi[i + 1] } else { None });
            let mut l = lo[i];
            if let Some((e, d)) = self.day_start_at[i] {
                h = min_opt(h, hi[e].map(|he| he - d));
                l = l.max(lo[e] - d);
            }
            if self.zero[i] {
                h = Some(0);
            }
            lo[i] = l;
            // A decrease read later can put the upper bound below the lower: keep L ≤ U.
            hi[i] = h.map(|h| h.max(l));
        }
    }

    /// Rule 3: the estimate joins known points (linearly across a gap), clamped to the bounds,
    /// flat after the last one; and which stretches are estimates rather than read data.
    fn estimate(&self, lo: &[i64], hi: &[Option<i64>]) -> Vec<Event> {
        let (t, n) = (&self.t, self.t.len());
        let known: Vec<bool> = (0..n).map(|i| hi[i] == Some(lo[i])).collect();
        let mut next_known = vec![None; n];
        let mut nk = None;
        for i in (0..n).rev() {
            if known[i] {
                nk = Some(i);
            }
            next_known[i] = nk;
        }
        let mut prev_known: Option<usize> = None;
        let mut events = Vec::with_capacity(n);
        for i in 0..n {
            let est = if known[i] {
                prev_known = Some(i);
                lo[i] as f64
            } else {
                let raw = match (prev_known, next_known[i]) {
                    (Some(p), Some(q)) => {
                        let f = (t[i] - t[p]) as f64 / (t[q] - t[p]) as f64;
                        lo[p] as f64 + f * (lo[q] - lo[p]) as f64
                    }
                    (Some(p), None) => lo[p] as f64,
                    (None, _) => lo[i] as f64,
                };
                let raw = raw.max(lo[i] as f64);
                hi[i].map_or(raw, |h| raw.min(h as f64))
            };
            let estimated_after = i + 1 < n && {
                let read_day = self.day_start_at[i].is_some_and(|(e, _)| e == i + 1);
                !(known[i] && known[i + 1]) || (t[i + 1] - t[i] > GAP_MS && !read_day)
            };
            events.push(Event {
                at: t[i],
                lo: lo[i],
                hi: hi[i],
                est,
                estimated_after,
            });
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = DAY_MS;
    const H: i64 = HOUR_MS;

    fn ev(b: &Bounds) -> Vec<(i64, i64, Option<i64>)> {
        b.events.iter().map(|e| (e.at, e.lo, e.hi)).collect()
    }

    #[test]
    fn totals_pin_and_bound_between() {
        let b = bounds(
            Readings {
                totals: vec![(10 * D, 100), (20 * D, 300), (10 * D, 90)],
                daily: vec![],
            },
            Some(0),
        )
        .unwrap();
        assert_eq!(
            ev(&b),
            vec![
                (0, 0, Some(0)),
                (10 * D, 100, Some(100)),
                (20 * D, 300, Some(300))
            ]
        );
        assert!(!b.estimated_before);
        // gaps of 10 days are estimated
        assert!(b.events[0].estimated_after && b.events[1].estimated_after);
        assert!(!b.events[2].estimated_after);
        assert_eq!(b.conflicts, vec![]);
    }

    #[test]
    fn anchored_daily_run_pins_each_day_and_a_later_total_moves_nothing_before_it() {
        // launch inside the first day; three days 10, 20, 30; a lifetime total read 5 days
        // later that is 140 above the daily sum
        let launch = 9 * H;
        let b = bounds(
            Readings {
                totals: vec![(8 * D, 200)],
                daily: vec![(D, 10), (2 * D, 20), (3 * D, 30)],
            },
            Some(launch),
        )
        .unwrap();
        assert_eq!(
            ev(&b),
            vec![
                (0, 0, Some(0)),
                (launch, 0, Some(0)),
                (D, 10, Some(10)),
                (2 * D, 30, Some(30)),
                (3 * D, 60, Some(60)),
                (8 * D, 200, Some(200)),
            ]
        );
        assert!(!b.events[2].estimated_after, "a read day");
        assert!(b.events[4].estimated_after, "the five-day gap");
        // the estimate across the gap is linear: 60 + 140 * 2/5 at day 5
        assert_eq!(b.events[4].est, 60.0);
    }

    #[test]
    fn unanchored_run_only_gives_increases_until_a_total_anchors_it() {
        // no launch: a run of three days proves only a lower bound (V ≥ what it adds)
        let r = Readings {
            totals: vec![],
            daily: vec![(D, 10), (2 * D, 20), (3 * D, 30)],
        };
        let b = bounds(r.clone(), None).unwrap();
        assert_eq!(
            ev(&b),
            vec![
                (0, 0, None),
                (D, 10, None),
                (2 * D, 30, None),
                (3 * D, 60, None)
            ]
        );
        assert!(b.estimated_before && b.events.iter().all(|e| e.est == e.lo as f64));
        // a total at the end of the run pins every day back to its start
        let mut r2 = r.clone();
        r2.totals.push((3 * D, 100));
        let b = bounds(r2, None).unwrap();
        assert_eq!(
            ev(&b),
            vec![
                (0, 40, Some(40)),
                (D, 50, Some(50)),
                (2 * D, 70, Some(70)),
                (3 * D, 100, Some(100))
            ]
        );
        // a total inside a day bounds both sides without pinning
        let mut r3 = r;
        r3.totals.push((D + 12 * H, 45));
        let b = bounds(r3, None).unwrap();
        assert_eq!(
            ev(&b),
            vec![
                (0, 15, Some(35)),
                (D, 25, Some(45)),
                (D + 12 * H, 45, Some(45)),
                (2 * D, 45, Some(65)),
                (3 * D, 75, Some(95)),
            ]
        );
    }

    #[test]
    fn decreases_and_disagreements_are_listed_and_the_total_wins() {
        let b = bounds(
            Readings {
                totals: vec![(D, 100), (2 * D, 90), (3 * D, 120)],
                daily: vec![],
            },
            None,
        )
        .unwrap();
        assert_eq!(
            b.conflicts,
            vec![Conflict::Decrease {
                at: 2 * D,
                from: 100,
                to: 90
            }]
        );
        assert_eq!(b.events[1].lo, 90);
        // a daily run anchored at launch that sums to 60, then a total of 50 at its end
        let b = bounds(
            Readings {
                totals: vec![(3 * D, 50)],
                daily: vec![(D, 10), (2 * D, 20), (3 * D, 30)],
            },
            Some(0),
        )
        .unwrap();
        assert_eq!(
            b.conflicts,
            vec![Conflict::Disagreement {
                at: 3 * D,
                low: 60,
                high: Some(60),
                read: 50
            }]
        );
        assert_eq!(b.events.last().unwrap().lo, 50);
        // earlier days keep what the daily rows say
        assert_eq!(b.events[1].lo, 10);
        for e in &b.events {
            assert!(e.hi.is_none_or(|h| h >= e.lo), "{e:?}");
        }
    }

    #[test]
    fn dst_days_are_consecutive() {
        let b = bounds(
            Readings {
                totals: vec![],
                daily: vec![(D, 10), (2 * D - H, 20), (3 * D - H, 30)],
            },
            Some(0),
        )
        .unwrap();
        assert_eq!(b.events.len(), 4);
        assert!(b.events.iter().all(Event::known));
    }
}
