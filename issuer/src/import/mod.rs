//! Bulk issuance (issue #4 item 5): `sigillum issuer import FILE --type T` reads
//! applicants from a CSV or JSONL file and asks a running issuer for one credential
//! offer per row over the officer API, so the service stays up for everyone else,
//! the audit log names the officer, and the issuer's schema check, idempotency and
//! group commit apply to every row as to any other request.
//!
//! ```text
//!  FILE.csv|.jsonl ──rows──► POST /v1/credentials/{type}?qr=none  (N at once, retried)
//!                                 │ 201/200            │ 4xx                │ 5xx, no answer
//!                                 ▼                    ▼                    ▼
//!  --out DIR:              offers.jsonl (+ qr/)   rejected.jsonl      rejected.jsonl, retryable
//!                          progress.json: the input's SHA-256, rows done, totals
//! ```
//!
//! Runs are resumable and idempotent: a second run with the same file and `--out`
//! skips every row already offered or refused, and the issuer itself answers the
//! same reference with the same data by the same credential (see [`journal`]).
//!
//!  csv       RFC 4180 records, streamed, with caps
//!  columns   CSV header → claim paths (nesting, lists, types from the schema)
//!  rows      CSV and JSONL rows → (row, line, reference, claims) or a row error
//!  client    the officer API: one application, retries, what an answer means
//!  journal   the output directory: offers, rejections, progress, resumption
//!  ranges    sets of row numbers as ranges
//!  options   what a run is asked (options, token) and what it reports (summary, errors)
//!  progress  the progress bar / log lines and the summary line
//!  run       the run: reader, workers, writer, signals

pub mod client;
pub mod columns;
pub mod csv;
pub mod journal;
mod options;
pub mod progress;
pub mod ranges;
pub mod rows;
mod run;

pub use options::{
    ImportError, ImportOptions, MAX_CONCURRENCY, QrOutput, Summary, TOKEN_ENV, officer_token,
};
pub use run::import;
