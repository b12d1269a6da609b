//! `qr`: scanned QR text decoded as the checkpoint decodes it
//! (`verifier::service::offline_answer`): [`qr::decode_as`] for the kind of
//! payload expected (a presentation, by default) on the trimmed text, then the
//! payload must be UTF-8 (`qr_payload_invalid` otherwise, as the checkpoint says).
//! The outcome is `accept` or the [`QrError`] code.
//!
//! Members: `input` (the scanned text; placeholders expanded, see `build.rs`),
//! optional `expect_kind` (`presentation`, the default, `offer`, `request` or
//! `credential`: what the scanner is waiting for), optional `payload` (for an
//! accepted case, the exact text the QR must give back; a different text is a
//! broken case, not a refusal).

use std::collections::BTreeMap;

use serde_json::Value;
use sigillum_credential::qr::{self, PayloadKind, QrError};

use crate::build::Fixtures;
use crate::case::Case;

pub fn run(case: &Case, fx: &Fixtures) -> Result<String, String> {
    let text = fx.expand_text(
        case.get("input")?
            .as_str()
            .ok_or("\"input\" must be a string")?,
        &BTreeMap::new(),
    )?;
    let expected = match case.spec.get("expect_kind").map(Value::as_str) {
        None | Some(Some("presentation")) => PayloadKind::Presentation,
        Some(Some("offer")) => PayloadKind::CredentialOffer,
        Some(Some("request")) => PayloadKind::PresentationRequest,
        Some(Some("credential")) => PayloadKind::Credential,
        _ => {
            return Err(
                "\"expect_kind\" must be presentation, offer, request or credential".into(),
            );
        }
    };
    let bytes = match qr::decode_as(expected, text.trim()) {
        Ok(bytes) => bytes,
        Err(e) => return Ok(QrError::code(&e).into()),
    };
    let Ok(payload) = String::from_utf8(bytes) else {
        return Ok("qr_payload_invalid".into());
    };
    if let Some(want) = case.spec.get("payload") {
        let want = fx.expand_text(
            want.as_str().ok_or("\"payload\" must be a string")?,
            &BTreeMap::new(),
        )?;
        if payload != want {
            return Err(format!(
                "decoded to a different payload ({} bytes, want {}): {:?}",
                payload.len(),
                want.len(),
                payload.chars().take(80).collect::<String>()
            ));
        }
    }
    Ok("accept".into())
}
