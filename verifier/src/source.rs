//! Where the verifier reads the ledger from: a registry node over HTTP (every
//! answer proven against the pinned consortium keys, and never older than the last
//! checkpoint seen), or an offline bundle verified once against the same keys.
//! Either way each value comes with the time of the checkpoint that proves it, so
//! a report can say how current its facts are.

use std::time::Duration;

use serde_json::Value;
use sigillum_credential::did::BoxFuture;
use sigillum_credential::did::web::HttpGet;
use sigillum_credential::ledger::bundle::VerifiedBundle;
use sigillum_credential::ledger::client::{ClientError, RegistryClient};
use sigillum_credential::ledger::read::parse_time_line;
use sigillum_credential::time::Timestamp;

/// A proven ledger value and the time of the checkpoint proving it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced {
    /// The object's current value.
    pub value: Value,
    /// The checkpoint's `time` line.
    pub as_of: Timestamp,
}

/// Why the ledger could not answer (as opposed to "it has no such object").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// A source of proven ledger objects.
pub trait LedgerSource: Send + Sync {
    /// Object `id` (`did:sigillum:…`, `accreditation:…`, `status-list:…`), or `None`
    /// when the ledger has none.
    fn read<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Sourced>, SourceError>>;

    /// Where the facts come from, for the report (`registry http://…`, `offline bundle`).
    fn describe(&self) -> String;

    /// The bundle's time when offline (its age goes into every report).
    fn offline_as_of(&self) -> Option<Timestamp> {
        None
    }
}

/// `HttpGet` over reqwest: 10 s timeout, no redirects, a 404 told apart.
#[derive(Debug, Clone)]
pub struct ReqwestGet(reqwest::Client);

/// The error text of a 404, which [`Online`] reads as "no such object".
const NOT_FOUND: &str = "HTTP 404";

impl Default for ReqwestGet {
    fn default() -> Self {
        ReqwestGet(
            reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        )
    }
}

impl HttpGet for ReqwestGet {
    fn get<'a>(&'a self, url: &'a str, max_bytes: usize) -> BoxFuture<'a, Result<Vec<u8>, String>> {
        Box::pin(async move {
            let response = self.0.get(url).send().await.map_err(|e| e.to_string())?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return Err(NOT_FOUND.into());
            }
            if !response.status().is_success() {
                return Err(format!("HTTP {}", response.status()));
            }
            if response
                .content_length()
                .is_some_and(|l| l > max_bytes as u64)
            {
                return Err(format!("answer larger than {max_bytes} bytes"));
            }
            let bytes = response.bytes().await.map_err(|e| e.to_string())?;
            if bytes.len() > max_bytes {
                return Err(format!("answer larger than {max_bytes} bytes"));
            }
            Ok(bytes.to_vec())
        })
    }
}

/// The registry, online.
pub struct Online<H> {
    client: RegistryClient<H>,
    base: String,
}

impl<H: HttpGet> Online<H> {
    /// Reads through `client` (which pins the consortium keys and tracks checkpoints).
    pub fn new(base: impl Into<String>, client: RegistryClient<H>) -> Self {
        Online {
            client,
            base: base.into(),
        }
    }
}

impl<H: HttpGet> LedgerSource for Online<H> {
    fn read<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Sourced>, SourceError>> {
        Box::pin(async move {
            match self.client.read(id).await {
                Ok(read) => Ok(Some(Sourced {
                    as_of: parse_time_line(read.checkpoint.checkpoint().extensions())
                        .unwrap_or(Timestamp::from_unix(0)),
                    value: read.object,
                })),
                Err(ClientError::Unreachable(m)) if m.starts_with(NOT_FOUND) => Ok(None),
                Err(e) => Err(SourceError(format!("{e} [{}]", e.code()))),
            }
        })
    }

    fn describe(&self) -> String {
        format!("registry {}", self.base)
    }
}

/// An offline bundle, verified.
#[derive(Debug, Clone)]
pub struct Offline {
    bundle: VerifiedBundle,
}

impl Offline {
    /// Wraps a bundle verified with `sigillum_credential::ledger::bundle::verify_bundle`.
    #[must_use]
    pub fn new(bundle: VerifiedBundle) -> Self {
        Offline { bundle }
    }
}

impl LedgerSource for Offline {
    fn read<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Sourced>, SourceError>> {
        Box::pin(async move {
            Ok(self.bundle.objects.get(id).map(|(value, _)| Sourced {
                value: value.clone(),
                as_of: self.bundle.issued_at,
            }))
        })
    }

    fn describe(&self) -> String {
        format!("offline bundle of {}", self.bundle.issued_at)
    }

    fn offline_as_of(&self) -> Option<Timestamp> {
        Some(self.bundle.issued_at)
    }
}
