//! Chart constants in one place: colours, text sizes, spacing (in units of a 1600×900 canvas,
//! multiplied by the canvas scale), and the platform palette with `[campaign.style.colors]`.

use plotters::style::RGBColor;

use crate::config::PlatformColors;
use crate::model::Platform;

pub const INK: RGBColor = RGBColor(0x1f, 0x1f, 0x1f);
pub const MUTED: RGBColor = RGBColor(0x5b, 0x5f, 0x64);
pub const FAINT: RGBColor = RGBColor(0x7a, 0x7f, 0x85);
pub const GRID: RGBColor = RGBColor(0xdd, 0xe0, 0xe4);
pub const AXIS: RGBColor = RGBColor(0x5b, 0x5f, 0x64);
pub const MARK: RGBColor = RGBColor(0x3a, 0x3a, 0x3a);
pub const BACKGROUND: RGBColor = RGBColor(0xff, 0xff, 0xff);
/// Opacity of estimated stretches (a gap between readings) over the white background.
pub const ESTIMATED_ALPHA: f64 = 0.38;

/// Em sizes in pixels at 1600×900. Chosen so that the chart stays readable printed at half a
/// page's width (labels ≈ 1.7 % of the width).
pub const TITLE: f64 = 46.0;
pub const SUBTITLE: f64 = 30.0;
pub const LABEL: f64 = 27.0;
pub const SMALL: f64 = 23.0;
/// Outer margin.
pub const PAD: f64 = 56.0;

/// The platform colours of one campaign.
#[derive(Debug, Clone)]
pub struct Palette {
    overrides: PlatformColors,
}

impl Palette {
    pub fn new(overrides: &PlatformColors) -> Palette {
        Palette {
            overrides: overrides.clone(),
        }
    }

    /// A platform's colour: the campaign's override, else its brand colour (YouTube red,
    /// Facebook blue, LinkedIn blue-teal), darkened where needed to carry white text.
    pub fn platform(&self, p: Platform) -> RGBColor {
        if let Some(c) = self.overrides.get(p) {
            return RGBColor(c.0, c.1, c.2);
        }
        match p {
            Platform::Youtube => RGBColor(0xe0, 0x1e, 0x14),
            Platform::Facebook => RGBColor(0x18, 0x6d, 0xe6),
            Platform::Linkedin => RGBColor(0x0a, 0x8a, 0x96),
            Platform::Instagram => RGBColor(0xc1, 0x35, 0x84),
            Platform::Tiktok => RGBColor(0x22, 0x22, 0x22),
            Platform::Vimeo => RGBColor(0x17, 0x9c, 0xc9),
        }
    }

    /// The platform colour as text on white: darkened until it has a contrast of at least
    /// 4.5:1 (WCAG AA), so labels in a light override colour stay readable.
    pub fn platform_text(&self, p: Platform) -> RGBColor {
        let mut c = self.platform(p);
        for _ in 0..20 {
            if contrast_on_white(c) >= 4.5 {
                break;
            }
            c = RGBColor(
                (c.0 as f64 * 0.9) as u8,
                (c.1 as f64 * 0.9) as u8,
                (c.2 as f64 * 0.9) as u8,
            );
        }
        c
    }
}

/// `#rrggbb` of a colour (for CSS).
pub fn css(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn contrast_on_white(c: RGBColor) -> f64 {
    let lin = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2);
    1.05 / (l + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HexColor;

    #[test]
    fn overrides_and_readable_text_colours() {
        let colors = PlatformColors {
            youtube: Some(HexColor(0xff, 0xee, 0x00)),
            ..Default::default()
        };
        let p = Palette::new(&colors);
        assert_eq!(p.platform(Platform::Youtube), RGBColor(0xff, 0xee, 0x00));
        assert!(contrast_on_white(p.platform_text(Platform::Youtube)) >= 4.5);
        for q in Platform::ALL {
            assert!(contrast_on_white(p.platform_text(q)) >= 4.5, "{q}");
        }
        assert_eq!(css(RGBColor(0xe0, 0x1e, 0x14)), "#e01e14");
    }
}
