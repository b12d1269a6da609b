//! The browser tests' harness: `tests/browser` with its pinned npm packages, and
//! Debian's Chromium; running one of its scripts and reading its report.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// `tests/browser`, with its pinned npm packages installed (`npm ci`, no scripts).
pub fn harness() -> PathBuf {
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

/// Runs `node tests/browser/<script> <input>` and returns its report (the last JSON
/// line it printed) after checking it says `ok`.
pub fn run(dir: &Path, script: &str, input: &Value) -> Value {
    let out = Command::new("node")
        .arg(dir.join(script))
        .arg(input.to_string())
        .output()
        .expect("node is required for the browser tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no report from {script}:\n{stdout}\n{stderr}"));
    assert_eq!(report["ok"], true, "{report:#}\n{stderr}");
    assert!(out.status.success());
    report
}

/// Asserts each of `steps` left its screenshot, `NN-step.png`, in `artifacts`.
pub fn screenshots(artifacts: &Path, steps: &[&str]) {
    for (n, step) in steps.iter().enumerate() {
        let shot = artifacts.join(format!("{:02}-{step}.png", n + 1));
        let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
        assert!(png.starts_with(b"\x89PNG"), "{} is a PNG", shot.display());
    }
}
