//! What an import is asked to do and what it reports: the options, the officer
//! token, the summary printed as JSON, and the errors that stop a run.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sigillum_credential::oid4vci::SecretString;

use super::client::Refusal;
use super::journal::JournalError;
use super::rows::ReadError;
use crate::mint::Format;

/// Most requests in flight.
pub const MAX_CONCURRENCY: usize = 256;
/// The environment variable an officer token may come from.
pub const TOKEN_ENV: &str = "SIGILLUM_OFFICER_TOKEN";

/// What to write for each applicant besides the line in `offers.jsonl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrOutput {
    /// Nothing more: the link is in `offers.jsonl`.
    Link,
    /// `qr/<reference>.png`.
    Png,
    /// `qr/<reference>.svg`.
    Svg,
}

impl QrOutput {
    /// Parses `link`, `png` or `svg`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "link" | "none" => Some(QrOutput::Link),
            "png" => Some(QrOutput::Png),
            "svg" => Some(QrOutput::Svg),
            _ => None,
        }
    }
}

/// What to import, from where, to where.
#[derive(Debug)]
pub struct ImportOptions {
    /// The `.csv` or `.jsonl` file.
    pub input: PathBuf,
    /// The credential type (`passport`, …).
    pub credential_type: String,
    /// The issuer's base URL (`http://127.0.0.1:7401`).
    pub url: String,
    /// The officer's bearer token (role `issue:<type>`).
    pub token: SecretString,
    /// The output directory.
    pub out: PathBuf,
    /// The credential format.
    pub format: Format,
    /// QR images to write.
    pub qr: QrOutput,
    /// Requests in flight (1 to [`MAX_CONCURRENCY`]).
    pub concurrency: usize,
    /// Retries of a row while the issuer is busy or away.
    pub retries: u32,
    /// Rows read at most.
    pub max_rows: u64,
}

/// What a run did; printed as JSON by the command.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The input file.
    pub input: String,
    /// The output directory.
    pub out: String,
    /// The credential type.
    pub credential_type: String,
    /// Rows in the file.
    pub rows: u64,
    /// Rows offered by this run.
    pub imported: u64,
    /// Of those, credentials this run created (the others existed with the same data).
    pub created: u64,
    /// Rows refused by this run.
    pub rejected: u64,
    /// Rows done by earlier runs.
    pub skipped: u64,
    /// Rows to try again (the issuer could not be asked).
    pub failed: u64,
    /// Whether every row is now offered or refused.
    pub complete: bool,
    /// Whether the run was stopped (signal, or the issuer refused the run).
    pub interrupted: bool,
    /// Seconds.
    pub seconds: f64,
    /// Rows handled per second.
    pub rows_per_second: f64,
    /// Refusals of this run by code.
    pub rejected_by_code: BTreeMap<String, u64>,
    /// Offers and refusals on file, over every run.
    pub total_imported: u64,
    /// See `total_imported`.
    pub total_rejected: u64,
}

/// An import that could not run, or was stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The options are unusable.
    #[error("{0}")]
    Usage(String),
    /// The input file cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: ReadError,
    },
    /// The output directory cannot be used.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Writing the output failed.
    #[error("writing to {path}: {source}")]
    Write {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The issuer refused the whole run (token, role, type, accreditation) or stayed
    /// away; what was done is saved.
    #[error(
        "the issuer stopped the run: {} ({}); progress is saved, run the same command again to resume",
        .0.detail, .0.code
    )]
    Stopped(Refusal),
}

/// The officer token: from `token_file` (the text, or the `token` member of the JSON
/// that `sigillum issuer officer add` prints), else `token`, else `$SIGILLUM_OFFICER_TOKEN`.
///
/// # Errors
/// [`ImportError::Usage`] when none is given or the file is unreadable.
pub fn officer_token(
    token: Option<String>,
    token_file: Option<&Path>,
) -> Result<SecretString, ImportError> {
    if let Some(path) = token_file {
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(64 * 1024).read_to_string(&mut text))
            .map_err(|e| ImportError::Usage(format!("{}: {e}", path.display())))?;
        let text = text.trim();
        let from_json = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_owned));
        return Ok(SecretString::new(
            from_json.unwrap_or_else(|| text.to_owned()),
        ));
    }
    token
        .or_else(|| std::env::var(TOKEN_ENV).ok())
        .filter(|t| !t.trim().is_empty())
        .map(|t| SecretString::new(t.trim()))
        .ok_or_else(|| {
            ImportError::Usage(format!(
                "an officer token is needed: --token-file FILE, --token T or ${TOKEN_ENV}"
            ))
        })
}
