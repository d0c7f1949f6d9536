//! `report.html`: one self-contained page (inline CSS, inline SVG charts, no scripts, no
//! fonts or images by URL) that reads on a phone and prints on paper.
//!
//! Each chart is inlined twice without its frame texts (the page sets them as headings): a
//! wide 16:9 drawing, and a taller one with larger text that replaces it on narrow screens.

use minijinja::{context, Value};

use super::chart::{self, Canvas, Chart, ChartKind};
use super::context::{render, report_context};
use super::{RenderError, ReportOptions};
use crate::config::Campaign;
use crate::timeline::Timeline;

/// The wide drawing (desktop, print).
const WIDE: (u32, u32, f64) = (1600, 820, 1.0);
/// The narrow drawing (phones): shown at ~360 px wide, so its text is drawn larger.
const NARROW: (u32, u32, f64) = (900, 1000, 1.3);

/// An inline chart: the SVG without its XML namespace URL (not needed inside HTML) and sized by
/// the page instead of by pixels.
pub fn inline_svg(svg: &str, label: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return String::new();
    };
    let svg = &svg[start..];
    let Some(end) = svg.find('>') else {
        return String::new();
    };
    let open = &svg[..end];
    let view_box = open
        .split("viewBox=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("0 0 1600 900");
    let label = label
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    format!(
        "<svg viewBox=\"{view_box}\" role=\"img\" aria-label=\"{label}\" preserveAspectRatio=\"xMidYMid meet\">{}",
        &svg[end + 1..]
    )
}

fn canvas(kind: ChartKind, tl: &Timeline, (w, h, s): (u32, u32, f64)) -> Canvas {
    Canvas {
        w,
        h: kind.fitted_height(tl, w, h, s),
        s,
        frame: false,
    }
}

pub fn report(
    campaign: &Campaign,
    tl: &Timeline,
    chart: &Chart,
    options: &ReportOptions,
    kinds: &[ChartKind],
) -> Result<String, RenderError> {
    report_page(campaign, tl, chart, options, kinds, None)
}

/// The page of [`report`], with the daemon's live block (`live`: what `live.rs` puts in it)
/// when given; without it, exactly report.html.
pub fn report_page(
    campaign: &Campaign,
    tl: &Timeline,
    chart: &Chart,
    options: &ReportOptions,
    kinds: &[ChartKind],
    live: Option<Value>,
) -> Result<String, RenderError> {
    let mut figures: Vec<Value> = Vec::new();
    for kind in kinds {
        let subtitle = kind.subtitle(chart);
        let wide = chart::svg(*kind, chart, &canvas(*kind, tl, WIDE))?;
        let narrow = chart::svg(*kind, chart, &canvas(*kind, tl, NARROW))?;
        figures.push(context! {
            name => kind.name(),
            heading => kind.heading(chart.loc),
            subtitle => subtitle.clone(),
            wide => Value::from_safe_string(inline_svg(&wide, &subtitle)),
            narrow => Value::from_safe_string(inline_svg(&narrow, &subtitle)),
        });
    }
    let ctx = report_context(campaign, tl, chart, options, kinds);
    let css = Value::from_safe_string(include_str!("templates/report.css").to_string());
    render(
        "report.html",
        context! { figures => figures, css => css, live => live, ..ctx },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_svg_drops_size_and_namespace() {
        let svg = "<svg width=\"1600\" height=\"900\" viewBox=\"0 0 1600 900\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>";
        assert_eq!(
            inline_svg(svg, "a \"b\""),
            "<svg viewBox=\"0 0 1600 900\" role=\"img\" aria-label=\"a &quot;b&quot;\" preserveAspectRatio=\"xMidYMid meet\">\n<rect/></svg>"
        );
    }
}
