//! Claim paths: where a claim sits in a credential, as in OpenID4VP 1.0 §7
//! ("Claims Path Pointer"): a list of object keys, array indices, and `null` for
//! "every element". Used to choose which Disclosures a holder releases.

use std::fmt;

use serde_json::Value;

/// One step of a claim path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// An object member.
    Key(String),
    /// An array element, by position.
    Index(usize),
    /// Every element of an array (`null` in a claims path pointer).
    All,
}

/// A path from the top of the credential to one claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ClaimPath(pub Vec<PathSegment>);

impl ClaimPath {
    /// Parses a dotted path such as `address.street` or `nationalities.0`
    /// (numbers are array indices, `*` is every element).
    #[must_use]
    pub fn dotted(text: &str) -> Self {
        ClaimPath(
            text.split('.')
                .filter(|s| !s.is_empty())
                .map(|s| match s {
                    "*" => PathSegment::All,
                    _ => s
                        .parse()
                        .map_or_else(|_| PathSegment::Key(s.to_owned()), PathSegment::Index),
                })
                .collect(),
        )
    }

    /// Parses an OpenID4VP claims path pointer (`["address", "street"]`, `["degrees", null, "type"]`).
    ///
    /// # Errors
    /// Returns a message when an element is not a string, a non-negative integer or null.
    pub fn from_pointer(value: &Value) -> Result<Self, String> {
        let items = value.as_array().ok_or("a claims path is a JSON array")?;
        items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(PathSegment::Key(s.clone())),
                Value::Null => Ok(PathSegment::All),
                Value::Number(n) => n
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .map(PathSegment::Index)
                    .ok_or_else(|| "an index must be a non-negative integer".to_owned()),
                _ => Err("a claims path element is a string, an integer or null".to_owned()),
            })
            .collect::<Result<_, _>>()
            .map(ClaimPath)
    }

    /// Whether one path leads into or out of the other (segment by segment, `All`
    /// matching any index): the relation that decides whether a Disclosure is needed.
    #[must_use]
    pub fn overlaps(&self, other: &ClaimPath) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| match (a, b) {
            (PathSegment::All, PathSegment::Index(_) | PathSegment::All)
            | (PathSegment::Index(_), PathSegment::All) => true,
            _ => a == b,
        })
    }
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|s| match s {
                PathSegment::Key(k) => k.clone(),
                PathSegment::Index(i) => i.to_string(),
                PathSegment::All => "*".to_owned(),
            })
            .collect();
        f.write_str(&parts.join("."))
    }
}

/// A claims path pointer on the wire (OpenID4VP 1.0 §7, OpenID4VCI 1.0 Appendix C):
/// an array of strings, non-negative integers and `null`, read into a [`ClaimPath`].
/// Use with `#[serde(with = "crate::sd_jwt::path::pointer")]`.
pub(crate) mod pointer {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    use super::{ClaimPath, PathSegment};

    pub(crate) fn serialize<S: Serializer>(path: &ClaimPath, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(path.0.iter().map(to_value))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ClaimPath, D::Error> {
        let value = Value::deserialize(d)?;
        ClaimPath::from_pointer(&value).map_err(D::Error::custom)
    }

    /// The path as JSON text, for messages.
    pub(crate) fn to_text(path: &ClaimPath) -> String {
        Value::Array(path.0.iter().map(to_value).collect()).to_string()
    }

    fn to_value(segment: &PathSegment) -> Value {
        match segment {
            PathSegment::Key(key) => Value::String(key.clone()),
            PathSegment::Index(i) => Value::from(*i),
            PathSegment::All => Value::Null,
        }
    }
}
