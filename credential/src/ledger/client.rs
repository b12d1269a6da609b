//! The registry client (specs/registry/DESIGN.md "Reads"): fetches objects over any
//! [`HttpGet`], verifies every answer under the consortium [`Policy`], and keeps a
//! [`CheckpointTracker`] so it never goes back in time: each newer checkpoint must come
//! with a consistency proof from the last one it accepted. It resolves `did:sigillum`
//! as a [`DidResolver`]. No I/O of its own: the caller's HTTP client does the fetching.

use std::sync::Mutex;

use base64::Engine as _;
use serde_json::Value;

use super::merkle::Hash;
use super::read::{ReadError, ReadProof, VerifiedRead, verify_read};
use super::tracker::{CheckpointTracker, TrackerError};
use super::witness::Policy;
use crate::did::web::HttpGet;
use crate::did::{BoxFuture, Did, DidDocument, DidError, DidResolver};

/// Largest answer accepted from a registry (a status list read is the largest).
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Why a registry read failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The registry could not be reached or answered with an error (could not check).
    #[error("registry unreachable: {0}")]
    Unreachable(String),
    /// The answer is not a read proof.
    #[error("the registry's answer is malformed: {0}")]
    Malformed(String),
    /// The answer did not verify.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The checkpoint goes back, forks, or does not extend the last one.
    #[error(transparent)]
    Tracker(#[from] TrackerError),
}

impl ClientError {
    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Unreachable(_) => "registry_unreachable",
            ClientError::Malformed(_) => "registry_answer_malformed",
            ClientError::Read(e) => e.code(),
            ClientError::Tracker(e) => e.code(),
        }
    }
}

/// A verifying client of one registry.
pub struct RegistryClient<H> {
    base_url: String,
    http: H,
    policy: Policy,
    tracker: Mutex<CheckpointTracker>,
}

/// The API path of an object id.
#[must_use]
pub fn object_path(id: &str) -> Option<String> {
    if id.starts_with("did:") {
        Some(format!("/v1/dids/{id}"))
    } else if let Some(rest) = id.strip_prefix("accreditation:") {
        rest.rsplit_once(':')
            .map(|(issuer, kind)| format!("/v1/accreditations/{issuer}/{kind}"))
    } else if let Some(rest) = id.strip_prefix("status-list:") {
        rest.rsplit_once(':')
            .map(|(issuer, n)| format!("/v1/status-lists/{issuer}/{n}"))
    } else {
        id.strip_prefix("schema:")
            .map(|kind| format!("/v1/schemas/{kind}"))
    }
}

impl<H: HttpGet> RegistryClient<H> {
    /// A client of the registry at `base_url` (no trailing slash) pinning `policy`,
    /// starting from `tracker` (a fresh one trusts the first verified checkpoint).
    pub fn new(
        base_url: impl Into<String>,
        http: H,
        policy: Policy,
        tracker: CheckpointTracker,
    ) -> Self {
        RegistryClient {
            base_url: base_url.into(),
            http,
            policy,
            tracker: Mutex::new(tracker),
        }
    }

    /// The newest checkpoint accepted so far.
    pub fn tracker(&self) -> CheckpointTracker {
        self.tracker.lock().map(|t| t.clone()).unwrap_or_default()
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let bytes = self
            .http
            .get(&format!("{}{path}", self.base_url), MAX_ANSWER_BYTES)
            .await
            .map_err(ClientError::Unreachable)?;
        let value = crate::json::parse(&bytes, MAX_ANSWER_BYTES)
            .map_err(|e| ClientError::Malformed(e.to_string()))?;
        serde_json::from_value(value).map_err(|e| ClientError::Malformed(e.to_string()))
    }

    /// Reads and verifies object `id`, and advances past its checkpoint only with a
    /// verified consistency proof.
    ///
    /// # Errors
    /// [`ClientError`]: unreachable (could not check), or the reason it is invalid.
    pub async fn read(&self, id: &str) -> Result<VerifiedRead, ClientError> {
        let path = object_path(id)
            .ok_or_else(|| ClientError::Malformed(format!("{id} is not a registry object id")))?;
        let proof: ReadProof = self.get_json(&path).await?;
        let verified = verify_read(id, &proof, &self.policy)?;
        let checkpoint = verified.checkpoint.checkpoint();
        let needed = self
            .tracker
            .lock()
            .ok()
            .and_then(|t| t.proof_needed_from(checkpoint));
        let consistency = match needed {
            Some(old) => {
                let answer: Value = self
                    .get_json(&format!(
                        "/v1/proofs/consistency?old={}&new={}",
                        old.get(),
                        checkpoint.size().get()
                    ))
                    .await?;
                answer
                    .get("proof")
                    .and_then(Value::as_array)
                    .ok_or_else(|| {
                        ClientError::Malformed("consistency answer has no proof".into())
                    })?
                    .iter()
                    .map(|h| {
                        let bytes = h
                            .as_str()
                            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                            .unwrap_or_default();
                        Hash::from_slice(&bytes)
                            .map_err(|_| ClientError::Malformed("consistency hash".into()))
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
            None => Vec::new(),
        };
        let mut tracker = self
            .tracker
            .lock()
            .map_err(|_| ClientError::Malformed("tracker poisoned".into()))?;
        tracker.advance(checkpoint, &consistency)?;
        Ok(verified)
    }
}

/// A `did:sigillum` document from its verified ledger value.
///
/// # Errors
/// [`DidError::Deactivated`] or [`DidError::DocumentInvalid`].
pub fn did_document(did: &Did, value: &Value) -> Result<DidDocument, DidError> {
    if value.get("deactivated") == Some(&Value::Bool(true)) {
        return Err(DidError::Deactivated(did.to_string()));
    }
    let Some(Value::Object(mut doc)) = value.get("document").cloned() else {
        return Err(DidError::DocumentInvalid(
            "the ledger value has no document object".into(),
        ));
    };
    doc.insert("id".into(), Value::String(did.to_string()));
    DidDocument::from_json(Value::Object(doc).to_string().as_bytes(), did)
}

impl<H: HttpGet> DidResolver for RegistryClient<H> {
    fn resolve<'a>(&'a self, did: &'a Did) -> BoxFuture<'a, Result<DidDocument, DidError>> {
        Box::pin(async move {
            if did.method() != "sigillum" {
                return Err(DidError::MethodUnsupported(did.method().to_owned()));
            }
            let read = self.read(did.as_str()).await.map_err(|e| match e {
                ClientError::Unreachable(m) => DidError::Fetch(m),
                other => DidError::DocumentInvalid(format!("{} [{}]", other, other.code())),
            })?;
            did_document(did, &read.object)
        })
    }
}
