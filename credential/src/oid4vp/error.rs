//! Why a DCQL query was refused, each reason with a stable code.

use crate::json::JsonError;

/// Why a DCQL query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DcqlError {
    /// The JSON text is larger than [`MAX_DCQL_LEN`](super::MAX_DCQL_LEN).
    #[error("DCQL query of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Not strict JSON (malformed, or a member name repeated).
    #[error("DCQL query is not acceptable JSON: {0}")]
    Json(JsonError),
    /// A member is missing or of the wrong type.
    #[error("DCQL query is malformed: {0}")]
    Shape(String),
    /// A member this implementation does not know, in a configuration read strictly.
    #[error("DCQL query has an unknown member {at}")]
    UnknownMember {
        /// Where (`credentials[0].claim`).
        at: String,
    },
    /// An array the spec requires to be non-empty is empty.
    #[error("{at} is empty; DCQL requires a non-empty array")]
    Empty {
        /// Where.
        at: String,
    },
    /// An array is longer than this implementation accepts.
    #[error("{at} has {count} entries, over the limit of {max}")]
    TooMany {
        /// Where.
        at: String,
        /// Entries given.
        count: usize,
        /// Entries allowed.
        max: usize,
    },
    /// A string is empty or longer than this implementation accepts.
    #[error("{at} is empty or longer than {max} bytes")]
    BadLength {
        /// Where.
        at: String,
        /// Bytes allowed.
        max: usize,
    },
    /// An `id` is not a non-empty string of `[A-Za-z0-9_-]` (§6.1, §6.3).
    #[error("{at} \"{id}\" is not a non-empty string of letters, digits, _ and -")]
    IdInvalid {
        /// Where.
        at: String,
        /// The id.
        id: String,
    },
    /// An `id` appears twice where it must be unique (§6.1, §6.3).
    #[error("{at} \"{id}\" appears more than once")]
    IdDuplicate {
        /// Where.
        at: String,
        /// The id.
        id: String,
    },
    /// The format's required `meta` member is missing or empty (Appendix B).
    #[error("credential query \"{credential}\" ({format}) needs meta.{member}")]
    MetaMissing {
        /// The Credential Query's id.
        credential: String,
        /// Its format.
        format: String,
        /// The member.
        member: &'static str,
    },
    /// A claims path pointer breaks §7 (empty, too long, not two strings for mdoc).
    #[error("{at}: {why}")]
    PathInvalid {
        /// Where.
        at: String,
        /// The rule broken.
        why: &'static str,
    },
    /// Two Claims Queries point to the same claim (§6.1: "MUST NOT").
    #[error("credential query \"{credential}\" asks for {path} more than once")]
    ClaimDuplicate {
        /// The Credential Query's id.
        credential: String,
        /// The path, as JSON.
        path: String,
    },
    /// `claim_sets` is present but a Claims Query has no `id` (§6.3).
    #[error("credential query \"{credential}\" has claim_sets, so every claims query needs an id")]
    ClaimIdMissing {
        /// The Credential Query's id.
        credential: String,
    },
    /// `claim_sets` without `claims` (§6.4.1: "MUST NOT").
    #[error("credential query \"{credential}\" has claim_sets but no claims")]
    ClaimSetsWithoutClaims {
        /// The Credential Query's id.
        credential: String,
    },
    /// A `claim_sets` or `credential_sets` entry names an id that does not exist.
    #[error("{at} names \"{id}\", which is not defined")]
    UnknownReference {
        /// Where.
        at: String,
        /// The id.
        id: String,
    },
}

impl DcqlError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            DcqlError::TooLarge { .. } => "input_too_large",
            DcqlError::Json(JsonError::DuplicateKey(_)) => "json_duplicate_member",
            DcqlError::Json(_) => "json_malformed",
            DcqlError::Shape(_) => "dcql_malformed",
            DcqlError::UnknownMember { .. } => "dcql_unknown_member",
            DcqlError::Empty { .. } => "dcql_empty",
            DcqlError::TooMany { .. } => "dcql_too_many",
            DcqlError::BadLength { .. } => "dcql_bad_length",
            DcqlError::IdInvalid { .. } => "dcql_id_invalid",
            DcqlError::IdDuplicate { .. } => "dcql_id_duplicate",
            DcqlError::MetaMissing { .. } => "dcql_meta_missing",
            DcqlError::PathInvalid { .. } => "dcql_path_invalid",
            DcqlError::ClaimDuplicate { .. } => "dcql_claim_duplicate",
            DcqlError::ClaimIdMissing { .. } => "dcql_claim_id_missing",
            DcqlError::ClaimSetsWithoutClaims { .. } => "dcql_claim_sets_without_claims",
            DcqlError::UnknownReference { .. } => "dcql_reference_unknown",
        }
    }
}
