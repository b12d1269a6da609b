//! What the issuer refuses, and why. Officer-facing errors ([`IssueError`]) become
//! RFC 9457 problem details; wallet-facing errors of the OpenID4VCI endpoints
//! ([`WalletError`]) become OAuth error responses (RFC 6749 §5.2, OpenID4VCI 1.0
//! §6.3 and §8.3.1.2) that also carry our specific `code`.

use sigillum_credential::schema::SchemaViolations;

use crate::registry_link::LinkError;

/// An officer request the issuer refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// No bearer token, or one that does not authenticate.
    #[error("a valid officer token is required (Authorization: Bearer …)")]
    Unauthenticated,
    /// The officer lacks the role.
    #[error("officer {officer} lacks the role {role}")]
    Forbidden {
        /// Who asked.
        officer: String,
        /// The role needed.
        role: String,
    },
    /// This office does not issue the type.
    #[error("this office does not issue {0:?}")]
    TypeNotServed(String),
    /// Governance has not (or no longer) accredited us for the type.
    #[error("{issuer} is not accredited for {type_name} on the registry; governance must grant it")]
    NotAccredited {
        /// Our DID.
        issuer: String,
        /// The type.
        type_name: String,
    },
    /// The subject data breaks the type's schema: every offending field is listed.
    #[error(transparent)]
    Schema(SchemaViolations),
    /// A malformed request, with its specific code.
    #[error("{detail}")]
    BadRequest {
        /// The code.
        code: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The same applicant reference was used with different data.
    #[error(
        "applicant reference {reference:?} was already used for {type_name} with different data (credential {id})"
    )]
    Conflict {
        /// The reference.
        reference: String,
        /// The type.
        type_name: String,
        /// The existing credential id.
        id: String,
    },
    /// No such credential.
    #[error("no credential {0}")]
    NotFound(String),
    /// A status change that is not allowed (a revoked credential stays revoked).
    #[error("{0}")]
    Transition(String),
    /// The store failed (the request changed nothing).
    #[error("the issuer's store failed: {0}")]
    Store(String),
    /// The registry could not be reached or refused.
    #[error(transparent)]
    Registry(LinkError),
}

impl IssueError {
    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            IssueError::Unauthenticated => "officer_token_invalid",
            IssueError::Forbidden { .. } => "officer_role_missing",
            IssueError::TypeNotServed(_) => "credential_type_not_issued",
            IssueError::NotAccredited { .. } => "issuer_not_accredited",
            IssueError::Schema(_) => "schema_violation",
            IssueError::BadRequest { code, .. } => code,
            IssueError::Conflict { .. } => "application_conflict",
            IssueError::NotFound(_) => "credential_not_found",
            IssueError::Transition(_) => "status_transition_invalid",
            IssueError::Store(_) => "store_unavailable",
            IssueError::Registry(e) => e.code(),
        }
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            IssueError::Unauthenticated => 401,
            IssueError::Forbidden { .. } => 403,
            IssueError::TypeNotServed(_) | IssueError::NotFound(_) => 404,
            IssueError::NotAccredited { .. }
            | IssueError::Conflict { .. }
            | IssueError::Transition(_) => 409,
            IssueError::Schema(_) => 422,
            IssueError::BadRequest { .. } => 400,
            IssueError::Store(_) => 503,
            IssueError::Registry(LinkError::Refused { .. }) => 502,
            IssueError::Registry(_) => 503,
        }
    }
}

/// A wallet request to the token, nonce or credential endpoint that was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{description}")]
pub struct WalletError {
    /// HTTP status.
    pub status: u16,
    /// The OAuth / OpenID4VCI `error` value (`invalid_grant`, `invalid_proof`, …).
    pub error: String,
    /// Our specific code (`tx_code_wrong`, `pre_authorized_code_used`, …).
    pub code: String,
    /// A sentence.
    pub description: String,
}

impl WalletError {
    /// A refusal.
    #[must_use]
    pub fn new(status: u16, error: &str, code: &str, description: impl Into<String>) -> Self {
        WalletError {
            status,
            error: error.to_owned(),
            code: code.to_owned(),
            description: description.into(),
        }
    }
}
