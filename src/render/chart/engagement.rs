//! `engagement`: interactions per platform (issue 16), one horizontal bar per platform stacked by
//! type — likes or reactions in the platform colour, comments and shares in lighter tints of it —
//! with the total and the engagement rate at the bar's end. Written only where interactions
//! were read.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, Painter, Scale, Weight};
use super::{theme, Canvas, Chart};
use crate::model::{local_date, Metric, Platform};
use crate::render::error::RenderError;
use crate::timeline::Timeline;

/// Tints of a segment over white: likes, comments, shares.
const TINTS: [f64; 3] = [1.0, 0.62, 0.36];

/// Whether any interactions were read (else the chart is not written).
pub(super) fn applies(tl: &Timeline) -> bool {
    tl.engagement
        .platforms
        .iter()
        .any(|p| p.interactions.is_some())
}

pub(super) fn bar_count(tl: &Timeline) -> usize {
    tl.engagement
        .platforms
        .iter()
        .filter(|p| p.interactions.is_some())
        .count()
}

pub(super) fn subtitle(chart: &Chart) -> String {
    let (tl, loc) = (chart.tl, chart.loc);
    let date = tl
        .as_of
        .map(|t| loc.date(local_date(t, tl.tz)))
        .unwrap_or_default();
    loc.strings.engagement_subtitle.replace("{date}", &date)
}

fn tint(c: RGBColor, f: f64) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - v as f64) * f).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// One platform's bar: its segments (metric, value) and the texts at its end.
struct Bar {
    platform: Platform,
    segments: Vec<(usize, i64)>,
    total: i64,
    rate: Option<String>,
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
    let s = loc.strings;
    let mut body = axes::frame(p, chart, canvas, &subtitle(chart), &[])?;
    body.top = draw_key(
        p,
        &[s.likes_title, s.comments_title, s.shares_title],
        body.left,
        body.top,
    )?;
    let mut bars: Vec<Bar> = tl
        .engagement
        .platforms
        .iter()
        .filter_map(|e| {
            let total = e.interactions?;
            let segments = [Metric::Likes, Metric::Comments, Metric::Shares]
                .iter()
                .enumerate()
                .filter_map(|(i, m)| e.metrics.get(m).map(|v| (i, v.value)))
                .collect();
            Some(Bar {
                platform: e.platform,
                segments,
                total,
                // The rate, else the date the interactions were read where that is not when
                // the views were (truth first: the bar is as of then, not as of the subtitle).
                rate: match e.rate {
                    Some(r) => Some(format!("{} {}", s.rate_word, loc.percent(r * 100.0))),
                    None => [Metric::Likes, Metric::Comments, Metric::Shares]
                        .iter()
                        .filter_map(|m| e.metrics.get(m))
                        .filter(|v| !v.with_views)
                        .map(|v| v.oldest)
                        .min()
                        .map(|t| {
                            s.as_of_date
                                .replace("{date}", &loc.date(crate::model::day_of(t, tl.tz)))
                        }),
                },
            })
        })
        .collect();
    if bars.is_empty() {
        p.no_data(&body, loc)?;
        return Ok(());
    }
    bars.sort_by_key(|b| (std::cmp::Reverse(b.total), b.platform));

    let label_w = bars
        .iter()
        .map(|b| p.text_width(b.platform.display_name(), theme::LABEL, Weight::Bold))
        .fold(0.0, f64::max);
    let values: Vec<(String, Option<String>)> = bars
        .iter()
        .map(|b| (loc.number(b.total), b.rate.clone()))
        .collect();
    let value_w = super::platforms::values_width(p, &values);
    let x0 = body.left + label_w + p.u(20.0);
    // On a narrow canvas the rate goes under the total, leaving the bars room.
    let stacked = body.right - value_w - x0 < (body.right - body.left) * 0.5;
    let value_w = if stacked {
        values
            .iter()
            .map(|(v, r)| {
                let rw = r
                    .as_ref()
                    .map_or(0.0, |r| p.text_width(r, theme::SMALL, Weight::Regular));
                p.text_width(v, theme::LABEL, Weight::Bold).max(rw)
            })
            .fold(0.0, f64::max)
    } else {
        value_w
    };
    let x_max = (body.right - value_w - p.u(16.0)).max(x0 + p.u(40.0));
    let max = bars.iter().map(|b| b.total).max().unwrap_or(1).max(1) as f64;
    let x = Scale::new(0.0, max, x0, x_max);

    let band = ((body.bottom - body.top) / bars.len() as f64).min(p.u(150.0));
    let thick = (band * 0.62).min(p.u(84.0));
    let block = band * bars.len() as f64;
    let top = body.top + ((body.bottom - body.top) - block).max(0.0) / 2.0;
    let mut cy = top + band / 2.0;
    for (bar, (value, rate)) in bars.iter().zip(&values) {
        let color = chart.palette.platform(bar.platform);
        p.text(
            bar.platform.display_name(),
            (body.left, cy),
            theme::LABEL,
            Weight::Bold,
            chart.palette.platform_text(bar.platform),
            (HPos::Left, VPos::Center),
        )?;
        let mut sum = 0;
        let mut left = x0;
        for &(kind, v) in &bar.segments {
            sum += v;
            let right = x.map(sum as f64).max(left);
            let fill = tint(color, TINTS[kind]);
            p.rect(
                (left, cy - thick / 2.0),
                (right, cy + thick / 2.0),
                fill.to_rgba(),
            )?;
            // The segment's number inside it, where it fits.
            let text = loc.number(v);
            let w = p.text_width(&text, theme::SMALL, Weight::Bold);
            if v > 0 && right - left > w + p.u(16.0) {
                let ink = if kind == 0 {
                    theme::BACKGROUND
                } else {
                    theme::INK
                };
                p.text(
                    &text,
                    ((left + right) / 2.0, cy),
                    theme::SMALL,
                    Weight::Bold,
                    ink,
                    (HPos::Center, VPos::Center),
                )?;
            }
            left = right;
        }
        let vx = left.max(x0 + 1.0) + p.u(12.0);
        let vy = match (stacked, rate) {
            (true, Some(_)) => cy - p.u(theme::SMALL * 0.62),
            _ => cy,
        };
        p.text(
            value,
            (vx, vy),
            theme::LABEL,
            Weight::Bold,
            theme::INK,
            (HPos::Left, VPos::Center),
        )?;
        if let (true, Some(r)) = (stacked, rate) {
            p.text(
                r,
                (vx, cy + p.u(theme::LABEL * 0.62)),
                theme::SMALL,
                Weight::Regular,
                theme::MUTED,
                (HPos::Left, VPos::Center),
            )?;
        } else if let Some(r) = rate {
            let rx = vx + p.text_width(value, theme::LABEL, Weight::Bold) + p.u(12.0);
            p.text(
                r,
                (rx, cy),
                theme::LABEL,
                Weight::Regular,
                theme::MUTED,
                (HPos::Left, VPos::Center),
            )?;
        }
        cy += band;
    }
    p.line(&[(x0, top), (x0, top + block)], theme::AXIS.to_rgba(), 2.0)?;
    Ok(())
}

/// The key of the interaction types: a swatch in each tint of grey, the name in ink (readable
/// whatever the tint); returns where the bars may start.
fn draw_key<DB: DrawingBackend>(
    p: &Painter<DB>,
    names: &[&str],
    left: f64,
    top: f64,
) -> Result<f64, RenderError>
where
    DB::ErrorType: 'static,
{
    let sq = p.u(theme::LABEL * 0.62);
    let mut mid = top + p.u(theme::LABEL * 0.5);
    let mut x = left;
    for (i, name) in names.iter().enumerate() {
        let w = sq + p.u(10.0) + p.text_width(name, theme::LABEL, Weight::Regular);
        if x > left && x + w > p.w - left {
            x = left;
            mid += p.u(theme::LABEL * 1.4);
        }
        let fill = tint(theme::MARK, TINTS[i]);
        p.rect(
            (x, mid - sq / 2.0),
            (x + sq, mid + sq / 2.0),
            fill.to_rgba(),
        )?;
        x += sq + p.u(10.0);
        p.text(
            name,
            (x, mid),
            theme::LABEL,
            Weight::Regular,
            theme::INK,
            (HPos::Left, VPos::Center),
        )?;
        x += p.text_width(name, theme::LABEL, Weight::Regular) + p.u(32.0);
    }
    Ok(mid + p.u(theme::LABEL * 1.3))
}
