//! What every chart shares: the painter (drawing primitives in canvas pixels), the frame
//! (title, subtitle, key, source line, logo), number and date ticks, and the marks for days on
//! which a platform changed how it counts views.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::text::{fonts, Fonts, Label, TextMode};
use super::{theme, Canvas, Chart};
use crate::model::Platform;
use crate::render::error::RenderError;
use crate::render::locale::Locale;

pub(super) fn de<E: std::fmt::Display>(e: E) -> RenderError {
    RenderError::Draw(e.to_string())
}

/// Drawing primitives on one canvas, in pixels, with sizes given in 1600×900 units.
pub struct Painter<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    mode: TextMode,
    fonts: &'static Fonts,
    pub w: f64,
    pub h: f64,
    /// Scale of text, strokes and spacing.
    pub s: f64,
}

/// Text weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

impl<'a, DB: DrawingBackend> Painter<'a, DB>
where
    DB::ErrorType: 'static,
{
    pub fn new(
        area: &'a DrawingArea<DB, Shift>,
        mode: TextMode,
        canvas: &Canvas,
    ) -> Result<Self, RenderError> {
        Ok(Painter {
            area,
            mode,
            fonts: fonts()?,
            w: canvas.w as f64,
            h: canvas.h as f64,
            s: canvas.s,
        })
    }

    /// A length in 1600×900 units, scaled to this canvas.
    pub fn u(&self, v: f64) -> f64 {
        v * self.s
    }

    pub fn fill(&self, color: RGBColor) -> Result<(), RenderError> {
        self.area.fill(&color).map_err(de)
    }

    /// Width of a text in pixels; `em` in 1600×900 units.
    pub fn text_width(&self, text: &str, em: f64, weight: Weight) -> f64 {
        self.fonts.width(text, em * self.s, weight == Weight::Bold)
    }

    /// One line of text; `em` in 1600×900 units.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &self,
        text: &str,
        (x, y): (f64, f64),
        em: f64,
        weight: Weight,
        color: RGBColor,
        anchor: (HPos, VPos),
    ) -> Result<(), RenderError> {
        self.area
            .draw(&Label {
                text: text.to_string(),
                pos: (x.round() as i32, y.round() as i32),
                em: em * self.s,
                bold: weight == Weight::Bold,
                color: color.to_rgba(),
                anchor,
                mode: self.mode,
            })
            .map_err(de)
    }

    /// A polyline; `width` in 1600×900 units.
    pub fn line(
        &self,
        points: &[(f64, f64)],
        color: RGBAColor,
        width: f64,
    ) -> Result<(), RenderError> {
        let pts: Vec<(i32, i32)> = points
            .iter()
            .map(|&(x, y)| (x.round() as i32, y.round() as i32))
            .collect();
        let stroke = (width * self.s).round().max(1.0) as u32;
        self.area
            .draw(&PathElement::new(pts, color.stroke_width(stroke)))
            .map_err(de)
    }

    /// A dashed straight line.
    pub fn dashed(
        &self,
        from: (f64, f64),
        to: (f64, f64),
        color: RGBAColor,
        width: f64,
        dash: f64,
    ) -> Result<(), RenderError> {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt();
        let dash = self.u(dash).max(2.0);
        let mut t = 0.0;
        while t < len {
            let t1 = (t + dash).min(len);
            self.line(
                &[
                    (from.0 + dx * t / len, from.1 + dy * t / len),
                    (from.0 + dx * t1 / len, from.1 + dy * t1 / len),
                ],
                color,
                width,
            )?;
            t += dash * 1.8;
        }
        Ok(())
    }

    pub fn rect(
        &self,
        (x0, y0): (f64, f64),
        (x1, y1): (f64, f64),
        color: RGBAColor,
    ) -> Result<(), RenderError> {
        self.area
            .draw(&Rectangle::new(
                [
                    (x0.round() as i32, y0.round() as i32),
                    (x1.round() as i32, y1.round() as i32),
                ],
                color.filled(),
            ))
            .map_err(de)
    }

    pub fn polygon(&self, points: &[(f64, f64)], color: RGBAColor) -> Result<(), RenderError> {
        let pts: Vec<(i32, i32)> = points
            .iter()
            .map(|&(x, y)| (x.round() as i32, y.round() as i32))
            .collect();
        self.area
            .draw(&Polygon::new(pts, color.filled()))
            .map_err(de)
    }

    /// A filled dot with a white ring; `r` in 1600×900 units.
    pub fn dot(&self, (x, y): (f64, f64), r: f64, color: RGBColor) -> Result<(), RenderError> {
        let c = (x.round() as i32, y.round() as i32);
        let r = self.u(r).round().max(2.0) as i32;
        self.area
            .draw(&Circle::new(
                c,
                r + (r / 3).max(1),
                theme::BACKGROUND.filled(),
            ))
            .map_err(de)?;
        self.area
            .draw(&Circle::new(c, r, color.filled()))
            .map_err(de)
    }

    /// The "no observations yet" line where a chart's plot would be.
    pub fn no_data(&self, body: &Body, loc: &Locale) -> Result<(), RenderError> {
        self.text(
            loc.strings.no_data,
            (body.left, body.top + self.u(40.0)),
            theme::LABEL,
            Weight::Regular,
            theme::MUTED,
            (HPos::Left, VPos::Top),
        )
    }

    /// A text with a white box behind it (readable over lines and areas); returns its box.
    #[allow(clippy::too_many_arguments)]
    pub fn boxed_text(
        &self,
        text: &str,
        (x, y): (f64, f64),
        em: f64,
        weight: Weight,
        color: RGBColor,
        h: HPos,
    ) -> Result<Rect, RenderError> {
        let w = self.text_width(text, em, weight);
        let x0 = match h {
            HPos::Left => x,
            HPos::Center => x - w / 2.0,
            HPos::Right => x - w,
        };
        let pad = self.u(6.0);
        let r = Rect {
            x0: x0 - pad,
            y0: y - self.u(em) * 0.62,
            x1: x0 + w + pad,
            y1: y + self.u(em) * 0.62,
        };
        self.rect((r.x0, r.y0), (r.x1, r.y1), theme::BACKGROUND.mix(0.9))?;
        self.text(text, (x, y), em, weight, color, (h, VPos::Center))?;
        Ok(r)
    }

    /// Words of `text` broken into lines no wider than `width` (at most `max_lines`; the last
    /// one ends with "…" when the text is longer).
    pub fn wrap(
        &self,
        text: &str,
        em: f64,
        weight: Weight,
        width: f64,
        max_lines: usize,
    ) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in text.split(' ') {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if current.is_empty() || self.text_width(&candidate, em, weight) <= width {
                current = candidate;
            } else {
                lines.push(std::mem::take(&mut current));
                current = word.to_string();
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                last.push('…');
            }
        }
        for line in &mut lines {
            *line = self.ellipsize(line, em, weight, width);
        }
        lines
    }

    /// `text`, shortened with "…" to fit `width`.
    pub fn ellipsize(&self, text: &str, em: f64, weight: Weight, width: f64) -> String {
        if self.text_width(text, em, weight) <= width {
            return text.to_string();
        }
        let chars: Vec<char> = text.chars().collect();
        for n in (1..chars.len()).rev() {
            let t: String = chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
            if self.text_width(&t, em, weight) <= width {
                return t;
            }
        }
        "…".into()
    }
}

/// An axis-aligned box in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// The area left for the plot once the frame is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// A coloured word of the key under the subtitle.
pub struct KeyItem {
    pub text: String,
    pub color: RGBColor,
    /// A note rather than a series: a light swatch and regular, muted text (the key's line
    /// on estimated stretches).
    pub note: bool,
}

impl KeyItem {
    /// A series of the chart in its colour.
    pub fn series(text: &str, color: RGBColor) -> KeyItem {
        KeyItem {
            text: text.to_string(),
            color,
            note: false,
        }
    }

    /// The key's line on estimated stretches (drawn lighter than read data).
    pub fn estimated(text: &str) -> KeyItem {
        KeyItem {
            text: text.to_string(),
            color: theme::MUTED,
            note: true,
        }
    }
}

/// Draw the frame: title and subtitle on top (wrapped to the width), an optional colour key,
/// the source line and the logo text at the bottom. In a bare canvas (charts inside
/// `report.html`, whose page carries the texts) only the key is drawn.
pub fn frame<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    canvas: &Canvas,
    subtitle: &str,
    key: &[KeyItem],
) -> Result<Body, RenderError>
where
    DB::ErrorType: 'static,
{
    p.fill(theme::BACKGROUND)?;
    let pad = p.u(theme::PAD);
    let mut y = p.u(if canvas.frame { 44.0 } else { 16.0 });
    let mut bottom = p.h - p.u(if canvas.frame { 28.0 } else { 12.0 });
    if canvas.frame {
        y = draw_titles(p, chart, subtitle, y)?;
        bottom = draw_footer(p, chart, bottom)?;
    }
    if !key.is_empty() {
        y = draw_key(p, key, y)?;
    }
    Ok(Body {
        left: pad,
        right: p.w - pad,
        top: y + p.u(16.0),
        bottom,
    })
}

/// The title and subtitle from `y` down (each wrapped to two lines at most); where the next
/// line starts.
fn draw_titles<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    subtitle: &str,
    mut y: f64,
) -> Result<f64, RenderError>
where
    DB::ErrorType: 'static,
{
    let pad = p.u(theme::PAD);
    let width = p.w - 2.0 * pad;
    for line in p.wrap(&chart.texts.title, theme::TITLE, Weight::Bold, width, 2) {
        p.text(
            &line,
            (pad, y),
            theme::TITLE,
            Weight::Bold,
            theme::INK,
            (HPos::Left, VPos::Top),
        )?;
        y += p.u(theme::TITLE * 1.22);
    }
    y += p.u(8.0);
    for line in p.wrap(subtitle, theme::SUBTITLE, Weight::Regular, width, 2) {
        p.text(
            &line,
            (pad, y),
            theme::SUBTITLE,
            Weight::Regular,
            theme::MUTED,
            (HPos::Left, VPos::Top),
        )?;
        y += p.u(theme::SUBTITLE * 1.3);
    }
    Ok(y)
}

/// The source line left and the logo text right, on one baseline at `bottom`; where the body
/// above them ends.
fn draw_footer<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    bottom: f64,
) -> Result<f64, RenderError>
where
    DB::ErrorType: 'static,
{
    let pad = p.u(theme::PAD);
    let width = p.w - 2.0 * pad;
    let logo_w = match &chart.texts.logo {
        Some(logo) => {
            p.text(
                logo,
                (p.w - pad, bottom),
                theme::SUBTITLE,
                Weight::Bold,
                theme::MUTED,
                (HPos::Right, VPos::Bottom),
            )?;
            p.text_width(logo, theme::SUBTITLE, Weight::Bold) + p.u(40.0)
        }
        None => 0.0,
    };
    let source = p.ellipsize(
        &chart.texts.source,
        theme::SMALL,
        Weight::Regular,
        width - logo_w,
    );
    p.text(
        &source,
        (pad, bottom),
        theme::SMALL,
        Weight::Regular,
        theme::FAINT,
        (HPos::Left, VPos::Bottom),
    )?;
    Ok(bottom - p.u(theme::SMALL * 1.9))
}

/// The key's items (colour swatch and text) in rows from `y`, wrapping at the right edge;
/// where the body below it starts.
fn draw_key<DB: DrawingBackend>(
    p: &Painter<DB>,
    key: &[KeyItem],
    mut y: f64,
) -> Result<f64, RenderError>
where
    DB::ErrorType: 'static,
{
    let pad = p.u(theme::PAD);
    y += p.u(6.0);
    let mut x = pad;
    let sq = p.u(theme::LABEL * 0.62);
    for item in key {
        let (em, weight) = if item.note {
            (theme::SMALL, Weight::Regular)
        } else {
            (theme::LABEL, Weight::Bold)
        };
        let tw = p.text_width(&item.text, em, weight);
        if x + sq + p.u(10.0) + tw > p.w - pad && x > pad {
            x = pad;
            y += p.u(theme::LABEL * 1.4);
        }
        let mid = y + p.u(theme::LABEL * 0.5);
        let swatch = if item.note {
            item.color.mix(theme::ESTIMATED_ALPHA)
        } else {
            item.color.to_rgba()
        };
        p.rect((x, mid - sq / 2.0), (x + sq, mid + sq / 2.0), swatch)?;
        x += sq + p.u(10.0);
        p.text(
            &item.text,
            (x, mid),
            em,
            weight,
            item.color,
            (HPos::Left, VPos::Center),
        )?;
        x += tw + p.u(32.0);
    }
    Ok(y + p.u(theme::LABEL * 1.4))
}

/// A linear map from data to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Scale {
        Scale { d0, d1, r0, r1 }
    }
    pub fn map(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span == 0.0 {
            return self.r0;
        }
        self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
    }
}

/// Round ticks from 0 up to at most `max`: steps of 1, 2, 2.5 or 5 × 10ⁿ, about five of them.
/// The plot may reach above the last tick (gridlines need not close the top).
pub fn nice_ticks(max: f64) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * 0.999)
        .unwrap_or(10.0 * mag)
        .max(1.0);
    let n = (max / step + 1e-9).floor() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Draw light horizontal gridlines with their numbers on the left; returns nothing, the
/// caller has already reserved `label_w` left of `body.left`.
pub fn y_grid<DB: DrawingBackend>(
    p: &Painter<DB>,
    loc: &Locale,
    ticks: &[f64],
    y: &Scale,
    left: f64,
    right: f64,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    for &t in ticks {
        let py = y.map(t);
        if t > 0.0 {
            p.line(&[(left, py), (right, py)], theme::GRID.to_rgba(), 1.5)?;
        }
        p.text(
            &loc.number(t.round() as i64),
            (left - p.u(14.0), py),
            theme::LABEL,
            Weight::Regular,
            theme::MUTED,
            (HPos::Right, VPos::Center),
        )?;
    }
    Ok(())
}

/// Width needed left of the plot for the y tick labels.
pub fn y_label_width<DB: DrawingBackend>(p: &Painter<DB>, loc: &Locale, ticks: &[f64]) -> f64
where
    DB::ErrorType: 'static,
{
    ticks
        .iter()
        .map(|t| p.text_width(&loc.number(t.round() as i64), theme::LABEL, Weight::Regular))
        .fold(0.0, f64::max)
        + p.u(14.0)
}

/// What the date ticks of a span are: days, weeks or months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickUnit {
    Days(i64),
    Weeks,
    Months(u32),
}

/// Tick dates for a span, from every day to yearly, then thinned by the caller if the labels
/// do not fit.
pub fn date_ticks(first: NaiveDate, last: NaiveDate) -> (TickUnit, Vec<NaiveDate>) {
    let span = (last - first).num_days().max(0);
    let unit = match span {
        0..=10 => TickUnit::Days(1),
        11..=24 => TickUnit::Days(3),
        25..=70 => TickUnit::Weeks,
        71..=400 => TickUnit::Months(1),
        401..=1100 => TickUnit::Months(3),
        _ => TickUnit::Months(12),
    };
    let mut out = Vec::new();
    match unit {
        TickUnit::Days(step) => {
            let mut d = first;
            while d <= last {
                out.push(d);
                d += Duration::days(step);
            }
        }
        TickUnit::Weeks => {
            // Weeks from the first day (a campaign counts its weeks from the launch).
            let mut d = first;
            while d <= last {
                out.push(d);
                d += Duration::days(7);
            }
        }
        TickUnit::Months(step) => {
            let mut d = NaiveDate::from_ymd_opt(first.year(), first.month(), 1).unwrap_or(first);
            while d <= last {
                if d >= first && d.month0().is_multiple_of(step) {
                    out.push(d);
                }
                d = d
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(last + Duration::days(1));
            }
        }
    }
    (unit, out)
}

/// The label of a date tick. On an axis that spans more than one year (`years`) every label
/// carries its year; on one within a year, month ticks name it on the first tick and in January.
pub fn date_tick_label(
    loc: &Locale,
    unit: TickUnit,
    d: NaiveDate,
    first_of_axis: bool,
    years: bool,
) -> String {
    match unit {
        TickUnit::Days(_) | TickUnit::Weeks if years => loc.date(d),
        TickUnit::Days(_) | TickUnit::Weeks => loc.short_date(d),
        TickUnit::Months(12) => d.year().to_string(),
        TickUnit::Months(_) => loc.month(d, years || first_of_axis || d.month() == 1),
    }
}

/// Draw date ticks under the baseline at `y0`: `x_of` places a date (its start), labels are
/// thinned to every 2nd, 3rd … tick until they do not touch.
pub fn x_date_axis<DB: DrawingBackend>(
    p: &Painter<DB>,
    loc: &Locale,
    first: NaiveDate,
    last: NaiveDate,
    y0: f64,
    x_of: impl Fn(NaiveDate) -> Option<f64>,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (unit, ticks) = date_ticks(first, last);
    let placed: Vec<(f64, NaiveDate)> = ticks
        .into_iter()
        .filter_map(|d| x_of(d).map(|x| (x, d)))
        .collect();
    let labels: Vec<(f64, String)> = placed
        .iter()
        .enumerate()
        .map(|(i, (x, d))| {
            let years = first.year() != last.year();
            (*x, date_tick_label(loc, unit, *d, i == 0, years))
        })
        .collect();
    let gap = p.u(24.0);
    let mut every = 1;
    while every < labels.len().max(1) {
        let kept: Vec<&(f64, String)> = labels.iter().step_by(every).collect();
        let fits = kept.windows(2).all(|w| {
            let a = w[0].0 + p.text_width(&w[0].1, theme::LABEL, Weight::Regular) / 2.0;
            let b = w[1].0 - p.text_width(&w[1].1, theme::LABEL, Weight::Regular) / 2.0;
            a + gap <= b
        });
        if fits {
            break;
        }
        every += 1;
    }
    for (i, (x, label)) in labels.iter().enumerate() {
        let major = i % every == 0;
        p.line(
            &[(*x, y0), (*x, y0 + p.u(if major { 10.0 } else { 5.0 }))],
            theme::AXIS.to_rgba(),
            1.5,
        )?;
        if major {
            // A label of the first or last tick stays inside the canvas.
            let half = p.text_width(label, theme::LABEL, Weight::Regular) / 2.0;
            let x = x.max(half + p.u(8.0)).min(p.w - half - p.u(8.0));
            p.text(
                label,
                (x, y0 + p.u(16.0)),
                theme::LABEL,
                Weight::Regular,
                theme::MUTED,
                (HPos::Center, VPos::Top),
            )?;
        }
    }
    Ok(())
}

/// Days on which a platform changed how it counts views (DESIGN.md, platform facts): a chart
/// whose span includes one marks it.
pub const COUNTING_CHANGES: &[(Platform, (i32, u32, u32), Change)] = &[
    (Platform::Youtube, (2025, 3, 31), Change::Shorts),
    (Platform::Youtube, (2026, 8, 27), Change::AllFormats),
];

/// What a counting change covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Shorts,
    AllFormats,
}

/// The counting changes inside `[first, last]` for these platforms, with their labels.
pub fn counting_changes(
    loc: &Locale,
    platforms: &[Platform],
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<(NaiveDate, String)> {
    COUNTING_CHANGES
        .iter()
        .filter(|(p, _, _)| platforms.contains(p))
        .filter_map(|(p, (y, m, d), what)| {
            let date = NaiveDate::from_ymd_opt(*y, *m, *d)?;
            (first < date && date <= last).then(|| {
                let what = match what {
                    Change::Shorts => loc.strings.counting_shorts,
                    Change::AllFormats => loc.strings.counting_all,
                };
                let text = loc
                    .strings
                    .counting_change
                    .replace("{platform}", p.display_name())
                    .replace("{what}", what);
                (date, format!("{text}, {}", loc.date(date)))
            })
        })
        .collect()
}

/// A vertical dotted marker with a small label at the top of the plot, written to the right of
/// the line (to the left when it would leave the canvas). Returns the label's box.
pub fn marker<DB: DrawingBackend>(
    p: &Painter<DB>,
    x: f64,
    top: f64,
    bottom: f64,
    text: &str,
    avoid: &[Rect],
) -> Result<Rect, RenderError>
where
    DB::ErrorType: 'static,
{
    p.dashed((x, top), (x, bottom), theme::MARK.mix(0.8), 1.5, 4.0)?;
    let w = p.text_width(text, theme::SMALL, Weight::Regular);
    let right = x + p.u(8.0) + w + p.u(8.0) < p.w - p.u(theme::PAD) / 2.0;
    let mut y = top + p.u(theme::SMALL * 0.7);
    let mut rect;
    loop {
        let x0 = if right {
            x + p.u(8.0)
        } else {
            x - p.u(8.0) - w
        };
        rect = Rect {
            x0,
            y0: y - p.u(theme::SMALL * 0.62),
            x1: x0 + w,
            y1: y + p.u(theme::SMALL * 0.62),
        };
        if !avoid.iter().any(|a| a.overlaps(&rect)) || y > bottom - p.u(60.0) {
            break;
        }
        y += p.u(theme::SMALL * 1.4);
    }
    p.boxed_text(
        text,
        (if right { rect.x0 } else { rect.x1 }, y),
        theme::SMALL,
        Weight::Regular,
        theme::MARK,
        if right { HPos::Left } else { HPos::Right },
    )
}

/// Days since the Unix epoch as a float (the time axis unit).
pub fn days(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 86_400_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn nice_ticks_are_round() {
        assert_eq!(
            nice_ticks(10_600.0),
            vec![0.0, 2500.0, 5000.0, 7500.0, 10000.0]
        );
        assert_eq!(
            nice_ticks(9876.0),
            vec![0.0, 2000.0, 4000.0, 6000.0, 8000.0]
        );
        assert_eq!(nice_ticks(3.0), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_ticks(1_375_000.0), vec![0.0, 500_000.0, 1_000_000.0]);
        assert_eq!(nice_ticks(0.0), vec![0.0, 1.0]);
    }

    #[test]
    fn date_ticks_follow_the_span() {
        let (u, t) = date_ticks(d(2020, 7, 24), d(2020, 7, 30));
        assert_eq!((u, t.len()), (TickUnit::Days(1), 7));
        let (u, t) = date_ticks(d(2020, 7, 24), d(2020, 9, 30));
        assert_eq!(u, TickUnit::Weeks);
        assert_eq!(t[..2], [d(2020, 7, 24), d(2020, 7, 31)]);
        let (u, t) = date_ticks(d(2020, 7, 24), d(2021, 6, 30));
        assert_eq!(u, TickUnit::Months(1));
        assert_eq!(t[0], d(2020, 8, 1));
        let (u, _) = date_ticks(d(2020, 7, 24), d(2024, 6, 30));
        assert_eq!(u, TickUnit::Months(12));
        let cs = Locale::new(Language::Cs);
        assert_eq!(
            date_tick_label(&cs, TickUnit::Months(1), d(2021, 1, 1), false, false),
            "leden 2021"
        );
        assert_eq!(
            date_tick_label(&cs, TickUnit::Months(1), d(2021, 2, 1), false, false),
            "únor"
        );
        // An axis over a year's end: every label has its year.
        assert_eq!(
            date_tick_label(&cs, TickUnit::Months(1), d(2021, 2, 1), false, true),
            "únor 2021"
        );
        let en = Locale::new(Language::En);
        assert_eq!(
            date_tick_label(&en, TickUnit::Weeks, d(2020, 12, 28), false, true),
            "28\u{a0}Dec\u{a0}2020"
        );
        assert_eq!(
            date_tick_label(&en, TickUnit::Days(1), d(2021, 1, 4), false, false),
            "4\u{a0}Jan"
        );
    }

    #[test]
    fn counting_changes_in_span_only() {
        let en = Locale::new(Language::En);
        let all = counting_changes(&en, &[Platform::Youtube], d(2025, 1, 1), d(2026, 12, 31));
        assert_eq!(all.len(), 2);
        assert!(
            all[0]
                .1
                .starts_with("YouTube changed view counting (Shorts)"),
            "{all:?}"
        );
        assert!(
            counting_changes(&en, &[Platform::Facebook], d(2025, 1, 1), d(2026, 12, 31)).is_empty()
        );
        assert!(
            counting_changes(&en, &[Platform::Youtube], d(2020, 7, 24), d(2020, 9, 30)).is_empty()
        );
    }
}
