//! Status lists in both formats: the Token Status List (draft-ietf-oauth-status-list
//! §4–§6: `status_list.bits`/`lst`, zlib) and the W3C Bitstring Status List
//! (§2–§3: `encodedList`, multibase GZIP), as claims, as encoded lists, and signed
//! beside a credential through the verifier's status check.
//!
//! First byte: `T` token claims JSON 0x1E an index; `B` BitstringStatusListCredential
//! claims JSON 0x1E an entry JSON; `L` an `lst` value; `E` an `encodedList` value;
//! `S` token claims JSON, signed by the issuer as a `statuslist+jwt` and checked
//! for a credential whose status entry points into it. Anything else: a token's
//! text, raw.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};
use sigillum_credential::jws::CompactJws;
use sigillum_credential::key::Alg;
use sigillum_credential::status::{
    Bits, BitstringStatusList, BitstringStatusListEntry, STATUS_LIST_JWT_TYP, StatusList,
    StatusListTokenClaims, StatusReference, StatusSize, validate_status_list_credential,
};
use sigillum_credential::vc::jwt_vc::{self, JwtVcVersion};
use sigillum_credential::verify::{IssuerKey, MAX_LIST_TOKEN_BYTES, MAX_STATUS_LIST_BYTES};

use crate::forge;

/// The list's URI the harness's references name.
pub const URI: &str = "https://registry.example/v1/status-lists/7";
/// The index the forged credential's status entry points at.
pub const INDEX: u32 = 3;

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    match mode {
        b'T' => token_claims(rest),
        b'B' => bitstring_claims(rest),
        b'L' => {
            if let Ok(lst) = std::str::from_utf8(rest) {
                for bits in [Bits::One, Bits::Two, Bits::Four, Bits::Eight] {
                    if let Ok(list) = StatusList::decode_lst(lst, bits, MAX_STATUS_LIST_BYTES) {
                        let _ = list.len();
                    }
                }
            }
        }
        b'E' => {
            if let Ok(encoded) = std::str::from_utf8(rest) {
                let _ =
                    BitstringStatusList::decode(encoded, StatusSize::ONE, MAX_STATUS_LIST_BYTES);
            }
        }
        b'S' => signed(rest),
        _ => raw(data),
    }
}

fn object(bytes: &[u8]) -> Option<Map<String, Value>> {
    sigillum_credential::json::parse_object(bytes, MAX_LIST_TOKEN_BYTES).ok()
}

fn token_claims(rest: &[u8]) {
    let parts = forge::parts(rest);
    let Some(claims) = parts.first().and_then(|c| object(c)) else {
        return;
    };
    let index = parts
        .get(1)
        .and_then(|i| std::str::from_utf8(i).ok())
        .and_then(|i| i.trim().parse::<u32>().ok())
        .unwrap_or(INDEX);
    if let Ok(list) = StatusListTokenClaims::from_claims(&claims, URI, MAX_STATUS_LIST_BYTES) {
        for idx in [index, 0, u32::MAX] {
            if let Ok(reference) = StatusReference::new(URI, idx) {
                let _ = list.status_of(&reference);
            }
        }
    }
}

fn bitstring_claims(rest: &[u8]) {
    let parts = forge::parts(rest);
    let Some(claims) = parts.first().and_then(|c| object(c)) else {
        return;
    };
    let entry = parts
        .get(1)
        .and_then(|e| sigillum_credential::json::parse(e, 64 * 1024).ok())
        .unwrap_or_else(|| {
            json!({
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": INDEX.to_string(),
                "statusListCredential": URI,
            })
        });
    let _ = jwt_vc::read(JwtVcVersion::V2, &claims);
    if let Ok(entry) = BitstringStatusListEntry::from_json(&entry) {
        let _ = validate_status_list_credential(&claims, &entry, MAX_STATUS_LIST_BYTES);
    }
}

/// An SD-JWT VC whose status entry is index [`INDEX`] of the list at [`URI`].
pub fn credential() -> &'static str {
    static SD_JWT: OnceLock<String> = OnceLock::new();
    SD_JWT.get_or_init(|| {
        let payload = json!({
            "iss": forge::did_and_kid(&forge::issuer().public_key()).0,
            "iat": forge::NOW - 86_400,
            "vct": "urn:sigillum:vct:passport:1",
            "status": { "status_list": { "idx": INDEX, "uri": URI } },
        });
        let jwt = forge::sign_raw(
            &forge::header("dc+sd-jwt", None),
            payload.to_string().as_bytes(),
            forge::issuer(),
        );
        format!("{jwt}~")
    })
}

fn signed(rest: &[u8]) {
    let list = forge::sign_raw(
        &forge::header(STATUS_LIST_JWT_TYP, None),
        rest,
        forge::issuer(),
    );
    crate::jws::pipeline_with(
        credential(),
        IssuerKey::Given(forge::issuer().public_key()),
        &[&list],
    );
}

fn raw(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let issuer = forge::issuer().public_key();
    let Ok(jws) = CompactJws::parse(text.trim(), MAX_LIST_TOKEN_BYTES) else {
        return;
    };
    let _ = jws.expect_typ(STATUS_LIST_JWT_TYP);
    if let Ok(claims) = jws
        .verify(&issuer, Alg::ALL)
        .and_then(|v| v.claims_within(MAX_LIST_TOKEN_BYTES))
    {
        let _ = StatusListTokenClaims::from_claims(&claims, URI, MAX_STATUS_LIST_BYTES);
    }
}
