//! The rules of the profile format that serde cannot express (see the module
//! documentation of [`super`]).

use sigillum_credential::oid4vp::{ClaimValue, CredentialFormat, CredentialQuery, DcqlQuery};
use sigillum_credential::sd_jwt::{ClaimPath, PathSegment};

use super::{MAX_PREDICATES, Predicate, Profile, ProfileError, evaluate};

/// See [`Profile::validate`].
pub(super) fn profile(profile: &Profile) -> Result<(), ProfileError> {
    let name_ok = (1..=64).contains(&profile.name.len())
        && profile
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !name_ok {
        return Err(ProfileError::TextInvalid {
            field: "name",
            why: "1 to 64 characters of a-z, 0-9, _ and -",
        });
    }
    if profile.description.chars().count() > 1000 {
        return Err(ProfileError::TextInvalid {
            field: "description",
            why: "at most 1000 characters",
        });
    }
    range("leeway_secs", profile.leeway_secs, 0, 3600)?;
    range("kb_max_age_secs", profile.kb_max_age_secs, 1, 86_400)?;
    if let Some(age) = profile.max_status_age_secs {
        range("max_status_age_secs", age, 1, 366 * 86_400)?;
    }
    profile.dcql.validate()?;
    single_credential(&profile.dcql)?;
    if profile.predicates.len() > MAX_PREDICATES {
        return Err(ProfileError::TooManyPredicates {
            count: profile.predicates.len(),
            max: MAX_PREDICATES,
        });
    }
    profile
        .predicates
        .iter()
        .try_for_each(|p| check_predicate(&profile.dcql, p))
}

fn range(field: &'static str, value: i64, min: i64, max: i64) -> Result<(), ProfileError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ProfileError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

fn single_credential(dcql: &DcqlQuery) -> Result<(), ProfileError> {
    match &dcql.credential_sets {
        None if dcql.credentials.len() == 1 => Ok(()),
        None => Err(ProfileError::NotSingleCredential(
            "without credential_sets every one of several credential queries is required",
        )),
        Some(sets) => {
            let mut required = sets.iter().filter(|s| s.is_required());
            match (required.next(), required.next()) {
                (Some(set), None) if set.options.iter().all(|o| o.len() == 1) => Ok(()),
                (Some(_), None) => Err(ProfileError::NotSingleCredential(
                    "an option of the required credential set names several credential queries",
                )),
                _ => Err(ProfileError::NotSingleCredential(
                    "exactly one credential set must be required",
                )),
            }
        }
    }
}

fn check_predicate(dcql: &DcqlQuery, predicate: &Predicate) -> Result<(), ProfileError> {
    let claim = predicate.claim();
    if claim.is_empty() || claim.len() > 128 {
        return Err(ProfileError::TextInvalid {
            field: "predicate claim",
            why: "1 to 128 bytes",
        });
    }
    if let Predicate::AgeAtLeast { years, .. } = predicate {
        range("predicate years", i64::from(*years), 1, 150)?;
    }
    if let Predicate::Equals {
        value: ClaimValue::String(s),
        ..
    } = predicate
        && s.len() > 1024
    {
        return Err(ProfileError::TextInvalid {
            field: "predicate value",
            why: "at most 1024 bytes",
        });
    }
    let queries: Vec<&CredentialQuery> =
        match predicate.credential() {
            None => dcql.credentials.iter().collect(),
            Some(id) => vec![dcql.credential(id).ok_or_else(|| {
                ProfileError::PredicateCredentialUnknown {
                    predicate: predicate.describe(),
                    credential: evaluate::clip(id),
                }
            })?],
        };
    for query in queries {
        let wanted = claim_path(&query.format, claim);
        if !query.claims.iter().flatten().any(|q| q.path == wanted) {
            return Err(ProfileError::PredicateClaimNotRequested {
                predicate: predicate.describe(),
                claim: claim.to_owned(),
                credential: query.id.clone(),
            });
        }
    }
    Ok(())
}

/// Where a subject claim sits for DCQL: top level in an SD-JWT VC, under
/// `credentialSubject` in a W3C VC (Appendix B.1.2).
fn claim_path(format: &CredentialFormat, claim: &str) -> ClaimPath {
    let key = PathSegment::Key(claim.to_owned());
    match format {
        CredentialFormat::JwtVcJson | CredentialFormat::LdpVc => {
            ClaimPath(vec![PathSegment::Key("credentialSubject".into()), key])
        }
        _ => ClaimPath(vec![key]),
    }
}
