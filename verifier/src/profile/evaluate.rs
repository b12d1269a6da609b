//! Applying a profile to a verification report: is this kind of credential
//! accepted here, were the required claims disclosed, do they meet the predicates.
//! Every finding is a check with a stable code and its evidence.

use serde_json::{Map, Value};
use sigillum_credential::oid4vp::{CredentialFormat, CredentialQuery, Unsatisfied};
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::time::Timestamp;
use sigillum_credential::verify::{Check, Format, Rejection, Report};

use super::{Predicate, Profile, date};

/// Longest piece of untrusted text quoted back in a message.
const EVIDENCE_CHARS: usize = 80;

/// Untrusted text for a message, clipped at a character boundary.
pub(super) fn clip(text: &str) -> String {
    match text.char_indices().nth(EVIDENCE_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

/// The verified credential as DCQL sees it.
struct Presented {
    format: CredentialFormat,
    /// `[vct]`, or the VC `type` array.
    types: Vec<String>,
    /// `passport (dc+sd-jwt)`.
    label: String,
    /// The claims as DCQL paths address them.
    disclosed: Map<String, Value>,
}

fn presented(report: &Report) -> Option<Presented> {
    let t = report.credential_type.as_deref()?;
    let known = CredentialTypes::builtin().ok();
    let (format, types, name) = match report.format {
        Format::SdJwtVc => (
            CredentialFormat::DcSdJwt,
            vec![t.to_owned()],
            known
                .and_then(|k| k.by_vct(t).ok())
                .map(|s| s.name().to_owned()),
        ),
        Format::VcJwt | Format::VcJwt11 => {
            // The report keeps the most specific type; ours have exactly
            // ["VerifiableCredential", <Type>], which the type document restores.
            let spec = known.and_then(|k| k.by_vc_type(t).ok());
            let types = spec.map_or_else(
                || vec!["VerifiableCredential".to_owned(), t.to_owned()],
                |s| s.spec().vc_type.clone(),
            );
            (
                CredentialFormat::JwtVcJson,
                types,
                spec.map(|s| s.name().to_owned()),
            )
        }
        _ => return None,
    };
    let disclosed = match format {
        CredentialFormat::JwtVcJson => {
            let mut vc = Map::new();
            vc.insert("type".into(), Value::from(types.clone()));
            vc.insert(
                "credentialSubject".into(),
                Value::Object(report.claims.clone()),
            );
            vc
        }
        _ => report.claims.clone(),
    };
    Some(Presented {
        label: format!("{} ({format})", name.unwrap_or_else(|| clip(t))),
        format,
        types,
        disclosed,
    })
}

/// What a Credential Query accepts, as `passport (dc+sd-jwt)` labels.
fn labels(query: &CredentialQuery) -> Vec<String> {
    let known = CredentialTypes::builtin().ok();
    let format = &query.format;
    let mut out: Vec<String> = query
        .meta
        .vct_values
        .iter()
        .flatten()
        .map(|vct| {
            let name = known
                .and_then(|k| k.by_vct(vct).ok())
                .map(|s| s.name().to_owned());
            format!("{} ({format})", name.unwrap_or_else(|| vct.clone()))
        })
        .collect();
    out.extend(query.meta.type_values.iter().flatten().map(|types| {
        let name = types
            .iter()
            .find_map(|t| known.and_then(|k| k.by_vc_type(t).ok()))
            .map(|s| s.name().to_owned());
        format!("{} ({format})", name.unwrap_or_else(|| types.join("+")))
    }));
    if let Some(doctype) = &query.meta.doctype_value {
        out.push(format!("{doctype} ({format})"));
    }
    out
}

impl Profile {
    /// The profile's checks on a verification report, evaluated at `now`:
    ///
    /// - `profile_type`: a Credential Query accepts the credential's format and type
    ///   (`credential_type_not_accepted` otherwise, with what is accepted);
    /// - `profile_claims`: every claim it requests was disclosed (`claim_missing`);
    /// - `profile_predicate`, one per predicate: the claim meets it
    ///   (`predicate_failed` with the value and the day checked; `claim_missing`
    ///   when the claim was not disclosed), or skipped when the predicate is for
    ///   another Credential Query.
    ///
    /// When the issuer's signature did not verify, no claim can be trusted and the
    /// profile is not applied (one skipped `profile` check; the report fails already).
    ///
    /// Push the checks into the report and call `finish` again, or use [`Profile::apply`].
    #[must_use]
    pub fn evaluate(&self, report: &Report, now: Timestamp) -> Vec<Check> {
        let signed = report
            .checks
            .iter()
            .any(|c| c.name == "issuer_signature" && c.ok && !c.skipped);
        // Only skip when the report already fails: a skipped check alone would
        // leave it valid.
        if !signed && report.checks.iter().any(|c| !c.ok) {
            return vec![Check::skipped(
                "profile",
                format!(
                    "the {} profile was not applied: the issuer's signature did not verify",
                    self.name
                ),
            )];
        }
        let Some(p) = presented(report) else {
            return vec![self.not_accepted("a credential of unknown type".into(), None)];
        };
        let types: Vec<&str> = p.types.iter().map(String::as_str).collect();
        let mut checks = Vec::new();
        match self.dcql.satisfied_by(&p.format, &types, &p.disclosed) {
            Ok(answered) => {
                checks.push(Check::passed(
                    "profile_type",
                    format!("{} is accepted by the {} profile", p.label, self.name),
                ));
                let asked: Vec<String> = answered
                    .iter()
                    .filter_map(|id| self.dcql.credential(id))
                    .filter_map(|q| q.requested_paths(&p.disclosed))
                    .flatten()
                    .map(|path| path.to_string())
                    .collect();
                checks.push(Check::passed(
                    "profile_claims",
                    if asked.is_empty() {
                        format!("the {} profile asks for no claims", self.name)
                    } else {
                        format!(
                            "disclosed as the {} profile asks: {}",
                            self.name,
                            asked.join(", ")
                        )
                    },
                ));
            }
            Err(Unsatisfied::ClaimsMissing(missing)) => {
                checks.push(Check::passed(
                    "profile_type",
                    format!("{} is accepted by the {} profile", p.label, self.name),
                ));
                checks.push(Check::failed(
                    "profile_claims",
                    &Rejection::ClaimMissing {
                        claims: missing.iter().map(ToString::to_string).collect(),
                    },
                ));
            }
            Err(Unsatisfied::SetsUnsatisfied { needed, .. }) => {
                return vec![self.not_accepted(p.label, Some(needed))];
            }
            Err(_) => return vec![self.not_accepted(p.label, None)],
        }
        let accepting: Vec<&str> = self
            .dcql
            .credentials
            .iter()
            .filter(|q| q.accepts(&p.format, &types))
            .map(|q| q.id.as_str())
            .collect();
        for predicate in &self.predicates {
            checks.push(match predicate.credential() {
                Some(only) if !accepting.contains(&only) => Check::skipped(
                    "profile_predicate",
                    format!("{}: applies to {only} only", predicate.describe()),
                ),
                _ => self.predicate(predicate, &report.claims, now),
            });
        }
        checks
    }

    /// The ids of the Credential Queries that accept the report's credential (its
    /// format and type), so an OpenID4VP answer filed under one query id can be
    /// held to that query. Empty when the type is unknown or not asked for.
    #[must_use]
    pub fn accepting_queries(&self, report: &Report) -> Vec<String> {
        let Some(p) = presented(report) else {
            return Vec::new();
        };
        let types: Vec<&str> = p.types.iter().map(String::as_str).collect();
        self.dcql
            .credentials
            .iter()
            .filter(|q| q.accepts(&p.format, &types))
            .map(|q| q.id.clone())
            .collect()
    }

    /// The report with the profile's checks added and its verdict decided again.
    #[must_use]
    pub fn apply(&self, mut report: Report, now: Timestamp) -> Report {
        for check in self.evaluate(&report, now) {
            report.push(check);
        }
        report.finish()
    }

    fn not_accepted(&self, label: String, needed: Option<Vec<Vec<String>>>) -> Check {
        let accepted: Vec<String> = match needed {
            // The credential is asked for, but only together with others.
            Some(options) => options
                .iter()
                .map(|option| {
                    option
                        .iter()
                        .filter_map(|id| self.dcql.credential(id))
                        .flat_map(labels)
                        .collect::<Vec<_>>()
                        .join(" + ")
                })
                .collect(),
            None => self.dcql.credentials.iter().flat_map(labels).collect(),
        };
        Check::failed(
            "profile_type",
            &Rejection::CredentialTypeNotAccepted {
                credential_type: label,
                accepted,
            },
        )
    }

    fn predicate(
        &self,
        predicate: &Predicate,
        claims: &Map<String, Value>,
        now: Timestamp,
    ) -> Check {
        let claim = predicate.claim();
        let Some(value) = claims.get(claim) else {
            return Check::failed(
                "profile_predicate",
                &Rejection::ClaimMissing {
                    claims: vec![claim.to_owned()],
                },
            );
        };
        let fail = |found: String| {
            Check::failed(
                "profile_predicate",
                &Rejection::PredicateFailed {
                    predicate: predicate.describe(),
                    found,
                },
            )
        };
        let day = || {
            value.as_str().and_then(date::parse).ok_or_else(|| {
                fail(format!(
                    "{claim} {} is not a date (YYYY-MM-DD)",
                    clip(&value.to_string())
                ))
            })
        };
        let today = |shift: i64| {
            date::day_of(now.plus(shift))
                .ok_or_else(|| fail(format!("the clock reads {now}, outside the calendar")))
        };
        let outcome = match predicate {
            Predicate::Equals { value: wanted, .. } => {
                if wanted.matches(value) {
                    Ok(format!("{claim} is {wanted}"))
                } else {
                    Err(fail(format!("{claim} is {}", clip(&value.to_string()))))
                }
            }
            Predicate::AgeAtLeast { years, .. } => day().and_then(|day| {
                let today = today(0)?;
                let age = date::age_on(day, today);
                let found = format!("{claim} {day}: age {age} on {today}");
                if i64::from(age) >= i64::from(*years) {
                    Ok(format!("{found}, at least {years}"))
                } else {
                    Err(fail(found))
                }
            }),
            // The last valid day holds until its end, plus the leeway.
            Predicate::DateNotPassed { .. } => day().and_then(|day| {
                let today = today(-self.leeway_secs)?;
                if day >= today {
                    Ok(format!("{claim} {day}: not passed on {today}"))
                } else {
                    Err(fail(format!("{claim} {day}: passed on {today}")))
                }
            }),
            Predicate::DateReached { .. } => day().and_then(|day| {
                let today = today(self.leeway_secs)?;
                if day <= today {
                    Ok(format!("{claim} {day}: reached on {today}"))
                } else {
                    Err(fail(format!("{claim} {day}: not reached on {today}")))
                }
            }),
        };
        match outcome {
            Ok(message) => Check::passed("profile_predicate", message),
            Err(check) => check,
        }
    }
}
