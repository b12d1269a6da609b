//! Issuance throughput, end to end: a registry and an issuer serve on loopback
//! (each on its own runtime in this process), and concurrent clients run the whole
//! story for each credential — an officer's `POST /v1/credentials/passport`, then a
//! wallet's token (with PIN), nonce and credential requests with a proof JWT. Every
//! counted credential was signed after its status index was allocated durably, with
//! audit entries written. The same work is then measured in-process (the issuer's
//! methods, no HTTP), and against the floor it cannot beat: one ES256 signature and
//! one proof verification per credential, measured in the same run.
//!
//! Usage: `cargo run --release --example issue_load -- [SECONDS] [CLIENTS] [COPIES]`
//! (default 10 s, 64 clients, 1 copy). With `COPIES` > 1 each wallet asks for a batch
//! (OpenID4VCI §8.2, one proof per copy): every copy is a credential of its own,
//! with its own holder key, status index and signature, so credentials/s counts copies.
//!
//! During the HTTP run it measures each credential's whole story (four requests)
//! and samples this process's resident set (`VmRSS`, registry, issuer and clients)
//! once a second, then prints one line:
//!
//! ```text
//! load: issuer (apply+token+nonce+credential): requests 9120, errors 0, p50 70.1 ms, p99 161.3 ms, RSS warm 41 MiB, max 52 MiB, last 52 MiB, bound 297 MiB (warm + 256 MiB): PASS
//! ```
//!
//! "requests" counts credential stories, "warm" is the sample a quarter of the run
//! in (at most 10 s), and the bound's allowance is `LOAD_RSS_GROWTH_MIB` (default
//! 256). Any failed story or a maximum over the bound exits with status 1.

// A measuring tool: a failure should stop it with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/measure.rs"]
mod measure;

/// As in the `sigillum` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/common/local.rs"]
#[allow(dead_code)] // shared with the tests, which use all of it
mod local;

use measure::{RssSampler, percentile};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::oid4vci::{
    CredentialOffer, CredentialRequest, OfferLink, PROOF_JWT_TYP, ProofPolicy, Proofs,
    RequestedCredential, SecretString, TokenRequest, build_proof_jwt, verify_proof_jwt,
};
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::service::Issuer;
use sigillum_issuer::store::{NewApplication, Role};

struct Load {
    base: String,
    officer: String,
    claims: Value,
}

fn code_of(link: &str) -> String {
    let Ok(OfferLink::ByValue(offer)) = CredentialOffer::parse_link(link) else {
        panic!("offer by value")
    };
    offer
        .pre_authorized_grant()
        .unwrap()
        .pre_authorized_code
        .expose_secret()
        .to_owned()
}

fn token_form(code: &str, pin: &str) -> String {
    TokenRequest {
        pre_authorized_code: SecretString::new(code),
        tx_code: Some(SecretString::new(pin)),
        client_id: None,
        authorization_details: None,
    }
    .to_form()
}

fn credential_body(holders: &[SigningKey], aud: &str, nonce: &str) -> String {
    CredentialRequest {
        credential: RequestedCredential::ConfigurationId("passport_dc_sd_jwt".into()),
        proofs: Some(Proofs {
            jwt: holders
                .iter()
                .map(|h| build_proof_jwt(h, aud, nonce, SystemClock.now(), None))
                .collect(),
        }),
    }
    .to_json()
}

/// `copies` distinct holder keys from the pool, starting at `n`.
fn pick(pool: &[SigningKey], n: u64, copies: usize) -> Vec<SigningKey> {
    (0..copies)
        .map(|i| pool[(n as usize * copies + i) % pool.len()].clone())
        .collect()
}

/// The JSON body of `request`'s response if its status is `status`.
async fn expect_json(request: reqwest::RequestBuilder, status: u16) -> Option<Value> {
    let response = request.send().await.ok()?;
    if response.status() != status {
        return None;
    }
    response.json().await.ok()
}

/// One credential over HTTP: officer apply, token, nonce, credential. `None` when
/// any step failed.
async fn one_over_http(
    http: &reqwest::Client,
    load: &Load,
    n: u64,
    holders: &[SigningKey],
) -> Option<()> {
    let offer = http
        .post(format!("{}/v1/credentials/passport?qr=none", load.base))
        .bearer_auth(&load.officer)
        .json(&json!({"reference": format!("load-{n}"), "claims": load.claims}));
    let offer = expect_json(offer, 201).await?;
    let code = code_of(offer["offer_link"].as_str()?);
    let token = http
        .post(format!("{}/token", load.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&code, offer["tx_code"].as_str()?));
    let token = expect_json(token, 200).await?;
    let nonce = expect_json(http.post(format!("{}/nonce", load.base)), 200).await?;
    let credential = http
        .post(format!("{}/credential", load.base))
        .bearer_auth(token["access_token"].as_str()?)
        .header("content-type", "application/json")
        .body(credential_body(
            holders,
            &load.base,
            nonce["c_nonce"].as_str()?,
        ));
    expect_json(credential, 200).await.map(drop)
}

/// The same work through the issuer's methods, no HTTP.
fn one_in_process(issuer: &Issuer, claims: &Value, n: u64, holders: &[SigningKey]) -> bool {
    let offer = issuer
        .record(NewApplication {
            credential_type: "passport".into(),
            reference: format!("inproc-{n}"),
            format: "dc+sd-jwt".into(),
            claims: claims.as_object().unwrap().clone(),
            officer: "load".into(),
            now: u64::try_from(SystemClock.now().unix()).unwrap(),
        })
        .unwrap();
    let token = issuer
        .token(&token_form(&code_of(&offer.offer_link), &offer.tx_code))
        .unwrap();
    let nonce = issuer.nonce().unwrap();
    let body = credential_body(holders, issuer.public_url(), &nonce);
    issuer
        .credential(
            Some(&format!("Bearer {}", token.access_token.expose_secret())),
            &body,
        )
        .is_ok()
}

fn rate(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(64);
    let copies: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let run_for = Duration::from_secs(seconds);
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (registry, issuer, base, officer) = server.block_on(async {
        let registry = local::LocalRegistry::start("registry.load/1").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let mut config = registry.issuer_config(dir.path(), &addr, &["passport"], 500);
        config.offers.batch_size = u8::try_from(copies).unwrap();
        let issuer = Issuer::start(config, Arc::new(SystemClock)).await.unwrap();
        registry
            .accredit(&reqwest::Client::new(), &issuer.did(), "passport")
            .await;
        let officer = issuer
            .store()
            .add_officer("load", &[Role::Issue("passport".into())])
            .unwrap();
        tokio::spawn(sigillum_issuer::http::run(
            listener,
            Arc::clone(&issuer),
            std::future::pending(),
        ));
        (
            registry,
            issuer,
            format!("http://{addr}"),
            officer.expose_secret().to_owned(),
        )
    });
    let claims = CredentialTypes::builtin()
        .unwrap()
        .get("passport")
        .unwrap()
        .spec()
        .samples[0]
        .clone();
    let holders: Arc<Vec<SigningKey>> =
        Arc::new((0..256).map(|_| SigningKey::generate(Alg::Es256)).collect());

    // Over HTTP.
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let load = Arc::new(Load {
        base,
        officer,
        claims: claims.clone(),
    });
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let rss = RssSampler::start("self");
    let mut latencies = client.block_on(async {
        let http = reqwest::Client::new();
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                let (http, load, done, failed, stop, holders) = (
                    http.clone(),
                    Arc::clone(&load),
                    Arc::clone(&done),
                    Arc::clone(&failed),
                    Arc::clone(&stop),
                    Arc::clone(&holders),
                );
                tokio::spawn(async move {
                    let (mut n, mut latencies) = ((c as u64) << 32, Vec::new());
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let (began, keys) = (Instant::now(), pick(&holders, n, copies));
                        if one_over_http(&http, &load, n, &keys).await.is_some() {
                            latencies.push(began.elapsed());
                            done.fetch_add(copies as u64, Ordering::Relaxed);
                        } else {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    latencies
                })
            })
            .collect();
        tokio::time::sleep(run_for).await;
        stop.store(true, Ordering::Relaxed);
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await.unwrap());
        }
        latencies
    });
    let http_elapsed = started.elapsed();
    let (rss, rss_ok) = rss.finish((seconds / 4).min(10));
    latencies.sort_unstable();
    let http_rate = rate(done.load(Ordering::Relaxed), http_elapsed);

    // In-process, the same number of threads as the server's blocking pool would use.
    let done_in = Arc::new(AtomicU64::new(0));
    stop.store(false, Ordering::Relaxed);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..clients.min(64) {
            let (issuer, done_in, stop, holders, claims) =
                (&issuer, &done_in, &stop, &holders, &claims);
            scope.spawn(move || {
                let mut n = (t as u64) << 32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    if one_in_process(issuer, claims, n, &pick(holders, n, copies)) {
                        done_in.fetch_add(copies as u64, Ordering::Relaxed);
                    }
                }
            });
        }
        std::thread::sleep(run_for);
        stop.store(true, Ordering::Relaxed);
    });
    let in_rate = rate(done_in.load(Ordering::Relaxed), started.elapsed());

    // The floor: one ES256 credential signature and one proof verification, on both cores.
    let signer = issuer.signing();
    let holder = &holders[0];
    let proof = build_proof_jwt(holder, issuer.public_url(), "n", SystemClock.now(), None);
    let policy = ProofPolicy {
        audience: issuer.public_url(),
        allowed_algs: &[Alg::Es256],
        now: SystemClock.now(),
        max_age_secs: 600,
        leeway_secs: 60,
    };
    let floor_count = AtomicU64::new(0);
    stop.store(false, Ordering::Relaxed);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let _ = signer.key.sign_bytes(PROOF_JWT_TYP.as_bytes());
                    let _ = verify_proof_jwt(&proof, &policy).unwrap();
                    floor_count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs(seconds.min(3)));
        stop.store(true, Ordering::Relaxed);
    });
    let floor_rate = rate(floor_count.load(Ordering::Relaxed), started.elapsed());

    println!(
        "issuance, passport SD-JWT VC, {clients} clients, {copies} credential(s) per wallet request, {seconds} s each, 2 cores shared by server and clients"
    );
    println!(
        "  over HTTP (apply + token + nonce + credential): {http_rate:>8.0} credentials/s  ({} failed)",
        failed.load(Ordering::Relaxed)
    );
    println!("  in-process (the same calls, no HTTP):          {in_rate:>8.0} credentials/s");
    println!("  floor (ES256 sign + proof verify only):        {floor_rate:>8.0} /s");
    println!(
        "  ratios: floor/in-process {:.2}, floor/HTTP {:.2}, in-process/HTTP {:.2}",
        floor_rate / in_rate,
        floor_rate / http_rate,
        in_rate / http_rate
    );
    let stats = issuer.store().commit_stats();
    println!("  store: {stats:?}");
    drop(registry);
    let errors = failed.load(Ordering::Relaxed);
    let pass = errors == 0 && rss_ok && !latencies.is_empty();
    println!(
        "load: issuer (apply+token+nonce+credential): requests {}, errors {errors}, p50 {}, p99 {}, {rss}: {}",
        latencies.len() as u64 + errors,
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        eprintln!("issue_load: FAIL ({errors} failed stories, or RSS over its bound)");
        std::process::exit(1);
    }
}
