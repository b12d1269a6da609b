//! Logs: `tracing` events on standard error, as text or as JSON lines
//! (`SIGILLUM_LOG_FORMAT=json`), filtered by `SIGILLUM_LOG` (the `EnvFilter`
//! syntax: `info`, `warn,http=info`, …). Without it a service logs at `info` (one
//! line per request, target `http`), while `sigillum up` and `sigillum demo`, whose
//! terminal belongs to a person, log only warnings. No log line carries a path,
//! query, header or body: requests are logged by route template
//! (`sigillum_web::metrics::track`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The variable holding the filter.
pub const FILTER_ENV: &str = "SIGILLUM_LOG";
/// The variable choosing JSON lines (`json`) over text.
pub const FORMAT_ENV: &str = "SIGILLUM_LOG_FORMAT";

/// Installs the subscriber; `default` is the filter when `SIGILLUM_LOG` is unset.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_env(FILTER_ENV).unwrap_or_else(|_| EnvFilter::new(default));
    let json = std::env::var(FORMAT_ENV).is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A closed standard error (a supervisor gone, a pipe whose reader left) loses
        // log lines, never requests: the default would report the failed write with
        // `eprint!`, which panics the task serving the request.
        .log_internal_errors(false);
    // A second subscriber (never installed here) would be refused; nothing to do then.
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}
