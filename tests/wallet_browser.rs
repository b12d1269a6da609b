//! The web wallet in a real browser (issue #6 acceptance): Debian's headless
//! Chromium, driven by `tests/browser/wallet.mjs` (playwright-core) at a 360×740
//! phone viewport, signs up, adds a passport from a real office's offer link and
//! PIN, presents it to a real checkpoint's request link, reads the consent screen,
//! shares, and sees the result; the checkpoint's outcome is then read back here.
//! Every page is checked for a phone (nothing wider than the screen, touch targets
//! ≥ 44 px, labelled fields); screenshots of each step are written to
//! `target/browser-artifacts/wallet/`.
//!
//! Needs Node.js ≥ 20, `/usr/bin/chromium` (Debian's `chromium` package, or set
//! `CHROMIUM`) and the npm registry (or an installed `tests/browser/node_modules`);
//! `.ci/run` installs all three on a fresh machine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::local::{LocalIssuer, LocalRegistry, LocalVerifier, LocalWallet, sample};
use serde_json::{Value, json};
use sigillum_credential::time::SystemClock;
use sigillum_issuer::store::Role;

/// `tests/browser`, with its pinned npm packages installed (`npm ci`, no scripts).
fn harness() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !dir.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm is required for the browser tests (install Node.js ≥ 20)");
        assert!(status.success(), "npm ci failed in {}", dir.display());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "the browser tests need Chromium at {chromium}: `apt-get install chromium` (Debian), \
         or set CHROMIUM; .ci/run installs it"
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_signs_up_adds_a_passport_and_shares_it_from_a_phone() {
    let dir = harness();
    let registry = LocalRegistry::start("registry.test/wallet-browser").await;
    let office = LocalIssuer::start(
        &registry,
        &["passport"],
        &["passport"],
        50,
        Arc::new(SystemClock),
    )
    .await;
    let officer = office.officer("clerk", &[Role::Admin]);
    let checkpoint_dir = tempfile::tempdir().unwrap();
    let checkpoint = LocalVerifier::start(
        LocalVerifier::config(&registry, checkpoint_dir.path(), false),
        checkpoint_dir,
        Arc::new(SystemClock),
    )
    .await;
    let wallet = LocalWallet::start(Some(&registry)).await;
    let http = reqwest::Client::new();
    let offer: Value = http
        .post(format!("{}/v1/credentials/passport?qr=none", office.base))
        .bearer_auth(&officer)
        .json(&json!({"reference": "P-browser", "claims": sample("passport")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let request: Value = http
        .post(format!("{}/v1/requests", checkpoint.base))
        .json(&json!({"profile": "border"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Let the office publish the new status list first, so the checkpoint accepts.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts/wallet");
    let _ = std::fs::remove_dir_all(&artifacts);
    let input = json!({
        "wallet": wallet.base,
        "offer": offer["offer_link"],
        "pin": offer["tx_code"],
        "request": request["link"],
        "artifacts": artifacts,
    });
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(dir.join("wallet.mjs"))
            .arg(input.to_string())
            .output()
            .expect("node is required for the browser tests")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no report from the browser script:\n{stdout}\n{stderr}"));
    assert_eq!(report["ok"], true, "{report:#}\n{stderr}");
    assert!(out.status.success());
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "sign-up", "no-cards", "add", "card", "cards", "present", "consent", "shared",
            "history"
        ]
    );
    for (n, step) in steps.iter().enumerate() {
        let shot = artifacts.join(format!("{:02}-{step}.png", n + 1));
        let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
        assert!(png.starts_with(b"\x89PNG"), "{} is a PNG", shot.display());
    }

    let outcome: Value = http
        .get(format!(
            "{}/v1/requests/{}",
            checkpoint.base,
            request["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["outcome"]["verdict"], "accepted", "{outcome:#}");
}
