//! Nonce Endpoint response (OpenID4VCI 1.0 §7.2): a fresh `c_nonce` for key proofs.

use serde::{Deserialize, Serialize};

use super::error::{MessageError, parse_json, to_json};
use super::secret::random_b64url;

/// Largest Nonce Response body accepted.
pub const MAX_NONCE_RESPONSE_LEN: usize = 4 * 1024;
/// Longest `c_nonce` accepted.
pub const MAX_C_NONCE_LEN: usize = 1024;

/// The Nonce Response (§7.2). The issuer serves it with `Cache-Control: no-store`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceResponse {
    /// The challenge the wallet puts in each proof's `nonce` claim.
    pub c_nonce: String,
}

impl NonceResponse {
    /// A response with a fresh, unpredictable nonce (256 random bits, §7.2: "New
    /// challenge values MUST be unpredictable"). The issuer remembers it to check proofs.
    #[must_use]
    pub fn fresh() -> Self {
        NonceResponse {
            c_nonce: random_b64url(),
        }
    }

    /// Parses a Nonce Response (at most [`MAX_NONCE_RESPONSE_LEN`]).
    ///
    /// # Errors
    /// [`MessageError`] for oversize, non-strict or mis-shaped JSON, or a `c_nonce`
    /// that is empty or longer than [`MAX_C_NONCE_LEN`].
    pub fn from_json(text: &str) -> Result<Self, MessageError> {
        const MESSAGE: &str = "nonce response";
        let response: Self = parse_json(text, MAX_NONCE_RESPONSE_LEN, MESSAGE)?;
        if response.c_nonce.is_empty() || response.c_nonce.len() > MAX_C_NONCE_LEN {
            return Err(MessageError::Shape {
                message: MESSAGE,
                reason: format!("c_nonce must be 1 to {MAX_C_NONCE_LEN} bytes"),
            });
        }
        Ok(response)
    }

    /// The response body.
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}
