//! RFC 9457 problem details, the one error shape every Sigillum HTTP API returns
//! and every client reads: `type` is `urn:sigillum:problem:<code>`, `code` the
//! stable snake_case code, `detail` a sentence for a person, and `errors` (an
//! extension member, RFC 9457 §3.2) lists every offending field of a rejected
//! request when there are several.

use serde::{Deserialize, Serialize};

/// The media type (RFC 9457 §6.1).
pub const MEDIA_TYPE: &str = "application/problem+json";

/// One offending field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// Where: a JSON Pointer (RFC 6901) into the request, or a parameter name.
    pub pointer: String,
    /// The stable code of this field's problem.
    pub code: String,
    /// What is wrong with it.
    pub detail: String,
}

/// A problem details object (RFC 9457 §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `urn:sigillum:problem:<code>` (§3.1.1).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP status's reason phrase (§3.1.3).
    pub title: String,
    /// The HTTP status code (§3.1.2).
    pub status: u16,
    /// A sentence for a person (§3.1.4).
    pub detail: String,
    /// The stable code (extension member).
    pub code: String,
    /// Every offending field, when there are several (extension member).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

impl Problem {
    /// A problem with `status` (and its `title`), `code` and `detail`.
    #[must_use]
    pub fn new(status: u16, title: &str, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: format!("urn:sigillum:problem:{code}"),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
        }
    }

    /// The JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_the_rfc_9457_members_and_omits_empty_errors() {
        let p = Problem::new(
            404,
            "Not Found",
            "object_not_found",
            "x is not on the ledger",
        );
        let v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(v["type"], "urn:sigillum:problem:object_not_found");
        assert_eq!(v["status"], 404);
        assert!(v.get("errors").is_none());
        let back: Problem = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }
}
