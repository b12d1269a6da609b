//! JWS and JWT: the compact serialization (RFC 7515 §7.1), its header (§4.1) and
//! the JWT claims behind it (RFC 7519 §4.1), then the whole verification pipeline.
//!
//! Input `F` + header 0x1E payload: both signed by the trusted issuer key, so
//! the header's parameters and the payload's claims are fuzzed behind a valid
//! signature, through `verify` as a VC-JWT. Any other input: the bytes as a
//! token, raw.

use sigillum_credential::jws::CompactJws;
use sigillum_credential::key::Alg;
use sigillum_credential::status::STATUS_LIST_JWT_TYP;
use sigillum_credential::time::FixedClock;
use sigillum_credential::vc::jwt_vc::{self, JwtVcVersion};
use sigillum_credential::verify::{IssuerKey, VerifyInput, VerifyPolicy, verify};

use crate::forge;

/// The largest token the harness hands the parser (the services' own caps are smaller).
pub const MAX_TOKEN: usize = 64 * 1024;
/// The media types a Sigillum service expects in `typ`, one of which each token is checked against.
pub const TYPS: &[&str] = &["dc+sd-jwt", "kb+jwt", "vc+jwt", STATUS_LIST_JWT_TYP, "JWT"];

/// Runs one input.
pub fn run(data: &[u8]) {
    match data.split_first() {
        Some((b'F', rest)) => forged(rest),
        _ => {
            if let Ok(text) = std::str::from_utf8(data) {
                raw(text);
            }
        }
    }
}

fn raw(text: &str) {
    let issuer = forge::issuer().public_key();
    if let Ok(jws) = CompactJws::parse(text, MAX_TOKEN) {
        for typ in TYPS {
            let _ = jws.expect_typ(typ);
        }
        let _ = jws.expect_typ_in(TYPS);
        let _ = jws.unverified_claims();
        if let Ok(verified) = jws.verify(&issuer, Alg::ALL) {
            let _ = verified.claims();
        }
    }
    pipeline(text, IssuerKey::ResolveLocal);
}

fn forged(rest: &[u8]) {
    let parts = forge::parts(rest);
    let (header, payload) = match parts.as_slice() {
        [header, payload, ..] => (*header, *payload),
        [payload] => (&b"{\"alg\":\"EdDSA\",\"typ\":\"vc+jwt\"}"[..], *payload),
        [] => return,
    };
    let token = forge::sign_raw(header, payload, forge::issuer());
    let issuer = forge::issuer().public_key();
    let Ok(jws) = CompactJws::parse(&token, MAX_TOKEN) else {
        return;
    };
    let Ok(verified) = jws.verify(&issuer, Alg::ALL) else {
        return;
    };
    if let Ok(claims) = verified.claims() {
        let _ = jwt_vc::read(JwtVcVersion::V2, &claims);
        let _ = jwt_vc::read(JwtVcVersion::V1_1, &claims);
    }
    pipeline(&token, IssuerKey::Given(issuer));
}

/// The verifier's whole pipeline over `presented`, under a policy asking for
/// status and key binding as a border checkpoint does.
pub fn pipeline(presented: &str, issuer_key: IssuerKey) {
    pipeline_with(presented, issuer_key, &[]);
}

/// [`pipeline`], with these signed status lists given.
pub fn pipeline_with(presented: &str, issuer_key: IssuerKey, lists: &[&str]) {
    let clock = FixedClock(forge::now());
    let input = VerifyInput {
        presented,
        issuer_key,
        status_lists: lists,
        status_list_keys: &[],
        list_cache: None,
        clock: &clock,
    };
    let policy = VerifyPolicy {
        nonce: Some(crate::kb_jwt::NONCE.into()),
        aud: Some(crate::kb_jwt::AUD.into()),
        require_status: !lists.is_empty(),
        ..VerifyPolicy::default()
    };
    let _ = verify(&input, &policy);
}
