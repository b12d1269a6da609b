//! Status lists already verified, kept so that a checkpoint pays a list's signature
//! verification and its inflation once per list version, not once per traveller.
//!
//! A list is found by its exact text: the JWS signature segment picks the entry and
//! the whole text must then be byte-for-byte the one verified, so a list whose payload
//! was altered under a reused signature is a miss and is verified (and refused) as
//! any other. A hit is used only when the key that verified it is among the keys the
//! caller allows for this credential and its algorithm is in the caller's policy;
//! everything that depends on the credential or the clock (the list's issuer, `exp`,
//! the profile's maximum staleness, the index) is checked on every call.
//!
//! Token Status List draft-20 §13.7 lets a consumer cache a list for its `ttl`; here a
//! list's text never changes meaning, so the entry can be kept as long as its text
//! keeps being presented: expiry and staleness are judged on the cached claims each
//! time.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

use crate::key::{Alg, PublicKey};
use crate::status::{StatusError, StatusListTokenClaims};

/// Lists kept at most; the oldest entry is forgotten first. A checkpoint sees the
/// current lists of the issuers whose credentials it checks: a few dozen.
pub const MAX_CACHED_LISTS: usize = 256;

/// One verified status list: its text, the key that verified it, its claims and,
/// once asked for, its decoded Token Status List.
pub(super) struct VerifiedList {
    text: Box<str>,
    signer: PublicKey,
    pub(super) claims: Map<String, Value>,
    token: OnceLock<Result<StatusListTokenClaims, StatusError>>,
}

impl VerifiedList {
    pub(super) fn new(text: &str, signer: PublicKey, claims: Map<String, Value>) -> Self {
        VerifiedList {
            text: text.into(),
            signer,
            claims,
            token: OnceLock::new(),
        }
    }

    /// The decoded Token Status List (draft-20 §5.1, §4.2), inflated on first use.
    /// Its `sub` is the one the list names; the caller compares it with the entry's URI.
    pub(super) fn token(&self, max_bytes: usize) -> Result<&StatusListTokenClaims, StatusError> {
        let decoded = self.token.get_or_init(|| {
            let sub = self.claims.get("sub").and_then(Value::as_str).unwrap_or("");
            StatusListTokenClaims::from_claims(&self.claims, sub, max_bytes)
        });
        decoded.as_ref().map_err(Clone::clone)
    }

    fn usable(&self, text: &str, keys: &[PublicKey], algs: &[Alg]) -> bool {
        &*self.text == text && algs.contains(&self.signer.alg()) && keys.contains(&self.signer)
    }
}

/// The JWS signature segment of a compact list, the cache's index.
fn signature_of(text: &str) -> Option<&str> {
    text.rsplit_once('.').map(|(_, sig)| sig)
}

/// A bounded, thread-safe cache of verified status lists, shared by every
/// verification of a service (see the module documentation).
#[derive(Default)]
pub struct VerifiedLists {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    by_signature: HashMap<Box<str>, Arc<VerifiedList>>,
    order: VecDeque<Box<str>>,
}

impl VerifiedLists {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many lists are kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |e| e.by_signature.len())
    }

    /// Whether no list is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The verified list with exactly this text, if it was verified with one of
    /// `keys` under one of `algs`.
    pub(super) fn get(
        &self,
        text: &str,
        keys: &[PublicKey],
        algs: &[Alg],
    ) -> Option<Arc<VerifiedList>> {
        let signature = signature_of(text)?;
        let entries = self.inner.lock().ok()?;
        let hit = entries.by_signature.get(signature)?;
        hit.usable(text, keys, algs).then(|| Arc::clone(hit))
    }

    /// The claims of the cached list with exactly this text, whoever verified it
    /// (to pick among several lists by `sub` without decoding them again).
    pub(super) fn claims_of(&self, text: &str) -> Option<Arc<VerifiedList>> {
        let signature = signature_of(text)?;
        let entries = self.inner.lock().ok()?;
        let hit = entries.by_signature.get(signature)?;
        (&*hit.text == text).then(|| Arc::clone(hit))
    }

    /// Keeps `list`, forgetting the oldest entry when full.
    pub(super) fn insert(&self, list: Arc<VerifiedList>) {
        let Some(signature) = signature_of(&list.text).map(Box::<str>::from) else {
            return;
        };
        let Ok(mut entries) = self.inner.lock() else {
            return;
        };
        if let Some(known) = entries.by_signature.get_mut(&signature) {
            *known = list;
            return;
        }
        while entries.order.len() >= MAX_CACHED_LISTS {
            if let Some(oldest) = entries.order.pop_front() {
                entries.by_signature.remove(&oldest);
            }
        }
        entries.order.push_back(signature.clone());
        entries.by_signature.insert(signature, list);
    }
}

impl std::fmt::Debug for VerifiedLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedLists")
            .field("lists", &self.len())
            .finish()
    }
}
