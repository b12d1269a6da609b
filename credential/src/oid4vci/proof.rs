//! The `jwt` key proof (OpenID4VCI 1.0 Appendix F.1), built by the wallet and
//! checked by the issuer as Appendix F.4 requires.
//!
//! ```text
//!  header  {"typ":"openid4vci-proof+jwt","alg":"ES256","jwk":{…holder public key…}}
//!  payload {"aud":"<credential issuer id>","iat":1701960444,"nonce":"<c_nonce>"[,"iss":"<client_id>"]}
//! ```
//!
//! Decisions pinned here:
//! - the key is taken from the `jwk` header only. F.1 allows exactly one of `kid`,
//!   `jwk`, `x5c`; a proof with `kid` (a DID URL) or `x5c` is refused with
//!   [`ProofError::KeyMethodUnsupported`], since our credentials bind a JWK (`cnf.jwk`);
//! - `aud` must be a single string (F.1: "REQUIRED (string)"), equal to the
//!   Credential Issuer Identifier; an array is refused;
//! - `iat` must be an integer NumericDate (we do not accept fractional seconds);
//! - `nonce` is required: our issuer has a Nonce Endpoint, so F.1 makes it a MUST.
//!   This module returns it; the issuer checks it against the `c_nonce` values it
//!   issued (e.g. with [`VerifiedProof::check_nonce`]);
//! - `key_attestation` and `trust_chain` headers are not evaluated: we do not
//!   advertise `key_attestations_required`.

use serde_json::{Map, Value};

use super::credential_request::CredentialErrorCode;
use super::error::clip;
use crate::jws::{self, CompactJws, JwsError};
use crate::key::{Alg, Jwk, JwkError, PublicKey, SigningKey};
use crate::time::Timestamp;

/// The proof JWT's `typ` (F.1; registered media type `application/openid4vci-proof+jwt`).
pub const PROOF_JWT_TYP: &str = "openid4vci-proof+jwt";
/// Largest proof JWT accepted: a P-256 `jwk` proof is about 600 bytes; room is left
/// for headers we ignore.
pub const MAX_PROOF_JWT_LEN: usize = 16 * 1024;

/// The header members that can name the proof key (F.1); exactly one may be present.
const KEY_HEADERS: [&str; 3] = ["jwk", "kid", "x5c"];

/// Why a proof JWT was refused. [`ProofError::error_code`] maps each to `invalid_proof`
/// or `invalid_nonce` (§8.3.1.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// Over [`MAX_PROOF_JWT_LEN`].
    #[error("proof JWT of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Not a well-formed compact JWS with a JSON header and claims.
    #[error("proof JWT is malformed: {0}")]
    Malformed(JwsError),
    /// `typ` is not `openid4vci-proof+jwt` (F.1, F.4).
    #[error("proof typ is {found:?}; \"{PROOF_JWT_TYP}\" is required")]
    TypMismatch {
        /// The header's `typ`.
        found: Option<String>,
    },
    /// None of `jwk`, `kid`, `x5c` is present (F.1).
    #[error("proof header names no key (jwk, kid or x5c)")]
    KeyMissing,
    /// More than one of `jwk`, `kid`, `x5c` (F.1: each "MUST NOT be present" with another).
    #[error("proof header has {headers}; exactly one of jwk, kid, x5c is allowed")]
    KeyHeadersConflict {
        /// The headers present, comma-separated.
        headers: String,
    },
    /// The key is named by `kid` or `x5c`, which we do not resolve.
    #[error("proof key given by \"{header}\"; only \"jwk\" is supported")]
    KeyMethodUnsupported {
        /// `kid` or `x5c`.
        header: &'static str,
    },
    /// The `jwk` header carries a private key (F.4: "does not contain a private key").
    #[error("the proof's jwk header contains a private key (\"d\")")]
    PrivateKeyInHeader,
    /// The `jwk` header is not a usable public key.
    #[error("the proof's jwk header is not a usable key: {0}")]
    JwkInvalid(JwkError),
    /// `alg` is not in the issuer's allow-list (`none` and MACs never are).
    #[error("proof alg \"{alg}\" is not allowed (allowed: {allowed})")]
    AlgorithmNotAllowed {
        /// The header's `alg`.
        alg: String,
        /// What the issuer accepts.
        allowed: String,
    },
    /// `alg` does not belong to the `jwk`'s key type.
    #[error("proof alg {alg} does not match the {key_alg} key in its jwk header")]
    AlgorithmKeyMismatch {
        /// The header's `alg`.
        alg: Alg,
        /// The algorithm of the key.
        key_alg: Alg,
    },
    /// The signature does not verify with the `jwk` header key.
    #[error("proof signature does not verify with the key in its jwk header ({thumbprint})")]
    SignatureInvalid {
        /// RFC 7638 thumbprint of the header key.
        thumbprint: String,
    },
    /// No `aud` claim.
    #[error("proof has no aud claim")]
    AudienceMissing,
    /// `aud` is not the Credential Issuer Identifier.
    #[error("proof aud is {found}, expected \"{expected}\"")]
    AudienceMismatch {
        /// Our Credential Issuer Identifier.
        expected: String,
        /// The claim as JSON.
        found: String,
    },
    /// No `iat` claim.
    #[error("proof has no iat claim")]
    IatMissing,
    /// `iat` is not an integer.
    #[error("proof iat {found} is not an integer NumericDate")]
    IatInvalid {
        /// The claim as JSON.
        found: String,
    },
    /// `iat` is after now plus leeway.
    #[error("proof issued at {iat}, in the future (now {now}, leeway {leeway_secs}s)")]
    IssuedInFuture {
        /// The claim.
        iat: Timestamp,
        /// The verifier's clock.
        now: Timestamp,
        /// Leeway allowed.
        leeway_secs: u32,
    },
    /// `iat` is older than the allowed window (§13.8).
    #[error("proof issued at {iat} is older than {max_age_secs}s (now {now})")]
    TooOld {
        /// The claim.
        iat: Timestamp,
        /// The verifier's clock.
        now: Timestamp,
        /// Age allowed.
        max_age_secs: u32,
    },
    /// No `nonce` claim, or an empty one (§8.3.1.2: `invalid_proof`).
    #[error("proof has no nonce claim")]
    NonceMissing,
    /// A claim has the wrong JSON type.
    #[error("proof claim {claim} must be a string")]
    ClaimType {
        /// The claim.
        claim: &'static str,
    },
    /// The `nonce` is not the `c_nonce` the issuer expected (§8.3.1.2: `invalid_nonce`).
    #[error("proof nonce \"{found}\" is not the expected c_nonce")]
    NonceMismatch {
        /// The proof's nonce.
        found: String,
    },
}

impl ProofError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            ProofError::TooLarge { .. } => "proof_too_large",
            ProofError::Malformed(_) => "proof_malformed",
            ProofError::TypMismatch { .. } => "proof_typ_mismatch",
            ProofError::KeyMissing => "proof_key_missing",
            ProofError::KeyHeadersConflict { .. } => "proof_key_headers_conflict",
            ProofError::KeyMethodUnsupported { .. } => "proof_key_method_unsupported",
            ProofError::PrivateKeyInHeader => "proof_jwk_private",
            ProofError::JwkInvalid(_) => "proof_jwk_invalid",
            ProofError::AlgorithmNotAllowed { .. } => "proof_alg_not_allowed",
            ProofError::AlgorithmKeyMismatch { .. } => "proof_alg_key_mismatch",
            ProofError::SignatureInvalid { .. } => "proof_signature_invalid",
            ProofError::AudienceMissing => "proof_aud_missing",
            ProofError::AudienceMismatch { .. } => "proof_aud_mismatch",
            ProofError::IatMissing => "proof_iat_missing",
            ProofError::IatInvalid { .. } => "proof_iat_invalid",
            ProofError::IssuedInFuture { .. } => "proof_iat_in_future",
            ProofError::TooOld { .. } => "proof_too_old",
            ProofError::NonceMissing => "proof_nonce_missing",
            ProofError::ClaimType { .. } => "proof_claim_type",
            ProofError::NonceMismatch { .. } => "proof_nonce_mismatch",
        }
    }

    /// The Credential Endpoint error code (§8.3.1.2): `invalid_nonce` for a wrong
    /// nonce (the wallet should fetch a new one), `invalid_proof` for everything else,
    /// a missing nonce included.
    #[must_use]
    pub fn error_code(&self) -> CredentialErrorCode {
        match self {
            ProofError::NonceMismatch { .. } => CredentialErrorCode::InvalidNonce,
            _ => CredentialErrorCode::InvalidProof,
        }
    }
}

/// What the issuer accepts in a proof. The issuer, not the token, chooses the
/// algorithms and the clock.
#[derive(Debug, Clone, Copy)]
pub struct ProofPolicy<'a> {
    /// Our Credential Issuer Identifier; `aud` must equal it.
    pub audience: &'a str,
    /// Accepted `alg` values (the `proof_signing_alg_values_supported` we publish).
    pub allowed_algs: &'a [Alg],
    /// The current time.
    pub now: Timestamp,
    /// Oldest acceptable `iat`, in seconds before `now` (§13.8, proof replay).
    pub max_age_secs: u32,
    /// Clock skew tolerated, in both directions.
    pub leeway_secs: u32,
}

/// A proof whose signature, header and claims passed. Only [`verify_proof_jwt`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    holder: PublicKey,
    nonce: String,
    iat: Timestamp,
    client_id: Option<String>,
}

impl VerifiedProof {
    /// The key the credential is to be bound to.
    #[must_use]
    pub fn holder(&self) -> &PublicKey {
        &self.holder
    }
    /// The proof's `nonce`, for the issuer to compare with the `c_nonce` values it issued.
    #[must_use]
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
    /// When the wallet made the proof.
    #[must_use]
    pub fn iat(&self) -> Timestamp {
        self.iat
    }
    /// The `iss` claim: the wallet's `client_id`, absent after anonymous pre-authorized access (F.1).
    #[must_use]
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }
    /// Refuses the proof unless its `nonce` is `expected` (F.4).
    ///
    /// # Errors
    /// [`ProofError::NonceMismatch`] (`invalid_nonce`).
    pub fn check_nonce(&self, expected: &str) -> Result<(), ProofError> {
        if self.nonce == expected {
            Ok(())
        } else {
            Err(ProofError::NonceMismatch {
                found: clip(&self.nonce),
            })
        }
    }
}

/// Builds a proof JWT (F.1) signed by `holder`, with its public JWK in the header.
/// `client_id` becomes `iss`; pass `None` after anonymous pre-authorized access.
#[must_use]
pub fn build_proof_jwt(
    holder: &SigningKey,
    audience: &str,
    nonce: &str,
    iat: Timestamp,
    client_id: Option<&str>,
) -> String {
    let mut header = Map::new();
    header.insert("typ".into(), Value::String(PROOF_JWT_TYP.into()));
    header.insert("jwk".into(), holder.public_key().to_jwk().to_value());
    let mut claims = Map::new();
    if let Some(client_id) = client_id {
        claims.insert("iss".into(), Value::String(client_id.into()));
    }
    claims.insert("aud".into(), Value::String(audience.into()));
    claims.insert("iat".into(), Value::from(iat.unix()));
    claims.insert("nonce".into(), Value::String(nonce.into()));
    jws::sign(header, Value::Object(claims).to_string().as_bytes(), holder)
}

/// Verifies a proof JWT as Appendix F.4 requires: explicit `typ`; one key header,
/// `jwk`, holding a public key; `alg` in the allow-list and matching that key; the
/// signature; `aud`; `iat` within the window; `nonce` present.
///
/// # Errors
/// The first check that fails, as a [`ProofError`].
pub fn verify_proof_jwt(
    token: &str,
    policy: &ProofPolicy<'_>,
) -> Result<VerifiedProof, ProofError> {
    let jws = CompactJws::parse(token, MAX_PROOF_JWT_LEN).map_err(|e| match e {
        JwsError::TooLarge { len, max } => ProofError::TooLarge { len, max },
        other => ProofError::Malformed(other),
    })?;
    if jws.header().typ.as_deref() != Some(PROOF_JWT_TYP) {
        return Err(ProofError::TypMismatch {
            found: jws.header().typ.as_deref().map(clip),
        });
    }
    let holder = header_key(&jws.header().members)?;
    let verified = jws
        .verify(&holder, policy.allowed_algs)
        .map_err(|e| match e {
            JwsError::AlgorithmNotAllowed { alg, allowed } => ProofError::AlgorithmNotAllowed {
                alg: clip(&alg),
                allowed,
            },
            JwsError::AlgorithmKeyMismatch { alg, key_alg } => {
                ProofError::AlgorithmKeyMismatch { alg, key_alg }
            }
            JwsError::SignatureInvalid { .. } => ProofError::SignatureInvalid {
                thumbprint: holder.to_jwk().thumbprint(),
            },
            other => ProofError::Malformed(other),
        })?;
    let claims = verified.claims().map_err(ProofError::Malformed)?;
    check_audience(&claims, policy.audience)?;
    let iat = check_iat(&claims, policy)?;
    let nonce = match claims.get("nonce") {
        None => return Err(ProofError::NonceMissing),
        Some(Value::String(n)) if n.is_empty() => return Err(ProofError::NonceMissing),
        Some(Value::String(n)) => n.clone(),
        Some(_) => return Err(ProofError::ClaimType { claim: "nonce" }),
    };
    let client_id = match claims.get("iss") {
        None => None,
        Some(Value::String(iss)) => Some(iss.clone()),
        Some(_) => return Err(ProofError::ClaimType { claim: "iss" }),
    };
    Ok(VerifiedProof {
        holder,
        nonce,
        iat,
        client_id,
    })
}

/// F.1: exactly one of `jwk`, `kid`, `x5c`; we take `jwk`, which must be public (F.4).
fn header_key(members: &Map<String, Value>) -> Result<PublicKey, ProofError> {
    let present: Vec<&'static str> = KEY_HEADERS
        .into_iter()
        .filter(|name| members.contains_key(*name))
        .collect();
    let jwk = match present.as_slice() {
        [] => return Err(ProofError::KeyMissing),
        ["jwk"] => members.get("jwk").ok_or(ProofError::KeyMissing)?,
        [other] => return Err(ProofError::KeyMethodUnsupported { header: other }),
        several => {
            return Err(ProofError::KeyHeadersConflict {
                headers: several.join(", "),
            });
        }
    };
    let jwk = Jwk::from_value(jwk).map_err(ProofError::JwkInvalid)?;
    jwk.to_public_key().map_err(|e| match e {
        JwkError::PrivateKeyInPublicJwk => ProofError::PrivateKeyInHeader,
        other => ProofError::JwkInvalid(other),
    })
}

fn check_audience(claims: &Map<String, Value>, expected: &str) -> Result<(), ProofError> {
    match claims.get("aud") {
        None => Err(ProofError::AudienceMissing),
        Some(Value::String(aud)) if aud == expected => Ok(()),
        Some(other) => Err(ProofError::AudienceMismatch {
            expected: expected.to_owned(),
            found: clip(&other.to_string()),
        }),
    }
}

fn check_iat(
    claims: &Map<String, Value>,
    policy: &ProofPolicy<'_>,
) -> Result<Timestamp, ProofError> {
    let value = claims.get("iat").ok_or(ProofError::IatMissing)?;
    let iat = value
        .as_i64()
        .map(Timestamp::from_unix)
        .ok_or_else(|| ProofError::IatInvalid {
            found: clip(&value.to_string()),
        })?;
    let now = policy.now;
    if iat > now.plus(i64::from(policy.leeway_secs)) {
        return Err(ProofError::IssuedInFuture {
            iat,
            now,
            leeway_secs: policy.leeway_secs,
        });
    }
    let window = i64::from(policy.max_age_secs) + i64::from(policy.leeway_secs);
    if iat.plus(window) < now {
        return Err(ProofError::TooOld {
            iat,
            now,
            max_age_secs: policy.max_age_secs,
        });
    }
    Ok(iat)
}
