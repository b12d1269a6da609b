//! Verification against the ledger (issue #5 item 1): the shared pipeline
//! (`sigillum_credential::verify`) checks format, signature, disclosures,
//! validity, schema, status and holder binding; around it this module asks the
//! registry (or the offline bundle) what only the ledger knows —
//!
//! ```text
//!  issuer DID on the ledger ─► its key valid at issuance (rotation, compromise)
//!                           ─► accredited for the type at issuance
//!  status entries ─► the lists, read from the ledger, of the credential's own issuer
//! ```
//!
//! and adds those checks to the report, plus one saying where the facts came from
//! and how old they are. A ledger that cannot answer is "could not check"
//! (`registry_unreachable`), failed or skipped as the profile decides.

use sigillum_credential::jws::CompactJws;
use sigillum_credential::key::PublicKey;
use sigillum_credential::ledger::did_history::{key_ever, key_valid_at};
use sigillum_credential::time::{Clock, Timestamp};
use sigillum_credential::verify::{
    Check, IssuerKey, Rejection, Report, VerifiedLists, VerifyError, VerifyInput, VerifyPolicy,
    verify,
};

use crate::peek::{Peek, peek, status_list_id};
use crate::source::{LedgerSource, Sourced};

/// How the ledger checks behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPolicy {
    /// The pipeline's policy (algorithms, leeway, nonce, audience, status age…).
    pub verify: VerifyPolicy,
    /// When the ledger cannot answer: fail the credential (border) or report the
    /// check as not run (a bank may accept and re-check later).
    pub fail_closed: bool,
}

/// Facts read from the ledger for one credential.
struct Ledger {
    checks: Vec<Check>,
    key: IssuerKey,
    lists: Vec<String>,
    /// The issuer's DID value (its key history), once read.
    did: Option<serde_json::Value>,
    /// Keys the issuer held when it signed each status list.
    list_keys: Vec<PublicKey>,
}

/// The key that signed a status list, if the issuer held it (as an assertion
/// key, uncompromised) when the list says it was signed: a list signed before a
/// rotation stays good for credentials signed after it, and the other way round.
fn list_signer(did: &serde_json::Value, token: &str) -> Option<PublicKey> {
    let jws = CompactJws::parse(token, 8 * 1024 * 1024).ok()?;
    let kid = jws.header().kid.clone()?;
    let claims = jws.unverified_claims().ok()?;
    let signed_at = claims
        .get("iat")
        .and_then(serde_json::Value::as_i64)
        .or_else(|| {
            claims
                .get("validFrom")
                .and_then(serde_json::Value::as_str)
                .and_then(|t| Timestamp::parse_rfc3339(t).ok())
                .map(Timestamp::unix)
        })?;
    key_valid_at(did, &kid, "assertionMethod", signed_at).ok()
}

fn unavailable(policy: &LedgerPolicy, name: &'static str, why: String) -> Check {
    if policy.fail_closed {
        Check::failed(name, &Rejection::LedgerUnavailable(why))
    } else {
        Check::skipped(
            name,
            format!("not checked, the registry could not answer: {why}"),
        )
    }
}

fn time_of(t: Option<Timestamp>) -> Timestamp {
    t.unwrap_or(Timestamp::from_unix(0))
}

async fn issuer_key(source: &dyn LedgerSource, p: &Peek, policy: &LedgerPolicy, out: &mut Ledger) {
    let at = time_of(p.issued_at);
    let did = match source.read(&p.issuer).await {
        Ok(Some(Sourced { value, .. })) => {
            out.did = Some(value.clone());
            value
        }
        Ok(None) => {
            out.checks.push(Check::failed(
                "issuer_registry",
                &Rejection::IssuerUnknown {
                    issuer: p.issuer.clone(),
                },
            ));
            return;
        }
        Err(e) => {
            out.checks.push(unavailable(policy, "issuer_registry", e.0));
            return;
        }
    };
    let Some(kid) = &p.kid else {
        out.checks.push(Check::failed(
            "issuer_registry",
            &Rejection::IssuerUnknown {
                issuer: format!("{} (the credential names no kid)", p.issuer),
            },
        ));
        return;
    };
    match key_valid_at(&did, kid, "assertionMethod", at.unix()) {
        Ok(key) => {
            out.checks.push(Check::passed(
                "issuer_registry",
                format!("{kid} was an assertion key of the issuer at {at}, not compromised"),
            ));
            out.key = IssuerKey::Given(key);
        }
        Err(e) => {
            // Still check the signature with the key the DID once had, so the
            // report says both "signed by it" and "it was not valid then".
            if let Some(key) = key_ever(&did, kid) {
                out.key = IssuerKey::Given(key);
            }
            out.checks.push(Check::failed("issuer_registry", &e.into()));
        }
    }
}

async fn accreditation(
    source: &dyn LedgerSource,
    p: &Peek,
    policy: &LedgerPolicy,
    out: &mut Ledger,
) {
    let at = time_of(p.issued_at);
    let Some(type_name) = &p.type_name else {
        out.checks.push(Check::skipped(
            "accreditation",
            "not one of Sigillum's credential types; no accreditation to check",
        ));
        return;
    };
    let refuse = |why: String| {
        Check::failed(
            "accreditation",
            &Rejection::NotAccredited {
                issuer: p.issuer.clone(),
                credential_type: type_name.clone(),
                at,
                why,
            },
        )
    };
    let id = format!("accreditation:{}:{type_name}", p.issuer);
    let value = match source.read(&id).await {
        Ok(Some(s)) => s.value,
        Ok(None) => {
            return out
                .checks
                .push(refuse("the registry holds no accreditation".into()));
        }
        Err(e) => return out.checks.push(unavailable(policy, "accreditation", e.0)),
    };
    let t = at.unix();
    let from = value["valid_from"].as_i64();
    let check = match (
        from,
        value["valid_until"].as_i64(),
        value["withdrawn_since"].as_i64(),
    ) {
        (None, _, _) => refuse("the accreditation has no start".into()),
        (Some(from), _, _) if t < from => refuse(format!(
            "accredited only from {}",
            Timestamp::from_unix(from)
        )),
        (_, Some(until), _) if t >= until => refuse(format!(
            "the accreditation ended at {}",
            Timestamp::from_unix(until)
        )),
        (_, _, Some(since)) if t >= since => refuse(format!(
            "the accreditation was withdrawn at {}",
            Timestamp::from_unix(since)
        )),
        _ => Check::passed(
            "accreditation",
            format!("{} was accredited for {type_name} at {at}", p.issuer),
        ),
    };
    out.checks.push(check);
}

async fn status_lists(
    source: &dyn LedgerSource,
    p: &Peek,
    policy: &LedgerPolicy,
    out: &mut Ledger,
) {
    for uri in &p.status_uris {
        let Some((id, owner)) = status_list_id(uri) else {
            out.checks.push(Check::failed(
                "status_source",
                &Rejection::StatusListInvalid {
                    list: uri.clone(),
                    why: "not a registry status list URI (…/v1/status-lists/<issuer>/<n>)".into(),
                },
            ));
            continue;
        };
        if owner != p.issuer {
            out.checks.push(Check::failed(
                "status_source",
                &Rejection::StatusListIssuerMismatch {
                    list: uri.clone(),
                    list_issuer: owner,
                    issuer: p.issuer.clone(),
                },
            ));
            continue;
        }
        match source.read(&id).await {
            Ok(Some(s)) => {
                if let Some(token) = s.value["token"].as_str() {
                    if let Some(key) = out.did.as_ref().and_then(|did| list_signer(did, token)) {
                        out.list_keys.push(key);
                    }
                    out.lists.push(token.to_owned());
                }
            }
            // A list the ledger does not hold: the pipeline reports it unavailable.
            Ok(None) => {}
            Err(e) => out.checks.push(unavailable(policy, "status_source", e.0)),
        }
    }
}

/// Verifies `presented` with the issuer key, accreditation and status lists the
/// ledger proves, under `policy`; every check is in the report. Lists in `verified`
/// (a service's cache) are not verified and inflated again.
///
/// # Errors
/// [`VerifyError`] only when verification could not run at all.
pub async fn verify_with_ledger(
    presented: &str,
    source: &dyn LedgerSource,
    policy: &LedgerPolicy,
    clock: &dyn Clock,
    verified: Option<&VerifiedLists>,
) -> Result<Report, VerifyError> {
    let now = clock.now();
    let mut ledger = Ledger {
        checks: Vec::new(),
        key: IssuerKey::ResolveLocal,
        lists: Vec::new(),
        did: None,
        list_keys: Vec::new(),
    };
    let peeked = peek(presented);
    if let Some(p) = &peeked {
        if p.issuer.starts_with("did:sigillum:") {
            issuer_key(source, p, policy, &mut ledger).await;
            accreditation(source, p, policy, &mut ledger).await;
            status_lists(source, p, policy, &mut ledger).await;
        } else {
            ledger.checks.push(Check::failed(
                "accreditation",
                &Rejection::NotAccredited {
                    issuer: p.issuer.clone(),
                    credential_type: p.type_name.clone().unwrap_or_default(),
                    at: time_of(p.issued_at),
                    why: "only issuers registered on the ledger (did:sigillum) can be accredited"
                        .into(),
                },
            ));
        }
    }
    let lists: Vec<&str> = ledger.lists.iter().map(String::as_str).collect();
    let mut report = verify(
        &VerifyInput {
            presented,
            issuer_key: ledger.key,
            status_lists: &lists,
            status_list_keys: &ledger.list_keys,
            list_cache: verified,
            clock,
        },
        &policy.verify,
    )?;
    let at = report
        .checks
        .iter()
        .position(|c| c.name == "issuer_signature")
        .map_or(report.checks.len(), |i| i + 1);
    let source_check = match source.offline_as_of() {
        Some(t) => Check::passed(
            "ledger",
            format!("{}: {} s old", source.describe(), now.unix() - t.unix()),
        ),
        None => Check::passed("ledger", source.describe()),
    };
    if peeked.is_some() {
        report
            .checks
            .splice(at..at, ledger.checks.into_iter().chain([source_check]));
    }
    Ok(report.finish())
}
