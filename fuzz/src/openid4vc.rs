//! OpenID4VCI 1.0 and OpenID4VP 1.0 messages: offers and their links (VCI §4.1),
//! issuer metadata (§12.2), token requests and responses (§6), nonce (§7) and
//! credential requests and responses (§8), error responses, proof JWTs (Appendix
//! F.1), DCQL queries (VP §6), request links and signed Request Objects (VP §5,
//! RFC 9101), and `direct_post` answers (VP §8.2).
//!
//! The first byte picks the message; the rest is its text. `P` and `R` forge: a
//! proof JWT signed by the holder (`$HOLDER_JWK` in the header replaced by its
//! key), a Request Object signed by a verifier's `did:key` — header 0x1E payload.

use std::sync::OnceLock;

use sigillum_credential::key::Alg;
use sigillum_credential::oid4vci::{
    CredentialErrorResponse, CredentialIssuerMetadata, CredentialOffer, CredentialRequest,
    CredentialResponse, NonceResponse, ProofPolicy, RequestLimits, TokenErrorResponse,
    TokenRequest, TokenResponse, verify_proof_jwt,
};
use sigillum_credential::oid4vp::{
    DID_CLIENT_PREFIX, DcqlQuery, RequestLink, WalletAnswer, verify_offline_request,
    verify_request_object,
};

use crate::forge;

/// The Credential Issuer Identifier metadata and proofs are checked against.
pub const ISSUER: &str = "https://issuer.example";

/// The link a forged Request Object was fetched through: the verifier's `did:key`
/// as `client_id`.
pub fn link() -> &'static RequestLink {
    static LINK: OnceLock<RequestLink> = OnceLock::new();
    LINK.get_or_init(|| RequestLink {
        client_id: format!(
            "{DID_CLIENT_PREFIX}{}",
            forge::did_and_kid(&forge::party().public_key()).0
        ),
        request_uri: "https://verifier.example/request/abc".into(),
    })
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if *mode == b'P' || *mode == b'R' {
        forged(*mode, rest);
        return;
    }
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match mode {
        b'o' => {
            let _ = CredentialOffer::from_json(text);
        }
        b'l' => {
            let _ = CredentialOffer::parse_link(text);
            let _ = CredentialOffer::parse_query(text);
        }
        b'm' => {
            let _ = CredentialIssuerMetadata::from_json(text, ISSUER);
        }
        b't' => {
            let _ = TokenRequest::from_form(text);
            let _ = TokenResponse::from_json(text);
        }
        b'n' => {
            let _ = NonceResponse::from_json(text);
            let _ = CredentialErrorResponse::from_json(text);
            let _ = TokenErrorResponse::from_json(text);
        }
        b'c' => {
            let _ = CredentialRequest::from_json(text, &RequestLimits::default());
            let _ = CredentialRequest::from_json(
                text,
                &RequestLimits {
                    max_len: 1024 * 1024,
                    max_proofs: 16,
                },
            );
        }
        b'r' => {
            let _ = CredentialResponse::from_json(text);
        }
        b'p' => {
            let _ = verify_proof_jwt(text, &proof_policy());
        }
        b'q' => {
            let _ = DcqlQuery::from_json(text);
            let _ = DcqlQuery::from_json_strict(text);
        }
        b'L' => {
            let _ = RequestLink::parse(text);
        }
        b'w' => {
            let _ = WalletAnswer::from_form(text);
        }
        b'j' => {
            let _ = verify_request_object(text, link(), Alg::ALL);
            let _ = verify_offline_request(text, Alg::ALL);
        }
        _ => {}
    }
}

fn proof_policy() -> ProofPolicy<'static> {
    ProofPolicy {
        audience: ISSUER,
        allowed_algs: Alg::ALL,
        now: forge::now(),
        max_age_secs: 300,
        leeway_secs: 60,
    }
}

fn forged(mode: u8, rest: &[u8]) {
    let parts = forge::parts(rest);
    let [header, payload, ..] = parts.as_slice() else {
        return;
    };
    if mode == b'P' {
        let header = forge::substitute(header, &[("$HOLDER_JWK", forge::holder_jwk())]);
        let jwt = forge::sign_raw(&header, payload, forge::holder());
        let _ = verify_proof_jwt(&jwt, &proof_policy());
    } else {
        let jwt = forge::sign_raw(header, payload, forge::party());
        let _ = verify_request_object(&jwt, link(), Alg::ALL);
        let _ = verify_offline_request(&jwt, Alg::ALL);
    }
}
