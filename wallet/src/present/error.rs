//! Why presenting failed, in sentences a citizen can read, each with a stable code.

use std::fmt;

use sigillum_credential::oid4vp::RequestError;
use sigillum_credential::qr::QrError;
use sigillum_credential::time::Timestamp;

use super::plan::ClaimLabel;
use crate::vault::VaultError;

/// Why one held credential cannot answer a Credential Query.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shortfall {
    /// Its `exp` has passed.
    Expired {
        /// The credential's `exp`.
        valid_until: Timestamp,
    },
    /// Its `nbf` is still ahead.
    NotYetValid {
        /// The credential's `nbf`.
        valid_from: Timestamp,
    },
    /// Every one-time copy was already shown once.
    CopiesUsedUp {
        /// How many copies the wallet held.
        copies: usize,
    },
    /// It lacks claims the query asks for (or holds them with other values, §6.3).
    ClaimsMissing(Vec<ClaimLabel>),
    /// The query requires proof of possession (§6.1
    /// `require_cryptographic_holder_binding`), and this credential has no holder key
    /// (a VC-JWT, or an SD-JWT VC without `cnf`).
    HolderBindingUnsupported,
    /// It is bound to a holder key that the wallet does not hold: it was restored
    /// from a backup made without holder keys (`backup`), and must be issued again.
    HolderKeyMissing,
}

impl Shortfall {
    /// The stable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Shortfall::Expired { .. } => "credential_expired",
            Shortfall::NotYetValid { .. } => "credential_not_yet_valid",
            Shortfall::CopiesUsedUp { .. } => "copies_used_up",
            Shortfall::ClaimsMissing(_) => "claims_missing",
            Shortfall::HolderBindingUnsupported => "holder_binding_unsupported",
            Shortfall::HolderKeyMissing => "holder_key_missing",
        }
    }
}

/// Why a credential restored without its holder key cannot be shown.
pub(crate) const HOLDER_KEY_MISSING: &str = "its holder key was left out of the backup it was restored from; ask the issuer to issue it again";

fn day(t: Timestamp) -> String {
    let text = t.to_rfc3339();
    text.get(..10).map_or_else(|| text.clone(), str::to_owned)
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shortfall::Expired { valid_until } => write!(f, "it expired on {}", day(*valid_until)),
            Shortfall::NotYetValid { valid_from } => {
                write!(f, "it is not valid before {}", day(*valid_from))
            }
            Shortfall::CopiesUsedUp { copies } => write!(
                f,
                "all {copies} of its one-time copies were already shown; ask the issuer for new copies"
            ),
            Shortfall::ClaimsMissing(claims) => {
                let names: Vec<&str> = claims.iter().map(|c| c.label.as_str()).collect();
                write!(f, "it does not hold {}", names.join(", "))
            }
            Shortfall::HolderBindingUnsupported => f.write_str(
                "it cannot prove that it is yours (it has no holder key), and the verifier requires that",
            ),
            Shortfall::HolderKeyMissing => f.write_str(HOLDER_KEY_MISSING),
        }
    }
}

/// A held credential of the requested type that cannot be shown, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// The credential's group (its copies).
    pub group: String,
    /// What it is, for a person ("Passport").
    pub credential_type: String,
    /// Its issuer (`iss`).
    pub issuer: String,
    /// Why it cannot be shown.
    pub reason: Shortfall,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "your {}: {}", self.credential_type, self.reason)
    }
}

/// Why presenting failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresentError {
    /// The request (link, QR, Request Object) was refused (OpenID4VP 1.0 §5).
    #[error("this request cannot be trusted or read, so nothing was shared: {0}")]
    Request(#[from] RequestError),
    /// The verifier could not be reached.
    #[error(
        "the verifier at {url} could not be reached ({why}); check the connection and try again"
    )]
    Unreachable {
        /// What was called.
        url: String,
        /// Why.
        why: String,
    },
    /// The `request_uri` answered with an HTTP error (§5.10.2: the wallet MUST stop).
    #[error(
        "the verifier did not hand over its request (HTTP {status}); ask for a new code to scan"
    )]
    RequestUriStatus {
        /// The HTTP status.
        status: u16,
    },
    /// The `request_uri` answered with something else than a Request Object.
    #[error(
        "the verifier sent {found:?} instead of a signed request (application/oauth-authz-req+jwt)"
    )]
    RequestContentType {
        /// The `Content-Type` received (or "nothing").
        found: String,
    },
    /// An answer from the verifier was larger than this wallet reads.
    #[error("the verifier's {what} is larger than {max} bytes; it was not read")]
    TooLarge {
        /// Which answer.
        what: &'static str,
        /// Bytes allowed.
        max: usize,
    },
    /// An answer from the verifier does not follow the protocol.
    #[error("the verifier's answer is not understood: {0}")]
    Malformed(String),
    /// The verifier refused the answer (any status but 200, or a body that is not a
    /// JSON object), with its `error` and `error_description` when it gave them.
    #[error("the verifier refused the answer (HTTP {status}, {error}): {description}")]
    VerifierRefused {
        /// HTTP status.
        status: u16,
        /// The verifier's `error` (or problem `code`), empty when it gave none.
        error: String,
        /// The verifier's `error_description` (or problem `detail`).
        description: String,
    },
    /// No held credential answers a required part of the request (§6.4.2: then the
    /// wallet "MUST NOT return any Credential(s)").
    #[error("{}", no_match_sentence(wanted, reasons))]
    NoMatch {
        /// What is asked for, for a person ("a Passport or a Residence permit").
        wanted: String,
        /// Every held credential of a requested type, and why it cannot be shown.
        reasons: Vec<Unavailable>,
    },
    /// Every Credential Set Query is optional and none was chosen.
    #[error("nothing was chosen to share; decline the request instead")]
    NothingChosen,
    /// A choice on the consent screen that the plan does not offer.
    #[error("that choice is not offered: {0}")]
    Choice(String),
    /// The plan was made for another request.
    #[error("this consent was given for another request; review the request again")]
    PlanMismatch,
    /// Between consent and answer, the copies of a chosen credential ran out.
    #[error(
        "all one-time copies of the chosen {credential_type} were already shown; ask the issuer for new copies"
    )]
    CopiesUsedUp {
        /// The credential's group.
        group: String,
        /// What it is.
        credential_type: String,
    },
    /// A held credential or its key cannot be used (damaged, or the key is not the
    /// credential's holder key).
    #[error("your credential {group} cannot be shown: {why}")]
    CredentialUnusable {
        /// The credential's group.
        group: String,
        /// Why.
        why: String,
    },
    /// The answer does not fit a QR code.
    #[error("the answer does not fit in a QR code: {0}")]
    Qr(#[from] QrError),
    /// A QR code that is not a presentation request.
    #[error("this QR code is not a presentation request ({0})")]
    NotARequest(String),
    /// The vault failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

fn no_match_sentence(wanted: &str, reasons: &[Unavailable]) -> String {
    let head = format!("the verifier asks for {wanted}, and you hold none that can be shown");
    if reasons.is_empty() {
        return head;
    }
    let why: Vec<String> = reasons.iter().map(ToString::to_string).collect();
    format!("{head}: {}", why.join("; "))
}

impl PresentError {
    /// The stable machine-readable code (the request's, the QR codec's and the
    /// vault's own codes pass through).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            PresentError::Request(e) => e.code(),
            PresentError::Unreachable { .. } => "verifier_unreachable",
            PresentError::RequestUriStatus { .. } => "request_uri_http_error",
            PresentError::RequestContentType { .. } => "request_uri_content_type",
            PresentError::TooLarge { .. } => "verifier_answer_too_large",
            PresentError::Malformed(_) => "verifier_answer_malformed",
            PresentError::VerifierRefused { .. } => "verifier_refused",
            PresentError::NoMatch { .. } => "no_matching_credential",
            PresentError::NothingChosen => "nothing_chosen",
            PresentError::Choice(_) => "choice_not_offered",
            PresentError::PlanMismatch => "plan_mismatch",
            PresentError::CopiesUsedUp { .. } => "copies_used_up",
            PresentError::CredentialUnusable { .. } => "credential_unusable",
            PresentError::Qr(e) => e.code(),
            PresentError::NotARequest(_) => "qr_not_a_request",
            PresentError::Vault(e) => e.code(),
        }
    }
}
