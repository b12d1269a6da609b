//! The checkpoint service under load, over HTTP, from another process.
//!
//! This process runs a registry, a passport office and the checkpoint service
//! (border profile, ledger answers cached as configured in production) on loopback,
//! issues a few passports with status entries, then starts *itself again* as the
//! load generator, a separate process. The generator opens every request first
//! (`POST /v1/requests`), fetches and verifies each signed request object, and
//! builds each answer as a wallet does: the minimal SD-JWT VC presentation with a
//! KB-JWT bound to that request's nonce and `client_id`. Then, open-loop, it posts
//! the answers (`direct_post`) at a fixed rate and measures each one from the moment
//! it was due (no coordinated omission): the response returns once the checkpoint has
//! verified the presentation against the ledger (issuer key, accreditation, status
//! list, KB) and settled the outcome. Afterwards every outcome is read back and must
//! be "accepted".
//!
//! The checkpoint's CPU time over the measured run (from `/proc/self/stat`) gives
//! verifications per second per core; the floor (the two P-256 signature
//! verifications of a presentation) is measured in the same process.
//!
//! Usage: `cargo run --release --example checkpoint_load -- [RATE] [SECONDS]`
//! (default 1,000 answers/s for 8 s; at most 9,000 answers, the checkpoint holds
//! 10,000 open requests: a 2-minute run is at most 75 answers/s).
//!
//! Over the measured run this process's resident set (`VmRSS`: checkpoint, registry
//! and issuer; the generator is apart) is sampled once a second, and it prints
//!
//! ```text
//! load: checkpoint (direct_post): requests 9000, errors 0, p50 4.1 ms, p99 9.8 ms, RSS warm 60 MiB, max 64 MiB, last 63 MiB, bound 316 MiB (warm + 256 MiB): PASS
//! ```
//!
//! "warm" is the sample a quarter of the run in (at most 10 s), the bound's allowance
//! `LOAD_RSS_GROWTH_MIB` (default 256). An error response, a presentation not
//! accepted, or a maximum over the bound exits with status 1.

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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sigillum_credential::b64;
use sigillum_credential::key::{Alg, Jwk, SigningKey};
use sigillum_credential::oid4vp::{AuthorizationResponse, RequestLink, verify_request_object};
use sigillum_credential::sd_jwt::present;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::store::Role;

/// Answers sent before the measured ones, to warm connections and caches.
const WARM_UP: u64 = 300;
/// Passports issued (each presented many times, each time to a new request).
const PASSPORTS: usize = 8;

/// CPU seconds (user + system) this process has used, from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of proc(5) (utime, stime), counted from the state (field 3).
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        return generate(&args[1..]);
    }
    let rate: u64 = args.first().map_or(1000, |a| a.parse().unwrap());
    let seconds: u64 = args.get(1).map_or(8, |a| a.parse().unwrap());
    assert!(
        rate * seconds + WARM_UP <= 9_300,
        "at most ~9,000 answers per run"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(serve_and_measure(rate, seconds));
}

/// The checkpoint side: set up, run the generator, report.
async fn serve_and_measure(rate: u64, seconds: u64) {
    let registry = local::LocalRegistry::start("sigillum.example/load").await;
    let office = local::LocalIssuer::start(
        &registry,
        &["passport"],
        &["passport"],
        50,
        Arc::new(SystemClock),
    )
    .await;
    let officer = office.officer("chief", &[Role::Admin]);
    let claims = local::sample("passport");
    let mut held = Vec::new();
    for n in 0..PASSPORTS {
        let body = json!({"reference": format!("load-{n}"), "claims": claims});
        let (_, copy) = office.issue_one(&officer, "passport", &body).await;
        held.push(json!({
            "credential": copy.credential,
            "holder": copy.holder.to_private_jwk().to_value(),
        }));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = local::LocalVerifier::config(&registry, dir.path(), false);
    config.ledger_cache_secs = 10;
    config.receipts = std::env::var_os("LOAD_NO_RECEIPTS").is_none();
    let checkpoint = local::LocalVerifier::start(config, dir, Arc::new(SystemClock)).await;
    let work = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        work.path(),
        json!({"base": checkpoint.base, "held": held, "claims": claims}).to_string(),
    )
    .unwrap();

    let floor = floor_micros(&held);
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--generate")
        .arg(work.path())
        .arg(rate.to_string())
        .arg(seconds.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The generator prints "measuring" when its timed run starts and "done" after it;
    // its lines are read on a blocking thread while this runtime serves it.
    // Its "summary" line (requests, errors, percentiles) joins the memory verdict.
    let stdout = child.stdout.take().unwrap();
    let (cpu_used, rss, summary, generator_ok) = tokio::task::spawn_blocking(move || {
        let mut cpu_start = (0.0, Instant::now());
        let (mut cpu_used, mut rss, mut sampler, mut summary) = (None, None, None, None);
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            match line.unwrap().as_str() {
                "measuring" => {
                    cpu_start = (cpu_seconds(), Instant::now());
                    sampler = Some(RssSampler::start("self"));
                }
                "done" => {
                    cpu_used = Some((
                        cpu_seconds() - cpu_start.0,
                        cpu_start.1.elapsed().as_secs_f64(),
                    ));
                    rss = sampler.take().map(|s| s.finish((seconds / 4).min(10)));
                }
                other => match other.strip_prefix("summary ") {
                    Some(figures) => summary = Some(figures.to_owned()),
                    None => println!("{other}"),
                },
            }
        }
        (cpu_used, rss, summary, child.wait().unwrap().success())
    })
    .await
    .unwrap();
    let (rss, rss_ok) = rss.unwrap_or_else(|| ("RSS not sampled".into(), false));
    let pass = generator_ok && rss_ok;
    println!(
        "load: checkpoint (direct_post): {}, {rss}: {}",
        summary.as_deref().unwrap_or("no figures"),
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        eprintln!(
            "checkpoint_load: FAIL (the generator saw an error or a rejection, or RSS over its bound)"
        );
        std::process::exit(1);
    }
    let (cpu, wall) = cpu_used.expect("the generator reported its run");
    let answers = (rate * seconds) as f64;
    let per_answer = cpu / answers * 1e6;
    println!(
        "checkpoint process CPU: {cpu:.2} s over {wall:.2} s for {answers:.0} answers = {per_answer:.0} µs per verification \
         ({:.0} verifications/s per core; registry and issuer idle in the same process)",
        1e6 / per_answer
    );
    println!(
        "floor, same process: two P-256 verifications {floor:.0} µs; CPU per answer over HTTP / floor = {:.2}",
        per_answer / floor
    );
}

/// The floor: the two signature verifications of a presentation (the issuer's
/// over the credential's signing input, with a fresh key of the issuer's
/// algorithm; the holder's over a KB-JWT), median µs per presentation.
fn floor_micros(held: &[Value]) -> f64 {
    let jwt = held[0]["credential"]
        .as_str()
        .unwrap()
        .split('~')
        .next()
        .unwrap();
    let header = sigillum_credential::jws::CompactJws::parse(jwt, 1 << 20).unwrap();
    let issuer = SigningKey::generate(Alg::from_name(&header.header().alg).unwrap());
    let holder = Jwk::from_value(&held[0]["holder"])
        .unwrap()
        .to_signing_key()
        .unwrap();
    let kb = sigillum_credential::jws::sign_claims(
        "kb+jwt",
        None,
        json!({"iat": 1, "aud": "x", "nonce": "n", "sd_hash": "h"})
            .as_object()
            .unwrap(),
        &holder,
    );
    let (jwt_input, _) = jwt.rsplit_once('.').unwrap();
    let issuer_sig = issuer.sign_bytes(jwt_input.as_bytes());
    let (kb_input, kb_sig) = kb.rsplit_once('.').unwrap();
    let kb_sig = b64::decode(kb_sig).unwrap();
    let (issuer_pub, holder_pub) = (issuer.public_key(), holder.public_key());
    let mut samples = Vec::new();
    for _ in 0..41 {
        let start = Instant::now();
        for _ in 0..50 {
            assert!(
                issuer_pub
                    .verify_bytes(jwt_input.as_bytes(), &issuer_sig)
                    .is_ok()
            );
            assert!(
                holder_pub
                    .verify_bytes(kb_input.as_bytes(), &kb_sig)
                    .is_ok()
            );
        }
        samples.push(start.elapsed().as_secs_f64() * 1e6 / 50.0);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// One answer ready to send.
struct Prepared {
    id: String,
    response_uri: String,
    form: String,
}

/// The load generator, in its own process: prepare, then post open-loop.
fn generate(args: &[String]) {
    let work: Value = serde_json::from_slice(&std::fs::read(&args[0]).unwrap()).unwrap();
    let rate: u64 = args[1].parse().unwrap();
    let seconds: u64 = args[2].parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(4096)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let base = work["base"].as_str().unwrap().to_owned();
        let claims = work["claims"].as_object().unwrap().clone();
        let held: Vec<(String, SigningKey)> = work["held"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                let key = Jwk::from_value(&h["holder"]).unwrap().to_signing_key().unwrap();
                (h["credential"].as_str().unwrap().to_owned(), key)
            })
            .collect();
        let total = WARM_UP + rate * seconds;
        let prepare_started = Instant::now();
        let mut prepared = Vec::with_capacity(total as usize);
        for n in 0..total {
            let opened: Value = http
                .post(format!("{base}/v1/requests"))
                .json(&json!({"profile": "border"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let link = RequestLink::parse(opened["link"].as_str().unwrap()).unwrap();
            let jwt = http
                .get(&link.request_uri)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let request = verify_request_object(&jwt, &link, Alg::ALL).unwrap();
            let query = &request.dcql_query.credentials[0];
            let paths = query.requested_paths(&claims).unwrap();
            let (credential, holder) = &held[n as usize % held.len()];
            let presentation = present(
                credential,
                &paths,
                Some((holder, &request.client_id, &request.nonce, SystemClock.now())),
            )
            .unwrap();
            let form = AuthorizationResponse {
                vp_token: [(query.id.clone(), vec![presentation])].into(),
                state: request.state.clone(),
            }
            .to_form();
            prepared.push(Prepared {
                id: opened["id"].as_str().unwrap().to_owned(),
                response_uri: request.response_uri.clone(),
                form,
            });
        }
        println!(
            "prepared {total} requests and presentations in {:.1} s (unmeasured)",
            prepare_started.elapsed().as_secs_f64()
        );

        let interval = Duration::from_nanos(1_000_000_000 / rate.max(1));
        let errors = Arc::new(AtomicU64::new(0));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Duration)>();
        let start = Instant::now() + Duration::from_millis(100);
        let mut ids = Vec::with_capacity(prepared.len());
        for (n, p) in prepared.into_iter().enumerate() {
            let n = n as u64;
            ids.push(p.id);
            let due = start + interval * (n as u32);
            tokio::time::sleep_until(due.into()).await;
            if n == WARM_UP {
                println!("measuring");
            }
            let (http, tx, errors) = (http.clone(), tx.clone(), Arc::clone(&errors));
            tokio::spawn(async move {
                let answer = http
                    .post(&p.response_uri)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(p.form)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status() == 200 => {
                        let _ = tx.send((n, due.elapsed()));
                    }
                    other => {
                        if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                            let why = match other {
                                Ok(r) => format!("{} {}", r.status(), r.text().await.unwrap_or_default()),
                                Err(e) => e.to_string(),
                            };
                            println!("first error: {why}");
                        }
                    }
                }
            });
        }
        drop(tx);
        let mut latencies = Vec::new();
        while let Some((n, latency)) = rx.recv().await {
            if n >= WARM_UP {
                latencies.push(latency);
            }
        }
        println!("done");
        latencies.sort();
        let mut accepted = 0;
        let mut verdicts: std::collections::BTreeMap<String, u64> = Default::default();
        for id in &ids {
            let outcome: Value = http
                .get(format!("{base}/v1/requests/{id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let verdict = outcome["outcome"]["verdict"]
                .as_str()
                .or_else(|| outcome["verdict"].as_str())
                .unwrap_or("none")
                .to_owned();
            if verdict != "accepted" && !verdicts.contains_key(&verdict) {
                println!("first {verdict} outcome (request {id}): {outcome}");
            }
            accepted += u64::from(verdict == "accepted");
            *verdicts.entry(verdict).or_default() += 1;
        }
        println!(
            "open loop at {rate} answers/s for {seconds} s (after {WARM_UP} warm-up): {} answered, {} errors; \
             verdicts {verdicts:?}",
            latencies.len(),
            errors.load(Ordering::Relaxed),
        );
        println!(
            "latency from due time: p50 {} p90 {} p99 {} p99.9 {} max {}",
            ms(percentile(&latencies, 50.0)),
            ms(percentile(&latencies, 90.0)),
            ms(percentile(&latencies, 99.0)),
            ms(percentile(&latencies, 99.9)),
            ms(latencies.last().copied().unwrap_or_default()),
        );
        let errors = errors.load(Ordering::Relaxed);
        println!(
            "summary requests {}, errors {errors}, p50 {}, p99 {}",
            rate * seconds,
            ms(percentile(&latencies, 50.0)),
            ms(percentile(&latencies, 99.0)),
        );
        assert_eq!(errors, 0, "every answer must have a 200 response");
        assert_eq!(accepted, ids.len() as u64, "every presentation must be accepted");
    });
}
