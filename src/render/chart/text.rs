//! Text on charts: the bundled Inter font, measured and rasterised with ab_glyph for PNG
//! (kerning, side bearings and sub-pixel positions kept), written as `<text>` for SVG.
//!
//! plotters' own bitmap text drops each glyph's side bearing and rounds every advance, which
//! leaves uneven gaps inside words ("Kumulati vní"); [`Label`] draws through the backend's
//! pixel call instead and keeps plotters' SVG text output, so both formats share one layout.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};

use crate::render::error::RenderError;

/// The font family SVG text asks for: the bundled Inter where the viewer has it, else faces of
/// similar or narrower width, so labels measured with Inter still fit.
pub const FONT_FAMILY: &str =
    "Inter, Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif";
const FONT_REGULAR: &[u8] = include_bytes!("../fonts/Inter-Regular.otf");
const FONT_BOLD: &[u8] = include_bytes!("../fonts/Inter-SemiBold.otf");

/// plotters' SVG backend writes `font-size = size / 1.24`; sizes here are em in pixels.
const PLOTTERS_EM: f64 = 1.24;

/// The bundled faces, parsed once.
pub struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
    /// x-height / em (SVG's `0.5ex` anchor offset is mirrored in PNG).
    x_height: f64,
}

/// The bundled fonts; an error (not a panic) if they cannot be read.
pub fn fonts() -> Result<&'static Fonts, RenderError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = FontRef::try_from_slice(FONT_REGULAR)
                .map_err(|_| "the bundled Inter-Regular font cannot be read".to_string())?;
            let bold = FontRef::try_from_slice(FONT_BOLD)
                .map_err(|_| "the bundled Inter-SemiBold font cannot be read".to_string())?;
            let upem = regular.units_per_em().unwrap_or(2048.0) as f64;
            let x_height = regular
                .outline(regular.glyph_id('x'))
                .map(|o| (o.bounds.max.y - o.bounds.min.y).abs() as f64 / upem)
                .unwrap_or(0.55);
            Ok(Fonts {
                regular,
                bold,
                x_height,
            })
        })
        .as_ref()
        .map_err(|e| RenderError::Font(e.clone()))
}

impl Fonts {
    fn face(&self, bold: bool) -> &FontRef<'static> {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    /// The ab_glyph scale whose em is `em` pixels.
    fn scale(&self, bold: bool, em: f64) -> PxScale {
        let f = self.face(bold);
        let upem = f.units_per_em().unwrap_or(2048.0);
        PxScale::from(em as f32 * f.height_unscaled() / upem)
    }

    /// Advance width of `text` in pixels.
    pub fn width(&self, text: &str, em: f64, bold: bool) -> f64 {
        let font = self.face(bold).as_scaled(self.scale(bold, em));
        let mut x = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                x += font.kern(p, id);
            }
            x += font.h_advance(id);
            prev = Some(id);
        }
        x as f64
    }

    /// Where the baseline sits below the anchor point, as plotters' SVG `dy` puts it.
    fn baseline_offset(&self, v: VPos, em: f64) -> f64 {
        match v {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * self.x_height * em,
            VPos::Bottom => -0.5 * self.x_height * em,
        }
    }
}

/// Whether a [`Label`] becomes pixels or SVG text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMode {
    Raster,
    Svg,
}

/// One line of text anchored at a point.
pub struct Label {
    pub text: String,
    pub pos: BackendCoord,
    /// Em size in pixels.
    pub em: f64,
    pub bold: bool,
    pub color: RGBAColor,
    pub anchor: (HPos, VPos),
    pub mode: TextMode,
}

impl<'a> PointCollection<'a, BackendCoord> for &'a Label {
    type Point = &'a BackendCoord;
    type IntoIter = std::iter::Once<&'a BackendCoord>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.pos)
    }
}

impl<DB: DrawingBackend> Drawable<DB> for Label {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some(at) = points.next() else {
            return Ok(());
        };
        match self.mode {
            TextMode::Svg => self.draw_svg(backend, at),
            TextMode::Raster => self.draw_raster(backend, at),
        }
    }
}

impl Label {
    /// As SVG `<text>`, through plotters.
    fn draw_svg<DB: DrawingBackend>(
        &self,
        backend: &mut DB,
        at: BackendCoord,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let style = FontDesc::new(
            FontFamily::Name(FONT_FAMILY),
            self.em * PLOTTERS_EM,
            if self.bold {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            },
        )
        .color(&self.color)
        .pos(Pos::new(self.anchor.0, self.anchor.1));
        backend.draw_text(&self.text, &style, at)
    }

    /// As pixels: each glyph's outline rasterised at its kerned, unrounded position.
    fn draw_raster<DB: DrawingBackend>(
        &self,
        backend: &mut DB,
        (x, y): BackendCoord,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        // Fonts were loaded before any drawing started (Painter::new).
        let Ok(fonts) = fonts() else {
            return Ok(());
        };
        let face = fonts.face(self.bold);
        let scale = fonts.scale(self.bold, self.em);
        let font = face.as_scaled(scale);
        let width = fonts.width(&self.text, self.em, self.bold);
        let mut caret = x as f64
            - match self.anchor.0 {
                HPos::Left => 0.0,
                HPos::Center => width / 2.0,
                HPos::Right => width,
            };
        let baseline = y as f64 + fonts.baseline_offset(self.anchor.1, self.em);
        let rgb = (self.color.0, self.color.1, self.color.2);
        let alpha = self.color.3;
        let mut prev = None;
        for c in self.text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                caret += font.kern(p, id) as f64;
            }
            let glyph =
                id.with_scale_and_position(scale, ab_glyph::point(caret as f32, baseline as f32));
            if let Some(outline) = face.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let mut pixels = Vec::new();
                outline.draw(|gx, gy, coverage| {
                    if coverage > 0.0 {
                        pixels.push((
                            b.min.x as i32 + gx as i32,
                            b.min.y as i32 + gy as i32,
                            coverage.min(1.0) as f64,
                        ));
                    }
                });
                for (px, py, coverage) in pixels {
                    backend.draw_pixel(
                        (px, py),
                        BackendColor {
                            alpha: alpha * coverage,
                            rgb,
                        },
                    )?;
                }
            }
            caret += font.h_advance(id) as f64;
            prev = Some(id);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_with_kerning_and_scales_linearly() {
        let f = fonts().unwrap();
        let a = f.width("Zhlédnutí 8 000", 20.0, false);
        let b = f.width("Zhlédnutí 8 000", 40.0, false);
        assert!(a > 100.0 && a < 200.0, "{a}");
        assert!((b - 2.0 * a).abs() < 1.0, "{a} {b}");
        assert!(f.width("W", 20.0, true) > f.width("i", 20.0, true));
        assert!(f.x_height > 0.4 && f.x_height < 0.7);
    }
}
