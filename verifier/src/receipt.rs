//! Verification receipts (issue #5 item 6): a JWT the verifier signs over the
//! outcome of one check, so a bank can later prove that it checked, and how —
//! the credential types, issuers, which checks passed and failed, the ledger
//! source and its time — and nothing personal: no claim values, no holder key,
//! no nonce that would link the receipt to a wallet.
//!
//! `typ` is `sigillum-receipt+jwt`; `iss` is the verifier's DID (a `did:key`, so
//! anyone can check the signature without asking the verifier); `jti` is random.

use serde_json::{Map, Value, json};
use sigillum_credential::did::{self, Relationship};
use sigillum_credential::jws::{self, CompactJws};
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::time::Timestamp;

use crate::outcome::Outcome;
use crate::session::fresh;

/// `typ` of a receipt.
pub const RECEIPT_TYP: &str = "sigillum-receipt+jwt";
/// Largest receipt accepted for checking.
pub const MAX_RECEIPT_LEN: usize = 64 * 1024;

/// Why a receipt did not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReceiptError(pub String);

/// The receipt's claims for `outcome`.
#[must_use]
pub fn claims(outcome: &Outcome, verifier_did: &str, now: Timestamp) -> Map<String, Value> {
    let credentials: Vec<Value> = outcome
        .presentations
        .iter()
        .map(|p| {
            let r = &p.report;
            let passed: Vec<&str> = r
                .checks
                .iter()
                .filter(|c| c.ok && !c.skipped)
                .map(|c| c.name)
                .collect();
            let failed: Vec<Value> = r
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| json!({"check": c.name, "code": c.code}))
                .collect();
            json!({
                "type": r.credential_type,
                "format": r.format,
                "issuer": r.issuer,
                "valid": r.valid,
                "checks_passed": passed,
                "checks_failed": failed,
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("iss".into(), verifier_did.into());
    out.insert("jti".into(), fresh().into());
    out.insert("iat".into(), now.unix().into());
    out.insert("profile".into(), outcome.profile.clone().into());
    out.insert("verdict".into(), json!(outcome.verdict));
    out.insert("route".into(), outcome.route.into());
    out.insert("credentials".into(), Value::Array(credentials));
    out.insert(
        "ledger".into(),
        json!({"source": outcome.ledger, "bundle_age_secs": outcome.bundle_age_secs}),
    );
    out
}

/// A signed receipt and its identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Its `jti`, under which the service stores it.
    pub jti: String,
    /// The compact JWS.
    pub jwt: String,
}

/// Signs a receipt for `outcome` with the verifier's key (`kid` its DID URL).
#[must_use]
pub fn sign(
    outcome: &Outcome,
    key: &SigningKey,
    verifier_did: &str,
    kid: &str,
    now: Timestamp,
) -> Signed {
    let claims = claims(outcome, verifier_did, now);
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Signed {
        jwt: jws::sign_claims(RECEIPT_TYP, Some(kid), &claims, key),
        jti,
    }
}

/// Checks a receipt: its type, that `kid` is a key of the `did:key`/`did:jwk` in
/// `iss`, and the signature; returns the claims.
///
/// # Errors
/// [`ReceiptError`] saying which of those failed.
pub fn verify(receipt: &str) -> Result<Map<String, Value>, ReceiptError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| ReceiptError(format!("{what}: {e}"));
    let jws = CompactJws::parse(receipt.trim(), MAX_RECEIPT_LEN).map_err(|e| bad("format", &e))?;
    jws.expect_typ(RECEIPT_TYP).map_err(|e| bad("typ", &e))?;
    let claims = jws.unverified_claims().map_err(|e| bad("payload", &e))?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| ReceiptError("the receipt has no iss".into()))?;
    let kid = jws
        .header()
        .kid
        .clone()
        .ok_or_else(|| ReceiptError("the receipt has no kid".into()))?;
    let (did, _) = did::split_did_url(&kid).map_err(|e| bad("kid", &e))?;
    if did.as_str() != iss {
        return Err(ReceiptError(format!("kid {kid} is not a key of {iss}")));
    }
    let key = did::resolve_local(&did)
        .and_then(|doc| doc.key_for(Some(&kid), Relationship::AssertionMethod))
        .map_err(|e| bad("issuer key", &e))?;
    let verified = jws
        .verify(&key, Alg::ALL)
        .map_err(|e| bad("signature", &e))?;
    verified.claims().map_err(|e| bad("payload", &e))
}
