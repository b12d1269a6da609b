//! JSON Web Keys (RFC 7517) for the two key types Sigillum accepts: `EC`/`P-256`
//! (RFC 7518 §6.2) and `OKP`/`Ed25519` (RFC 8037 §2), and their RFC 7638 thumbprints.
//!
//! Parsing is strict: coordinates must be canonical base64url of exactly 32 bytes,
//! the point must be on the curve, and a JWK used as a *public* key (a `cnf` key, a
//! DID's verification method) must not carry a private `d` member.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{PublicKey, SigningKey};
use crate::b64;

/// Why a JWK was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwkError {
    /// A required member is missing or not a string.
    #[error("JWK member \"{0}\" is missing or not a string")]
    MissingMember(&'static str),
    /// `kty`/`crv` name a key type Sigillum does not accept.
    #[error("unsupported key type {kty}/{crv}: only EC P-256 and OKP Ed25519 are accepted")]
    Unsupported {
        /// The `kty` given.
        kty: String,
        /// The `crv` given.
        crv: String,
    },
    /// The key material is not a valid key.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// A private key (`d`) was given where only a public key belongs.
    #[error("a private key member \"d\" appears in a JWK that must be public")]
    PrivateKeyInPublicJwk,
    /// The private `d` does not belong to the public `x`/`y` beside it.
    #[error("the private key does not match the public coordinates in the same JWK")]
    PrivatePublicMismatch,
    /// The JWK is not a JSON object.
    #[error("a JWK must be a JSON object")]
    NotAnObject,
}

impl JwkError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            JwkError::Unsupported { .. } => "key_type_unsupported",
            JwkError::PrivateKeyInPublicJwk => "jwk_private_in_public",
            _ => "jwk_invalid",
        }
    }
}

/// A public or private JWK of one of the two accepted types, as it appears on the wire.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `EC` or `OKP`.
    pub kty: String,
    /// Curve: `P-256` or `Ed25519`.
    pub crv: String,
    /// x coordinate (EC) or the public key (OKP), base64url.
    pub x: String,
    /// y coordinate (EC only), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// The private key, base64url. Only in private JWKs; never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
    /// Key id, if any (RFC 7517 §4.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Algorithm hint (RFC 7517 §4.4); when present it must agree with the key type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
}

impl std::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.kty)
            .field("crv", &self.crv)
            .field("x", &self.x)
            .field("y", &self.y)
            .field("kid", &self.kid)
            .field("private", &self.d.is_some())
            .finish()
    }
}

fn member<'a>(map: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, JwkError> {
    map.get(name)
        .and_then(Value::as_str)
        .ok_or(JwkError::MissingMember(name))
}

fn optional_member(
    map: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, JwkError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwkError::MissingMember(name)),
    }
}

fn coordinate(text: &str) -> Result<[u8; 32], JwkError> {
    b64::decode_array::<32>(text)
        .map_err(|_| JwkError::InvalidKey("coordinate is not 32 bytes of canonical base64url"))
}

impl Jwk {
    /// Reads a JWK from a JSON value. Unknown members are ignored (RFC 7517 §4).
    ///
    /// # Errors
    /// [`JwkError`] when members are missing or of the wrong type.
    pub fn from_value(value: &Value) -> Result<Self, JwkError> {
        let map = value.as_object().ok_or(JwkError::NotAnObject)?;
        Ok(Jwk {
            kty: member(map, "kty")?.to_owned(),
            crv: member(map, "crv")?.to_owned(),
            x: member(map, "x")?.to_owned(),
            y: optional_member(map, "y")?,
            d: optional_member(map, "d")?,
            kid: optional_member(map, "kid")?,
            alg: optional_member(map, "alg")?,
        })
    }

    /// Parses a JWK from JSON text (strict JSON: duplicate members refused).
    ///
    /// # Errors
    /// [`JwkError`] when the text is not a JWK object.
    pub fn from_json(text: &str) -> Result<Self, JwkError> {
        let value =
            crate::json::parse(text.as_bytes(), 16 * 1024).map_err(|_| JwkError::NotAnObject)?;
        Self::from_value(&value)
    }

    /// This JWK as a JSON value (private members included if present).
    #[must_use]
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The same key without its private part and without `kid`/`alg` hints.
    #[must_use]
    pub fn public_only(&self) -> Jwk {
        Jwk {
            d: None,
            ..self.clone()
        }
    }

    /// The public key, refusing JWKs that also carry a private `d`.
    ///
    /// # Errors
    /// [`JwkError::PrivateKeyInPublicJwk`] if `d` is present; otherwise as [`Jwk::to_public_key_lenient`].
    pub fn to_public_key(&self) -> Result<PublicKey, JwkError> {
        if self.d.is_some() {
            return Err(JwkError::PrivateKeyInPublicJwk);
        }
        self.to_public_key_lenient()
    }

    /// The public key of this JWK, whether or not it also carries `d`.
    ///
    /// # Errors
    /// [`JwkError`] for unsupported types, bad encodings, points off the curve or small-order keys.
    pub fn to_public_key_lenient(&self) -> Result<PublicKey, JwkError> {
        let alg_ok = |expected: &str| self.alg.as_deref().is_none_or(|a| a == expected);
        match (self.kty.as_str(), self.crv.as_str()) {
            ("EC", "P-256") => {
                if !alg_ok("ES256") {
                    return Err(JwkError::InvalidKey("\"alg\" does not match the P-256 key"));
                }
                let x = coordinate(&self.x)?;
                let y = coordinate(self.y.as_deref().ok_or(JwkError::MissingMember("y"))?)?;
                let mut sec1 = [0u8; 65];
                sec1[0] = 0x04;
                sec1[1..33].copy_from_slice(&x);
                sec1[33..].copy_from_slice(&y);
                PublicKey::p256_from_sec1(&sec1)
            }
            ("OKP", "Ed25519") => {
                if !alg_ok("EdDSA") && !alg_ok("Ed25519") {
                    return Err(JwkError::InvalidKey(
                        "\"alg\" does not match the Ed25519 key",
                    ));
                }
                if self.y.is_some() {
                    return Err(JwkError::InvalidKey("an OKP key has no \"y\""));
                }
                PublicKey::ed25519_from_bytes(&coordinate(&self.x)?)
            }
            (kty, crv) => Err(JwkError::Unsupported {
                kty: kty.to_owned(),
                crv: crv.to_owned(),
            }),
        }
    }

    /// The private key, checking that it matches the public coordinates given with it.
    ///
    /// # Errors
    /// [`JwkError`] if `d` is missing or invalid, or belongs to another public key.
    pub fn to_signing_key(&self) -> Result<SigningKey, JwkError> {
        let d = Zeroizing::new(coordinate(
            self.d.as_deref().ok_or(JwkError::MissingMember("d"))?,
        )?);
        let key = match (self.kty.as_str(), self.crv.as_str()) {
            ("EC", "P-256") => SigningKey::P256(super::P256Key::new(
                p256::ecdsa::SigningKey::from_bytes(&(*d).into())
                    .map_err(|_| JwkError::InvalidKey("P-256 private scalar out of range"))?,
            )?),
            ("OKP", "Ed25519") => SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&d)),
            (kty, crv) => {
                return Err(JwkError::Unsupported {
                    kty: kty.to_owned(),
                    crv: crv.to_owned(),
                });
            }
        };
        if key.public_key() != self.to_public_key_lenient()? {
            return Err(JwkError::PrivatePublicMismatch);
        }
        Ok(key)
    }

    /// RFC 7638 JWK thumbprint with SHA-256, base64url.
    #[must_use]
    pub fn thumbprint(&self) -> String {
        thumbprint_sha256(self)
    }
}

/// RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace.
#[must_use]
pub fn thumbprint_sha256(jwk: &Jwk) -> String {
    // serde_json escapes strings exactly as RFC 7638 §3.1 requires (no extra whitespace,
    // members in the order written here, which is lexicographic).
    let canonical = match &jwk.y {
        Some(y) => serde_json::json!({"crv": jwk.crv, "kty": jwk.kty, "x": jwk.x, "y": y}),
        None => serde_json::json!({"crv": jwk.crv, "kty": jwk.kty, "x": jwk.x}),
    };
    b64::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

impl PublicKey {
    /// This key as a public JWK (RFC 7518 §6.2.1, RFC 8037 §2).
    #[must_use]
    pub fn to_jwk(&self) -> Jwk {
        match self {
            PublicKey::P256 { sec1, .. } => Jwk {
                kty: "EC".into(),
                crv: "P-256".into(),
                x: b64::encode(&sec1[1..33]),
                y: Some(b64::encode(&sec1[33..])),
                d: None,
                kid: None,
                alg: None,
            },
            PublicKey::Ed25519(k) => Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: b64::encode(k.as_bytes()),
                y: None,
                d: None,
                kid: None,
                alg: None,
            },
        }
    }
}

impl SigningKey {
    /// This key as a private JWK. The only way a private key leaves memory; name it when you call it.
    #[must_use]
    pub fn to_private_jwk(&self) -> Jwk {
        let d = match self {
            SigningKey::P256(k) => b64::encode(k.inner().to_bytes()),
            SigningKey::Ed25519(k) => b64::encode(k.to_bytes()),
        };
        Jwk {
            d: Some(d),
            ..self.public_key().to_jwk()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Alg;

    fn vector(path: &str) -> Value {
        let full = format!("{}/../../shared/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
    }

    #[test]
    fn rfc8037_a1_to_a3_private_public_and_thumbprint() {
        let v = vector("jws/rfc8037-ed25519.json");
        let private = Jwk::from_value(&v["A.1_private_key_jwk"]).unwrap();
        let key = private.to_signing_key().unwrap();
        let public = Jwk::from_value(&v["A.2_public_key_jwk"]).unwrap();
        assert_eq!(key.public_key().to_jwk(), public);
        assert_eq!(
            public.thumbprint(),
            v["A.3_jwk_thumbprint"]["thumbprint_b64url"]
        );
        assert_eq!(key.to_private_jwk(), private);
    }

    #[test]
    fn private_jwk_round_trips_for_both_algs() {
        for alg in Alg::ALL {
            let key = SigningKey::generate(*alg);
            let again = key.to_private_jwk().to_signing_key().unwrap();
            assert_eq!(again.public_key(), key.public_key());
        }
    }

    #[test]
    fn refuses_bad_jwks_with_specific_errors() {
        let key = SigningKey::generate(Alg::Es256).to_private_jwk();
        assert_eq!(key.to_public_key(), Err(JwkError::PrivateKeyInPublicJwk));
        let mut other = SigningKey::generate(Alg::Es256).to_private_jwk();
        other.d = key.d.clone();
        assert_eq!(
            other.to_signing_key().unwrap_err(),
            JwkError::PrivatePublicMismatch
        );
        let mut off_curve = key.public_only();
        off_curve.y = Some(off_curve.x.clone());
        assert_eq!(
            off_curve.to_public_key(),
            Err(JwkError::InvalidKey("not a point on P-256"))
        );
        let rsa = Jwk::from_json(r#"{"kty":"RSA","crv":"","x":"AQAB"}"#).unwrap();
        assert_eq!(
            rsa.to_public_key().unwrap_err().code(),
            "key_type_unsupported"
        );
        let short = Jwk::from_json(r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#).unwrap();
        assert_eq!(short.to_public_key().unwrap_err().code(), "jwk_invalid");
        // The identity-adjacent small-order Ed25519 point (all zeros encodes y=0? use y=1: identity).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = Jwk {
            x: b64::encode(identity),
            ..short
        };
        assert_eq!(
            weak.to_public_key(),
            Err(JwkError::InvalidKey("Ed25519 key of small order"))
        );
    }
}
