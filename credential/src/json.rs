//! Strict JSON for untrusted input.
//!
//! RFC 7515 §5.2 step 4 and RFC 7519 §7.2 step 4: a JOSE header or claims set
//! with duplicate member names MUST be rejected (or only the last one used); we
//! reject, because two parsers choosing different duplicates is how signature
//! confusion attacks work. Inputs are size-capped before parsing, and nesting
//! is bounded by serde_json's recursion limit (128).

use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a JSON text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The same member name appears twice in one object.
    #[error("duplicate JSON member name \"{0}\"")]
    DuplicateKey(String),
    /// Not well-formed JSON, trailing data, or nested too deeply.
    #[error("malformed JSON: {0}")]
    Malformed(String),
    /// The text is larger than this field allows.
    #[error("JSON text of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// Well-formed, but not a JSON object where one is required.
    #[error("expected a JSON object")]
    NotAnObject,
}

/// Parses a JSON text of at most `max_len` bytes, rejecting duplicate member names
/// at any depth and any data after the value.
///
/// # Errors
/// [`JsonError::TooLarge`], [`JsonError::DuplicateKey`] or [`JsonError::Malformed`].
pub fn parse(bytes: &[u8], max_len: usize) -> Result<Value, JsonError> {
    if bytes.len() > max_len {
        return Err(JsonError::TooLarge {
            len: bytes.len(),
            max: max_len,
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue::deserialize(&mut de).map_err(classify)?;
    de.end().map_err(classify)?;
    Ok(value.0)
}

/// Parses like [`parse`] and requires the top-level value to be an object.
///
/// # Errors
/// As [`parse`], plus [`JsonError::NotAnObject`].
pub fn parse_object(bytes: &[u8], max_len: usize) -> Result<Map<String, Value>, JsonError> {
    match parse(bytes, max_len)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::NotAnObject),
    }
}

const DUPLICATE_MARKER: &str = "sigillum-duplicate-key:";

fn classify(err: serde_json::Error) -> JsonError {
    let text = err.to_string();
    match text.strip_prefix(DUPLICATE_MARKER) {
        Some(rest) => {
            // serde_json appends " at line L column C"; keep only the name.
            let name = rest.rsplit_once(" at line ").map_or(rest, |(name, _)| name);
            JsonError::DuplicateKey(name.to_owned())
        }
        None => JsonError::Malformed(text),
    }
}

/// A `serde_json::Value` whose deserializer refuses duplicate member names.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key_seed(KeySeed)? {
            // One lookup per member: the entry is vacant unless the name repeats.
            match map.entry(key) {
                serde_json::map::Entry::Occupied(taken) => {
                    return Err(de::Error::custom(format_args!(
                        "{DUPLICATE_MARKER}{}",
                        taken.key()
                    )));
                }
                serde_json::map::Entry::Vacant(slot) => {
                    let StrictValue(value) = access.next_value()?;
                    slot.insert(value);
                }
            }
        }
        Ok(Value::Object(map))
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        String::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_values() {
        let v = parse(br#"{"a":[1,{"b":null}],"c":"d"}"#, 100).unwrap();
        assert_eq!(v["a"][1]["b"], Value::Null);
    }

    #[test]
    fn rejects_duplicate_keys_at_any_depth() {
        assert_eq!(
            parse(br#"{"alg":"ES256","alg":"none"}"#, 100),
            Err(JsonError::DuplicateKey("alg".into()))
        );
        assert_eq!(
            parse(br#"{"x":{"y":1,"y":2}}"#, 100),
            Err(JsonError::DuplicateKey("y".into()))
        );
        // Escaped spelling of the same name is the same name.
        assert_eq!(
            parse(br#"{"a":1,"\u0061":2}"#, 100),
            Err(JsonError::DuplicateKey("a".into()))
        );
    }

    #[test]
    fn rejects_trailing_data_oversize_and_deep_nesting() {
        assert!(matches!(
            parse(br#"{"a":1} x"#, 100),
            Err(JsonError::Malformed(_))
        ));
        assert_eq!(
            parse(b"[1,2,3]", 3),
            Err(JsonError::TooLarge { len: 7, max: 3 })
        );
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(matches!(
            parse(deep.as_bytes(), 1 << 20),
            Err(JsonError::Malformed(_))
        ));
        assert_eq!(parse_object(b"[]", 10), Err(JsonError::NotAnObject));
    }
}
