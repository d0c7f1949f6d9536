//! The daemon's live page (issue 16, point 5): report.html built from the current timeline on
//! request, with a status line (the latest reading, when the page was built, that it reloads
//! itself) and links to chart files that are rendered on request too. Render still never talks
//! to the store: the daemon hands in the timeline.

use chrono::{DateTime, Utc};
use minijinja::context;

use super::chart::{self, Canvas, Chart, ChartKind};
use super::{chart_file, chart_kinds, html, RenderError, ReportOptions};
use crate::config::{Campaign, ChartFormat, ChartSize};
use crate::timeline::Timeline;

/// How often the live page reloads itself (`<meta http-equiv="refresh">`), in seconds; the
/// page says "every 5 minutes" (`Strings::live_refresh`).
pub const REFRESH_S: u32 = 300;

/// What the live page shows besides the report.
#[derive(Debug, Clone)]
pub struct LiveInfo {
    /// When the page was built from the store.
    pub updated_at: DateTime<Utc>,
    /// The campaign: charts are served at `/c/<slug>/<file>`, saved report files at
    /// `/reports/<slug>/<file>` (the template builds the URLs, so no `/` is escaped).
    pub slug: String,
    /// Files the last `report` run wrote.
    pub saved: Vec<String>,
}

/// The chart files the live page serves for a timeline: every kind the report draws, in the
/// configured sizes and always the web size, each as PNG and SVG (so that a page or a slide
/// can link `cumulative.png` whatever the report writes).
pub fn chart_files(tl: &Timeline, options: &ReportOptions) -> Vec<String> {
    let mut sizes = vec![ChartSize::Web];
    for s in &options.sizes {
        if !sizes.contains(s) {
            sizes.push(*s);
        }
    }
    let mut files = Vec::new();
    for kind in chart_kinds(tl) {
        for size in &sizes {
            for format in [ChartFormat::Png, ChartFormat::Svg] {
                files.push(chart_file(kind, *size, format));
            }
        }
    }
    files
}

/// The live page: report.html with the live block.
pub fn page(
    campaign: &Campaign,
    tl: &Timeline,
    options: &ReportOptions,
    live: &LiveInfo,
) -> Result<String, RenderError> {
    super::with_chart(campaign, tl, options.language, |chart| {
        live_page(campaign, tl, chart, options, live)
    })
}

fn live_page(
    campaign: &Campaign,
    tl: &Timeline,
    chart: &Chart,
    options: &ReportOptions,
    live: &LiveInfo,
) -> Result<String, RenderError> {
    let loc = chart.loc;
    let s = loc.strings;
    let kinds = chart_kinds(tl);
    let last_reading = match tl.as_of {
        Some(t) => s
            .live_last_reading
            .replace("{at}", &loc.datetime(t, tl.tz))
            .replace("{tz}", tl.tz.name()),
        None => s.live_no_reading.to_string(),
    };
    let updated = s
        .live_updated
        .replace("{at}", &loc.datetime(live.updated_at, tl.tz));
    let ctx = context! {
        slug => live.slug.clone(),
        charts => chart_files(tl, options),
        saved => live.saved.clone(),
        refresh_s => REFRESH_S,
        last_reading,
        updated,
    };
    html::report_page(campaign, tl, chart, options, &kinds, Some(ctx))
}

/// One chart file of [`chart_files`], rendered now: its bytes and content type; `None` for a
/// name that is not one of them.
pub fn chart(
    campaign: &Campaign,
    tl: &Timeline,
    options: &ReportOptions,
    file: &str,
) -> Result<Option<(Vec<u8>, &'static str)>, RenderError> {
    let Some((kind, size, format)) = parse_file(tl, options, file) else {
        return Ok(None);
    };
    super::with_chart(campaign, tl, options.language, |chart| {
        chart_bytes(chart, kind, size, format, file).map(Some)
    })
}

/// One chart drawn into memory: its bytes and content type.
fn chart_bytes(
    chart: &Chart,
    kind: ChartKind,
    size: ChartSize,
    format: ChartFormat,
    file: &str,
) -> Result<(Vec<u8>, &'static str), RenderError> {
    let canvas = Canvas::sized(size.pixels());
    match format {
        ChartFormat::Svg => Ok((
            chart::svg(kind, chart, &canvas)?.into_bytes(),
            "image/svg+xml",
        )),
        ChartFormat::Png => {
            // The bitmap backend writes a file: a private temporary one, read back.
            let err = |source| RenderError::Write {
                path: std::env::temp_dir().join(file),
                source,
            };
            let tmp = tempfile::Builder::new()
                .prefix(".viewtally-live-")
                .suffix(".png")
                .tempfile()
                .map_err(err)?;
            chart::png(kind, chart, &canvas, tmp.path())?;
            let bytes = std::fs::read(tmp.path()).map_err(err)?;
            Ok((bytes, "image/png"))
        }
    }
}

/// The (kind, size, format) a file name of [`chart_files`] stands for.
fn parse_file(
    tl: &Timeline,
    options: &ReportOptions,
    file: &str,
) -> Option<(ChartKind, ChartSize, ChartFormat)> {
    let mut sizes = vec![ChartSize::Web];
    sizes.extend(options.sizes.iter().copied());
    for kind in chart_kinds(tl) {
        for size in &sizes {
            for format in [ChartFormat::Png, ChartFormat::Svg] {
                if chart_file(kind, *size, format) == file {
                    return Some((kind, *size, format));
                }
            }
        }
    }
    None
}
