//! Why a credential type could not be used, or why a subject does not fit it.

use std::fmt;

/// Longest caller-supplied text an error keeps (a `vct` read from a presented token can be
/// anything); longer text is cut at a character boundary.
const MAX_ECHO_CHARS: usize = 128;

/// Errors of the schema module. [`SchemaError::code`] gives the stable code that APIs return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The subject does not satisfy the credential type's schema; every offending field is listed.
    #[error(transparent)]
    SchemaViolation(SchemaViolations),
    /// No credential type has this name, `vct` or VC type.
    #[error("unknown credential type \"{requested}\"")]
    CredentialTypeUnknown {
        /// The name, `vct` or VC type that was asked for (cut to 128 characters).
        requested: String,
    },
    /// A credential type document is malformed or inconsistent, or its schema does not compile.
    #[error("credential type \"{type_name}\" is invalid: {reason}")]
    SchemaInvalid {
        /// The type's name, or `document <n>` when the document has no readable name.
        type_name: String,
        /// Every problem found, separated by `; `.
        reason: String,
    },
}

impl SchemaError {
    /// The stable snake_case code for APIs and logs (RFC 9457 problem `type` suffix).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::SchemaViolation(_) => "schema_violation",
            Self::CredentialTypeUnknown { .. } => "credential_type_unknown",
            Self::SchemaInvalid { .. } => "schema_invalid",
        }
    }

    pub(crate) fn unknown(requested: &str) -> Self {
        Self::CredentialTypeUnknown {
            requested: truncate(requested),
        }
    }

    pub(crate) fn invalid(type_name: &str, reason: impl Into<String>) -> Self {
        Self::SchemaInvalid {
            type_name: truncate(type_name),
            reason: reason.into(),
        }
    }
}

impl From<SchemaViolations> for SchemaError {
    fn from(violations: SchemaViolations) -> Self {
        Self::SchemaViolation(violations)
    }
}

/// One field that breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON Pointer (RFC 6901) to the field in the subject, e.g. `/birth_date` or
    /// `/address/locality`; empty for the subject as a whole.
    pub path: String,
    /// What is wrong. Never contains the submitted value, which is personal data.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "(subject): {}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every field of a subject that breaks its credential type's schema, one [`Violation`]
/// per field (several problems with one field share an entry), ordered by path.
///
/// Like biscuit's failed-check list, it reports all of them, so an officer fixes a form
/// in one round trip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SchemaViolations {
    type_name: String,
    violations: Vec<Violation>,
}

impl SchemaViolations {
    /// Builds the list; `violations` must be non-empty and sorted by path.
    pub(crate) fn new(type_name: &str, violations: Vec<Violation>) -> Self {
        Self {
            type_name: type_name.to_owned(),
            violations,
        }
    }

    /// The credential type whose schema was applied.
    #[must_use]
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The offending fields, ordered by JSON Pointer.
    #[must_use]
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The JSON Pointers of the offending fields, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.violations.iter().map(|v| v.path.as_str())
    }

    /// Gives up the list.
    #[must_use]
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}

impl fmt::Display for SchemaViolations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.violations.len();
        let (fields, verb) = if n == 1 {
            ("field", "violates")
        } else {
            ("fields", "violate")
        };
        write!(f, "{n} {fields} {verb} the {} schema: ", self.type_name)?;
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            violation.fmt(f)?;
        }
        Ok(())
    }
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let violations = SchemaViolations::new("passport", Vec::new());
        assert_eq!(SchemaError::from(violations).code(), "schema_violation");
        assert_eq!(SchemaError::unknown("x").code(), "credential_type_unknown");
        assert_eq!(SchemaError::invalid("x", "y").code(), "schema_invalid");
    }

    #[test]
    fn display_lists_every_field_and_agrees_in_number() {
        let one = SchemaViolations::new(
            "passport",
            vec![Violation {
                path: "/sex".into(),
                message: "wrong".into(),
            }],
        );
        assert_eq!(
            one.to_string(),
            "1 field violates the passport schema: /sex: wrong"
        );
        let two = SchemaViolations::new(
            "passport",
            vec![
                Violation {
                    path: String::new(),
                    message: "not an object".into(),
                },
                Violation {
                    path: "/sex".into(),
                    message: "wrong".into(),
                },
            ],
        );
        assert_eq!(
            two.to_string(),
            "2 fields violate the passport schema: (subject): not an object, /sex: wrong"
        );
    }

    #[test]
    fn echoed_names_are_capped() {
        let long = "é".repeat(1000);
        let SchemaError::CredentialTypeUnknown { requested } = SchemaError::unknown(&long) else {
            panic!("wrong variant");
        };
        assert_eq!(requested.chars().count(), MAX_ECHO_CHARS + 1);
    }
}
