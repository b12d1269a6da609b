//! `sigillum up` run as a person runs it: a child process on free ports, its
//! summary line read back, stopped with Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `sigillum up` and the summary it printed.
pub struct Up {
    child: Child,
    /// The JSON line it printed: addresses, officer tokens, the first offer.
    pub summary: Value,
}

impl Up {
    /// Starts `sigillum up` on free ports with its data in `data`; returns once it
    /// printed its summary.
    pub fn start(data: &std::path::Path) -> Up {
        Up::spawn(data, None)
    }

    /// As [`Up::start`], logging every request as JSON lines into `log`.
    pub fn start_logged(data: &std::path::Path, log: &std::path::Path) -> Up {
        Up::spawn(data, Some(log))
    }

    fn spawn(data: &std::path::Path, log: Option<&std::path::Path>) -> Up {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sigillum"));
        command
            .args(["up", "--port-base", "0", "--json", "--data"])
            .arg(data)
            .stdout(Stdio::piped());
        match log {
            Some(path) => {
                command
                    .env("SIGILLUM_LOG", "info")
                    .env("SIGILLUM_LOG_FORMAT", "json")
                    .stderr(std::fs::File::create(path).unwrap());
            }
            None => {
                command.stderr(Stdio::inherit());
            }
        }
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let summary: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{e}: the summary line {line:?}"));
        Up { child, summary }
    }

    /// Ctrl-C, as a person at the terminal would; the exit status.
    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "still running 20 s after Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
