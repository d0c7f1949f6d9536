//! Property tests of timeline rules (v2): random true view curves, random readings of them,
//! and what the timeline claims about the truth (issue "Milestone truth").

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

use super::{build, Timeline, TimelineOptions};
use crate::model::{Kind, Metric, Observation, Platform, Source};

const HOUR: i64 = 3_600_000;
/// Hours the true curves run for (20 days).
const SPAN_H: i64 = 480;
/// The launch: 2020-07-24T00:00:00Z.
const LAUNCH: i64 = 1_595_548_800_000;

/// One video: where it is published (hours after launch), its views per hour after that, and
/// which readings of it are taken.
#[derive(Debug, Clone)]
struct Video {
    platform: Platform,
    published_h: i64,
    per_hour: Vec<i64>,
    /// Hours at which a `total` is read.
    totals: Vec<i64>,
    /// Daily runs: (first day, number of days).
    runs: Vec<(i64, i64)>,
}

impl Video {
    /// The true lifetime count at hour `h` (views come in at the hour marks).
    fn truth(&self, h: i64) -> i64 {
        let n = (h - self.published_h).clamp(0, self.per_hour.len() as i64) as usize;
        self.per_hour[..n].iter().sum()
    }

    fn observations(&self, id: usize, keep: impl Fn(usize) -> bool) -> Vec<Observation> {
        let mut out = Vec::new();
        let mut k = 0;
        let mut obs = |kind: Kind, at_h: i64, value: i64, out: &mut Vec<Observation>| {
            if keep(k) {
                out.push(Observation {
                    campaign: "c".into(),
                    platform: self.platform,
                    video: format!("v{id}"),
                    account: None,
                    metric: Metric::Views,
                    kind,
                    at: at(at_h),
                    value,
                    source: Source::api(),
                    collected_at: at(at_h),
                });
            }
            k += 1;
        };
        for &h in &self.totals {
            obs(Kind::Total, h, self.truth(h), &mut out);
        }
        for &(first, days) in &self.runs {
            for d in first..first + days {
                let (s, e) = (d * 24, (d + 1) * 24);
                obs(Kind::Daily, e, self.truth(e) - self.truth(s), &mut out);
            }
        }
        out
    }
}

fn at(h: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(LAUNCH + h * HOUR).unwrap()
}

fn video() -> impl Strategy<Value = Video> {
    (
        prop::sample::select(vec![
            Platform::Youtube,
            Platform::Facebook,
            Platform::Linkedin,
        ]),
        0i64..60,
        prop::collection::vec(prop_oneof![3 => 0i64..5, 1 => 0i64..400], SPAN_H as usize),
        prop::collection::vec(0i64..SPAN_H + 24, 0..8),
        prop::collection::vec((0i64..18, 1i64..8), 0..3),
    )
        .prop_map(|(platform, published_h, per_hour, totals, runs)| Video {
            platform,
            published_h,
            per_hour,
            totals,
            runs,
        })
}

fn options(milestones: Vec<i64>) -> TimelineOptions {
    TimelineOptions {
        campaign: "c".into(),
        tz: chrono_tz::UTC,
        launched: Some(at(0)),
        milestones,
        velocity_window_days: 7,
        titles: HashMap::new(),
    }
}

fn truth(videos: &[Video], t: DateTime<Utc>) -> i64 {
    let h = (t.timestamp_millis() - LAUNCH).div_euclid(HOUR);
    videos.iter().map(|v| v.truth(h)).sum()
}

/// The true crossing of `m`: the first hour mark where the sum reaches it.
fn true_crossing(videos: &[Video], m: i64) -> Option<DateTime<Utc>> {
    (0..=SPAN_H + 48).map(at).find(|&t| truth(videos, t) >= m)
}

/// Check what a timeline says against the truth of the videos it has readings of (a video
/// never read is not part of what the readings prove).
fn check_truth(tl: &Timeline, all: &[Video]) -> Result<(), TestCaseError> {
    let seen: Vec<String> = tl.videos.iter().map(|v| v.video.clone()).collect();
    let videos: Vec<Video> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| seen.contains(&format!("v{i}")))
        .map(|(_, v)| v.clone())
        .collect();
    let videos = &videos[..];
    // (d) L ≤ true ≤ U everywhere the timeline speaks
    for p in &tl.points {
        let v = truth(videos, p.at);
        prop_assert!(p.low <= v, "low {} > true {v} at {}", p.low, p.at);
        prop_assert!(
            p.high.is_none_or(|h| v <= h),
            "high {:?} < true {v} at {}",
            p.high,
            p.at
        );
        prop_assert!(p.low as f64 <= p.total as f64 + 1.0);
    }
    for d in &tl.days {
        let v = truth(videos, d.end);
        prop_assert!(
            d.low <= v && d.high.is_none_or(|h| v <= h),
            "{d:?} true {v}"
        );
    }
    for m in &tl.milestones {
        let Some(by) = m.by else { continue };
        // (a) the true crossing lies in (after, by]
        let t = true_crossing(videos, m.threshold);
        prop_assert!(t.is_some_and(|t| t <= by.at), "{m:?} true {t:?}");
        if let (Some(a), Some(t)) = (m.after, t) {
            prop_assert!(a.at < t, "{m:?} true {t}");
            prop_assert!(a.total < m.threshold);
        }
        prop_assert!(by.total >= m.threshold);
        // (b) the estimate lies in the bracket
        let c = m.crossed_at.expect("crossed");
        prop_assert!(c <= by.at && m.after.is_none_or(|a| c > a.at), "{m:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn brackets_hold_the_truth_and_narrow_with_more_readings(
        videos in prop::collection::vec(video(), 1..4),
        milestones in prop::collection::vec(1i64..40_000, 1..4),
        keep_mask in prop::collection::vec(any::<bool>(), 64),
    ) {
        let mut milestones = milestones;
        milestones.sort_unstable();
        milestones.dedup();
        let opts = options(milestones);
        let all: Vec<Observation> = videos
            .iter()
            .enumerate()
            .flat_map(|(i, v)| v.observations(i, |_| true))
            .collect();
        let some: Vec<Observation> = videos
            .iter()
            .enumerate()
            .flat_map(|(i, v)| v.observations(i, |k| keep_mask[(k + 7 * i) % keep_mask.len()]))
            .collect();
        let full = build(&all, &opts).unwrap();
        let part = build(&some, &opts).unwrap();
        check_truth(&full, &videos)?;
        check_truth(&part, &videos)?;
        // (c) more readings of the same curves only narrow every bracket (of the same videos:
        // a video without readings is not part of what they prove)
        let same_videos = part.videos.len() == full.videos.len();
        for (f, p) in full.milestones.iter().zip(&part.milestones).filter(|_| same_videos) {
            if let Some(pb) = p.by {
                let fb = f.by.expect("proven with fewer readings, so with more");
                prop_assert!(fb.at <= pb.at, "by moved later: {f:?} vs {p:?}");
            }
            if let (Some(pa), Some(_)) = (p.after, p.by) {
                let fa = f.after.expect("bounded with fewer readings, so with more");
                prop_assert!(fa.at >= pa.at, "after moved earlier: {f:?} vs {p:?}");
            }
        }
        // (e) a timeline until T (the readings up to T) holds the truth, and the readings after
        // T only narrow what it says (`status --until` itself is tested end to end)
        if let Some(mid) = full.points.get(full.points.len() / 2).map(|p| p.at) {
            let until: Vec<Observation> = all.iter().filter(|o| o.at <= mid).cloned().collect();
            let cut = build(&until, &opts).unwrap();
            check_truth(&cut, &videos)?;
            for (f, c) in full.milestones.iter().zip(&cut.milestones) {
                if let Some(cb) = c.by {
                    prop_assert!(f.by.is_some_and(|fb| fb.at <= cb.at), "{f:?} vs {c:?}");
                }
            }
        }
    }
}
