//! Presenting: answering an OpenID4VP 1.0 request (final text, see
//! `credential::oid4vp`) with the least the citizen agreed to show.
//!
//! ```text
//!  QR / link ──▶ Presenter::fetch ──▶ AuthorizationRequest (signed by the verifier's DID)
//!  SG1R: QR ───▶ offline_request ──┘         │
//!                                   plan(request, vault, now) ──▶ Plan (consent screen)
//!                                            │  choose_option / choose_credentials
//!                                   respond(request, plan, vault, now)
//!                                            │  one unused copy each, minimal SD-JWT+KB,
//!                                            │  aud = client_id, nonce = request's; history
//!                                            ▼
//!                                   AuthorizationResponse ──▶ Presenter::send (direct_post)
//!                                                        └──▶ offline_qr ──▶ SG2P: QR
//!  (or Presenter::decline: error=access_denied)
//! ```
//!
//! Matching and answering need no network: `plan` and `respond` are plain
//! functions, used the same way online and offline.

mod error;
pub(crate) mod held;
mod http;
mod plan;
mod respond;

pub use error::{PresentError, Shortfall, Unavailable};
pub use http::{MAX_VERIFIER_ANSWER_LEN, Presenter};
pub use plan::{Candidate, ClaimLabel, Plan, QueryPlan, SetOption, SetPlan, plan};
pub use respond::{HISTORY_DECLINE, HISTORY_PRESENT, respond};

use sigillum_credential::key::Alg;
use sigillum_credential::oid4vp::{
    AuthorizationRequest, AuthorizationResponse, RequestLink, verify_offline_request,
};
use sigillum_credential::qr::{self, PayloadKind};

/// A presentation request read from a QR code or pasted text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScannedRequest {
    /// An `openid4vp://` link: fetch the request with [`Presenter::fetch_link`].
    Online(RequestLink),
    /// An offline request (`SG1R:`), already verified.
    Offline(Box<AuthorizationRequest>),
}

/// Reads an offline request QR's text (`SG1R:`): its payload is the verifier's
/// signed Request Object, verified as one fetched online would be, with its own
/// `client_id` (`credential::oid4vp::verify_offline_request`).
///
/// # Errors
/// [`PresentError::Qr`] for text that is not an `SG1R:` payload;
/// [`PresentError::Malformed`] for a payload that is not text;
/// [`PresentError::Request`] for a Request Object that does not verify.
pub fn offline_request(qr_text: &str) -> Result<AuthorizationRequest, PresentError> {
    let bytes = qr::decode_as(PayloadKind::PresentationRequest, qr_text.trim())?;
    let jwt = String::from_utf8(bytes)
        .map_err(|_| PresentError::Malformed("the request QR does not hold text".into()))?;
    Ok(verify_offline_request(&jwt, Alg::ALL)?)
}

/// The answer as presentation QR text (`SG2P:`, or `SG1P:` for what the compact framing cannot hold): with exactly one presentation,
/// the presentation itself; otherwise the `vp_token` JSON object (§8.1). The
/// verifier reads both. (`state` does not travel: the verifier that shows the
/// request QR is the one that scans the answer.)
///
/// # Errors
/// [`PresentError::Qr`] when the answer does not fit in a QR symbol.
pub fn offline_qr(response: &AuthorizationResponse) -> Result<String, PresentError> {
    let mut all = response.vp_token.values().flatten();
    let payload = match (all.next(), all.next()) {
        (Some(only), None) => only.clone(),
        _ => serde_json::to_string(&response.vp_token)
            .map_err(|e| PresentError::Malformed(e.to_string()))?,
    };
    Ok(qr::encode(PayloadKind::Presentation, payload.as_bytes())?)
}

/// Reads a pasted or scanned request: an `SG1R:` offline request, or an
/// `openid4vp://` (or `https` wallet) link.
///
/// # Errors
/// [`PresentError::NotARequest`] for another kind of Sigillum QR (an offer, a
/// presentation); as [`offline_request`] and `RequestLink::parse`.
pub fn read_request(text: &str) -> Result<ScannedRequest, PresentError> {
    let text = text.trim();
    if text.starts_with(PayloadKind::PresentationRequest.prefix()) {
        return Ok(ScannedRequest::Offline(Box::new(offline_request(text)?)));
    }
    if let Some(kind) = PayloadKind::ALL
        .iter()
        .find(|k| text.starts_with(k.prefix()))
    {
        return Err(PresentError::NotARequest(format!("it holds a {kind}")));
    }
    Ok(ScannedRequest::Online(RequestLink::parse(text)?))
}

/// Reads a request from a photo or screenshot of the verifier's QR code (PNG; the
/// image formats `credential::qr::scan_image` is built with).
///
/// # Errors
/// [`PresentError::Qr`] for an unreadable image or no QR code; as [`read_request`].
pub fn scan(image: &[u8]) -> Result<ScannedRequest, PresentError> {
    read_request(&qr::scan_image(image)?)
}

#[cfg(test)]
mod tests;
