//! A checked credential type with its compiled JSON Schema validator.

use std::collections::BTreeMap;
use std::fmt;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, PatternOptions, ValidationError, Validator};
use serde_json::Value;
use time::Date;
use time::macros::format_description;

use super::{CredentialType, SchemaError, SchemaViolations, Violation, check};

/// Stands in for the submitted value in messages: subjects are personal data.
const MASK: &str = "value";

/// A [`CredentialType`] that passed the load-time consistency check, with its subject
/// schema compiled once (JSON Schema 2020-12, `format` asserted).
///
/// There is no way to build one without [`CredentialSchema::compile`], so holding one
/// means the document is consistent and its schema compiles.
#[derive(Clone)]
pub struct CredentialSchema {
    spec: CredentialType,
    validator: Validator,
}

impl fmt::Debug for CredentialSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialSchema")
            .field("name", &self.spec.name)
            .field("vct", &self.spec.vct)
            .finish_non_exhaustive()
    }
}

impl CredentialSchema {
    /// Checks `spec` for consistency, compiles its schema and validates its samples.
    ///
    /// The schema is compiled as JSON Schema draft 2020-12 whatever it declares
    /// (the consistency check already requires it to declare 2020-12), with
    /// - `format` *asserted* (JSON Schema Validation 2020-12 §7.2 leaves it an annotation unless enabled), so
    ///   `"date"` means a real RFC 3339 full-date, and unknown formats are errors;
    /// - patterns run on a linear-time regex engine, so no subject can make matching
    ///   backtrack without bound;
    /// - no external `$ref` is ever fetched.
    ///
    /// # Errors
    /// [`SchemaError::SchemaInvalid`] if the document is inconsistent (see the module
    /// docs), its schema does not compile, or one of its samples breaks it.
    pub fn compile(spec: CredentialType) -> Result<Self, SchemaError> {
        check::check(&spec)?;
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(false)
            .with_pattern_options(PatternOptions::regex())
            .offline()
            .build(&spec.schema)
            .map_err(|err| {
                SchemaError::invalid(
                    &spec.name,
                    format!("schema does not compile: {}", err.masked()),
                )
            })?;
        let compiled = Self { spec, validator };
        for (i, sample) in compiled.spec.samples.iter().enumerate() {
            if let Err(violations) = compiled.validate_subject(sample) {
                return Err(SchemaError::invalid(
                    &compiled.spec.name,
                    format!("sample {i}: {violations}"),
                ));
            }
        }
        Ok(compiled)
    }

    /// The type document this was compiled from.
    #[must_use]
    pub fn spec(&self) -> &CredentialType {
        &self.spec
    }

    /// The type's short name (`passport`).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The type's SD-JWT VC type (SD-JWT VC §3.2.2, `vct`).
    #[must_use]
    pub fn vct(&self) -> &str {
        &self.spec.vct
    }

    /// Checks a credential subject (the claims, without JWT claims) against the type's
    /// JSON Schema 2020-12, and that its validity claims, if the type has them, are in order.
    ///
    /// # Errors
    /// [`SchemaViolations`] naming every offending field by JSON Pointer (RFC 6901). A
    /// missing required claim is reported at its own pointer (`/family_name`), an
    /// unexpected one likewise (`/eye_colour`), not at the object holding them.
    pub fn validate_subject(&self, subject: &Value) -> Result<(), SchemaViolations> {
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for error in self.validator.iter_errors(subject) {
            for (path, message) in describe(&error) {
                let messages = fields.entry(path).or_default();
                if !messages.contains(&message) {
                    messages.push(message);
                }
            }
        }
        if let Some((path, message)) = self.validity_out_of_order(subject) {
            fields.entry(path).or_default().push(message);
        }
        if fields.is_empty() {
            return Ok(());
        }
        let violations = fields
            .into_iter()
            .map(|(path, messages)| Violation {
                path,
                message: messages.join("; "),
            })
            .collect();
        Err(SchemaViolations::new(&self.spec.name, violations))
    }

    /// JSON Schema cannot compare two fields; a document valid until before it is valid
    /// from is a typing error by the officer, caught here.
    fn validity_out_of_order(&self, subject: &Value) -> Option<(String, String)> {
        let validity = self.spec.validity.as_ref()?;
        let from = parse_date(subject.get(&validity.from)?)?;
        let until = parse_date(subject.get(&validity.until)?)?;
        (until < from).then(|| {
            (
                pointer(&[&validity.until]),
                format!("is before {}", pointer(&[&validity.from])),
            )
        })
    }
}

fn parse_date(value: &Value) -> Option<Date> {
    Date::parse(value.as_str()?, format_description!("[year]-[month]-[day]")).ok()
}

/// Turns one validator error into `(pointer, message)` pairs, moving `required` and
/// `additionalProperties` errors from the enclosing object down to the field they name.
fn describe(error: &ValidationError<'_>) -> Vec<(String, String)> {
    let at = error.instance_path().as_str();
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            vec![(child(at, &name), "is required".to_owned())]
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| (child(at, name), "is not allowed by the schema".to_owned()))
            .collect(),
        _ => vec![(at.to_owned(), error.masked_with(MASK).to_string())],
    }
}

/// `parent` (a JSON Pointer) extended by one member name, escaped per RFC 6901 §3.
fn child(parent: &str, name: &str) -> String {
    format!("{parent}/{}", name.replace('~', "~0").replace('/', "~1"))
}

fn pointer(names: &[&str]) -> String {
    names
        .iter()
        .fold(String::new(), |acc, name| child(&acc, name))
}
