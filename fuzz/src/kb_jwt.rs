//! Key Binding JWTs (RFC 9901 §4.3, checked per §7.3): a fixed, validly issued
//! SD-JWT VC bound to the holder's key, presented with the fuzzer's KB-JWT.
//!
//! Input `F` + header 0x1E payload: a KB-JWT over exactly those bytes signed by
//! the holder (with `$SD_HASH` in the payload replaced by the presentation's real
//! `sd_hash`), so `typ`, `iat`, `aud`, `nonce` and `sd_hash` are fuzzed behind a
//! valid signature. Any other input: the bytes as the KB-JWT's text.

use std::sync::OnceLock;

use serde_json::json;
use sigillum_credential::sd_jwt::{Disclosure, sd_hash};
use sigillum_credential::verify::IssuerKey;

use crate::forge;

/// The verifier's nonce the harnesses' policies expect.
pub const NONCE: &str = "n-0S6_WzA2Mj";
/// The verifier identifier the harnesses' policies expect in `aud`.
pub const AUD: &str = "https://bank.example";

/// A passport SD-JWT VC for the holder, ending in `~`, with one Disclosure.
pub fn credential() -> &'static str {
    static SD_JWT: OnceLock<String> = OnceLock::new();
    SD_JWT.get_or_init(|| {
        let disclosure = Disclosure::property("family_name", json!("Mustermann"));
        let payload = json!({
            "iss": forge::did_and_kid(&forge::issuer().public_key()).0,
            "iat": forge::NOW - 86_400,
            "exp": forge::NOW + 86_400 * 365,
            "vct": "urn:sigillum:vct:passport:1",
            "_sd_alg": "sha-256",
            "_sd": [disclosure.digest()],
            "cnf": { "jwk": forge::holder().public_key().to_jwk() },
        });
        let jwt = forge::sign_raw(
            &forge::header("dc+sd-jwt", None),
            payload.to_string().as_bytes(),
            forge::issuer(),
        );
        format!("{jwt}~{}~", disclosure.encoded())
    })
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let sd_jwt = credential();
    let kb = match data.split_first() {
        Some((b'F', rest)) => {
            let parts = forge::parts(rest);
            let (header, payload) = match parts.as_slice() {
                [header, payload, ..] => (*header, *payload),
                _ => return,
            };
            let payload = forge::substitute(payload, &[("$SD_HASH", &sd_hash(sd_jwt))]);
            forge::sign_raw(header, &payload, forge::holder())
        }
        _ => match std::str::from_utf8(data) {
            Ok(text) => text.to_owned(),
            Err(_) => return,
        },
    };
    crate::sd_jwt::check(
        &format!("{sd_jwt}{kb}"),
        IssuerKey::Given(forge::issuer().public_key()),
    );
}

/// A well-formed KB-JWT payload for the seed corpus.
pub fn seed_payload() -> String {
    json!({ "iat": forge::NOW, "aud": AUD, "nonce": NONCE, "sd_hash": "$SD_HASH" }).to_string()
}
