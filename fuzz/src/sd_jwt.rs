//! SD-JWT (RFC 9901): the `~`-separated serialization (§4), Disclosures (§4.2),
//! their processing into claims (§7.1), the JSON serialization (§8), and an SD-JWT
//! VC through the verifier's pipeline.
//!
//! Input `F` + parts separated by 0x1E: the Issuer-signed JWT's payload (with
//! `$HOLDER_JWK` replaced by the holder's key), then each Disclosure's JSON (the
//! harness base64url-encodes it), then, when the last part starts with `KB:`, a
//! KB-JWT payload signed by the holder (with `$SD_HASH` replaced by the real
//! `sd_hash`). Everything is signed by keys the verifier trusts, so the fuzzer
//! works on §7's MUST-rejects, not on signatures. Any other input: raw text.

use sigillum_credential::key::Alg;
use sigillum_credential::sd_jwt::{KbPolicy, SdJwt, json_serialization, sd_hash};
use sigillum_credential::verify::IssuerKey;

use crate::forge;
use crate::jws::{MAX_TOKEN, pipeline};
use crate::kb_jwt::{AUD, NONCE};

/// Runs one input.
pub fn run(data: &[u8]) {
    match data.split_first() {
        Some((b'F', rest)) => {
            if let Some(presented) = forge_presentation(rest) {
                check(&presented, IssuerKey::Given(forge::issuer().public_key()));
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(data) {
                check(text, IssuerKey::ResolveLocal);
            }
            let _ = json_serialization::to_compact(data);
        }
    }
}

/// The presentation an input describes (see the module's documentation).
pub fn forge_presentation(rest: &[u8]) -> Option<String> {
    let parts = forge::parts(rest);
    let (payload, mut others) = parts.split_first()?;
    let kb = match others.split_last() {
        Some((last, before)) if last.starts_with(b"KB:") => {
            others = before;
            Some(&last[3..])
        }
        _ => None,
    };
    let payload = forge::substitute(payload, &[("$HOLDER_JWK", forge::holder_jwk())]);
    let jwt = forge::sign_raw(&forge::header("dc+sd-jwt", None), &payload, forge::issuer());
    let mut presented = jwt;
    presented.push('~');
    for d in others {
        presented.push_str(&forge::b64(d));
        presented.push('~');
    }
    if let Some(kb) = kb {
        let hash = sd_hash(&presented);
        let kb = forge::substitute(kb, &[("$SD_HASH", &hash)]);
        presented.push_str(&forge::sign_raw(
            &forge::header("kb+jwt", None),
            &kb,
            forge::holder(),
        ));
    }
    Some(presented)
}

/// Parses, processes and verifies `presented` as a holder and as a verifier would.
pub fn check(presented: &str, issuer_key: IssuerKey) {
    if let Ok(sd) = SdJwt::parse(presented, MAX_TOKEN) {
        let _ = sd.process_unverified();
        let _ = sd.has_key_binding();
        let _ = sd.key_binding_jwt();
        let issuer = match &issuer_key {
            IssuerKey::Given(key) => key.clone(),
            _ => forge::issuer().public_key(),
        };
        let policy = KbPolicy::required(NONCE, AUD, forge::now());
        let _ = sd.clone().verify(&issuer, Alg::ALL, &policy);
        let _ = sd.verify_as_holder(&issuer, Alg::ALL);
    }
    pipeline(presented, issuer_key);
}
