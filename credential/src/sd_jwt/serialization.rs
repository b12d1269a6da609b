//! The compact serialization (RFC 9901 §4): `<Issuer-signed JWT>~<D1>~…~<Dn>~[<KB-JWT>]`,
//! and verification of a whole SD-JWT or SD-JWT+KB (§7.1, §7.3).

use sha2::{Digest, Sha256};

use super::key_binding::{self, KbPolicy, KeyBindingClaims};
use super::{Disclosure, MAX_DISCLOSURES, Processed, SdJwtError, process};
use crate::b64;
use crate::jws::{CompactJws, Header};
use crate::key::{Alg, Jwk, PublicKey};

/// An SD-JWT or SD-JWT+KB split into its parts, nothing verified yet.
#[derive(Debug, Clone)]
pub struct SdJwt<'a> {
    jwt: CompactJws<'a>,
    disclosures: Vec<Disclosure>,
    /// Everything up to and including the last `~` before the KB-JWT (what `sd_hash` covers).
    sd_jwt_part: &'a str,
    kb: Option<&'a str>,
}

/// `sd_hash` (§4.3.1): base64url SHA-256 over the SD-JWT as presented, up to and including its last `~`.
#[must_use]
pub fn sd_hash(sd_jwt_part: &str) -> String {
    b64::encode(Sha256::digest(sd_jwt_part.as_bytes()))
}

impl<'a> SdJwt<'a> {
    /// Splits a compact SD-JWT (§4, §7.1 step 1) of at most `max_len` bytes and
    /// parses the Issuer-signed JWT and every Disclosure.
    ///
    /// # Errors
    /// [`SdJwtError::Malformed`], [`SdJwtError::TooManyDisclosures`], an issuer JWS
    /// structure error, or a malformed Disclosure.
    pub fn parse(text: &'a str, max_len: usize) -> Result<Self, SdJwtError> {
        if text.len() > max_len {
            return Err(SdJwtError::IssuerJws(crate::jws::JwsError::TooLarge {
                len: text.len(),
                max: max_len,
            }));
        }
        let last_tilde = text.rfind('~').ok_or(SdJwtError::Malformed(
            "no \"~\": a plain JWT, not an SD-JWT",
        ))?;
        let (sd_jwt_part, kb) = text.split_at(last_tilde + 1);
        if !kb.is_empty() && !kb.contains('.') {
            // A KB-JWT is a compact JWS; text without a "." after the last "~" is a
            // Disclosure (or garbage) with the final "~" missing (§4).
            return Err(SdJwtError::Malformed(
                "does not end in \"~\": the part after the last \"~\" is not a KB-JWT",
            ));
        }
        let mut parts = sd_jwt_part[..last_tilde].split('~');
        let jwt = parts.next().unwrap_or_default();
        let encoded: Vec<&str> = parts.collect();
        if encoded.len() > MAX_DISCLOSURES {
            return Err(SdJwtError::TooManyDisclosures(encoded.len()));
        }
        if encoded.iter().any(|d| d.is_empty()) {
            return Err(SdJwtError::Malformed("empty disclosure between \"~~\""));
        }
        let jwt = CompactJws::parse(jwt, max_len).map_err(SdJwtError::IssuerJws)?;
        let disclosures = encoded
            .iter()
            .enumerate()
            .map(|(i, d)| Disclosure::parse(d, i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SdJwt {
            jwt,
            disclosures,
            sd_jwt_part,
            kb: (!kb.is_empty()).then_some(kb),
        })
    }

    /// The Issuer-signed JWT, unverified: read its header and `iss` to find the key.
    #[must_use]
    pub fn issuer_jwt(&self) -> &CompactJws<'a> {
        &self.jwt
    }

    /// The Disclosures, in the order presented.
    #[must_use]
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }

    /// Whether a KB-JWT is attached.
    #[must_use]
    pub fn has_key_binding(&self) -> bool {
        self.kb.is_some()
    }

    /// The KB-JWT text, if one is attached.
    #[must_use]
    pub fn key_binding_jwt(&self) -> Option<&'a str> {
        self.kb
    }

    /// The SD-JWT without its KB-JWT, ending in `~`.
    #[must_use]
    pub fn without_key_binding(&self) -> &'a str {
        self.sd_jwt_part
    }

    /// Processes the Disclosures against the *unverified* payload. For a holder that
    /// verified at receipt and now only needs to know which Disclosure reveals what.
    ///
    /// # Errors
    /// As [`process`].
    pub fn process_unverified(&self) -> Result<Processed, SdJwtError> {
        let claims = self
            .jwt
            .unverified_claims()
            .map_err(SdJwtError::IssuerJws)?;
        process(claims, &self.disclosures)
    }

    /// Verifies as a verifier (§7.1 and §7.3): issuer signature with `issuer_key`
    /// under the `algs` allow-list, Disclosures, and key binding per `kb`. A KB-JWT
    /// that is present is always checked, whether or not policy requires one.
    ///
    /// # Errors
    /// The first [`SdJwtError`] met.
    pub fn verify(
        self,
        issuer_key: &PublicKey,
        algs: &[Alg],
        kb: &KbPolicy,
    ) -> Result<VerifiedSdJwt, SdJwtError> {
        let verified = self
            .jwt
            .verify(issuer_key, algs)
            .map_err(SdJwtError::IssuerJws)?;
        let claims = verified.claims().map_err(SdJwtError::IssuerJws)?;
        let processed = process(claims, &self.disclosures)?;
        let key_binding = match self.kb {
            None if kb.required => return Err(SdJwtError::KeyBindingMissing),
            None => None,
            Some(kb_jwt) => {
                let holder_key = holder_key(&processed)?;
                Some(key_binding::verify(
                    kb_jwt,
                    self.sd_jwt_part,
                    &holder_key,
                    algs,
                    kb,
                )?)
            }
        };
        Ok(VerifiedSdJwt {
            header: verified.header().clone(),
            alg: verified.alg(),
            processed,
            key_binding,
        })
    }

    /// Verifies as a holder receiving from an issuer (§7.2): like [`SdJwt::verify`],
    /// and an SD-JWT+KB is refused.
    ///
    /// # Errors
    /// [`SdJwtError::KeyBindingUnexpected`], or as [`SdJwt::verify`].
    pub fn verify_as_holder(
        self,
        issuer_key: &PublicKey,
        algs: &[Alg],
    ) -> Result<VerifiedSdJwt, SdJwtError> {
        if self.kb.is_some() {
            return Err(SdJwtError::KeyBindingUnexpected);
        }
        self.verify(issuer_key, algs, &KbPolicy::not_required())
    }
}

/// The holder's public key from `cnf.jwk` (§4.1.2; RFC 7800 §3.2).
///
/// # Errors
/// [`SdJwtError::HolderKeyInvalid`] when `cnf.jwk` is absent or not an acceptable public key.
pub(crate) fn holder_key(processed: &Processed) -> Result<PublicKey, SdJwtError> {
    let jwk = processed
        .claims
        .get("cnf")
        .and_then(|c| c.get("jwk"))
        .ok_or_else(|| SdJwtError::HolderKeyInvalid("no cnf.jwk in the credential".into()))?;
    Jwk::from_value(jwk)
        .and_then(|j| j.to_public_key())
        .map_err(|e| SdJwtError::HolderKeyInvalid(e.to_string()))
}

/// A verified SD-JWT: only [`SdJwt::verify`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedSdJwt {
    header: Header,
    alg: Alg,
    processed: Processed,
    key_binding: Option<KeyBindingClaims>,
}

impl VerifiedSdJwt {
    /// The Issuer-signed JWT's header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// The algorithm the issuer signed with.
    #[must_use]
    pub fn alg(&self) -> Alg {
        self.alg
    }
    /// The Processed SD-JWT Payload and what was disclosed.
    #[must_use]
    pub fn processed(&self) -> &Processed {
        &self.processed
    }
    /// The verified KB-JWT claims, when one was presented.
    #[must_use]
    pub fn key_binding(&self) -> Option<&KeyBindingClaims> {
        self.key_binding.as_ref()
    }
}
