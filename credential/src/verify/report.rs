//! The verification report: valid or not, who issued, what was disclosed, and every
//! check with its code and a sentence a border officer can read.

use serde::Serialize;
use serde_json::{Map, Value};

use super::Rejection;

/// Which kind of credential was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// SD-JWT VC (`dc+sd-jwt`).
    SdJwtVc,
    /// W3C VC 2.0 as `vc+jwt`.
    VcJwt,
    /// W3C VC 1.1 as a JWT with a `vc` claim.
    VcJwt11,
    /// Could not tell.
    Unknown,
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked (`issuer_signature`, `validity`, `status`, …).
    pub name: &'static str,
    /// Whether it passed (a skipped check does not fail the credential).
    pub ok: bool,
    /// The stable code of the failure, if it failed.
    pub code: Option<&'static str>,
    /// A sentence saying what was found.
    pub message: String,
    /// True when the check could not run for lack of input (it is reported, not failed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

impl Check {
    /// A passed check.
    #[must_use]
    pub fn passed(name: &'static str, message: impl Into<String>) -> Self {
        Check {
            name,
            ok: true,
            code: None,
            message: message.into(),
            skipped: false,
        }
    }
    /// A failed check, with the rejection's code and sentence.
    #[must_use]
    pub fn failed(name: &'static str, rejection: &Rejection) -> Self {
        Check {
            name,
            ok: false,
            code: Some(rejection.code()),
            message: rejection.to_string(),
            skipped: false,
        }
    }
    /// A check that did not run, and why.
    #[must_use]
    pub fn skipped(name: &'static str, message: impl Into<String>) -> Self {
        Check {
            name,
            ok: true,
            code: None,
            message: message.into(),
            skipped: true,
        }
    }
}

/// The outcome of verifying one credential or presentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// True only when every check that ran passed.
    pub valid: bool,
    /// The credential format.
    pub format: Format,
    /// The issuer identifier (`iss` / `issuer`), once read.
    pub issuer: Option<String>,
    /// The credential type (`vct`, or the most specific VC `type`).
    pub credential_type: Option<String>,
    /// The disclosed claims, only when the issuer's signature verified.
    pub claims: Map<String, Value>,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
}

impl Report {
    pub(crate) fn new(format: Format) -> Self {
        Report {
            valid: false,
            format,
            issuer: None,
            credential_type: None,
            claims: Map::new(),
            checks: Vec::new(),
        }
    }

    /// A report of one failed check, for a presentation that could not be verified
    /// at all (a service's own refusal, before the pipeline ran).
    #[must_use]
    pub fn rejected(name: &'static str, rejection: &Rejection) -> Self {
        let mut report = Report::new(Format::Unknown);
        report.push(Check::failed(name, rejection));
        report.finish()
    }

    /// Adds a check (services add the checks they run around the pipeline:
    /// the registry's key history, accreditation, a profile); call
    /// [`Report::finish`] again afterwards.
    pub fn push(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// Records `result` as check `name`; returns the success value if it passed.
    pub(crate) fn record<T>(
        &mut self,
        name: &'static str,
        ok_message: impl FnOnce(&T) -> String,
        result: Result<T, Rejection>,
    ) -> Option<T> {
        match result {
            Ok(value) => {
                self.push(Check::passed(name, ok_message(&value)));
                Some(value)
            }
            Err(rejection) => {
                self.push(Check::failed(name, &rejection));
                None
            }
        }
    }

    /// Decides `valid` from the checks (every one passed or skipped), and drops the
    /// claims of a credential whose issuer signature did not verify.
    #[must_use]
    pub fn finish(mut self) -> Self {
        self.valid = !self.checks.is_empty() && self.checks.iter().all(|c| c.ok);
        if !self.valid
            && !self
                .checks
                .iter()
                .any(|c| c.name == "issuer_signature" && c.ok)
        {
            self.claims.clear();
        }
        self
    }

    /// The codes of the failed checks, in order.
    #[must_use]
    pub fn failures(&self) -> Vec<&'static str> {
        self.checks.iter().filter_map(|c| c.code).collect()
    }
}
