//! Validity windows: JWT NumericDate claims (RFC 7519 §4.1.4–4.1.6) and VC DM 2.0
//! `validFrom`/`validUntil` (§4.9), both checked with the verifier's leeway.

use serde_json::{Map, Value};

use super::CredentialError;
use crate::time::Timestamp;

/// A NumericDate claim: absent is `None`; present but not a number is an error
/// (RFC 7519 §2 — a string `exp` must never be read as "no expiry").
///
/// # Errors
/// [`CredentialError::ClaimTypeInvalid`].
pub fn numeric_date(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<Timestamp>, CredentialError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 1e15)
                    .map(|f| f.floor() as i64)
            })
            .map(|t| Some(Timestamp::from_unix(t)))
            .ok_or(CredentialError::ClaimTypeInvalid {
                name,
                expected: "a NumericDate within range",
            }),
        Some(_) => Err(CredentialError::ClaimTypeInvalid {
            name,
            expected: "a NumericDate (a JSON number)",
        }),
    }
}

/// A VC DM 2.0 dateTimeStamp claim (`validFrom`, `validUntil`): absent is `None`.
///
/// # Errors
/// [`CredentialError::ClaimTypeInvalid`] when present and not an RFC 3339 date-time string.
pub fn date_time(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<Timestamp>, CredentialError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => {
            Timestamp::parse_rfc3339(s)
                .map(Some)
                .map_err(|_| CredentialError::ClaimTypeInvalid {
                    name,
                    expected: "an XML Schema dateTimeStamp (RFC 3339) string",
                })
        }
        Some(_) => Err(CredentialError::ClaimTypeInvalid {
            name,
            expected: "an XML Schema dateTimeStamp (RFC 3339) string",
        }),
    }
}

/// Checks `now` against a validity window, allowing `leeway_secs` of clock skew.
///
/// # Errors
/// [`CredentialError::NotYetValid`] or [`CredentialError::Expired`].
pub fn check_window(
    valid_from: Option<Timestamp>,
    valid_until: Option<Timestamp>,
    now: Timestamp,
    leeway_secs: i64,
) -> Result<(), CredentialError> {
    if let Some(from) = valid_from
        && from > now.plus(leeway_secs)
    {
        return Err(CredentialError::NotYetValid {
            now,
            valid_from: from,
        });
    }
    if let Some(until) = valid_until
        && until.plus(leeway_secs) <= now
    {
        return Err(CredentialError::Expired {
            now,
            valid_until: until,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_string_exp_is_invalid_not_absent() {
        let claims = json!({"exp": "1900000000", "nbf": 1.5e9, "iat": 10})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            numeric_date(&claims, "exp").unwrap_err().code(),
            "claim_type_invalid"
        );
        assert_eq!(
            numeric_date(&claims, "nbf").unwrap(),
            Some(Timestamp::from_unix(1_500_000_000))
        );
        assert_eq!(numeric_date(&claims, "missing").unwrap(), None);
        let huge = json!({"exp": 1e300}).as_object().unwrap().clone();
        assert_eq!(
            numeric_date(&huge, "exp").unwrap_err().code(),
            "claim_type_invalid"
        );
    }

    #[test]
    fn windows_respect_leeway() {
        let t = Timestamp::from_unix;
        assert_eq!(check_window(Some(t(100)), Some(t(200)), t(150), 0), Ok(()));
        assert_eq!(
            check_window(None, Some(t(200)), t(200), 0)
                .unwrap_err()
                .code(),
            "credential_expired"
        );
        assert_eq!(check_window(None, Some(t(200)), t(230), 60), Ok(()));
        assert_eq!(
            check_window(Some(t(100)), None, t(50), 0)
                .unwrap_err()
                .code(),
            "credential_not_yet_valid"
        );
        assert_eq!(check_window(Some(t(100)), None, t(50), 60), Ok(()));
    }
}
