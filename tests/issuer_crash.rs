//! The issuing process killed with SIGKILL at random moments, 50 times (`KILL_TRIALS`):
//! `sigillum issuer serve` runs as its own process against a registry served by
//! the test; four officer-and-wallet clients issue passports through the whole
//! OpenID4VCI flow while it runs. After every restart and at the end: every
//! acknowledged application and every delivered copy is in the issuer's records,
//! no status index was ever given to two credentials, and the audit chain verifies.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Work;
use common::local::LocalRegistry;
use rand_core::{OsRng, RngCore};
use serde_json::{Value, json};
use sigillum_credential::jws::CompactJws;
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_wallet::receive::Receiver;

/// Kills unless `KILL_TRIALS` says otherwise (`scripts/kill_trials.sh` runs more).
const TRIALS: usize = 50;

fn trials() -> usize {
    std::env::var("KILL_TRIALS").map_or(TRIALS, |n| n.parse().expect("KILL_TRIALS is a number"))
}
const CLIENTS: usize = 4;

/// One acknowledged piece of work: an application (201), and the copies a wallet
/// received for it with their holder key thumbprints and status slots.
#[derive(Debug, Clone)]
struct Ack {
    id: String,
    holders: Vec<String>,
    slots: Vec<(String, u64)>,
}

fn spawn_issuer(w: &Work) -> Child {
    spawn_issuer_capped(w, None)
}

/// As [`spawn_issuer`], its files capped at `max_file_bytes` when given
/// (RLIMIT_FSIZE with SIGXFSZ ignored: a write past it fails with EFBIG, as on a
/// full disk).
fn spawn_issuer_capped(w: &Work, max_file_bytes: Option<u64>) -> Child {
    common::sigillum_command(max_file_bytes)
        .args(["issuer", "serve", "--config", "issuer.json"])
        .current_dir(w.path("."))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_healthy(http: &reqwest::Client, base: &str) {
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the issuer did not come up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Issues one passport end to end; `None` when the server went away mid-way.
async fn issue_one(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    n: u64,
    acks: &Mutex<Vec<Ack>>,
) -> Option<()> {
    let claims = CredentialTypes::builtin()
        .unwrap()
        .get("passport")
        .unwrap()
        .spec()
        .samples[0]
        .clone();
    let reference = format!("crash-{n}-{}", OsRng.next_u64());
    let r = http
        .post(format!("{base}/v1/credentials/passport?qr=none"))
        .bearer_auth(token)
        .json(&json!({"reference": reference, "claims": claims}))
        .send()
        .await
        .ok()?;
    if r.status() != 201 {
        return None;
    }
    let offer: Value = r.json().await.ok()?;
    let id = offer["id"].as_str()?.to_owned();
    let position = {
        let mut a = acks.lock().unwrap();
        a.push(Ack {
            id,
            holders: vec![],
            slots: vec![],
        });
        a.len() - 1
    };
    let received = Receiver::new()
        .receive(
            offer["offer_link"].as_str()?,
            offer["tx_code"].as_str(),
            2,
            SystemClock.now(),
        )
        .await
        .ok()?;
    let mut holders = Vec::new();
    let mut slots = Vec::new();
    for copy in &received {
        holders.push(copy.holder.public_key().to_jwk().thumbprint());
        let jwt = copy.credential.split('~').next()?;
        let claims = CompactJws::parse(jwt, 1 << 20)
            .ok()?
            .unverified_claims()
            .ok()?;
        let list = claims["status"]["status_list"]["uri"].as_str()?.to_owned();
        slots.push((list, claims["status"]["status_list"]["idx"].as_u64()?));
    }
    let mut a = acks.lock().unwrap();
    a[position].holders = holders;
    a[position].slots = slots;
    Some(())
}

/// Every acknowledged application and copy is on record; no slot twice; the audit chain verifies.
async fn check(http: &reqwest::Client, base: &str, token: &str, acks: &[Ack]) {
    let mut seen = HashSet::new();
    for ack in acks {
        let r = http
            .get(format!("{base}/v1/credentials/{}", ack.id))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "acknowledged credential {} is lost",
            ack.id
        );
        let record: Value = r.json().await.unwrap();
        let on_record: Vec<&str> = record["holders"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for holder in &ack.holders {
            assert!(
                on_record.contains(&holder.as_str()),
                "delivered copy {holder} of {} is not on record",
                ack.id
            );
        }
        for slot in &ack.slots {
            assert!(
                seen.insert(slot.clone()),
                "status slot {slot:?} was given twice"
            );
        }
    }
    let audit: Value = http
        .get(format!("{base}/v1/audit?limit=1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["verified"]["ok"], true, "{audit}");
}

/// What each test runs against: a registry served in-process, the issuer's
/// configuration and an officer in `w`, the issuer accredited for passports.
struct World {
    /// Kept alive for the issuer to publish to.
    _registry: LocalRegistry,
    w: Work,
    http: reqwest::Client,
    base: String,
    token: String,
}

async fn world(name: &str) -> World {
    let registry = LocalRegistry::start("registry.test/issuer-crash/1").await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let w = Work::new(name);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let base = format!("http://{addr}");
    let config = registry.issuer_config(
        std::path::Path::new(&w.path(".")),
        &addr,
        &["passport"],
        100,
    );
    w.write(
        "issuer.json",
        &serde_json::to_string_pretty(&config).unwrap(),
    );
    let wd = w.path(".");
    let added = tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_sigillum"))
            .args([
                "issuer",
                "officer",
                "add",
                "--config",
                "issuer.json",
                "--name",
                "clerk",
                "--roles",
                "issue:passport,admin",
            ])
            .current_dir(wd)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    })
    .await
    .unwrap();
    let token = added["token"].as_str().unwrap().to_owned();
    registry
        .accredit(&http, added["issuer"].as_str().unwrap(), "passport")
        .await;

    World {
        _registry: registry,
        w,
        http,
        base,
        token,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_credentials_survive_sigkill_and_no_index_is_given_twice() {
    let World {
        _registry,
        w,
        http,
        base,
        token,
    } = world("issuer-crash").await;
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let trials = trials();
    for trial in 0..trials {
        let mut child = spawn_issuer(&w);
        wait_healthy(&http, &base).await;
        if trial % 10 == 0 {
            let snapshot = acks.lock().unwrap().clone();
            check(&http, &base, &token, &snapshot).await;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (http, base, token, acks, stop) = (
                    http.clone(),
                    base.clone(),
                    token.clone(),
                    Arc::clone(&acks),
                    Arc::clone(&stop),
                );
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while !stop.load(Ordering::SeqCst) {
                        n += 1;
                        if issue_one(&http, &base, &token, (c as u64) << 32 | n, &acks)
                            .await
                            .is_none()
                        {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(
            50 + u64::from(OsRng.next_u32() % 350),
        ))
        .await;
        child.kill().unwrap();
        child.wait().unwrap();
        stop.store(true, Ordering::SeqCst);
        for c in clients {
            c.await.unwrap();
        }
    }
    let mut child = spawn_issuer(&w);
    wait_healthy(&http, &base).await;
    let acks = acks.lock().unwrap().clone();
    check(&http, &base, &token, &acks).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let delivered = acks.iter().filter(|a| !a.holders.is_empty()).count();
    eprintln!(
        "{trials} SIGKILLs in {:?}: {} acknowledged applications, {delivered} delivered (2 copies each), all on record, no slot twice, audit chain verified",
        started.elapsed(),
        acks.len()
    );
    assert!(
        delivered > trials,
        "too little work was done to mean anything: {delivered}"
    );
}

/// A full disk under the issuer: its files capped (RLIMIT_FSIZE) so that writes fail
/// with EFBIG partway through issuing. Each application is acknowledged or refused
/// with a 5xx and the store's code (never a dropped connection, never a crash), and
/// the service keeps answering. Restarted with room: every acknowledged application
/// and delivered copy is on record, no status index was given twice, the audit chain
/// verifies, and it issues again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_refuses_issuance_and_loses_nothing_acknowledged() {
    let World {
        _registry,
        w,
        http,
        base,
        token,
    } = world("issuer-disk-full").await;
    // Start once to create the stores, then cap their growth at 1 MiB a file.
    let mut child = spawn_issuer(&w);
    wait_healthy(&http, &base).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let used = common::dir_size(std::path::Path::new(&w.path(".")));
    let mut child = spawn_issuer_capped(&w, Some(used + 1024 * 1024));
    wait_healthy(&http, &base).await;
    let acks = Mutex::new(Vec::new());
    let mut refused = None;
    for n in 0..20_000 {
        if issue_one(&http, &base, &token, n, &acks).await.is_some() {
            continue;
        }
        // Why it stopped: ask for one more application and read the answer.
        let r = http
            .post(format!("{base}/v1/credentials/passport?qr=none"))
            .bearer_auth(&token)
            .json(&json!({"reference": format!("full-{n}"), "claims": CredentialTypes::builtin().unwrap().get("passport").unwrap().spec().samples[0]}))
            .send()
            .await
            .expect("the issuer answers on a full disk");
        if r.status().is_server_error() {
            refused = Some((r.status().as_u16(), r.text().await.unwrap()));
            break;
        }
    }
    let (status, body) = refused.expect("the cap was never reached");
    assert!(
        body.contains("store_unavailable"),
        "{status}: a full disk is reported as the store being unavailable: {body}"
    );
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert!(health.status().is_success(), "still serving");
    child.kill().unwrap();
    child.wait().unwrap();

    let mut child = spawn_issuer(&w);
    wait_healthy(&http, &base).await;
    let acks = acks.into_inner().unwrap();
    check(&http, &base, &token, &acks).await;
    let again = Mutex::new(Vec::new());
    assert!(
        issue_one(&http, &base, &token, u64::MAX, &again)
            .await
            .is_some(),
        "issues again with room"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let delivered = acks.iter().filter(|a| !a.holders.is_empty()).count();
    eprintln!(
        "full disk: {} applications acknowledged, {delivered} delivered before the first refusal ({status}), 0 lost, no slot twice",
        acks.len()
    );
    assert!(delivered > 0, "nothing was issued under the cap");
}
