//! QR payloads: Sigillum's prefixed, compressed, Base45 (RFC 9285) text for
//! offline presentations, offers, requests and credentials, and the image scanner
//! a verifier's camera page feeds (PNG/JPEG, capped in bytes and side).
//!
//! First byte `I`: the rest is an image file. Anything else: the text a scanner read.

use sigillum_credential::qr::{self, PayloadKind, base45};

/// Runs one input.
pub fn run(data: &[u8]) {
    if let Some((b'I', image)) = data.split_first() {
        if let Ok(text) = qr::scan_image(image) {
            text_payload(&text);
        }
        return;
    }
    if let Ok(text) = std::str::from_utf8(data) {
        text_payload(text);
    }
}

fn text_payload(text: &str) {
    let _ = base45::decode(text);
    let _ = qr::known_prefix(text);
    if let Ok((_, payload)) = qr::decode(text) {
        let _ = qr::frame_sizes(&payload);
    }
    for kind in PayloadKind::ALL {
        let _ = qr::decode_as(kind, text);
    }
}
