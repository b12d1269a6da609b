//! Helpers shared by the end-to-end tests: a self-removing work directory and
//! running the `sigillum` binary in it.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod local;
pub mod product;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh directory under the system temp dir, removed when dropped.
pub struct Work(PathBuf);

impl Work {
    /// A new, empty directory named after the test.
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("sigillum-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Work(dir)
    }
    pub fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
    pub fn write(&self, name: &str, contents: &str) -> String {
        std::fs::write(self.0.join(name), contents).unwrap();
        self.path(name)
    }
    /// Runs sigillum; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_sigillum"))
            .args(args)
            .current_dir(&self.0)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        )
    }
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "sigillum {args:?}: {err}");
        out
    }
    pub fn save(&self, name: &str, args: &[&str]) -> String {
        let out = self.ok(args);
        self.write(name, &out)
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts `sigillum registry serve --listen 127.0.0.1:0` in `w` (which holds `registry/`)
/// and returns the child and the URL it announced on its first stderr line.
pub fn serve(w: &Work) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigillum"))
        .args(["registry", "serve", "--listen", "127.0.0.1:0"])
        .current_dir(w.path("."))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .rsplit_once(" on ")
        .map(|(_, u)| u.to_owned())
        .unwrap_or_default();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (child, url)
}
