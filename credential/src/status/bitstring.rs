//! W3C Bitstring Status List v1.0 (Recommendation, 2025): the bitstring and its
//! `encodedList` (REC §2.2, §3.3, §3.4).
//!
//! Entries are `statusSize` bits wide and packed **most significant bit first**:
//! index 0 is the left-most bit (0x80) of byte 0 (REC §2.2 `encodedList`), and an
//! entry's value reads its bits left to right. This is the opposite of the IETF
//! Token Status List.
//!
//! `encodedList` is the multibase base64url-no-pad form (prefix `u`) of the
//! GZIP-compressed bitstring. Decoding is strict: the `u` prefix is required
//! (pre-Recommendation drafts and some test-suite fixtures omit it; such a list is
//! [`StatusError::MultibasePrefixMissing`], since accepting two spellings of one
//! value is how parsers come to disagree), base64url must be canonical, and the
//! bitstring must hold at least [`MIN_ENTRIES`] entries (REC §3.2 step 9).

use super::{StatusError, compress};

/// The fewest entries a list may hold: 131,072, 16 KiB at one bit each, for herd
/// privacy (REC §3.2 step 2, §6.1).
pub const MIN_ENTRIES: usize = 131_072;

/// Bits per entry, 1..=8; 1 unless the entry says otherwise (REC §2.1 `statusSize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusSize(u8);

impl StatusSize {
    /// One bit per entry, the default (REC §2.1).
    pub const ONE: Self = Self(1);

    /// The number of bits (REC §2.1 `statusSize`).
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The largest value an entry of this size holds (REC §2.1 `statusSize`).
    #[must_use]
    pub const fn max_value(self) -> u8 {
        u8::MAX >> (8 - self.0 as u32)
    }

    /// The number of statuses an entry can express, `2^statusSize` (REC §2.1 `statusMessage`).
    #[must_use]
    pub const fn values(self) -> usize {
        1 << self.0
    }
}

impl Default for StatusSize {
    fn default() -> Self {
        Self::ONE
    }
}

impl TryFrom<u64> for StatusSize {
    type Error = StatusError;

    /// Parses `statusSize` (REC §2.1: an integer greater than zero; at most 8 here,
    /// so an entry fits a `u8`).
    ///
    /// # Errors
    /// [`StatusError::InvalidStatusSize`] outside 1..=8.
    fn try_from(found: u64) -> Result<Self, StatusError> {
        match u8::try_from(found) {
            Ok(size @ 1..=8) => Ok(Self(size)),
            _ => Err(StatusError::InvalidStatusSize { found }),
        }
    }
}

/// A Bitstring Status List: at least [`MIN_ENTRIES`] entries of `statusSize` bits,
/// MSB first (REC §2.2, §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitstringStatusList {
    status_size: StatusSize,
    len: usize,
    bytes: Vec<u8>,
}

impl BitstringStatusList {
    /// An all-zero list of `len` entries (REC §3.3 step 1).
    ///
    /// # Errors
    /// [`StatusError::ListTooShort`] below [`MIN_ENTRIES`].
    pub fn new(len: usize, status_size: StatusSize) -> Result<Self, StatusError> {
        if len < MIN_ENTRIES {
            return Err(StatusError::ListTooShort {
                entries: len,
                min: MIN_ENTRIES,
            });
        }
        // ceil(len * size / 8), computed without overflow.
        let size = usize::from(status_size.get());
        let bytes = (len / 8) * size + ((len % 8) * size).div_ceil(8);
        Ok(Self {
            status_size,
            len,
            bytes: vec![0; bytes],
        })
    }

    /// A list over an uncompressed bitstring (REC §3.4 output), holding
    /// `bytes * 8 / statusSize` whole entries.
    ///
    /// # Errors
    /// [`StatusError::ListTooShort`] below [`MIN_ENTRIES`] (REC §3.2 step 9).
    pub fn from_bytes(bytes: Vec<u8>, status_size: StatusSize) -> Result<Self, StatusError> {
        let len = bytes.len().saturating_mul(8) / usize::from(status_size.get());
        if len < MIN_ENTRIES {
            return Err(StatusError::ListTooShort {
                entries: len,
                min: MIN_ENTRIES,
            });
        }
        Ok(Self {
            status_size,
            len,
            bytes,
        })
    }

    /// Bits per entry (REC §2.1 `statusSize`).
    #[must_use]
    pub fn status_size(&self) -> StatusSize {
        self.status_size
    }

    /// Number of entries: bitstring length / `statusSize` (REC §3.2 step 9).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a list holds at least [`MIN_ENTRIES`] entries (REC §3.2 step 9).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The uncompressed bitstring (REC §3.3 step 1).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The status value at `index`: `statusSize` bits from bit `index * statusSize`,
    /// read MSB first (REC §3.2 step 10).
    ///
    /// # Errors
    /// [`StatusError::IndexOutOfRange`] (REC `RANGE_ERROR`) when `index >= len()`.
    pub fn get(&self, index: usize) -> Result<u8, StatusError> {
        let first = self.first_bit(index)?;
        let mut value = 0u8;
        for bit in first..first.saturating_add(usize::from(self.status_size.get())) {
            let byte = self.bytes.get(bit / 8).ok_or(self.out_of_range(index))?;
            value = (value << 1) | ((byte >> (7 - bit % 8)) & 1);
        }
        Ok(value)
    }

    /// Sets the status value at `index` (REC §3.3 step 2).
    ///
    /// # Errors
    /// [`StatusError::ValueTooWide`] when `value` needs more than `statusSize` bits;
    /// [`StatusError::IndexOutOfRange`] when `index >= len()`.
    pub fn set(&mut self, index: usize, value: u8) -> Result<(), StatusError> {
        let size = self.status_size.get();
        if value > self.status_size.max_value() {
            return Err(StatusError::ValueTooWide { value, bits: size });
        }
        let first = self.first_bit(index)?;
        let out_of_range = self.out_of_range(index);
        for offset in 0..size {
            let bit = first.saturating_add(usize::from(offset));
            let mask = 0x80u8 >> (bit % 8);
            let byte = self.bytes.get_mut(bit / 8).ok_or(out_of_range.clone())?;
            if (value >> (size - 1 - offset)) & 1 == 1 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
        Ok(())
    }

    fn first_bit(&self, index: usize) -> Result<usize, StatusError> {
        if index >= self.len {
            return Err(self.out_of_range(index));
        }
        index
            .checked_mul(usize::from(self.status_size.get()))
            .ok_or(self.out_of_range(index))
    }

    fn out_of_range(&self, index: usize) -> StatusError {
        StatusError::IndexOutOfRange {
            index,
            len: self.len,
        }
    }

    /// `encodedList`: `u` + base64url(GZIP(bitstring)) (REC §2.2, §3.3 step 3).
    ///
    /// # Errors
    /// [`StatusError::CompressionFailed`] if the compressor fails.
    pub fn encode(&self) -> Result<String, StatusError> {
        Ok(format!(
            "u{}",
            crate::b64::encode(compress::gzip(&self.bytes)?)
        ))
    }

    /// Expands an `encodedList` (REC §3.4) and checks its length (REC §3.2 step 9),
    /// refusing a bitstring that inflates past `max_bytes`, and text too long to be
    /// one, before decoding it.
    ///
    /// # Errors
    /// [`StatusError::MultibasePrefixMissing`] without the `u` prefix;
    /// [`StatusError::EncodedTooLarge`] or [`StatusError::DecompressedTooLarge`]
    /// past the cap; [`StatusError::Malformed`] for non-canonical base64url or a
    /// bad GZIP stream; [`StatusError::ListTooShort`] below [`MIN_ENTRIES`].
    pub fn decode(
        encoded_list: &str,
        status_size: StatusSize,
        max_bytes: usize,
    ) -> Result<Self, StatusError> {
        let base64 = encoded_list
            .strip_prefix('u')
            .ok_or(StatusError::MultibasePrefixMissing)?;
        let compressed = crate::b64::decode_capped(base64, compress::max_encoded_chars(max_bytes))
            .map_err(|error| match error {
                crate::b64::B64Error::TooLong { len, max } => {
                    StatusError::EncodedTooLarge { len, max }
                }
                _ => StatusError::Malformed {
                    reason: "encodedList is not canonical unpadded base64url",
                },
            })?;
        let bytes = compress::gunzip_bounded(&compressed, max_bytes)?;
        Self::from_bytes(bytes, status_size)
    }
}

#[cfg(test)]
#[path = "bitstring_tests.rs"]
pub(crate) mod tests;
