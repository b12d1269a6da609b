//! An open-loop HTTP load generator: requests leave at a fixed rate whatever the
//! server's latency, and each latency is measured from the moment the request was
//! *due*, so a stalled server shows up in the percentiles instead of slowing the
//! load down (no coordinated omission). Run it in its own process against a server
//! on loopback.
//!
//! Usage: `cargo run --release --example open_loop -- URL RATE SECONDS [BODY_FILE]`
//! (GET, or POST of BODY_FILE as JSON). Prints sent, completed, errors and the
//! p50/p90/p99/p99.9/max latencies.

// A measuring tool: a failure should stop it with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Requests in flight at most; beyond it a request counts as an error (overload).
const MAX_IN_FLIGHT: u64 = 20_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, rate, seconds) = match args.as_slice() {
        [url, rate, seconds, ..] => (
            url.clone(),
            rate.parse::<u64>().unwrap(),
            seconds.parse::<u64>().unwrap(),
        ),
        _ => {
            eprintln!("usage: open_loop URL RATE SECONDS [BODY_FILE]");
            std::process::exit(2);
        }
    };
    let body: Option<Arc<Vec<u8>>> = args.get(3).map(|f| Arc::new(std::fs::read(f).unwrap()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (latencies, errors, sent) = runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(4096)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let interval = Duration::from_nanos(1_000_000_000 / rate.max(1));
        let total = rate * seconds;
        let start = Instant::now() + Duration::from_millis(100);
        let errors = Arc::new(AtomicU64::new(0));
        let in_flight = Arc::new(AtomicU64::new(0));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Duration>();
        for n in 0..total {
            let due = start + interval * u32::try_from(n).unwrap();
            tokio::time::sleep_until(due.into()).await;
            if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
                errors.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            in_flight.fetch_add(1, Ordering::Relaxed);
            let (client, url, body, tx, errors, in_flight) = (
                client.clone(),
                url.clone(),
                body.clone(),
                tx.clone(),
                Arc::clone(&errors),
                Arc::clone(&in_flight),
            );
            tokio::spawn(async move {
                let request = match &body {
                    Some(b) => client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(b.as_ref().clone()),
                    None => client.get(&url),
                };
                match request.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        let _ = tx.send(due.elapsed());
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                in_flight.fetch_sub(1, Ordering::Relaxed);
            });
        }
        drop(tx);
        let mut latencies = Vec::with_capacity(usize::try_from(total).unwrap());
        while let Some(l) = rx.recv().await {
            latencies.push(l);
        }
        (latencies, errors.load(Ordering::Relaxed), total)
    });
    let mut sorted = latencies;
    sorted.sort_unstable();
    println!(
        "open loop: {rate}/s for {seconds} s: sent {sent}, ok {}, errors {errors}",
        sorted.len()
    );
    println!(
        "latency from due time: p50 {:?}  p90 {:?}  p99 {:?}  p99.9 {:?}  max {:?}",
        percentile(&sorted, 50.0),
        percentile(&sorted, 90.0),
        percentile(&sorted, 99.0),
        percentile(&sorted, 99.9),
        sorted.last().copied().unwrap_or_default()
    );
}
