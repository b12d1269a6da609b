//! A DCQL query against one credential (OpenID4VP 1.0 §6.4, §7.1): the verifier asks
//! which requested claims a presentation lacks ([`DcqlQuery::satisfied_by`]); the
//! wallet asks which claims it must disclose ([`DcqlQuery::requested_paths`]).
//!
//! Only JSON-based formats are matched (`dc+sd-jwt` by `vct`, `jwt_vc_json` and
//! `ldp_vc` by `type`); an mdoc or unknown format never matches. SD-JWT VC type
//! inheritance (`extends`) is not followed: a `vct` matches only itself.

use std::fmt;

use serde_json::{Map, Value};

use super::dcql::{ClaimsQuery, CredentialFormat, CredentialQuery, DcqlQuery};
use crate::sd_jwt::{ClaimPath, PathSegment};

/// The claims a claims path pointer selects in a JSON-based credential (§7.1.1), or
/// `None` when processing aborts (a key applied to a non-object, an index or `null`
/// to a non-array) or selects nothing.
#[must_use]
pub fn select<'a>(credential: &'a Map<String, Value>, path: &ClaimPath) -> Option<Vec<&'a Value>> {
    let (first, rest) = path.0.split_first()?;
    // The root is an object, so the first component must be a key.
    let PathSegment::Key(key) = first else {
        return None;
    };
    let mut selected: Vec<&Value> = credential.get(key).into_iter().collect();
    for segment in rest {
        let mut next = Vec::with_capacity(selected.len());
        for value in selected {
            match segment {
                PathSegment::Key(key) => next.extend(value.as_object()?.get(key)),
                PathSegment::Index(i) => next.extend(value.as_array()?.get(*i)),
                PathSegment::All => next.extend(value.as_array()?.iter()),
            }
        }
        selected = next;
    }
    (!selected.is_empty()).then_some(selected)
}

/// Why a requested claim does not count as presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingReason {
    /// The path selects nothing in what was disclosed.
    Absent,
    /// The claim is there, but none of its values is one the query lists (§6.3 `values`).
    ValueNotRequested,
}

/// A requested claim that a presentation lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingClaim {
    /// The Credential Query's `id`.
    pub credential: String,
    /// The Claims Query's `id`, if it has one.
    pub id: Option<String>,
    /// The claims path pointer.
    pub path: ClaimPath,
    /// Why it does not count.
    pub reason: MissingReason,
}

impl fmt::Display for MissingClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            MissingReason::Absent => write!(f, "{}", self.path),
            MissingReason::ValueNotRequested => {
                write!(f, "{} (not one of the requested values)", self.path)
            }
        }
    }
}

/// Why one presented credential does not answer a DCQL query.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsatisfied {
    /// No Credential Query asks for a credential of this format and type.
    NotRequested,
    /// Credential Queries ask for this type, but the presentation lacks claims: those
    /// of the query (and, with `claim_sets`, the option) closest to being answered.
    ClaimsMissing(Vec<MissingClaim>),
    /// The credential answers the queries `answered`, but the request also needs one
    /// of the options `needed` (a required Credential Set Query, or, without
    /// `credential_sets`, every Credential Query).
    SetsUnsatisfied {
        /// The Credential Query ids this credential answers.
        answered: Vec<String>,
        /// The options of the first requirement not met.
        needed: Vec<Vec<String>>,
    },
}

impl CredentialQuery {
    /// Whether a credential of `format` and `types` is of the kind this query asks
    /// for: for `dc+sd-jwt`, `types` is `[vct]` and must be one of `vct_values`; for
    /// `jwt_vc_json` / `ldp_vc`, `types` is the credential's `type` array and must
    /// contain every type of one `type_values` alternative (Appendix B.1.1).
    #[must_use]
    pub fn accepts(&self, format: &CredentialFormat, types: &[&str]) -> bool {
        match (&self.format, format) {
            (CredentialFormat::DcSdJwt, CredentialFormat::DcSdJwt) => self
                .meta
                .vct_values
                .iter()
                .flatten()
                .any(|v| types.contains(&v.as_str())),
            (CredentialFormat::JwtVcJson, CredentialFormat::JwtVcJson)
            | (CredentialFormat::LdpVc, CredentialFormat::LdpVc) => self
                .meta
                .type_values
                .iter()
                .flatten()
                .any(|set| set.iter().all(|t| types.contains(&t.as_str()))),
            _ => false,
        }
    }

    /// The requested claims that `disclosed` lacks (empty when the query is answered).
    /// `disclosed` is the credential's claims as the paths address them: an SD-JWT
    /// VC's processed payload, or a W3C VC object (with `credentialSubject`).
    /// With `claim_sets`, one option suffices; the missing claims of the option
    /// closest to complete (the earliest on a tie) are returned.
    #[must_use]
    pub fn missing_claims(&self, disclosed: &Map<String, Value>) -> Vec<MissingClaim> {
        let Some(claims) = &self.claims else {
            return Vec::new();
        };
        match &self.claim_sets {
            None => self.missing_of(claims.iter(), disclosed),
            Some(sets) => sets
                .iter()
                .map(|set| self.missing_of(resolve(claims, set), disclosed))
                .min_by_key(Vec::len)
                .unwrap_or_default(),
        }
    }

    /// The claims a wallet holding `credential` (all its claims, disclosed or not)
    /// must disclose for this query: every requested claim, or the first `claim_sets`
    /// option it can satisfy (§6.4.1); `None` when it cannot answer, in which case
    /// the wallet "MUST NOT return" it. No `claims` asks for none (`Some([])`).
    #[must_use]
    pub fn requested_paths(&self, credential: &Map<String, Value>) -> Option<Vec<ClaimPath>> {
        let Some(claims) = &self.claims else {
            return Some(Vec::new());
        };
        let all_present = |queries: Vec<&ClaimsQuery>| {
            queries
                .iter()
                .all(|q| state(q, credential).is_none())
                .then(|| queries.iter().map(|q| q.path.clone()).collect())
        };
        match &self.claim_sets {
            None => all_present(claims.iter().collect()),
            Some(sets) => sets
                .iter()
                .find_map(|set| all_present(resolve(claims, set).collect())),
        }
    }

    fn missing_of<'a>(
        &self,
        queries: impl Iterator<Item = &'a ClaimsQuery>,
        disclosed: &Map<String, Value>,
    ) -> Vec<MissingClaim> {
        queries
            .filter_map(|q| {
                state(q, disclosed).map(|reason| MissingClaim {
                    credential: self.id.clone(),
                    id: q.id.clone(),
                    path: q.path.clone(),
                    reason,
                })
            })
            .collect()
    }
}

/// The Claims Queries a `claim_sets` option names (ids are checked at parse time).
fn resolve<'a>(
    claims: &'a [ClaimsQuery],
    set: &'a [String],
) -> impl Iterator<Item = &'a ClaimsQuery> {
    set.iter()
        .filter_map(|id| claims.iter().find(|c| c.id.as_deref() == Some(id.as_str())))
}

/// `None` when the claim is there with an acceptable value.
fn state(query: &ClaimsQuery, credential: &Map<String, Value>) -> Option<MissingReason> {
    let Some(selected) = select(credential, &query.path) else {
        return Some(MissingReason::Absent);
    };
    match &query.values {
        Some(values)
            if !selected
                .iter()
                .any(|v| values.iter().any(|wanted| wanted.matches(v))) =>
        {
            Some(MissingReason::ValueNotRequested)
        }
        _ => None,
    }
}

impl DcqlQuery {
    /// Whether one presented credential answers this query (§6.4): it must answer a
    /// Credential Query that accepts its format and types (see
    /// [`CredentialQuery::accepts`]) with every requested claim in `disclosed` (see
    /// [`CredentialQuery::missing_claims`]), and the Credential Queries it answers
    /// must meet every required Credential Set Query (or, without
    /// `credential_sets`, be all of them). Returns the ids of the queries answered.
    ///
    /// # Errors
    /// [`Unsatisfied`]: the type is not requested, claims are missing, or one
    /// credential is not enough for this query.
    pub fn satisfied_by(
        &self,
        format: &CredentialFormat,
        types: &[&str],
        disclosed: &Map<String, Value>,
    ) -> Result<Vec<&str>, Unsatisfied> {
        let mut answered = Vec::new();
        let mut closest: Option<Vec<MissingClaim>> = None;
        let mut requested = false;
        for query in self.credentials.iter().filter(|q| q.accepts(format, types)) {
            requested = true;
            let missing = query.missing_claims(disclosed);
            if missing.is_empty() {
                answered.push(query.id.as_str());
            } else if closest.as_ref().is_none_or(|c| missing.len() < c.len()) {
                closest = Some(missing);
            }
        }
        if !requested {
            return Err(Unsatisfied::NotRequested);
        }
        if answered.is_empty() {
            return Err(Unsatisfied::ClaimsMissing(closest.unwrap_or_default()));
        }
        let needed = match &self.credential_sets {
            None => {
                let all: Vec<String> = self.credentials.iter().map(|c| c.id.clone()).collect();
                (!all.iter().all(|id| answered.contains(&id.as_str()))).then(|| vec![all])
            }
            Some(sets) => sets
                .iter()
                .filter(|s| s.is_required())
                .find(|s| {
                    !s.options
                        .iter()
                        .any(|option| option.iter().all(|id| answered.contains(&id.as_str())))
                })
                .map(|s| s.options.clone()),
        };
        match needed {
            None => Ok(answered),
            Some(needed) => Err(Unsatisfied::SetsUnsatisfied {
                answered: answered.into_iter().map(str::to_owned).collect(),
                needed,
            }),
        }
    }

    /// The claims a wallet must disclose from `credential` (all its claims) of
    /// `format` and `types`: the union, without repeats, of
    /// [`CredentialQuery::requested_paths`] over every Credential Query that accepts
    /// it and that it can answer. Empty when none does (or none asks for claims).
    #[must_use]
    pub fn requested_paths(
        &self,
        format: &CredentialFormat,
        types: &[&str],
        credential: &Map<String, Value>,
    ) -> Vec<ClaimPath> {
        let mut paths: Vec<ClaimPath> = Vec::new();
        for query in self.credentials.iter().filter(|q| q.accepts(format, types)) {
            for path in query.requested_paths(credential).into_iter().flatten() {
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
        paths
    }
}
