//! Issuance (RFC 9901 §4.1, §4.2, §6): conceal the claims a frame marks as
//! selectively disclosable, add decoy digests, sign.
//!
//! A frame mirrors the claims: `{"_sd": ["given_name", "address"], "address": {"_sd": ["street"]},
//! "nationalities": {"_sd": [0, 1]}}`. Names under `_sd` become Disclosures; a nested
//! frame conceals inside that claim first, so a claim can be both structured and
//! recursively disclosable (§6.3). This is the same frame shape as the widely used
//! TypeScript SD-JWT library's "disclosure frame".

use std::collections::HashSet;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{Disclosure, SD_ALG};
use crate::b64;
use crate::jws;
use crate::key::JwsSigner;

/// A disclosure frame (see the module docs).
pub type Frame = Value;

/// Issuance choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueOptions {
    /// Up to this many decoy digests are added to each `_sd` array (§4.2.5), a
    /// random number from 1 to this; 0 adds none.
    pub max_decoys: usize,
}

impl Default for IssueOptions {
    fn default() -> Self {
        IssueOptions { max_decoys: 3 }
    }
}

fn decoy() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    b64::encode(Sha256::digest(bytes))
}

fn decoy_count(max: usize) -> usize {
    if max == 0 {
        0
    } else {
        1 + (rand::random::<u32>() as usize % max)
    }
}

/// Conceals `claims` according to `frame`, returning the SD-JWT payload (with `_sd`
/// arrays, sorted so order reveals nothing, §4.2.4.1) and the Disclosures.
///
/// # Errors
/// A message naming the frame entry that does not fit the claims (a misconfigured
/// credential type must not silently disclose everything).
pub fn conceal(
    claims: &Map<String, Value>,
    frame: &Frame,
    options: IssueOptions,
) -> Result<(Map<String, Value>, Vec<Disclosure>), String> {
    let mut disclosures = Vec::new();
    let payload = conceal_object(claims, frame, options, &mut disclosures, "")?;
    Ok((payload, disclosures))
}

fn sd_list(frame: &Frame, at: &str) -> Result<Vec<Value>, String> {
    match frame.get("_sd") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(_) => Err(format!("frame at \"{at}\": _sd must be an array")),
    }
}

fn conceal_object(
    claims: &Map<String, Value>,
    frame: &Frame,
    options: IssueOptions,
    out: &mut Vec<Disclosure>,
    at: &str,
) -> Result<Map<String, Value>, String> {
    let names: HashSet<String> = sd_list(frame, at)?
        .into_iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("frame at \"{at}\": _sd of an object lists names"))
        })
        .collect::<Result<_, _>>()?;
    if let Some(missing) = names.iter().find(|n| !claims.contains_key(*n)) {
        return Err(format!(
            "frame names claim \"{at}/{missing}\" which the claims do not have"
        ));
    }
    let mut payload = Map::new();
    let mut digests = Vec::new();
    for (name, value) in claims {
        if name == "_sd" || name == "..." || name == "_sd_alg" {
            return Err(format!("claim name \"{name}\" is reserved by RFC 9901"));
        }
        let here = format!("{at}/{name}");
        let value = match frame.get(name.as_str()) {
            Some(sub) if sub.is_object() => conceal_value(value, sub, options, out, &here)?,
            _ => value.clone(),
        };
        if names.contains(name) {
            let d = Disclosure::property(name, value);
            digests.push(Value::String(d.digest().to_owned()));
            out.push(d);
        } else {
            payload.insert(name.clone(), value);
        }
    }
    if !digests.is_empty() {
        digests.extend((0..decoy_count(options.max_decoys)).map(|_| Value::String(decoy())));
        digests.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        payload.insert("_sd".into(), Value::Array(digests));
    }
    Ok(payload)
}

fn conceal_value(
    value: &Value,
    frame: &Frame,
    options: IssueOptions,
    out: &mut Vec<Disclosure>,
    at: &str,
) -> Result<Value, String> {
    match value {
        Value::Object(map) => conceal_object(map, frame, options, out, at).map(Value::Object),
        Value::Array(items) => {
            let indices: HashSet<usize> = sd_list(frame, at)?
                .into_iter()
                .map(|v| {
                    v.as_u64()
                        .and_then(|i| usize::try_from(i).ok())
                        .filter(|i| *i < items.len())
                        .ok_or_else(|| {
                            format!(
                                "frame at \"{at}\": _sd of an array lists indices within the array"
                            )
                        })
                })
                .collect::<Result<_, _>>()?;
            let mut result = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let item = match frame.get(i.to_string()) {
                    Some(sub) if sub.is_object() => {
                        conceal_value(item, sub, options, out, &format!("{at}/{i}"))?
                    }
                    _ => item.clone(),
                };
                if indices.contains(&i) {
                    let d = Disclosure::element(item);
                    let mut slot = Map::new();
                    slot.insert("...".into(), Value::String(d.digest().to_owned()));
                    result.push(Value::Object(slot));
                    out.push(d);
                } else {
                    result.push(item);
                }
            }
            Ok(Value::Array(result))
        }
        other => Ok(other.clone()),
    }
}

/// Issues an SD-JWT (§4): conceals, sets `_sd_alg`, signs with `typ` and `kid`, and
/// returns `<JWT>~<D1>~…~<Dn>~`.
///
/// # Errors
/// As [`conceal`].
pub fn issue<K: JwsSigner + ?Sized>(
    claims: &Map<String, Value>,
    frame: &Frame,
    options: IssueOptions,
    typ: &str,
    kid: Option<&str>,
    key: &K,
) -> Result<String, String> {
    let (mut payload, disclosures) = conceal(claims, frame, options)?;
    payload.insert("_sd_alg".into(), Value::String(SD_ALG.into()));
    let mut out = jws::try_sign_claims(typ, kid, &payload, key)
        .map_err(|e| format!("the issuer key could not sign: {e}"))?;
    out.push('~');
    for d in &disclosures {
        out.push_str(d.encoded());
        out.push('~');
    }
    Ok(out)
}
