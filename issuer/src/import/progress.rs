//! The progress display on standard error: on a terminal, one bar redrawn in place
//! (`\r`) ten times a second; otherwise (a log, a pipe) one line every five seconds,
//! so logs stay readable. Either way the run ends with one summary line.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// The counts a run reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows offered by this run.
    pub imported: u64,
    /// Rows refused by this run (for good).
    pub rejected: u64,
    /// Rows done by an earlier run.
    pub skipped: u64,
    /// Rows the issuer could not be asked about (tried again by the next run).
    pub failed: u64,
}

impl Counts {
    fn handled(&self) -> u64 {
        self.imported + self.rejected + self.failed
    }
}

/// Draws progress for `total` rows.
#[derive(Debug)]
pub struct Meter {
    total: u64,
    start: Instant,
    last: Option<Instant>,
    terminal: bool,
    every: Duration,
}

impl Meter {
    /// A meter that draws a bar if standard error is a terminal, lines otherwise.
    #[must_use]
    pub fn new(total: u64) -> Self {
        let terminal = std::io::stderr().is_terminal();
        Meter {
            total,
            start: Instant::now(),
            last: None,
            terminal,
            every: if terminal {
                Duration::from_millis(100)
            } else {
                Duration::from_secs(5)
            },
        }
    }

    /// Seconds since the start.
    #[must_use]
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Rows handled by this run per second.
    #[must_use]
    pub fn rate(&self, counts: &Counts) -> f64 {
        let secs = self.elapsed();
        if secs > 0.0 {
            counts.handled() as f64 / secs
        } else {
            0.0
        }
    }

    /// Redraws if it is time.
    pub fn tick(&mut self, counts: &Counts) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < self.every)
        {
            return;
        }
        if self.last.is_none() && !self.terminal {
            // The first line after a few seconds, not at once.
            self.last = Some(now);
            return;
        }
        self.last = Some(now);
        let text = self.line(counts);
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r\x1b[2K{text}")
        } else {
            writeln!(err, "import: {text}")
        };
        let _ = err.flush();
    }

    fn line(&self, counts: &Counts) -> String {
        let done = counts.handled() + counts.skipped;
        let fraction = if self.total == 0 {
            1.0
        } else {
            (done as f64 / self.total as f64).min(1.0)
        };
        let rate = self.rate(counts);
        let left = self.total.saturating_sub(done);
        let eta = if rate > 0.0 {
            format_duration(left as f64 / rate)
        } else {
            "?".into()
        };
        let bar = if self.terminal {
            const WIDTH: usize = 30;
            let filled = ((fraction * WIDTH as f64) as usize).min(WIDTH);
            format!("[{}{}] ", "#".repeat(filled), ".".repeat(WIDTH - filled))
        } else {
            String::new()
        };
        format!(
            "{bar}{done}/{} rows ({:.0}%), {rate:.0}/s, {} rejected{}, ETA {eta}",
            self.total,
            fraction * 100.0,
            counts.rejected,
            if counts.failed > 0 {
                format!(", {} to retry", counts.failed)
            } else {
                String::new()
            },
        )
    }

    /// Clears the bar and prints the summary line.
    pub fn finish(&mut self, counts: &Counts, interrupted: bool) {
        let secs = self.elapsed();
        let mut err = std::io::stderr().lock();
        if self.terminal && self.last.is_some() {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(
            err,
            "{}imported {}, rejected {}, skipped {} (already done){} in {secs:.1} s ({:.0} rows/s)",
            if interrupted { "interrupted: " } else { "" },
            counts.imported,
            counts.rejected,
            counts.skipped,
            if counts.failed > 0 {
                format!(", {} to retry (run again)", counts.failed)
            } else {
                String::new()
            },
            self.rate(counts),
        );
    }
}

fn format_duration(secs: f64) -> String {
    let secs = secs.round() as u64;
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_done_rate_rejections_and_eta() {
        let meter = Meter {
            total: 1000,
            start: Instant::now() - Duration::from_secs(10),
            last: None,
            terminal: true,
            every: Duration::from_millis(100),
        };
        let counts = Counts {
            imported: 90,
            rejected: 10,
            skipped: 400,
            failed: 0,
        };
        let line = meter.line(&counts);
        assert!(
            line.starts_with(
                "[###############...............] 500/1000 rows (50%), 10/s, 10 rejected, ETA "
            ),
            "{line}"
        );
        assert!(
            line.ends_with("ETA 50s") || line.ends_with("ETA 51s"),
            "{line}"
        );
        assert_eq!(format_duration(3725.0), "1h02m");
        assert_eq!(format_duration(75.0), "1m15s");
    }
}
