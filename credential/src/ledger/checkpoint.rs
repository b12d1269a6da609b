//! Checkpoints, c2sp.org/tlog-checkpoint v1.0.0: the note body a log signs.
//!
//! ```text
//! example.com/behind-the-sofa                     ← origin, non-empty
//! 20852163                                        ← tree size, decimal, no leading zeros
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=    ← root hash, standard padded base64 of 32 bytes
//! <extension lines, optional, each non-empty>     ← Sigillum puts its state commitment here
//! ```
//!
//! Every line ends in a newline. Parsing accepts only the canonical form, so
//! `parse(body).to_body() == body` for every accepted body: what was signed is
//! exactly what is re-encoded.

use std::fmt;

use super::merkle::{Hash, TreeSize};
use super::{std_b64_decode, std_b64_encode};

/// Largest checkpoint body accepted, in bytes (the signed-note limit).
pub const MAX_BODY_LEN: usize = super::note::MAX_NOTE_LEN;

/// Why a checkpoint body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointFormatError {
    /// The body is over the size limit.
    #[error("checkpoint is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes allowed.
        max: usize,
    },
    /// The body does not end in a newline.
    #[error("checkpoint does not end in a newline")]
    NotNewlineTerminated,
    /// Fewer than the three mandatory lines.
    #[error("checkpoint has {lines} lines, at least 3 expected")]
    TooFewLines {
        /// Lines found.
        lines: usize,
    },
    /// The origin line is empty or holds a control character.
    #[error("checkpoint origin is empty or holds a control character")]
    OriginInvalid,
    /// The size line is not a canonical decimal `u64`.
    #[error("checkpoint tree size is not a decimal number without leading zeros")]
    SizeInvalid,
    /// The root line is not canonical padded base64 of exactly 32 bytes.
    #[error("checkpoint root is not padded base64 of 32 bytes")]
    RootInvalid,
    /// An extension line is empty or holds a control character.
    #[error("checkpoint extension line {line} is empty or holds a control character")]
    ExtensionInvalid {
        /// 1-based line number in the body.
        line: usize,
    },
}

impl CheckpointFormatError {
    /// Stable snake_case code for APIs and logs.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "checkpoint_too_large",
            Self::NotNewlineTerminated => "checkpoint_not_newline_terminated",
            Self::TooFewLines { .. } => "checkpoint_too_few_lines",
            Self::OriginInvalid => "checkpoint_origin_invalid",
            Self::SizeInvalid => "checkpoint_size_invalid",
            Self::RootInvalid => "checkpoint_root_invalid",
            Self::ExtensionInvalid { .. } => "checkpoint_extension_invalid",
        }
    }
}

/// A log's tree head at one size (c2sp.org/tlog-checkpoint §Note text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: TreeSize,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    ///
    /// # Errors
    /// [`CheckpointFormatError::OriginInvalid`] if the origin is empty or holds a
    /// control character (newline included).
    pub fn new(
        origin: impl Into<String>,
        size: TreeSize,
        root: Hash,
    ) -> Result<Self, CheckpointFormatError> {
        let origin = origin.into();
        if !is_valid_line(&origin) {
            return Err(CheckpointFormatError::OriginInvalid);
        }
        Ok(Self {
            origin,
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Appends an extension line (opaque to this module).
    ///
    /// # Errors
    /// [`CheckpointFormatError::ExtensionInvalid`] if the line is empty or holds a
    /// control character; [`CheckpointFormatError::TooLarge`] if the body would
    /// pass [`MAX_BODY_LEN`].
    pub fn with_extension(
        mut self,
        line: impl Into<String>,
    ) -> Result<Self, CheckpointFormatError> {
        let line = line.into();
        if !is_valid_line(&line) {
            return Err(CheckpointFormatError::ExtensionInvalid {
                line: self.extensions.len() + 4,
            });
        }
        self.extensions.push(line);
        let len = self.body_len();
        if len > MAX_BODY_LEN {
            return Err(CheckpointFormatError::TooLarge {
                len,
                max: MAX_BODY_LEN,
            });
        }
        Ok(self)
    }

    /// Parses a checkpoint body (the note text, final newline included).
    ///
    /// # Errors
    /// A [`CheckpointFormatError`] naming the first rule broken.
    pub fn parse(body: &str) -> Result<Self, CheckpointFormatError> {
        if body.len() > MAX_BODY_LEN {
            return Err(CheckpointFormatError::TooLarge {
                len: body.len(),
                max: MAX_BODY_LEN,
            });
        }
        let Some(content) = body.strip_suffix('\n') else {
            return Err(CheckpointFormatError::NotNewlineTerminated);
        };
        let mut lines = content.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointFormatError::TooFewLines {
                lines: content.split('\n').count(),
            });
        };
        if !is_valid_line(origin) {
            return Err(CheckpointFormatError::OriginInvalid);
        }
        let size = parse_size(size).ok_or(CheckpointFormatError::SizeInvalid)?;
        let root = std_b64_decode(root)
            .and_then(|bytes| Hash::from_slice(&bytes).ok())
            .ok_or(CheckpointFormatError::RootInvalid)?;
        let mut extensions = Vec::new();
        for (i, line) in lines.enumerate() {
            if !is_valid_line(line) {
                return Err(CheckpointFormatError::ExtensionInvalid { line: i + 4 });
            }
            extensions.push(line.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The body as signed: every line newline-terminated.
    #[must_use]
    pub fn to_body(&self) -> String {
        let mut out = String::with_capacity(self.body_len());
        out.push_str(&self.origin);
        out.push('\n');
        out.push_str(&self.size.to_string());
        out.push('\n');
        out.push_str(&std_b64_encode(self.root.as_bytes()));
        out.push('\n');
        for line in &self.extensions {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The log's origin line.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    #[must_use]
    pub const fn size(&self) -> TreeSize {
        self.size
    }

    /// The root hash at that size.
    #[must_use]
    pub const fn root(&self) -> &Hash {
        &self.root
    }

    /// The extension lines, without their newlines.
    #[must_use]
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    fn body_len(&self) -> usize {
        // origin, up to 20 digits, 44 base64 characters, newlines.
        self.origin.len() + 1 + 21 + 45 + self.extensions.iter().map(|l| l.len() + 1).sum::<usize>()
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_body())
    }
}

/// Non-empty, no ASCII control characters (c2sp.org/signed-note forbids them
/// in a note; a newline would split the line).
fn is_valid_line(line: &str) -> bool {
    !line.is_empty() && !line.bytes().any(|b| b < 0x20)
}

/// §Note text 2: ASCII decimal, no sign, no leading zeros unless the size is `0`.
fn parse_size(line: &str) -> Option<TreeSize> {
    let canonical = !line.is_empty()
        && line.len() <= 20
        && line.bytes().all(|b| b.is_ascii_digit())
        && (line == "0" || !line.starts_with('0'));
    if !canonical {
        return None;
    }
    line.parse::<u64>().ok().map(TreeSize::new)
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
