//! `presentation`: the whole verification pipeline (`sigillum_credential::verify`), as
//! a checkpoint runs it on what a wallet presents: an SD-JWT VC with or without
//! key binding, or a VC-JWT; the issuer's key resolved from its `did:key`; the
//! fixed corpus clock. The outcome is the first failed check's code.
//!
//! Members: `input` (an SD-JWT recipe, or `{"vc_jwt": <JWS recipe>}`), optional
//! `status_list` (a JWS recipe: the signed list handed to the pipeline), optional
//! `policy` overriding the checkpoint's: `nonce` (default `n-0S6_WzA2Mj`), `aud`
//! (default `https://bank.example`), `require_key_binding`, `require_status`,
//! `max_status_age_secs`, `algs`.

use std::collections::BTreeMap;

use serde_json::Value;
use sigillum_credential::key::Alg;
use sigillum_credential::time::{FixedClock, Timestamp};
use sigillum_credential::verify::{IssuerKey, VerifyInput, VerifyPolicy, verify};

use crate::build::{Fixtures, NOW};
use crate::case::Case;

/// The nonce the checkpoint issued.
pub const NONCE: &str = "n-0S6_WzA2Mj";
/// The checkpoint's identifier, the KB-JWT's audience.
pub const AUD: &str = "https://bank.example";

pub fn run(case: &Case, fx: &Fixtures) -> Result<String, String> {
    let input = case.get("input")?;
    let presented = match input.get("vc_jwt") {
        Some(recipe) => fx.jws(recipe, &BTreeMap::new())?,
        None => fx.sd_jwt(input)?,
    };
    let list = match case.spec.get("status_list") {
        Some(recipe) => Some(fx.jws(recipe, &BTreeMap::new())?),
        None => None,
    };
    let lists: Vec<&str> = list.iter().map(String::as_str).collect();
    let policy = policy(case.spec.get("policy"))?;
    let clock = FixedClock(Timestamp::from_unix(NOW));
    let input = VerifyInput {
        presented: &presented,
        issuer_key: IssuerKey::ResolveLocal,
        status_lists: &lists,
        status_list_keys: &[],
        list_cache: None,
        clock: &clock,
    };
    let report = verify(&input, &policy).map_err(|e| e.to_string())?;
    Ok(if report.valid {
        "accept".into()
    } else {
        report
            .failures()
            .first()
            .copied()
            .unwrap_or("invalid_without_a_failed_check")
            .into()
    })
}

fn policy(overrides: Option<&Value>) -> Result<VerifyPolicy, String> {
    let mut policy = VerifyPolicy {
        nonce: Some(NONCE.into()),
        aud: Some(AUD.into()),
        ..VerifyPolicy::default()
    };
    let Some(o) = overrides else {
        return Ok(policy);
    };
    let o = o.as_object().ok_or("\"policy\" must be an object")?;
    for (name, value) in o {
        match name.as_str() {
            "nonce" => policy.nonce = value.as_str().map(str::to_owned),
            "aud" => policy.aud = value.as_str().map(str::to_owned),
            "require_key_binding" => policy.require_key_binding = value.as_bool().unwrap_or(false),
            "require_status" => policy.require_status = value.as_bool().unwrap_or(false),
            "max_status_age_secs" => policy.max_status_age_secs = value.as_i64(),
            "algs" => {
                policy.algs = value
                    .as_array()
                    .ok_or("\"algs\" must be a list")?
                    .iter()
                    .map(|n| {
                        n.as_str()
                            .and_then(Alg::from_name)
                            .ok_or(format!("bad alg {n}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            other => return Err(format!("unknown policy member \"{other}\"")),
        }
    }
    Ok(policy)
}
