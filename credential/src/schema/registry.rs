//! The set of credential types a deployment knows, looked up by name, `vct` or VC type.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

use super::{CredentialSchema, CredentialType, SchemaError, VERIFIABLE_CREDENTIAL};
use crate::json;

/// Largest credential type document accepted, in bytes.
const MAX_DOCUMENT_LEN: usize = 1 << 20;

/// The documents under `specs/credential-types/`, compiled into the binary.
const BUILTIN_DOCUMENTS: [&str; 3] = [
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/credential-types/passport.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/credential-types/residence_permit.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/credential-types/business_license.json"
    )),
];

/// A set of compiled credential types with distinct names, `vct`s and VC types.
#[derive(Debug, Clone)]
pub struct CredentialTypes {
    types: Vec<CredentialSchema>,
}

impl CredentialTypes {
    /// Sigillum's own types — `passport`, `residence_permit`, `business_license` — from
    /// `specs/credential-types/`, checked and compiled on first use and shared afterwards.
    ///
    /// # Errors
    /// [`SchemaError::SchemaInvalid`] if an embedded document is broken; since they are
    /// compiled in, that is a build defect, reported the same way on every call.
    pub fn builtin() -> Result<&'static Self, SchemaError> {
        static BUILTIN: OnceLock<Result<CredentialTypes, SchemaError>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Self::from_documents(&BUILTIN_DOCUMENTS))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses, checks and compiles credential type documents (the JSON of
    /// `specs/credential-types/<type>.json`). Duplicate JSON member names are refused.
    ///
    /// # Errors
    /// [`SchemaError::SchemaInvalid`] for a document that is not valid JSON, does not have
    /// the documented fields, is inconsistent, or clashes with another document.
    pub fn from_documents(documents: &[&str]) -> Result<Self, SchemaError> {
        let specs = documents
            .iter()
            .enumerate()
            .map(|(i, text)| parse_document(i, text))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_types(specs)
    }

    /// Checks and compiles credential types, and requires their names, `vct`s and
    /// specific VC types to be distinct, so that every lookup has one answer.
    ///
    /// # Errors
    /// [`SchemaError::SchemaInvalid`] as [`CredentialSchema::compile`], or when two types
    /// share a name, `vct` or specific VC type.
    pub fn from_types(specs: Vec<CredentialType>) -> Result<Self, SchemaError> {
        let mut names = BTreeSet::new();
        let mut vcts = BTreeSet::new();
        let mut vc_types = BTreeSet::new();
        let mut types = Vec::with_capacity(specs.len());
        for spec in specs {
            let clash = if !names.insert(spec.name.clone()) {
                Some("type name")
            } else if !vcts.insert(spec.vct.clone()) {
                Some("vct")
            } else if !specific_vc_types(&spec).all(|t| vc_types.insert(t.to_owned())) {
                Some("VC type")
            } else {
                None
            };
            if let Some(what) = clash {
                return Err(SchemaError::invalid(
                    &spec.name,
                    format!("its {what} is already used by another credential type"),
                ));
            }
            types.push(CredentialSchema::compile(spec)?);
        }
        Ok(Self { types })
    }

    /// The type with this short name (`passport`).
    ///
    /// # Errors
    /// [`SchemaError::CredentialTypeUnknown`] if there is none.
    pub fn get(&self, name: &str) -> Result<&CredentialSchema, SchemaError> {
        self.find(name, |t| t.name() == name)
    }

    /// The type an SD-JWT VC names in its `vct` claim (SD-JWT VC §3.2.2). Compared
    /// exactly: `vct` is case-sensitive.
    ///
    /// # Errors
    /// [`SchemaError::CredentialTypeUnknown`] if there is none.
    pub fn by_vct(&self, vct: &str) -> Result<&CredentialSchema, SchemaError> {
        self.find(vct, |t| t.vct() == vct)
    }

    /// The type that one entry of a `vc+jwt` credential's `type` array names
    /// (W3C VC Data Model 2.0 §4.5, Types), e.g. `PassportCredential`.
    /// `VerifiableCredential` is in every type, so it names none of them.
    ///
    /// # Errors
    /// [`SchemaError::CredentialTypeUnknown`] if there is none.
    pub fn by_vc_type(&self, entry: &str) -> Result<&CredentialSchema, SchemaError> {
        self.find(entry, |t| specific_vc_types(t.spec()).any(|e| e == entry))
    }

    /// Validates `subject` against the schema of the type named `name`.
    ///
    /// # Errors
    /// [`SchemaError::CredentialTypeUnknown`], or [`SchemaError::SchemaViolation`] listing
    /// every offending field.
    pub fn validate_subject(&self, name: &str, subject: &Value) -> Result<(), SchemaError> {
        Ok(self.get(name)?.validate_subject(subject)?)
    }

    /// All types, in the order they were loaded.
    pub fn iter(&self) -> impl Iterator<Item = &CredentialSchema> {
        self.types.iter()
    }

    fn find(
        &self,
        requested: &str,
        matches: impl Fn(&CredentialSchema) -> bool,
    ) -> Result<&CredentialSchema, SchemaError> {
        self.types
            .iter()
            .find(|t| matches(t))
            .ok_or_else(|| SchemaError::unknown(requested))
    }
}

impl<'a> IntoIterator for &'a CredentialTypes {
    type Item = &'a CredentialSchema;
    type IntoIter = std::slice::Iter<'a, CredentialSchema>;

    fn into_iter(self) -> Self::IntoIter {
        self.types.iter()
    }
}

fn specific_vc_types(spec: &CredentialType) -> impl Iterator<Item = &str> {
    spec.vc_type
        .iter()
        .map(String::as_str)
        .filter(|t| *t != VERIFIABLE_CREDENTIAL)
}

fn parse_document(index: usize, text: &str) -> Result<CredentialType, SchemaError> {
    let value = json::parse(text.as_bytes(), MAX_DOCUMENT_LEN)
        .map_err(|err| SchemaError::invalid(&format!("document {index}"), err.to_string()))?;
    let label = value
        .get("type")
        .and_then(Value::as_str)
        .map_or_else(|| format!("document {index}"), str::to_owned);
    serde_json::from_value(value).map_err(|err| SchemaError::invalid(&label, err.to_string()))
}
