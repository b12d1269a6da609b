//! The registry node killed with SIGKILL under write load: `sigillum registry serve`
//! runs as its own process; the test submits DID creations from 16 concurrent clients,
//! kills the server at a random moment, restarts it, and checks with a verifying
//! client — one `CheckpointTracker` across every restart, so a rollback would be caught —
//! that every acknowledged operation is there and proven. 25 trials (`KILL_TRIALS`).

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::ops::did_create;
use common::{Work, serve, serve_on_full_disk};
use sigillum_credential::did::{Did, DidResolver};
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::ledger::{Policy, VerifierKey};
use sigillum_registry::state::Genesis;
use sigillum_verifier::source::ReqwestGet;

/// Kills unless `KILL_TRIALS` says otherwise (`scripts/kill_trials.sh` runs more).
const TRIALS: usize = 25;

fn trials() -> usize {
    std::env::var("KILL_TRIALS").map_or(TRIALS, |n| n.parse().expect("KILL_TRIALS is a number"))
}

/// A new registry directory in a work directory named `name`, and the policy a
/// verifying client reads it with (its genesis node key, no cosigners).
fn registry_dir(name: &str) -> (Work, Policy) {
    let w = Work::new(name);
    w.ok(&["registry", "init", "--dir", "registry"]);
    let genesis: Genesis =
        serde_json::from_str(&std::fs::read_to_string(w.path("registry/genesis.json")).unwrap())
            .unwrap();
    let log_key = VerifierKey::parse(&genesis.nodes[0].vkey).unwrap();
    let policy = Policy::new(genesis.origin.clone(), log_key, vec![], 0).unwrap();
    (w, policy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_operation_survives_kill_9() {
    let (w, policy) = registry_dir("registry-crash");
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let mut tracker = CheckpointTracker::new();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let trials = trials();
    let mut checked = 0;
    for trial in 0..trials {
        let (mut server, url) = serve(&w);
        // The DIDs acknowledged in the last trial (every 10th trial, all so far) are
        // there and proven, and the log only grew; the final check reads them all.
        let client = RegistryClient::new(
            url.clone(),
            ReqwestGet::default(),
            policy.clone(),
            tracker.clone(),
        );
        let dids = acknowledged.lock().unwrap().clone();
        let from = if trial % 10 == 0 { 0 } else { checked };
        checked = dids.len();
        for did in &dids[from..] {
            let doc = client.resolve(&Did::parse(did).unwrap()).await;
            assert!(
                doc.is_ok(),
                "trial {trial}: acknowledged {did} lost or unproven: {doc:?}"
            );
        }
        tracker = client.tracker();
        // Load: 16 clients submitting until the kill.
        let deadline = Instant::now() + Duration::from_millis(80 + (trial as u64 * 37) % 250);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (http, url, acknowledged) = (http.clone(), url.clone(), Arc::clone(&acknowledged));
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline + Duration::from_millis(200) {
                    let (did, op) = did_create();
                    match http
                        .post(format!("{url}/v1/operations"))
                        .body(op)
                        .send()
                        .await
                    {
                        Ok(r) if r.status().as_u16() == 201 => {
                            acknowledged.lock().unwrap().push(did)
                        }
                        Ok(r) => panic!("refused: {}", r.text().await.unwrap_or_default()),
                        Err(_) => break, // the server is gone
                    }
                }
            }));
        }
        tokio::time::sleep_until(deadline.into()).await;
        server.kill_9();
        for t in tasks {
            t.await.unwrap();
        }
    }
    // A last restart checks the last trial's acknowledgments too.
    let (mut server, url) = serve(&w);
    let client = RegistryClient::new(url, ReqwestGet::default(), policy, tracker);
    let dids = acknowledged.lock().unwrap().clone();
    for did in &dids {
        assert!(
            client.resolve(&Did::parse(did).unwrap()).await.is_ok(),
            "final: {did} lost"
        );
    }
    server.kill_9();
    eprintln!(
        "{trials} kills, {} acknowledged operations, 0 lost",
        dids.len()
    );
    assert!(
        dids.len() >= trials,
        "the load actually wrote: {}",
        dids.len()
    );
}

/// A full disk under the registry: its files capped (RLIMIT_FSIZE) so that writes
/// fail with EFBIG partway through. Every submission is either acknowledged or refused
/// with `storage_unavailable` (never a dropped connection, never a crash); once a
/// write failed the node refuses appends until restarted, and keeps answering reads.
/// Restarted with room, every acknowledged operation is there and proven, and it
/// accepts new ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_and_loses_nothing_acknowledged() {
    let (w, policy) = registry_dir("registry-disk-full");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    // Start once to create the store, then measure it: the cap leaves room for
    // some hundreds of operations, not for thousands.
    let (mut server, _) = serve(&w);
    server.kill_9();
    let used = common::dir_size(std::path::Path::new(&w.path("registry")));
    let (mut server, url) = serve_on_full_disk(&w, used + 1024 * 1024);
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for _ in 0..20_000 {
        let (did, op) = did_create();
        let answer = http
            .post(format!("{url}/v1/operations"))
            .body(op)
            .send()
            .await
            .expect("the node answers every submission, full disk or not");
        match answer.status().as_u16() {
            201 => {
                assert_eq!(refused, 0, "an append acknowledged after a failed one");
                acknowledged.push(did);
            }
            503 => {
                let body = answer.text().await.unwrap();
                assert!(body.contains("storage_unavailable"), "{body}");
                refused += 1;
                if refused == 3 {
                    break;
                }
            }
            other => panic!("{other}: {}", answer.text().await.unwrap_or_default()),
        }
    }
    assert_eq!(refused, 3, "the cap was never reached");
    assert!(!acknowledged.is_empty(), "nothing fit under the cap");
    let health = http.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200, "still serving");
    server.kill_9();

    let (mut server, url) = serve(&w);
    let client = RegistryClient::new(
        url.clone(),
        ReqwestGet::default(),
        policy,
        CheckpointTracker::new(),
    );
    for did in &acknowledged {
        let doc = client.resolve(&Did::parse(did).unwrap()).await;
        assert!(doc.is_ok(), "acknowledged {did} lost: {doc:?}");
    }
    let (_, op) = did_create();
    let answer = http
        .post(format!("{url}/v1/operations"))
        .body(op)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201, "writes again with room");
    server.kill_9();
    eprintln!(
        "full disk: {} acknowledged before the first refused write, 0 lost",
        acknowledged.len()
    );
}
