//! Registry operations (specs/registry/DESIGN.md "Operations"): the JWS JSON
//! serialization envelope (RFC 7515 §7.2.1), each type's closed body, and the
//! ledger's state machine deciding and applying them in sequence.
//!
//! Input `F` + parts separated by 0x1E, each `kid` + newline + an operation payload
//! (JSON `{v, type, id, prev, time, body}`): each is signed by the key its kid
//! names — `gov-1` the governance key, any other kid the controller's — and
//! submitted in order to a ledger whose genesis trusts that governance key.
//! In a payload `$NOW` becomes the ledger's clock, `$PREV` the latest version of
//! the operation's `id`, `$CONTROL_JWK` and `$SIGN_JWK` the two keys' JWKs.
//! Any other input: an envelope's bytes, raw.

use std::sync::OnceLock;

use sigillum_credential::key::SigningKey;
use sigillum_credential::ledger::operation::{self, hash_text};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_registry::state::{Genesis, State};

use crate::forge;

/// The governance key's kid in the genesis.
pub const GOVERNANCE_KID: &str = "gov-1";

/// A fresh ledger: one governance key (the forge's party), threshold 1.
pub fn genesis() -> &'static Genesis {
    static GENESIS: OnceLock<Genesis> = OnceLock::new();
    GENESIS.get_or_init(|| {
        let mut jwk = forge::party().public_key().to_jwk();
        jwk.kid = Some(GOVERNANCE_KID.into());
        Genesis {
            origin: "fuzz.sigillum.test/registry".into(),
            governance_keys: vec![jwk],
            governance_threshold: 1,
            nodes: vec![],
            cosign_threshold: 0,
        }
    })
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(mut state) = State::from_genesis(genesis()) else {
        return;
    };
    match data.split_first() {
        Some((b'F', rest)) => {
            for (leaf, part) in forge::parts(rest).into_iter().enumerate() {
                let Some(envelope) = forge_operation(part, &state) else {
                    continue;
                };
                submit(&mut state, envelope.as_bytes(), leaf as u64);
            }
        }
        _ => submit(&mut state, data, 0),
    }
}

fn submit(state: &mut State, bytes: &[u8], leaf: u64) {
    let Ok(op) = operation::parse(bytes) else {
        return;
    };
    let _ = op.operation.body();
    if let Ok(effect) = state.check(&op, forge::NOW) {
        state.apply(effect, leaf, op.leaf_hash());
    }
}

/// The envelope a part describes (see the module's documentation).
pub fn forge_operation(part: &[u8], state: &State) -> Option<String> {
    let newline = part.iter().position(|b| *b == b'\n')?;
    let kid = std::str::from_utf8(&part[..newline]).ok()?;
    let control = forge::holder().public_key().to_jwk();
    let sign = forge::issuer().public_key().to_jwk();
    let control = serde_json::to_string(&control).ok()?;
    let sign = serde_json::to_string(&sign).ok()?;
    let now = forge::NOW.to_string();
    let mut payload = forge::substitute(
        &part[newline + 1..],
        &[
            ("$NOW", &now),
            ("$CONTROL_JWK", &control),
            ("$SIGN_JWK", &sign),
        ],
    );
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&payload) {
        let latest = value
            .get("id")
            .and_then(serde_json::Value::as_str)
            .and_then(|id| state.get(id))
            .map(|v| hash_text(&v.leaf_hash))
            .unwrap_or_default();
        payload = forge::substitute(&payload, &[("$PREV", &latest)]);
    }
    let key: &SigningKey = if kid == GOVERNANCE_KID {
        forge::party()
    } else if kid.contains("sign") {
        forge::issuer()
    } else {
        forge::holder()
    };
    let protected = forge::b64(
        serde_json::json!({"alg": key.alg().name(), "typ": operation::OP_TYP, "kid": kid})
            .to_string()
            .as_bytes(),
    );
    let payload = forge::b64(&payload);
    let signature = forge::b64(&key.sign_bytes(format!("{protected}.{payload}").as_bytes()));
    Some(
        serde_json::json!({
            "payload": payload,
            "signatures": [{"protected": protected, "signature": signature}],
        })
        .to_string(),
    )
}

/// The DID a document of the controller's and signer's keys derives to.
pub fn derived_did(document: &serde_json::Value) -> Option<String> {
    let doc: LedgerDidDocument = serde_json::from_value(document.clone()).ok()?;
    operation::derive_did(&doc).ok()
}
