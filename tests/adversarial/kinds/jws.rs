//! `jws`: a compact JWS (RFC 7515 §7.1) parsed and verified with a corpus key, as
//! every token Sigillum reads is.
//!
//! Members: `input` (a JWS recipe, see `build.rs`), `key` (the corpus key whose public
//! half verifies), optional `algs` (the verifier's allow-list; default ES256 and
//! EdDSA), optional `typ` (the `typ` the reader requires).

use std::collections::BTreeMap;

use serde_json::Value;
use sigillum_credential::jws::{CompactJws, JwsError};
use sigillum_credential::key::Alg;

use crate::build::Fixtures;
use crate::case::Case;

/// The limit the services read tokens with.
const MAX_TOKEN: usize = 64 * 1024;

pub fn run(case: &Case, fx: &Fixtures) -> Result<String, String> {
    let token = fx.jws(case.get("input")?, &BTreeMap::new())?;
    let key = fx
        .key(
            case.get("key")?
                .as_str()
                .ok_or("\"key\" must name a corpus key")?,
        )?
        .public_key();
    let algs = match case.spec.get("algs") {
        None => Alg::ALL.to_vec(),
        Some(Value::Array(names)) => names
            .iter()
            .map(|n| {
                n.as_str()
                    .and_then(Alg::from_name)
                    .ok_or(format!("bad alg {n}"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("\"algs\" must be a list".into()),
    };
    let typ = case.spec.get("typ").and_then(Value::as_str);
    let result = (|| -> Result<(), JwsError> {
        let jws = CompactJws::parse(&token, MAX_TOKEN)?;
        if let Some(typ) = typ {
            jws.expect_typ(typ)?;
        }
        jws.verify(&key, &algs)?.claims()?;
        Ok(())
    })();
    Ok(super::outcome(result, |e: &JwsError| e.code()))
}
