//! The genesis file: the consortium's starting point (specs/registry/DESIGN.md):
//! the log's origin, the governance keys and threshold, and the consortium nodes'
//! note keys with the number of cosignatures a checkpoint needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sigillum_credential::key::{Jwk, PublicKey};
use sigillum_credential::ledger::{Policy, VerifierKey};

/// A consortium node (specs/registry/CONSORTIUM.md "Keys"): its name, its C2SP note
/// verifier key (`name+hex+base64`, type 0x01, the key it signs checkpoints with as
/// the log), and for a replicated registry its Raft id, role, cosigner key and address.
/// The replication fields default, so a single-node genesis stays as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeEntry {
    /// The node's key name.
    pub name: String,
    /// The node's note verifier key.
    pub vkey: String,
    /// Its Raft node id (unique; 0 on a single-node registry).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub id: u64,
    /// Whether it replicates the log (a voter) or only cosigns (a witness).
    #[serde(default)]
    pub role: NodeRole,
    /// Its cosignature verifier key (C2SP tlog-cosignature, type 0x04), if it cosigns.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cosigner: String,
    /// Its base URL (advisory; the replicated membership holds the live one).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

impl NodeEntry {
    /// A voter with its note key and nothing else (a single-node registry's entry).
    #[must_use]
    pub fn voter(name: impl Into<String>, vkey: impl Into<String>) -> Self {
        NodeEntry {
            name: name.into(),
            vkey: vkey.into(),
            id: 0,
            role: NodeRole::Voter,
            cosigner: String::new(),
            url: String::new(),
        }
    }
}

impl Genesis {
    /// The checkpoint policy a client pins (specs/registry/CONSORTIUM.md "Keys"): any
    /// voter may sign as the log (whichever node serves the read), every node's
    /// cosigner key counts towards the `cosign_threshold` cosignatures required.
    ///
    /// # Errors
    /// A sentence naming the node whose key does not parse, or the policy's refusal.
    pub fn policy(&self) -> Result<Policy, String> {
        let parse = |n: &NodeEntry, text: &str| {
            VerifierKey::parse(text).map_err(|e| format!("genesis node {}: {e}", n.name))
        };
        let log_keys = self
            .nodes
            .iter()
            .filter(|n| n.role == NodeRole::Voter)
            .map(|n| parse(n, &n.vkey))
            .collect::<Result<Vec<_>, _>>()?;
        let cosigners = self
            .nodes
            .iter()
            .filter(|n| !n.cosigner.is_empty())
            .map(|n| parse(n, &n.cosigner))
            .collect::<Result<Vec<_>, _>>()?;
        Policy::with_log_keys(
            self.origin.clone(),
            log_keys,
            cosigners,
            self.cosign_threshold,
        )
        .map_err(|e| e.to_string())
    }
}

/// What a consortium node does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// Holds and replicates the log, votes in Raft, signs checkpoints as the log.
    #[default]
    Voter,
    /// Checks and cosigns checkpoints without holding a Raft role.
    Witness,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The genesis file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The checkpoint origin line (C2SP tlog-checkpoint).
    pub origin: String,
    /// Governance public keys, each with a `kid`.
    pub governance_keys: Vec<Jwk>,
    /// Governance signatures required (m of n).
    pub governance_threshold: usize,
    /// Consortium nodes.
    pub nodes: Vec<NodeEntry>,
    /// Cosignatures a checkpoint needs besides the log's own signature.
    pub cosign_threshold: usize,
}

/// Why a genesis file (or a governance rotation) is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenesisError {
    /// A key has no `kid`, a duplicate `kid`, or is not an acceptable public key.
    #[error("governance key {0}")]
    Key(String),
    /// The threshold is 0 or more than the number of keys.
    #[error("threshold {threshold} is not between 1 and the {keys} keys")]
    Threshold {
        /// The threshold given.
        threshold: usize,
        /// The number of keys.
        keys: usize,
    },
}

/// Checks and indexes a governance key set by `kid`.
///
/// # Errors
/// [`GenesisError`] for unusable keys or thresholds.
pub fn index_keys(
    keys: &[Jwk],
    threshold: usize,
) -> Result<(BTreeMap<String, PublicKey>, usize), GenesisError> {
    let mut out = BTreeMap::new();
    for jwk in keys {
        let kid = jwk
            .kid
            .clone()
            .ok_or_else(|| GenesisError::Key("without a kid".into()))?;
        let key = jwk
            .to_public_key()
            .map_err(|e| GenesisError::Key(format!("{kid}: {e}")))?;
        if out.insert(kid.clone(), key).is_some() {
            return Err(GenesisError::Key(format!("{kid} appears twice")));
        }
    }
    if threshold == 0 || threshold > out.len() {
        return Err(GenesisError::Threshold {
            threshold,
            keys: out.len(),
        });
    }
    Ok((out, threshold))
}

impl Genesis {
    /// The governance keys by `kid`, and the threshold.
    ///
    /// # Errors
    /// [`GenesisError`] for unusable keys or thresholds.
    pub fn governance_keys(&self) -> Result<(BTreeMap<String, PublicKey>, usize), GenesisError> {
        index_keys(&self.governance_keys, self.governance_threshold)
    }
}
