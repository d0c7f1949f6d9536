//! `daily`: new views per day stacked by platform (per week or month on long spans), negative
//! days (removed views) clipped at 0, the launch day and counting changes marked, the peak
//! labelled.

use chrono::{Datelike, Duration, NaiveDate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, KeyItem, Painter, Rect, Scale, Weight};
use super::{theme, Canvas, Chart};
use crate::model::local_date;
use crate::render::error::RenderError;
use crate::timeline::Timeline;

/// How days are grouped into bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    Week,
    Month,
}

impl Bucket {
    /// Days up to ~6 months, weeks up to 3 years, months beyond.
    pub fn for_span(days: i64) -> Bucket {
        match days {
            0..=200 => Bucket::Day,
            201..=1100 => Bucket::Week,
            _ => Bucket::Month,
        }
    }

    /// The first day of the bar a date falls in.
    fn start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Bucket::Day => d,
            Bucket::Week => d - Duration::days(d.weekday().num_days_from_monday() as i64),
            Bucket::Month => d.with_day(1).unwrap_or(d),
        }
    }

    fn next(self, d: NaiveDate) -> NaiveDate {
        match self {
            Bucket::Day => d + Duration::days(1),
            Bucket::Week => d + Duration::days(7),
            Bucket::Month => d
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(d + Duration::days(31)),
        }
    }
}

/// One bar: its first day, the day after it, new views per platform (each day clipped at 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub values: Vec<i64>,
    /// Per platform: whether any of its days is an estimate (drawn lighter).
    pub estimated: Vec<bool>,
}

impl Bar {
    pub fn total(&self) -> i64 {
        self.values.iter().sum()
    }
}

/// The bars of a timeline.
pub fn bars(tl: &Timeline) -> (Bucket, Vec<Bar>) {
    let (Some(first), Some(last)) = (tl.days.first(), tl.days.last()) else {
        return (Bucket::Day, Vec::new());
    };
    let bucket = Bucket::for_span((last.date - first.date).num_days());
    let mut out: Vec<Bar> = Vec::new();
    for d in &tl.days {
        let start = bucket.start(d.date);
        if out.last().is_none_or(|b| b.start != start) {
            out.push(Bar {
                start,
                end: bucket.next(start),
                values: vec![0; tl.platforms.len()],
                estimated: vec![false; tl.platforms.len()],
            });
        }
        if let Some(bar) = out.last_mut() {
            for (acc, v) in bar.values.iter_mut().zip(&d.new_platforms) {
                *acc += (*v).max(0);
            }
            for (acc, e) in bar.estimated.iter_mut().zip(&d.estimated) {
                *acc |= *e;
            }
        }
    }
    (bucket, out)
}

pub(super) fn subtitle(chart: &Chart) -> String {
    let s = chart.loc.strings;
    let (bucket, _) = bars(chart.tl);
    let pattern = match bucket {
        Bucket::Day => s.daily_subtitle_day,
        Bucket::Week => s.daily_subtitle_week,
        Bucket::Month => s.daily_subtitle_month,
    };
    let period = match (chart.tl.days.first(), chart.tl.days.last()) {
        (Some(a), Some(b)) => chart.loc.period(a.date, b.date),
        _ => String::new(),
    };
    pattern
        .replace("{period}", &period)
        .trim_end_matches(", ")
        .to_string()
}

/// The plot area inside the frame, its scales and what the drawing steps share.
struct Plot {
    first_day: NaiveDate,
    left: f64,
    bottom: f64,
    /// The top of the frame's body (markers start there).
    body_top: f64,
    x: Scale,
    y: Scale,
    /// The highest bar's total.
    peak: i64,
}

impl Plot {
    /// A date's offset on the x scale, in days from the first bar.
    fn off(&self, d: NaiveDate) -> f64 {
        (d - self.first_day).num_days() as f64
    }
}

/// One chart's layout in drawing order: frame, scales, peak label, markers, bars, axes.
pub(super) fn draw<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    canvas: &Canvas,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (tl, loc) = (chart.tl, chart.loc);
    let body = axes::frame(p, chart, canvas, &subtitle(chart), &key(chart))?;
    let (_, bars) = bars(tl);
    let (Some(first), Some(last)) = (bars.first(), bars.last()) else {
        p.no_data(&body, loc)?;
        return Ok(());
    };
    let (first_day, end_day) = (first.start, last.end);
    let last_day = end_day - Duration::days(1);
    let peak = bars
        .iter()
        .max_by_key(|b| (b.total(), std::cmp::Reverse(b.start)))
        .map(|b| b.total())
        .unwrap_or(0);
    let y_top = (peak as f64 * 1.12).max(1.0);
    let ticks = axes::nice_ticks(y_top);

    let launch = tl
        .launched
        .map(|l| local_date(l, tl.tz))
        .filter(|d| *d >= first_day && *d < end_day);
    let changes = axes::counting_changes(loc, &tl.platforms, first_day, last_day);
    let markers = launch.is_some() as usize + changes.len();

    let left = body.left + axes::y_label_width(p, loc, &ticks);
    let right = body.right;
    let bottom = body.bottom - p.u(theme::LABEL * 1.2 + 26.0);
    let top = body.top
        + if markers > 0 {
            p.u(theme::SMALL * 1.8)
        } else {
            0.0
        };
    let x = Scale::new(0.0, (end_day - first_day).num_days() as f64, left, right);
    let y = Scale::new(0.0, y_top, bottom, top);
    axes::y_grid(p, loc, &ticks, &y, left, right)?;
    let plot = Plot {
        first_day,
        left,
        bottom,
        body_top: body.top,
        x,
        y,
        peak,
    };

    // The peak, labelled above its bar (placed first so the markers keep clear of it).
    let mut placed: Vec<Rect> = Vec::new();
    let peak_label = peak_label(p, chart, &plot, &bars, &mut placed);

    // Launch day and counting changes.
    let year = crate::render::milestone::label_year(tl);
    let launch = launch.map(|d| {
        let text = format!("{} {}", loc.strings.launched, loc.date_in(d, year));
        (d, text)
    });
    for (d, text) in launch.iter().chain(&changes) {
        draw_marker(p, &plot, &bars, *d, text, &mut placed)?;
    }

    draw_bars(p, chart, &plot, &bars)?;
    draw_x_axis(p, chart, &plot, &bars, right, end_day)?;
    if let Some((text, cx, ty)) = peak_label {
        p.text(
            &text,
            (cx, ty),
            theme::LABEL,
            Weight::Bold,
            theme::INK,
            (HPos::Center, VPos::Bottom),
        )?;
    }
    Ok(())
}

/// The baseline and the date ticks, up to the day before `end_day`.
fn draw_x_axis<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    plot: &Plot,
    bars: &[Bar],
    right: f64,
    end_day: NaiveDate,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (first_day, last_day) = (plot.first_day, end_day - Duration::days(1));
    let y0 = plot.y.map(0.0);
    p.line(&[(plot.left, y0), (right, y0)], theme::AXIS.to_rgba(), 2.0)?;
    axes::x_date_axis(p, chart.loc, first_day, last_day, y0, |d| {
        // Ticks at the middle of a day's bar; at a week's or month's start otherwise.
        let mid = if bars.len() == chart.tl.days.len() {
            0.5
        } else {
            0.0
        };
        (d >= first_day && d < end_day).then(|| plot.x.map(plot.off(d) + mid))
    })
}

/// The key: each platform, and the estimated days' note when there are any.
fn key(chart: &Chart) -> Vec<KeyItem> {
    let tl = chart.tl;
    tl.platforms
        .iter()
        .map(|pl| KeyItem::series(pl.display_name(), chart.palette.platform_text(*pl)))
        .chain(
            tl.days
                .iter()
                .any(|d| d.any_estimated())
                .then(|| KeyItem::estimated(chart.loc.strings.estimated_note_daily)),
        )
        .collect()
}

/// The peak's label (text and its bottom centre) above its bar, its room added to `placed`;
/// drawn last, over the bars.
fn peak_label<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    plot: &Plot,
    bars: &[Bar],
    placed: &mut Vec<Rect>,
) -> Option<(String, f64, f64)>
where
    DB::ErrorType: 'static,
{
    let (peak, x) = (plot.peak, &plot.x);
    let bar = bars
        .iter()
        .find(|b| b.total() == peak)
        .filter(|_| peak > 0)?;
    let cx = (x.map(plot.off(bar.start)) + x.map(plot.off(bar.end))) / 2.0;
    let text = chart.loc.number(peak);
    let w = p.text_width(&text, theme::LABEL, Weight::Bold);
    let cx = cx.max(plot.left + w / 2.0);
    let ty = plot.y.map(peak as f64) - p.u(8.0);
    placed.push(Rect {
        x0: cx - w / 2.0,
        y0: ty - p.u(theme::LABEL),
        x1: cx + w / 2.0,
        y1: ty,
    });
    Some((text, cx, ty))
}

/// Just above the bar of day `d` (and above the peak's label on the peak's bar).
fn bar_top<DB: DrawingBackend>(p: &Painter<DB>, plot: &Plot, bars: &[Bar], d: NaiveDate) -> f64
where
    DB::ErrorType: 'static,
{
    let v = bars
        .iter()
        .find(|b| b.start <= d && d < b.end)
        .map_or(0, |b| b.total());
    let mut t = plot.y.map(v as f64) - p.u(8.0);
    if v == plot.peak && plot.peak > 0 {
        t -= p.u(theme::LABEL * 1.5);
    }
    t
}

/// A day's marker (launch, counting change): a label on top and a dotted line down to the
/// bar.
fn draw_marker<DB: DrawingBackend>(
    p: &Painter<DB>,
    plot: &Plot,
    bars: &[Bar],
    d: NaiveDate,
    text: &str,
    placed: &mut Vec<Rect>,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let cx = plot.x.map(plot.off(d) + 0.5);
    let (lx, cy, r) = place_marker(p, plot, cx, text, placed);
    // The line stops above the bar, and above any label in its way.
    let end = placed
        .iter()
        .filter(|o| o.x0 <= cx && cx <= o.x1 && o.y0 > r.y1)
        .map(|o| o.y0 - p.u(6.0))
        .fold(bar_top(p, plot, bars, d), f64::min);
    if end > r.y1 + p.u(4.0) {
        p.dashed(
            (cx, r.y1 + p.u(4.0)),
            (cx, end),
            theme::MARK.mix(0.8),
            1.5,
            4.0,
        )?;
    }
    placed.push(p.boxed_text(
        text,
        (lx, cy),
        theme::SMALL,
        Weight::Regular,
        theme::MARK,
        HPos::Left,
    )?);
    Ok(())
}

/// Where a marker's label over `cx` goes (left edge, centre line, room): centred over the
/// day, else starting or ending at it; a row lower only when none of these is free.
fn place_marker<DB: DrawingBackend>(
    p: &Painter<DB>,
    plot: &Plot,
    cx: f64,
    text: &str,
    placed: &[Rect],
) -> (f64, f64, Rect)
where
    DB::ErrorType: 'static,
{
    let w = p.text_width(text, theme::SMALL, Weight::Regular);
    let (min_x, max_x) = (p.u(theme::PAD) / 2.0, p.w - w - p.u(theme::PAD) / 2.0);
    let half = p.u(theme::SMALL) * 0.62;
    let rect = |lx: f64, cy: f64| Rect {
        x0: lx - p.u(6.0),
        y0: cy - half,
        x1: lx + w + p.u(6.0),
        y1: cy + half,
    };
    let mut cy = plot.body_top + p.u(theme::SMALL * 0.7);
    let (lx, r) = loop {
        let free = [cx - w / 2.0, cx - p.u(10.0), cx + p.u(10.0) - w]
            .into_iter()
            .map(|lx| lx.max(min_x).min(max_x))
            .map(|lx| (lx, rect(lx, cy)))
            .find(|(_, r)| !placed.iter().any(|o| o.overlaps(r)));
        match free {
            Some(found) => break found,
            None if cy >= plot.bottom - p.u(80.0) => {
                let lx = (cx - w / 2.0).max(min_x).min(max_x);
                break (lx, rect(lx, cy));
            }
            None => cy += p.u(theme::SMALL * 1.4),
        }
    };
    (lx, cy, r)
}

/// The bars: platforms stacked in the timeline's order, a thin gap between bars when there is
/// room for one.
fn draw_bars<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    plot: &Plot,
    bars: &[Bar],
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (x, y) = (&plot.x, &plot.y);
    for bar in bars {
        let (x0, x1) = (x.map(plot.off(bar.start)), x.map(plot.off(bar.end)));
        let inset = if x1 - x0 > p.u(6.0) {
            ((x1 - x0) * 0.12).max(1.0)
        } else {
            0.0
        };
        let mut base = 0i64;
        for (k, v) in bar.values.iter().enumerate() {
            if *v <= 0 {
                continue;
            }
            let color = chart.palette.platform(chart.tl.platforms[k]);
            let fill = if bar.estimated[k] {
                color.mix(theme::ESTIMATED_ALPHA)
            } else {
                color.to_rgba()
            };
            p.rect(
                (x0 + inset, y.map((base + v) as f64)),
                (x1 - inset, y.map(base as f64)),
                fill,
            )?;
            base += v;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        assert_eq!(Bucket::for_span(69), Bucket::Day);
        assert_eq!(Bucket::for_span(365), Bucket::Week);
        assert_eq!(Bucket::for_span(2000), Bucket::Month);
        let d = NaiveDate::from_ymd_opt(2020, 7, 24).unwrap(); // a Friday
        assert_eq!(
            Bucket::Week.start(d),
            NaiveDate::from_ymd_opt(2020, 7, 20).unwrap()
        );
        assert_eq!(
            Bucket::Month.next(Bucket::Month.start(d)),
            NaiveDate::from_ymd_opt(2020, 8, 1).unwrap()
        );
    }
}
