//! Issuance (RFC 9901 §4.1, §4.2, §6): conceal the claims a frame marks as
//! selectively disclosable, pad with decoy digests (§4.2.5), sign.
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
    /// Whether each `_sd` array is padded with decoy digests (RFC 9901 §4.2.5) to the
    /// next of 4, 7, 10, 13, … digests; `false` adds none.
    ///
    /// §4.2.5 lets an issuer add digests that match no Disclosure, so that the length
    /// of an `_sd` array does not tell how many claims it conceals; §10.4 recommends
    /// them where a claim's mere presence tells something (an optional claim), and
    /// notes that they cost size: 32 bytes each, in every presentation.
    ///
    /// Each padded length stands for at least 3 possible claim counts, as with the
    /// random 1–3 decoys this replaces, and hides them better: the same claims always
    /// give the same length, so copies issued to one holder (batch issuance) cannot be
    /// compared to pin the count down, as the smallest and largest of random lengths
    /// do. It costs 1 decoy on average instead of 2. The lengths are 3m + 1 so that
    /// the built-in types, whose complete claim sets conceal 10 (passport), 13
    /// (residence permit) and 4 (business licence) claims, need no decoy when
    /// complete, and a credential missing one or two optional claims is as long as a
    /// complete one: one length per credential type, §10.4's best case.
    pub decoys: bool,
}

impl Default for IssueOptions {
    fn default() -> Self {
        IssueOptions { decoys: true }
    }
}

/// The length an `_sd` array of `real` digests is padded to: the smallest 3m + 1
/// that is at least `real` and at least 4 (see [`IssueOptions::decoys`]).
const fn padded_len(real: usize) -> usize {
    let n = if real < 4 { 4 } else { real };
    n + (3 - (n - 1) % 3) % 3
}

fn decoy() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    b64::encode(Sha256::digest(bytes))
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
        let decoys = if options.decoys {
            padded_len(digests.len()) - digests.len()
        } else {
            0
        };
        digests.extend((0..decoys).map(|_| Value::String(decoy())));
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn buckets_are_4_7_10_13() {
        let lens: Vec<usize> = (1..=14).map(padded_len).collect();
        assert_eq!(lens, [4, 4, 4, 4, 7, 7, 7, 10, 10, 10, 13, 13, 13, 16]);
        // Every padded length stands for at least 3 claim counts.
        for len in [4, 7, 10, 13, 16, 100] {
            let counts = (1..=len).filter(|&k| padded_len(k) == len).count();
            assert!(counts >= 3, "{len}: {counts}");
        }
    }

    fn sd_len(claims: usize, decoys: bool) -> (usize, usize) {
        let names: Vec<String> = (0..claims).map(|i| format!("c{i}")).collect();
        let map: Map<String, Value> = names.iter().map(|n| (n.clone(), json!(1))).collect();
        let (payload, disclosures) =
            conceal(&map, &json!({ "_sd": names }), IssueOptions { decoys }).unwrap();
        let sd = payload
            .get("_sd")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        (sd, disclosures.len())
    }

    /// The same claims always give the same length (random decoy counts did not).
    #[test]
    fn the_digest_count_depends_only_on_the_claim_count() {
        for claims in [1, 4, 9, 10, 11, 13] {
            for _ in 0..5 {
                assert_eq!(sd_len(claims, true), (padded_len(claims), claims));
            }
        }
        assert_eq!(sd_len(10, false), (10, 10));
        assert_eq!(sd_len(0, true), (0, 0));
        assert!(IssueOptions::default().decoys);
    }

    #[test]
    fn decoys_are_distinct_sorted_digests() {
        let map: Map<String, Value> = [("a".to_owned(), json!(1))].into_iter().collect();
        let (payload, _) = conceal(&map, &json!({"_sd": ["a"]}), IssueOptions::default()).unwrap();
        let sd: Vec<&str> = payload["_sd"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        assert_eq!(sd.len(), 4);
        assert!(sd.windows(2).all(|w| w[0] < w[1]), "{sd:?}");
        assert!(sd.iter().all(|d| b64::decode(d).unwrap().len() == 32));
    }
}
