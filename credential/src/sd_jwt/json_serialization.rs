//! The JWS JSON Serialization of SD-JWT (RFC 9901 §8): the Disclosures travel in
//! the unprotected header (`disclosures`), the KB-JWT in `kb_jwt`, and both the
//! flattened (§8.1) and general (§8.2, several signatures) forms exist.
//!
//! §8.1 defines `sd_hash` over the compact form `<protected>.<payload>.<signature>~<D1>~…~`,
//! so each signature is turned into the equivalent compact SD-JWT(+KB) and verified
//! by the one compact code path: there is no second verifier to disagree with the first.

use serde_json::{Map, Value};

use super::SdJwtError;

/// Largest JSON-serialized SD-JWT accepted (as the compact form's limit).
const MAX_JSON_LEN: usize = 1024 * 1024;

fn malformed(why: &'static str) -> SdJwtError {
    SdJwtError::Malformed(why)
}

/// Only the base64url alphabet (RFC 7515 §2): the members joined into the compact
/// form must not carry the `.` and `~` that delimit it.
fn base64url<'a>(text: &'a str, why: &'static str) -> Result<&'a str, SdJwtError> {
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(text)
    } else {
        Err(malformed(why))
    }
}

fn string<'a>(
    map: &'a Map<String, Value>,
    name: &'static str,
    why: &'static str,
) -> Result<&'a str, SdJwtError> {
    map.get(name).and_then(Value::as_str).ok_or(malformed(why))
}

/// The compact SD-JWT(+KB) equivalent of each signature of a JSON-serialized SD-JWT,
/// in order (one for the flattened form). Disclosures and the KB-JWT are taken from
/// the unprotected header of the signature that carries them (§8.1: they MUST appear
/// in exactly one, the first, for the general form; they are shared by every signature).
///
/// # Errors
/// [`SdJwtError::Malformed`] when the JSON is not a flattened or general JWS
/// JSON serialization of an SD-JWT.
pub fn to_compact(json: &[u8]) -> Result<Vec<String>, SdJwtError> {
    let value = crate::json::parse(json, MAX_JSON_LEN).map_err(|_| malformed("not strict JSON"))?;
    let top = value.as_object().ok_or(malformed("not a JSON object"))?;
    let payload = base64url(
        string(top, "payload", "no \"payload\" string")?,
        "\"payload\" is not base64url",
    )?;
    let signatures: Vec<&Map<String, Value>> = match top.get("signatures") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| {
                s.as_object()
                    .ok_or(malformed("a signature is not an object"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(malformed("\"signatures\" is not an array")),
        None => vec![top],
    };
    if signatures.is_empty() {
        return Err(malformed("no signatures"));
    }
    let headers: Vec<&Map<String, Value>> = signatures
        .iter()
        .filter_map(|s| s.get("header").and_then(Value::as_object))
        .filter(|h| h.contains_key("disclosures") || h.contains_key("kb_jwt"))
        .collect();
    let (disclosures, kb_jwt) = match headers.as_slice() {
        [] => (Vec::new(), None),
        [one] => {
            let disclosures = match one.get("disclosures") {
                None => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|d| d.as_str().ok_or(malformed("a disclosure is not a string")))
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(malformed("\"disclosures\" is not an array")),
            };
            let kb = match one.get("kb_jwt") {
                None => None,
                Some(Value::String(kb)) if kb.contains('~') => {
                    return Err(malformed("\"kb_jwt\" contains \"~\""));
                }
                Some(Value::String(kb)) => Some(kb.as_str()),
                Some(_) => return Err(malformed("\"kb_jwt\" is not a string")),
            };
            (disclosures, kb)
        }
        _ => {
            return Err(malformed(
                "disclosures or kb_jwt appear in more than one signature header",
            ));
        }
    };
    signatures
        .iter()
        .map(|s| {
            let protected = base64url(
                string(s, "protected", "a signature has no \"protected\" string")?,
                "\"protected\" is not base64url",
            )?;
            let signature = base64url(
                string(s, "signature", "a signature has no \"signature\" string")?,
                "\"signature\" is not base64url",
            )?;
            let mut compact = format!("{protected}.{payload}.{signature}~");
            for d in &disclosures {
                if d.contains('~') {
                    return Err(malformed("a disclosure contains \"~\""));
                }
                compact.push_str(d);
                compact.push('~');
            }
            if let Some(kb) = kb_jwt {
                compact.push_str(kb);
            }
            Ok(compact)
        })
        .collect()
}
