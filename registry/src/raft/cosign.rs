//! Cosigning checkpoints (CONSORTIUM.md "Cosigning"): the C2SP `tlog-witness`
//! `add-checkpoint` call, answered by every consortium cosigner, voter or witness.
//!
//! Request body (tlog-witness §add-checkpoint): `old <size>`, zero to 63 base64
//! consistency-proof lines, an empty line, then the checkpoint note signed by a log
//! key. The cosigner, in the spec's order:
//!
//! 1. 404 if the origin is not this registry's; 403 unless a pinned log key (any
//!    voter's note key) signed it.
//! 2. 400 if `old` is above the checkpoint size.
//! 3. 409 with `text/x.tlog.size` and its last cosigned size if `old` is not that
//!    size: **it never signs a rollback**.
//! 4. 422 if the consistency proof from its last cosigned checkpoint does not verify
//!    (RFC 9162 §2.1.4.2); at equal sizes, 409 if the roots differ: **it never signs
//!    two roots for one size**.
//! 5. A voter also holds the log: 409 `checkpoint_ahead` if it has not applied that
//!    far yet, 422 `checkpoint_divergent` if its own root at that size differs.
//! 6. It records the new checkpoint durably (flush + `fdatasync`) and only then
//!    returns its cosignature line(s), under one lock, so two concurrent requests
//!    cannot roll the record back (the race the spec describes).
//!
//! A cosigner vouches for origin, size and root; the `state` and `time` lines are
//! signed but not vouched for (`cosignature.rs`).

use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sigillum_credential::ledger::merkle::verify_consistency;
use sigillum_credential::ledger::{Checkpoint, CosignerKey, Hash, TreeSize, VerifierKey, note};
use sigillum_credential::time::Clock;

use crate::node::Node;
use crate::store::{DurableSled, SledConfig, StoreError};

/// The most consistency-proof lines a request may carry (tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;
/// The largest request accepted (a checkpoint with a few signatures and a proof).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// The media type of a 409's body: the last cosigned size.
pub const SIZE_MEDIA_TYPE: &str = "text/x.tlog.size";

const RECORD_KEY: &[u8] = b"last";

/// The newest checkpoint this cosigner signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    size: u64,
    /// Standard base64.
    root: String,
}

/// Why a checkpoint was not cosigned: an HTTP status, a problem code, a sentence,
/// and for a 409 on `old` the size this cosigner last signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: &'static str,
    /// For a person.
    pub detail: String,
    /// The last cosigned size, for a `409` answered as `text/x.tlog.size`.
    pub last_size: Option<u64>,
}

fn refused(status: u16, code: &'static str, detail: impl Into<String>) -> Refused {
    Refused {
        status,
        code,
        detail: detail.into(),
        last_size: None,
    }
}

/// A parsed `add-checkpoint` request.
#[derive(Debug)]
pub struct AddCheckpoint {
    /// The size the requester believes this cosigner last signed.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub note: String,
}

impl AddCheckpoint {
    /// Formats a request.
    #[must_use]
    pub fn encode(old: u64, proof: &[Hash], note: &str) -> String {
        let mut out = format!("old {old}\n");
        for hash in proof {
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(hash.as_bytes()));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(note);
        out
    }

    /// Parses a request body strictly (tlog-witness: every line ends in a newline,
    /// `old` has no leading zeroes, at most 63 proof lines, each one hash).
    ///
    /// # Errors
    /// A 400 [`Refused`] naming what is malformed.
    pub fn parse(body: &[u8]) -> Result<Self, Refused> {
        let bad = |why: &str| refused(400, "add_checkpoint_malformed", why);
        if body.len() > MAX_REQUEST_BYTES {
            return Err(bad("the request is larger than 16 KiB"));
        }
        let text = std::str::from_utf8(body).map_err(|_| bad("the request is not UTF-8"))?;
        let (head, note) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .filter(|n| n == &"0" || (!n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| bad("the first line is not `old <size>`"))?;
        let mut proof = Vec::new();
        for line in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad("more than 63 consistency proof lines"));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(line)
                .map_err(|_| bad("a proof line is not base64"))?;
            proof.push(Hash::from_slice(&bytes).map_err(|_| bad("a proof line is not one hash"))?);
        }
        Ok(AddCheckpoint {
            old,
            proof,
            note: note.to_owned(),
        })
    }
}

/// One cosigner: its key, what it trusts, its durable record, and for a voter its
/// own copy of the log.
pub struct Cosigner {
    key: CosignerKey,
    origin: String,
    log_keys: Vec<VerifierKey>,
    own_log: Option<Arc<Node>>,
    disk: DurableSled,
    /// Held from reading the record to writing it (tlog-witness: atomically).
    lock: Mutex<()>,
    clock: Arc<dyn Clock>,
}

impl Cosigner {
    /// Opens the cosigner's record in `path`. `own_log` is the voter's ledger, or
    /// `None` for a witness.
    ///
    /// # Errors
    /// [`StoreError`] when the record cannot be opened.
    pub fn open(
        path: &Path,
        key: CosignerKey,
        origin: String,
        log_keys: Vec<VerifierKey>,
        own_log: Option<Arc<Node>>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        Ok(Cosigner {
            key,
            origin,
            log_keys,
            own_log,
            disk: DurableSled::open(path, &SledConfig::default())?,
            lock: Mutex::new(()),
            clock,
        })
    }

    fn record(&self) -> Result<Option<Record>, Refused> {
        let unavailable = |e: &dyn std::fmt::Display| {
            refused(
                503,
                "cosign_record_unavailable",
                format!("the cosign record: {e}"),
            )
        };
        match self.disk.db.get(RECORD_KEY) {
            Ok(None) => Ok(None),
            Ok(Some(bytes)) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| unavailable(&e)),
            Err(e) => Err(unavailable(&e)),
        }
    }

    /// The size and root this cosigner last signed.
    #[must_use]
    pub fn last(&self) -> Option<(u64, String)> {
        self.record().ok().flatten().map(|r| (r.size, r.root))
    }

    /// Answers an `add-checkpoint` request: the cosignature line(s), or why not.
    ///
    /// # Errors
    /// [`Refused`] per the rules in the module doc.
    pub fn add_checkpoint(&self, body: &[u8]) -> Result<String, Refused> {
        let request = AddCheckpoint::parse(body)?;
        let opened = note::open(request.note.as_bytes(), &self.log_keys).map_err(|e| {
            refused(
                403,
                "checkpoint_log_signature_missing",
                format!("no consortium log key signed the checkpoint: {e}"),
            )
        })?;
        let checkpoint = Checkpoint::parse(opened.text())
            .map_err(|e| refused(403, "checkpoint_malformed", e.to_string()))?;
        if checkpoint.origin() != self.origin {
            return Err(refused(
                404,
                "checkpoint_origin_unknown",
                format!(
                    "this cosigner serves {}, not {}",
                    self.origin,
                    checkpoint.origin()
                ),
            ));
        }
        let size = checkpoint.size().get();
        if request.old > size {
            return Err(refused(
                400,
                "add_checkpoint_old_too_large",
                format!(
                    "old size {} is above the checkpoint size {size}",
                    request.old
                ),
            ));
        }
        let _held = self.lock.lock().map_err(|_| {
            refused(
                503,
                "cosign_record_unavailable",
                "the record lock is poisoned",
            )
        })?;
        let last = self.record()?;
        let last_size = last.as_ref().map_or(0, |r| r.size);
        if request.old != last_size {
            return Err(Refused {
                last_size: Some(last_size),
                ..refused(
                    409,
                    "checkpoint_rollback",
                    format!(
                        "this cosigner last signed size {last_size}, not {} (never a rollback)",
                        request.old
                    ),
                )
            });
        }
        self.check_extends(last.as_ref(), &checkpoint, &request.proof)?;
        self.check_own_log(&checkpoint)?;
        let record = Record {
            size,
            root: base64::engine::general_purpose::STANDARD.encode(checkpoint.root().as_bytes()),
        };
        let write = serde_json::to_vec(&record)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                self.disk
                    .db
                    .insert(RECORD_KEY, bytes)
                    .map_err(|e| e.to_string())?;
                self.disk.sync().map_err(|e| e.to_string())
            });
        write.map_err(|e| refused(503, "cosign_record_unavailable", e))?;
        let now = u64::try_from(self.clock.now().unix()).unwrap_or(1).max(1);
        let line = self
            .key
            .cosign(&checkpoint, now)
            .map_err(|e| refused(503, "cosign_failed", e.to_string()))?;
        Ok(format!("{}\n", line.to_line().trim_end()))
    }

    /// Rule 4: the checkpoint extends the last one signed.
    fn check_extends(
        &self,
        last: Option<&Record>,
        checkpoint: &Checkpoint,
        proof: &[Hash],
    ) -> Result<(), Refused> {
        let Some(last) = last.filter(|r| r.size > 0) else {
            return if proof.is_empty() {
                Ok(())
            } else {
                Err(refused(
                    422,
                    "checkpoint_inconsistent",
                    "the proof from size 0 must be empty",
                ))
            };
        };
        let last_root = base64::engine::general_purpose::STANDARD
            .decode(&last.root)
            .ok()
            .and_then(|b| Hash::from_slice(&b).ok())
            .ok_or_else(|| {
                refused(
                    503,
                    "cosign_record_unavailable",
                    "the record's root is unreadable",
                )
            })?;
        if last.size == checkpoint.size().get() {
            if &last_root != checkpoint.root() {
                return Err(refused(
                    409,
                    "checkpoint_split_view",
                    format!(
                        "this cosigner signed another root for size {} (never two roots for one size)",
                        last.size
                    ),
                ));
            }
            return Ok(());
        }
        verify_consistency(
            TreeSize::new(last.size),
            checkpoint.size(),
            &last_root,
            checkpoint.root(),
            proof,
        )
        .map_err(|e| {
            refused(
                422,
                "checkpoint_inconsistent",
                format!(
                    "size {} does not extend the size {} this cosigner signed: {e}",
                    checkpoint.size().get(),
                    last.size
                ),
            )
        })
    }

    /// Rule 5: a voter's own log agrees.
    fn check_own_log(&self, checkpoint: &Checkpoint) -> Result<(), Refused> {
        let Some(node) = &self.own_log else {
            return Ok(());
        };
        let size = checkpoint.size().get();
        if size > node.size() {
            return Err(refused(
                409,
                "checkpoint_ahead",
                format!(
                    "this voter has applied {} entries, not yet {size}",
                    node.size()
                ),
            ));
        }
        let own = node
            .root_at(size)
            .map_err(|e| refused(503, "cosign_log_unavailable", e.to_string()))?;
        if &own != checkpoint.root() {
            return Err(refused(
                422,
                "checkpoint_divergent",
                format!("this voter's own log has another root at size {size}"),
            ));
        }
        Ok(())
    }
}

/// A witness's whole API: [`router`] and `GET /healthz`.
pub fn witness_router(cosigner: Arc<Cosigner>) -> axum::Router {
    router(cosigner).route("/healthz", axum::routing::get(|| async { "ok" }))
}

/// `POST /v1/witness/add-checkpoint` (tlog-witness, submission prefix `/v1/witness`)
/// answered by `cosigner`: part of every voter's API, and a witness's.
pub fn router(cosigner: Arc<Cosigner>) -> axum::Router {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    axum::Router::new()
        .route(
            "/v1/witness/add-checkpoint",
            axum::routing::post(
                |axum::extract::State(c): axum::extract::State<Arc<Cosigner>>,
                 body: axum::body::Bytes| async move {
                    let answer = tokio::task::spawn_blocking(move || c.add_checkpoint(&body)).await;
                    match answer {
                        Ok(Ok(lines)) => {
                            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], lines)
                                .into_response()
                        }
                        Ok(Err(Refused {
                            last_size: Some(size),
                            ..
                        })) => (
                            StatusCode::CONFLICT,
                            [(header::CONTENT_TYPE, SIZE_MEDIA_TYPE)],
                            format!("{size}\n"),
                        )
                            .into_response(),
                        Ok(Err(r)) => crate::http::problem::ApiError::new(
                            StatusCode::from_u16(r.status)
                                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                            r.code,
                            r.detail,
                        )
                        .into_response(),
                        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                    }
                },
            ),
        )
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(cosigner)
}
