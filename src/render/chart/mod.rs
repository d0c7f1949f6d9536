//! The chart set, drawn with plotters: PNG through the bitmap backend, SVG with text kept as
//! text. One file per chart kind; the frame, ticks and painter are in [`axes`], constants in
//! [`theme`], text in [`text`].
//!
//! Everything is laid out in units of a 1600×900 canvas and multiplied by the canvas scale, so
//! the print size (3200×1800) is the same chart at twice the resolution, not a bigger canvas.

pub mod axes;
pub mod compare;
mod cumulative;
mod daily;
mod engagement;
mod platforms;
pub mod text;
pub mod theme;
mod videos;

use std::path::Path;

use plotters::prelude::*;

use super::error::RenderError;
use super::locale::Locale;
use crate::timeline::Timeline;
use axes::Painter;
use text::TextMode;

/// The charts viewtally draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Cumulative views stacked by platform, milestones, the crossing dated.
    Cumulative,
    /// New views per day (week, month on long spans), stacked by platform.
    Daily,
    /// Views per platform with shares.
    Platforms,
    /// Views per video and account (campaigns with re-posts).
    Videos,
    /// Interactions per platform by type (where any were read).
    Engagement,
}

impl ChartKind {
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Cumulative,
        ChartKind::Daily,
        ChartKind::Platforms,
        ChartKind::Videos,
        ChartKind::Engagement,
    ];

    /// The file stem: `cumulative`, `daily`, `platforms`, `videos`.
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Cumulative => "cumulative",
            ChartKind::Daily => "daily",
            ChartKind::Platforms => "platforms",
            ChartKind::Videos => "videos",
            ChartKind::Engagement => "engagement",
        }
    }

    /// Whether the chart says something for this timeline. `videos` needs re-posts: more than
    /// one video on a platform, or more than one account; otherwise it would repeat
    /// `platforms`.
    pub fn applies(self, tl: &Timeline) -> bool {
        match self {
            ChartKind::Cumulative | ChartKind::Daily | ChartKind::Platforms => true,
            ChartKind::Videos => videos::applies(tl),
            ChartKind::Engagement => engagement::applies(tl),
        }
    }

    /// The chart's heading in the report page.
    pub fn heading(self, loc: &Locale) -> &'static str {
        let s = loc.strings;
        match self {
            ChartKind::Cumulative => s.cumulative_title,
            ChartKind::Daily => s.daily_title,
            ChartKind::Platforms => s.platforms_title,
            ChartKind::Videos => s.videos_title,
            ChartKind::Engagement => s.engagement_title,
        }
    }

    /// The chart's subtitle: what it shows, for which period.
    pub fn subtitle(self, chart: &Chart) -> String {
        match self {
            ChartKind::Cumulative => cumulative::subtitle(chart),
            ChartKind::Daily => daily::subtitle(chart),
            ChartKind::Platforms => platforms::subtitle(chart),
            ChartKind::Videos => videos::subtitle(chart),
            ChartKind::Engagement => engagement::subtitle(chart),
        }
    }

    fn draw<DB: DrawingBackend>(
        self,
        p: &Painter<DB>,
        chart: &Chart,
        canvas: &Canvas,
    ) -> Result<(), RenderError>
    where
        DB::ErrorType: 'static,
    {
        match self {
            ChartKind::Cumulative => cumulative::draw(p, chart, canvas),
            ChartKind::Daily => daily::draw(p, chart, canvas),
            ChartKind::Platforms => platforms::draw(p, chart, canvas),
            ChartKind::Videos => videos::draw(p, chart, canvas),
            ChartKind::Engagement => engagement::draw(p, chart, canvas),
        }
    }

    /// The canvas height a bar chart needs at this width and scale (for the report page, where
    /// bar charts are as tall as their bars); line charts keep the given height.
    pub fn fitted_height(self, tl: &Timeline, w: u32, h: u32, s: f64) -> u32 {
        let bars = match self {
            ChartKind::Platforms => tl.platforms.len(),
            ChartKind::Videos => videos::bar_count(tl),
            // Room for the key (interaction types) above the bars.
            ChartKind::Engagement => {
                let bars = engagement::bar_count(tl);
                return ((130.0 + bars.max(1) as f64 * 84.0) * s).round() as u32;
            }
            _ => return h,
        };
        let _ = w;
        ((60.0 + bars.max(1) as f64 * 84.0) * s).round() as u32
    }
}

/// Texts around every chart of a campaign.
#[derive(Debug, Clone)]
pub struct ChartTexts {
    pub title: String,
    /// Overrides the cumulative chart's subtitle (`[campaign.style] subtitle`).
    pub subtitle: Option<String>,
    /// The source line, with the as-of time.
    pub source: String,
    pub logo: Option<String>,
}

/// What a chart is drawn from.
pub struct Chart<'a> {
    pub tl: &'a Timeline,
    pub loc: &'a Locale,
    pub palette: &'a theme::Palette,
    pub texts: &'a ChartTexts,
}

/// Canvas size, the scale of text and strokes, and whether to draw the frame texts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Canvas {
    pub w: u32,
    pub h: u32,
    pub s: f64,
    /// Title, subtitle, source line and logo (off inside `report.html`, whose page has them).
    pub frame: bool,
}

impl Canvas {
    /// A file's canvas: the 1600×900 layout scaled to fit.
    pub fn sized((w, h): (u32, u32)) -> Canvas {
        Canvas {
            w,
            h,
            s: (w as f64 / 1600.0).min(h as f64 / 900.0),
            frame: true,
        }
    }
}

/// Draw a chart into a PNG file.
pub fn png(
    kind: ChartKind,
    chart: &Chart,
    canvas: &Canvas,
    path: &Path,
) -> Result<(), RenderError> {
    text::fonts()?;
    let root = BitMapBackend::new(path, (canvas.w, canvas.h)).into_drawing_area();
    let p = Painter::new(&root, TextMode::Raster, canvas)?;
    kind.draw(&p, chart, canvas)?;
    root.present().map_err(axes::de)
}

/// Draw a chart as SVG text.
pub fn svg(kind: ChartKind, chart: &Chart, canvas: &Canvas) -> Result<String, RenderError> {
    text::fonts()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (canvas.w, canvas.h)).into_drawing_area();
        let p = Painter::new(&root, TextMode::Svg, canvas)?;
        kind.draw(&p, chart, canvas)?;
        root.present().map_err(axes::de)?;
    }
    Ok(out)
}
