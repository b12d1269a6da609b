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

use std::path::Path;
use std::sync::Arc;

use common::local::{LocalIssuer, LocalRegistry, LocalVerifier, LocalWallet, sample};
use serde_json::{Value, json};
use sigillum_credential::time::SystemClock;
use sigillum_issuer::store::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_signs_up_adds_a_passport_and_shares_it_from_a_phone() {
    let dir = common::browser::harness();
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
    let report =
        tokio::task::spawn_blocking(move || common::browser::run(&dir, "wallet.mjs", &input))
            .await
            .unwrap();
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
    common::browser::screenshots(&artifacts, &steps);

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
