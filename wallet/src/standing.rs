//! A held credential's standing, checked the way a checkpoint checks it: the
//! wallet presents one copy to itself (no claim disclosed, a KB-JWT under a fresh
//! nonce) and runs the verifier's pipeline on it against the registry — issuer
//! signature, issuer key valid at issuance, accreditation, validity window and
//! status list (`sigillum_verifier::check`). Nothing leaves the wallet but the
//! registry reads, which carry no personal data.

use sigillum_credential::b64;
use sigillum_credential::sd_jwt;
use sigillum_credential::time::Clock;
use sigillum_credential::verify::{Report, VerifyPolicy};
use sigillum_verifier::check::{LedgerPolicy, verify_with_ledger};
use sigillum_verifier::source::LedgerSource;

use crate::present::held::Held;
use crate::vault::StoredCredential;

/// The audience of the wallet's presentation to itself.
const SELF_AUDIENCE: &str = "sigillum-wallet:self-check";

/// What a card's badge says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Standing {
    /// Every check passed.
    Valid,
    /// Past its expiry.
    Expired,
    /// Its status list says suspended (it may be reinstated).
    Suspended,
    /// Its status list says revoked.
    Revoked,
    /// It does not verify; the stable code and the pipeline's sentence.
    Invalid {
        /// The failed check's code (`issuer_not_accredited`, …).
        code: String,
        /// What was found.
        why: String,
    },
    /// The registry could not be asked: nothing is known either way.
    Unchecked {
        /// Why.
        why: String,
    },
    /// Restored without its holder key: it must be issued again.
    KeyMissing,
}

impl Standing {
    /// The badge's word, which is also its CSS class.
    #[must_use]
    pub const fn badge(&self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Expired => "expired",
            Standing::Suspended => "suspended",
            Standing::Revoked => "revoked",
            Standing::Invalid { .. } => "invalid",
            Standing::Unchecked { .. } => "unchecked",
            Standing::KeyMissing => "reissue",
        }
    }

    /// One sentence for the citizen.
    #[must_use]
    pub fn sentence(&self) -> String {
        match self {
            Standing::Valid => "Valid: the issuer, its accreditation and the status list were \
                                checked on the registry."
                .into(),
            Standing::Expired => "Expired: ask the issuing office for a new one.".into(),
            Standing::Suspended => {
                "Suspended by the issuer: checkpoints will refuse it until it is reinstated.".into()
            }
            Standing::Revoked => "Revoked by the issuer: checkpoints will refuse it.".into(),
            Standing::Invalid { code, why } => format!("Does not verify ({code}): {why}"),
            Standing::Unchecked { why } => format!("Not checked just now: {why}"),
            Standing::KeyMissing => "Restored without its key: ask the office to issue it \
                                     again before you show it."
                .into(),
        }
    }

    /// Reads a pipeline report: the first failed check decides.
    #[must_use]
    pub fn of_report(report: &Report) -> Standing {
        let Some(failed) = report.checks.iter().find(|c| !c.ok) else {
            return Standing::Valid;
        };
        let code = failed.code.unwrap_or("invalid");
        match code {
            "credential_revoked" => Standing::Revoked,
            "credential_suspended" => Standing::Suspended,
            // Could not check is not invalid: the registry did not answer, or the
            // issuer has not published the list yet (just after issuance).
            "registry_unreachable" | "status_unavailable" => Standing::Unchecked {
                why: failed.message.clone(),
            },
            _ if failed.name == "validity" && code.contains("expired") => Standing::Expired,
            _ => Standing::Invalid {
                code: code.to_owned(),
                why: failed.message.clone(),
            },
        }
    }
}

/// Checks `copy` against the registry that `source` reads, at `clock`'s time.
pub async fn check(
    copy: &StoredCredential,
    source: &dyn LedgerSource,
    clock: &dyn Clock,
) -> Standing {
    let held = match Held::read(copy) {
        Ok(held) => held,
        Err(why) => {
            return Standing::Invalid {
                code: "credential_malformed".into(),
                why,
            };
        }
    };
    let now = clock.now();
    let mut nonce = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
    let nonce = b64::encode(nonce);
    let presented = if held.cnf_thumbprint.is_none() || !copy.credential.contains('~') {
        copy.credential.trim().to_owned()
    } else {
        if held.holder_key_missing {
            return Standing::KeyMissing;
        }
        let key = match held.holder_key(copy) {
            Ok(key) => key,
            Err(why) => {
                return Standing::Invalid {
                    code: "holder_key_unusable".into(),
                    why,
                };
            }
        };
        match sd_jwt::present(
            &copy.credential,
            &[],
            Some((&key, SELF_AUDIENCE, &nonce, now)),
        ) {
            Ok(p) => p,
            Err(e) => {
                return Standing::Invalid {
                    code: e.code().into(),
                    why: e.to_string(),
                };
            }
        }
    };
    let policy = LedgerPolicy {
        verify: VerifyPolicy {
            nonce: Some(nonce),
            aud: Some(SELF_AUDIENCE.into()),
            require_status: true,
            ..VerifyPolicy::default()
        },
        fail_closed: true,
    };
    match verify_with_ledger(&presented, source, &policy, clock, None).await {
        Ok(report) => Standing::of_report(&report),
        Err(e) => Standing::Invalid {
            code: "verification_failed".into(),
            why: e.to_string(),
        },
    }
}
