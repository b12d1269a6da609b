//! Helpers shared by the end-to-end tests: a self-removing work directory and
//! running the `sigillum` binary in it.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod local;
pub mod ops;
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

/// A `sigillum` server process, killed when dropped, so a failing test leaves no
/// process behind holding the test runner's output open.
pub struct Server(std::process::Child);

impl Server {
    /// Takes charge of a spawned server.
    pub fn new(child: std::process::Child) -> Self {
        Server(child)
    }
    /// The server's standard error, if piped and not yet taken.
    pub fn stderr(&mut self) -> Option<std::process::ChildStderr> {
        self.0.stderr.take()
    }
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
    /// Kills the process with SIGKILL, as a crash would, and reaps it.
    pub fn kill_9(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// Starts `sigillum registry serve --listen 127.0.0.1:0` in `w` (which holds `registry/`)
/// and returns the server and the URL it announced on its first stderr line. The rest
/// of its standard error is drained in the background (and echoed, for a failure's
/// output), never closed under it.
pub fn serve(w: &Work) -> (Server, String) {
    serve_with(w, None)
}

/// As [`serve`], the process's files capped at `max_file_bytes` (RLIMIT_FSIZE, set
/// by the shell, with SIGXFSZ ignored): a write past it fails with EFBIG, as on a
/// full disk, instead of landing.
pub fn serve_on_full_disk(w: &Work, max_file_bytes: u64) -> (Server, String) {
    serve_with(w, Some(max_file_bytes))
}

/// A command running `sigillum`; with `max_file_bytes`, every file it writes is
/// capped there (RLIMIT_FSIZE, set by the shell before it execs `sigillum`, with
/// SIGXFSZ ignored): a write past the cap fails with EFBIG, as on a full disk.
pub fn sigillum_command(max_file_bytes: Option<u64>) -> Command {
    let bin = env!("CARGO_BIN_EXE_sigillum");
    match max_file_bytes {
        None => Command::new(bin),
        Some(bytes) => {
            let mut sh = Command::new("sh");
            // `ulimit -f` counts 512-byte blocks in POSIX sh.
            let script = format!(
                "trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"",
                bytes.div_ceil(512)
            );
            sh.args(["-c", &script, bin]);
            sh
        }
    }
}

/// Bytes in the files under `dir`.
pub fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                dir_size(&e.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

fn serve_with(w: &Work, max_file_bytes: Option<u64>) -> (Server, String) {
    use std::io::{BufRead, BufReader};
    let mut child = sigillum_command(max_file_bytes)
        .args(["registry", "serve", "--listen", "127.0.0.1:0"])
        .current_dir(w.path("."))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let server = Server(child);
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            eprintln!("[registry] {line}");
        }
    });
    let url = line
        .trim()
        .rsplit_once(" on ")
        .map(|(_, u)| u.to_owned())
        .unwrap_or_default();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (server, url)
}
