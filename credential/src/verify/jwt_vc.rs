//! The VC-JWT pipeline: VC DM 2.0 `vc+jwt` (VC-JOSE-COSE §3.1.1) and VC DM 1.1 JWTs.

use serde_json::Value;

use super::{Check, Format, Rejection, Report, VerifyInput, VerifyPolicy, issuer_key, status};
use crate::jws::CompactJws;
use crate::schema::CredentialTypes;
use crate::vc::jwt_vc::{self, JwtVc, JwtVcVersion};

pub(super) fn verify(
    text: &str,
    input: &VerifyInput<'_>,
    policy: &VerifyPolicy,
    types: &CredentialTypes,
) -> Report {
    let mut report = Report::new(Format::Unknown);
    let now = input.clock.now();
    let Some(jws) = report.record(
        "format",
        |_| "compact JWS".into(),
        CompactJws::parse(text, super::MAX_PRESENTATION_LEN).map_err(Rejection::from),
    ) else {
        return report.finish();
    };
    if let Some(typ) = jws.header().typ.as_deref()
        && [crate::vc::sd_jwt_vc::TYP, crate::vc::sd_jwt_vc::LEGACY_TYP].contains(&typ)
    {
        // An SD-JWT VC without its "~" (RFC 9901 §4): refused as the SD-JWT it says it
        // is, as `SdJwt::parse` would, not as a VC-JWT of the wrong type.
        report.format = Format::SdJwtVc;
        report.push(Check::failed(
            "typ",
            &crate::sd_jwt::SdJwtError::Malformed("no \"~\": an SD-JWT ends in \"~\"").into(),
        ));
        return report.finish();
    }
    let Some(unverified) = report.record(
        "payload",
        |_| "payload is a JSON object".into(),
        jws.unverified_claims().map_err(Rejection::from),
    ) else {
        return report.finish();
    };
    let Some(version) = report.record(
        "typ",
        |v: &JwtVcVersion| format!("{v:?} encoding"),
        jwt_vc::version_of(&jws, &unverified).map_err(Rejection::from),
    ) else {
        return report.finish();
    };
    report.format = match version {
        JwtVcVersion::V1_1 => Format::VcJwt11,
        _ => Format::VcJwt,
    };
    let (key, claims) = issuer_key::key_and_signature(&mut report, &jws, unverified, input, policy);
    let Some(vc) = report.record(
        "data_model",
        |vc: &JwtVc| format!("a {} from {}", vc.types.join("/"), vc.issuer),
        jwt_vc::read(version, &claims).map_err(Rejection::from),
    ) else {
        return report.finish();
    };
    report.credential_type = vc
        .types
        .iter()
        .rfind(|t| *t != "VerifiableCredential")
        .cloned();
    report.record(
        "validity",
        |()| match vc.valid_until {
            Some(until) => format!("valid until {until}"),
            None => "no expiry".into(),
        },
        vc.check_validity(now, policy.leeway_secs)
            .map_err(Rejection::from),
    );
    match vc.types.iter().find_map(|t| types.by_vc_type(t).ok()) {
        None => report.push(Check::skipped(
            "schema",
            "not one of Sigillum's credential types; no schema enforced",
        )),
        Some(schema) => {
            let mut subject = vc.subject.clone();
            subject.remove("id");
            let result = schema
                .validate_subject(&Value::Object(subject))
                .map_err(|v| Rejection::from(crate::schema::SchemaError::SchemaViolation(v)));
            report.record(
                "schema",
                |()| format!("subject conforms to the {} schema", schema.name()),
                result,
            );
        }
    }
    match (&key, vc.status.is_empty()) {
        (_, true) => report.push(Check::skipped(
            "status",
            "the credential has no status entry",
        )),
        (None, false) => report.push(Check::skipped(
            "status",
            "no issuer key to check the status list with",
        )),
        (Some(key), false) => {
            // Every entry (e.g. revocation and suspension), each against its own list.
            for entry in &vc.status {
                status::bitstring_status(
                    &mut report,
                    entry,
                    &status::Lists {
                        keys: &super::sd_jwt_vc::list_keys(key, input),
                        texts: input.status_lists,
                        cache: input.list_cache,
                    },
                    &vc.issuer,
                    policy,
                    now,
                );
            }
        }
    }
    report.claims = vc.subject;
    report.finish()
}
