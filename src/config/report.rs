//! `[report]`: where and how reports are written.

use super::*;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Reports go to `<dir>/<campaign slug>/`.
    #[serde(default = "default_report_dir")]
    pub dir: PathBuf,
    /// Chart sizes: `web` (1600×900), `print` (3200×1800, the same layout scaled) or
    /// `"WIDTHxHEIGHT"`; the first one is the one `summary.md` links.
    #[serde(default = "default_sizes")]
    pub sizes: Spanned<Vec<ChartSize>>,
    /// One custom chart width in pixels (with `height`: the same as `sizes = ["WxH"]`).
    pub width: Option<Spanned<u32>>,
    /// One custom chart height in pixels (with `width`).
    pub height: Option<Spanned<u32>>,
    /// Chart formats to write: `png`, `svg`.
    #[serde(default = "default_formats")]
    pub formats: Vec<ChartFormat>,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            dir: default_report_dir(),
            sizes: default_sizes(),
            width: None,
            height: None,
            formats: default_formats(),
        }
    }
}

impl ReportConfig {
    /// Chart sizes: `width` and `height` together and within [`CHART_SIDE`], or `sizes`
    /// (not both, and not empty).
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        match (&self.width, &self.height) {
            (None, None) => {}
            (Some(w), Some(h)) => {
                for v in [w, h] {
                    if !CHART_SIDE.contains(v.get_ref()) {
                        return Err((
                            Some(v.span()),
                            "[report] width and height must be between 200 and 20000 pixels".into(),
                        ));
                    }
                }
                if self.sizes.span() != (0..0) {
                    return Err((
                        Some(w.span()),
                        "[report] has both `sizes` and `width`/`height`; keep one (e.g. \
                         sizes = [\"web\", \"print\", \"1200x675\"])"
                            .into(),
                    ));
                }
            }
            (Some(v), None) | (None, Some(v)) => {
                return Err((
                    Some(v.span()),
                    "[report] width and height go together; or use sizes = [\"WIDTHxHEIGHT\"]"
                        .into(),
                ))
            }
        }
        if self.sizes.get_ref().is_empty() {
            return Err((
                Some(self.sizes.span()),
                "[report] sizes is empty; list at least one of \"web\", \"print\", \"WxH\"".into(),
            ));
        }
        Ok(())
    }

    /// The chart sizes to render: `width`/`height` when given, else `sizes`.
    pub fn chart_sizes(&self) -> Vec<ChartSize> {
        match (&self.width, &self.height) {
            (Some(w), Some(h)) => vec![ChartSize::custom(*w.get_ref(), *h.get_ref())],
            _ => self.sizes.get_ref().clone(),
        }
    }
}

fn default_report_dir() -> PathBuf {
    PathBuf::from("reports")
}
fn default_sizes() -> Spanned<Vec<ChartSize>> {
    Spanned::new(0..0, vec![ChartSize::Web, ChartSize::Print])
}
fn default_formats() -> Vec<ChartFormat> {
    vec![ChartFormat::Png, ChartFormat::Svg]
}

/// Smallest and largest chart side in pixels.
pub const CHART_SIDE: std::ops::RangeInclusive<u32> = 200..=20_000;

/// A chart size: a preset or custom pixels. Each size is its own set of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartSize {
    /// 1600×900: web pages, e-mail, slides.
    Web,
    /// 3200×1800: the web layout at twice the resolution, for print.
    Print,
    /// Width × height in pixels.
    Custom(u32, u32),
}

impl ChartSize {
    /// A custom size; the presets when it equals one.
    pub fn custom(w: u32, h: u32) -> ChartSize {
        match (w, h) {
            (1600, 900) => ChartSize::Web,
            (3200, 1800) => ChartSize::Print,
            _ => ChartSize::Custom(w, h),
        }
    }
    /// Width and height in pixels.
    pub fn pixels(self) -> (u32, u32) {
        match self {
            ChartSize::Web => (1600, 900),
            ChartSize::Print => (3200, 1800),
            ChartSize::Custom(w, h) => (w, h),
        }
    }
    /// What goes between the chart name and the extension: `cumulative.png`,
    /// `cumulative-print.png`, `cumulative-1200x675.png`.
    pub fn file_suffix(self) -> String {
        match self {
            ChartSize::Web => String::new(),
            ChartSize::Print => "-print".into(),
            ChartSize::Custom(w, h) => format!("-{w}x{h}"),
        }
    }
}

impl FromStr for ChartSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || format!("chart size `{s}` is not `web`, `print` or WIDTHxHEIGHT (e.g. `1200x675`)");
        match s.trim().to_ascii_lowercase().as_str() {
            "web" => Ok(ChartSize::Web),
            "print" => Ok(ChartSize::Print),
            other => {
                let (w, h) = other.split_once(['x', '×']).ok_or_else(bad)?;
                let (w, h): (u32, u32) = (
                    w.trim().parse().map_err(|_| bad())?,
                    h.trim().parse().map_err(|_| bad())?,
                );
                if !CHART_SIDE.contains(&w) || !CHART_SIDE.contains(&h) {
                    return Err(format!(
                        "chart size `{s}`: width and height must be between {} and {} pixels",
                        CHART_SIDE.start(),
                        CHART_SIDE.end()
                    ));
                }
                Ok(ChartSize::custom(w, h))
            }
        }
    }
}

impl<'de> Deserialize<'de> for ChartSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for ChartSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartSize::Web => f.write_str("web"),
            ChartSize::Print => f.write_str("print"),
            ChartSize::Custom(w, h) => write!(f, "{w}x{h}"),
        }
    }
}

/// An image format for charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartFormat {
    Png,
    Svg,
}
