//! Charts drawn with plotters: PNG through the bitmap backend, SVG with text kept as text.
//!
//! Sizes, palette and fonts live in [`Theme`]; everything is laid out in units of a 1600×900
//! canvas and scaled, so the print size is the same chart, not a bigger empty canvas.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::locale::Locale;
use super::RenderError;
use crate::model::{day_end, local_date, Platform};
use crate::timeline::Timeline;

/// The font family charts ask for: the bundled Inter for PNG, and (in SVG, where text stays
/// text) the same name with fallbacks the viewer has.
pub const FONT_FAMILY: &str = "Inter, 'Helvetica Neue', Arial, sans-serif";
const FONT_REGULAR: &[u8] = include_bytes!("fonts/Inter-Regular.otf");
const FONT_BOLD: &[u8] = include_bytes!("fonts/Inter-SemiBold.otf");

/// Register the bundled fonts once; an error (not a panic) if they cannot be read.
pub fn register_fonts() -> Result<(), RenderError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_REGULAR)
                .map_err(|_| "the bundled Inter-Regular font cannot be read".to_string())?;
            plotters::style::register_font(FONT_FAMILY, FontStyle::Bold, FONT_BOLD)
                .map_err(|_| "the bundled Inter-SemiBold font cannot be read".to_string())
        })
        .clone()
        .map_err(RenderError::Font)
}

/// Chart constants: palette, text colours, sizes (in 1600×900 units).
pub struct Theme;

impl Theme {
    pub const INK: RGBColor = RGBColor(0x1f, 0x1f, 0x1f);
    pub const MUTED: RGBColor = RGBColor(0x5f, 0x63, 0x68);
    pub const FAINT: RGBColor = RGBColor(0x8a, 0x8f, 0x94);
    pub const GRID: RGBColor = RGBColor(0xe3, 0xe5, 0xe8);
    pub const MILESTONE: RGBColor = RGBColor(0x44, 0x44, 0x44);
    pub const BACKGROUND: RGBColor = RGBColor(0xff, 0xff, 0xff);
    pub const TITLE: f64 = 44.0;
    pub const SUBTITLE: f64 = 27.0;
    pub const LABEL: f64 = 22.0;
    pub const SMALL: f64 = 19.0;
    pub const PAD: f64 = 48.0;

    /// A platform's brand colour (YouTube red, Facebook blue, LinkedIn blue-teal).
    pub fn platform(p: Platform) -> RGBColor {
        match p {
            Platform::Youtube => RGBColor(0xe6, 0x21, 0x17),
            Platform::Facebook => RGBColor(0x18, 0x77, 0xf2),
            Platform::Linkedin => RGBColor(0x0b, 0x8a, 0x99),
            Platform::Instagram => RGBColor(0xc1, 0x35, 0x84),
            Platform::Tiktok => RGBColor(0x22, 0x22, 0x22),
            Platform::Vimeo => RGBColor(0x1a, 0xb7, 0xea),
        }
    }
}

/// Texts around a chart.
pub struct Frame<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub source: &'a str,
}

/// Draw the cumulative chart to a PNG file.
pub fn cumulative_png(
    path: &Path,
    size: (u32, u32),
    timeline: &Timeline,
    locale: &Locale,
    frame: &Frame,
) -> Result<(), RenderError> {
    register_fonts()?;
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw_cumulative(&root, size, timeline, locale, frame)?;
    root.present().map_err(|e| RenderError::Draw(e.to_string()))
}

/// Draw the cumulative chart as SVG text.
pub fn cumulative_svg(
    size: (u32, u32),
    timeline: &Timeline,
    locale: &Locale,
    frame: &Frame,
) -> Result<String, RenderError> {
    register_fonts()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw_cumulative(&root, size, timeline, locale, frame)?;
        root.present()
            .map_err(|e| RenderError::Draw(e.to_string()))?;
    }
    Ok(out)
}

fn de<E: std::fmt::Display>(e: E) -> RenderError {
    RenderError::Draw(e.to_string())
}

fn days(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 86_400_000.0
}

fn font(size: f64, s: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size * s, FontStyle::Normal)
}

fn bold(size: f64, s: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size * s, FontStyle::Bold)
}

/// Tick dates for a span: every day, every few days, weekly, monthly or quarterly.
pub fn date_ticks(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let span = (last - first).num_days().max(0);
    let mut out = Vec::new();
    if span <= 70 {
        let step = match span {
            0..=10 => 1,
            11..=20 => 2,
            21..=35 => 5,
            _ => 7,
        };
        let mut d = first;
        while d <= last {
            out.push(d);
            d += Duration::days(step);
        }
    } else {
        let months = match span {
            0..=400 => 1,
            401..=1100 => 3,
            _ => 12,
        };
        let mut d = NaiveDate::from_ymd_opt(first.year(), first.month(), 1).unwrap_or(first);
        while d <= last {
            if d >= first && (d.month0() % months == 0 || months == 1) {
                out.push(d);
            }
            d = d
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(last + Duration::days(1));
        }
    }
    out
}

fn draw_cumulative<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (w, h): (u32, u32),
    tl: &Timeline,
    loc: &Locale,
    frame: &Frame,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let s = (w as f64 / 1600.0).min(h as f64 / 900.0);
    let px = |v: f64| (v * s).round() as i32;
    root.fill(&Theme::BACKGROUND).map_err(de)?;

    // Title, subtitle, source line.
    let pad = px(Theme::PAD);
    root.draw(&Text::new(
        frame.title.to_string(),
        (pad, px(36.0)),
        bold(Theme::TITLE, s).color(&Theme::INK),
    ))
    .map_err(de)?;
    root.draw(&Text::new(
        frame.subtitle.to_string(),
        (pad, px(96.0)),
        font(Theme::SUBTITLE, s).color(&Theme::MUTED),
    ))
    .map_err(de)?;
    root.draw(&Text::new(
        frame.source.to_string(),
        (pad, h as i32 - px(28.0)),
        font(Theme::SMALL, s)
            .color(&Theme::FAINT)
            .pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))
    .map_err(de)?;

    let (_, rest) = root.split_vertically(px(150.0));
    let (plot, _) = rest.split_vertically(h as i32 - px(150.0) - px(70.0));

    let (Some(first), Some(last)) = (tl.points.first(), tl.points.last()) else {
        plot.draw(&Text::new(
            loc.strings.no_data.to_string(),
            (pad, px(200.0)),
            font(Theme::LABEL, s).color(&Theme::MUTED),
        ))
        .map_err(de)?;
        return Ok(());
    };

    let start = tl.launched.map_or(first.at, |l| l.min(first.at));
    let first_day = local_date(start, tl.tz);
    let start_x = days(start.min(day_end(first_day, tl.tz) - Duration::days(1)));
    let end_x = days(last.at).max(start_x + 1.0);
    let span = end_x - start_x;
    let x_range = start_x..end_x + span * 0.01;

    let total = last.total.max(1);
    let mut y_max = total as f64 * 1.12;
    for m in &tl.milestones {
        if m.crossed_at.is_some() {
            y_max = y_max.max(m.threshold as f64 * 1.06);
        }
    }
    if let Some(f) = &tl.forecast {
        if (f.threshold as f64) <= total as f64 * 1.3 {
            y_max = y_max.max(f.threshold as f64 * 1.08);
        }
    }

    let label_width = px(300.0);
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(pad)
        .margin_right(label_width)
        .margin_top(px(10.0))
        .x_label_area_size(px(50.0))
        .y_label_area_size(px(90.0))
        .build_cartesian_2d(x_range.clone(), 0f64..y_max)
        .map_err(de)?;

    let number = |v: &f64| loc.number(v.round() as i64);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&number)
        .y_label_style(font(Theme::LABEL, s).color(&Theme::MUTED))
        .bold_line_style(Theme::GRID.stroke_width(px(1.0).max(1) as u32))
        .light_line_style(TRANSPARENT)
        .axis_style(TRANSPARENT)
        .set_all_tick_mark_size(0)
        .draw()
        .map_err(de)?;

    // The curve starts at 0 at the launch (before any reading every video counts 0).
    let n = tl.platforms.len();
    let mut points: Vec<crate::timeline::Point> = Vec::with_capacity(tl.points.len() + 1);
    if let Some(l) = tl.launched.filter(|l| *l < first.at) {
        points.push(crate::timeline::Point {
            at: l,
            platforms: vec![0; n],
            total: 0,
        });
    }
    points.extend(tl.points.iter().cloned());

    // Stacked areas, top layer first so each lower sum paints over it.
    for k in (0..n).rev() {
        let color = Theme::platform(tl.platforms[k]);
        let series = points
            .iter()
            .map(|p| (days(p.at), p.platforms[..=k].iter().sum::<i64>() as f64));
        chart
            .draw_series(AreaSeries::new(series, 0.0, color.mix(0.88).filled()))
            .map_err(de)?;
    }
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|p| (days(p.at), p.total as f64)),
            Theme::INK.stroke_width(px(2.5).max(1) as u32),
        ))
        .map_err(de)?;

    let base = plot.get_base_pixel();
    let to_px = |x: f64, y: f64| {
        let (bx, by) = chart.backend_coord(&(x, y));
        (bx - base.0, by - base.1)
    };

    // Baseline and date ticks.
    let (x0, y0) = to_px(x_range.start, 0.0);
    let (x1, _) = to_px(x_range.end, 0.0);
    plot.draw(&PathElement::new(
        vec![(x0, y0), (x1, y0)],
        Theme::MUTED.stroke_width(px(1.5).max(1) as u32),
    ))
    .map_err(de)?;
    let last_day = local_date(last.at - Duration::milliseconds(1), tl.tz);
    for d in date_ticks(first_day, last_day) {
        let midnight = day_end(d, tl.tz) - Duration::days(1);
        let x = days(midnight);
        if x < x_range.start || x > x_range.end {
            continue;
        }
        let (tx, ty) = to_px(x, 0.0);
        plot.draw(&PathElement::new(
            vec![(tx, ty), (tx, ty + px(8.0))],
            Theme::MUTED.stroke_width(px(1.5).max(1) as u32),
        ))
        .map_err(de)?;
        plot.draw(&Text::new(
            loc.short_date(d),
            (tx, ty + px(14.0)),
            font(Theme::LABEL, s)
                .color(&Theme::MUTED)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(de)?;
    }

    // Milestone lines, crossing dots and their direct labels.
    for m in &tl.milestones {
        let y = m.threshold as f64;
        if y > y_max {
            continue;
        }
        let (lx0, ly) = to_px(x_range.start, y);
        let (lx1, _) = to_px(x_range.end, y);
        let dash = px(10.0).max(2);
        let mut x = lx0;
        while x < lx1 {
            plot.draw(&PathElement::new(
                vec![(x, ly), ((x + dash).min(lx1), ly)],
                Theme::MILESTONE.stroke_width(px(2.0).max(1) as u32),
            ))
            .map_err(de)?;
            x += dash * 2;
        }
        match m.crossed_at {
            Some(t) => {
                let (cx, cy) = to_px(days(t), y);
                plot.draw(&Circle::new((cx, cy), px(9.0), Theme::BACKGROUND.filled()))
                    .map_err(de)?;
                plot.draw(&Circle::new((cx, cy), px(7.0), Theme::INK.filled()))
                    .map_err(de)?;
                let text = format!(
                    "{} — {}",
                    loc.number(m.threshold),
                    loc.short_date(local_date(t, tl.tz))
                );
                let style = bold(Theme::LABEL, s).color(&Theme::INK);
                let (tw, th) = plot.estimate_text_size(&text, &style).map_err(de)?;
                let (tw, th) = (tw as i32, th as i32);
                // Above the line, left of the dot where the curve leaves white space;
                // right of it when the dot is too close to the axis.
                let left = cx - lx0 > tw + px(40.0);
                let x = if left {
                    cx - px(16.0) - tw
                } else {
                    cx + px(16.0)
                };
                let y = cy - px(14.0) - th;
                label_box(&plot, (x, y), (tw, th), px(6.0))?;
                plot.draw(&Text::new(text, (x, y), style)).map_err(de)?;
            }
            None => {
                let mut text = format!("{} {}", loc.strings.milestone, loc.number(m.threshold));
                if let Some(f) = tl.forecast.as_ref().filter(|f| f.threshold == m.threshold) {
                    if let Some(eta) = f.eta {
                        text.push_str(&format!(
                            " · {} {}",
                            loc.strings.eta.to_lowercase(),
                            loc.short_date(local_date(eta, tl.tz))
                        ));
                    }
                }
                let style = font(Theme::SMALL, s).color(&Theme::MILESTONE);
                let (tw, th) = plot.estimate_text_size(&text, &style).map_err(de)?;
                let (x, y) = (lx0 + px(110.0), ly - px(8.0) - th as i32);
                label_box(&plot, (x, y), (tw as i32, th as i32), px(5.0))?;
                plot.draw(&Text::new(text, (x, y), style)).map_err(de)?;
            }
        }
    }

    // Direct labels at the right edge: the total on top, then each platform at its band.
    let lx = to_px(days(last.at), 0.0).0 + px(16.0);
    let mut labels: Vec<(i32, String, RGBColor, bool)> = Vec::new();
    labels.push((
        to_px(0.0, last.total as f64).1,
        format!("{} {}", loc.strings.total, loc.number(last.total)),
        Theme::INK,
        true,
    ));
    for (k, p) in tl.platforms.iter().enumerate().rev() {
        let v = last.platforms[k];
        let top: i64 = last.platforms[..=k].iter().sum();
        let mid = (top - v / 2) as f64;
        labels.push((
            to_px(0.0, mid).1,
            format!("{} {}", p.display_name(), loc.number(v)),
            Theme::platform(*p),
            false,
        ));
    }
    // Keep labels apart: walk down and push each below the previous one.
    let gap = px(32.0);
    labels.sort_by_key(|l| l.0);
    for i in 1..labels.len() {
        if labels[i].0 < labels[i - 1].0 + gap {
            labels[i].0 = labels[i - 1].0 + gap;
        }
    }
    let floor = y0 - px(6.0);
    if let Some(last_label) = labels.last() {
        let overflow = last_label.0 - floor;
        if overflow > 0 {
            for l in labels.iter_mut() {
                l.0 -= overflow;
            }
        }
    }
    for (y, text, color, is_total) in labels {
        let style = if is_total {
            bold(Theme::LABEL + 2.0, s)
        } else {
            font(Theme::LABEL, s)
        };
        plot.draw(&Text::new(
            text,
            (lx, y),
            style.color(&color).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(de)?;
    }
    Ok(())
}

/// A white box behind a label, so it stays readable over lines and areas.
fn label_box<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    (w, h): (i32, i32),
    pad: i32,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    area.draw(&Rectangle::new(
        [(x - pad, y - pad / 2), (x + w + pad, y + h + pad / 2)],
        Theme::BACKGROUND.mix(0.92).filled(),
    ))
    .map_err(de)
}
