//! What the verifier must know before it can verify: who claims to have issued the
//! credential, with which key, when, of which type, and which status lists it
//! names. Read from the unverified token only to decide what to fetch from the
//! ledger; nothing here is trusted until the pipeline has checked the signature.

use serde_json::{Map, Value};
use sigillum_credential::jws::CompactJws;
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::sd_jwt::SdJwt;
use sigillum_credential::time::Timestamp;
use sigillum_credential::verify::MAX_PRESENTATION_LEN;

/// The unverified facts the ledger lookups need.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Peek {
    /// `iss` (SD-JWT VC, VC 1.1) or `issuer` (VC 2.0).
    pub issuer: String,
    /// The `kid` header, made absolute (`did#fragment`).
    pub kid: Option<String>,
    /// `iat`, or `validFrom` / `nbf` when there is no `iat`.
    pub issued_at: Option<Timestamp>,
    /// Sigillum's name of the type (`passport`), if it is one of ours.
    pub type_name: Option<String>,
    /// The status lists the credential names.
    pub status_uris: Vec<String>,
}

fn string<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Reads the facts from a presentation or credential, or `None` when it is not
/// readable (the pipeline then reports exactly why).
#[must_use]
pub fn peek(presented: &str) -> Option<Peek> {
    let text = presented.trim();
    let compact;
    let text = if text.starts_with('{') {
        compact = sigillum_credential::sd_jwt::json_serialization::to_compact(text.as_bytes())
            .ok()?
            .into_iter()
            .next()?;
        compact.as_str()
    } else {
        text
    };
    let types = CredentialTypes::builtin().ok()?;
    let (jws, sd) = if text.contains('~') {
        let parsed = SdJwt::parse(text, MAX_PRESENTATION_LEN).ok()?;
        (parsed.issuer_jwt().clone(), true)
    } else {
        (CompactJws::parse(text, MAX_PRESENTATION_LEN).ok()?, false)
    };
    let claims = jws.unverified_claims().ok()?;
    let mut peek = Peek::default();
    if sd {
        peek.issuer = string(&claims, "iss")?.to_owned();
        peek.issued_at = claims
            .get("iat")
            .and_then(Value::as_i64)
            .map(Timestamp::from_unix);
        peek.type_name = string(&claims, "vct")
            .and_then(|vct| types.by_vct(vct).ok())
            .map(|t| t.name().to_owned());
        if let Some(uri) = claims
            .get("status")
            .and_then(|s| s.get("status_list"))
            .and_then(|l| l.get("uri"))
            .and_then(Value::as_str)
        {
            peek.status_uris.push(uri.to_owned());
        }
    } else {
        let vc = claims
            .get("vc")
            .and_then(Value::as_object)
            .unwrap_or(&claims);
        peek.issuer = match vc.get("issuer").or_else(|| claims.get("iss"))? {
            Value::String(s) => s.clone(),
            Value::Object(o) => o.get("id")?.as_str()?.to_owned(),
            _ => return None,
        };
        peek.issued_at = claims
            .get("iat")
            .and_then(Value::as_i64)
            .map(Timestamp::from_unix)
            .or_else(|| {
                string(vc, "validFrom")
                    .or_else(|| string(vc, "issuanceDate"))
                    .and_then(|t| Timestamp::parse_rfc3339(t).ok())
            })
            .or_else(|| {
                claims
                    .get("nbf")
                    .and_then(Value::as_i64)
                    .map(Timestamp::from_unix)
            });
        peek.type_name = vc
            .get("type")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find_map(|t| types.by_vc_type(t).ok())
            .map(|t| t.name().to_owned());
        let entries = match vc.get("credentialStatus") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(entry @ Value::Object(_)) => vec![entry],
            _ => vec![],
        };
        peek.status_uris = entries
            .into_iter()
            .filter_map(|e| e.get("statusListCredential").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
    }
    peek.kid = jws.header().kid.as_ref().map(|kid| {
        if kid.starts_with('#') {
            format!("{}{kid}", peek.issuer)
        } else {
            kid.clone()
        }
    });
    Some(peek)
}

/// The registry object id of a status list URI of our form
/// `…/v1/status-lists/<issuer DID>/<n>`, and that DID.
#[must_use]
pub fn status_list_id(uri: &str) -> Option<(String, String)> {
    let (_, rest) = uri.split_once("/v1/status-lists/")?;
    let (did, n) = rest.rsplit_once('/')?;
    if did.is_empty() || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.len() > 9 {
        return None;
    }
    Some((format!("status-list:{did}:{n}"), did.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_list_uris_map_to_ledger_ids() {
        assert_eq!(
            status_list_id("http://r.example/v1/status-lists/did:sigillum:abc/3"),
            Some((
                "status-list:did:sigillum:abc:3".into(),
                "did:sigillum:abc".into()
            ))
        );
        assert_eq!(
            status_list_id("http://r.example/v1/status-lists/did:sigillum:abc/x"),
            None
        );
        assert_eq!(status_list_id("https://elsewhere.example/list/1"), None);
    }

    #[test]
    fn unreadable_input_peeks_nothing() {
        assert_eq!(peek("not a credential"), None);
        assert_eq!(peek("{\"payload\": 1}"), None);
    }
}
