//! The preset dictionary of the `SG2P:` presentation framing: the JSON scaffolding our
//! issuer and wallet write, which deflate may copy from instead of spelling it out.
//!
//! A preset dictionary is text the compressor and the decompressor both hold before the
//! stream starts (RFC 1950 §2.2 FDICT; RFC 1951 §3.2.5: a back-reference may reach
//! up to 32,768 bytes behind the current position). It is written here in the
//! frame's own alphabet (see [`super::frame`]): a concealed base64url value already
//! stands as a reference (`0xFF 0x20`, 32 blob bytes), so `","y":"` `0xFF 0x20` `"}}`
//! is one match.
//!
//! **The dictionary is part of the wire format.** A text made with one dictionary
//! decodes to garbage (or fails) with another, so changing a single byte here needs a
//! new prefix (`SG3P:`), with `SG2P:` kept decodable with this dictionary forever.
//! `tests::dictionary_is_frozen` and the golden vector in `presentation_vectors` fail
//! on any change.
//!
//! Order matters: deflate spends more bits on longer distances (RFC 1951 §3.2.5, distance
//! codes 0–29), so the most frequent strings come last, nearest to the payload.

use super::frame::{B64, END, RAW, SD_HASH};

/// Pieces of the dictionary, rarest first.
const PARTS: &[&[u8]] = &[
    // VC-JWT (W3C VC Data Model 2.0 as `vc+jwt`, VC-JOSE-COSE §3.1.1), as `jwt_vc::issue` writes it.
    br#"{"typ":"vc+jwt","cty":"vc","kid":"did:sigillum:"#,
    br#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential",""#,
    br#"Credential"],"issuer":"did:sigillum:"#,
    br#"","validFrom":"20"#,
    br#"T00:00:00Z","validUntil":"20"#,
    br#"","credentialSubject":{"id":"did:jwk:ey"#,
    br#"},"credentialStatus":[{"id":"https://"#,
    br#"","type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":""#,
    br#"","statusListCredential":"https://"#,
    br#"","statusPurpose":"suspension"#,
    br#"}],"credentialSchema":{"id":"urn:sigillum:schema:"#,
    br#"","type":"JsonSchema"}}"#,
    // Business licence claims (specs/credential-types/business_license.json).
    br#""registration_number":""#,
    br#"","legal_name":""#,
    br#"","legal_form":"limited liability company"#,
    br#"","registration_status":"active"#,
    br#"","registering_authority":""#,
    br#"","jurisdiction":""#,
    br#"","representatives",[{"family_name":""#,
    br#"","role":"managing_director"},{"#,
    br#"","role":"authorised_signatory"}]"#,
    br#"","activity_codes",[""#,
    br#"","registration_date","20"#,
    br#"","vct":"urn:sigillum:vct:business_license:1"#,
    // Addresses (residence permit, business licence).
    br#"","address",{"street":""#,
    br#"","locality":""#,
    br#"","postal_code":""#,
    br#"","country":""#,
    // Residence permit claims (specs/credential-types/residence_permit.json).
    br#"","permit_number",""#,
    br#"","permit_type",""#,
    br#"","valid_from","20"#,
    br#"","remarks",""#,
    br#"","vct":"urn:sigillum:vct:residence_permit:1"#,
    br#"{"valid_until":"20"#,
    // The same JWTs with their members sorted, as serde_json writes them without its
    // `preserve_order` feature.
    br#"{"alg":"ES256","kid":"did:"#,
    br#"","typ":"dc+sd-jwt"}"#,
    &[END],
    br#"{"_sd":[""#,
    &[B64, 32],
    br#"",""#,
    &[B64, 32],
    br#""],"_sd_alg":"sha-256","cnf":{"jwk":{"crv":"P-256","kty":"EC","x":""#,
    &[B64, 32],
    br#"","y":""#,
    &[B64, 32],
    br#""}}"#,
    br#"{"alg":"ES256","typ":"kb+jwt"}"#,
    &[END],
    br#"{"aud":"decentralized_identifier:did:key:zDnae"#,
    br#"","iat":1"#,
    br#","nonce":""#,
    &[B64, 16],
    br#"","sd_hash":""#,
    &[SD_HASH],
    br#""}"#,
    &[END, RAW, 64, END],
    // Passport claims (specs/credential-types/passport.json), shared personal claims.
    br#"","sex",""#,
    br#"","place_of_birth",""#,
    br#"","issue_date","20"#,
    br#"","issuing_authority",""#,
    br#"","portrait_digest","sha-256:"#,
    br#"","nationality",""#,
    br#"","given_names",""#,
    br#"","family_name",""#,
    br#"","birth_date","19"#,
    br#"","document_number",""#,
    b"\"]",
    &[END],
    b"[\"",
    &[B64, 16],
    // SD-JWT VC payload (draft-ietf-oauth-sd-jwt-vc §3.2.2, RFC 9901 §4.1, Token Status
    // List §6.1), in the order `sd_jwt_vc::issue` inserts the claims.
    br#"{"document_type":"P","issuing_state":""#,
    br#"","expiry_date":"20"#,
    br#"","vct":"urn:sigillum:vct:passport:1","iat":1"#,
    br#","exp":1"#,
    br#","cnf":{"jwk":{"kty":"EC","crv":"P-256","x":""#,
    &[B64, 32],
    br#"","y":""#,
    &[B64, 32],
    br#""}},"status":{"status_list":{"idx":"#,
    br#","uri":"https://"#,
    br#"/v1/status-lists/did:sigillum:"#,
    br#"/0"}},"_sd":[""#,
    &[B64, 32],
    br#"",""#,
    &[B64, 32],
    br#""],"_sd_alg":"sha-256"}"#,
    &[END, RAW, 64, END],
    // The Issuer-signed JWT's header (RFC 9901 §4; `typ` per SD-JWT VC §3.2.1).
    &[2],
    br#"{"typ":"dc+sd-jwt","kid":"did:sigillum:"#,
    br#"#key-1","alg":"ES256"}"#,
    &[END],
    // The KB-JWT (RFC 9901 §4.3), as `sign_key_binding` writes it, most frequent of all.
    br#""]"#,
    &[END],
    br#"{"typ":"kb+jwt","alg":"ES256"}"#,
    &[END],
    br#"{"iat":1"#,
    br#","aud":"decentralized_identifier:did:key:zDnae"#,
    br#"","nonce":""#,
    &[B64, 16],
    br#"","sd_hash":""#,
    &[SD_HASH],
    br#""}"#,
    &[END, RAW, 64, END],
];

/// Total length of [`PARTS`].
// Evaluated by the compiler: an index out of range fails the build, never a scan.
#[allow(clippy::indexing_slicing)]
const LEN: usize = {
    let mut len = 0;
    let mut i = 0;
    while i < PARTS.len() {
        len += PARTS[i].len();
        i += 1;
    }
    len
};

/// The `SG2P:` preset dictionary: the pieces above concatenated, at most 32 KiB (RFC 1951
/// §3.2.5) and in practice under 2 KiB. Frozen: see the module docs.
// Evaluated by the compiler: an index out of range fails the build, never a scan.
#[allow(clippy::indexing_slicing)]
pub const DICTIONARY: [u8; LEN] = {
    let mut out = [0u8; LEN];
    let mut at = 0;
    let mut i = 0;
    while i < PARTS.len() {
        let mut j = 0;
        while j < PARTS[i].len() {
            out[at] = PARTS[i][j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
};

const _: () = assert!(
    LEN <= 32 * 1024,
    "a deflate window reaches back 32 KiB at most"
);

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest as _, Sha256};

    /// Changing the dictionary changes the wire format: it needs a new prefix, not a
    /// new hash here.
    #[test]
    fn dictionary_is_frozen() {
        let digest = crate::b64::encode(Sha256::digest(DICTIONARY));
        assert_eq!(
            (DICTIONARY.len(), digest.as_str()),
            (1988, "tbc_XLKErABqGXgBNqgZUXK7gWwuuh8NW-Krnzg7VMA"),
            "the SG2P dictionary changed: that needs a new prefix"
        );
    }
}
