//! `platforms`: each platform's views as a horizontal bar, largest first, with the value and
//! its share of the total written at the bar's end. Also the bar layout `videos` uses.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, Body, Painter, Scale, Weight};
use super::{theme, Canvas, Chart};
use crate::model::local_date;
use crate::render::error::RenderError;

pub(super) fn subtitle(chart: &Chart) -> String {
    let (tl, loc) = (chart.tl, chart.loc);
    let date = tl
        .as_of
        .map(|t| loc.date(local_date(t, tl.tz)))
        .unwrap_or_default();
    loc.strings
        .platforms_subtitle
        .replace("{total}", &loc.number(tl.total()))
        .replace("{date}", &date)
}

pub(super) fn draw<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    canvas: &Canvas,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let tl = chart.tl;
    let body = axes::frame(p, chart, canvas, &subtitle(chart), &[])?;
    let mut rows = tl.platform_totals();
    rows.sort_by_key(|(pl, v)| (std::cmp::Reverse(*v), *pl));
    let total = tl.total();
    let bars: Vec<HBar> = rows
        .into_iter()
        .map(|(pl, v)| HBar {
            label: pl.display_name().to_string(),
            detail: None,
            value: v,
            share: (total > 0).then(|| v as f64 * 100.0 / total as f64),
            color: chart.palette.platform(pl),
            text_color: theme::INK,
        })
        .collect();
    hbars(p, chart, &body, &bars)
}

/// One horizontal bar.
pub(super) struct HBar {
    pub label: String,
    /// A muted second line under the label (e.g. the platform of a video).
    pub detail: Option<String>,
    pub value: i64,
    pub share: Option<f64>,
    pub color: RGBColor,
    pub text_color: RGBColor,
}

/// Horizontal bars from the top of `body`: labels left, bars, value (and share) right.
pub(super) fn hbars<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    body: &Body,
    bars: &[HBar],
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let loc = chart.loc;
    if bars.is_empty() {
        p.no_data(body, loc)?;
        return Ok(());
    }
    let width = body.right - body.left;
    let (labels, label_w) = bar_labels(p, bars, width * 0.38);
    let (values, value_w) = bar_values(p, chart, bars);
    let x0 = body.left + label_w + p.u(20.0);
    let x_max = (body.right - value_w - p.u(16.0)).max(x0 + p.u(40.0));
    let max = bars.iter().map(|b| b.value).max().unwrap_or(1).max(1) as f64;
    let x = Scale::new(0.0, max, x0, x_max);

    let band = ((body.bottom - body.top) / bars.len() as f64).min(p.u(150.0));
    let thick = (band * 0.62).min(p.u(84.0));
    // The block of bars sits in the middle of the space it has.
    let block = band * bars.len() as f64;
    let mut cy = body.top + ((body.bottom - body.top) - block).max(0.0) / 2.0 + band / 2.0;
    for (bar, ((label, detail), (value, share))) in bars.iter().zip(labels.iter().zip(&values)) {
        draw_label(p, body.left, cy, bar, label, detail.as_deref())?;
        let x1 = x.map(bar.value as f64).max(x0 + 1.0);
        p.rect(
            (x0, cy - thick / 2.0),
            (x1, cy + thick / 2.0),
            bar.color.to_rgba(),
        )?;
        draw_value(p, x1 + p.u(12.0), cy, value, share.as_deref())?;
        cy += band;
    }
    let top = body.top + ((body.bottom - body.top) - block).max(0.0) / 2.0;
    p.line(&[(x0, top), (x0, top + block)], theme::AXIS.to_rgba(), 2.0)?;
    Ok(())
}

/// Each bar's label and detail line, shortened to `label_max`, and the widest one's width.
fn bar_labels<DB: DrawingBackend>(
    p: &Painter<DB>,
    bars: &[HBar],
    label_max: f64,
) -> (Vec<(String, Option<String>)>, f64)
where
    DB::ErrorType: 'static,
{
    let labels: Vec<(String, Option<String>)> = bars
        .iter()
        .map(|b| {
            (
                p.ellipsize(&b.label, theme::LABEL, Weight::Bold, label_max),
                b.detail
                    .as_ref()
                    .map(|d| p.ellipsize(d, theme::SMALL, Weight::Regular, label_max)),
            )
        })
        .collect();
    let label_w = labels
        .iter()
        .map(|(l, d)| {
            let lw = p.text_width(l, theme::LABEL, Weight::Bold);
            let dw = d
                .as_ref()
                .map_or(0.0, |d| p.text_width(d, theme::SMALL, Weight::Regular));
            lw.max(dw)
        })
        .fold(0.0, f64::max);
    (labels, label_w)
}

/// Each bar's value and share texts, and the widest pair's width.
fn bar_values<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    bars: &[HBar],
) -> (Vec<(String, Option<String>)>, f64)
where
    DB::ErrorType: 'static,
{
    let loc = chart.loc;
    let values: Vec<(String, Option<String>)> = bars
        .iter()
        .map(|b| (loc.number(b.value), b.share.map(|s| loc.percent(s))))
        .collect();
    let value_w = values_width(p, &values);
    (values, value_w)
}

/// The widest of bar end labels drawn on one line: the value in bold, then its detail.
pub(super) fn values_width<DB: DrawingBackend>(
    p: &Painter<DB>,
    values: &[(String, Option<String>)],
) -> f64
where
    DB::ErrorType: 'static,
{
    values
        .iter()
        .map(|(v, s)| {
            p.text_width(v, theme::LABEL, Weight::Bold)
                + s.as_ref().map_or(0.0, |s| {
                    p.u(12.0) + p.text_width(s, theme::LABEL, Weight::Regular)
                })
        })
        .fold(0.0, f64::max)
}

/// A bar's label at `x`, centred on `cy`, with its detail line below when there is one.
fn draw_label<DB: DrawingBackend>(
    p: &Painter<DB>,
    x: f64,
    cy: f64,
    bar: &HBar,
    label: &str,
    detail: Option<&str>,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (ly, dy) = match detail {
        Some(_) => (cy - p.u(theme::SMALL * 0.62), cy + p.u(theme::LABEL * 0.62)),
        None => (cy, cy),
    };
    p.text(
        label,
        (x, ly),
        theme::LABEL,
        Weight::Bold,
        bar.text_color,
        (HPos::Left, VPos::Center),
    )?;
    if let Some(d) = detail {
        p.text(
            d,
            (x, dy),
            theme::SMALL,
            Weight::Regular,
            theme::MUTED,
            (HPos::Left, VPos::Center),
        )?;
    }
    Ok(())
}

/// A bar's value from `vx`, centred on `cy`, and its share after it when there is one.
fn draw_value<DB: DrawingBackend>(
    p: &Painter<DB>,
    vx: f64,
    cy: f64,
    value: &str,
    share: Option<&str>,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    p.text(
        value,
        (vx, cy),
        theme::LABEL,
        Weight::Bold,
        theme::INK,
        (HPos::Left, VPos::Center),
    )?;
    if let Some(s) = share {
        let sx = vx + p.text_width(value, theme::LABEL, Weight::Bold) + p.u(12.0);
        p.text(
            s,
            (sx, cy),
            theme::LABEL,
            Weight::Regular,
            theme::MUTED,
            (HPos::Left, VPos::Center),
        )?;
    }
    Ok(())
}
