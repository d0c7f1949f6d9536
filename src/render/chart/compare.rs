//! `compare`: cumulative views of several campaigns against days since each one's launch,
//! overlaid, one colour per campaign, each line labelled directly at its end (no legend box);
//! the milestone lines as in the cumulative chart, each campaign's crossings marked on them
//! (a bracket where the readings only bound the crossing), and the day all campaigns have
//! reached marked with a vertical line.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, KeyItem, Painter, Rect, Scale, Weight};
use super::text::{self, TextMode};
use super::{theme, Canvas, Chart};
use crate::render::error::RenderError;

/// Distinct campaign colours (colour-blind safe order: blue, orange, green, purple, …).
pub const COLORS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x5f, 0xbf),
    RGBColor(0xd9, 0x48, 0x0f),
    RGBColor(0x2b, 0x8a, 0x3e),
    RGBColor(0x86, 0x2e, 0x9c),
    RGBColor(0xc2, 0x25, 0x5c),
    RGBColor(0x0b, 0x72, 0x85),
];

/// One campaign's line.
pub struct Series {
    /// Its direct label's name.
    pub name: String,
    pub color: RGBColor,
    /// (days since the start of the launch day, estimated total, whether the stretch ending
    /// here is an estimate).
    pub points: Vec<(f64, f64, bool)>,
    /// The proven total at the last reading (the label's number).
    pub last_total: i64,
    /// Crossed milestones: (threshold, last instant proven below, first proven at or above,
    /// the estimate), in days since the launch day's start.
    pub crossings: Vec<(i64, Option<f64>, f64, f64)>,
}

/// What the comparison chart shows besides the frame texts of `frame`.
pub struct CompareChart<'a> {
    /// Title, source line and logo (its timeline is not drawn).
    pub frame: Chart<'a>,
    pub subtitle: String,
    pub series: Vec<Series>,
    pub milestones: Vec<i64>,
    /// The last full day every campaign has readings for (the same-age comparison's day).
    pub same_age: Option<i64>,
    /// "day 12" for the same-age line.
    pub same_age_label: String,
    /// The x axis' title.
    pub x_title: String,
    /// Notes shown with the key (estimated stretches, days counted from a first reading).
    pub notes: Vec<String>,
}

/// Draw the chart into a PNG file.
pub fn png(chart: &CompareChart, canvas: &Canvas, path: &Path) -> Result<(), RenderError> {
    text::fonts()?;
    let root = BitMapBackend::new(path, (canvas.w, canvas.h)).into_drawing_area();
    let p = Painter::new(&root, TextMode::Raster, canvas)?;
    draw(&p, chart, canvas)?;
    root.present().map_err(axes::de)
}

/// Draw the chart as SVG text.
pub fn svg(chart: &CompareChart, canvas: &Canvas) -> Result<String, RenderError> {
    text::fonts()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (canvas.w, canvas.h)).into_drawing_area();
        let p = Painter::new(&root, TextMode::Svg, canvas)?;
        draw(&p, chart, canvas)?;
        root.present().map_err(axes::de)?;
    }
    Ok(out)
}

fn draw<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &CompareChart,
    canvas: &Canvas,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let loc = chart.frame.loc;
    let key: Vec<KeyItem> = chart.notes.iter().map(|n| KeyItem::estimated(n)).collect();
    let body = axes::frame(p, &chart.frame, canvas, &chart.subtitle, &key)?;
    if chart.series.iter().all(|s| s.points.is_empty()) {
        return p.no_data(&body, loc);
    }
    let x_max = chart
        .series
        .iter()
        .filter_map(|s| s.points.last().map(|q| q.0))
        .fold(1.0, f64::max);
    let y_max = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|q| q.1))
        .fold(1.0, f64::max);
    let crossed: Vec<i64> = chart
        .series
        .iter()
        .flat_map(|s| s.crossings.iter().map(|c| c.0))
        .collect();
    let mut y_need = y_max;
    for &m in &chart.milestones {
        if crossed.contains(&m) || (m as f64) <= y_max * 1.3 {
            y_need = y_need.max(m as f64);
        }
    }
    let y_top = y_need * 1.06;
    let ticks = axes::nice_ticks(y_top);

    let labels: Vec<String> = chart
        .series
        .iter()
        .map(|s| format!("{} {}", s.name, loc.number(s.last_total)))
        .collect();
    let label_w = labels
        .iter()
        .map(|l| p.text_width(l, theme::LABEL, Weight::Bold))
        .fold(0.0, f64::max);
    let left = body.left + axes::y_label_width(p, loc, &ticks);
    // Room for the labels right of the lines; a label that does not fit there is set left of
    // its line's end (narrow canvases).
    let room = label_w.min((body.right - left) * 0.3);
    let right = (body.right - room - p.u(28.0)).max(left + p.u(100.0));
    let bottom = body.bottom - p.u(theme::LABEL * 1.2 + 26.0) - p.u(theme::SMALL * 1.6);
    let top = body.top + p.u(theme::SMALL * 1.4);
    let x = Scale::new(0.0, x_max, left, right);
    let y = Scale::new(0.0, y_top, bottom, top);

    axes::y_grid(p, loc, &ticks, &y, left, right)?;
    let y0 = y.map(0.0);
    p.line(&[(left, y0), (right, y0)], theme::AXIS.to_rgba(), 2.0)?;
    // Day ticks: whole days, about five of them.
    for t in axes::nice_ticks(x_max) {
        let px = x.map(t);
        p.line(&[(px, y0), (px, y0 + p.u(8.0))], theme::AXIS.to_rgba(), 2.0)?;
        p.text(
            &loc.number(t.round() as i64),
            (px, y0 + p.u(14.0)),
            theme::LABEL,
            Weight::Regular,
            theme::MUTED,
            (HPos::Center, VPos::Top),
        )?;
    }
    let x_title = p.ellipsize(
        &chart.x_title,
        theme::SMALL,
        Weight::Regular,
        body.right - left,
    );
    p.text(
        &x_title,
        (left, body.bottom),
        theme::SMALL,
        Weight::Regular,
        theme::MUTED,
        (HPos::Left, VPos::Bottom),
    )?;

    let mut placed: Vec<Rect> = Vec::new();
    // Milestone lines and their names at the left.
    for &m in &chart.milestones {
        let t = m as f64;
        if t > y_top {
            continue;
        }
        let ly = y.map(t);
        p.dashed((left, ly), (right, ly), theme::MARK.to_rgba(), 2.0, 9.0)?;
        let text = format!("{} {}", loc.strings.milestone, loc.number(m));
        let half = p.u(theme::SMALL) * 0.62 + p.u(2.0);
        placed.push(p.boxed_text(
            &text,
            (left + p.u(14.0), ly - half - p.u(4.0)),
            theme::SMALL,
            Weight::Regular,
            theme::MARK,
            HPos::Left,
        )?);
    }
    // The day every campaign has reached.
    if let Some(n) = chart.same_age.filter(|n| (*n as f64) < x_max) {
        let px = x.map(n as f64);
        p.dashed((px, y0), (px, top), theme::FAINT.to_rgba(), 2.0, 5.0)?;
        p.text(
            &chart.same_age_label,
            (px, top - p.u(4.0)),
            theme::SMALL,
            Weight::Regular,
            theme::MUTED,
            (HPos::Center, VPos::Bottom),
        )?;
    }
    for s in &chart.series {
        draw_line(p, s, &x, &y)?;
    }
    for s in &chart.series {
        for &(m, after, by, est) in &s.crossings {
            let t = m as f64;
            if t > y_top {
                continue;
            }
            let ly = y.map(t);
            let x1 = x.map(by).min(right);
            let x0 = after.map_or(left, |a| x.map(a)).clamp(left, x1);
            if x1 - x0 > p.u(4.0) {
                let tick = p.u(7.0);
                p.line(&[(x0, ly), (x1, ly)], s.color.mix(0.75), 5.0)?;
                p.line(&[(x0, ly - tick), (x0, ly + tick)], s.color.mix(0.75), 2.5)?;
                p.line(&[(x1, ly - tick), (x1, ly + tick)], s.color.mix(0.75), 2.5)?;
            }
            p.dot((x.map(est).clamp(x0, x1), ly), 7.0, s.color)?;
        }
    }
    end_labels(p, chart, &labels, &x, &y, (top, y0))
}

/// A campaign's line: solid over read data, dashed over estimated stretches.
fn draw_line<DB: DrawingBackend>(
    p: &Painter<DB>,
    s: &Series,
    x: &Scale,
    y: &Scale,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let px: Vec<(f64, f64)> = s.points.iter().map(|q| (x.map(q.0), y.map(q.1))).collect();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (j, q) in s.points.iter().enumerate().skip(1) {
        if q.2 {
            if run.len() > 1 {
                p.line(&run, s.color.to_rgba(), 3.5)?;
            }
            run.clear();
            p.dashed(px[j - 1], px[j], s.color.to_rgba(), 3.5, 7.0)?;
        } else {
            if run.is_empty() {
                run.push(px[j - 1]);
            }
            run.push(px[j]);
        }
    }
    if run.len() > 1 {
        p.line(&run, s.color.to_rgba(), 3.5)?;
    }
    if let Some(&end) = px.last() {
        p.dot(end, 6.0, s.color)?;
    }
    Ok(())
}

/// Each line's name and latest total right of its end, moved apart where they would touch.
fn end_labels<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &CompareChart,
    labels: &[String],
    x: &Scale,
    y: &Scale,
    (top, bottom): (f64, f64),
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    // (wanted y, x, label index)
    let mut at: Vec<(f64, f64, usize)> = chart
        .series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.points
                .last()
                .map(|q| (y.map(q.1), x.map(q.0) + p.u(16.0), i))
        })
        .collect();
    at.sort_by(|a, b| a.0.total_cmp(&b.0));
    let gap = p.u(theme::LABEL * 1.3);
    let top = top + p.u(theme::LABEL * 0.5);
    let bottom = bottom - p.u(theme::LABEL * 0.5);
    for i in 0..at.len() {
        let min = if i == 0 { top } else { at[i - 1].0 + gap };
        at[i].0 = at[i].0.max(min);
    }
    for i in (0..at.len()).rev() {
        let max = if i + 1 == at.len() {
            bottom
        } else {
            at[i + 1].0 - gap
        };
        at[i].0 = at[i].0.min(max);
    }
    let edge = p.w - p.u(theme::PAD) * 0.5;
    // Every line as drawn, so that a label (on its opaque box) never hides another line.
    let lines: Vec<Vec<(f64, f64)>> = chart
        .series
        .iter()
        .map(|s| s.points.iter().map(|q| (x.map(q.0), y.map(q.1))).collect())
        .collect();
    let half = p.u(theme::LABEL) * 0.62;
    for (ly, lx, i) in at {
        let s = &chart.series[i];
        let w = p.text_width(&labels[i], theme::LABEL, Weight::Bold);
        let (lx, h) = if lx + w <= edge {
            (lx, HPos::Left)
        } else {
            (lx - p.u(32.0), HPos::Right)
        };
        // Right of the line's end, else above or below it, wherever no other line runs.
        let end_x = lx - p.u(16.0);
        let step = half * 2.0 + p.u(4.0);
        let candidates = [
            (lx, ly, h),
            (end_x, ly - step, HPos::Right),
            (end_x, ly + step, HPos::Right),
            (lx, ly - step, h),
            (lx, ly + step, h),
        ];
        let clear = |&(cx, cy, ch): &(f64, f64, HPos)| {
            let x0 = if matches!(ch, HPos::Right) {
                cx - w
            } else {
                cx
            } - p.u(6.0);
            let rect = (x0, cy - half, x0 + w + p.u(12.0), cy + half);
            lines
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != i)
                .all(|(_, line)| !crosses(line, rect))
        };
        let (lx, ly, h) = candidates
            .iter()
            .copied()
            .find(|c| clear(c))
            .unwrap_or(candidates[0]);
        p.boxed_text(&labels[i], (lx, ly), theme::LABEL, Weight::Bold, s.color, h)?;
    }
    Ok(())
}

/// Whether a polyline passes through the rectangle (x0, y0, x1, y1): its points, and points
/// along each segment every few pixels.
fn crosses(line: &[(f64, f64)], (x0, y0, x1, y1): (f64, f64, f64, f64)) -> bool {
    let inside = |(x, y): (f64, f64)| x >= x0 && x <= x1 && y >= y0 && y <= y1;
    line.windows(2).any(|seg| {
        let ((ax, ay), (bx, by)) = (seg[0], seg[1]);
        let steps = ((bx - ax).abs().max((by - ay).abs()) / 2.0).ceil().max(1.0) as usize;
        (0..=steps).any(|k| {
            let t = k as f64 / steps as f64;
            inside((ax + (bx - ax) * t, ay + (by - ay) * t))
        })
    }) || line.iter().any(|&q| inside(q))
}

#[cfg(test)]
mod tests {
    use super::crosses;

    #[test]
    fn a_line_through_a_label_box_is_seen_even_between_its_points() {
        let line = [(0.0, 100.0), (100.0, 0.0)];
        // the segment passes through (50, 50); neither end is in the box
        assert!(crosses(&line, (40.0, 40.0, 60.0, 60.0)));
        assert!(!crosses(&line, (70.0, 70.0, 90.0, 90.0)));
        assert!(crosses(&[(5.0, 5.0)], (0.0, 0.0, 10.0, 10.0)));
    }
}
