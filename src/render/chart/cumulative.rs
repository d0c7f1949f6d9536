//! `cumulative`: views over time stacked by platform, milestone lines, each crossing marked
//! with a dot and a direct label ("8 000 — 28. 7."), the latest total and each platform
//! labelled at the right edge, counting changes marked.

use chrono::{Duration, NaiveDate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, days, Painter, Rect, Scale, Weight};
use super::{theme, Canvas, Chart};
use crate::model::{day_end, local_date};
use crate::render::RenderError;
use crate::timeline::Point;

pub(super) fn subtitle(chart: &Chart) -> String {
    chart
        .texts
        .subtitle
        .clone()
        .unwrap_or_else(|| chart.loc.strings.cumulative_subtitle.to_string())
}

/// The start of a local day (UTC instant).
fn day_start(d: NaiveDate, tz: chrono_tz::Tz) -> chrono::DateTime<chrono::Utc> {
    match d.pred_opt() {
        Some(prev) => day_end(prev, tz),
        None => day_end(d, tz) - Duration::days(1),
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    canvas: &Canvas,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (tl, loc) = (chart.tl, chart.loc);
    let body = axes::frame(p, chart, canvas, &subtitle(chart), &[])?;
    let (Some(first), Some(last)) = (tl.points.first(), tl.points.last()) else {
        p.no_data(&body, loc)?;
        return Ok(());
    };
    let tz = tl.tz;
    let start = tl.launched.map_or(first.at, |l| l.min(first.at));
    let first_day = local_date(start, tz);
    let last_day = local_date(last.at - Duration::milliseconds(1), tz);
    let x_start = days(day_start(first_day, tz).min(start));
    let x_end = days(last.at).max(x_start + 1.0);

    // y: the data, crossed milestones, and the next one when it is near.
    let total = last.total.max(1) as f64;
    let mut y_need = tl.points.iter().map(|q| q.total).max().unwrap_or(0) as f64;
    for m in &tl.milestones {
        let t = m.threshold as f64;
        if m.crossed_at.is_some() || t <= total * 1.3 {
            y_need = y_need.max(t);
        }
    }
    let y_top = y_need.max(total) * 1.06;
    let ticks = axes::nice_ticks(y_top);

    // The right-edge labels decide how much room the plot leaves.
    let mut labels: Vec<EdgeLabel> = vec![EdgeLabel {
        text: format!("{} {}", loc.strings.total, loc.number(last.total)),
        weight: Weight::Bold,
        color: theme::INK,
        want: last.total as f64,
        y: 0.0,
    }];
    for (k, pl) in tl.platforms.iter().enumerate().rev() {
        let v = last.platforms[k];
        let top: i64 = last.platforms[..=k].iter().sum();
        labels.push(EdgeLabel {
            text: format!("{} {}", pl.display_name(), loc.number(v)),
            weight: Weight::Regular,
            color: chart.palette.platform_text(*pl),
            want: (top - v / 2) as f64,
            y: 0.0,
        });
    }
    let label_w = labels
        .iter()
        .map(|l| p.text_width(&l.text, theme::LABEL, l.weight))
        .fold(0.0, f64::max);
    let left = body.left + axes::y_label_width(p, loc, &ticks);
    let right = body.right - label_w - p.u(20.0);
    let bottom = body.bottom - p.u(theme::LABEL * 1.2 + 26.0);
    let changes = axes::counting_changes(loc, &tl.platforms, first_day, last_day);
    let top = body.top
        + if changes.is_empty() {
            0.0
        } else {
            p.u(theme::SMALL * 1.8)
        };
    let x = Scale::new(x_start, x_end, left, right);
    let y = Scale::new(0.0, y_top, bottom, top);

    axes::y_grid(p, loc, &ticks, &y, left, right)?;

    // The curve starts at 0 at the launch (before any reading every video counts 0).
    let n = tl.platforms.len();
    let mut points: Vec<Point> = Vec::with_capacity(tl.points.len() + 1);
    if let Some(l) = tl.launched.filter(|l| *l < first.at) {
        points.push(Point {
            at: l,
            platforms: vec![0; n],
            total: 0,
        });
    }
    points.extend(
        thin(&tl.points, &x, (right - left).max(1.0) as usize * 2)
            .into_iter()
            .cloned(),
    );

    // Stacked bands, one polygon per platform.
    let mut lower: Vec<(f64, f64)> = points
        .iter()
        .map(|q| (x.map(days(q.at)), y.map(0.0)))
        .collect();
    for (k, pl) in tl.platforms.iter().enumerate() {
        let upper: Vec<(f64, f64)> = points
            .iter()
            .map(|q| {
                (
                    x.map(days(q.at)),
                    y.map(q.platforms[..=k].iter().sum::<i64>() as f64),
                )
            })
            .collect();
        let mut poly = upper.clone();
        poly.extend(lower.iter().rev());
        p.polygon(&poly, chart.palette.platform(*pl).to_rgba())?;
        lower = upper;
    }
    let top_line: Vec<(f64, f64)> = points
        .iter()
        .map(|q| (x.map(days(q.at)), y.map(q.total as f64)))
        .collect();
    p.line(&top_line, theme::INK.to_rgba(), 2.5)?;

    // Baseline and date ticks.
    let y0 = y.map(0.0);
    p.line(&[(left, y0), (right, y0)], theme::AXIS.to_rgba(), 2.0)?;
    axes::x_date_axis(p, loc, first_day, last_day, y0, |d| {
        let v = days(day_start(d, tz));
        (v >= x_start - 1e-9 && v <= x_end).then(|| x.map(v))
    })?;

    // Counting changes, above the plot.
    let mut placed: Vec<Rect> = Vec::new();
    for (date, text) in &changes {
        let px = x.map(days(day_start(*date, tz)));
        placed.push(axes::marker(p, px, body.top, bottom, text, &placed)?);
    }

    // Milestone lines, crossing dots and their direct labels.
    for m in &tl.milestones {
        let t = m.threshold as f64;
        if t > y_top {
            continue;
        }
        let ly = y.map(t);
        p.dashed((left, ly), (right, ly), theme::MARK.to_rgba(), 2.0, 9.0)?;
        match m.crossed_at {
            Some(at) => {
                let c = (x.map(days(at)), ly);
                p.dot(c, 8.0, theme::INK)?;
                let text = format!(
                    "{} — {}",
                    loc.number(m.threshold),
                    loc.short_date(local_date(at, tz))
                );
                let w = p.text_width(&text, theme::LABEL, Weight::Bold);
                let half = p.u(theme::LABEL) * 0.62 + p.u(2.0);
                let gap = p.u(18.0);
                // Left of the dot above the line (the curve is still below the milestone
                // there), else right of it below the line.
                let candidates = [
                    (c.0 - gap, ly - half - p.u(8.0), HPos::Right),
                    (c.0 + gap, ly + half + p.u(8.0), HPos::Left),
                    (c.0 + gap, ly - half - p.u(8.0), HPos::Left),
                ];
                let fits = |&(lx, cy, h): &(f64, f64, HPos)| {
                    let x0 = if matches!(h, HPos::Right) { lx - w } else { lx };
                    let r = Rect {
                        x0: x0 - p.u(6.0),
                        y0: cy - half,
                        x1: x0 + w + p.u(6.0),
                        y1: cy + half,
                    };
                    r.x0 >= left
                        && r.x1 <= right + label_w
                        && r.y0 >= top - p.u(4.0)
                        && !placed.iter().any(|o| o.overlaps(&r))
                };
                let (lx, cy, h) = candidates
                    .iter()
                    .copied()
                    .find(|c| fits(c))
                    .unwrap_or(candidates[0]);
                placed.push(p.boxed_text(
                    &text,
                    (lx, cy),
                    theme::LABEL,
                    Weight::Bold,
                    theme::INK,
                    h,
                )?);
            }
            None => {
                let mut text = format!("{} {}", loc.strings.milestone, loc.number(m.threshold));
                if let Some(eta) = tl
                    .forecast
                    .as_ref()
                    .filter(|f| f.threshold == m.threshold)
                    .and_then(|f| f.eta)
                {
                    text.push_str(&format!(
                        " · {} {}",
                        loc.strings.eta.to_lowercase(),
                        loc.date(local_date(eta, tz))
                    ));
                }
                let half = p.u(theme::SMALL) * 0.62 + p.u(2.0);
                let lx = left + p.u(14.0);
                let w = p.text_width(&text, theme::SMALL, Weight::Regular);
                let mut cy = ly - half - p.u(4.0);
                let r = Rect {
                    x0: lx,
                    y0: cy - half,
                    x1: lx + w,
                    y1: cy + half,
                };
                if placed.iter().any(|o| o.overlaps(&r)) || r.y0 < top - p.u(4.0) {
                    cy = ly + half + p.u(4.0);
                }
                placed.push(p.boxed_text(
                    &text,
                    (lx, cy),
                    theme::SMALL,
                    Weight::Regular,
                    theme::MARK,
                    HPos::Left,
                )?);
            }
        }
    }

    // Direct labels at the right edge, kept apart.
    for l in &mut labels {
        l.y = y.map(l.want);
    }
    spread(
        &mut labels,
        p.u(theme::LABEL * 1.25),
        top + p.u(theme::LABEL * 0.5),
        y0 - p.u(theme::LABEL * 0.5),
    );
    let lx = right + p.u(16.0);
    for l in &labels {
        p.text(
            &l.text,
            (lx, l.y),
            theme::LABEL,
            l.weight,
            l.color,
            (HPos::Left, VPos::Center),
        )?;
    }
    Ok(())
}

/// A label at the right edge: where it wants to be (data value) and where it ends up (pixels).
struct EdgeLabel {
    text: String,
    weight: Weight,
    color: RGBColor,
    want: f64,
    y: f64,
}

/// Move labels apart so that neighbours are at least `gap` apart, within `[top, bottom]`,
/// each as close to its wanted place as the others allow.
fn spread(labels: &mut [EdgeLabel], gap: f64, top: f64, bottom: f64) {
    labels.sort_by(|a, b| a.y.total_cmp(&b.y));
    for i in 0..labels.len() {
        let min = if i == 0 { top } else { labels[i - 1].y + gap };
        labels[i].y = labels[i].y.max(min);
    }
    if let Some(last) = labels.last() {
        let overflow = last.y - bottom;
        if overflow > 0.0 {
            for i in (0..labels.len()).rev() {
                let max = if i + 1 == labels.len() {
                    bottom
                } else {
                    labels[i + 1].y - gap
                };
                labels[i].y = labels[i].y.min(max);
            }
        }
    }
}

/// At most about `max` points: the last reading in each pixel column (the curve looks the
/// same; a year of hourly readings stays a small SVG).
fn thin<'a>(points: &'a [Point], x: &Scale, max: usize) -> Vec<&'a Point> {
    if points.len() <= max.max(2) {
        return points.iter().collect();
    }
    let column = |q: &Point| (x.map(days(q.at)) * 2.0).floor() as i64;
    let mut out: Vec<&Point> = Vec::with_capacity(max);
    for (i, q) in points.iter().enumerate() {
        let c = column(q);
        if i == 0 || points.get(i + 1).map(column) != Some(c) {
            out.push(q);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_labels_apart_and_inside() {
        let mk = |y: f64| EdgeLabel {
            text: String::new(),
            weight: Weight::Regular,
            color: theme::INK,
            want: 0.0,
            y,
        };
        let mut l = vec![mk(100.0), mk(105.0), mk(500.0), mk(498.0)];
        spread(&mut l, 30.0, 0.0, 510.0);
        let ys: Vec<f64> = l.iter().map(|l| l.y).collect();
        assert_eq!(ys, vec![100.0, 130.0, 480.0, 510.0]);
        let mut l = vec![mk(0.0), mk(0.0), mk(0.0)];
        spread(&mut l, 30.0, 10.0, 40.0);
        let ys: Vec<f64> = l.iter().map(|l| l.y).collect();
        assert_eq!(ys, vec![-20.0, 10.0, 40.0]);
    }
}
