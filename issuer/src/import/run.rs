//! One import run: count and fingerprint the file, open the output directory, then
//! stream the rows through `concurrency` officer requests and write every answer.
//!
//! ```text
//!  reader thread ──rows──► N workers (POST, retry, QR) ──┐
//!       │ skipped / bad rows ───────────────────────────┴─events─► writer thread
//!  ticker (10/s) ──────────────────────────────────────────────────►  (journal, meter)
//! ```
//! Every channel is bounded, so memory does not grow with the file. Ctrl-C or
//! SIGTERM stops taking rows, lets the requests in flight finish and be written,
//! and saves progress; a second one stops at once.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sigillum_credential::qr::render::{render_png, render_svg};
use sigillum_credential::schema::CredentialTypes;
use tokio::sync::mpsc;

use super::client::{Answer, OfficerClient, Refusal};
use super::journal::{
    Journal, OfferLine, QR_DIR, RejectLine, RunIdentity, qr_file_name, write_atomically,
};
use super::options::{ImportError, ImportOptions, MAX_CONCURRENCY, QrOutput, Summary};
use super::progress::{Counts, Meter};
use super::rows::{InputFormat, ReadError, Row, RowError, RowReader};

/// Rows in a row the issuer could not be asked about before the run stops.
const UNAVAILABLE_STREAK: u32 = 16;
/// How often written rows are made durable and recorded in `progress.json`.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// What the rest of the run learns from any part of it.
#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    unavailable: AtomicU32,
    stopped_by: Mutex<Option<Refusal>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn fail(&self, refusal: Refusal) {
        if let Ok(mut slot) = self.stopped_by.lock()
            && slot.is_none()
        {
            *slot = Some(refusal);
        }
        self.stop.store(true, Ordering::SeqCst);
    }
}

enum Event {
    Tick,
    Skipped,
    Bad(RowError),
    Offer(Row, super::client::OfferAnswer, Option<String>),
    Refused(Row, Refusal, bool),
}

/// Runs an import to the end, or until stopped.
///
/// # Errors
/// [`ImportError`]: bad options, an unreadable file or output directory, a failed
/// write, or the issuer refusing the run (progress is saved in every case).
pub async fn import(options: ImportOptions) -> Result<Summary, ImportError> {
    if !(1..=MAX_CONCURRENCY).contains(&options.concurrency) {
        return Err(ImportError::Usage(format!(
            "--concurrency must be 1 to {MAX_CONCURRENCY}"
        )));
    }
    let input_format = InputFormat::from_path(&options.input).ok_or_else(|| {
        ImportError::Usage(format!(
            "{}: name a .csv or .jsonl file",
            options.input.display()
        ))
    })?;
    let schema = CredentialTypes::builtin()
        .ok()
        .and_then(|types| types.get(&options.credential_type).ok())
        .map(|t| t.spec().schema.clone())
        .ok_or_else(|| {
            ImportError::Usage(format!(
                "unknown credential type {:?}",
                options.credential_type
            ))
        })?;
    let read_error = |source| ImportError::Read {
        path: options.input.display().to_string(),
        source,
    };
    let (rows, sha256) = {
        let (input, schema, max) = (options.input.clone(), schema.clone(), options.max_rows);
        tokio::task::spawn_blocking(move || scan(&input, input_format, &schema, max))
            .await
            .map_err(|e| ImportError::Usage(e.to_string()))?
            .map_err(read_error)?
    };
    let reader = RowReader::open(
        &options.input,
        input_format,
        Some(&schema),
        options.max_rows,
    )
    .map_err(read_error)?;
    let journal = Journal::open(
        &options.out,
        RunIdentity {
            input_sha256: sha256,
            credential_type: options.credential_type.clone(),
            format: options.format.id().to_owned(),
            rows,
        },
    )?;
    if options.qr != QrOutput::Link {
        let dir = options.out.join(QR_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| ImportError::Write {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let client = OfficerClient::new(
        &options.url,
        &options.credential_type,
        options.token,
        options.format,
        options.retries,
    )
    .map_err(|e| ImportError::Usage(format!("the HTTP client: {e}")))?;

    let shared = Arc::new(Shared::default());
    let (row_tx, row_rx) = mpsc::channel::<Row>(options.concurrency * 2);
    let (event_tx, event_rx) = mpsc::channel::<Event>(options.concurrency * 4 + 16);
    let done = journal.done().clone();
    let writer =
        tokio::task::spawn_blocking(move || write_all(journal, event_rx, Meter::new(rows)));
    let producer = {
        let (events, shared) = (event_tx.clone(), Arc::clone(&shared));
        tokio::task::spawn_blocking(move || produce(reader, &done, &row_tx, &events, &shared))
    };
    let row_rx = Arc::new(tokio::sync::Mutex::new(row_rx));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..options.concurrency {
        workers.spawn(work(
            client.clone(),
            Arc::clone(&row_rx),
            event_tx.clone(),
            Arc::clone(&shared),
            options.qr,
            options.out.join(QR_DIR),
        ));
    }
    drop(row_rx);
    let ticker = {
        let events = event_tx.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                let _ = events.try_send(Event::Tick);
            }
        })
    };
    drop(event_tx);

    let signalled = tokio::select! {
        () = async { while workers.join_next().await.is_some() {} } => false,
        () = interrupted() => true,
    };
    if signalled {
        shared.stop.store(true, Ordering::SeqCst);
        eprintln!("\nstopping: writing the rows in flight (again to stop at once)");
        tokio::select! {
            () = async { while workers.join_next().await.is_some() {} } => {}
            () = interrupted() => workers.abort_all(),
        }
        while workers.join_next().await.is_some() {}
    }
    ticker.abort();
    let _ = ticker.await;
    let produced = producer
        .await
        .map_err(|e| ImportError::Usage(e.to_string()))?;
    let written = writer
        .await
        .map_err(|e| ImportError::Usage(e.to_string()))?;
    let out = options.out.display().to_string();
    let mut written = written.map_err(|source| ImportError::Write {
        path: out.clone(),
        source,
    })?;
    produced.map_err(read_error)?;
    let stopped_by = shared.stopped_by.lock().ok().and_then(|mut s| s.take());
    written
        .meter
        .finish(&written.counts, signalled || stopped_by.is_some());
    if let Some(refusal) = stopped_by {
        return Err(ImportError::Stopped(refusal));
    }
    let c = written.counts;
    Ok(Summary {
        input: options.input.display().to_string(),
        out,
        credential_type: options.credential_type,
        rows,
        imported: c.imported,
        created: written.created,
        rejected: c.rejected,
        skipped: c.skipped,
        failed: c.failed,
        complete: written.totals.0 + written.totals.1 == rows,
        interrupted: signalled,
        seconds: written.meter.elapsed(),
        rows_per_second: written.meter.rate(&c),
        rejected_by_code: written.by_code,
        total_imported: written.totals.0,
        total_rejected: written.totals.1,
    })
}

/// Counts the rows (checking the header and the row cap) and fingerprints the file.
fn scan(
    path: &Path,
    format: InputFormat,
    schema: &serde_json::Value,
    max_rows: u64,
) -> Result<(u64, String), ReadError> {
    let mut reader = RowReader::open(path, format, Some(schema), max_rows)?;
    let mut rows = 0;
    while reader.next_row()?.is_some() {
        rows += 1;
    }
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((rows, hex))
}

/// The reader thread: rows not yet done go to the workers, the rest to the writer.
fn produce(
    mut reader: RowReader<std::io::BufReader<std::fs::File>>,
    done: &super::ranges::Ranges,
    rows: &mpsc::Sender<Row>,
    events: &mpsc::Sender<Event>,
    shared: &Shared,
) -> Result<(), ReadError> {
    while !shared.stopped() {
        let Some(item) = reader.next_row()? else {
            break;
        };
        let sent = match item {
            Ok(row) if done.contains(row.row) => events.blocking_send(Event::Skipped).is_ok(),
            Err(e) if done.contains(e.row) => events.blocking_send(Event::Skipped).is_ok(),
            Ok(row) => rows.blocking_send(row).is_ok(),
            Err(e) => events.blocking_send(Event::Bad(e)).is_ok(),
        };
        if !sent {
            break;
        }
    }
    Ok(())
}

/// A worker: one request at a time until the rows run out or the run stops.
async fn work(
    client: OfficerClient,
    rows: Arc<tokio::sync::Mutex<mpsc::Receiver<Row>>>,
    events: mpsc::Sender<Event>,
    shared: Arc<Shared>,
    qr: QrOutput,
    qr_dir: PathBuf,
) {
    loop {
        if shared.stopped() {
            return;
        }
        let next = rows.lock().await.recv().await;
        let Some(row) = next else { return };
        if shared.stopped() {
            return;
        }
        let event = match client.apply(&row.reference, &row.claims).await {
            Answer::Offer(offer) => {
                shared.unavailable.store(0, Ordering::SeqCst);
                let image = match write_qr(qr, &qr_dir, &row.reference, &offer.offer_link).await {
                    Ok(image) => image,
                    Err(detail) => {
                        shared.fail(Refusal {
                            status: None,
                            code: "qr_write_failed".into(),
                            detail,
                            errors: Vec::new(),
                        });
                        return;
                    }
                };
                Event::Offer(row, offer, image)
            }
            Answer::Refused(refusal) => {
                shared.unavailable.store(0, Ordering::SeqCst);
                Event::Refused(row, refusal, false)
            }
            Answer::Unavailable(refusal) => {
                if shared.unavailable.fetch_add(1, Ordering::SeqCst) + 1 >= UNAVAILABLE_STREAK {
                    shared.fail(refusal.clone());
                }
                Event::Refused(row, refusal, true)
            }
            Answer::Fatal(refusal) => {
                shared.fail(refusal);
                return;
            }
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

/// Renders and writes an applicant's QR image; its path relative to the output.
async fn write_qr(
    qr: QrOutput,
    dir: &Path,
    reference: &str,
    link: &str,
) -> Result<Option<String>, String> {
    let extension = match qr {
        QrOutput::Link => return Ok(None),
        QrOutput::Png => "png",
        QrOutput::Svg => "svg",
    };
    let name = qr_file_name(reference, extension);
    let (path, link) = (dir.join(&name), link.to_owned());
    tokio::task::spawn_blocking(move || {
        let bytes = match qr {
            QrOutput::Svg => render_svg(&link).map(String::into_bytes),
            _ => render_png(&link, 4),
        }
        .map_err(|e| format!("QR for {name}: {e}"))?;
        // Not fsynced: after a crash the row is offered again and the image rewritten.
        write_atomically(&path, &bytes, false).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Some(format!("{QR_DIR}/{name}")))
    })
    .await
    .map_err(|e| e.to_string())?
}

struct Written {
    counts: Counts,
    created: u64,
    by_code: BTreeMap<String, u64>,
    totals: (u64, u64),
    meter: Meter,
}

/// The writer thread: every answer to the journal, progress to the meter.
fn write_all(
    mut journal: Journal,
    mut events: mpsc::Receiver<Event>,
    mut meter: Meter,
) -> std::io::Result<Written> {
    let (mut counts, mut created, mut by_code) = (Counts::default(), 0, BTreeMap::new());
    let mut last_checkpoint = Instant::now();
    while let Some(event) = events.blocking_recv() {
        match event {
            Event::Tick => {}
            Event::Skipped => counts.skipped += 1,
            Event::Bad(e) => {
                journal.record_refusal(&RejectLine {
                    row: e.row,
                    line: e.line,
                    reference: e.reference.as_deref(),
                    status: None,
                    code: e.code,
                    detail: &e.detail,
                    errors: &[],
                    retryable: false,
                })?;
                counts.rejected += 1;
                *by_code.entry(e.code.to_owned()).or_insert(0) += 1;
            }
            Event::Offer(row, offer, image) => {
                journal.record_offer(&OfferLine {
                    row: row.row,
                    line: row.line,
                    reference: &row.reference,
                    id: &offer.id,
                    created: offer.created,
                    offer_link: &offer.offer_link,
                    tx_code: &offer.tx_code,
                    expires_at: offer.expires_at,
                    qr: image.as_deref(),
                })?;
                counts.imported += 1;
                created += u64::from(offer.created);
            }
            Event::Refused(row, refusal, retryable) => {
                journal.record_refusal(&RejectLine {
                    row: row.row,
                    line: row.line,
                    reference: Some(&row.reference),
                    status: refusal.status,
                    code: &refusal.code,
                    detail: &refusal.detail,
                    errors: &refusal.errors,
                    retryable,
                })?;
                if retryable {
                    counts.failed += 1;
                } else {
                    counts.rejected += 1;
                    *by_code.entry(refusal.code).or_insert(0) += 1;
                }
            }
        }
        meter.tick(&counts);
        if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
            journal.checkpoint()?;
            last_checkpoint = Instant::now();
        }
    }
    journal.checkpoint()?;
    Ok(Written {
        counts,
        created,
        by_code,
        totals: journal.totals(),
        meter,
    })
}

/// Resolves at Ctrl-C or SIGTERM (never, if neither can be listened for).
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                r = tokio::signal::ctrl_c() => if r.is_err() { std::future::pending::<()>().await },
                _ = term.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
