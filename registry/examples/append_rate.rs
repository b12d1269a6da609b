//! Durable appends per second through the group committer, with 64 concurrent writers.
//!
//! Usage: `cargo run --release --example append_rate -- [DIR|-] [process|power-loss]`
//! (default: a fresh temporary directory, `power-loss` durability). Each append is a
//! 512-byte entry with two meta pairs (a leaf hash and a state index), roughly what the
//! registry writes per operation. Every counted append was acknowledged, hence durable.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sigillum_registry::store::{Committer, CommitterConfig, Durability, SledConfig, SledStore};

const WRITERS: usize = 64;
const RUN_FOR: Duration = Duration::from_secs(5);

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let temp = tempfile::tempdir()?;
    let dir = match args.next() {
        Some(dir) if !dir.is_empty() && dir != "-" => dir.into(),
        _ => temp.path().to_path_buf(),
    };
    let durability = match args.next().as_deref() {
        None | Some("power-loss") => Durability::PowerLoss,
        Some("process") => Durability::Process,
        Some(other) => return Err(format!("unknown durability {other}").into()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()?;
    runtime.block_on(measure(&dir, durability))
}

async fn measure(dir: &std::path::Path, durability: Durability) -> Result<(), Box<dyn Error>> {
    let config = SledConfig {
        durability,
        ..SledConfig::default()
    };
    let store = Arc::new(SledStore::open_with(dir, &config)?);
    let committer = Arc::new(Committer::new(store, &CommitterConfig::default())?);
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let (committer, acked, stop) = (
            Arc::clone(&committer),
            Arc::clone(&acked),
            Arc::clone(&stop),
        );
        writers.spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let entry = vec![u8::try_from(writer % 256).unwrap_or(0); 512];
                let key = [
                    &b"op/"[..],
                    &(writer as u64).to_be_bytes(),
                    &n.to_be_bytes(),
                ]
                .concat();
                let meta = vec![
                    (key.clone(), vec![1; 32]),
                    ([&b"state/"[..], &key].concat(), vec![2; 8]),
                ];
                committer.append(entry, meta).await?;
                acked.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
            Ok::<(), sigillum_registry::store::StoreError>(())
        });
    }
    tokio::time::sleep(RUN_FOR).await;
    stop.store(true, Ordering::Relaxed);
    while let Some(joined) = writers.join_next().await {
        joined??;
    }
    let elapsed = started.elapsed();
    let acked = acked.load(Ordering::Relaxed);
    let stats = committer.stats();
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let (rate, per_batch) = (
        acked as f64 / elapsed.as_secs_f64(),
        stats.entries as f64 / stats.batches.max(1) as f64,
    );
    println!(
        "{rate:.0} durable appends/s ({acked} in {elapsed:.2?}, {WRITERS} writers, {durability:?}): \
         {} batches, {per_batch:.1} entries/batch, largest {}",
        stats.batches, stats.largest_batch
    );
    Ok(())
}
