//! The whole story in a real browser (issue #7 item 3): `sigillum up` runs the
//! product; Debian's headless Chromium, driven by `tests/browser/story.mjs`
//! (playwright-core), takes the officer's pages, the web wallet and the checkpoint
//! screen through issue → add → border check accepted → revoke → border check
//! rejected, first at a 360×740 phone viewport, then at a 768×1024 tablet one. Every
//! page is checked for its device and for console errors; screenshots of each step
//! are written to `target/browser-artifacts/story/{phone,tablet}/`.
//!
//! Needs what `tests/wallet_browser.rs` needs (Node.js, Chromium, the pinned npm
//! packages); `.ci/run` installs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::product::Up;
use serde_json::json;

#[test]
fn the_story_in_a_browser_on_a_phone_and_a_tablet() {
    let dir = common::browser::harness();
    let data = tempfile::tempdir().unwrap();
    let up = Up::start(data.path());
    let s = up.summary.clone();
    let passport = s["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "passport")
        .unwrap();
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts/story");
    let _ = std::fs::remove_dir_all(&artifacts);
    let input = json!({
        "office": passport["url"],
        "token": passport["officer_token"],
        "wallet": s["wallet"],
        "checkpoint": s["checkpoint"],
        "claims": common::local::sample_form("passport"),
        "artifacts": artifacts,
    });
    let report = common::browser::run(&dir, "story.mjs", &input);
    let steps = [
        "officer-sign-in",
        "officer-form",
        "officer-offer",
        "wallet-add",
        "wallet-card",
        "checkpoint-waiting",
        "wallet-consent",
        "wallet-shared",
        "checkpoint-accepted",
        "officer-search",
        "officer-revoked",
        "wallet-revoked",
        "checkpoint-rejected",
    ];
    for (device, run) in ["phone", "tablet"]
        .iter()
        .zip(report["devices"].as_array().unwrap())
    {
        assert_eq!(run["device"], *device);
        assert_eq!(run["steps"], json!(steps), "{device}");
        common::browser::screenshots(&artifacts.join(device), &steps);
    }
    assert!(up.interrupt().success());
}
