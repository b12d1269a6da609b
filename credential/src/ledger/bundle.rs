//! The offline bundle (specs/registry/DESIGN.md "Offline bundle"): for one
//! checkpoint, every object on the ledger — issuer DIDs, accreditations, status lists,
//! schemas — with its log entry, inclusion proof and state proof, zlib-compressed. A
//! border gate with no network verifies it once ([`verify_bundle`]) and then answers
//! from it, stating how old it is.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::operation::Operation;
use super::read::{ReadError, ReadProof, StateProofWire, parse_time_line, verify_against};
use super::witness::{Policy, VerifiedCheckpoint, verify_checkpoint};
use crate::time::Timestamp;

/// Largest bundle accepted after decompression (1,000 issuers and 100 full status
/// lists fit in well under this).
pub const MAX_BUNDLE_BYTES: usize = 256 * 1024 * 1024;

/// One object's proofs, without the checkpoint (the bundle carries it once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledProof {
    /// The current value.
    pub object: Value,
    /// The log leaf, standard base64.
    pub entry: String,
    /// Its index.
    pub leaf_index: u64,
    /// Inclusion path in the log.
    pub inclusion: Vec<String>,
    /// Inclusion in the state tree.
    pub state: StateProofWire,
}

impl From<ReadProof> for BundledProof {
    fn from(r: ReadProof) -> Self {
        BundledProof {
            object: r.object,
            entry: r.entry,
            leaf_index: r.leaf_index,
            inclusion: r.inclusion,
            state: r.state,
        }
    }
}

/// One object in a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleObject {
    /// The object id.
    pub id: String,
    /// Its proofs.
    #[serde(flatten)]
    pub proof: BundledProof,
}

/// A bundle as served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The signed checkpoint note every proof is against.
    pub checkpoint: String,
    /// Every object.
    pub objects: Vec<BundleObject>,
}

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Not zlib-compressed JSON of a bundle, or larger than allowed.
    #[error("malformed bundle: {0}")]
    Malformed(String),
    /// An object (or the checkpoint) does not verify.
    #[error("{id}: {error}")]
    Object {
        /// The object, or `checkpoint`.
        id: String,
        /// Why.
        error: ReadError,
    },
    /// The checkpoint carries no time, so the bundle's age is unknown.
    #[error("the bundle's checkpoint has no time line; its age cannot be stated")]
    Undated,
}

impl BundleError {
    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::Malformed(_) => "bundle_malformed",
            BundleError::Object { error, .. } => error.code(),
            BundleError::Undated => "bundle_undated",
        }
    }
}

impl Bundle {
    /// zlib-compressed JSON.
    ///
    /// # Errors
    /// [`BundleError::Malformed`] if compression fails.
    pub fn encode(&self) -> Result<Vec<u8>, BundleError> {
        let json = serde_json::to_vec(self).map_err(|e| BundleError::Malformed(e.to_string()))?;
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(&json)
            .map_err(|e| BundleError::Malformed(e.to_string()))?;
        z.finish()
            .map_err(|e| BundleError::Malformed(e.to_string()))
    }

    /// Decompresses (at most [`MAX_BUNDLE_BYTES`]) and parses a bundle.
    ///
    /// # Errors
    /// [`BundleError::Malformed`].
    pub fn decode(bytes: &[u8]) -> Result<Self, BundleError> {
        let mut json = Vec::new();
        ZlibDecoder::new(bytes)
            .take(MAX_BUNDLE_BYTES as u64 + 1)
            .read_to_end(&mut json)
            .map_err(|e| BundleError::Malformed(format!("not zlib: {e}")))?;
        if json.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::Malformed(
                "larger than 256 MiB once inflated".into(),
            ));
        }
        let value = crate::json::parse(&json, MAX_BUNDLE_BYTES)
            .map_err(|e| BundleError::Malformed(e.to_string()))?;
        serde_json::from_value(value).map_err(|e| BundleError::Malformed(e.to_string()))
    }
}

/// A bundle whose every object verified.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The checkpoint.
    pub checkpoint: VerifiedCheckpoint,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// Every object's current value, by id, with the operation that set it.
    pub objects: BTreeMap<String, (Value, Operation)>,
}

impl VerifiedBundle {
    /// Seconds between the checkpoint and `now` (what every offline report states).
    #[must_use]
    pub fn age_secs(&self, now: Timestamp) -> i64 {
        now.unix().saturating_sub(self.issued_at.unix())
    }
}

/// Decodes and verifies a bundle under the consortium `policy`: the checkpoint once,
/// then every object's inclusion and state proofs.
///
/// # Errors
/// The [`BundleError`] for the first failure.
pub fn verify_bundle(bytes: &[u8], policy: &Policy) -> Result<VerifiedBundle, BundleError> {
    let bundle = Bundle::decode(bytes)?;
    let checkpoint = verify_checkpoint(bundle.checkpoint.as_bytes(), policy).map_err(|e| {
        BundleError::Object {
            id: "checkpoint".into(),
            error: e.into(),
        }
    })?;
    let issued_at =
        parse_time_line(checkpoint.checkpoint().extensions()).ok_or(BundleError::Undated)?;
    let mut objects = BTreeMap::new();
    for o in &bundle.objects {
        let p = &o.proof;
        let verified = verify_against(
            &o.id,
            &p.object,
            &p.entry,
            p.leaf_index,
            &p.inclusion,
            &p.state,
            &checkpoint,
        )
        .map_err(|error| BundleError::Object {
            id: o.id.clone(),
            error,
        })?;
        objects.insert(o.id.clone(), verified);
    }
    Ok(VerifiedBundle {
        checkpoint,
        issued_at,
        objects,
    })
}
