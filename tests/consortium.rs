//! The replicated registry (issue #9, specs/registry/CONSORTIUM.md), as three
//! `sigillum registry serve --node-id N` processes on loopback: writes through any
//! node (followers forward to the leader), the leader killed with SIGKILL under write
//! load (a new leader is elected, writes go on, no acknowledged operation is lost,
//! the survivors converge on one root), and the old leader restarted on its data
//! catching up. Every read is verified against the genesis keys, as a client would.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::ops::did_create;
use common::{Server, Work, sigillum_command};
use serde_json::Value;
use sigillum_credential::did::{Did, DidResolver};
use sigillum_credential::ledger::Policy;
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::read::{ReadProof, verify_read};
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::ledger::witness::verify_checkpoint;
use sigillum_registry::state::Genesis;
use sigillum_verifier::source::ReqwestGet;

/// Three voters' work directory, genesis and addresses.
struct Cluster {
    w: Work,
    urls: BTreeMap<u64, String>,
    servers: BTreeMap<u64, Server>,
    policy: Policy,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    /// `nodes` voters whose checkpoints need `k` cosignatures.
    fn new(name: &str, nodes: u64, k: usize) -> Cluster {
        Self::with_witnesses(name, nodes, &[], k)
    }

    /// As [`Cluster::new`], with witnesses at `witness_urls` in genesis.
    fn with_witnesses(name: &str, nodes: u64, witness_urls: &[String], k: usize) -> Cluster {
        let w = Work::new(name);
        let (count, needed) = (nodes.to_string(), k.to_string());
        let mut args = vec!["registry", "init", "--dir", "c", "--nodes", &count];
        args.extend(["--cosign-threshold", &needed]);
        let urls = witness_urls.join(",");
        if !witness_urls.is_empty() {
            args.extend(["--witness-urls", &urls]);
        }
        w.ok(&args);
        let genesis: Genesis =
            serde_json::from_str(&std::fs::read_to_string(w.path("c/genesis.json")).unwrap())
                .unwrap();
        // What a client pins (CONSORTIUM.md "Keys"): any voter may sign as the log,
        // and k of the cosigners must have cosigned.
        let policy = genesis.policy().unwrap();
        assert_eq!(policy.threshold(), k);
        let urls = (1..=nodes)
            .map(|id| (id, format!("http://127.0.0.1:{}", free_port())))
            .collect();
        Cluster {
            w,
            urls,
            servers: BTreeMap::new(),
            policy,
        }
    }

    fn peers(&self) -> String {
        self.urls
            .iter()
            .map(|(id, url)| format!("{id}={url}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Starts node `id` (node 1 forms the cluster on its first start).
    fn start(&mut self, id: u64) {
        let url = &self.urls[&id];
        let listen = url.trim_start_matches("http://");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.w.path(&format!("node-{id}.log")))
            .unwrap();
        let mut command = sigillum_command(None);
        command
            .args(["registry", "serve", "--genesis", "c/genesis.json"])
            .args(["--node-key", &format!("c/node-{id}/node.key")])
            .args(["--cosigner-key", &format!("c/node-{id}/cosigner.key")])
            .args(["--data", &format!("data-{id}"), "--listen", listen])
            .args(["--node-id", &id.to_string(), "--peers", &self.peers()])
            .current_dir(self.w.path("."))
            .env("SIGILLUM_FAULTS", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(log);
        if id == 1 {
            command.arg("--init");
        }
        self.servers
            .insert(id, Server::new(command.spawn().unwrap()));
    }

    /// Starts every node; returns an HTTP client and the elected leader.
    async fn start_all(&mut self) -> (reqwest::Client, u64) {
        let ids: Vec<u64> = self.urls.keys().copied().collect();
        for id in ids {
            self.start(id);
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let leader = leader(&http, &self.urls).await;
        (http, leader)
    }

    /// Sends `signal` (`STOP`, `CONT`) to node `id`'s process.
    fn signal(&self, id: u64, signal: &str) {
        let pid = self.servers[&id].pid();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {pid}");
    }

    fn kill(&mut self, id: u64) {
        if let Some(mut server) = self.servers.remove(&id) {
            server.kill_9();
        }
    }

    fn log(&self, id: u64) -> String {
        std::fs::read_to_string(self.w.path(&format!("node-{id}.log"))).unwrap_or_default()
    }
}

async fn status(http: &reqwest::Client, url: &str) -> Option<Value> {
    let r = http.get(format!("{url}/v1/status")).send().await.ok()?;
    r.json().await.ok()
}

/// Waits (up to `limit`) until `ok` holds for node `url`'s status.
async fn wait_for(
    http: &reqwest::Client,
    url: &str,
    limit: Duration,
    what: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let seen = status(http, url).await;
        if let Some(s) = &seen
            && ok(s)
        {
            return s.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{url}: {what} did not happen within {limit:?}; last status {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A write acknowledged by the cluster.
#[derive(Debug, Clone)]
struct Ack {
    did: String,
    leaf_index: u64,
    leaf_hash: String,
}

/// Submits `op` to `url`, retrying the same bytes on 503 and transport errors (the
/// outcome of a write cut off by a crash is unknown; resubmission is idempotent)
/// across `urls` from `first`, until acknowledged.
async fn submit_until_acked(
    http: &reqwest::Client,
    urls: &[String],
    first: usize,
    did: &str,
    op: &str,
    limit: Duration,
) -> Ack {
    let deadline = Instant::now() + limit;
    let mut target = first;
    loop {
        let url = &urls[target % urls.len()];
        match http
            .post(format!("{url}/v1/operations"))
            .body(op.to_owned())
            .send()
            .await
        {
            Ok(r) if r.status().as_u16() == 201 || r.status().as_u16() == 200 => {
                let receipt: Value = r.json().await.unwrap();
                return Ack {
                    did: did.to_owned(),
                    leaf_index: receipt["leaf_index"].as_u64().unwrap(),
                    leaf_hash: receipt["leaf_hash"].as_str().unwrap().to_owned(),
                };
            }
            Ok(r) if r.status().as_u16() == 503 => {}
            Ok(r) => panic!(
                "{url} refused {did}: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            Err(_) => target += 1,
        }
        assert!(
            Instant::now() < deadline,
            "{did} was not acknowledged within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads `ack.did` on `url` until the node has applied it, and verifies the read
/// under the client's policy: the same leaf, proven against a checkpoint signed by a
/// voter.
async fn assert_proven(http: &reqwest::Client, url: &str, policy: &Policy, ack: &Ack) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = http
            .get(format!("{url}/v1/dids/{}", ack.did))
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 200 {
            let proof: ReadProof = r.json().await.unwrap();
            let read = verify_read(&ack.did, &proof, policy)
                .unwrap_or_else(|e| panic!("{url}: {} does not verify: {e}", ack.did));
            assert_eq!(read.leaf_index, ack.leaf_index, "{url}: {}", ack.did);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{url}: acknowledged {} (leaf {}) is not readable: {}",
            ack.did,
            ack.leaf_index,
            r.text().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The checkpoint's size and root lines.
fn tree_head(status: &Value) -> (u64, String) {
    let note = status["checkpoint"].as_str().unwrap_or_default();
    let mut lines = note.lines().skip(1);
    let size = lines.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    (size, lines.next().unwrap_or_default().to_owned())
}

async fn leader(http: &reqwest::Client, urls: &BTreeMap<u64, String>) -> u64 {
    let any = urls.values().next().unwrap();
    wait_for(http, any, Duration::from_secs(20), "an election", |s| {
        s["leader"].is_u64()
    })
    .await["leader"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_replicate_and_survive_the_leader_sigkill() {
    let (mut cluster, http, first_leader) = start_three("consortium", 2).await;

    // Raft RPCs from anyone but a voter are refused before their body is read (and
    // the connection closed under the unread body: a client of its own).
    for auth in [None, Some("AAAA"), Some("not base64!")] {
        let mut post = reqwest::Client::new()
            .post(format!("{}/raft/v1/append", cluster.urls[&first_leader]))
            .body(vec![b'x'; 1 << 20]);
        if let Some(auth) = auth {
            post = post.header("sigillum-raft-auth", auth);
        }
        let r = post.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{auth:?}");
    }

    // Writes through every node: the two followers forward to the leader.
    let urls: Vec<String> = cluster.urls.values().cloned().collect();
    let mut acks = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        let (did, op) = did_create();
        let r = http
            .post(format!("{url}/v1/operations"))
            .body(op)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "write via node {}", i + 1);
        let receipt: Value = r.json().await.unwrap();
        acks.push(Ack {
            did,
            leaf_index: receipt["leaf_index"].as_u64().unwrap(),
            leaf_hash: receipt["leaf_hash"].as_str().unwrap().to_owned(),
        });
    }
    for url in &urls {
        for ack in &acks {
            assert_proven(&http, url, &cluster.policy, ack).await;
        }
    }
    // A retry of an applied operation gets its receipt again, not a refusal.
    let (did, op) = did_create();
    let once = submit_until_acked(&http, &urls, 0, &did, &op, Duration::from_secs(10)).await;
    let again = http
        .post(format!("{}/v1/operations", urls[1]))
        .body(op)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["leaf_index"].as_u64(), Some(once.leaf_index));
    assert_eq!(again["leaf_hash"].as_str(), Some(once.leaf_hash.as_str()));
    acks.push(once);

    // Write load from 4 writers across all nodes; SIGKILL the leader after 100 acks.
    let acked: Arc<Mutex<Vec<Ack>>> = Arc::new(Mutex::new(acks));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (http, urls, acked, stop) = (
            http.clone(),
            urls.clone(),
            Arc::clone(&acked),
            Arc::clone(&stop),
        );
        writers.push(tokio::spawn(async move {
            let mut n = w;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (did, op) = did_create();
                let ack =
                    submit_until_acked(&http, &urls, n, &did, &op, Duration::from_secs(30)).await;
                acked.lock().unwrap().push(ack);
                n += 1;
            }
        }));
    }
    let count = |acked: &Arc<Mutex<Vec<Ack>>>| acked.lock().unwrap().len();
    let before = count(&acked);
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&acked) < before + 100 {
        assert!(
            Instant::now() < deadline,
            "the cluster stalled before the kill"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cluster.kill(first_leader);
    let killed_at = Instant::now();
    let survivors: Vec<u64> = (1..=3).filter(|id| *id != first_leader).collect();
    let new_leader = wait_for(
        &http,
        &cluster.urls[&survivors[0]],
        Duration::from_secs(20),
        "a new election",
        |s| s["leader"].as_u64().is_some_and(|l| l != first_leader),
    )
    .await["leader"]
        .as_u64()
        .unwrap();
    let election = killed_at.elapsed();
    eprintln!(
        "consortium: node {new_leader} elected {election:?} after node {first_leader} was killed"
    );
    let at_kill = count(&acked);
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&acked) < at_kill + 100 {
        assert!(
            Instant::now() < deadline,
            "writes did not continue after the kill ({} acks)",
            count(&acked) - at_kill
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }

    // No acknowledged operation is lost: each is proven, at its leaf, on both survivors.
    let acks = acked.lock().unwrap().clone();
    for id in &survivors {
        for ack in &acks {
            assert_proven(&http, &cluster.urls[id], &cluster.policy, ack).await;
        }
    }
    let leaves = acks.iter().map(|a| a.leaf_index).max().unwrap() + 1;
    let heads: Vec<(u64, String)> = {
        let mut heads = Vec::new();
        for id in &survivors {
            let s = wait_for(
                &http,
                &cluster.urls[id],
                Duration::from_secs(20),
                "publishing every write",
                |s| tree_head(s).0 >= leaves,
            )
            .await;
            heads.push(tree_head(&s));
        }
        heads
    };
    assert_eq!(heads[0], heads[1], "the survivors' roots differ");
    let distinct: std::collections::BTreeSet<u64> = acks.iter().map(|a| a.leaf_index).collect();
    assert_eq!(
        distinct.len(),
        acks.len(),
        "two acknowledgements share a leaf"
    );

    // The old leader, restarted on its data, catches up to the same root.
    cluster.start(first_leader);
    let caught_up = wait_for(
        &http,
        &cluster.urls[&first_leader],
        Duration::from_secs(30),
        "catching up",
        |s| tree_head(s).0 == heads[0].0,
    )
    .await;
    assert_eq!(
        tree_head(&caught_up),
        heads[0],
        "the restarted node's root differs"
    );
    for ack in acks.iter().step_by(17) {
        assert_proven(&http, &cluster.urls[&first_leader], &cluster.policy, ack).await;
    }
    assert!(
        !cluster.log(first_leader).contains("panicked"),
        "{}",
        cluster.log(first_leader)
    );
}

/// Writes `n` new DIDs through `urls` (the first that answers), returning the acks.
async fn write_many(http: &reqwest::Client, urls: &[String], n: usize) -> Vec<Ack> {
    let mut acks = Vec::new();
    for i in 0..n {
        let (did, op) = did_create();
        acks.push(submit_until_acked(http, urls, i, &did, &op, Duration::from_secs(30)).await);
    }
    acks
}

async fn start_three(name: &str, k: usize) -> (Cluster, reqwest::Client, u64) {
    let mut cluster = Cluster::new(name, 3, k);
    let (http, leader) = cluster.start_all().await;
    for url in cluster.urls.values() {
        wait_for(&http, url, Duration::from_secs(20), "joining", |s| {
            s["leader"].as_u64() == Some(leader)
        })
        .await;
    }
    (cluster, http, leader)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_isolated_node_serves_its_stale_proofs_and_catches_up_when_healed() {
    let (cluster, http, _) = start_three("consortium-partition", 2).await;
    let urls: Vec<String> = cluster.urls.values().cloned().collect();
    let before = write_many(&http, &urls[..2], 5).await;
    let size_before = before.iter().map(|a| a.leaf_index).max().unwrap() + 1;
    let node3 = &cluster.urls[&3];
    wait_for(&http, node3, Duration::from_secs(20), "publishing", |s| {
        tree_head(s).0 == size_before
    })
    .await;

    // Cut node 3 off from 1 and 2 (both directions: its RPCs fail, theirs are refused).
    let cut = http
        .post(format!("{node3}/debug/v1/isolate"))
        .json(&serde_json::json!({"peers": [1, 2]}))
        .send()
        .await
        .unwrap();
    assert_eq!(cut.status().as_u16(), 200);
    // The majority goes on: 100 writes through nodes 1 and 2.
    let during = write_many(&http, &urls[..2], 100).await;
    let majority_size = during.iter().map(|a| a.leaf_index).max().unwrap() + 1;
    let majority = wait_for(
        &http,
        &urls[0],
        Duration::from_secs(20),
        "publishing",
        |s| tree_head(s).0 == majority_size,
    )
    .await;
    // Node 3 still serves reads, proven against its own stale checkpoint, which a
    // fresh client accepts...
    let stale = status(&http, node3).await.unwrap();
    assert_eq!(stale["leaves"].as_u64(), Some(size_before), "{stale}");
    let fresh = RegistryClient::new(
        node3.clone(),
        ReqwestGet::default(),
        cluster.policy.clone(),
        CheckpointTracker::new(),
    );
    fresh
        .resolve(&Did::parse(&before[0].did).unwrap())
        .await
        .unwrap();
    assert_proven(&http, node3, &cluster.policy, &before[0]).await;
    let missing = http
        .get(format!("{node3}/v1/dids/{}", during[0].did))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    // ...and a client that has seen the majority's newer checkpoint refuses as a rollback.
    let informed = RegistryClient::new(
        urls[0].clone(),
        ReqwestGet::default(),
        cluster.policy.clone(),
        CheckpointTracker::new(),
    );
    informed
        .resolve(&Did::parse(&during[0].did).unwrap())
        .await
        .unwrap();
    let informed = RegistryClient::new(
        node3.clone(),
        ReqwestGet::default(),
        cluster.policy.clone(),
        informed.tracker(),
    );
    let refused = informed
        .resolve(&Did::parse(&before[0].did).unwrap())
        .await
        .unwrap_err();
    assert!(
        format!("{refused:?}").contains("rollback"),
        "expected a rollback refusal, got {refused:?}"
    );
    // A write sent to the isolated node cannot reach the leader: 503, never a 201.
    let (_, op) = did_create();
    let r = http
        .post(format!("{node3}/v1/operations"))
        .body(op)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);

    // Healed, node 3 catches up to the majority's root.
    http.delete(format!("{node3}/debug/v1/isolate"))
        .send()
        .await
        .unwrap();
    let healed = wait_for(&http, node3, Duration::from_secs(30), "catching up", |s| {
        tree_head(s).0 >= majority_size
    })
    .await;
    let leader_now = leader(&http, &cluster.urls).await;
    let reference = wait_for(
        &http,
        &cluster.urls[&leader_now],
        Duration::from_secs(20),
        "the same size",
        |s| tree_head(s).0 == tree_head(&healed).0,
    )
    .await;
    assert_eq!(tree_head(&healed), tree_head(&reference));
    assert!(tree_head(&majority).0 <= tree_head(&healed).0);
    for ack in during.iter().step_by(10) {
        assert_proven(&http, node3, &cluster.policy, ack).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_node_is_outvoted_and_catches_up_when_resumed() {
    // All three must cosign here, so pausing one stops publication but not writes.
    let (cluster, http, leader) = start_three("consortium-pause", 3).await;
    let first = write_many(
        &http,
        &cluster.urls.values().cloned().collect::<Vec<_>>(),
        1,
    )
    .await;
    let leader_url = cluster.urls[&leader].clone();
    assert_proven(&http, &leader_url, &cluster.policy, &first[0]).await;
    let published = tree_head(&status(&http, &leader_url).await.unwrap());
    // Pause a follower (SIGSTOP): the other two still form a majority.
    let paused = (1..=3).find(|id| *id != leader).unwrap();
    cluster.signal(paused, "STOP");
    let running: Vec<String> = cluster
        .urls
        .iter()
        .filter(|(id, _)| **id != paused)
        .map(|(_, url)| url.clone())
        .collect();
    let acks = write_many(&http, &running, 50).await;
    let size = acks.iter().map(|a| a.leaf_index).max().unwrap() + 1;
    // Committed, but with 2 of the 3 cosignatures required: the leader keeps
    // serving its last published checkpoint, and the pending one is refused.
    let seen = wait_for(
        &http,
        &leader_url,
        Duration::from_secs(20),
        "a pending checkpoint",
        |s| {
            s["pending"]
                .as_str()
                .is_some_and(|p| p.lines().nth(1) == Some(&size.to_string()))
        },
    )
    .await;
    assert_eq!(tree_head(&seen), published, "{seen}");
    assert_eq!(seen["cosignatures"].as_u64(), Some(2), "{seen}");
    let refused = verify_checkpoint(
        seen["pending"].as_str().unwrap().as_bytes(),
        &cluster.policy,
    )
    .unwrap_err();
    assert_eq!(refused.code(), "checkpoint_too_few_cosignatures");
    let not_yet = http
        .get(format!("{leader_url}/v1/dids/{}", acks[0].did))
        .send()
        .await
        .unwrap();
    assert_eq!(not_yet.status().as_u16(), 404);
    cluster.signal(paused, "CONT");
    wait_for(
        &http,
        &cluster.urls[&paused],
        Duration::from_secs(30),
        "catching up",
        |s| s["leaves"].as_u64() >= Some(size),
    )
    .await;
    for ack in &acks {
        assert_proven(&http, &cluster.urls[&paused], &cluster.policy, ack).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_cosigns_the_real_log_and_refuses_a_forged_one() {
    use sigillum_credential::ledger::SignerKey;
    use sigillum_registry::node::{LogCommand, Node};
    use sigillum_registry::raft::cosign::AddCheckpoint;

    let witness_url = format!("http://127.0.0.1:{}", free_port());
    // Three voters and a witness; all four must cosign, so nothing is published
    // without the witness.
    let mut cluster = Cluster::with_witnesses(
        "consortium-witness",
        3,
        std::slice::from_ref(&witness_url),
        4,
    );
    let witness_log = std::fs::File::create(cluster.w.path("witness.log")).unwrap();
    let witness = sigillum_command(None)
        .args(["registry", "witness", "--genesis", "c/genesis.json"])
        .args([
            "--cosigner-key",
            "c/witness-1/cosigner.key",
            "--data",
            "witness-data",
        ])
        .args(["--listen", witness_url.trim_start_matches("http://")])
        .current_dir(cluster.w.path("."))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(witness_log)
        .spawn()
        .unwrap();
    let _witness = Server::new(witness);
    let (http, leader) = cluster.start_all().await;
    let urls: Vec<String> = cluster.urls.values().cloned().collect();
    let acks = write_many(&http, &urls, 5).await;
    for ack in &acks {
        assert_proven(&http, &cluster.urls[&leader], &cluster.policy, ack).await;
    }
    let real = wait_for(
        &http,
        &cluster.urls[&leader],
        Duration::from_secs(20),
        "publishing",
        |s| tree_head(s).0 == 5,
    )
    .await;

    // A second history under node 1's own keys and genesis: what a compromised
    // node would show one client. The witness has cosigned size 5 of the real log.
    let genesis: Genesis =
        serde_json::from_str(&std::fs::read_to_string(cluster.w.path("c/genesis.json")).unwrap())
            .unwrap();
    let key = std::fs::read_to_string(cluster.w.path("c/node-1/node.key")).unwrap();
    let forged = Node::open_replica(
        Arc::new(sigillum_registry::store::MemoryStore::new()),
        &genesis,
        SignerKey::parse_private(key.trim()).unwrap(),
        Arc::new(sigillum_credential::time::SystemClock),
    )
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let add = |n: usize| {
        for _ in 0..n {
            let (_, op) = did_create();
            forged
                .apply_replicated(
                    &[LogCommand::Submit {
                        op: op.as_bytes(),
                        accepted_at: now,
                    }],
                    Vec::new(),
                )
                .unwrap();
        }
    };
    let post = |body: String| {
        let (http, url) = (http.clone(), witness_url.clone());
        async move {
            let r = http
                .post(format!("{url}/v1/witness/add-checkpoint"))
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    add(5);
    let witnessed = tree_head(&real).0;
    let (code, text) = post(AddCheckpoint::encode(
        witnessed,
        &[],
        &forged.checkpoint().unwrap(),
    ))
    .await;
    assert_eq!(code, 409, "same size, another root: {text}");
    add(3);
    let proof = forged.consistency(witnessed, 8).unwrap();
    let (code, text) = post(AddCheckpoint::encode(
        witnessed,
        &proof,
        &forged.checkpoint().unwrap(),
    ))
    .await;
    assert_eq!(code, 422, "a forged extension: {text}");

    // The witness's record is unchanged: the real log goes on being cosigned.
    let more = write_many(&http, &urls, 3).await;
    for ack in &more {
        assert_proven(&http, &cluster.urls[&leader], &cluster.policy, ack).await;
    }
}
