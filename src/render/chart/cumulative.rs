//! `cumulative`: views over time stacked by platform, milestone lines, each crossing marked
//! with a dot and a direct label ("8 000 — 28. 7."), the latest total and each platform
//! labelled at the right edge, counting changes marked.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, days, KeyItem, Painter, Rect, Scale, Weight};
use super::{theme, Canvas, Chart};
use crate::model::{day_end, local_date};
use crate::render::error::RenderError;
use crate::render::milestone;
use crate::timeline::{CrossingDay, Milestone, Point};

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

/// The plot area inside the frame and its scales, shared by the drawing steps.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    x: Scale,
    y: Scale,
    /// The largest value the y axis shows.
    y_top: f64,
    /// The widest right-edge label (a milestone label may reach into its room).
    label_w: f64,
}

/// One chart's layout in drawing order: frame, scales, bands, axes, markers, milestones, edge
/// labels.
pub(super) fn draw<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    canvas: &Canvas,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (tl, loc) = (chart.tl, chart.loc);
    let body = axes::frame(p, chart, canvas, &subtitle(chart), &estimated_key(chart))?;
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

    let y_top = y_top(chart, last);
    let ticks = axes::nice_ticks(y_top);

    // The right-edge labels decide how much room the plot leaves.
    let mut labels = edge_labels(chart, last);
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
    let plot = Plot {
        left,
        right,
        top,
        x: Scale::new(x_start, x_end, left, right),
        y: Scale::new(0.0, y_top, bottom, top),
        y_top,
        label_w,
    };
    let (x, y) = (&plot.x, &plot.y);

    axes::y_grid(p, loc, &ticks, y, left, right)?;
    // The launch is a point of the timeline (every video counts 0 there).
    let points = thin(&tl.points, x, (right - left).max(1.0) as usize * 2);
    draw_bands(p, chart, &plot, &points)?;
    draw_total(p, &plot, &points)?;

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

    for m in &tl.milestones {
        draw_milestone(p, chart, &plot, m, &mut placed)?;
    }
    draw_edge_labels(p, &plot, &mut labels)
}

/// The key's entry for estimated stretches, when there are any.
fn estimated_key(chart: &Chart) -> Vec<KeyItem> {
    chart
        .tl
        .points
        .iter()
        .any(|q| q.estimated)
        .then(|| KeyItem::estimated(chart.loc.strings.estimated_note_cumulative))
        .into_iter()
        .collect()
}

/// The top of the y axis: the data, crossed milestones, and the next one when it is near.
fn y_top(chart: &Chart, last: &Point) -> f64 {
    let total = last.total.max(1) as f64;
    let mut y_need = chart.tl.points.iter().map(|q| q.total).max().unwrap_or(0) as f64;
    for m in &chart.tl.milestones {
        let t = m.threshold as f64;
        if m.crossed_at.is_some() || t <= total * 1.3 {
            y_need = y_need.max(t);
        }
    }
    y_need.max(total) * 1.06
}

/// The right-edge labels: the latest total, then each platform (top band first).
fn edge_labels(chart: &Chart, last: &Point) -> Vec<EdgeLabel> {
    let (tl, loc) = (chart.tl, chart.loc);
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
    labels
}

/// The platforms' stacked bands; estimated stretches (gaps between readings) lighter.
fn draw_bands<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    plot: &Plot,
    points: &[Point],
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (x, y) = (&plot.x, &plot.y);
    let at = |q: &Point| x.map(days(q.at));
    let mut lower: Vec<f64> = vec![y.map(0.0); points.len()];
    for (k, pl) in chart.tl.platforms.iter().enumerate() {
        let upper: Vec<f64> = points
            .iter()
            .map(|q| y.map(q.platforms[..=k].iter().sum::<i64>() as f64))
            .collect();
        let color = chart.palette.platform(*pl);
        for (from, to, estimated) in runs(points, |q| q.platforms_estimated[k]) {
            let mut poly: Vec<(f64, f64)> =
                (from..=to).map(|j| (at(&points[j]), upper[j])).collect();
            poly.extend((from..=to).rev().map(|j| (at(&points[j]), lower[j])));
            let fill = if estimated {
                color.mix(theme::ESTIMATED_ALPHA)
            } else {
                color.to_rgba()
            };
            p.polygon(&poly, fill)?;
        }
        lower = upper;
    }
    Ok(())
}

/// The total's line, dashed over estimated stretches.
fn draw_total<DB: DrawingBackend>(
    p: &Painter<DB>,
    plot: &Plot,
    points: &[Point],
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (x, y) = (&plot.x, &plot.y);
    let at = |q: &Point| x.map(days(q.at));
    for (from, to, estimated) in runs(points, |q| q.estimated) {
        let line: Vec<(f64, f64)> = (from..=to)
            .map(|j| (at(&points[j]), y.map(points[j].total as f64)))
            .collect();
        if estimated {
            for pair in line.windows(2) {
                p.dashed(pair[0], pair[1], theme::INK.to_rgba(), 2.5, 7.0)?;
            }
        } else {
            p.line(&line, theme::INK.to_rgba(), 2.5)?;
        }
    }
    Ok(())
}

/// A milestone's line, and its crossing dot and direct label or its forecast label.
fn draw_milestone<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    plot: &Plot,
    m: &Milestone,
    placed: &mut Vec<Rect>,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let t = m.threshold as f64;
    if t > plot.y_top {
        return Ok(());
    }
    let ly = plot.y.map(t);
    p.dashed(
        (plot.left, ly),
        (plot.right, ly),
        theme::MARK.to_rgba(),
        2.0,
        9.0,
    )?;
    match m.crossed_at {
        Some(at) => {
            let c = crossing_point(p, chart, plot, m, at, ly)?;
            p.dot(c, 8.0, theme::INK)?;
            crossed_label(p, chart, plot, m, at, c, placed)
        }
        None => open_label(p, chart, plot, m, ly, placed),
    }
}

/// Where a crossing is marked. A crossing dated to a day is marked where the estimate
/// crosses; one known only "by" a day shows its bracket along the milestone line, from the
/// last moment it was proven below to the reading that proves it, marked there.
fn crossing_point<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    plot: &Plot,
    m: &Milestone,
    at: DateTime<Utc>,
    ly: f64,
) -> Result<(f64, f64), RenderError>
where
    DB::ErrorType: 'static,
{
    let (x, left) = (&plot.x, plot.left);
    Ok(match (m.day(chart.tl.tz), m.by) {
        (Some(CrossingDay::By(_)), Some(by)) => {
            let x1 = x.map(days(by.at)).min(plot.right);
            let x0 = m.after.map_or(left, |a| x.map(days(a.at))).clamp(left, x1);
            let tick = p.u(7.0);
            let ink = theme::INK.mix(0.7);
            p.line(&[(x0, ly), (x1, ly)], ink, 5.0)?;
            p.line(&[(x0, ly - tick), (x0, ly + tick)], ink, 2.5)?;
            (x1, ly)
        }
        _ => (x.map(days(at)), ly),
    })
}

/// A crossed milestone's direct label ("8 000 — 28. 7.") next to its dot `c`.
fn crossed_label<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    plot: &Plot,
    m: &Milestone,
    at: DateTime<Utc>,
    c: (f64, f64),
    placed: &mut Vec<Rect>,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (tl, loc, tz) = (chart.tl, chart.loc, chart.tl.tz);
    let ly = c.1;
    let year = milestone::label_year(tl);
    let when = milestone::day_text(m, tz, loc, year)
        .unwrap_or_else(|| loc.date_in(local_date(at, tz), year));
    let text = format!("{} — {when}", loc.number(m.threshold));
    let w = p.text_width(&text, theme::LABEL, Weight::Bold);
    let half = p.u(theme::LABEL) * 0.62 + p.u(2.0);
    let gap = p.u(18.0);
    // Left of the dot above the line (the curve is still below the milestone there), else
    // right of it below the line.
    let candidates = [
        (c.0 - gap, ly - half - p.u(8.0), HPos::Right),
        (c.0 + gap, ly + half + p.u(8.0), HPos::Left),
        (c.0 + gap, ly - half - p.u(8.0), HPos::Left),
        (c.0 - gap, ly + half + p.u(8.0), HPos::Right),
    ];
    let fits = |&(lx, cy, h): &(f64, f64, HPos)| {
        let x0 = if matches!(h, HPos::Right) { lx - w } else { lx };
        let r = Rect {
            x0: x0 - p.u(6.0),
            y0: cy - half,
            x1: x0 + w + p.u(6.0),
            y1: cy + half,
        };
        r.x0 >= plot.left
            && r.x1 <= plot.right + plot.label_w
            && r.y0 >= plot.top - p.u(4.0)
            && !placed.iter().any(|o| o.overlaps(&r))
    };
    let (lx, cy, h) = candidates
        .iter()
        .copied()
        .find(|c| fits(c))
        .unwrap_or(candidates[0]);
    placed.push(p.boxed_text(&text, (lx, cy), theme::LABEL, Weight::Bold, theme::INK, h)?);
    Ok(())
}

/// A milestone not yet crossed: its label at the left, with the forecast's date when there
/// is one.
fn open_label<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    plot: &Plot,
    m: &Milestone,
    ly: f64,
    placed: &mut Vec<Rect>,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (tl, loc) = (chart.tl, chart.loc);
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
            loc.date(local_date(eta, tl.tz))
        ));
    }
    let half = p.u(theme::SMALL) * 0.62 + p.u(2.0);
    let lx = plot.left + p.u(14.0);
    let w = p.text_width(&text, theme::SMALL, Weight::Regular);
    let mut cy = ly - half - p.u(4.0);
    let r = Rect {
        x0: lx,
        y0: cy - half,
        x1: lx + w,
        y1: cy + half,
    };
    if placed.iter().any(|o| o.overlaps(&r)) || r.y0 < plot.top - p.u(4.0) {
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
    Ok(())
}

/// The direct labels at the right edge, kept apart.
fn draw_edge_labels<DB: DrawingBackend>(
    p: &Painter<DB>,
    plot: &Plot,
    labels: &mut [EdgeLabel],
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    for l in labels.iter_mut() {
        l.y = plot.y.map(l.want);
    }
    spread(
        labels,
        p.u(theme::LABEL * 1.25),
        plot.top + p.u(theme::LABEL * 0.5),
        plot.y.map(0.0) - p.u(theme::LABEL * 0.5),
    );
    let lx = plot.right + p.u(16.0);
    for l in labels.iter() {
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

/// Runs of consecutive segments with the same flag: (first point, last point, flag), where
/// segment j (from point j−1 to point j) carries the flag of point j.
fn runs(points: &[Point], flag: impl Fn(&Point) -> bool) -> Vec<(usize, usize, bool)> {
    let mut out: Vec<(usize, usize, bool)> = Vec::new();
    for (j, q) in points.iter().enumerate().skip(1) {
        let f = flag(q);
        match out.last_mut() {
            Some(run) if run.2 == f => run.1 = j,
            _ => out.push((j - 1, j, f)),
        }
    }
    out
}

/// At most about `max` points: the last reading in each pixel column (the curve looks the
/// same; a year of hourly readings stays a small SVG). A kept point's stretch is estimated
/// when any stretch it stands for was.
fn thin(points: &[Point], x: &Scale, max: usize) -> Vec<Point> {
    if points.len() <= max.max(2) {
        return points.to_vec();
    }
    let column = |q: &Point| (x.map(days(q.at)) * 2.0).floor() as i64;
    let mut out: Vec<Point> = Vec::with_capacity(max);
    let mut pending: Option<(bool, Vec<bool>)> = None;
    for (i, q) in points.iter().enumerate() {
        let flags = pending.get_or_insert_with(|| (false, vec![false; q.platforms.len()]));
        flags.0 |= q.estimated;
        for (a, b) in flags.1.iter_mut().zip(&q.platforms_estimated) {
            *a |= *b;
        }
        let c = column(q);
        if i == 0 || points.get(i + 1).map(column) != Some(c) {
            let (estimated, platforms_estimated) = pending.take().unwrap_or_default();
            out.push(Point {
                estimated,
                platforms_estimated,
                ..q.clone()
            });
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
