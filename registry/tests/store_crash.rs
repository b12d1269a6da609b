//! Acceptance test of the registry's storage: an acknowledged write survives `kill -9`.
//!
//! Each trial starts `crash_child` on the same store directory, lets it append from 64
//! concurrent tasks for a random 50–400 ms (counted from spawn in odd trials, so some kills
//! land during recovery; from the child's `ready` in even ones, so every one of those lands
//! while appends are in flight), kills it with SIGKILL, then reopens the store
//! here and checks that every index the child printed (printed only after its append was
//! acknowledged) is present with the right content, that the log has no holes, and that
//! the meta side table (a leaf hash per entry and a running hash chain) is in step with
//! the entries. The next trial continues on the same directory.
//!
//! `CRASH_TRIALS=N` changes the number of trials (default 50); see `crash_trials.sh`.

// A test harness: its helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/crash_model.rs"]
#[allow(dead_code)] // encode_head is the child's half of the model
mod crash_model;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crash_model::{CHAIN_HEAD_KEY, chain_next, decode_head, entry_for, leaf_hash, leaf_key};
use rand::Rng;
use sigillum_registry::store::{LogStore, SledStore, limits};

/// What the previous trials verified: the log prefix and the chain over it.
struct Verified {
    len: u64,
    chain: [u8; 32],
}

/// When a trial's kill timer starts.
#[derive(Debug, Clone, Copy)]
enum KillClock {
    /// At spawn: the kill may land while sled recovers the previous crash.
    FromSpawn,
    /// Once the child says `ready`: the kill lands while appends are in flight.
    FromReady,
}

/// Runs one child, kills it `run_for` after `clock`, returns the indexes it printed on
/// whole lines.
fn run_child(dir: &Path, clock: KillClock, run_for: Duration) -> Vec<u64> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_store_crash_child"))
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (lines_tx, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut line = Vec::new();
        // A line cut by the kill (no newline) was never fully printed: not an acknowledgment.
        while stdout.read_until(b'\n', &mut line).unwrap() > 0 && line.ends_with(b"\n") {
            let text = String::from_utf8(std::mem::take(&mut line)).unwrap();
            if lines_tx.send(text.trim_end().to_owned()).is_err() {
                break;
            }
        }
    });
    if let KillClock::FromReady = clock {
        let first = lines.recv_timeout(Duration::from_secs(30));
        assert!(
            matches!(&first, Ok(line) if line.starts_with("ready ")),
            "child did not get ready: {first:?}, {}",
            child_stderr(&mut child)
        );
    }
    std::thread::sleep(run_for);
    if let Some(status) = child.try_wait().unwrap() {
        panic!(
            "child exited on its own ({status}): {}",
            child_stderr(&mut child)
        );
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "child not killed by SIGKILL: {status}"
    );
    reader.join().unwrap();
    lines
        .try_iter()
        .filter(|line| !line.starts_with("ready "))
        .map(|line| line.parse().unwrap())
        .collect()
}

fn child_stderr(child: &mut std::process::Child) -> String {
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    stderr
}

/// Reopens the store and checks it against the acknowledgments and the previous state.
/// Returns how long opening (sled's recovery) took.
fn check_store(dir: &Path, verified: &mut Verified, acked: &[u64]) -> Duration {
    let opening = Instant::now();
    let store = SledStore::open(dir).unwrap();
    let opened_in = opening.elapsed();
    let len = store.len();
    assert!(
        len >= verified.len,
        "log shrank from {} to {len}",
        verified.len
    );
    let lost: Vec<u64> = acked.iter().copied().filter(|&i| i >= len).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged indexes lost (log length {len}): {lost:?}",
        lost.len()
    );

    // The new suffix: contiguous, right content, leaf hashes in step, chain extended.
    let mut index = verified.len;
    while index < len {
        let page = store.range(index, len).unwrap();
        assert_eq!(
            page.len() as u64,
            (len - index).min(limits::MAX_RANGE),
            "hole in the log after {index}"
        );
        for entry in page {
            assert_eq!(entry, entry_for(index), "wrong content at {index}");
            let leaf = store.get_meta(&leaf_key(index)).unwrap();
            assert_eq!(
                leaf,
                Some(leaf_hash(&entry).to_vec()),
                "leaf meta at {index}"
            );
            verified.chain = chain_next(&verified.chain, &entry);
            index += 1;
        }
    }
    verified.len = len;
    assert_eq!(store.get(len).unwrap(), None);
    assert_eq!(
        store.get_meta(&leaf_key(len)).unwrap(),
        None,
        "meta ahead of the log"
    );
    let head = store
        .get_meta(CHAIN_HEAD_KEY)
        .unwrap()
        .map(|h| decode_head(&h).unwrap());
    if len == 0 {
        assert_eq!(head, None);
    } else {
        assert_eq!(head, Some((len, verified.chain)), "chain head out of step");
    }
    // Every acknowledged entry, whichever trial wrote it, reads back exactly.
    for &i in acked {
        assert_eq!(
            store.get(i).unwrap(),
            Some(entry_for(i)),
            "acknowledged entry {i}"
        );
    }
    opened_in
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let trials: usize = std::env::var("CRASH_TRIALS").map_or(50, |n| n.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::thread_rng();
    let mut verified = Verified {
        len: 0,
        chain: [0; 32],
    };
    let (mut total_acked, mut ready_trials, mut ready_trials_with_acks) = (0usize, 0usize, 0usize);
    let started = Instant::now();
    for trial in 0..trials {
        let run_for = Duration::from_millis(rng.gen_range(50..=400));
        let before = verified.len;
        let clock = if trial % 2 == 0 {
            KillClock::FromReady
        } else {
            KillClock::FromSpawn
        };
        let acked = run_child(dir.path(), clock, run_for);
        let opened_in = check_store(dir.path(), &mut verified, &acked);
        if let Some(&min) = acked.iter().min() {
            assert!(
                min >= before,
                "trial {trial} acknowledged an index it did not append"
            );
        }
        if let KillClock::FromReady = clock {
            ready_trials += 1;
            ready_trials_with_acks += usize::from(!acked.is_empty());
        }
        total_acked += acked.len();
        eprintln!(
            "trial {trial}: killed {run_for:?} after {clock:?}, {} acknowledged, log {before} -> {} ({} unacknowledged survived), reopened in {opened_in:.0?}",
            acked.len(),
            verified.len,
            (verified.len - before) as usize - acked.len(),
        );
    }
    // A last full pass from index 0: earlier trials' entries were not disturbed since.
    let mut full = Verified {
        len: 0,
        chain: [0; 32],
    };
    check_store(dir.path(), &mut full, &[]);
    assert_eq!(full.chain, verified.chain);
    eprintln!(
        "{trials} trials in {:?}: {total_acked} acknowledged appends, 0 lost, final log {} entries",
        started.elapsed(),
        full.len
    );
    // The test must have killed the child while acknowledged writes were flowing; allow a
    // few stalls of a loaded machine in the first 50 ms after `ready`.
    assert!(
        ready_trials_with_acks * 10 >= ready_trials * 9,
        "only {ready_trials_with_acks}/{ready_trials} trials killed after `ready` had acknowledged appends"
    );
}
