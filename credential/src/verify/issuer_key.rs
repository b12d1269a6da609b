//! Finding the issuer's key: given outright, from a DID document the caller
//! resolved (did:web, did:sigillum are async and live in the services), or resolved
//! here for the self-describing methods `did:key` and `did:jwk`.

use serde_json::{Map, Value};

use super::{Rejection, Report, VerifyInput, VerifyPolicy};
use crate::did::{self, Did, DidDocument, DidError, Relationship};
use crate::jws::{CompactJws, VerifiedJws};
use crate::key::PublicKey;

/// Where the issuer's public key comes from.
#[derive(Debug, Clone)]
pub enum IssuerKey {
    /// This key, whoever the token says issued it (tests, `--issuer-jwk`).
    Given(PublicKey),
    /// The issuer's DID document, already resolved by the caller.
    Document(DidDocument),
    /// Resolve `did:key` / `did:jwk` from the token's `kid` or issuer.
    ResolveLocal,
}

/// The issuer identifier and `kid` of a token, read before verification so a
/// service can resolve the key (`iss` for SD-JWT VC and VC 1.1, `issuer` for VC 2.0).
#[must_use]
pub fn issuer_and_kid(
    claims: &Map<String, Value>,
    kid: Option<&str>,
) -> (Option<String>, Option<String>) {
    let issuer = match (claims.get("iss"), claims.get("issuer")) {
        (Some(Value::String(iss)), _) => Some(iss.clone()),
        (_, Some(Value::String(issuer))) => Some(issuer.clone()),
        (_, Some(Value::Object(o))) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    (issuer, kid.map(str::to_owned))
}

impl IssuerKey {
    /// The key that must have signed a token from `issuer` with header `kid`: the
    /// verification method must be in the document's `assertionMethod` (DID Core §5.3.2),
    /// and a DID-URL `kid` must name the issuer's own DID.
    ///
    /// # Errors
    /// A [`Rejection::Did`] saying which DID, method or relationship failed.
    pub fn resolve(&self, issuer: Option<&str>, kid: Option<&str>) -> Result<PublicKey, Rejection> {
        match self {
            IssuerKey::Given(key) => Ok(key.clone()),
            IssuerKey::Document(doc) => {
                if let Some(iss) = issuer
                    && iss.starts_with("did:")
                    && iss != doc.id
                {
                    return Err(DidError::DocumentInvalid(format!(
                        "document is for {}, the issuer is {iss}",
                        doc.id
                    ))
                    .into());
                }
                Ok(doc.key_for(kid, Relationship::AssertionMethod)?)
            }
            IssuerKey::ResolveLocal => {
                let (did, fragment) = match kid.filter(|k| k.starts_with("did:")) {
                    Some(kid) => did::split_did_url(kid)?,
                    None => match issuer {
                        Some(iss) => (Did::parse(iss)?, kid.and_then(|k| k.strip_prefix('#'))),
                        None => {
                            return Err(DidError::Invalid(
                                "the token names no issuer and no DID kid".into(),
                            )
                            .into());
                        }
                    },
                };
                // A kid of another DID names no method of the issuer's: the same
                // answer as when the caller resolved the issuer's document.
                if let Some(iss) = issuer
                    && iss != did.as_str()
                {
                    return Err(DidError::VerificationMethodNotFound {
                        id: format!(
                            "{} (of {did}, not of the issuer {iss})",
                            kid.unwrap_or_default()
                        ),
                        relationship: Relationship::AssertionMethod.name(),
                    }
                    .into());
                }
                let doc = did::resolve_local(&did)?;
                let vm = fragment.map(|f| format!("{did}#{f}"));
                Ok(doc.key_for(vm.as_deref(), Relationship::AssertionMethod)?)
            }
        }
    }
}

/// The `issuer_key` and `issuer_signature` checks, shared by every format: records
/// the issuer in the report, finds the key, verifies the signature. Returns the key
/// (for the status list) and the claims to check further: the verified ones, or,
/// when the signature could not be verified, the unverified ones so that every other
/// problem is still reported (the report then withholds the claims).
pub(super) fn key_and_signature(
    report: &mut Report,
    jws: &CompactJws<'_>,
    unverified: Map<String, Value>,
    input: &VerifyInput<'_>,
    policy: &VerifyPolicy,
) -> (Option<PublicKey>, Map<String, Value>) {
    let (issuer, kid) = issuer_and_kid(&unverified, jws.header().kid.as_deref());
    report.issuer.clone_from(&issuer);
    let key = report.record(
        "issuer_key",
        |_| {
            format!(
                "key found for {}",
                issuer.as_deref().unwrap_or("the issuer")
            )
        },
        input.issuer_key.resolve(issuer.as_deref(), kid.as_deref()),
    );
    let signed = key.as_ref().and_then(|key| {
        report.record(
            "issuer_signature",
            |v: &VerifiedJws| format!("signed with {} by the issuer's key", v.alg()),
            jws.clone()
                .verify(key, &policy.algs)
                .map_err(Rejection::from),
        )
    });
    let claims = signed
        .as_ref()
        .and_then(|s| s.claims().ok())
        .unwrap_or(unverified);
    (key, claims)
}
