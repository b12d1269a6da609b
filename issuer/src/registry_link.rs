//! The issuer's connection to the registry: it writes its DID and status lists as
//! signed operations (`POST /v1/operations`) and reads back what it needs, checking
//! every read against the consortium's pinned keys (specs/registry/DESIGN.md
//! "Reads"). An operation names the leaf hash of the object's latest operation
//! (`prev`); the link remembers the hash each accepted write returned.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use sigillum_credential::ledger::Policy;
use sigillum_credential::ledger::merkle::leaf_hash;
use sigillum_credential::ledger::operation::{hash_text, parse};
use sigillum_credential::ledger::read::{ReadError, ReadProof, verify_read};

/// The largest answer we read from the registry (a status list read with proofs).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// Why a registry call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// No answer (network, timeout, 5xx): the write may be retried.
    #[error("registry unreachable: {0}")]
    Unreachable(String),
    /// The registry refused the operation, with its problem code.
    #[error("the registry refused the operation ({code}): {detail}")]
    Refused {
        /// The problem `code`, e.g. `operation_stale`.
        code: String,
        /// The problem `detail`.
        detail: String,
    },
    /// The answer did not verify against the pinned consortium keys.
    #[error("the registry's answer does not verify: {0}")]
    Proof(#[from] ReadError),
    /// The answer is not what the API returns.
    #[error("the registry's answer is malformed: {0}")]
    Malformed(String),
}

impl LinkError {
    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            LinkError::Unreachable(_) => "registry_unreachable",
            LinkError::Refused { code, .. } => code,
            LinkError::Proof(e) => e.code(),
            LinkError::Malformed(_) => "registry_answer_malformed",
        }
    }
}

/// An accepted write.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Receipt {
    /// The operation's leaf index.
    pub leaf_index: u64,
    /// Its leaf hash, standard base64 (the next operation's `prev`).
    pub leaf_hash: String,
}

/// An object's current value, proven.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    /// The value.
    pub object: Value,
    /// The leaf hash of the operation that produced it.
    pub leaf_hash: String,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
}

/// A verifying client of one registry node, for writing.
#[derive(Debug)]
pub struct RegistryLink {
    base: String,
    http: reqwest::Client,
    policy: Policy,
    latest: Mutex<HashMap<String, String>>,
}

impl RegistryLink {
    /// A link to the node at `base` (no trailing slash) under the consortium `policy`.
    #[must_use]
    pub fn new(base: impl Into<String>, policy: Policy) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        RegistryLink {
            base: base.into().trim_end_matches('/').to_owned(),
            http,
            policy,
            latest: Mutex::new(HashMap::new()),
        }
    }

    /// The node's base URL.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The leaf hash of `id`'s latest operation as this link last saw it.
    #[must_use]
    pub fn known_prev(&self, id: &str) -> Option<String> {
        self.latest.lock().ok().and_then(|m| m.get(id).cloned())
    }

    fn remember(&self, id: &str, hash: String) {
        if let Ok(mut m) = self.latest.lock() {
            m.insert(id.to_owned(), hash);
        }
    }

    /// Submits a signed operation.
    ///
    /// # Errors
    /// [`LinkError::Refused`] with the registry's problem code, or unreachable.
    pub async fn submit(&self, operation: &str) -> Result<Receipt, LinkError> {
        let id = parse(operation.as_bytes())
            .map(|op| op.operation.id)
            .map_err(|e| LinkError::Malformed(format!("our own operation: {e}")))?;
        let response = self
            .http
            .post(format!("{}/v1/operations", self.base))
            .header("content-type", "application/json")
            .body(operation.to_owned())
            .send()
            .await
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        if status.is_server_error() {
            return Err(LinkError::Unreachable(format!("HTTP {status}")));
        }
        if !status.is_success() {
            let problem: Problem = serde_json::from_slice(&bytes).map_err(|_| {
                LinkError::Malformed(format!("HTTP {status} without problem details"))
            })?;
            return Err(LinkError::Refused {
                code: problem.code,
                detail: problem.detail,
            });
        }
        let receipt: Receipt =
            serde_json::from_slice(&bytes).map_err(|e| LinkError::Malformed(e.to_string()))?;
        self.remember(&id, receipt.leaf_hash.clone());
        Ok(receipt)
    }

    /// Reads object `id` and verifies it; `None` when the registry has no such object.
    ///
    /// # Errors
    /// Unreachable, malformed, or a proof that does not verify.
    pub async fn read(&self, id: &str) -> Result<Option<Current>, LinkError> {
        let path = sigillum_credential::ledger::client::object_path(id)
            .ok_or_else(|| LinkError::Malformed(format!("{id} is not a registry object id")))?;
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(LinkError::Unreachable(format!("HTTP {status}")));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        if bytes.len() > MAX_ANSWER {
            return Err(LinkError::Malformed(format!("{} bytes", bytes.len())));
        }
        let proof: ReadProof =
            serde_json::from_slice(&bytes).map_err(|e| LinkError::Malformed(e.to_string()))?;
        let read = verify_read(id, &proof, &self.policy)?;
        let entry = base64::engine::general_purpose::STANDARD
            .decode(&proof.entry)
            .map_err(|e| LinkError::Malformed(format!("entry: {e}")))?;
        let hash = hash_text(&leaf_hash(&entry));
        self.remember(id, hash.clone());
        Ok(Some(Current {
            object: read.object,
            leaf_hash: hash,
        }))
    }

    /// The `prev` for the next operation on `id`: the remembered hash, or a fresh read.
    ///
    /// # Errors
    /// As [`RegistryLink::read`].
    pub async fn prev(&self, id: &str) -> Result<Option<String>, LinkError> {
        if let Some(hash) = self.known_prev(id) {
            return Ok(Some(hash));
        }
        Ok(self.read(id).await?.map(|c| c.leaf_hash))
    }

    /// Submits the operation `make(prev)` builds, re-reading `prev` and trying once
    /// more when the registry says our `prev` is stale (another writer, or a restart
    /// that lost the remembered hash).
    ///
    /// # Errors
    /// As [`RegistryLink::submit`].
    pub async fn submit_with_prev(
        &self,
        id: &str,
        make: impl Fn(Option<String>) -> String,
    ) -> Result<Receipt, LinkError> {
        let prev = self.prev(id).await?;
        match self.submit(&make(prev)).await {
            Err(LinkError::Refused { code, .. }) if code == "operation_stale" => {
                let fresh = self.read(id).await?.map(|c| c.leaf_hash);
                self.submit(&make(fresh)).await
            }
            other => other,
        }
    }
}
