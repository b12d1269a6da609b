//! What the load examples share: latency percentiles, and a resident-set sampler
//! for the memory bound (`#[path]`-included by each; not an example of its own).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The `p`th percentile (0–100) of sorted latencies, by nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The resident set of process `pid` ("self" for this one) in KiB, from
/// `/proc/<pid>/status`.
pub fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// Samples a process's resident set once a second, on its own thread, until stopped.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<u64>>,
}

impl RssSampler {
    pub fn start(pid: &str) -> Self {
        let (stop, pid) = (Arc::new(AtomicBool::new(false)), pid.to_owned());
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (started, mut samples) = (Instant::now(), Vec::new());
            for tick in 1.. {
                samples.extend(rss_kib(&pid));
                let next = started + Duration::from_secs(tick);
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
            }
            samples
        });
        Self { stop, thread }
    }

    /// Stops; warm is the sample `warm_secs` in, the bound warm + `LOAD_RSS_GROWTH_MIB`.
    pub fn finish(self, warm_secs: u64) -> (String, bool) {
        self.stop.store(true, Ordering::Relaxed);
        let samples = self.thread.join().unwrap();
        let growth: u64 = std::env::var("LOAD_RSS_GROWTH_MIB")
            .ok()
            .and_then(|g| g.parse().ok())
            .unwrap_or(256);
        let mib = |kib: u64| kib / 1024;
        let warm = samples
            .get(usize::try_from(warm_secs).unwrap())
            .or(samples.last())
            .copied()
            .unwrap_or(0);
        let max = samples.iter().copied().max().unwrap_or(0);
        let last = samples.last().copied().unwrap_or(0);
        let bound = warm + growth * 1024;
        let line = format!(
            "RSS warm {} MiB, max {} MiB, last {} MiB, bound {} MiB (warm + {growth} MiB)",
            mib(warm),
            mib(max),
            mib(last),
            mib(bound)
        );
        (line, !samples.is_empty() && max <= bound)
    }
}
