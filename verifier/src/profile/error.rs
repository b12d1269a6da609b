//! Why a profile could not be loaded, each reason with a stable code.

use sigillum_credential::json::JsonError;
use sigillum_credential::oid4vp::DcqlError;

/// Why a profile could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The file could not be read.
    #[error("cannot read profile {path}: {why}")]
    Unreadable {
        /// The file.
        path: String,
        /// The operating system's reason.
        why: String,
    },
    /// Larger than [`MAX_PROFILE_LEN`](super::MAX_PROFILE_LEN).
    #[error("profile of more than {max} bytes")]
    TooLarge {
        /// Bytes allowed.
        max: usize,
    },
    /// Not strict JSON (malformed, or a member name repeated).
    #[error("profile is not acceptable JSON: {0}")]
    Json(JsonError),
    /// A member is missing, unknown, or of the wrong type.
    #[error("profile is malformed: {0}")]
    Malformed(String),
    /// The `dcql` member breaks a rule of OpenID4VP 1.0 §6.
    #[error("profile's dcql: {0}")]
    Dcql(#[from] DcqlError),
    /// No built-in profile has this name.
    #[error(
        "no built-in profile is called \"{name}\" (there are: border, bank_kyc, business_check)"
    )]
    UnknownBuiltin {
        /// The name asked for.
        name: String,
    },
    /// A text member is empty, too long, or (the name) not `[a-z0-9_-]`.
    #[error("profile {field} is not acceptable: {why}")]
    TextInvalid {
        /// The member.
        field: &'static str,
        /// The rule.
        why: &'static str,
    },
    /// A number is outside its range.
    #[error("profile {field} is {value}, outside {min}..={max}")]
    OutOfRange {
        /// The member.
        field: &'static str,
        /// The value.
        value: i64,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// More than [`MAX_PREDICATES`](super::MAX_PREDICATES) predicates.
    #[error("profile has {count} predicates, over the limit of {max}")]
    TooManyPredicates {
        /// Predicates given.
        count: usize,
        /// Predicates allowed.
        max: usize,
    },
    /// The DCQL query cannot be answered by one credential.
    #[error("profile's dcql cannot be answered by one credential: {0}")]
    NotSingleCredential(&'static str),
    /// A predicate names a Credential Query the DCQL query does not have.
    #[error(
        "predicate \"{predicate}\" is for credential query \"{credential}\", which the dcql does not define"
    )]
    PredicateCredentialUnknown {
        /// The predicate.
        predicate: String,
        /// The id it names.
        credential: String,
    },
    /// A predicate reads a claim that a Credential Query it applies to does not request.
    #[error(
        "predicate \"{predicate}\" reads {claim}, which credential query \"{credential}\" does not request"
    )]
    PredicateClaimNotRequested {
        /// The predicate.
        predicate: String,
        /// The claim.
        claim: String,
        /// The Credential Query.
        credential: String,
    },
}

impl ProfileError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            ProfileError::Unreadable { .. } => "profile_unreadable",
            ProfileError::TooLarge { .. } => "input_too_large",
            ProfileError::Json(JsonError::DuplicateKey(_)) => "json_duplicate_member",
            ProfileError::Json(_) => "json_malformed",
            ProfileError::Malformed(_) => "profile_malformed",
            ProfileError::Dcql(e) => e.code(),
            ProfileError::UnknownBuiltin { .. } => "profile_unknown",
            ProfileError::TextInvalid { .. } => "profile_text_invalid",
            ProfileError::OutOfRange { .. } => "profile_value_out_of_range",
            ProfileError::TooManyPredicates { .. } => "profile_too_many_predicates",
            ProfileError::NotSingleCredential(_) => "profile_dcql_not_single_credential",
            ProfileError::PredicateCredentialUnknown { .. } => {
                "profile_predicate_credential_unknown"
            }
            ProfileError::PredicateClaimNotRequested { .. } => {
                "profile_predicate_claim_not_requested"
            }
        }
    }
}
