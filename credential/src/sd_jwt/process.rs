//! RFC 9901 §7.1 step 3–5: replace embedded digests by the Disclosures that match
//! them, recursively, and refuse everything the section says MUST be refused.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{ClaimPath, Disclosure, MAX_DEPTH, PathSegment, SD_ALG, SdJwtError};

/// A claim revealed by a Disclosure, and where it landed.
#[derive(Debug, Clone, PartialEq)]
pub struct DisclosedClaim {
    /// Where in the processed payload the value sits.
    pub path: ClaimPath,
    /// The Disclosure's digest.
    pub digest: String,
}

/// The Processed SD-JWT Payload (§7.1) and which claims Disclosures revealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The claims, with `_sd`, `_sd_alg` and undisclosed array elements removed.
    pub claims: Map<String, Value>,
    /// Each Disclosure used, in processing order.
    pub disclosed: Vec<DisclosedClaim>,
}

struct Walker<'d> {
    by_digest: HashMap<&'d str, &'d Disclosure>,
    seen: HashSet<String>,
    disclosed: Vec<DisclosedClaim>,
}

/// Processes an Issuer-signed JWT payload with the given Disclosures (§7.1 steps 2.4, 3, 4, 5).
///
/// # Errors
/// The [`SdJwtError`] for the first MUST-reject condition met.
pub fn process(
    mut payload: Map<String, Value>,
    disclosures: &[Disclosure],
) -> Result<Processed, SdJwtError> {
    match payload.remove("_sd_alg") {
        None => {}
        Some(Value::String(alg)) if alg == SD_ALG => {}
        Some(Value::String(alg)) => return Err(SdJwtError::SdAlgUnsupported(alg)),
        Some(_) => return Err(SdJwtError::SdAlgUnsupported("(not a string)".into())),
    }
    let mut by_digest = HashMap::with_capacity(disclosures.len());
    for d in disclosures {
        if by_digest.insert(d.digest(), d).is_some() {
            return Err(SdJwtError::DuplicateDigest(d.digest().to_owned()));
        }
    }
    let mut walker = Walker {
        by_digest,
        seen: HashSet::new(),
        disclosed: Vec::with_capacity(disclosures.len()),
    };
    let mut path = Vec::new();
    let claims = walker.object(payload, &mut path, 0)?;
    if let Some(unused) = disclosures
        .iter()
        .find(|d| !walker.seen.contains(d.digest()))
    {
        return Err(SdJwtError::DisclosureDigestMismatch(
            unused.digest().to_owned(),
        ));
    }
    Ok(Processed {
        claims,
        disclosed: walker.disclosed,
    })
}

impl<'d> Walker<'d> {
    fn first_sighting(&mut self, digest: &str) -> Result<Option<&'d Disclosure>, SdJwtError> {
        if !self.seen.insert(digest.to_owned()) {
            return Err(SdJwtError::DuplicateDigest(digest.to_owned()));
        }
        Ok(self.by_digest.get(digest).copied())
    }

    fn value(
        &mut self,
        value: Value,
        path: &mut Vec<PathSegment>,
        depth: usize,
    ) -> Result<Value, SdJwtError> {
        match value {
            Value::Object(map) => self.object(map, path, depth + 1).map(Value::Object),
            Value::Array(items) => self.array(items, path, depth + 1).map(Value::Array),
            other => Ok(other),
        }
    }

    fn object(
        &mut self,
        mut map: Map<String, Value>,
        path: &mut Vec<PathSegment>,
        depth: usize,
    ) -> Result<Map<String, Value>, SdJwtError> {
        if depth > MAX_DEPTH {
            return Err(SdJwtError::TooDeep);
        }
        let digests = match map.remove("_sd") {
            None => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(SdJwtError::DigestContainerInvalid("_sd is not an array")),
        };
        let mut out = Map::with_capacity(map.len() + digests.len());
        for (name, value) in map {
            path.push(PathSegment::Key(name.clone()));
            let value = self.value(value, path, depth)?;
            path.pop();
            out.insert(name, value);
        }
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(SdJwtError::DigestContainerInvalid("_sd holds a non-string"));
            };
            let Some(disclosure) = self.first_sighting(&digest)? else {
                continue; // a decoy, or a claim the holder did not disclose (§7.1 step 3.3.1)
            };
            let Some(name) = disclosure.name() else {
                return Err(SdJwtError::WrongArity {
                    digest,
                    expected: 3,
                });
            };
            if out.contains_key(name) {
                return Err(SdJwtError::ClaimAlreadyExists(name.to_owned()));
            }
            path.push(PathSegment::Key(name.to_owned()));
            let value = self.value(disclosure.value().clone(), path, depth)?;
            self.disclosed.push(DisclosedClaim {
                path: ClaimPath(path.clone()),
                digest,
            });
            path.pop();
            out.insert(name.to_owned(), value);
        }
        Ok(out)
    }

    fn array(
        &mut self,
        items: Vec<Value>,
        path: &mut Vec<PathSegment>,
        depth: usize,
    ) -> Result<Vec<Value>, SdJwtError> {
        if depth > MAX_DEPTH {
            return Err(SdJwtError::TooDeep);
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let digest = match &item {
                Value::Object(m) if m.len() == 1 => match m.get("...") {
                    Some(Value::String(d)) => Some(d.clone()),
                    Some(_) => {
                        return Err(SdJwtError::DigestContainerInvalid(
                            "\"...\" is not a string",
                        ));
                    }
                    None => None,
                },
                _ => None,
            };
            path.push(PathSegment::Index(out.len()));
            match digest {
                None => {
                    let value = self.value(item, path, depth)?;
                    out.push(value);
                }
                Some(digest) => {
                    if let Some(disclosure) = self.first_sighting(&digest)? {
                        if disclosure.name().is_some() {
                            return Err(SdJwtError::WrongArity {
                                digest,
                                expected: 2,
                            });
                        }
                        let value = self.value(disclosure.value().clone(), path, depth)?;
                        self.disclosed.push(DisclosedClaim {
                            path: ClaimPath(path.clone()),
                            digest,
                        });
                        out.push(value);
                    }
                    // Not found: the element is removed (§7.1 step 3.4).
                }
            }
            path.pop();
        }
        Ok(out)
    }
}
