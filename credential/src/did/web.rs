//! `did:web` (W3C CCG did:web Method Specification §3.2 "Read"): the DID names an
//! HTTPS location of its document. The HTTP client is the caller's ([`HttpGet`]);
//! this module turns the DID into the URL and checks what comes back.

use super::{BoxFuture, Did, DidDocument, DidError, DidResolver, document::MAX_DOCUMENT_BYTES};

/// Fetches a URL over HTTPS. Services implement this with their HTTP client; the
/// implementation must not follow redirects to other hosts and should time out.
pub trait HttpGet: Send + Sync {
    /// GETs `url`, returning the body of a 200 response, at most `max_bytes` long.
    fn get<'a>(&'a self, url: &'a str, max_bytes: usize) -> BoxFuture<'a, Result<Vec<u8>, String>>;
}

/// The document URL of a `did:web` (did:web §3.2 steps 1–6): `:` separates path
/// segments, `%3A` in the host is a port, no path means `/.well-known/did.json`.
///
/// # Errors
/// [`DidError::Invalid`] when the identifier has an empty segment, a path
/// traversal, or a host that is not a plain domain name (with optional port).
pub fn document_url(did: &Did) -> Result<String, DidError> {
    if did.method() != "web" {
        return Err(DidError::MethodUnsupported(did.method().to_owned()));
    }
    let mut segments = did.method_specific_id().split(':');
    let host = segments
        .next()
        .unwrap_or_default()
        .replace("%3A", ":")
        .replace("%3a", ":");
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !host_ok {
        return Err(DidError::Invalid(format!(
            "did:web host {host:?} is not a domain name"
        )));
    }
    let path: Vec<&str> = segments.collect();
    if path
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == ".." || s.contains('%'))
    {
        return Err(DidError::Invalid(
            "did:web path segment is empty or not plain".into(),
        ));
    }
    Ok(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

/// A `did:web` resolver over an [`HttpGet`].
pub struct WebResolver<H> {
    http: H,
}

impl<H: HttpGet> WebResolver<H> {
    /// Resolves through `http`.
    pub fn new(http: H) -> Self {
        Self { http }
    }
}

impl<H: HttpGet> DidResolver for WebResolver<H> {
    fn resolve<'a>(&'a self, did: &'a Did) -> BoxFuture<'a, Result<DidDocument, DidError>> {
        Box::pin(async move {
            let url = document_url(did)?;
            let body = self
                .http
                .get(&url, MAX_DOCUMENT_BYTES)
                .await
                .map_err(DidError::Fetch)?;
            DidDocument::from_json(&body, did)
        })
    }
}
