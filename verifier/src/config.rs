//! The verifier service's configuration (`sigillum verifier serve --config FILE`),
//! JSON, unknown members refused:
//!
//! ```json
//! { "listen": "127.0.0.1:8090",
//!   "public_url": "http://127.0.0.1:8090",
//!   "data_dir": "data/verifier",
//!   "profiles": ["border", "bank_kyc", "business_check"],
//!   "consortium": { "origin": "sigillum.example/registry", "log_key": "sigillum.example/registry+…",
//!                   "cosigners": [], "cosign_threshold": 0 },
//!   "registry": "http://127.0.0.1:8080",
//!   "bundle": "data/verifier/bundle.bin",
//!   "ledger_cache_secs": 10,
//!   "bundle_refresh_secs": 300,
//!   "request_ttl_secs": 300,
//!   "receipts": true }
//! ```
//!
//! `registry` and `bundle` may both be given: the registry is asked first, the
//! bundle is used when it cannot answer, and it is refreshed from the registry
//! every `bundle_refresh_secs`. With only a bundle the verifier works offline.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sigillum_credential::ledger::Policy;

/// The consortium's checkpoint keys, which every registry answer and bundle must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsortiumConfig {
    /// The log's origin line.
    pub origin: String,
    /// The log's note verifier key.
    pub log_key: String,
    /// Cosigner keys (`tlog-cosignature`).
    #[serde(default)]
    pub cosigners: Vec<String>,
    /// How many cosignatures a checkpoint needs.
    #[serde(default)]
    pub cosign_threshold: usize,
}

impl ConsortiumConfig {
    /// The checkpoint policy these keys pin.
    ///
    /// # Errors
    /// A sentence saying which key does not parse.
    pub fn policy(&self) -> Result<Policy, String> {
        Policy::from_text(
            &self.origin,
            &self.log_key,
            &self.cosigners,
            self.cosign_threshold,
        )
    }
}

/// The service's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierConfig {
    /// Where to listen (`127.0.0.1:8090`; port 0 picks one).
    pub listen: String,
    /// The base URL wallets reach this service at (in `request_uri` and
    /// `response_uri`); empty means `http://<listen address>`.
    #[serde(default)]
    pub public_url: String,
    /// Where the verifier's key (its `did:key`) and receipts are kept.
    pub data_dir: PathBuf,
    /// The checkpoint profiles offered: built-in names or profile files.
    #[serde(default = "default_profiles")]
    pub profiles: Vec<String>,
    /// The consortium keys.
    pub consortium: ConsortiumConfig,
    /// A registry node to read from.
    #[serde(default)]
    pub registry: Option<String>,
    /// An offline bundle file (`sigillum verifier bundle fetch`).
    #[serde(default)]
    pub bundle: Option<PathBuf>,
    /// How long registry answers (DIDs, accreditations, status lists) are reused;
    /// 0 asks the registry for every credential. A revocation is seen after at
    /// most this long.
    #[serde(default = "default_cache")]
    pub ledger_cache_secs: u64,
    /// With both `registry` and `bundle`: refresh the bundle this often.
    #[serde(default = "default_refresh")]
    pub bundle_refresh_secs: u64,
    /// How long a presentation request stays open, and its outcome kept at most.
    #[serde(default = "default_ttl")]
    pub request_ttl_secs: i64,
    /// Sign a receipt for every outcome (kept in `data_dir`, no personal data).
    #[serde(default)]
    pub receipts: bool,
}

fn default_profiles() -> Vec<String> {
    ["border", "bank_kyc", "business_check"]
        .map(String::from)
        .to_vec()
}

const fn default_cache() -> u64 {
    10
}

const fn default_refresh() -> u64 {
    300
}

const fn default_ttl() -> i64 {
    300
}

impl VerifierConfig {
    /// Reads a configuration file.
    ///
    /// # Errors
    /// A sentence naming the file and what is wrong with it.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let config: Self =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.check()?;
        Ok(config)
    }

    /// Checks what the types cannot say.
    ///
    /// # Errors
    /// A sentence saying which setting is wrong.
    pub fn check(&self) -> Result<(), String> {
        if self.registry.is_none() && self.bundle.is_none() {
            return Err("give a registry URL, an offline bundle, or both".into());
        }
        if self.profiles.is_empty() {
            return Err("profiles is empty: a checkpoint needs at least one".into());
        }
        if !(10..=86_400).contains(&self.request_ttl_secs) {
            return Err("request_ttl_secs must be between 10 and 86400".into());
        }
        self.consortium.policy().map(|_| ())
    }
}
