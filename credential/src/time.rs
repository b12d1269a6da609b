//! Time as verifiers see it: whole seconds since the Unix epoch, read from a
//! [`Clock`] the caller chooses, so tests pin "now" and production reads the system.
//!
//! JWT `iat`/`nbf`/`exp` are NumericDate values (RFC 7519 §2); VC 2.0
//! `validFrom`/`validUntil` are XML Schema dateTimeStamp strings (VC DM 2.0 §4.9),
//! parsed here as RFC 3339.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since 1970-01-01T00:00:00Z (RFC 7519 §2 NumericDate, whole seconds).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `secs` seconds after the epoch.
    #[must_use]
    pub const fn from_unix(secs: i64) -> Self {
        Self(secs)
    }

    /// Seconds since the epoch.
    #[must_use]
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// This instant moved by `secs` seconds (saturating).
    #[must_use]
    pub const fn plus(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// Parses an RFC 3339 date-time (`2026-01-01T00:00:00Z`, offsets and fractions allowed;
    /// fractions are truncated to whole seconds), as used by VC DM 2.0 §4.9.
    ///
    /// # Errors
    /// Returns the text back when it is not an RFC 3339 date-time.
    pub fn parse_rfc3339(text: &str) -> Result<Self, String> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| Self(t.unix_timestamp()))
            .map_err(|_| text.to_owned())
    }

    /// Formats as RFC 3339 in UTC, `YYYY-MM-DDThh:mm:ssZ`.
    #[must_use]
    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| self.0.to_string())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Where "now" comes from. Verification never reads the system time directly.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(OffsetDateTime::now_utc().unix_timestamp())
    }
}

/// A clock stopped at one instant (tests, `--now` on the command line).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_and_offsets() {
        let t = Timestamp::parse_rfc3339("2029-09-01T00:00:00Z").unwrap();
        assert_eq!(t.unix(), 1_882_915_200);
        assert_eq!(t.to_rfc3339(), "2029-09-01T00:00:00Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2029-09-01T02:00:00+02:00").unwrap(),
            t
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2029-09-01"),
            Err("2029-09-01".to_owned())
        );
    }
}
