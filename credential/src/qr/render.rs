//! Drawing QR text as a QR symbol (ISO/IEC 18004:2015), with the `qrcode` crate.
//!
//! Text in the QR alphanumeric set — every text [`encode`](super::encode) makes — is
//! put in one alphanumeric-mode segment (§7.4.4, 11 bits per 2 characters); any other
//! text in one byte-mode segment (§7.4.5). One segment, chosen by us rather than by a
//! segmentation optimiser, makes the symbol version a simple function of the length,
//! so [`QrRenderer::version`] and the limits in [`QrError::TextTooLong`] are exact.
//! Error correction defaults to level M (§7.5.1: ~15 % of codewords recoverable),
//! a scratched phone screen's margin without growing the symbol much.

use image::{ImageEncoder as _, Luma};
use qrcode::bits::Bits;
use qrcode::render::{svg, unicode::Dense1x2};
use qrcode::{QrCode, Version};

use super::{QrError, base45};

/// Largest PNG module size in pixels: a version-40 symbol (177 modules + 2×4 quiet
/// zone) at 20 px is 3,700 px wide, within what [`scan`](super::scan) accepts.
pub const MAX_MODULE_PX: u32 = 20;

/// SVG user units per module; the `viewBox` lets the page scale it.
const SVG_MODULE_UNITS: u32 = 8;

/// Error-correction level (ISO/IEC 18004:2015 §7.5.1, Table 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EcLevel {
    /// Recovers about 7 % of codewords.
    L,
    /// Recovers about 15 % of codewords: the default.
    #[default]
    M,
    /// Recovers about 25 % of codewords.
    Q,
    /// Recovers about 30 % of codewords.
    H,
}

impl EcLevel {
    /// Characters a version-40 symbol holds at this level (ISO/IEC 18004:2015
    /// Table 7): in alphanumeric mode if `alphanumeric`, else in byte mode.
    #[must_use]
    pub const fn max_chars(self, alphanumeric: bool) -> usize {
        match (self, alphanumeric) {
            (Self::L, true) => 4296,
            (Self::M, true) => 3391,
            (Self::Q, true) => 2420,
            (Self::H, true) => 1852,
            (Self::L, false) => 2953,
            (Self::M, false) => 2331,
            (Self::Q, false) => 1663,
            (Self::H, false) => 1273,
        }
    }

    const fn to_qrcode(self) -> qrcode::EcLevel {
        match self {
            Self::L => qrcode::EcLevel::L,
            Self::M => qrcode::EcLevel::M,
            Self::Q => qrcode::EcLevel::Q,
            Self::H => qrcode::EcLevel::H,
        }
    }
}

/// Which terminal the text rendering is for: a scanner needs dark modules darker
/// than light ones (ISO/IEC 18004:2015 §6.2), whatever the terminal's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TerminalStyle {
    /// Light text on a dark background (most terminals): light modules are drawn
    /// with block characters, dark modules are left blank.
    #[default]
    DarkBackground,
    /// Dark text on a light background: dark modules are drawn.
    LightBackground,
}

/// Renders QR text at a chosen error-correction level; [`Default`] is level M.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QrRenderer {
    ec_level: EcLevel,
    terminal: TerminalStyle,
}

impl QrRenderer {
    /// A renderer at level M for dark-background terminals.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            ec_level: EcLevel::M,
            terminal: TerminalStyle::DarkBackground,
        }
    }

    /// The same renderer at another error-correction level.
    #[must_use]
    pub const fn with_ec_level(self, ec_level: EcLevel) -> Self {
        Self { ec_level, ..self }
    }

    /// The same renderer for another terminal style.
    #[must_use]
    pub const fn with_terminal_style(self, terminal: TerminalStyle) -> Self {
        Self { terminal, ..self }
    }

    /// The error-correction level in use.
    #[must_use]
    pub const fn ec_level(&self) -> EcLevel {
        self.ec_level
    }

    /// The symbol version (1..=40, ISO/IEC 18004:2015 §5.3.1) that `text` needs at this
    /// level; version `v` is `17 + 4v` modules wide.
    ///
    /// # Errors
    /// [`QrError::TextTooLong`] when not even version 40 holds the text.
    pub fn version(&self, text: &str) -> Result<u8, QrError> {
        let bits = self.bits(text)?;
        match bits.version() {
            Version::Normal(v) => u8::try_from(v).map_err(|_| QrError::RenderFailed {
                reason: "symbol version out of range",
            }),
            Version::Micro(_) => Err(QrError::RenderFailed {
                reason: "unexpected Micro QR symbol",
            }),
        }
    }

    /// Renders `text` as an SVG document, black on white with a 4-module quiet zone
    /// (ISO/IEC 18004:2015 §6.3.8), 8 user units per module.
    ///
    /// # Errors
    /// [`QrError::TextTooLong`] when no symbol holds the text.
    pub fn svg(&self, text: &str) -> Result<String, QrError> {
        Ok(self
            .symbol(text)?
            .render::<svg::Color<'_>>()
            .quiet_zone(true)
            .module_dimensions(SVG_MODULE_UNITS, SVG_MODULE_UNITS)
            .build())
    }

    /// Renders `text` as an 8-bit greyscale PNG, `module_px` pixels per module,
    /// with a 4-module quiet zone (ISO/IEC 18004:2015 §6.3.8).
    ///
    /// # Errors
    /// [`QrError::ModuleSizeInvalid`] outside `1..=`[`MAX_MODULE_PX`];
    /// [`QrError::TextTooLong`] when no symbol holds the text;
    /// [`QrError::RenderFailed`] if the PNG encoder fails.
    pub fn png(&self, text: &str, module_px: u32) -> Result<Vec<u8>, QrError> {
        if !(1..=MAX_MODULE_PX).contains(&module_px) {
            return Err(QrError::ModuleSizeInvalid {
                module_px,
                max: MAX_MODULE_PX,
            });
        }
        let image = self
            .symbol(text)?
            .render::<Luma<u8>>()
            .quiet_zone(true)
            .module_dimensions(module_px, module_px)
            .build();
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::L8,
            )
            .map_err(|_| QrError::RenderFailed {
                reason: "PNG encoding failed",
            })?;
        Ok(png)
    }

    /// Renders `text` for a terminal: each character is one module wide and two
    /// modules tall (Unicode half blocks `▀ ▄ █`), with a 4-module quiet zone, so a
    /// phone can scan it from the screen. Lines end with `\n`.
    ///
    /// # Errors
    /// [`QrError::TextTooLong`] when no symbol holds the text.
    pub fn terminal(&self, text: &str) -> Result<String, QrError> {
        let symbol = self.symbol(text)?;
        let mut renderer = symbol.render::<Dense1x2>();
        if self.terminal == TerminalStyle::DarkBackground {
            renderer
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark);
        }
        let mut out = renderer.quiet_zone(true).build();
        out.push('\n');
        Ok(out)
    }

    fn symbol(&self, text: &str) -> Result<QrCode, QrError> {
        QrCode::with_bits(self.bits(text)?, self.ec_level.to_qrcode()).map_err(|_| {
            QrError::RenderFailed {
                reason: "QR symbol construction failed",
            }
        })
    }

    /// One segment in the smallest version that holds it (ISO/IEC 18004:2015 §7.4).
    fn bits(&self, text: &str) -> Result<Bits, QrError> {
        let alphanumeric = base45::is_alphanumeric_set(text);
        let max = self.ec_level.max_chars(alphanumeric);
        let too_long = QrError::TextTooLong {
            len: text.len(),
            max,
        };
        if text.len() > max {
            return Err(too_long);
        }
        let ec = self.ec_level.to_qrcode();
        for version in 1..=40 {
            let mut bits = Bits::new(Version::Normal(version));
            let pushed = if alphanumeric {
                bits.push_alphanumeric_data(text.as_bytes())
            } else {
                bits.push_byte_data(text.as_bytes())
            };
            match pushed.and_then(|()| bits.push_terminator(ec)) {
                Ok(()) => return Ok(bits),
                Err(qrcode::types::QrError::DataTooLong) => {}
                Err(_) => {
                    return Err(QrError::RenderFailed {
                        reason: "QR data encoding failed",
                    });
                }
            }
        }
        Err(too_long)
    }
}

/// SVG of `text` at level M; see [`QrRenderer::svg`].
///
/// # Errors
/// As [`QrRenderer::svg`].
pub fn render_svg(text: &str) -> Result<String, QrError> {
    QrRenderer::new().svg(text)
}

/// PNG of `text` at level M; see [`QrRenderer::png`].
///
/// # Errors
/// As [`QrRenderer::png`].
pub fn render_png(text: &str, module_px: u32) -> Result<Vec<u8>, QrError> {
    QrRenderer::new().png(text, module_px)
}

/// Terminal rendering of `text` at level M for a dark background; see
/// [`QrRenderer::terminal`].
///
/// # Errors
/// As [`QrRenderer::terminal`].
pub fn render_terminal(text: &str) -> Result<String, QrError> {
    QrRenderer::new().terminal(text)
}

/// The symbol version (1..=40) `text` needs at level M; see [`QrRenderer::version`].
///
/// # Errors
/// As [`QrRenderer::version`].
pub fn qr_version(text: &str) -> Result<u8, QrError> {
    QrRenderer::new().version(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::test_support::{presentation_like, read_modules};
    use crate::qr::{PayloadKind, encode};

    /// Measured by `versions_of_typical_presentations_at_level_m`.
    const VERSION_1KB: u8 = 23;
    const VERSION_2KB: u8 = 33;

    fn payload_text(len: usize, seed: u64) -> String {
        encode(
            PayloadKind::Presentation,
            presentation_like(len, seed).as_bytes(),
        )
        .unwrap()
    }

    /// Reads `bits` most significant first, starting at bit `at`, from the data codewords.
    fn read_bits(bytes: &[u8], at: usize, bits: usize) -> usize {
        (at..at + bits).fold(0, |acc, i| {
            acc << 1 | usize::from(bytes[i / 8] >> (7 - i % 8) & 1)
        })
    }

    /// The versions the README and the report quote: a 1 KB and a 2 KB presentation.
    #[test]
    fn versions_of_typical_presentations_at_level_m() {
        let one_kb = payload_text(1000, 42);
        let two_kb = payload_text(2000, 43);
        for (name, text) in [("1 KB", &one_kb), ("2 KB", &two_kb)] {
            let versions = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H]
                .map(|level| QrRenderer::new().with_ec_level(level).version(text));
            println!(
                "{name}: {} chars, versions L/M/Q/H {versions:?}",
                text.len()
            );
        }
        assert_eq!(qr_version(&one_kb).unwrap(), VERSION_1KB);
        assert_eq!(qr_version(&two_kb).unwrap(), VERSION_2KB);
        let at_l = QrRenderer::new().with_ec_level(EcLevel::L);
        assert!(at_l.version(&two_kb).unwrap() < VERSION_2KB);
        assert_eq!(qr_version("SG1P:").unwrap(), 1);
        // The qrcode crate's own segmentation optimiser needs the same versions.
        for (text, version) in [(&one_kb, VERSION_1KB), (&two_kb, VERSION_2KB)] {
            let auto = QrCode::with_error_correction_level(text, qrcode::EcLevel::M).unwrap();
            assert_eq!(auto.version(), Version::Normal(i16::from(version)));
        }
    }

    #[test]
    fn base45_text_is_one_alphanumeric_segment() {
        let text = payload_text(1000, 42);
        let bits = QrRenderer::new().bits(&text).unwrap().into_bytes();
        // ISO/IEC 18004:2015 Table 2: mode 0010 = alphanumeric; Table 3: a 13-bit
        // character count from version 27 up (11 bits for 10..=26).
        assert_eq!(read_bits(&bits, 0, 4), 0b0010);
        let count_bits = if VERSION_1KB >= 27 { 13 } else { 11 };
        assert_eq!(read_bits(&bits, 4, count_bits), text.len());
        // The segment fills exactly 11 bits per character pair (+6 for an odd one);
        // then the 4-bit terminator (all zero).
        let end = 4 + count_bits + text.len() / 2 * 11 + text.len() % 2 * 6;
        assert_eq!(read_bits(&bits, end, 4), 0);
        // Lowercase text is not in the set: one byte-mode (0100) segment.
        let bits = QrRenderer::new()
            .bits("https://example.org")
            .unwrap()
            .into_bytes();
        assert_eq!(read_bits(&bits, 0, 4), 0b0100);
        assert_eq!(read_bits(&bits, 4, 8), 19);
    }

    #[test]
    fn capacity_limits_are_exact_at_every_level() {
        for level in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
            let renderer = QrRenderer::new().with_ec_level(level);
            for (alphanumeric, ch) in [(true, "A"), (false, "a")] {
                let max = level.max_chars(alphanumeric);
                assert_eq!(renderer.version(&ch.repeat(max)).unwrap(), 40, "{level:?}");
                assert_eq!(
                    renderer.version(&ch.repeat(max + 1)),
                    Err(QrError::TextTooLong { len: max + 1, max }),
                    "{level:?} {alphanumeric}"
                );
            }
        }
        assert_eq!(
            render_png(&"A".repeat(3392), 4),
            Err(QrError::TextTooLong {
                len: 3392,
                max: 3391
            })
        );
    }

    #[test]
    fn png_has_quiet_zone_and_module_size() {
        let text = "SG1P:NCFKVPV0QSIP600GP5L0";
        let png = render_png(text, 3).unwrap();
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .unwrap()
            .into_luma8();
        let modules = 17 + 4 * usize::from(qr_version(text).unwrap());
        assert_eq!(image.width() as usize, (modules + 8) * 3);
        // Quiet zone: the first 4 modules of every edge are white; the finder pattern's
        // corner module just inside it is black.
        assert!((0..12).all(|i| image.get_pixel(i, i).0 == [255]));
        assert_eq!(image.get_pixel(12, 12).0, [0]);
    }

    #[test]
    fn module_size_is_bounded() {
        let err = |module_px| Err(QrError::ModuleSizeInvalid { module_px, max: 20 });
        assert_eq!(render_png("A", 0), err(0));
        assert_eq!(render_png("A", 21), err(21));
        assert!(render_png("A", 20).is_ok());
    }

    #[test]
    fn svg_scans_back() {
        let text = payload_text(300, 5);
        let svg = render_svg(&text).unwrap();
        assert!(svg.starts_with("<?xml") && svg.ends_with("</svg>"));
        // Paint the path's unit rectangles ("M{x} {y}h8v8H{x}V{y}") on a module grid.
        let side = 17 + 4 * usize::from(qr_version(&text).unwrap()) + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 {0} {0}\"", side * 8)));
        let path = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .trim_end_matches("\"/></svg>");
        let mut dark = vec![false; side * side];
        for rect in path.split('M').filter(|r| !r.is_empty()) {
            let (x, rest) = rect.split_once(' ').unwrap();
            let y = rest.split_once('h').unwrap().0;
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            dark[y / 8 * side + x / 8] = true;
        }
        assert_eq!(read_modules(side, side, |x, y| dark[y * side + x]), text);
    }

    #[test]
    fn terminal_scans_back_in_both_styles() {
        let text = payload_text(300, 6);
        let side = 17 + 4 * usize::from(qr_version(&text).unwrap()) + 8;
        for style in [
            TerminalStyle::DarkBackground,
            TerminalStyle::LightBackground,
        ] {
            let out = QrRenderer::new()
                .with_terminal_style(style)
                .terminal(&text)
                .unwrap();
            let lines: Vec<Vec<char>> = out.lines().map(|l| l.chars().collect()).collect();
            assert_eq!(lines.len(), side.div_ceil(2));
            assert!(out.ends_with('\n'));
            // Which half of a cell is drawn with the foreground colour.
            let drawn = |x: usize, y: usize| {
                let (top, bottom) = match lines[y / 2][x] {
                    ' ' => (false, false),
                    '\u{2580}' => (true, false),
                    '\u{2584}' => (false, true),
                    '\u{2588}' => (true, true),
                    other => panic!("unexpected character {other:?}"),
                };
                if y.is_multiple_of(2) { top } else { bottom }
            };
            let read = read_modules(side, side, |x, y| {
                drawn(x, y) == (style == TerminalStyle::LightBackground)
            });
            assert_eq!(read, text, "{style:?}");
        }
    }
}
