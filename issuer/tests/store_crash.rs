//! Crash test: a child process issues credentials from several threads and is killed with
//! SIGKILL at a random moment; the store is reopened and must hold every acknowledged
//! operation, no status entry in two slots, and a verifiable audit chain. The next trial
//! continues on the same directory, so recovery after recovery is exercised too.
//!
//! The random 10–300 ms delay counts from the spawn in odd trials (so some kills land
//! during the child's recovery) and from the child's `ready` line in even ones (so those
//! land while issuance is in flight).

// A test harness: its helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng as _;
use sigillum_issuer::store::{
    CredentialId, CredentialStatus, IssuerStore, ListKind, StatusSlot, StoreConfig,
};

/// Trials unless `ISSUER_CRASH_TRIALS` says otherwise.
const TRIALS: usize = 50;
const THREADS: &str = "8";

/// Everything the children were told was durable, over all trials.
#[derive(Default)]
struct Acknowledged {
    apps: HashMap<CredentialId, String>,
    slots: HashMap<CredentialId, Vec<StatusSlot>>,
    status: HashMap<CredentialId, CredentialStatus>,
    all_slots: HashSet<StatusSlot>,
    /// Operations that each wrote one audit record.
    audited: u64,
}

impl Acknowledged {
    fn record(&mut self, line: &str) {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["app", id, "passport", reference] => {
                self.apps
                    .insert(id.parse().unwrap(), (*reference).to_owned());
            }
            ["alloc", id, kind, slots] => {
                let kind: ListKind = kind.parse().unwrap();
                for slot in slots.split(',') {
                    let (list, index) = slot.split_once(':').unwrap();
                    let slot = StatusSlot {
                        kind,
                        list: list.parse().unwrap(),
                        index: index.parse().unwrap(),
                    };
                    assert!(self.all_slots.insert(slot), "{slot:?} acknowledged twice");
                    self.slots
                        .entry(id.parse().unwrap())
                        .or_default()
                        .push(slot);
                }
            }
            ["status", id, status] => {
                let status = match *status {
                    "revoked" => CredentialStatus::Revoked,
                    "suspended" => CredentialStatus::Suspended,
                    other => panic!("status {other}"),
                };
                self.status.insert(id.parse().unwrap(), status);
            }
            ["ready"] => return,
            _ => panic!("unexpected line {line:?}"),
        }
        self.audited += 1;
    }

    fn check(&self, store: &IssuerStore) {
        for (id, reference) in &self.apps {
            let app = store
                .application(id)
                .unwrap()
                .unwrap_or_else(|| panic!("acknowledged application {id} lost"));
            assert_eq!(&app.reference, reference);
            match self.status.get(id) {
                Some(acknowledged) => assert_eq!(app.status, *acknowledged, "status of {id}"),
                // The change may have been durable before the kill cut its acknowledgement.
                None => assert!(
                    app.status == CredentialStatus::Valid || Some(app.status) == planned(reference),
                    "{id} ({reference}) is {} but no change was acknowledged",
                    app.status
                ),
            }
            let held: HashSet<StatusSlot> = app.slots.iter().map(|(slot, _)| *slot).collect();
            for slot in self.slots.get(id).into_iter().flatten() {
                assert!(held.contains(slot), "acknowledged {slot:?} of {id} lost");
            }
        }
        let mut lists: HashMap<(ListKind, u32), Vec<u8>> = HashMap::new();
        for (id, slots) in &self.slots {
            assert!(
                self.apps.contains_key(id),
                "allocation before its application"
            );
            let status = store.application(id).unwrap().unwrap().status;
            for slot in slots {
                let values = lists
                    .entry((slot.kind, slot.list))
                    .or_insert_with(|| store.list_values(slot.kind, slot.list).unwrap());
                assert_eq!(values[slot.index as usize], status.value(), "{slot:?}");
            }
        }
        // Every slot of every application (acknowledged or not) is unique and recorded,
        // and the audit chain verifies.
        let report = store.check_integrity().unwrap();
        assert!(
            report.audit.count >= self.audited,
            "audit has {} records, {} audited operations were acknowledged",
            report.audit.count,
            self.audited
        );
        assert!(report.slots >= self.all_slots.len() as u64);
    }
}

/// The status change the child makes for reference `<tag>-<thread>-<n>`, if any.
fn planned(reference: &str) -> Option<CredentialStatus> {
    let n: u64 = reference.rsplit('-').next()?.parse().ok()?;
    match (n % 7, n % 14) {
        (3, 3) => Some(CredentialStatus::Revoked),
        (3, _) => Some(CredentialStatus::Suspended),
        _ => None,
    }
}

#[test]
fn acknowledged_operations_survive_kill_9() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let child = env!("CARGO_BIN_EXE_issuer_store_crash_child");
    let mut acknowledged = Acknowledged::default();
    let mut rng = rand::thread_rng();
    let mut lines_total = 0usize;
    let trials = std::env::var("ISSUER_CRASH_TRIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(TRIALS);
    for trial in 0..trials {
        let mut process = Command::new(child)
            .arg(dir.path())
            .arg(THREADS)
            .arg(format!("t{trial}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = process.stdout.take().unwrap();
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            // A line without its newline was cut by the kill and was never acknowledged.
            while stdout.read_line(&mut line).unwrap() > 0 && line.ends_with('\n') {
                if line == "ready\n" {
                    let _ = ready_tx.send(());
                }
                lines.push(line.trim_end().to_owned());
                line.clear();
            }
            lines
        });
        if trial.is_multiple_of(2) {
            ready
                .recv_timeout(Duration::from_secs(20))
                .expect("child never became ready");
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(10..=300)));
        if let Some(status) = process.try_wait().unwrap() {
            let mut stderr = String::new();
            process
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            panic!("trial {trial}: child exited by itself ({status}): {stderr}");
        }
        process.kill().unwrap(); // SIGKILL
        process.wait().unwrap();
        let lines = reader.join().unwrap();
        lines_total += lines.len();
        for line in &lines {
            acknowledged.record(line);
        }
        let store = IssuerStore::open(dir.path(), StoreConfig::default()).unwrap();
        acknowledged.check(&store);
    }
    let elapsed = started.elapsed();
    println!(
        "{trials} kill -9 trials in {elapsed:.1?}: {lines_total} acknowledged operations, \
         {} applications, {} slots",
        acknowledged.apps.len(),
        acknowledged.all_slots.len()
    );
    assert!(
        acknowledged.apps.len() > trials,
        "the children barely ran: the test would prove nothing"
    );
}
