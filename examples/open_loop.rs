//! An open-loop HTTP load generator: requests leave at a fixed rate whatever the
//! server's latency, and each latency is measured from the moment the request was
//! *due*, so a stalled server shows up in the percentiles instead of slowing the
//! load down (no coordinated omission). Run it in its own process against a server
//! on loopback.
//!
//! Usage: `cargo run --release --example open_loop -- URL RATE SECONDS [BODY_FILE]
//! [--pid PID] [--name NAME]` (GET, or POST of BODY_FILE as JSON). Prints sent,
//! completed, errors and the p50/p90/p99/p99.9/max latencies, then one line
//!
//! ```text
//! load: registry GET /v1/checkpoint: requests 60000, errors 0, p50 0.9 ms, p99 2.1 ms, RSS warm 30 MiB, max 31 MiB, last 31 MiB, bound 286 MiB (warm + 256 MiB): PASS
//! ```
//!
//! NAME labels it (default the URL). With `--pid` the server's resident set
//! (`VmRSS` in `/proc/PID/status`) is sampled once a second: "warm" is the sample a
//! quarter of the run in (at most 10 s), the bound's allowance `LOAD_RSS_GROWTH_MIB`
//! (default 256). Any error, or a maximum over the bound, exits with status 1.

// A measuring tool: a failure should stop it with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/measure.rs"]
mod measure;

use measure::{RssSampler, percentile};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Requests in flight at most; beyond it a request counts as an error (overload).
const MAX_IN_FLIGHT: u64 = 20_000;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Removes `--flag VALUE` from `args` and returns VALUE.
fn take_flag(args: &mut Vec<String>, flag: &str) -> Option<String> {
    let at = args.iter().position(|a| a == flag)?;
    let value = args.get(at + 1).cloned();
    args.drain(at..(at + 2).min(args.len()));
    value
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let pid = take_flag(&mut args, "--pid");
    let name = take_flag(&mut args, "--name");
    let (url, rate, seconds) = match args.as_slice() {
        [url, rate, seconds, ..] => (
            url.clone(),
            rate.parse::<u64>().unwrap(),
            seconds.parse::<u64>().unwrap(),
        ),
        _ => {
            eprintln!("usage: open_loop URL RATE SECONDS [BODY_FILE] [--pid PID] [--name NAME]");
            std::process::exit(2);
        }
    };
    let body: Option<Arc<Vec<u8>>> = args.get(3).map(|f| Arc::new(std::fs::read(f).unwrap()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let name = name.unwrap_or_else(|| url.clone());
    let rss = pid.as_deref().map(RssSampler::start);
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
                    other => {
                        if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                            let why = match other {
                                Ok(r) => r.status().to_string(),
                                Err(e) => e.to_string(),
                            };
                            eprintln!("first error: {why}");
                        }
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
    let (rss, rss_ok) = match rss {
        Some(sampler) => sampler.finish((seconds / 4).min(10)),
        None => ("RSS not sampled (no --pid)".into(), true),
    };
    let pass = errors == 0 && rss_ok;
    println!(
        "load: {name}: requests {sent}, errors {errors}, p50 {}, p99 {}, {rss}: {}",
        ms(percentile(&sorted, 50.0)),
        ms(percentile(&sorted, 99.0)),
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        eprintln!("open_loop: FAIL ({errors} errors, or RSS over its bound)");
        std::process::exit(1);
    }
}
