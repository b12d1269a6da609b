//! The registry node killed with SIGKILL under write load: `sigillum registry serve`
//! runs as its own process; the test submits DID creations from 16 concurrent clients,
//! kills the server at a random moment, restarts it, and checks with a verifying
//! client — one `CheckpointTracker` across every restart, so a rollback would be caught —
//! that every acknowledged operation is there and proven. 25 trials.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Work, serve};
use serde_json::json;
use sigillum_credential::did::{Did, DidResolver};
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::operation::{OpType, Operation, derive_did, sign};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::ledger::{Policy, VerifierKey};
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_registry::state::Genesis;
use sigillum_verifier::source::ReqwestGet;

const TRIALS: usize = 25;

fn did_create() -> (String, String) {
    let key = SigningKey::generate(Alg::EdDsa);
    let body = json!({"verificationMethod": [{"id": "#k", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": key.public_key().to_jwk()}],
                      "assertionMethod": ["#k"], "capabilityInvocation": ["#k"]});
    let did =
        derive_did(&serde_json::from_value::<LedgerDidDocument>(body.clone()).unwrap()).unwrap();
    let op = Operation {
        v: 1,
        op_type: OpType::DidCreate,
        id: did.clone(),
        prev: None,
        time: SystemClock.now().unix(),
        body,
    };
    (did, sign(&op, &[(&key, "#k")]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_operation_survives_kill_9() {
    let w = Work::new("registry-crash");
    w.ok(&["registry", "init", "--dir", "registry"]);
    let genesis: Genesis =
        serde_json::from_str(&std::fs::read_to_string(w.path("registry/genesis.json")).unwrap())
            .unwrap();
    let log_key = VerifierKey::parse(&genesis.nodes[0].vkey).unwrap();
    let policy = Policy::new(genesis.origin.clone(), log_key, vec![], 0).unwrap();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let mut tracker = CheckpointTracker::new();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for trial in 0..TRIALS {
        let (mut server, url) = serve(&w);
        // Every DID acknowledged so far is there and proven, and the log only grew.
        let client = RegistryClient::new(
            url.clone(),
            ReqwestGet::default(),
            policy.clone(),
            tracker.clone(),
        );
        let dids = acknowledged.lock().unwrap().clone();
        for did in &dids {
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
        "{TRIALS} kills, {} acknowledged operations, 0 lost",
        dids.len()
    );
    assert!(
        dids.len() >= TRIALS,
        "the load actually wrote: {}",
        dids.len()
    );
}
