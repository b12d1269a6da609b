//! `link`: a scanned or pasted link parsed as the wallet parses it.
//!
//! - `offer`: [`CredentialOffer::parse_link`] on the trimmed text, as
//!   `wallet::receive` does before fetching a `credential_offer_uri` (OpenID4VCI 1.0
//!   §4.1); the outcome is `accept` or the [`OfferError`] code.
//! - `request`: [`RequestLink::parse`], as `wallet::present::read_request` does for
//!   an `openid4vp://` (or `https` wallet) link (OpenID4VP 1.0 §5.7, §5.10); the
//!   outcome is `accept` or the [`RequestError`] code.
//! - `request_object`: the Request Object the wallet then fetches from the link's
//!   `request_uri`, checked with [`verify_request_object`] (as
//!   `wallet::present::http` does) against the link in `link` (its text, parsed
//!   first; a link that does not parse is a broken case), algorithms ES256 and
//!   EdDSA; the outcome is `accept` or the [`RequestError`] code.
//!
//! Members: `link_type` (`offer`, `request` or `request_object`), `input` (the link
//! text, placeholders expanded; for `request_object`, a JWS recipe, see
//! `build.rs`), and for `request_object`, `link` (the link text the request was
//! fetched through).

use std::collections::BTreeMap;

use sigillum_credential::key::Alg;
use sigillum_credential::oid4vci::{CredentialOffer, OfferError};
use sigillum_credential::oid4vp::{RequestError, RequestLink, verify_request_object};

use crate::build::Fixtures;
use crate::case::Case;

pub fn run(case: &Case, fx: &Fixtures) -> Result<String, String> {
    let link_type = case
        .get("link_type")?
        .as_str()
        .ok_or("\"link_type\" must be a string")?;
    let text = |name: &str| -> Result<String, String> {
        let raw = case
            .get(name)?
            .as_str()
            .ok_or(format!("\"{name}\" must be a string"))?;
        fx.expand_text(raw, &BTreeMap::new())
    };
    Ok(match link_type {
        "offer" => super::outcome(
            CredentialOffer::parse_link(text("input")?.trim()),
            |e: &OfferError| e.code(),
        ),
        "request" => super::outcome(RequestLink::parse(&text("input")?), |e: &RequestError| {
            e.code()
        }),
        "request_object" => {
            let link = RequestLink::parse(&text("link")?)
                .map_err(|e| format!("the case's \"link\" does not parse: {e}"))?;
            let jwt = fx.jws(case.get("input")?, &BTreeMap::new())?;
            super::outcome(
                verify_request_object(&jwt, &link, Alg::ALL),
                |e: &RequestError| e.code(),
            )
        }
        other => return Err(format!("unknown link_type \"{other}\"")),
    })
}
