//! `sigillum qr encode|decode`: the compact QR payload (prefix + Base45 of zlib, as
//! the EU digital COVID certificate does it), rendered as PNG, SVG or terminal text,
//! and read back from text or from a QR image.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use serde_json::json;
use sigillum_credential::qr::{self, PayloadKind};

use crate::{CliError, files};

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// A presentation (SD-JWT+KB or VC-JWT): `SG2P:` (compact framing; `SG1P:` when it cannot be framed).
    Presentation,
    /// A credential offer link: `SG1O:`.
    Offer,
    /// A presentation request: `SG1R:`.
    Request,
    /// A credential: `SG1C:`.
    Credential,
}

impl From<KindArg> for PayloadKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Presentation => PayloadKind::Presentation,
            KindArg::Offer => PayloadKind::CredentialOffer,
            KindArg::Request => PayloadKind::PresentationRequest,
            KindArg::Credential => PayloadKind::Credential,
        }
    }
}

#[derive(Subcommand)]
pub enum QrCommand {
    /// Encode a payload as QR text; optionally render it.
    Encode {
        /// The payload (`-` for standard input).
        file: String,
        #[arg(long, value_enum, default_value = "presentation")]
        kind: KindArg,
        /// Write a PNG image here.
        #[arg(long)]
        png: Option<String>,
        /// Write an SVG image here.
        #[arg(long)]
        svg: Option<String>,
        /// Pixels per module in the PNG.
        #[arg(long, default_value_t = 4)]
        module_px: u32,
        /// Draw the QR code in the terminal.
        #[arg(long)]
        terminal: bool,
    },
    /// Decode QR text, or a PNG/JPEG image of a QR code, back to its payload.
    Decode {
        /// QR text or an image file (`-` for standard input).
        file: String,
        /// Print `{"kind", "payload", "qr_text"}` as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Whether the bytes are a PNG or JPEG image (by their magic numbers).
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG") || bytes.starts_with(&[0xff, 0xd8, 0xff])
}

pub fn run(command: QrCommand) -> Result<ExitCode, CliError> {
    match command {
        QrCommand::Encode {
            file,
            kind,
            png,
            svg,
            module_px,
            terminal,
        } => {
            let payload = files::read_text(&file)?;
            let text = qr::encode(kind.into(), payload.as_bytes())
                .map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
            let version = qr::qr_version(&text)?;
            if let Some(path) = png {
                files::write(&path, &qr::render_png(&text, module_px)?, false)?;
            }
            if let Some(path) = svg {
                files::write(&path, qr::render_svg(&text)?.as_bytes(), false)?;
            }
            if terminal {
                crate::say!("{}", qr::render_terminal(&text)?);
            }
            crate::say!("{text}");
            eprintln!(
                "{} payload bytes → {} QR characters → QR version {version} at error correction M",
                payload.len(),
                text.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        QrCommand::Decode { file, json } => {
            let bytes = files::read(&file)?;
            let text = if is_image(&bytes) {
                qr::scan_image(&bytes)
                    .map_err(|e| CliError(format!("{file}: {e} [{}]", e.code())))?
            } else {
                String::from_utf8(bytes)
                    .map_err(|_| {
                        CliError(format!("{file} is neither QR text nor a PNG/JPEG image"))
                    })?
                    .trim()
                    .to_owned()
            };
            let (kind, payload) =
                qr::decode(&text).map_err(|e| CliError(format!("{file}: {e} [{}]", e.code())))?;
            let payload = String::from_utf8(payload)
                .map_err(|_| CliError::from("the QR payload is not UTF-8 text"))?;
            if json {
                crate::say!(
                    "{}",
                    json!({"kind": kind.to_string(), "payload": payload, "qr_text": text})
                );
            } else {
                crate::say!("{payload}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
