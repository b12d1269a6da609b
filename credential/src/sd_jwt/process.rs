//! RFC 9901 §7.1 step 3–5: replace embedded digests by the Disclosures that match
//! them, recursively, and refuse everything the section says MUST be refused.
//!
//! The payload is rewritten in place and the path to each claim is a chain of
//! stack frames, so processing allocates only for what it reveals (this is on the
//! verifier's hot path; see `benches/verify_sd_jwt_vc.rs`).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde_json::{Map, Value};

use super::{ClaimPath, Disclosure, MAX_DEPTH, MAX_DIGESTS, PathSegment, SD_ALG, SdJwtError};

/// A multiplicative hasher for digest strings. SipHash showed in the verifier's
/// profile; flooding is not a concern because at most [`MAX_DIGESTS`] digests are
/// ever inserted, bounding the worst case even with colliding keys.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            if let Some(prefix) = word.get_mut(..chunk.len()) {
                prefix.copy_from_slice(chunk);
            }
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type DigestMap<'d> = HashMap<&'d str, &'d Disclosure, BuildHasherDefault<DigestHasher>>;
type DigestSet = HashSet<String, BuildHasherDefault<DigestHasher>>;

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

/// One step of the path to the value being processed, linked to its parent frame.
#[derive(Clone, Copy)]
enum Step<'p> {
    Root,
    Key(&'p str, &'p Step<'p>),
    Index(usize, &'p Step<'p>),
}

impl Step<'_> {
    fn to_path(self) -> ClaimPath {
        let mut segments = Vec::new();
        let mut at = self;
        loop {
            match at {
                Step::Root => break,
                Step::Key(k, parent) => {
                    segments.push(PathSegment::Key(k.to_owned()));
                    at = *parent;
                }
                Step::Index(i, parent) => {
                    segments.push(PathSegment::Index(i));
                    at = *parent;
                }
            }
        }
        segments.reverse();
        ClaimPath(segments)
    }
}

struct Walker<'d> {
    by_digest: DigestMap<'d>,
    seen: DigestSet,
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
    let mut by_digest =
        DigestMap::with_capacity_and_hasher(disclosures.len(), BuildHasherDefault::default());
    for d in disclosures {
        if by_digest.insert(d.digest(), d).is_some() {
            return Err(SdJwtError::DuplicateDigest(d.digest().to_owned()));
        }
    }
    let mut walker = Walker {
        by_digest,
        seen: DigestSet::with_capacity_and_hasher(
            disclosures.len() * 2,
            BuildHasherDefault::default(),
        ),
        disclosed: Vec::with_capacity(disclosures.len()),
    };
    walker.object(&mut payload, Step::Root, 0)?;
    if let Some(unused) = disclosures
        .iter()
        .find(|d| !walker.seen.contains(d.digest()))
    {
        return Err(SdJwtError::DisclosureDigestMismatch(
            unused.digest().to_owned(),
        ));
    }
    Ok(Processed {
        claims: payload,
        disclosed: walker.disclosed,
    })
}

impl<'d> Walker<'d> {
    /// Records a digest as seen (§7.1 step 4) and returns its Disclosure, if any.
    fn sighting(&mut self, digest: String) -> Result<Option<&'d Disclosure>, SdJwtError> {
        if self.seen.len() >= MAX_DIGESTS {
            return Err(SdJwtError::TooManyDigests(MAX_DIGESTS));
        }
        let found = self.by_digest.get(digest.as_str()).copied();
        if let Some(repeated) = self.seen.replace(digest) {
            return Err(SdJwtError::DuplicateDigest(repeated));
        }
        Ok(found)
    }

    fn value(&mut self, value: &mut Value, at: Step<'_>, depth: usize) -> Result<(), SdJwtError> {
        match value {
            Value::Object(map) => self.object(map, at, depth + 1),
            Value::Array(items) => self.array(items, at, depth + 1),
            _ => Ok(()),
        }
    }

    fn object(
        &mut self,
        map: &mut Map<String, Value>,
        at: Step<'_>,
        depth: usize,
    ) -> Result<(), SdJwtError> {
        if depth > MAX_DEPTH {
            return Err(SdJwtError::TooDeep);
        }
        let digests = match map.remove("_sd") {
            None => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(SdJwtError::DigestContainerInvalid("_sd is not an array")),
        };
        for (name, value) in map.iter_mut() {
            if value.is_object() || value.is_array() {
                self.value(value, Step::Key(name, &at), depth)?;
            }
        }
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(SdJwtError::DigestContainerInvalid("_sd holds a non-string"));
            };
            let Some(disclosure) = self.sighting(digest)? else {
                continue; // a decoy, or a claim the holder did not disclose (§7.1 step 3.3.1)
            };
            let digest = disclosure.digest().to_owned();
            let Some(name) = disclosure.name() else {
                return Err(SdJwtError::WrongArity {
                    digest,
                    expected: 3,
                });
            };
            if map.contains_key(name) {
                return Err(SdJwtError::ClaimAlreadyExists(name.to_owned()));
            }
            let here = Step::Key(name, &at);
            let mut value = disclosure.value().clone();
            self.value(&mut value, here, depth)?;
            self.disclosed.push(DisclosedClaim {
                path: here.to_path(),
                digest,
            });
            map.insert(name.to_owned(), value);
        }
        Ok(())
    }

    fn array(
        &mut self,
        items: &mut Vec<Value>,
        at: Step<'_>,
        depth: usize,
    ) -> Result<(), SdJwtError> {
        if depth > MAX_DEPTH {
            return Err(SdJwtError::TooDeep);
        }
        let mut out = Vec::with_capacity(items.len());
        for mut item in items.drain(..) {
            let digest = match &mut item {
                Value::Object(m) if m.len() == 1 && m.contains_key("...") => {
                    match m.remove("...") {
                        Some(Value::String(d)) => Some(d),
                        _ => {
                            return Err(SdJwtError::DigestContainerInvalid(
                                "\"...\" is not a string",
                            ));
                        }
                    }
                }
                _ => None,
            };
            let here = Step::Index(out.len(), &at);
            match digest {
                None => {
                    self.value(&mut item, here, depth)?;
                    out.push(item);
                }
                Some(digest) => {
                    if let Some(disclosure) = self.sighting(digest)? {
                        let digest = disclosure.digest().to_owned();
                        if disclosure.name().is_some() {
                            return Err(SdJwtError::WrongArity {
                                digest,
                                expected: 2,
                            });
                        }
                        let mut value = disclosure.value().clone();
                        self.value(&mut value, here, depth)?;
                        self.disclosed.push(DisclosedClaim {
                            path: here.to_path(),
                            digest,
                        });
                        out.push(value);
                    }
                    // Not found: the element is removed (§7.1 step 3.4).
                }
            }
        }
        *items = out;
        Ok(())
    }
}
