//! Decentralized identifiers (W3C DID Core 1.0) as Sigillum uses them: to name an
//! issuer or a holder and find the public key that verifies their signatures.
//!
//! Methods:
//! - `did:key` (W3C CCG did:key v0.7) and `did:jwk` (did:jwk spec, 2023) resolve
//!   locally, from the identifier itself ([`key`], [`jwk`]);
//! - `did:web` (W3C CCG did:web) is fetched over HTTPS through the [`web::HttpGet`]
//!   trait, so each service plugs in its own HTTP client;
//! - `did:sigillum` is the registry's ledger method; its resolver lives with the
//!   registry client and plugs into [`MethodResolvers`].
//!
//! Resolution is a [`DidResolver`]: an object-safe trait returning a boxed future,
//! so services hold `Arc<dyn DidResolver>` while `did:key`/`did:jwk` stay synchronous
//! underneath ([`resolve_local`]).

mod document;
pub mod jwk;
pub mod key;
pub mod web;

pub use document::{DidDocument, Relationship, VerificationMethod};

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Longest DID we accept, in bytes (a did:jwk of a P-256 key is about 170).
pub const MAX_DID_LEN: usize = 2048;

/// Why a DID could not be parsed or resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DidError {
    /// Not a syntactically valid DID (DID Core §3.1).
    #[error("not a valid DID: {0}")]
    Invalid(String),
    /// A method this resolver cannot resolve.
    #[error("DID method \"{0}\" is not supported here")]
    MethodUnsupported(String),
    /// The method-specific identifier does not decode to an acceptable key.
    #[error("DID does not encode an acceptable key: {0}")]
    KeyInvalid(String),
    /// The DID document is missing, malformed or does not describe this DID.
    #[error("DID document invalid: {0}")]
    DocumentInvalid(String),
    /// No verification method with that id, or not authorized for that purpose.
    #[error("no verification method {id} for {relationship}")]
    VerificationMethodNotFound {
        /// The method id looked for.
        id: String,
        /// The relationship required (e.g. assertionMethod).
        relationship: &'static str,
    },
    /// Fetching the document failed (did:web).
    #[error("could not fetch the DID document: {0}")]
    Fetch(String),
    /// The DID has been deactivated.
    #[error("DID {0} is deactivated")]
    Deactivated(String),
}

impl DidError {
    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            DidError::Invalid(_) => "did_invalid",
            DidError::MethodUnsupported(_) => "did_method_unsupported",
            DidError::KeyInvalid(_) => "did_key_invalid",
            DidError::DocumentInvalid(_) => "did_document_invalid",
            DidError::VerificationMethodNotFound { .. } => "verification_method_not_found",
            DidError::Fetch(_) => "did_resolution_failed",
            DidError::Deactivated(_) => "did_deactivated",
        }
    }
}

/// A syntactically valid DID (DID Core §3.1): `did:<method>:<method-specific-id>`,
/// without path, query or fragment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Did(String);

fn is_idchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '%' | ':')
}

impl Did {
    /// Parses a DID.
    ///
    /// # Errors
    /// [`DidError::Invalid`] when the text is not `did:method:id` per DID Core §3.1.
    pub fn parse(text: &str) -> Result<Self, DidError> {
        let invalid = |why: &str| DidError::Invalid(format!("{why}: {}", truncate(text)));
        if text.len() > MAX_DID_LEN {
            return Err(invalid("longer than 2048 bytes"));
        }
        let rest = text
            .strip_prefix("did:")
            .ok_or_else(|| invalid("does not start with \"did:\""))?;
        let (method, msid) = rest
            .split_once(':')
            .ok_or_else(|| invalid("no method-specific identifier"))?;
        if method.is_empty()
            || !method
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(invalid("method name must be lowercase letters and digits"));
        }
        if msid.is_empty() || msid.ends_with(':') || !msid.chars().all(is_idchar) {
            return Err(invalid(
                "method-specific identifier has characters outside DID Core §3.1",
            ));
        }
        Ok(Did(text.to_owned()))
    }

    /// The method name (`key`, `jwk`, `web`, `sigillum`).
    #[must_use]
    pub fn method(&self) -> &str {
        self.0
            .get(4..)
            .and_then(|r| r.split_once(':'))
            .map_or("", |(m, _)| m)
    }

    /// The method-specific identifier.
    #[must_use]
    pub fn method_specific_id(&self) -> &str {
        self.0
            .get(4..)
            .and_then(|r| r.split_once(':'))
            .map_or("", |(_, id)| id)
    }

    /// The DID as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}

/// Splits a DID URL (`did:…#fragment`, as in a JWS `kid`) into the DID and the fragment.
///
/// # Errors
/// [`DidError::Invalid`] when the part before `#` is not a DID.
pub fn split_did_url(url: &str) -> Result<(Did, Option<&str>), DidError> {
    match url.split_once('#') {
        Some((did, fragment)) => Ok((Did::parse(did)?, Some(fragment))),
        None => Ok((Did::parse(url)?, None)),
    }
}

/// A boxed future, so [`DidResolver`] can be used as `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Turns a DID into its DID document (DID Core §7.1 "DID Resolution").
pub trait DidResolver: Send + Sync {
    /// Resolves `did`.
    fn resolve<'a>(&'a self, did: &'a Did) -> BoxFuture<'a, Result<DidDocument, DidError>>;
}

/// Resolves `did:key` and `did:jwk` from the identifier alone, synchronously.
///
/// # Errors
/// [`DidError::MethodUnsupported`] for other methods, or the method's own errors.
pub fn resolve_local(did: &Did) -> Result<DidDocument, DidError> {
    match did.method() {
        "key" => key::resolve(did),
        "jwk" => jwk::resolve(did),
        other => Err(DidError::MethodUnsupported(other.to_owned())),
    }
}

/// A resolver that dispatches on the method: `did:key`/`did:jwk` locally, and any
/// other method to the resolver registered for it (`web`, `sigillum`).
#[derive(Clone, Default)]
pub struct MethodResolvers {
    others: Vec<(String, Arc<dyn DidResolver>)>,
}

impl MethodResolvers {
    /// Only the local methods (`did:key`, `did:jwk`).
    #[must_use]
    pub fn local() -> Self {
        Self::default()
    }

    /// Adds a resolver for `method` (e.g. `"web"` with a [`web::WebResolver`]).
    #[must_use]
    pub fn with(mut self, method: &str, resolver: Arc<dyn DidResolver>) -> Self {
        self.others.push((method.to_owned(), resolver));
        self
    }
}

impl DidResolver for MethodResolvers {
    fn resolve<'a>(&'a self, did: &'a Did) -> BoxFuture<'a, Result<DidDocument, DidError>> {
        match self.others.iter().find(|(m, _)| m == did.method()) {
            Some((_, resolver)) => resolver.resolve(did),
            None => Box::pin(std::future::ready(resolve_local(did))),
        }
    }
}

#[cfg(test)]
mod tests;
