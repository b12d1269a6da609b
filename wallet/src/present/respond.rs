//! Carrying out a consented [`Plan`]: one unused copy per chosen credential, the
//! minimal presentation of it (RFC 9901 §7.2: only the Disclosures the query's
//! claims need), bound with a KB-JWT to the verifier's full Client Identifier and
//! the request's nonce (OpenID4VP 1.0 Appendix B.3.6, §14.1.2), collected into the
//! `vp_token` (§8.1), and a history line per credential with claim names only.

use std::collections::BTreeMap;

use sigillum_credential::oid4vp::CredentialQuery;
use sigillum_credential::oid4vp::{AuthorizationRequest, AuthorizationResponse, CredentialFormat};
use sigillum_credential::sd_jwt;
use sigillum_credential::time::Timestamp;

use super::error::PresentError;
use super::held::Held;
use super::plan::Plan;
use crate::vault::{HistoryEntry, StoredCredential, Vault};

/// `kind` of a history line for a presentation.
pub const HISTORY_PRESENT: &str = "present";
/// `kind` of a history line for a declined request.
pub const HISTORY_DECLINE: &str = "decline";

/// Builds the answer to `request` that `plan` describes, taking one unused copy of
/// every chosen credential (a copy is shown once, so two verifiers never see the
/// same one), and logs what was shared. If anything fails before the answer is
/// complete, the copies taken are put back: nothing has left the wallet.
///
/// # Errors
/// [`PresentError::PlanMismatch`] when `plan` was made for another request;
/// [`Plan::ready`]'s errors; [`PresentError::CopiesUsedUp`] when a chosen
/// credential's copies ran out since the plan was made;
/// [`PresentError::CredentialUnusable`] for a damaged credential or key; vault errors.
pub fn respond(
    request: &AuthorizationRequest,
    plan: &Plan,
    vault: &Vault,
    now: Timestamp,
) -> Result<AuthorizationResponse, PresentError> {
    if plan.client_id != request.client_id || plan.nonce != request.nonce {
        return Err(PresentError::PlanMismatch);
    }
    plan.ready()?;
    let mut taken = Vec::new();
    let built = build(request, plan, vault, now, &mut taken);
    if built.is_err() {
        for id in &taken {
            // Best effort: the copy never left the wallet; if this fails it stays
            // marked used, which costs a copy and reveals nothing.
            let _ = vault.release_copy(id);
        }
    }
    built
}

fn build(
    request: &AuthorizationRequest,
    plan: &Plan,
    vault: &Vault,
    now: Timestamp,
    taken: &mut Vec<String>,
) -> Result<AuthorizationResponse, PresentError> {
    let mut vp_token: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut lines = Vec::new();
    for answered in plan.answered() {
        let query = request
            .dcql_query
            .credential(&answered.id)
            .ok_or(PresentError::PlanMismatch)?;
        for group in &answered.chosen {
            let credential_type = answered
                .candidates
                .iter()
                .find(|c| &c.group == group)
                .map_or_else(|| answered.wanted.clone(), |c| c.credential_type.clone());
            let (id, copy) = vault
                .take_copy(group)?
                .ok_or_else(|| PresentError::CopiesUsedUp {
                    group: group.clone(),
                    credential_type,
                })?;
            taken.push(id);
            let (presentation, shared) = present_copy(request, query, &copy, now)?;
            vp_token
                .entry(query.id.clone())
                .or_default()
                .push(presentation);
            lines.push(HistoryEntry {
                time: now.unix(),
                kind: HISTORY_PRESENT.into(),
                counterparty: request.client_id.clone(),
                requested: answered.requested.iter().map(|c| c.name.clone()).collect(),
                shared,
                group: group.clone(),
            });
        }
    }
    for line in &lines {
        vault.log(line)?;
    }
    Ok(AuthorizationResponse {
        vp_token,
        state: request.state.clone(),
    })
}

/// One presentation of `copy` for `query`, and the names of every claim it shows.
fn present_copy(
    request: &AuthorizationRequest,
    query: &CredentialQuery,
    copy: &StoredCredential,
    now: Timestamp,
) -> Result<(String, Vec<String>), PresentError> {
    let unusable = |why: String| PresentError::CredentialUnusable {
        group: copy.group.clone(),
        why,
    };
    let held = Held::read(copy).map_err(&unusable)?;
    let paths = query
        .requested_paths(&held.claims)
        .filter(|_| query.accepts(&held.format, &held.type_refs()))
        .ok_or_else(|| unusable("it does not answer this request".into()))?;
    let mut shared: Vec<String> = paths.iter().map(ToString::to_string).collect();
    for visible in &held.visible {
        let name = visible.to_string();
        if !shared.contains(&name) {
            shared.push(name);
        }
    }
    let presentation = match (&held.format, held.cnf_thumbprint.is_some()) {
        (CredentialFormat::DcSdJwt, true) => {
            let key = held.holder_key(copy).map_err(&unusable)?;
            sd_jwt::present(
                &copy.credential,
                &paths,
                Some((&key, &request.client_id, &request.nonce, now)),
            )
            .map_err(|e| unusable(e.to_string()))?
        }
        _ if query.requires_holder_binding() => {
            return Err(unusable(
                "it has no holder key, and the verifier requires proof of possession".into(),
            ));
        }
        (CredentialFormat::DcSdJwt, false) => {
            sd_jwt::present(&copy.credential, &paths, None).map_err(|e| unusable(e.to_string()))?
        }
        // A VC-JWT has no selective disclosure: the credential is shown whole, and
        // the plan lists every subject claim as shown.
        _ => copy.credential.trim().to_owned(),
    };
    Ok((presentation, shared))
}
