//! Reading QR text back from an image (ISO/IEC 18004:2015 §12, reference decoding),
//! with `image` for the file and `rqrr` for the symbol.
//!
//! An image is untrusted: its byte length is capped at [`MAX_IMAGE_BYTES`] and the
//! dimensions its header declares at [`MAX_IMAGE_SIDE`] per side before any pixel is
//! decoded, so a small file that declares a huge canvas costs nothing. The decoder's
//! own allocation limit backs this up. Then, before rqrr searches for symbols, a
//! linear census (`finder`) refuses images on which that search would take
//! super-quadratic time (many finder patterns) — a citizen's phone screen is input too.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder as _, ImageError, ImageFormat, ImageReader, Limits};

use super::QrError;

mod finder;

/// Largest image file accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;

/// Largest width or height accepted, in pixels: a phone photo downscaled, or a
/// version-40 symbol at [`MAX_MODULE_PX`](super::MAX_MODULE_PX).
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// Decoder memory cap: a full-size image at 8 bytes per pixel (16-bit RGBA).
const MAX_DECODER_ALLOC: u64 = MAX_IMAGE_SIDE as u64 * MAX_IMAGE_SIDE as u64 * 8;

/// Reads the text of the first readable QR symbol in a PNG image.
///
/// # Errors
/// [`QrError::ImageBytesTooLarge`], [`QrError::ImageDimensionsTooLarge`],
/// [`QrError::ImageInvalid`] for bytes that are not a readable PNG,
/// [`QrError::ImageTooComplex`] for an image on which the symbol search would do
/// unbounded work, and [`QrError::NotFound`] when no QR symbol in it can be read.
pub fn scan_png(bytes: &[u8]) -> Result<String, QrError> {
    scan(bytes, Some(ImageFormat::Png))
}

/// Reads the text of the first readable QR symbol in an image whose format is
/// guessed from its first bytes: PNG or JPEG (what a phone camera sends).
///
/// # Errors
/// As [`scan_png`]; an unrecognised format is [`QrError::ImageInvalid`].
pub fn scan_image(bytes: &[u8]) -> Result<String, QrError> {
    scan(bytes, None)
}

fn scan(bytes: &[u8], format: Option<ImageFormat>) -> Result<String, QrError> {
    // Our code does not panic; the image and QR decoders are third-party code fed
    // untrusted pixels (rqrr has shipped index panics before). A panic there becomes
    // a refusal of this image, not the end of the verifier (with `panic = "unwind"`).
    std::panic::catch_unwind(|| scan_unguarded(bytes, format))
        .unwrap_or(Err(invalid("the image decoder failed on this image")))
}

fn scan_unguarded(bytes: &[u8], format: Option<ImageFormat>) -> Result<String, QrError> {
    let luma = load_luma(bytes, format)?.into_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    finder::check(&prepared)?;
    let grids = prepared.detect_grids();
    let candidates = grids.len();
    grids
        .iter()
        .find_map(|grid| grid.decode().ok().map(|(_meta, text)| text))
        .ok_or(QrError::NotFound { candidates })
}

/// Checks the size, then the declared dimensions, then decodes the pixels.
fn load_luma(bytes: &[u8], format: Option<ImageFormat>) -> Result<DynamicImage, QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(QrError::ImageBytesTooLarge {
            len: bytes.len(),
            max: MAX_IMAGE_BYTES,
        });
    }
    let cursor = Cursor::new(bytes);
    let mut reader = match format {
        Some(format) => ImageReader::with_format(cursor, format),
        None => ImageReader::new(cursor)
            .with_guessed_format()
            .map_err(|_| invalid("unreadable image header"))?,
    };
    if reader.format().is_none() {
        return Err(invalid("unrecognised image format"));
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    reader.limits(limits);
    // Reads the header only; our own dimension check comes before any pixel.
    let decoder = reader.into_decoder().map_err(classify)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(QrError::ImageDimensionsTooLarge {
            width,
            height,
            max: MAX_IMAGE_SIDE,
        });
    }
    DynamicImage::from_decoder(decoder).map_err(classify)
}

fn classify(err: ImageError) -> QrError {
    invalid(match err {
        ImageError::Decoding(_) => "corrupt image data",
        ImageError::Unsupported(_) => "unsupported image format or feature",
        ImageError::Limits(_) => "image exceeds decoder memory limit",
        ImageError::IoError(_) => "truncated image data",
        ImageError::Encoding(_) | ImageError::Parameter(_) => "invalid image",
    })
}

const fn invalid(reason: &'static str) -> QrError {
    QrError::ImageInvalid { reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::test_support::presentation_like;
    use crate::qr::{PayloadKind, decode, encode, render_png};
    use image::ImageEncoder as _;

    fn png_of(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(pixels, width, height, image::ExtendedColorType::L8)
            .unwrap();
        png
    }

    /// The acceptance round trip: payload → text → PNG → scan → text → payload.
    #[test]
    fn presentation_round_trips_through_a_png() {
        let presentation = presentation_like(1000, 2024);
        let text = encode(PayloadKind::Presentation, presentation.as_bytes()).unwrap();
        let png = render_png(&text, 4).unwrap();
        let scanned = scan_png(&png).unwrap();
        assert_eq!(scanned, text);
        assert_eq!(scan_image(&png).unwrap(), text);
        assert_eq!(
            decode(&scanned).unwrap(),
            (PayloadKind::Presentation, presentation.into_bytes())
        );
    }

    /// A phone camera sends JPEG: a symbol saved as JPEG (lossy, quality 85) reads back.
    #[test]
    fn a_jpeg_photo_of_a_symbol_reads_back() {
        let text = encode(
            PayloadKind::Presentation,
            presentation_like(600, 7).as_bytes(),
        )
        .unwrap();
        let luma = image::load_from_memory(&render_png(&text, 4).unwrap())
            .unwrap()
            .into_luma8();
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
            .write_image(
                luma.as_raw(),
                luma.width(),
                luma.height(),
                image::ExtendedColorType::L8,
            )
            .unwrap();
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
        assert_eq!(scan_image(&jpeg).unwrap(), text);
    }

    /// The largest symbol we render (version 40-M) passes the census and reads back.
    #[test]
    fn largest_symbol_round_trips() {
        let text = presentation_like(3391, 9)
            .to_ascii_uppercase()
            .replace(['_', '~'], "-");
        assert_eq!(crate::qr::qr_version(&text).unwrap(), 40);
        assert_eq!(scan_png(&render_png(&text, 3).unwrap()).unwrap(), text);
    }

    #[test]
    fn many_finder_patterns_are_refused_before_rqrr_runs() {
        // 256 one-pixel finder patterns: rqrr alone would take ~0.7 s (release) here
        // and hours on a 4096-pixel image.
        let png = png_of(128, 128, finder::tiled(128, 1).as_raw());
        assert_eq!(
            scan_png(&png),
            Err(QrError::ImageTooComplex {
                what: "finder patterns",
                at_least: 256,
                max: 128
            })
        );
    }

    #[test]
    fn garbage_bytes_are_an_invalid_image() {
        assert_eq!(
            scan_png(b"definitely not a png"),
            Err(invalid("corrupt image data"))
        );
        assert_eq!(scan_png(b""), Err(invalid("truncated image data")));
        assert_eq!(
            scan_image(b"definitely not an image"),
            Err(invalid("unrecognised image format"))
        );
        // A PNG cut in half.
        let png = render_png("SG1P:NCFKVPV0QSIP600GP5L0", 4).unwrap();
        assert_eq!(
            scan_png(&png[..png.len() / 2]).map_err(|e| e.code()),
            Err("qr_image_invalid")
        );
    }

    #[test]
    fn png_without_a_qr_is_not_found() {
        assert_eq!(
            scan_png(&png_of(64, 64, &[255; 64 * 64])),
            Err(QrError::NotFound { candidates: 0 })
        );
        let stripes: Vec<u8> = (0..128 * 128)
            .map(|i| if i / 128 % 16 < 8 { 0 } else { 255 })
            .collect();
        assert_eq!(
            scan_png(&png_of(128, 128, &stripes)),
            Err(QrError::NotFound { candidates: 0 })
        );
    }

    #[test]
    fn oversize_input_is_refused_before_decoding() {
        let big = vec![0u8; MAX_IMAGE_BYTES + 1];
        assert_eq!(
            scan_png(&big),
            Err(QrError::ImageBytesTooLarge {
                len: MAX_IMAGE_BYTES + 1,
                max: MAX_IMAGE_BYTES
            })
        );
    }

    #[test]
    fn oversize_dimensions_are_refused_from_the_header() {
        // A valid PNG header declaring 100000×1 with a corrupt (empty) body: refused on
        // the declared size alone, before any pixel data is read.
        let mut png = png_of(1, 1, &[0]);
        let mut header = png[..33].to_vec();
        header[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&header[12..29]);
        header[29..33].copy_from_slice(&crc.to_be_bytes());
        png.splice(..33, header);
        assert_eq!(
            scan_png(&png),
            Err(QrError::ImageDimensionsTooLarge {
                width: 100_000,
                height: 1,
                max: 4096
            })
        );
        // Honest PNGs at 4097 pixels are refused too; 4096 is accepted.
        let tall = png_of(1, 4097, &[255; 4097]);
        assert_eq!(
            scan_png(&tall),
            Err(QrError::ImageDimensionsTooLarge {
                width: 1,
                height: 4097,
                max: 4096
            })
        );
        assert_eq!(
            scan_png(&png_of(1, 4096, &[255; 4096])),
            Err(QrError::NotFound { candidates: 0 })
        );
    }

    /// CRC-32 (ISO 3309) as PNG chunks use it (PNG spec §5.5).
    fn crc32(bytes: &[u8]) -> u32 {
        !bytes.iter().fold(!0u32, |crc, &b| {
            (0..8).fold(crc ^ u32::from(b), |c, _| {
                if c & 1 == 1 {
                    c >> 1 ^ 0xEDB8_8320
                } else {
                    c >> 1
                }
            })
        })
    }
}
