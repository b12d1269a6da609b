//! The SD-JWT VC pipeline (RFC 9901 §7.1, §7.3; SD-JWT VC draft -18 §3).

use serde_json::Value;

use super::{Check, Format, Rejection, Report, VerifyInput, VerifyPolicy, issuer_key, status};
use crate::schema::CredentialTypes;
use crate::sd_jwt::{self, KbPolicy, Processed, SdJwt};
use crate::vc::sd_jwt_vc::{self, LEGACY_TYP, TYP};

pub(super) fn verify(
    text: &str,
    input: &VerifyInput<'_>,
    policy: &VerifyPolicy,
    types: &CredentialTypes,
) -> Report {
    let mut report = Report::new(Format::SdJwtVc);
    let now = input.clock.now();
    let Some(parsed) = report.record(
        "format",
        |p: &SdJwt<'_>| {
            format!(
                "SD-JWT with {} disclosure(s){}",
                p.disclosures().len(),
                if p.has_key_binding() {
                    " and a KB-JWT"
                } else {
                    ""
                }
            )
        },
        SdJwt::parse(text, super::MAX_PRESENTATION_LEN).map_err(Rejection::from),
    ) else {
        return report.finish();
    };
    let jwt = parsed.issuer_jwt();
    report.record(
        "typ",
        |()| format!("typ is {}", jwt.header().typ.as_deref().unwrap_or_default()),
        jwt.expect_typ_in(&[TYP, LEGACY_TYP])
            .map_err(Rejection::from),
    );
    let Some(unverified) = report.record(
        "payload",
        |_| "payload is a JSON object".into(),
        jwt.unverified_claims().map_err(Rejection::from),
    ) else {
        return report.finish();
    };
    let (key, payload) = issuer_key::key_and_signature(&mut report, jwt, unverified, input, policy);
    let Some(processed) = report.record(
        "disclosures",
        |p: &Processed| {
            format!(
                "{} disclosure(s) match digests in the issuer-signed JWT",
                p.disclosed.len()
            )
        },
        sd_jwt::process(payload, parsed.disclosures()).map_err(Rejection::from),
    ) else {
        return report.finish();
    };
    let vc_claims = report.record(
        "credential_claims",
        |c: &sd_jwt_vc::SdJwtVcClaims| format!("vct {}, issuer {}", c.vct, c.issuer),
        sd_jwt_vc::check_claims(&processed).map_err(Rejection::from),
    );
    if let Some(c) = &vc_claims {
        report.credential_type = Some(c.vct.clone());
        report.record(
            "validity",
            |()| match c.valid_until {
                Some(exp) => format!("valid until {exp}"),
                None => "no expiry".into(),
            },
            c.check_validity(now, policy.leeway_secs)
                .map_err(Rejection::from),
        );
    }
    key_binding(
        &mut report,
        &parsed,
        &processed,
        policy,
        now,
        vc_claims.as_ref().is_some_and(|c| c.has_cnf),
    );
    schema(
        &mut report,
        &processed,
        vc_claims.as_ref().map(|c| c.vct.as_str()),
        types,
    );
    match (&key, vc_claims.as_ref().and_then(|c| c.status.as_ref())) {
        (_, None) => report.push(Check::skipped(
            "status",
            "the credential has no status entry",
        )),
        (None, Some(_)) => report.push(Check::skipped(
            "status",
            "no issuer key to check the status list with",
        )),
        (Some(key), Some(_)) => status::token_status(
            &mut report,
            &processed.claims,
            &status::Lists {
                keys: &list_keys(key, input),
                texts: input.status_lists,
                cache: input.list_cache,
            },
            policy,
            now,
        ),
    }
    report.claims = processed.claims;
    report.finish()
}

/// The keys a status list may be signed with: the credential's, then the caller's.
pub(super) fn list_keys(
    key: &crate::key::PublicKey,
    input: &VerifyInput<'_>,
) -> Vec<crate::key::PublicKey> {
    let mut keys = vec![key.clone()];
    keys.extend(input.status_list_keys.iter().cloned());
    keys
}

fn key_binding(
    report: &mut Report,
    parsed: &SdJwt<'_>,
    processed: &Processed,
    policy: &VerifyPolicy,
    now: crate::time::Timestamp,
    has_cnf: bool,
) {
    let required = policy.require_key_binding || has_cnf;
    let Some(kb_jwt) = parsed.key_binding_jwt() else {
        if required {
            report.push(Check::failed(
                "key_binding",
                &sd_jwt::SdJwtError::KeyBindingMissing.into(),
            ));
        } else {
            report.push(Check::skipped(
                "key_binding",
                "no key binding: the credential is not bound to a holder key",
            ));
        }
        return;
    };
    let kb_policy = KbPolicy {
        required,
        nonce: policy.nonce.clone(),
        aud: policy.aud.clone(),
        now,
        max_age_secs: policy.kb_max_age_secs,
        leeway_secs: policy.leeway_secs,
    };
    let result = sd_jwt::holder_key(processed)
        .and_then(|holder| {
            sd_jwt::verify_key_binding(
                kb_jwt,
                parsed.without_key_binding(),
                &holder,
                &policy.algs,
                &kb_policy,
            )
        })
        .map_err(Rejection::from);
    let unchecked = match (&policy.nonce, &policy.aud) {
        (None, None) => " (nonce and audience not checked: none expected)",
        (None, Some(_)) => " (nonce not checked: none expected)",
        (Some(_), None) => " (audience not checked: none expected)",
        _ => "",
    };
    report.record(
        "key_binding",
        |kb: &sd_jwt::KeyBindingClaims| {
            format!(
                "signed by the holder key for {} with nonce {}{unchecked}",
                kb.aud, kb.nonce
            )
        },
        result,
    );
}

/// Enforces the credential type's schema on what was disclosed: a selectively
/// disclosable claim the holder withheld is not "missing".
fn schema(report: &mut Report, processed: &Processed, vct: Option<&str>, types: &CredentialTypes) {
    let Some(schema) = vct.and_then(|v| types.by_vct(v).ok()) else {
        report.push(Check::skipped(
            "schema",
            "not one of Sigillum's credential types; no schema enforced",
        ));
        return;
    };
    let subject = Value::Object(sd_jwt_vc::subject_claims(processed));
    let spec = schema.spec();
    let result = match schema.validate_subject(&subject) {
        Ok(()) => Ok(()),
        Err(violations) => {
            let withheld = |path: &str| {
                path.strip_prefix('/').is_some_and(|name| {
                    spec.selectively_disclosable.iter().any(|c| c == name)
                        && !processed.claims.contains_key(name)
                })
            };
            let real: Vec<_> = violations
                .into_violations()
                .into_iter()
                .filter(|v| !withheld(&v.path))
                .collect();
            if real.is_empty() {
                Ok(())
            } else {
                let real = crate::schema::SchemaViolations::new(schema.name(), real);
                Err(Rejection::from(
                    crate::schema::SchemaError::SchemaViolation(real),
                ))
            }
        }
    };
    report.record(
        "schema",
        |()| format!("disclosed claims conform to the {} schema", schema.name()),
        result,
    );
}
