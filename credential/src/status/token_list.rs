//! IETF Token Status List: the status byte array and its JSON form
//! (draft-ietf-oauth-status-list-20 §4.1, §4.2) and the status types (§7).
//!
//! Entries are packed **least significant bits first**: with `bits` = 1, index 0
//! is bit 0 (value 0x01) of byte 0, index 7 is bit 7 (0x80) (§4.1 step 3, and the
//! warning in §11.1). This is the opposite of the W3C bitstring.

use serde_json::{Map, Value, json};

use super::{StatusError, compress, is_absolute_uri};

/// Status type 0x00, "VALID" (draft-20 §7.1).
pub const VALID: u8 = 0x00;
/// Status type 0x01, "INVALID": revoked, annulled, cancelled (draft-20 §7.1).
pub const INVALID: u8 = 0x01;
/// Status type 0x02, "SUSPENDED": temporarily invalid (draft-20 §7.1).
pub const SUSPENDED: u8 = 0x02;

/// Room for the JSON around `lst` when capping a JSON text before parsing it.
pub(crate) const JSON_OVERHEAD: usize = 64 * 1024;

/// A status value read from a Token Status List, classified (draft-20 §7.1, §14.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusType {
    /// 0x00: valid.
    Valid,
    /// 0x01: revoked, annulled, cancelled.
    Invalid,
    /// 0x02: temporarily invalid.
    Suspended,
    /// 0x03 or 0x0C..=0x0F: permanently reserved as application specific.
    ApplicationSpecific(u8),
    /// Any other value: reserved for future registration.
    Unregistered(u8),
}

impl StatusType {
    /// The raw status value (draft-20 §7).
    #[must_use]
    pub const fn value(self) -> u8 {
        match self {
            Self::Valid => VALID,
            Self::Invalid => INVALID,
            Self::Suspended => SUSPENDED,
            Self::ApplicationSpecific(value) | Self::Unregistered(value) => value,
        }
    }
}

impl From<u8> for StatusType {
    fn from(value: u8) -> Self {
        match value {
            VALID => Self::Valid,
            INVALID => Self::Invalid,
            SUSPENDED => Self::Suspended,
            0x03 | 0x0C..=0x0F => Self::ApplicationSpecific(value),
            other => Self::Unregistered(other),
        }
    }
}

/// Bits per status entry: 1, 2, 4 or 8, so an entry never straddles a byte
/// (draft-20 §4.1 step 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bits {
    /// Two statuses (VALID, INVALID).
    One = 1,
    /// Four statuses (adds SUSPENDED and one application-specific).
    Two = 2,
    /// Sixteen statuses.
    Four = 4,
    /// 256 statuses.
    Eight = 8,
}

impl Bits {
    /// The number of bits (draft-20 §4.2 `bits`).
    #[must_use]
    pub const fn get(self) -> u8 {
        self as u8
    }

    /// Entries per byte: 8, 4, 2 or 1.
    const fn per_byte(self) -> usize {
        8 / self as usize
    }

    /// The largest status value this width holds (draft-20 §4.1 step 1).
    #[must_use]
    pub const fn max_value(self) -> u8 {
        u8::MAX >> (8 - self as u32)
    }
}

impl TryFrom<u64> for Bits {
    type Error = StatusError;

    /// Parses `bits` (draft-20 §4.2).
    ///
    /// # Errors
    /// [`StatusError::InvalidBits`] unless 1, 2, 4 or 8.
    fn try_from(found: u64) -> Result<Self, StatusError> {
        match found {
            1 => Ok(Self::One),
            2 => Ok(Self::Two),
            4 => Ok(Self::Four),
            8 => Ok(Self::Eight),
            _ => Err(StatusError::InvalidBits { found }),
        }
    }
}

/// A Token Status List: `len` entries of `bits` bits, packed LSB first
/// (draft-20 §4.1), with the optional `aggregation_uri` of its JSON form (§4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: Bits,
    len: usize,
    bytes: Vec<u8>,
    aggregation_uri: Option<String>,
}

impl StatusList {
    /// An all-VALID list of `len` entries (draft-20 §4.1 step 2; §13.3 recommends
    /// VALID as the default so unused indices look like live ones).
    #[must_use]
    pub fn new(len: usize, bits: Bits) -> Self {
        Self {
            bits,
            len,
            bytes: vec![0; len.div_ceil(bits.per_byte())],
            aggregation_uri: None,
        }
    }

    /// A list over an uncompressed byte array (draft-20 §4.1 step 2): every byte
    /// holds `8 / bits` entries.
    #[must_use]
    pub fn from_bytes(bits: Bits, bytes: Vec<u8>) -> Self {
        Self {
            bits,
            len: bytes.len().saturating_mul(bits.per_byte()),
            bytes,
            aggregation_uri: None,
        }
    }

    /// Bits per entry (draft-20 §4.2 `bits`).
    #[must_use]
    pub fn bits(&self) -> Bits {
        self.bits
    }

    /// Number of entries (draft-20 §4.1 step 2).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list has no entries (draft-20 §4.1 step 2).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The uncompressed byte array (draft-20 §4.1 step 2).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The URI of the Status List Aggregation, if any (draft-20 §4.2, §9).
    #[must_use]
    pub fn aggregation_uri(&self) -> Option<&str> {
        self.aggregation_uri.as_deref()
    }

    /// Sets `aggregation_uri` (draft-20 §4.2, §9).
    ///
    /// # Errors
    /// [`StatusError::Malformed`] when `uri` is not an absolute URI.
    pub fn with_aggregation_uri(mut self, uri: impl Into<String>) -> Result<Self, StatusError> {
        let uri = uri.into();
        if !is_absolute_uri(&uri) {
            return Err(StatusError::Malformed {
                reason: "aggregation_uri is not an absolute URI",
            });
        }
        self.aggregation_uri = Some(uri);
        Ok(self)
    }

    /// The status value at `index` (draft-20 §4.1 step 3, §8.3 step 6).
    ///
    /// # Errors
    /// [`StatusError::IndexOutOfRange`] when `index >= len()`.
    pub fn get(&self, index: usize) -> Result<u8, StatusError> {
        let (at, shift) = self.locate(index)?;
        let byte = self.bytes.get(at).ok_or(self.out_of_range(index))?;
        Ok((byte >> shift) & self.bits.max_value())
    }

    /// The status at `index`, classified (draft-20 §7.1).
    ///
    /// # Errors
    /// As [`StatusList::get`].
    pub fn status(&self, index: usize) -> Result<StatusType, StatusError> {
        self.get(index).map(StatusType::from)
    }

    /// Sets the status value at `index` (draft-20 §4.1 step 3).
    ///
    /// # Errors
    /// [`StatusError::ValueTooWide`] when `value` needs more than `bits` bits;
    /// [`StatusError::IndexOutOfRange`] when `index >= len()`.
    pub fn set(&mut self, index: usize, value: u8) -> Result<(), StatusError> {
        let mask = self.bits.max_value();
        if value > mask {
            return Err(StatusError::ValueTooWide {
                value,
                bits: self.bits.get(),
            });
        }
        let (at, shift) = self.locate(index)?;
        let out_of_range = self.out_of_range(index);
        let byte = self.bytes.get_mut(at).ok_or(out_of_range)?;
        *byte = (*byte & !(mask << shift)) | (value << shift);
        Ok(())
    }

    /// Where entry `index` lives: its byte, and the shift of its lowest bit
    /// (LSB first, draft-20 §4.1 step 3). The shift is below 8.
    fn locate(&self, index: usize) -> Result<(usize, usize), StatusError> {
        if index >= self.len {
            return Err(self.out_of_range(index));
        }
        let per_byte = self.bits.per_byte();
        Ok((
            index / per_byte,
            (index % per_byte) * usize::from(self.bits.get()),
        ))
    }

    fn out_of_range(&self, index: usize) -> StatusError {
        StatusError::IndexOutOfRange {
            index,
            len: self.len,
        }
    }

    /// `lst`: base64url of the ZLIB-compressed byte array (draft-20 §4.1 step 4, §4.2).
    ///
    /// # Errors
    /// [`StatusError::CompressionFailed`] if the compressor fails.
    pub fn encode_lst(&self) -> Result<String, StatusError> {
        Ok(crate::b64::encode(compress::zlib(&self.bytes)?))
    }

    /// The JSON `StatusList` object `{"bits", "lst", "aggregation_uri"?}` (draft-20 §4.2).
    ///
    /// # Errors
    /// [`StatusError::CompressionFailed`] if the compressor fails.
    pub fn to_json(&self) -> Result<Value, StatusError> {
        let mut object = json!({ "bits": self.bits.get(), "lst": self.encode_lst()? });
        if let (Some(uri), Value::Object(map)) = (&self.aggregation_uri, &mut object) {
            map.insert("aggregation_uri".to_owned(), Value::String(uri.clone()));
        }
        Ok(object)
    }

    /// Decodes `lst` (draft-20 §4.2, §8.3 step 5), refusing a list that inflates
    /// past `max_bytes`, and text too long to be such a list, before decoding it.
    ///
    /// # Errors
    /// [`StatusError::EncodedTooLarge`], [`StatusError::DecompressedTooLarge`], or
    /// [`StatusError::Malformed`] for non-canonical base64url or a bad ZLIB stream.
    pub fn decode_lst(lst: &str, bits: Bits, max_bytes: usize) -> Result<Self, StatusError> {
        let compressed = crate::b64::decode_capped(lst, compress::max_encoded_chars(max_bytes))
            .map_err(|error| match error {
                crate::b64::B64Error::TooLong { len, max } => {
                    StatusError::EncodedTooLarge { len, max }
                }
                _ => StatusError::Malformed {
                    reason: "lst is not canonical unpadded base64url",
                },
            })?;
        let bytes = compress::unzlib_bounded(&compressed, max_bytes)?;
        Ok(Self::from_bytes(bits, bytes))
    }

    /// Parses a JSON `StatusList` object (draft-20 §4.2). Unknown members are
    /// ignored; `bits` must be 1, 2, 4 or 8, `lst` a string, `aggregation_uri`,
    /// when present, an absolute URI.
    ///
    /// # Errors
    /// [`StatusError::Malformed`] for a missing or mistyped member,
    /// [`StatusError::InvalidBits`], or as [`StatusList::decode_lst`].
    pub fn from_json(value: &Value, max_bytes: usize) -> Result<Self, StatusError> {
        let object = value.as_object().ok_or(StatusError::Malformed {
            reason: "status_list is not a JSON object",
        })?;
        Self::from_map(object, max_bytes)
    }

    /// Parses a JSON `StatusList` text (draft-20 §4.2), refusing duplicate member
    /// names and texts larger than a list under `max_bytes` could be.
    ///
    /// # Errors
    /// [`StatusError::Json`], or as [`StatusList::from_json`].
    pub fn from_json_slice(text: &[u8], max_bytes: usize) -> Result<Self, StatusError> {
        let cap = compress::max_encoded_chars(max_bytes).saturating_add(JSON_OVERHEAD);
        let object = crate::json::parse_object(text, cap)?;
        Self::from_map(&object, max_bytes)
    }

    fn from_map(object: &Map<String, Value>, max_bytes: usize) -> Result<Self, StatusError> {
        let bits = match object.get("bits") {
            None => {
                return Err(StatusError::Malformed {
                    reason: "bits is missing",
                });
            }
            Some(value) => value
                .as_u64()
                .ok_or(StatusError::Malformed {
                    reason: "bits is not a non-negative integer",
                })
                .and_then(Bits::try_from)?,
        };
        let lst = match object.get("lst") {
            None => {
                return Err(StatusError::Malformed {
                    reason: "lst is missing",
                });
            }
            Some(value) => value.as_str().ok_or(StatusError::Malformed {
                reason: "lst is not a string",
            })?,
        };
        let list = Self::decode_lst(lst, bits, max_bytes)?;
        match object.get("aggregation_uri") {
            None => Ok(list),
            Some(Value::String(uri)) => list.with_aggregation_uri(uri.as_str()),
            Some(_) => Err(StatusError::Malformed {
                reason: "aggregation_uri is not a string",
            }),
        }
    }
}

#[cfg(test)]
#[path = "token_list_tests.rs"]
mod tests;
