//! `sigillum issuer serve --config FILE`: the issuer's configuration, a JSON file.
//!
//! ```json
//! { "name": "Ministry of Interior",
//!   "listen": "127.0.0.1:8081",
//!   "public_url": "http://127.0.0.1:8081",
//!   "data_dir": "data/interior",
//!   "types": ["passport"],
//!   "alg": "ES256",
//!   "keys": { "passphrase_env": "SIGILLUM_ISSUER_PASSPHRASE" },
//!   "registry": { "url": "http://127.0.0.1:8080", "origin": "sigillum.example/registry",
//!                 "log_key": "sigillum.example/registry+1a2b3c4d+AbC…", "cosigners": [], "cosign_threshold": 0 },
//!   "status": { "list_size": 131072, "publish_delay_ms": 500, "ttl_secs": 300, "valid_hours": 24 },
//!   "offers": { "code_ttl_secs": 86400, "tx_code_length": 6, "tx_code_attempts": 5,
//!               "access_token_ttl_secs": 300, "c_nonce_ttl_secs": 300, "batch_size": 3 } }
//! ```
//!
//! `keys` is either `{"passphrase_env": VAR}` (the passphrase is read from that
//! environment variable, never from the file) or `{"key_file": PATH}` (32 random
//! bytes, base64url or hex; an HSM or KMS would unwrap this key). Every other
//! section has the defaults shown.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sigillum_credential::key::Alg;
use sigillum_credential::ledger::Policy;
use zeroize::Zeroizing;

use crate::keystore::Unlock;

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {why}")]
pub struct ConfigError {
    /// The file (or setting) at fault.
    pub path: String,
    /// What is wrong and how to fix it.
    pub why: String,
}

fn fail(path: impl Into<String>, why: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.into(),
        why: why.into(),
    }
}

/// Where the key that unseals the issuer's private keys comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum KeySource {
    /// The name of an environment variable holding a passphrase.
    PassphraseEnv(String),
    /// A file holding 32 random bytes.
    KeyFile(PathBuf),
}

/// The registry this issuer writes to, and the consortium keys it pins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// A node's base URL, for writes and proven reads.
    pub url: String,
    /// The URL verifiers reach the registry at, used in status list URIs
    /// (defaults to `url`).
    #[serde(default)]
    pub public_url: Option<String>,
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

impl RegistryConfig {
    /// The checkpoint policy these settings pin.
    ///
    /// # Errors
    /// [`ConfigError`] when a key does not parse or the threshold is impossible.
    pub fn policy(&self) -> Result<Policy, ConfigError> {
        Policy::from_text(
            &self.origin,
            &self.log_key,
            &self.cosigners,
            self.cosign_threshold,
        )
        .map_err(|e| fail("registry", e))
    }

    /// The public URL.
    #[must_use]
    pub fn public_url(&self) -> &str {
        self.public_url.as_deref().unwrap_or(&self.url)
    }
}

/// Status lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// Entries per list (at least 131,072, for herd privacy).
    pub list_size: u32,
    /// How long status changes are batched before they are published.
    pub publish_delay_ms: u64,
    /// How long verifiers may cache a list (`ttl`).
    pub ttl_secs: u64,
    /// How long a published list is valid (`exp`); it is re-signed before then.
    pub valid_hours: u32,
}

impl Default for StatusConfig {
    fn default() -> Self {
        StatusConfig {
            list_size: 131_072,
            publish_delay_ms: 500,
            ttl_secs: 300,
            valid_hours: 24,
        }
    }
}

/// Credential offers and the OpenID4VCI endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfferConfig {
    /// How long a pre-authorized code can be redeemed.
    pub code_ttl_secs: u64,
    /// Digits in the transaction code (PIN) given to the citizen separately.
    pub tx_code_length: u8,
    /// Wrong PINs before the offer is dead.
    pub tx_code_attempts: u8,
    /// Lifetime of an access token.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a `c_nonce`.
    pub c_nonce_ttl_secs: u64,
    /// Most copies one credential request may ask for (batch issuance).
    pub batch_size: u8,
}

impl Default for OfferConfig {
    fn default() -> Self {
        OfferConfig {
            code_ttl_secs: 86_400,
            tx_code_length: 6,
            tx_code_attempts: 5,
            access_token_ttl_secs: 300,
            c_nonce_ttl_secs: 300,
            batch_size: 3,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The office's name, shown to citizens (issuer metadata `display`).
    pub name: String,
    /// The address to listen on.
    pub listen: String,
    /// The credential issuer identifier (OpenID4VCI §12.2.1); defaults to `http://<listen>`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Where the store and the sealed keys live.
    pub data_dir: PathBuf,
    /// The credential types this office issues.
    pub types: Vec<String>,
    /// `ES256` (default) or `EdDSA`.
    #[serde(default = "default_alg")]
    pub alg: String,
    /// What unseals the private keys.
    pub keys: KeySource,
    /// The registry.
    pub registry: RegistryConfig,
    /// Status lists.
    #[serde(default)]
    pub status: StatusConfig,
    /// Offers and OpenID4VCI.
    #[serde(default)]
    pub offers: OfferConfig,
}

fn default_alg() -> String {
    "ES256".into()
}

impl IssuerConfig {
    /// Reads and checks a configuration file.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and the setting at fault.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| fail(&name, e.to_string()))?;
        let config: IssuerConfig =
            serde_json::from_str(&text).map_err(|e| fail(&name, e.to_string()))?;
        config
            .check()
            .map_err(|e| fail(format!("{name}: {}", e.path), e.why))?;
        Ok(config)
    }

    /// Checks the settings that serde cannot.
    ///
    /// # Errors
    /// [`ConfigError`] for the first setting at fault.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.signing_alg()?;
        self.registry.policy()?;
        if self.types.is_empty() {
            return Err(fail("types", "name at least one credential type to issue"));
        }
        if self.status.list_size < 131_072 {
            return Err(fail(
                "status.list_size",
                "status lists need at least 131072 entries (herd privacy)",
            ));
        }
        if !(4..=12).contains(&self.offers.tx_code_length) {
            return Err(fail("offers.tx_code_length", "a PIN has 4 to 12 digits"));
        }
        if self.offers.batch_size == 0 || self.offers.batch_size > 10 {
            return Err(fail("offers.batch_size", "a batch is 1 to 10 copies"));
        }
        if self.offers.tx_code_attempts == 0 {
            return Err(fail(
                "offers.tx_code_attempts",
                "allow at least one attempt",
            ));
        }
        Ok(())
    }

    /// The signing algorithm.
    ///
    /// # Errors
    /// [`ConfigError`] for anything but `ES256` and `EdDSA`.
    pub fn signing_alg(&self) -> Result<Alg, ConfigError> {
        Alg::from_name(&self.alg)
            .ok_or_else(|| fail("alg", format!("{:?}: use ES256 or EdDSA", self.alg)))
    }

    /// The credential issuer identifier.
    #[must_use]
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Reads what unseals the keys (the environment variable or the key file).
    ///
    /// # Errors
    /// [`ConfigError`] when the variable is unset or the key file is unreadable.
    pub fn unlock(&self) -> Result<Unlock, ConfigError> {
        match &self.keys {
            KeySource::PassphraseEnv(var) => {
                let phrase = std::env::var(var).map_err(|_| {
                    fail(
                        "keys.passphrase_env",
                        format!("set the environment variable {var} to the key passphrase"),
                    )
                })?;
                if phrase.is_empty() {
                    return Err(fail("keys.passphrase_env", format!("{var} is empty")));
                }
                Ok(Unlock::Passphrase(Zeroizing::new(phrase)))
            }
            KeySource::KeyFile(path) => {
                let text = Zeroizing::new(
                    std::fs::read_to_string(path)
                        .map_err(|e| fail("keys.key_file", format!("{}: {e}", path.display())))?,
                );
                Unlock::from_key_file_text(&text)
                    .map_err(|e| fail("keys.key_file", format!("{}: {e}", path.display())))
            }
        }
    }
}
