//! What the officer's screen shows after a wallet answered: one verdict, each
//! presented credential's report (its checks and disclosed claims), the checks on
//! the answer as a whole, where the ledger facts came from and how old they are.

use serde::Serialize;
use sigillum_credential::verify::{Check, Report};

/// The code of a ledger that could not answer (`Rejection::LedgerUnavailable`).
const UNREACHABLE: &str = "registry_unreachable";

/// The answer to "may this person pass?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed.
    Accepted,
    /// A check failed: the credential is not acceptable.
    Rejected,
    /// Nothing failed but the ledger could not be asked (no registry, no usable
    /// bundle), and the profile fails closed: not "invalid", but not a yes.
    CouldNotCheck,
}

/// One presented credential and its report.
#[derive(Debug, Clone, Serialize)]
pub struct Presented {
    /// The Credential Query id it was filed under (`None` for an offline QR
    /// carrying one bare presentation).
    pub query: Option<String>,
    /// Every check, the disclosed claims, the type and issuer.
    pub report: Report,
}

/// The outcome of one answer.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// `verdict == Accepted`.
    pub valid: bool,
    /// The checkpoint profile applied.
    pub profile: String,
    /// When it was checked (RFC 3339).
    pub checked_at: String,
    /// `online` (OpenID4VP `direct_post`) or `offline_qr`.
    pub route: &'static str,
    /// Each presented credential.
    pub presentations: Vec<Presented>,
    /// Checks on the answer as a whole (every required credential answered, each
    /// filed under a query that accepts it).
    pub answer_checks: Vec<Check>,
    /// Where the ledger facts came from (`registry http://…`, `offline bundle of …`).
    pub ledger: String,
    /// The offline bundle's age in seconds, when the facts came from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_age_secs: Option<i64>,
    /// The signed verification receipt, when receipts are on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
}

impl Outcome {
    /// Decides the verdict from the reports and the answer checks.
    #[must_use]
    pub fn decide(presentations: &[Presented], answer_checks: &[Check]) -> Verdict {
        let failed: Vec<&Check> = presentations
            .iter()
            .flat_map(|p| p.report.checks.iter())
            .chain(answer_checks.iter())
            .filter(|c| !c.ok)
            .collect();
        if presentations.is_empty() {
            Verdict::Rejected
        } else if failed.is_empty() {
            Verdict::Accepted
        } else if failed.iter().all(|c| c.code == Some(UNREACHABLE)) {
            Verdict::CouldNotCheck
        } else {
            Verdict::Rejected
        }
    }

    /// Every failed check, in order, for the "why not" list.
    #[must_use]
    pub fn failures(&self) -> Vec<&Check> {
        self.presentations
            .iter()
            .flat_map(|p| p.report.checks.iter())
            .chain(self.answer_checks.iter())
            .filter(|c| !c.ok)
            .collect()
    }

    /// Whether a report says the ledger could not be asked (so a bundle may be tried).
    #[must_use]
    pub fn unreachable(report: &Report) -> bool {
        report.checks.iter().any(|c| c.code == Some(UNREACHABLE))
    }
}
