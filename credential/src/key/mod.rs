//! Keys: Ed25519 (RFC 8032, via ed25519-dalek) and P-256 (FIPS 186-4 ECDSA, via
//! `p256` for signing and `ring` for verification), the only two algorithms
//! Sigillum accepts (HAIP chooses ES256 first; EdDSA per RFC 8037).
//!
//! Both key kinds implement the `signature` crate's `Signer`/`Verifier`/`Keypair`
//! traits, so an HSM or KMS signer is one more `impl` later.
//!
//! ES256 verification uses `ring`: on this machine it verifies a P-256 signature in
//! about a third of the time of the pure-Rust `p256` crate (see
//! `credential/benches/verify_sd_jwt_vc.rs`, group `es256_backends`). Ed25519
//! verification uses `verify_strict`, which refuses small-order keys and
//! non-canonical signatures (RFC 8032 §5.1.7 read strictly).

mod jwk;

pub use jwk::{Jwk, JwkError, thumbprint_sha256};

use std::fmt;

use rand_core::OsRng;
use signature::{Keypair, Signer, Verifier};

/// A JWS algorithm Sigillum knows (RFC 7518 §3.4 `ES256`, RFC 8037 §3.1 `EdDSA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Alg {
    /// ECDSA with P-256 and SHA-256, signature as 64-byte `r || s` (RFC 7518 §3.4).
    Es256,
    /// Ed25519 (RFC 8037 §3.1).
    EdDsa,
}

impl Alg {
    /// Every algorithm Sigillum implements; verifiers pin a subset of these.
    pub const ALL: &'static [Alg] = &[Alg::Es256, Alg::EdDsa];

    /// The JOSE `alg` name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
        }
    }

    /// The algorithm with this exact (case-sensitive, RFC 7515 §4.1.1) `alg` name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ES256" => Some(Alg::Es256),
            "EdDSA" => Some(Alg::EdDsa),
            _ => None,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A JWS signature: 64 bytes for both ES256 (`r || s`) and Ed25519.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(pub(crate) Vec<u8>);

impl Signature {
    /// The raw signature bytes as they appear (base64url-decoded) in a JWS.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", crate::b64::encode(&self.0))
    }
}

/// A public key that verifies JWS signatures.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// P-256, kept in validated and SEC1-uncompressed form (the latter for `ring`).
    P256 {
        /// The validated point.
        key: p256::PublicKey,
        /// `0x04 || x || y`, 65 bytes.
        sec1: [u8; 65],
    },
    /// Ed25519 (RFC 8032).
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicKey({}, {})",
            self.alg(),
            self.to_jwk().thumbprint()
        )
    }
}

impl PublicKey {
    /// Wraps a P-256 point.
    #[must_use]
    pub fn from_p256(key: p256::PublicKey) -> Self {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        let point = key.to_encoded_point(false);
        let mut sec1 = [0u8; 65];
        sec1.copy_from_slice(point.as_bytes());
        PublicKey::P256 { key, sec1 }
    }

    /// Parses a P-256 point from SEC1 bytes (compressed or uncompressed).
    ///
    /// # Errors
    /// [`JwkError::InvalidKey`] if the bytes are not a valid, non-identity point.
    pub fn p256_from_sec1(bytes: &[u8]) -> Result<Self, JwkError> {
        p256::PublicKey::from_sec1_bytes(bytes)
            .map(Self::from_p256)
            .map_err(|_| JwkError::InvalidKey("not a point on P-256"))
    }

    /// Parses an Ed25519 public key, refusing non-canonical encodings and weak
    /// (small-order) points up front.
    ///
    /// # Errors
    /// [`JwkError::InvalidKey`] if the bytes are not a canonically encoded, valid
    /// Ed25519 point, or are of small order.
    pub fn ed25519_from_bytes(bytes: &[u8; 32]) -> Result<Self, JwkError> {
        // RFC 8032 §5.1.3: "If the resulting value is >= p, decoding fails". The
        // dalek decoder allows it (ZIP-215); accepting it would give one key a second
        // encoding, so a second did:key and JWK thumbprint.
        if !ed25519_y_canonical(bytes) {
            return Err(JwkError::InvalidKey(
                "Ed25519 key not canonically encoded (y >= p, RFC 8032 §5.1.3)",
            ));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| JwkError::InvalidKey("not a valid Ed25519 point"))?;
        if key.is_weak() {
            return Err(JwkError::InvalidKey("Ed25519 key of small order"));
        }
        Ok(PublicKey::Ed25519(key))
    }

    /// The one algorithm this key verifies.
    #[must_use]
    pub const fn alg(&self) -> Alg {
        match self {
            PublicKey::P256 { .. } => Alg::Es256,
            PublicKey::Ed25519(_) => Alg::EdDsa,
        }
    }

    /// Checks `signature` over `message`. Opaque by design: a bad signature is a bad
    /// signature, whatever the arithmetic reason.
    ///
    /// # Errors
    /// [`signature::Error`] when the signature does not verify.
    pub fn verify_bytes(&self, message: &[u8], signature: &[u8]) -> Result<(), signature::Error> {
        match self {
            PublicKey::P256 { sec1, .. } => ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                sec1,
            )
            .verify(message, signature)
            .map_err(|_| signature::Error::new()),
            PublicKey::Ed25519(key) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)?;
                key.verify_strict(message, &sig)
            }
        }
    }

    /// Checks a signature with the pure-Rust `p256` verifier instead of `ring`
    /// (kept for the `es256_backends` benchmark and as a cross-check in tests).
    ///
    /// # Errors
    /// [`signature::Error`] when the signature does not verify.
    pub fn verify_bytes_pure_rust(
        &self,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), signature::Error> {
        match self {
            PublicKey::P256 { key, .. } => {
                let sig = p256::ecdsa::Signature::from_slice(signature)?;
                p256::ecdsa::VerifyingKey::from(key).verify(message, &sig)
            }
            PublicKey::Ed25519(key) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)?;
                key.verify(message, &sig)
            }
        }
    }
}

impl Verifier<Signature> for PublicKey {
    fn verify(&self, msg: &[u8], signature: &Signature) -> Result<(), signature::Error> {
        self.verify_bytes(msg, &signature.0)
    }
}

/// A P-256 private key. `p256` holds the scalar (zeroized on drop) and exports it
/// as a JWK; `ring` signs with it, several times faster than `p256`'s signing on
/// this machine (see `examples/issue_load.rs`: the issuer signs every credential,
/// the wallet every proof and KB-JWT). `ring` keeps its own copy of the scalar for
/// the key's lifetime and does not promise to zeroize it; a deployment that must
/// guarantee that puts the issuer key in an HSM behind `JwsSigner`.
#[derive(Clone)]
pub struct P256Key {
    key: p256::ecdsa::SigningKey,
    fast: std::sync::Arc<ring::signature::EcdsaKeyPair>,
}

impl P256Key {
    /// Wraps a `p256` key, preparing `ring`'s signer for it.
    ///
    /// # Errors
    /// [`JwkError::InvalidKey`] if `ring` refuses the key (it never refuses a valid one).
    pub fn new(key: p256::ecdsa::SigningKey) -> Result<Self, JwkError> {
        let public = key.verifying_key().to_encoded_point(false);
        let fast = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &key.to_bytes(),
            public.as_bytes(),
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|_| JwkError::InvalidKey("P-256 key refused by the signer"))?;
        Ok(P256Key {
            key,
            fast: std::sync::Arc::new(fast),
        })
    }

    /// The `p256` key (for export and the public key).
    #[must_use]
    pub fn inner(&self) -> &p256::ecdsa::SigningKey {
        &self.key
    }

    /// Fixed-size `r || s` (RFC 7518 §3.4), with a fresh random nonce from `ring`
    /// (falling back to `p256`'s RFC 6979 nonce should the system RNG fail).
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self.fast.sign(&ring::rand::SystemRandom::new(), message) {
            Ok(sig) => sig.as_ref().to_vec(),
            Err(_) => {
                let sig: p256::ecdsa::Signature = self.key.sign(message);
                sig.to_bytes().to_vec()
            }
        }
    }
}

/// A private signing key. Zeroized on drop (see [`P256Key`] for ring's copy), never printed.
#[derive(Clone)]
pub enum SigningKey {
    /// P-256 ECDSA.
    P256(P256Key),
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh random key for `alg`, from the operating system's RNG.
    #[must_use]
    pub fn generate(alg: Alg) -> Self {
        match alg {
            Alg::Es256 => loop {
                // `ring` accepts every valid scalar; the loop only guards the impossible.
                if let Ok(key) = P256Key::new(p256::ecdsa::SigningKey::random(&mut OsRng)) {
                    break SigningKey::P256(key);
                }
            },
            Alg::EdDsa => SigningKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng)),
        }
    }

    /// The algorithm this key signs with.
    #[must_use]
    pub const fn alg(&self) -> Alg {
        match self {
            SigningKey::P256(_) => Alg::Es256,
            SigningKey::Ed25519(_) => Alg::EdDsa,
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        match self {
            SigningKey::P256(k) => {
                PublicKey::from_p256(p256::PublicKey::from(k.inner().verifying_key()))
            }
            SigningKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
        }
    }

    /// Signs `message`: ES256 as fixed 64-byte `r || s` (RFC 7518 §3.4), Ed25519 per RFC 8032.
    #[must_use]
    pub fn sign_bytes(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::P256(k) => k.sign(message),
            SigningKey::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
        }
    }
}

impl Signer<Signature> for SigningKey {
    fn try_sign(&self, msg: &[u8]) -> Result<Signature, signature::Error> {
        Ok(Signature(self.sign_bytes(msg)))
    }
}

/// A key that signs JOSE objects: the `signature` crate's [`Signer`] plus the JWS
/// algorithm (RFC 7518 §3.1) and public key it signs for. [`SigningKey`] is the
/// in-memory implementation; an HSM or KMS key is one more `impl`, and everything
/// that issues (`jws::try_sign`, `sd_jwt::issue`, `vc::*::issue`) takes this trait.
pub trait JwsSigner: Signer<Signature> + Send + Sync {
    /// The algorithm every signature of this key is made with.
    fn jws_alg(&self) -> Alg;
    /// The public key a verifier checks the signatures with.
    fn jws_public_key(&self) -> PublicKey;
}

impl JwsSigner for SigningKey {
    fn jws_alg(&self) -> Alg {
        self.alg()
    }
    fn jws_public_key(&self) -> PublicKey {
        self.public_key()
    }
}

impl Keypair for SigningKey {
    type VerifyingKey = PublicKey;
    fn verifying_key(&self) -> PublicKey {
        self.public_key()
    }
}

/// Whether an encoded Ed25519 point's y (the low 255 bits, little-endian) is below
/// p = 2^255 - 19. The only larger values are p..2^255-1: top byte 0x7f (sign bit
/// cleared), bytes 30..1 all 0xff, and the low byte at least 0xed.
fn ed25519_y_canonical(bytes: &[u8; 32]) -> bool {
    let top = bytes[31] & 0x7f;
    !(top == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_both_algs_and_backends_agree() {
        for alg in Alg::ALL {
            let key = SigningKey::generate(*alg);
            let public = key.public_key();
            let sig = key.sign_bytes(b"message");
            assert_eq!(sig.len(), 64);
            public.verify_bytes(b"message", &sig).unwrap();
            public.verify_bytes_pure_rust(b"message", &sig).unwrap();
            assert!(public.verify_bytes(b"massage", &sig).is_err());
            assert!(public.verify_bytes_pure_rust(b"massage", &sig).is_err());
            assert!(format!("{key:?}").contains(".."), "secret keys never print");
        }
    }

    #[test]
    fn a_non_canonical_ed25519_key_is_refused() {
        // y = p + 1 encodes the same point as y = 1 (RFC 8032 §5.1.3: decoding fails).
        let mut bytes = [0xff_u8; 32];
        bytes[0] = 0xee;
        bytes[31] = 0x7f;
        assert!(PublicKey::ed25519_from_bytes(&bytes).is_err());
        let key = SigningKey::generate(Alg::EdDsa).public_key();
        let PublicKey::Ed25519(k) = &key else {
            unreachable!()
        };
        assert!(PublicKey::ed25519_from_bytes(k.as_bytes()).is_ok());
    }

    #[test]
    fn alg_names_are_case_sensitive() {
        assert_eq!(Alg::from_name("ES256"), Some(Alg::Es256));
        assert_eq!(Alg::from_name("es256"), None);
        assert_eq!(Alg::from_name("EDDSA"), None);
        assert_eq!(Alg::from_name("none"), None);
    }
}
