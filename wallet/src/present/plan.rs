//! What the wallet would share, before the citizen consents (OpenID4VP 1.0 §6.4):
//! for each Credential Query, the held credentials that can answer it (with an
//! unused copy, valid now, of the right format and type, holding every requested
//! claim), the claims each would disclose, and the ones that cannot, with the
//! reason; for each Credential Set Query, which options can be met and which one
//! is chosen. A consent screen renders a [`Plan`]; [`super::respond`] carries it out.
//!
//! Defaults lean to sharing less: every required set takes its first option that
//! can be met (the verifier's preference, §6.4.1), optional sets are left out until
//! the citizen opts in, and each query takes one credential, the newest received.

use std::collections::BTreeMap;

use sigillum_credential::oid4vp::{AuthorizationRequest, CredentialQuery};
use sigillum_credential::sd_jwt::ClaimPath;
use sigillum_credential::time::Timestamp;

use super::error::{PresentError, Shortfall, Unavailable};
use super::held::{Held, label_with, wanted};
use crate::vault::Vault;

/// A claim, by its claims path pointer (§7) and the label its credential type gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLabel {
    /// The path into the credential.
    pub path: ClaimPath,
    /// The path as dotted text (`family_name`, `credentialSubject.family_name`):
    /// what the history records.
    pub name: String,
    /// For a person ("Surname"); the dotted path when the type has no label for it.
    pub label: String,
}

/// A held credential that can answer a Credential Query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its group: the copies of one issuance.
    pub group: String,
    /// What it is, for a person ("Passport").
    pub credential_type: String,
    /// Its type identifier (`vct`, or the most specific W3C `type`).
    pub type_id: String,
    /// Its issuer (`iss`).
    pub issuer: String,
    /// Where it was received from (the OpenID4VCI issuer URL).
    pub issuer_url: String,
    /// Its `exp`, if any.
    pub valid_until: Option<Timestamp>,
    /// Unused one-time copies left.
    pub copies_left: usize,
    /// The requested claims it would disclose for this query.
    pub share: Vec<ClaimLabel>,
    /// Claims the verifier sees whatever is asked: the plain claims of an SD-JWT VC,
    /// the whole subject of a VC-JWT.
    pub also_shown: Vec<ClaimLabel>,
    /// Whether the presentation proves possession with a KB-JWT.
    pub proves_possession: bool,
}

/// One Credential Query (§6.1) and what can answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlan {
    /// The query's `id`.
    pub id: String,
    /// What it asks for, for a person ("Passport").
    pub wanted: String,
    /// Whether several credentials may answer it (§6.1 `multiple`).
    pub multiple: bool,
    /// Every claim it names (§6.3), labelled.
    pub requested: Vec<ClaimLabel>,
    /// Held credentials that can answer it, newest first.
    pub candidates: Vec<Candidate>,
    /// Held credentials of the requested type that cannot, and why.
    pub unavailable: Vec<Unavailable>,
    /// The groups chosen to answer it (at most one unless `multiple`).
    pub chosen: Vec<String>,
}

/// One option of a Credential Set Query (§6.2): queries answered together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOption {
    /// The Credential Query ids.
    pub queries: Vec<String>,
    /// Whether every one of them has a candidate.
    pub available: bool,
}

/// A Credential Set Query (§6.2); without `credential_sets`, one required set
/// whose only option is every query (§6.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetPlan {
    /// Whether the verifier requires it.
    pub required: bool,
    /// Its options, in the verifier's order of preference.
    pub options: Vec<SetOption>,
    /// The option that will be answered; `None` leaves the set out.
    pub chosen: Option<usize>,
}

/// What the wallet would share with one verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The verifier's Client Identifier (`decentralized_identifier:did:…`).
    pub client_id: String,
    /// The verifier's DID.
    pub verifier: String,
    /// The Credential Queries, in the request's order.
    pub queries: Vec<QueryPlan>,
    /// The Credential Set Queries.
    pub sets: Vec<SetPlan>,
    /// The request this plan answers (its nonce), so consent cannot be replayed
    /// onto another request.
    pub(crate) nonce: String,
}

/// Matches `request` against what `vault` holds at `now`.
///
/// # Errors
/// [`PresentError::Vault`] when the vault cannot be read. A request that cannot be
/// answered is still a plan; [`Plan::ready`] says why.
pub fn plan(
    request: &AuthorizationRequest,
    vault: &Vault,
    now: Timestamp,
) -> Result<Plan, PresentError> {
    Ok(plan_for(request, &held_groups(vault)?, now))
}

/// One entry per group: the credential read from an unused copy when there is one,
/// the unused and total number of copies. Copies that do not read are left out.
fn held_groups(vault: &Vault) -> Result<Vec<(Held, usize, usize)>, PresentError> {
    let mut groups: BTreeMap<String, (Option<Held>, usize, usize)> = BTreeMap::new();
    for (_, stored) in vault.credentials()? {
        let entry = groups.entry(stored.group.clone()).or_insert((None, 0, 0));
        entry.2 += 1;
        if !stored.used {
            entry.1 += 1;
        }
        let better = entry.0.is_none() || (!stored.used && entry.1 == 1);
        if better && let Ok(held) = Held::read(&stored) {
            entry.0 = Some(held);
        }
    }
    Ok(groups
        .into_values()
        .filter_map(|(held, unused, total)| held.map(|h| (h, unused, total)))
        .collect())
}

pub(crate) fn plan_for(
    request: &AuthorizationRequest,
    held: &[(Held, usize, usize)],
    now: Timestamp,
) -> Plan {
    let query = &request.dcql_query;
    let queries: Vec<QueryPlan> = query
        .credentials
        .iter()
        .map(|q| plan_query(q, held, now))
        .collect();
    let has_candidate = |id: &str| {
        queries
            .iter()
            .any(|q| q.id == id && !q.candidates.is_empty())
    };
    let option = |ids: &[String]| SetOption {
        queries: ids.to_vec(),
        available: ids.iter().all(|id| has_candidate(id)),
    };
    let mut sets: Vec<SetPlan> = match &query.credential_sets {
        None => {
            let all: Vec<String> = query.credentials.iter().map(|c| c.id.clone()).collect();
            vec![SetPlan {
                required: true,
                options: vec![option(&all)],
                chosen: None,
            }]
        }
        Some(sets) => sets
            .iter()
            .map(|s| SetPlan {
                required: s.is_required(),
                options: s.options.iter().map(|o| option(o)).collect(),
                chosen: None,
            })
            .collect(),
    };
    for set in sets.iter_mut().filter(|s| s.required) {
        set.chosen = set.options.iter().position(|o| o.available);
    }
    Plan {
        client_id: request.client_id.clone(),
        verifier: request.client_did().to_owned(),
        queries,
        sets,
        nonce: request.nonce.clone(),
    }
}

fn plan_query(query: &CredentialQuery, held: &[(Held, usize, usize)], now: Timestamp) -> QueryPlan {
    let (wanted_name, spec) = wanted(query);
    let mut candidates = Vec::new();
    let mut unavailable = Vec::new();
    let mut newest = Vec::new();
    for (h, unused, total) in held {
        if !query.accepts(&h.format, &h.type_refs()) {
            continue;
        }
        let paths = query.requested_paths(&h.claims);
        let reason = if let Some(reason) = h.validity(now) {
            Some(reason)
        } else if *unused == 0 {
            Some(Shortfall::CopiesUsedUp { copies: *total })
        } else if h.holder_key_missing {
            Some(Shortfall::HolderKeyMissing)
        } else if query.requires_holder_binding() && h.cnf_thumbprint.is_none() {
            Some(Shortfall::HolderBindingUnsupported)
        } else if paths.is_none() {
            let missing = query.missing_claims(&h.claims);
            Some(Shortfall::ClaimsMissing(
                missing.iter().map(|m| h.label(&m.path)).collect(),
            ))
        } else {
            None
        };
        match (reason, paths) {
            (None, Some(paths)) => {
                newest.push(h.received_at);
                candidates.push(candidate(h, &paths, *unused));
            }
            (reason, _) => unavailable.push(Unavailable {
                group: h.group.clone(),
                credential_type: h.type_name(),
                issuer: h.issuer.clone(),
                reason: reason.unwrap_or(Shortfall::ClaimsMissing(Vec::new())),
            }),
        }
    }
    let mut order: Vec<(i64, Candidate)> = newest.into_iter().zip(candidates).collect();
    order.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    let candidates: Vec<Candidate> = order.into_iter().map(|(_, c)| c).collect();
    QueryPlan {
        id: query.id.clone(),
        wanted: wanted_name,
        multiple: query.multiple(),
        requested: query
            .claims
            .iter()
            .flatten()
            .map(|c| label_with(spec, &c.path))
            .collect(),
        chosen: candidates
            .first()
            .map(|c| c.group.clone())
            .into_iter()
            .collect(),
        candidates,
        unavailable,
    }
}

fn candidate(h: &Held, paths: &[ClaimPath], copies_left: usize) -> Candidate {
    Candidate {
        group: h.group.clone(),
        credential_type: h.type_name(),
        type_id: h.type_id.clone(),
        issuer: h.issuer.clone(),
        issuer_url: h.issuer_url.clone(),
        valid_until: h.valid_until,
        copies_left,
        share: paths.iter().map(|p| h.label(p)).collect(),
        also_shown: h
            .visible
            .iter()
            .filter(|v| !paths.contains(v))
            .map(|v| h.label(v))
            .collect(),
        proves_possession: h.cnf_thumbprint.is_some(),
    }
}

impl Plan {
    /// The labels of every claim the chosen credentials would show (asked for, or
    /// always shown with the card), each once, in the request's order: what the
    /// citizen is told was shared.
    #[must_use]
    pub fn shared_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = Vec::new();
        for query in self.answered() {
            let chosen = query
                .candidates
                .iter()
                .filter(|c| query.chosen.contains(&c.group));
            for claim in chosen.flat_map(|c| c.share.iter().chain(&c.also_shown)) {
                if !labels.contains(&claim.label) {
                    labels.push(claim.label.clone());
                }
            }
        }
        labels
    }

    /// The queries that will be answered: those of every chosen option, in the
    /// request's order.
    pub fn answered(&self) -> impl Iterator<Item = &QueryPlan> {
        self.queries.iter().filter(|q| {
            self.sets.iter().any(|s| {
                s.chosen
                    .and_then(|i| s.options.get(i))
                    .is_some_and(|o| o.queries.contains(&q.id))
            })
        })
    }

    /// Whether the plan can be carried out: every required set has a chosen
    /// option that can be met, and something is shared.
    ///
    /// # Errors
    /// [`PresentError::NoMatch`] naming what is asked for and why each held
    /// credential of that type cannot be shown; [`PresentError::NothingChosen`].
    pub fn ready(&self) -> Result<(), PresentError> {
        for set in &self.sets {
            let met = set
                .chosen
                .and_then(|i| set.options.get(i))
                .is_some_and(|o| o.available);
            if set.required && !met {
                return Err(self.no_match(set));
            }
        }
        if self.answered().next().is_none() {
            return Err(PresentError::NothingChosen);
        }
        Ok(())
    }

    fn no_match(&self, set: &SetPlan) -> PresentError {
        let mut reasons: Vec<Unavailable> = Vec::new();
        let wanted: Vec<String> = set
            .options
            .iter()
            .map(|o| {
                let names: Vec<&str> = self
                    .queries
                    .iter()
                    .filter(|q| o.queries.contains(&q.id))
                    .inspect(|q| {
                        if q.candidates.is_empty() {
                            reasons.extend(q.unavailable.iter().cloned());
                        }
                    })
                    .map(|q| q.wanted.as_str())
                    .collect();
                names.join(" and ")
            })
            .collect();
        reasons.dedup();
        PresentError::NoMatch {
            wanted: wanted.join(" or "),
            reasons,
        }
    }

    /// Chooses option `option` of Credential Set Query `set` (an index into
    /// [`Plan::sets`]), or leaves an optional set out with `None`.
    ///
    /// # Errors
    /// [`PresentError::Choice`] for an unknown set or option, an option that
    /// cannot be met, or leaving out a required set.
    pub fn choose_option(&mut self, set: usize, option: Option<usize>) -> Result<(), PresentError> {
        let target = self
            .sets
            .get_mut(set)
            .ok_or_else(|| PresentError::Choice(format!("there is no set {set}")))?;
        match option {
            None if target.required => Err(PresentError::Choice(
                "this part of the request is required".into(),
            )),
            None => {
                target.chosen = None;
                Ok(())
            }
            Some(i) => match target.options.get(i) {
                Some(o) if o.available => {
                    target.chosen = Some(i);
                    Ok(())
                }
                Some(_) => Err(PresentError::Choice(
                    "you hold no credentials that can answer that option".into(),
                )),
                None => Err(PresentError::Choice(format!("there is no option {i}"))),
            },
        }
    }

    /// Chooses which held credentials (groups) answer query `query`: one, or
    /// several when the query allows `multiple`.
    ///
    /// # Errors
    /// [`PresentError::Choice`] for an unknown query, no group, several groups
    /// without `multiple`, a repeated group, or a group that is not a candidate.
    pub fn choose_credentials(&mut self, query: &str, groups: &[&str]) -> Result<(), PresentError> {
        let target = self
            .queries
            .iter_mut()
            .find(|q| q.id == query)
            .ok_or_else(|| PresentError::Choice(format!("there is no query {query}")))?;
        if groups.is_empty() || (groups.len() > 1 && !target.multiple) {
            return Err(PresentError::Choice(format!(
                "{query} takes {} credential",
                if target.multiple {
                    "at least one"
                } else {
                    "exactly one"
                }
            )));
        }
        let mut chosen: Vec<String> = Vec::with_capacity(groups.len());
        for group in groups {
            if chosen.iter().any(|c| c == group)
                || !target.candidates.iter().any(|c| c.group == *group)
            {
                return Err(PresentError::Choice(format!(
                    "{group} cannot answer {query}"
                )));
            }
            chosen.push((*group).to_owned());
        }
        target.chosen = chosen;
        Ok(())
    }

    /// The names (dotted paths) of every claim the request asks for, in any query.
    #[must_use]
    pub fn requested_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for q in &self.queries {
            for c in &q.requested {
                if !names.contains(&c.name) {
                    names.push(c.name.clone());
                }
            }
        }
        names
    }
}
