//! Rules 2–4 across videos, aggregated with polars: every video's bounds and estimate become
//! changes at instants, and one group-by + cumulative sum turns them into the campaign's curves
//! ΣL (proven lower bound), ΣU (proven upper bound, with a count of videos nothing bounds yet)
//! and ΣE (the estimate), in total and per platform.
//!
//! Each video's estimate is piecewise linear between its own instants, so ΣE is carried as an
//! intercept and a slope (E = a + b·x, x in days relative to the latest reading): sums of lines
//! are lines, and the estimate at any instant is exact, not only at reading times.
//!
//! Floating-point sums depend on the order of their terms: the rows come in the store's key
//! order (`ScanOrder::Key`), so the same readings give the same estimate from every store.

use polars::prelude::*;

use super::bounds::{Bounds, DAY_MS, GAP_MS};

/// Before every instant (the value a video has before its first event).
const BEFORE: i64 = i64::MIN / 2;

/// Changes of the per-video step functions at instants (one row a change).
#[derive(Default)]
pub struct Deltas {
    at: Vec<i64>,
    /// 1 where the instant is one where something was read (or the launch), else 0.
    real: Vec<i64>,
    platform: Vec<i64>,
    lo: Vec<i64>,
    hi: Vec<i64>,
    unbounded: Vec<i64>,
    a: Vec<f64>,
    b: Vec<f64>,
    flag: Vec<i64>,
}

/// The upper bound as (value, unbounded count).
fn split(h: Option<i64>) -> (i64, i64) {
    h.map_or((0, 1), |h| (h, 0))
}

impl Deltas {
    /// Room for the changes of `readings` readings of `series` videos (two rows a reading,
    /// three a video), so the columns are not copied as they grow.
    pub fn with_capacity(readings: usize, series: usize) -> Deltas {
        let n = 2 * readings + 3 * series;
        Deltas {
            at: Vec::with_capacity(n),
            real: Vec::with_capacity(n),
            platform: Vec::with_capacity(n),
            lo: Vec::with_capacity(n),
            hi: Vec::with_capacity(n),
            unbounded: Vec::with_capacity(n),
            a: Vec::with_capacity(n),
            b: Vec::with_capacity(n),
            flag: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Append `other`'s changes after these.
    pub fn append(&mut self, mut other: Deltas) {
        self.at.append(&mut other.at);
        self.real.append(&mut other.real);
        self.platform.append(&mut other.platform);
        self.lo.append(&mut other.lo);
        self.hi.append(&mut other.hi);
        self.unbounded.append(&mut other.unbounded);
        self.a.append(&mut other.a);
        self.b.append(&mut other.b);
        self.flag.append(&mut other.flag);
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        at: i64,
        real: bool,
        platform: usize,
        (lo, hi, unbounded): (i64, i64, i64),
        (a, b): (f64, f64),
        flag: i64,
    ) {
        self.at.push(at);
        self.real.push(i64::from(real));
        self.platform.push(platform as i64);
        self.lo.push(lo);
        self.hi.push(hi);
        self.unbounded.push(unbounded);
        self.a.push(a);
        self.b.push(b);
        self.flag.push(flag);
    }

    /// Add one video's bounds (`origin`: the instant x = 0 of the estimate's lines).
    pub fn push(&mut self, bounds: &Bounds, platform: usize, origin: i64) {
        let ev = &bounds.events;
        let Some(first) = ev.first() else { return };
        let x = |t: i64| (t - origin) as f64 / DAY_MS as f64;
        let (h0, u0) = split(first.hi);
        self.row(
            BEFORE,
            false,
            platform,
            (0, h0, u0),
            (0.0, 0.0),
            i64::from(bounds.estimated_before),
        );
        let (mut lo, mut a, mut b, mut flag) = (0, 0.0, 0.0, i64::from(bounds.estimated_before));
        let (mut h, mut u) = (h0, u0);
        for (i, e) in ev.iter().enumerate() {
            let (na, nb) = match ev.get(i + 1) {
                Some(next) => {
                    let slope = (next.est - e.est) / (x(next.at) - x(e.at));
                    (e.est - slope * x(e.at), slope)
                }
                None => (e.est, 0.0),
            };
            let nflag = i64::from(e.estimated_after);
            self.row(
                e.at,
                true,
                platform,
                (e.lo - lo, 0, 0),
                (na - a, nb - b),
                nflag - flag,
            );
            (lo, a, b, flag) = (e.lo, na, nb, nflag);
            // U on (t_i, t_i+1] is the bound at t_i+1; after the last event nothing bounds it.
            let (nh, nu) = split(ev.get(i + 1).and_then(|n| n.hi));
            self.row(
                e.at + 1,
                false,
                platform,
                (0, nh - h, nu - u),
                (0.0, 0.0),
                0,
            );
            (h, u) = (nh, nu);
        }
        // Long after its last reading, a video's flat line is an estimate too.
        if let Some(last) = ev.last() {
            self.row(last.at + GAP_MS, false, platform, (0, 0, 0), (0.0, 0.0), 1);
        }
    }

    /// An instant that is a point of the timeline even where no video changes (the launch).
    pub fn mark(&mut self, at: i64) {
        self.row(at, true, 0, (0, 0, 0), (0.0, 0.0), 0);
    }

    /// The changes summed per instant, in total and per platform (two polars group-bys of
    /// plain sums), to be added to other runs'.
    ///
    /// Summing a platform's rows apart (group by instant and platform) adds the same terms in
    /// the same order as summing every row with the other platforms' values set to zero, at a
    /// fraction of the cost: no conditional column is built per platform.
    pub fn sums(self) -> PolarsResult<RunSums> {
        let df = DataFrame::new_infer_height(vec![
            ints_column("at", self.at),
            ints_column("real", self.real),
            ints_column("platform", self.platform),
            ints_column("lo", self.lo),
            ints_column("hi", self.hi),
            ints_column("unbounded", self.unbounded),
            floats_column("a", self.a),
            floats_column("b", self.b),
            ints_column("flag", self.flag),
        ])?;
        // Run now: a run's sums (one row an instant) are small, its changes are not, and
        // they are dropped here rather than held until every run is read.
        let total = df
            .clone()
            .lazy()
            .group_by([col("at")])
            .agg(TOTAL_COLUMNS.map(|c| col(c).sum()))
            .collect()?
            .lazy();
        let per_platform = df
            .lazy()
            .group_by([col("platform"), col("at")])
            .agg(PLATFORM_COLUMNS.map(|c| col(c).sum()))
            .collect()?
            .lazy();
        Ok(RunSums {
            total,
            per_platform,
        })
    }
}

/// Columns summed over every video.
const TOTAL_COLUMNS: [&str; 7] = ["real", "lo", "hi", "unbounded", "a", "b", "flag"];

/// Columns summed per platform as well.
const PLATFORM_COLUMNS: [&str; 6] = ["lo", "hi", "unbounded", "a", "b", "flag"];

/// One run's changes summed per instant: over all videos, and per (platform, instant).
pub struct RunSums {
    total: LazyFrame,
    per_platform: LazyFrame,
}

/// The campaign's curves: one row per instant where any of them changes, as cumulative values.
#[derive(Debug, Default)]
pub struct Curve {
    pub at: Vec<i64>,
    pub real: Vec<bool>,
    lo: Vec<i64>,
    hi: Vec<i64>,
    unbounded: Vec<i64>,
    a: Vec<f64>,
    b: Vec<f64>,
    flag: Vec<i64>,
    p_lo: Vec<Vec<i64>>,
    p_hi: Vec<Vec<i64>>,
    p_unbounded: Vec<Vec<i64>>,
    p_a: Vec<Vec<f64>>,
    p_b: Vec<Vec<f64>>,
    p_flag: Vec<Vec<i64>>,
    origin: i64,
}

impl Curve {
    /// Add up the runs' sums and accumulate them over time.
    pub fn accumulate(runs: Vec<RunSums>, platforms: usize, origin: i64) -> PolarsResult<Curve> {
        if runs.is_empty() {
            return Ok(Curve {
                p_lo: vec![Vec::new(); platforms],
                p_hi: vec![Vec::new(); platforms],
                p_unbounded: vec![Vec::new(); platforms],
                p_a: vec![Vec::new(); platforms],
                p_b: vec![Vec::new(); platforms],
                p_flag: vec![Vec::new(); platforms],
                origin,
                ..Curve::default()
            });
        }
        let (totals, per): (Vec<_>, Vec<_>) =
            runs.into_iter().map(|r| (r.total, r.per_platform)).unzip();
        let df = concat(totals, UnionArgs::default())?
            .group_by([col("at")])
            .agg(TOTAL_COLUMNS.map(|c| col(c).sum()))
            .sort(["at"], SortMultipleOptions::default())
            .with_columns(
                TOTAL_COLUMNS[1..]
                    .iter()
                    .map(|c| col(*c).cum_sum(false))
                    .collect::<Vec<_>>(),
            )
            .collect()?;
        let pf = concat(per, UnionArgs::default())?
            .group_by([col("platform"), col("at")])
            .agg(PLATFORM_COLUMNS.map(|c| col(c).sum()))
            .sort(["platform", "at"], SortMultipleOptions::default())
            .with_columns(
                PLATFORM_COLUMNS
                    .iter()
                    .map(|c| col(*c).cum_sum(false).over([col("platform")]))
                    .collect::<PolarsResult<Vec<_>>>()?,
            )
            .collect()?;
        let at = ints(&df, "at")?;
        let per = PerPlatform::spread(&pf, &at, platforms)?;
        Ok(Curve {
            real: ints(&df, "real")?.into_iter().map(|r| r > 0).collect(),
            lo: ints(&df, "lo")?,
            hi: ints(&df, "hi")?,
            unbounded: ints(&df, "unbounded")?,
            a: floats(&df, "a")?,
            b: floats(&df, "b")?,
            flag: ints(&df, "flag")?,
            at,
            p_lo: per.lo,
            p_hi: per.hi,
            p_unbounded: per.unbounded,
            p_a: per.a,
            p_b: per.b,
            p_flag: per.flag,
            origin,
        })
    }

    /// The last row at or before `t`.
    pub fn row(&self, t: i64) -> Option<usize> {
        self.at.partition_point(|&a| a <= t).checked_sub(1)
    }

    fn x(&self, t: i64) -> f64 {
        (t - self.origin) as f64 / DAY_MS as f64
    }

    /// ΣL at `t`: what the readings prove the campaign had at least.
    pub fn lower(&self, t: i64) -> i64 {
        self.row(t).map_or(0, |r| self.lo[r])
    }

    /// ΣU at `t`: what the readings prove it had at most (None: some video is unbounded).
    pub fn upper(&self, t: i64) -> Option<i64> {
        let r = self.row(t)?;
        (self.unbounded[r] == 0).then_some(self.hi[r])
    }

    /// ΣE at `t`.
    pub fn estimate(&self, t: i64) -> f64 {
        self.row(t)
            .map_or(0.0, |r| self.a[r] + self.b[r] * self.x(t))
    }

    /// Platform `k`'s ΣL at `t`.
    pub fn platform_lower(&self, k: usize, t: i64) -> i64 {
        self.row(t).map_or(0, |r| self.p_lo[k][r])
    }

    /// Platform `k`'s ΣU at `t` (None: one of its videos is unbounded).
    pub fn platform_upper(&self, k: usize, t: i64) -> Option<i64> {
        let r = self.row(t)?;
        (self.p_unbounded[k][r] == 0).then_some(self.p_hi[k][r])
    }

    /// Platform `k`'s ΣE at `t`.
    pub fn platform_estimate(&self, k: usize, t: i64) -> f64 {
        self.row(t)
            .map_or(0.0, |r| self.p_a[k][r] + self.p_b[k][r] * self.x(t))
    }

    /// Whether any stretch within [from, to) is an estimate, in total and per platform.
    pub fn estimated(&self, from: i64, to: i64) -> (bool, Vec<bool>) {
        let n = self.p_flag.len();
        let mut total = false;
        let mut per = vec![false; n];
        let start = self.row(from);
        let end = self.at.partition_point(|&a| a < to);
        let rows = start.into_iter().chain(start.map_or(0, |s| s + 1)..end);
        for r in rows {
            total |= self.flag[r] > 0;
            for (k, p) in per.iter_mut().enumerate() {
                *p |= self.p_flag[k][r] > 0;
            }
        }
        (total, per)
    }
}

/// A column that takes over `values` (no copy).
fn ints_column(name: &str, values: Vec<i64>) -> Column {
    Int64Chunked::from_vec(name.into(), values).into_column()
}

/// A column that takes over `values` (no copy).
fn floats_column(name: &str, values: Vec<f64>) -> Column {
    Float64Chunked::from_vec(name.into(), values).into_column()
}

/// An integer column, nulls as 0.
fn ints(df: &DataFrame, name: &str) -> PolarsResult<Vec<i64>> {
    Ok(df
        .column(name)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

/// A float column, nulls as 0.
fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<f64>> {
    Ok(df
        .column(name)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect())
}

/// The per-platform cumulative columns, one value per instant of the campaign's curve.
struct PerPlatform {
    lo: Vec<Vec<i64>>,
    hi: Vec<Vec<i64>>,
    unbounded: Vec<Vec<i64>>,
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    flag: Vec<Vec<i64>>,
}

impl PerPlatform {
    /// Spread `pf` (cumulative sums per platform at that platform's own instants, sorted by
    /// platform and instant) onto the campaign's instants `at`: at an instant where a
    /// platform has no change, its sums are those of its last change before (0 before any).
    fn spread(pf: &DataFrame, at: &[i64], platforms: usize) -> PolarsResult<PerPlatform> {
        let platform = ints(pf, "platform")?;
        let p_at = ints(pf, "at")?;
        let (hi, unbounded) = (ints(pf, "hi")?, ints(pf, "unbounded")?);
        let (lo, a, b, flag) = (
            ints(pf, "lo")?,
            floats(pf, "a")?,
            floats(pf, "b")?,
            ints(pf, "flag")?,
        );
        let mut out = PerPlatform {
            lo: vec![Vec::with_capacity(at.len()); platforms],
            hi: vec![Vec::with_capacity(at.len()); platforms],
            unbounded: vec![Vec::with_capacity(at.len()); platforms],
            a: vec![Vec::with_capacity(at.len()); platforms],
            b: vec![Vec::with_capacity(at.len()); platforms],
            flag: vec![Vec::with_capacity(at.len()); platforms],
        };
        let mut row = 0;
        for k in 0..platforms {
            let mut last: Option<usize> = None;
            for &t in at {
                while row < platform.len() && platform[row] == k as i64 && p_at[row] <= t {
                    last = Some(row);
                    row += 1;
                }
                out.lo[k].push(last.map_or(0, |r| lo[r]));
                out.hi[k].push(last.map_or(0, |r| hi[r]));
                out.unbounded[k].push(last.map_or(0, |r| unbounded[r]));
                out.a[k].push(last.map_or(0.0, |r| a[r]));
                out.b[k].push(last.map_or(0.0, |r| b[r]));
                out.flag[k].push(last.map_or(0, |r| flag[r]));
            }
            // Rows of this platform after the last instant cannot exist (the instants are the
            // union of all rows'); skip any so the next platform starts at its own rows.
            while row < platform.len() && platform[row] == k as i64 {
                row += 1;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::bounds::{bounds, Readings};
    use super::*;

    const D: i64 = DAY_MS;

    #[test]
    fn sums_of_bounds_and_lines_across_videos() {
        // video 0 (platform 0): 0 at launch, 100 at day 10; video 1 (platform 1): 50 at day 5,
        // 50 at day 15 (nothing after).
        let a = bounds(
            Readings {
                totals: vec![(10 * D, 100)],
                daily: vec![],
            },
            Some(0),
        )
        .unwrap();
        let b = bounds(
            Readings {
                totals: vec![(5 * D, 50), (15 * D, 50)],
                daily: vec![],
            },
            Some(0),
        )
        .unwrap();
        let mut d = Deltas::default();
        d.push(&a, 0, 15 * D);
        d.push(&b, 1, 15 * D);
        let curve = Curve::accumulate(vec![d.sums().unwrap()], 2, 15 * D).unwrap();
        // at day 5: L = 0 + 50, U = 100 + 50, E = 50 + 50
        assert_eq!(curve.lower(5 * D), 50);
        assert_eq!(curve.upper(5 * D), Some(150));
        assert!((curve.estimate(5 * D) - 100.0).abs() < 1e-6);
        assert!((curve.platform_estimate(0, 5 * D) - 50.0).abs() < 1e-6);
        // just after day 10: video 0 has nothing later
        assert_eq!(curve.upper(10 * D), Some(150));
        assert_eq!(curve.upper(10 * D + 1), None);
        assert_eq!(curve.lower(20 * D), 150);
        assert!((curve.estimate(20 * D) - 150.0).abs() < 1e-6);
        // the gaps are estimated, the flat tail long after the last reading too
        assert!(curve.estimated(D, 2 * D).0);
        let real: Vec<i64> = curve
            .at
            .iter()
            .zip(&curve.real)
            .filter(|(_, r)| **r)
            .map(|(a, _)| a / D)
            .collect();
        assert_eq!(real, vec![0, 5, 10, 15]);
    }
}
