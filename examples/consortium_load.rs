//! The replicated registry's figures (issue #9): durable writes per second through
//! a 3-node consortium, against the floor of one node alone, and the time to elect a
//! new leader after the leader is killed.
//!
//! It runs `sigillum registry serve` processes on loopback (the binary given, by
//! default `target/release/sigillum`):
//!
//! 1. **Floor.** One single-node registry; `WRITERS` clients submit fresh DID
//!    creations back to back for `SECONDS`; each 201 is durable on that node's disk.
//! 2. **Consortium.** Three voters, 2 of 3 cosignatures required, the same load
//!    spread over all three nodes (followers forward); each 201 is a committed Raft
//!    entry, durable on a majority of disks and applied by the leader.
//! 3. **Elections.** Five times: SIGKILL the leader, time until a survivor names a
//!    new one (polled every 10 ms), restart the killed node and wait for it to rejoin.
//! 4. **Catch-up.** A follower paused (SIGSTOP) through `SECONDS` of writes, then
//!    resumed: time until it has applied (verified, replayed) every entry it missed.
//!
//! Usage: `cargo run --release --example consortium_load -- [SECONDS] [WRITERS] [BIN]`
//! (default 30 s, 64 writers). Prints
//!
//! ```text
//! consortium: floor (1 node): 1234 writes/s, p50 …, p99 …
//! consortium: 3 nodes, 2 of 3 cosigning: 567 writes/s (0.46 of the floor), p50 …, p99 …
//! consortium: election after SIGKILL of the leader: median 812 ms (5 kills: …)
//! ```

// A measuring tool: a failure should stop it with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/measure.rs"]
#[allow(dead_code)] // its resident-set sampler serves the soak examples
mod measure;

#[path = "../tests/common/ops.rs"]
mod ops;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use measure::percentile;
use serde_json::Value;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Setup {
    bin: String,
    dir: tempfile::TempDir,
}

impl Setup {
    fn run(&self, args: &[&str]) {
        let status = Command::new(&self.bin)
            .args(args)
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{} {args:?}", self.bin);
    }

    fn spawn(&self, args: &[&str]) -> Proc {
        Proc(
            Command::new(&self.bin)
                .args(args)
                .current_dir(self.dir.path())
                .env("SIGILLUM_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }
}

async fn status(http: &reqwest::Client, url: &str) -> Option<Value> {
    http.get(format!("{url}/v1/status"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()
}

async fn healthy(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{url}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "{url} did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `writers` clients writing to `urls` (round-robin) for `secs`: (acks, latencies,
/// 503s). A 503 (`no_leader` during an election, `write_outcome_unknown`) is retried
/// with the same bytes after its `Retry-After`, as a client must; its latency counts
/// from the first attempt.
async fn load(urls: &[String], writers: usize, secs: u64) -> (u64, Vec<Duration>, u64) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let unavailable = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (http, urls, latencies, unavailable) = (
            http.clone(),
            urls.to_vec(),
            Arc::clone(&latencies),
            Arc::clone(&unavailable),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = w;
            while Instant::now() < deadline {
                let (_, op) = ops::did_create();
                let started = Instant::now();
                loop {
                    let r = http
                        .post(format!("{}/v1/operations", urls[n % urls.len()]))
                        .body(op.clone())
                        .send()
                        .await
                        .unwrap();
                    match r.status().as_u16() {
                        201 | 200 => break,
                        503 => {
                            unavailable.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        other => panic!("{other}: {}", r.text().await.unwrap()),
                    }
                }
                latencies.lock().unwrap().push(started.elapsed());
                n += 1;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    (
        l.len() as u64,
        l,
        unavailable.load(std::sync::atomic::Ordering::Relaxed),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Starts voter `id` of the consortium in directory `name`.
fn start_node(setup: &Setup, name: &str, urls: &BTreeMap<u64, String>, id: u64) -> Proc {
    let peers = urls
        .iter()
        .map(|(id, u)| format!("{id}={u}"))
        .collect::<Vec<_>>()
        .join(",");
    let (genesis, key, cosigner, data) = (
        format!("{name}/genesis.json"),
        format!("{name}/node-{id}/node.key"),
        format!("{name}/node-{id}/cosigner.key"),
        format!("{name}/data-{id}"),
    );
    let listen = urls[&id].trim_start_matches("http://").to_owned();
    let id_text = id.to_string();
    let mut args = vec![
        "registry",
        "serve",
        "--genesis",
        &genesis,
        "--node-key",
        &key,
        "--cosigner-key",
        &cosigner,
        "--data",
        &data,
        "--listen",
        &listen,
        "--node-id",
        &id_text,
        "--peers",
        &peers,
    ];
    if id == 1 {
        args.push("--init");
    }
    setup.spawn(&args)
}

/// Three voters needing `k` cosignatures, started and with a leader.
async fn consortium(
    setup: &Setup,
    name: &str,
    k: usize,
) -> (BTreeMap<u64, String>, BTreeMap<u64, Proc>) {
    let k = k.to_string();
    setup.run(&[
        "registry",
        "init",
        "--dir",
        name,
        "--nodes",
        "3",
        "--cosign-threshold",
        &k,
    ]);
    let urls: BTreeMap<u64, String> = (1..=3)
        .map(|id| (id, format!("http://127.0.0.1:{}", free_port())))
        .collect();
    let nodes = (1..=3)
        .map(|id| (id, start_node(setup, name, &urls, id)))
        .collect();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while status(&http, &urls[&1])
        .await
        .and_then(|s| s["leader"].as_u64())
        .is_none()
    {
        assert!(Instant::now() < deadline, "no leader elected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (urls, nodes)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: u64 = args.get(1).map_or(30, |s| s.parse().unwrap());
    let writers: usize = args.get(2).map_or(64, |s| s.parse().unwrap());
    let bin = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| "target/release/sigillum".into());
    let bin = std::fs::canonicalize(&bin)
        .unwrap_or_else(|e| panic!("{bin}: {e} (build it with cargo build --release)"))
        .to_string_lossy()
        .into_owned();
    let setup = Setup {
        bin,
        dir: tempfile::tempdir().unwrap(),
    };
    let http = reqwest::Client::new();

    // 1. The floor: one node, the same load.
    setup.run(&["registry", "init", "--dir", "single"]);
    let single = format!("127.0.0.1:{}", free_port());
    let floor_node = setup.spawn(&[
        "registry",
        "serve",
        "--genesis",
        "single/genesis.json",
        "--node-key",
        "single/node.key",
        "--data",
        "single/data",
        "--listen",
        &single,
    ]);
    let single_url = format!("http://{single}");
    healthy(&http, &single_url).await;
    let (floor, floor_lat, _) = load(&[single_url], writers, secs).await;
    drop(floor_node);
    let floor_rate = floor as f64 / secs as f64;
    println!(
        "consortium: floor (1 node, {writers} writers, {secs} s): {floor_rate:.0} writes/s, p50 {}, p99 {}",
        ms(percentile(&floor_lat, 50.0)),
        ms(percentile(&floor_lat, 99.0))
    );

    // 2. Three voters: without cosigning (Raft alone), then 2 of 3 cosigning.
    let mut cluster = None;
    for k in [0, 2] {
        drop(cluster.take());
        let (urls, nodes) = consortium(&setup, &format!("c{k}"), k).await;
        let all: Vec<String> = urls.values().cloned().collect();
        let (acks, lat, retried) = load(&all, writers, secs).await;
        let rate = acks as f64 / secs as f64;
        let how = if k == 0 {
            "Raft only".to_owned()
        } else {
            format!("{k} of 3 cosigning")
        };
        println!(
            "consortium: 3 nodes, {how} ({writers} writers over all nodes, {secs} s): {rate:.0} writes/s ({:.2} of the floor), p50 {}, p99 {}, {retried} answers 503 (retried)",
            rate / floor_rate,
            ms(percentile(&lat, 50.0)),
            ms(percentile(&lat, 99.0))
        );
        cluster = Some((urls, nodes));
    }
    let (urls, mut nodes) = cluster.unwrap();

    // 3. Elections after SIGKILL (on the cosigning consortium).
    let leader_of = |s: &Value| s["leader"].as_u64();
    let wait_leader = |not: Option<u64>| {
        let (http, urls) = (http.clone(), urls.clone());
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                for (id, url) in &urls {
                    if Some(*id) == not {
                        continue;
                    }
                    if let Some(l) = status(&http, url).await.as_ref().and_then(leader_of)
                        && Some(l) != not
                    {
                        return l;
                    }
                }
                assert!(Instant::now() < deadline, "no leader elected");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    let mut elections = Vec::new();
    for _ in 0..5 {
        let leader = wait_leader(None).await;
        let killed = Instant::now();
        nodes.remove(&leader);
        let next = wait_leader(Some(leader)).await;
        elections.push(killed.elapsed());
        assert_ne!(next, leader);
        nodes.insert(leader, start_node(&setup, "c2", &urls, leader));
        // Rejoined: it names the new leader.
        let url = urls[&leader].clone();
        let deadline = Instant::now() + Duration::from_secs(30);
        while status(&http, &url).await.as_ref().and_then(leader_of) != Some(next) {
            assert!(Instant::now() < deadline, "node {leader} did not rejoin");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let list = elections
        .iter()
        .map(|d| ms(*d))
        .collect::<Vec<_>>()
        .join(", ");
    elections.sort();
    println!(
        "consortium: election after SIGKILL of the leader: median {} ({} kills: {list})",
        ms(percentile(&elections, 50.0)),
        elections.len()
    );

    // 4. Catch-up: a follower paused (SIGSTOP) while the others take `secs` of
    // writes, then resumed; timed until it has applied everything the leader has.
    let leader = wait_leader(None).await;
    let lagging = (1..=3).find(|id| *id != leader).unwrap();
    let pid = nodes[&lagging].0.id().to_string();
    let signal = |sig: &str| {
        assert!(
            Command::new("kill")
                .args([sig, &pid])
                .status()
                .unwrap()
                .success()
        );
    };
    signal("-STOP");
    let running: Vec<String> = urls
        .iter()
        .filter(|(id, _)| **id != lagging)
        .map(|(_, u)| u.clone())
        .collect();
    let (written, _, _) = load(&running, writers, secs).await;
    let target = status(&http, &urls[&leader]).await.unwrap()["leaves"]
        .as_u64()
        .unwrap();
    let behind = target;
    let resumed = Instant::now();
    signal("-CONT");
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let leaves = status(&http, &urls[&lagging])
            .await
            .and_then(|s| s["leaves"].as_u64())
            .unwrap_or(0);
        if leaves >= target {
            break;
        }
        assert!(Instant::now() < deadline, "node {lagging} did not catch up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = resumed.elapsed();
    println!(
        "consortium: catch-up of a follower paused for {written} writes (log of {behind} leaves): {} ({:.0} entries/s, each verified and applied)",
        ms(took),
        written as f64 / took.as_secs_f64()
    );
}
