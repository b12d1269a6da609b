//! The whole product in one command (issue #7 item 1): `sigillum up` brings up the
//! registry, three accredited offices, the web wallet and the checkpoint on
//! loopback, prints where they are with a first offer, serves a citizen's whole
//! passport story, stops cleanly on Ctrl-C (SIGINT) and resumes from its data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::product::Up;
use serde_json::Value;

const PIN: &str = "424242";

/// `sigillum wallet <args>` with the PIN in the environment: (code, stdout, stderr).
fn wallet(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sigillum"))
        .arg("wallet")
        .args(args)
        .env("SIGILLUM_WALLET_PIN", PIN)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn get(url: &str) -> (u16, String) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(url)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    })
}

fn post_json(url: &str, body: &Value) -> Value {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let r = reqwest::Client::new()
            .post(url)
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        r.json().await.unwrap()
    })
}

/// The card's standing on the product's registry, retried while the office
/// publishes its status list.
fn until_valid(vault: &str, card: &str, registry: &str, genesis: &str) {
    let start = Instant::now();
    loop {
        let (code, out, err) = wallet(&[
            "show",
            card,
            "--vault",
            vault,
            "--registry",
            registry,
            "--genesis",
            genesis,
            "--json",
        ]);
        assert_eq!(code, 0, "{err}");
        let shown: Value = serde_json::from_str(&out).unwrap();
        if shown["standing"]["badge"] == "valid" {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "{shown:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn one_command_brings_up_the_product_which_serves_the_story_and_resumes() {
    let data = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("up.log");
    let first = Up::start_logged(data.path(), &log);
    let s = first.summary.clone();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the offer took {:?}",
        started.elapsed()
    );
    let offices = s["offices"].as_array().unwrap();
    assert_eq!(offices.len(), 3);

    // Every page answers: the officers' login, the wallet, the checkpoint screen.
    for office in offices {
        let (status, body) = get(&format!(
            "{}/officer/login",
            office["url"].as_str().unwrap()
        ));
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(get(&format!("{}/", s["wallet"].as_str().unwrap())).0, 303);
    let (status, screen) = get(&format!("{}/", s["checkpoint"].as_str().unwrap()));
    assert_eq!(status, 200);
    assert!(screen.contains("border"), "{screen}");

    // The printed offer and PIN give a citizen a passport that checks out on the
    // product's own registry, and the border checkpoint accepts it.
    let work = tempfile::tempdir().unwrap();
    let vault = work.path().join("vault").to_str().unwrap().to_owned();
    let genesis = data.path().join("registry/genesis.json");
    let genesis = genesis.to_str().unwrap();
    let registry = s["registry"].as_str().unwrap();
    assert_eq!(wallet(&["init", "--vault", &vault]).0, 0);
    let (code, out, err) = wallet(&[
        "receive",
        s["offer"]["offer_link"].as_str().unwrap(),
        "--pin",
        s["offer"]["tx_code"].as_str().unwrap(),
        "--vault",
        &vault,
    ]);
    assert_eq!(code, 0, "{err}");
    let card: Value = serde_json::from_str(&out).unwrap();
    let card = card["card"].as_str().unwrap().to_owned();
    until_valid(&vault, &card, registry, genesis);
    let checkpoint = s["checkpoint"].as_str().unwrap();
    let request = post_json(
        &format!("{checkpoint}/v1/requests"),
        &serde_json::json!({"profile": "border"}),
    );
    let (code, _, err) = wallet(&[
        "present",
        request["link"].as_str().unwrap(),
        "--vault",
        &vault,
        "--yes",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, status) = get(&format!(
        "{checkpoint}/v1/requests/{}",
        request["id"].as_str().unwrap()
    ));
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["outcome"]["verdict"], "accepted", "{status:#}");

    // Every service answers /healthz and /metrics; requests are counted under
    // their route template, never their path, so no identifier reaches a label.
    let services = offices.iter().map(|o| o["url"].as_str().unwrap()).chain([
        registry,
        checkpoint,
        s["wallet"].as_str().unwrap(),
    ]);
    for base in services {
        assert_eq!(
            get(&format!("{base}/healthz")),
            (200, "ok".into()),
            "{base}"
        );
        let (status, metrics) = get(&format!("{base}/metrics"));
        assert_eq!(status, 200, "{base}");
        assert!(
            metrics.contains("# TYPE http_requests_total counter"),
            "{base}: {metrics}"
        );
        assert!(
            metrics.contains("route=\"/healthz\",status=\"200\"} 1"),
            "{base}: {metrics}"
        );
    }
    let (_, metrics) = get(&format!("{checkpoint}/metrics"));
    assert!(
        metrics.contains("route=\"/oid4vp/response/{id}\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains(request["id"].as_str().unwrap()),
        "{metrics}"
    );

    // Ctrl-C stops every service cleanly.
    assert!(first.interrupt().success());

    // The log is JSON lines, a line per request by route template: no identifier,
    // code or claim from the story reaches it.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["target"] == "http"
            && l["route"] == "/oid4vp/response/{id}"
            && l["status"] == 200
            && l["service"] == "verifier"),
        "{text}"
    );
    for secret in [
        request["id"].as_str().unwrap(),
        s["offer"]["tx_code"].as_str().unwrap(),
        "ERIKSSON",
        "1974-08-12",
    ] {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }

    // The next run resumes: the same offices, DIDs and officers, the same ledger
    // (grown, never rewritten), and the card still checks out.
    let second = Up::start(data.path());
    let t = &second.summary;
    for (a, b) in offices.iter().zip(t["offices"].as_array().unwrap()) {
        assert_eq!(a["did"], b["did"]);
        assert_eq!(a["officer_token"], b["officer_token"]);
    }
    assert!(t["registry_size"].as_u64() >= s["registry_size"].as_u64());
    until_valid(&vault, &card, t["registry"].as_str().unwrap(), genesis);
    let (status, _) = get(&format!(
        "{}/officer/login",
        t["offices"][0]["url"].as_str().unwrap()
    ));
    assert_eq!(status, 200);
    assert!(second.interrupt().success());
}

/// `sigillum demo` tells the whole story against the real product and checks
/// every step: exit 0 only when all of them held.
#[test]
fn the_demo_tells_the_whole_story_and_every_step_holds() {
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_sigillum"))
        .arg("demo")
        .arg("--data")
        .arg(&folder)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for step in 1..=8 {
        assert!(stdout.contains(&format!("[{step}/8]")), "{stdout}");
    }
    assert!(stdout.contains("refused: credential_revoked"), "{stdout}");
    assert!(stdout.contains("refused: credential_suspended"), "{stdout}");
    assert!(stdout.contains("8 of 8 steps verified"), "{stdout}");
    // What the border saw of the passport is what its profile asks for.
    assert!(!stdout.contains("shared: \n"), "{stdout}");
    // A second run into the same folder is refused rather than mixing stories.
    let again = Command::new(env!("CARGO_BIN_EXE_sigillum"))
        .arg("demo")
        .arg("--data")
        .arg(&folder)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
}
