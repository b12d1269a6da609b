//! Presentation by the holder (RFC 9901 §7.2): release only the Disclosures the
//! requested claims need, then optionally bind with a KB-JWT.

use std::collections::HashSet;

use super::{ClaimPath, Processed, SdJwt, SdJwtError, sign_key_binding};
use crate::key::SigningKey;
use crate::time::Timestamp;

/// The digests of the Disclosures needed to reveal `requested`: every Disclosure on
/// the way to a requested claim and everything inside it (§7.2 step 2: each selected
/// Disclosure is referenced by the payload or by another selected Disclosure).
#[must_use]
pub fn select_disclosures(processed: &Processed, requested: &[ClaimPath]) -> HashSet<String> {
    processed
        .disclosed
        .iter()
        .filter(|d| requested.iter().any(|r| r.overlaps(&d.path)))
        .map(|d| d.digest.clone())
        .collect()
}

/// Builds a presentation of `sd_jwt` revealing only `requested`, bound to the
/// verifier with a KB-JWT when `binding` gives the holder key, `aud`, `nonce` and `iat`.
///
/// # Errors
/// [`SdJwtError`] when `sd_jwt` does not parse or process, or already carries a KB-JWT.
pub fn present(
    sd_jwt: &str,
    requested: &[ClaimPath],
    binding: Option<(&SigningKey, &str, &str, Timestamp)>,
) -> Result<String, SdJwtError> {
    let parsed = SdJwt::parse(sd_jwt, crate::jws::DEFAULT_MAX_LEN)?;
    if parsed.has_key_binding() {
        return Err(SdJwtError::KeyBindingUnexpected);
    }
    let keep = select_disclosures(&parsed.process_unverified()?, requested);
    let jwt = sd_jwt.split('~').next().unwrap_or_default();
    let mut out = String::with_capacity(sd_jwt.len());
    out.push_str(jwt);
    out.push('~');
    for d in parsed
        .disclosures()
        .iter()
        .filter(|d| keep.contains(d.digest()))
    {
        out.push_str(d.encoded());
        out.push('~');
    }
    Ok(match binding {
        Some((key, aud, nonce, iat)) => sign_key_binding(&out, key, aud, nonce, iat),
        None => out,
    })
}
