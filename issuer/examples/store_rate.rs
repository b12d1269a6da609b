//! Issuance throughput of the store: each issuance is `create_application` (with its audit
//! record) followed by `allocate_status` for one holder key (with its audit record), both
//! durable before they return. Prints issuances (= allocations) per second with 1, 8 and
//! 64 concurrent threads, for both durability levels, and how long reopening the store
//! (rebuilding the status list state from the slot records) then takes.
//!
//! `cargo run --release --example store_rate [seconds per run]`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sigillum_issuer::store::{
    Durability, IssuerStore, ListKind, NewApplication, OpenOptions, StoreConfig, StoreError,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(3);
    println!("durability  threads  issuances/s  flushes/s  avg batch  largest batch  reopen ms");
    for durability in [Durability::PowerLoss, Durability::Process] {
        for threads in [1, 8, 64] {
            run(durability, threads, Duration::from_secs(seconds))?;
        }
    }
    Ok(())
}

fn run(durability: Durability, threads: usize, length: Duration) -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|e| StoreError::Unavailable {
        reason: e.to_string(),
    })?;
    let options = OpenOptions {
        durability,
        ..OpenOptions::default()
    };
    let store = IssuerStore::open_with(dir.path(), StoreConfig::default(), &options)?;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let claims = serde_json::json!({
        "given_name": "Ada", "family_name": "Lovelace", "birth_date": "1815-12-10",
        "nationality": "GB", "document_number": "X1234567"
    });
    let claims = claims.as_object().cloned().unwrap_or_default();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (store, stop, done, claims) = (
                store.clone(),
                Arc::clone(&stop),
                Arc::clone(&done),
                claims.clone(),
            );
            std::thread::spawn(move || -> Result<(), StoreError> {
                let holder = vec!["NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs".to_owned()];
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let (app, _) = store.create_application(NewApplication {
                        credential_type: "passport".into(),
                        reference: format!("BENCH-{t}-{n}"),
                        format: "dc+sd-jwt".into(),
                        claims: claims.clone(),
                        officer: "clerk".into(),
                        now: 1_700_000_000,
                    })?;
                    store.allocate_status(&app.id, ListKind::Token, &holder)?;
                    done.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
                Ok(())
            })
        })
        .collect();
    let start = Instant::now();
    std::thread::sleep(length);
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().map_err(|_| StoreError::Unavailable {
            reason: "worker panicked".into(),
        })??;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let stats = store.commit_stats();
    let issued = done.load(Ordering::Relaxed);
    drop(store);
    let reopen = Instant::now();
    let store = IssuerStore::open_with(dir.path(), StoreConfig::default(), &options)?;
    let reopen_ms = reopen.elapsed().as_millis();
    drop(store);
    println!(
        "{:<10}  {threads:>7}  {:>11.0}  {:>9.0}  {:>9.1}  {:>13}  {reopen_ms:>9}",
        format!("{durability:?}"),
        issued as f64 / elapsed,
        stats.batches as f64 / elapsed,
        stats.requests as f64 / stats.batches.max(1) as f64,
        stats.largest_batch
    );
    Ok(())
}
