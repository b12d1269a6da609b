//! Validating and applying operations (specs/registry/DESIGN.md "Operations"):
//! who may write what is decided by keys — governance keys (m of n) accredit issuers,
//! publish schemas and rotate themselves; a DID is changed only by a current,
//! uncompromised `capabilityInvocation` key; a status list only by its issuer.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sigillum_credential::jws::CompactJws;
use sigillum_credential::key::{Alg, PublicKey};
use sigillum_credential::ledger::Hash;
use sigillum_credential::ledger::did_history::{self, KeyPeriod};
use sigillum_credential::ledger::operation::{
    Body, OpType, Operation, OperationError, SignedOperation, derive_did, fragment, hash_text,
};
use sigillum_credential::ledger::operation_body::{LedgerDidDocument, StatusListFormat};

use super::genesis::index_keys;
use super::{MAX_TIME_SKEW, State, Versioned};

/// Longest object id accepted.
const MAX_ID_LEN: usize = 512;

/// What an accepted operation changes, computed by [`State::check`] and recorded by
/// [`State::apply`] once its leaf is durable.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// The object changed.
    pub id: String,
    /// Its new value.
    pub value: Value,
    governance: Option<(BTreeMap<String, PublicKey>, usize)>,
}

fn rejected(why: impl Into<String>) -> OperationError {
    OperationError::Rejected(why.into())
}

/// A DID's keys for one relationship that may act at `time` (not compromised by then).
fn did_keys(value: &Value, relationship: &str, time: i64) -> Vec<(String, PublicKey)> {
    let Ok(doc) = serde_json::from_value::<LedgerDidDocument>(value["document"].clone()) else {
        return Vec::new();
    };
    let compromised = |id: &str| {
        value["compromised"].as_array().is_some_and(|list| {
            list.iter()
                .any(|c| c["kid"] == id && c["since"].as_i64().is_some_and(|since| since <= time))
        })
    };
    let refs = match relationship {
        "assertionMethod" => &doc.assertion_method,
        _ => &doc.capability_invocation,
    };
    doc.verification_method
        .iter()
        .filter(|vm| refs.iter().any(|r| fragment(r) == fragment(&vm.id)) && !compromised(&vm.id))
        .filter_map(|vm| {
            vm.public_key_jwk
                .to_public_key()
                .ok()
                .map(|k| (vm.id.clone(), k))
        })
        .collect()
}

/// Verifies the signers against `keys` (by absolute id or fragment) and requires at least one.
fn signed_by_one_of(
    op: &SignedOperation,
    did: &str,
    keys: &[(String, PublicKey)],
) -> Result<Vec<String>, OperationError> {
    let signers = op.verify_signers(|kid| {
        let wanted = if kid.starts_with('#') {
            format!("{did}{kid}")
        } else {
            kid.to_owned()
        };
        keys.iter()
            .find(|(id, _)| *id == wanted)
            .map(|(_, k)| k.clone())
    })?;
    if signers.is_empty() {
        return Err(OperationError::Unauthorized(
            "no signature by an authorized key".into(),
        ));
    }
    Ok(signers)
}

/// Checks a document and rewrites its ids to absolute `did#fragment` form.
fn normalize_document(did: &str, mut doc: LedgerDidDocument) -> Result<Value, OperationError> {
    if doc.verification_method.is_empty() || doc.verification_method.len() > 32 {
        return Err(rejected("a DID document has 1 to 32 verification methods"));
    }
    let mut seen = Vec::new();
    for vm in &mut doc.verification_method {
        let frag = fragment(&vm.id).to_owned();
        if frag.is_empty()
            || frag.len() > 64
            || !frag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(rejected(format!(
                "method id fragment {frag:?} must be 1-64 letters, digits, - or _"
            )));
        }
        if seen.contains(&frag) {
            return Err(rejected(format!("method #{frag} appears twice")));
        }
        if vm.kind != "JsonWebKey2020" && vm.kind != "JsonWebKey" {
            return Err(rejected(format!(
                "method type {:?} is not JsonWebKey2020",
                vm.kind
            )));
        }
        if !(vm.controller.is_empty() || vm.controller == did) {
            return Err(rejected(
                "a ledger DID controls its own keys (controller must be the DID)",
            ));
        }
        vm.public_key_jwk
            .to_public_key()
            .map_err(|e| OperationError::FieldForbidden {
                op: "did document",
                why: format!("#{frag}: {e}"),
            })?;
        vm.id = format!("{did}#{frag}");
        vm.controller = did.to_owned();
        seen.push(frag);
    }
    for list in [
        &mut doc.assertion_method,
        &mut doc.authentication,
        &mut doc.capability_invocation,
    ] {
        for r in list.iter_mut() {
            let frag = fragment(r).to_owned();
            if !seen.contains(&frag) {
                return Err(rejected(format!(
                    "relationship names #{frag}, which is not a method of this document"
                )));
            }
            *r = format!("{did}#{frag}");
        }
    }
    if doc.capability_invocation.is_empty() {
        return Err(rejected(
            "a DID needs at least one capabilityInvocation key to be updated later",
        ));
    }
    serde_json::to_value(&doc).map_err(|e| rejected(e.to_string()))
}

/// Records a normalized document's keys in the DID's key history.
fn record_periods(
    periods: &mut Vec<KeyPeriod>,
    document: &Value,
    time: i64,
) -> Result<(), OperationError> {
    let doc: LedgerDidDocument =
        serde_json::from_value(document.clone()).map_err(|e| rejected(e.to_string()))?;
    did_history::record_document(periods, &doc, time).map_err(rejected)
}

fn valid_type_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl State {
    fn governance_approves(&self, op: &SignedOperation) -> Result<(), OperationError> {
        let signers = op.verify_signers(|kid| self.governance.get(kid).cloned())?;
        if signers.len() < self.threshold {
            return Err(OperationError::Unauthorized(format!(
                "{} governance signature(s), {} required",
                signers.len(),
                self.threshold
            )));
        }
        Ok(())
    }

    fn live_did(&self, did: &str) -> Result<&Versioned, OperationError> {
        let v = self
            .objects
            .get(did)
            .ok_or_else(|| rejected(format!("{did} is not on the ledger")))?;
        if v.value["deactivated"] == true {
            return Err(rejected(format!("{did} is deactivated")));
        }
        Ok(v)
    }

    /// Decides whether `op` may be appended now (`now` is the node's clock), and what
    /// it will change. Changes nothing.
    ///
    /// # Errors
    /// The [`OperationError`] saying why the operation is refused.
    pub fn check(&self, op: &SignedOperation, now: i64) -> Result<Effect, OperationError> {
        let o: &Operation = &op.operation;
        // abs_diff: a difference that overflows i64 (a time near i64::MIN) is still a skew.
        if o.time.abs_diff(now) > MAX_TIME_SKEW.unsigned_abs() {
            return Err(OperationError::TimeSkew {
                time: o.time,
                now,
                max_skew: MAX_TIME_SKEW,
            });
        }
        if o.id.len() > MAX_ID_LEN {
            return Err(OperationError::Malformed(format!(
                "id longer than {MAX_ID_LEN} bytes"
            )));
        }
        let current = self.objects.get(&o.id);
        let latest = current.map(|v| hash_text(&v.leaf_hash));
        if o.prev != latest {
            return Err(OperationError::Stale {
                id: o.id.clone(),
                found: o.prev.clone(),
                latest,
            });
        }
        let creates = matches!(o.op_type, OpType::DidCreate | OpType::StatusListCreate);
        if creates && current.is_some() {
            return Err(rejected(format!("{} already exists", o.id)));
        }
        let needs_existing = matches!(
            o.op_type,
            OpType::DidUpdate
                | OpType::DidDeactivate
                | OpType::DidKeyCompromised
                | OpType::AccreditationWithdraw
                | OpType::StatusListUpdate
        );
        if needs_existing && current.is_none() {
            return Err(rejected(format!("{} does not exist", o.id)));
        }
        let mut governance = None;
        let value = match (o.op_type, o.body()?) {
            (OpType::DidCreate, Body::DidDocument(doc)) => {
                if derive_did(&doc)? != o.id {
                    return Err(rejected(
                        "the DID is not the one derived from its capabilityInvocation keys",
                    ));
                }
                let document = normalize_document(&o.id, doc)?;
                let keys = did_keys(
                    &json!({"document": document}),
                    "capabilityInvocation",
                    o.time,
                );
                signed_by_one_of(op, &o.id, &keys)?;
                let mut periods = Vec::new();
                record_periods(&mut periods, &document, o.time)?;
                json!({"document": document, "deactivated": false, "compromised": [], "keys": periods})
            }
            (OpType::DidUpdate | OpType::DidDeactivate | OpType::DidKeyCompromised, body) => {
                let v = self.live_did(&o.id)?;
                let keys = did_keys(&v.value, "capabilityInvocation", o.time);
                let signers = signed_by_one_of(op, &o.id, &keys)?;
                let mut value = v.value.clone();
                let mut periods: Vec<KeyPeriod> =
                    serde_json::from_value(v.value["keys"].clone()).unwrap_or_default();
                match body {
                    Body::DidDocument(doc) => {
                        let document = normalize_document(&o.id, doc)?;
                        record_periods(&mut periods, &document, o.time)?;
                        value["document"] = document;
                    }
                    Body::Empty => {
                        did_history::close_all(&mut periods, o.time);
                        value["deactivated"] = json!(true);
                    }
                    Body::KeyCompromised(c) => {
                        let kid = if c.kid.starts_with('#') {
                            format!("{}{}", o.id, c.kid)
                        } else {
                            c.kid.clone()
                        };
                        // Any key the DID ever had: a retired key can leak too.
                        if !did_history::knows(&periods, &kid) {
                            return Err(rejected(format!("{kid} is not a key of {}", o.id)));
                        }
                        if signers.iter().all(|s| fragment(s) == fragment(&kid)) && keys.len() > 1 {
                            return Err(OperationError::Unauthorized("a compromised key cannot vouch for its own compromise; sign with another key".into()));
                        }
                        if let Some(list) = value["compromised"].as_array_mut() {
                            list.push(json!({"kid": kid, "since": c.since}));
                        }
                    }
                    _ => return Err(rejected("body does not fit the operation type")),
                }
                value["keys"] = json!(periods);
                value
            }
            (OpType::AccreditationGrant, Body::Accreditation(a)) => {
                self.governance_approves(op)?;
                self.live_did(&a.issuer)?;
                if !valid_type_name(&a.credential_type) {
                    return Err(rejected(format!(
                        "credential type {:?} is not a type name",
                        a.credential_type
                    )));
                }
                if o.id != format!("accreditation:{}:{}", a.issuer, a.credential_type) {
                    return Err(rejected(
                        "accreditation id must be accreditation:<issuer>:<type>",
                    ));
                }
                if a.valid_until.is_some_and(|until| until <= a.valid_from) {
                    return Err(rejected("valid_until is not after valid_from"));
                }
                let mut value = serde_json::to_value(&a).map_err(|e| rejected(e.to_string()))?;
                value["withdrawn_since"] = Value::Null;
                value
            }
            (OpType::AccreditationWithdraw, Body::Withdraw(w)) => {
                self.governance_approves(op)?;
                let mut value = current.map(|v| v.value.clone()).unwrap_or(Value::Null);
                value["withdrawn_since"] = json!(w.since);
                value
            }
            (OpType::StatusListCreate | OpType::StatusListUpdate, Body::StatusList(list)) => {
                let did =
                    o.id.strip_prefix("status-list:")
                        .and_then(|rest| rest.rsplit_once(':'))
                        .filter(|(_, n)| {
                            !n.is_empty() && n.len() <= 9 && n.chars().all(|c| c.is_ascii_digit())
                        })
                        .map(|(did, _)| did.to_owned())
                        .ok_or_else(|| {
                            rejected("status list id must be status-list:<issuer DID>:<number>")
                        })?;
                let v = self.live_did(&did)?;
                let keys = did_keys(&v.value, "assertionMethod", o.time);
                signed_by_one_of(op, &did, &keys)?;
                let typ = match list.format {
                    StatusListFormat::Token => "statuslist+jwt",
                    StatusListFormat::Bitstring => "vc+jwt",
                };
                let jws = CompactJws::parse(&list.token, 8 * 1024 * 1024)
                    .map_err(|e| rejected(format!("status list token: {e}")))?;
                jws.expect_typ(typ)
                    .map_err(|e| rejected(format!("status list token: {e}")))?;
                let signed_by_issuer = keys
                    .iter()
                    .any(|(_, k)| jws.clone().verify(k, Alg::ALL).is_ok());
                if !signed_by_issuer {
                    return Err(OperationError::Unauthorized(format!(
                        "the status list token is not signed by an assertionMethod key of {did}"
                    )));
                }
                json!({"issuer": did, "format": list.format, "token": list.token, "time": o.time})
            }
            (OpType::SchemaPublish, Body::Schema(s)) => {
                self.governance_approves(op)?;
                let name = o.id.strip_prefix("schema:").unwrap_or_default();
                if !valid_type_name(name) {
                    return Err(rejected("schema id must be schema:<type name>"));
                }
                let digest_ok = s
                    .digest
                    .strip_prefix("sha-256:")
                    .is_some_and(|d| sigillum_credential::b64::decode_array::<32>(d).is_ok());
                if !digest_ok || s.vct.is_empty() || s.vct.len() > 256 || s.uri.len() > 2048 {
                    return Err(rejected(
                        "schema needs a vct, a sha-256:<base64url> digest and a uri",
                    ));
                }
                serde_json::to_value(&s).map_err(|e| rejected(e.to_string()))?
            }
            (OpType::GovernanceRotate, Body::Governance(g)) => {
                self.governance_approves(op)?;
                if o.id != "governance" {
                    return Err(rejected("governance operations use the id \"governance\""));
                }
                let keys = index_keys(&g.keys, usize::from(g.threshold))
                    .map_err(|e| rejected(e.to_string()))?;
                governance = Some(keys);
                serde_json::to_value(&g).map_err(|e| rejected(e.to_string()))?
            }
            _ => return Err(rejected("body does not fit the operation type")),
        };
        Ok(Effect {
            id: o.id.clone(),
            value,
            governance,
        })
    }

    /// Records an accepted operation's effect at `leaf_index` (called once its leaf is durable).
    pub fn apply(&mut self, effect: Effect, leaf_index: u64, leaf_hash: Hash) {
        if let Some((keys, threshold)) = effect.governance {
            self.governance = keys;
            self.threshold = threshold;
        }
        let entry = self.objects.entry(effect.id).or_insert_with(|| Versioned {
            leaf_index,
            leaf_hash,
            value: Value::Null,
            history: Vec::new(),
        });
        entry.leaf_index = leaf_index;
        entry.leaf_hash = leaf_hash;
        entry.value = effect.value;
        entry.history.push(leaf_index);
    }
}
