//! The issuer as one object: its store, identity, registry link and the rules
//! the HTTP layer and the CLI both go through. Handlers stay thin; everything an
//! officer or a wallet can do is a method here, testable and benchmarkable
//! without HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;
use sigillum_credential::key::SigningKey;
use sigillum_credential::schema::{CredentialSchema, CredentialTypes};
use sigillum_credential::time::Clock;
use tokio::sync::Notify;

use crate::config::IssuerConfig;
use crate::error::IssueError;
use crate::identity::Identity;
use crate::keystore::Unlock;
use crate::nonce::NonceBook;
use crate::registry_link::{LinkError, RegistryLink};
use crate::store::{IssuerStore, StoreConfig};

/// How long a positive accreditation answer is trusted before it is re-read.
const ACCREDITATION_RECHECK_SECS: i64 = 60;
/// Outstanding `c_nonce` values held at most.
const NONCE_CAPACITY: usize = 1_000_000;

/// Why the issuer could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The sealed identity.
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    /// The store.
    #[error("the store: {0}")]
    Store(String),
    /// The registry refused or could not be reached for the DID registration.
    #[error("registering the issuer's DID: {0}")]
    Registry(#[from] LinkError),
    /// A credential type the configuration names is unknown.
    #[error("credential type {0:?} is not defined in specs/credential-types")]
    UnknownType(String),
}

/// How far ahead of the clock a key rotation takes effect on the registry: the
/// old key signs what is dated before that second, the new key what is dated from
/// it, so no credential is ever dated in the second its key changed (a key period
/// is half-open, `[from, until)`, in whole seconds: credential/src/ledger/did_history.rs).
pub const ROTATION_LEAD_SECS: i64 = 2;

/// The signing key in use, swapped whole on rotation.
#[derive(Debug)]
pub struct Signing {
    /// `did#key-N`.
    pub kid: String,
    /// The key (behind `JwsSigner`: an HSM key would be another type here).
    pub key: SigningKey,
    /// Signatures dated before this are the previous key's (a rotation that takes
    /// effect at this second).
    pub from: i64,
    /// Signatures dated at or after this are not this key's: its retirement is
    /// being written to the registry.
    pub until: Option<i64>,
    /// The key before, while signatures dated before `from` are still made.
    pub previous: Option<Arc<Signing>>,
}

impl Signing {
    /// The key whose period on the registry covers a signature dated `at`; `None`
    /// only while a rotation's registry write is slower than [`ROTATION_LEAD_SECS`].
    #[must_use]
    pub fn at(self: &Arc<Self>, at: i64) -> Option<Arc<Signing>> {
        if at >= self.from {
            return self.until.is_none_or(|u| at < u).then(|| Arc::clone(self));
        }
        self.previous
            .as_ref()
            .filter(|p| p.from <= at && p.until.is_none_or(|u| at < u))
            .map(Arc::clone)
    }
}

/// The issuing service.
pub struct Issuer {
    pub(crate) config: IssuerConfig,
    pub(crate) public_url: String,
    pub(crate) store: IssuerStore,
    pub(crate) unlock: Unlock,
    pub(crate) identity: RwLock<Identity>,
    pub(crate) signing: RwLock<Arc<Signing>>,
    /// Held through a key rotation, so two never interleave.
    rotating: tokio::sync::Mutex<()>,
    pub(crate) types: &'static CredentialTypes,
    pub(crate) link: RegistryLink,
    pub(crate) nonces: NonceBook,
    pub(crate) accredited: Mutex<HashMap<String, i64>>,
    pub(crate) publish: Notify,
    pub(crate) published: crate::publish::Published,
    pub(crate) clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("public_url", &self.public_url)
            .field("did", &self.did())
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// Opens the store and the sealed identity (creating both on first start) and
    /// makes sure the DID is on the registry with the current document.
    ///
    /// # Errors
    /// [`StartError`] naming what is wrong.
    pub async fn start(
        config: IssuerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, StartError> {
        config.check()?;
        let types = CredentialTypes::builtin().map_err(|e| StartError::Store(e.to_string()))?;
        for t in &config.types {
            types
                .get(t)
                .map_err(|_| StartError::UnknownType(t.clone()))?;
        }
        let unlock = config.unlock()?;
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError::Store(format!("{}: {e}", config.data_dir.display())))?;
        let identity = match Identity::load(&config.data_dir, &unlock)? {
            Some(identity) => identity,
            None => {
                let identity = Identity::generate(config.signing_alg()?, clock.now().unix());
                identity.save(&config.data_dir, &unlock)?;
                identity
            }
        };
        let store = IssuerStore::open(
            &config.data_dir.join("store"),
            StoreConfig {
                list_size: config.status.list_size,
                fill_limit_percent: 75,
            },
        )
        .map_err(|e| StartError::Store(e.to_string()))?;
        let link = RegistryLink::new(config.registry.url.clone(), config.registry.policy()?);
        let signing = Signing {
            kid: identity.current_kid(),
            key: identity.current().key.clone(),
            from: i64::MIN,
            until: None,
            previous: None,
        };
        let issuer = Issuer {
            public_url: config.public_url(),
            nonces: NonceBook::new(
                i64::try_from(config.offers.c_nonce_ttl_secs).unwrap_or(300),
                NONCE_CAPACITY,
            ),
            config,
            store,
            unlock,
            identity: RwLock::new(identity),
            signing: RwLock::new(Arc::new(signing)),
            rotating: tokio::sync::Mutex::new(()),
            types,
            link,
            accredited: Mutex::new(HashMap::new()),
            publish: Notify::new(),
            published: crate::publish::Published::default(),
            clock,
        };
        issuer.sync_did().await?;
        Ok(Arc::new(issuer))
    }

    /// Our DID.
    #[must_use]
    pub fn did(&self) -> String {
        self.identity
            .read()
            .map(|i| i.did().to_owned())
            .unwrap_or_default()
    }

    /// The credential issuer identifier.
    #[must_use]
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &IssuerConfig {
        &self.config
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &IssuerStore {
        &self.store
    }

    /// The registry link.
    #[must_use]
    pub fn link(&self) -> &RegistryLink {
        &self.link
    }

    /// The key signing now.
    #[must_use]
    pub fn signing(&self) -> Arc<Signing> {
        self.signing
            .read()
            .map(|s| Arc::clone(&s))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    fn identity(&self) -> Identity {
        self.identity
            .read()
            .map(|i| i.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Registers the DID, or updates it when the ledger's document is not ours
    /// (a rotation whose registry write was interrupted).
    async fn sync_did(&self) -> Result<(), LinkError> {
        let identity = self.identity();
        let now = self.clock.now().unix();
        match self.link.read(identity.did()).await? {
            None => {
                self.link
                    .submit(&identity.document_operation(None, now))
                    .await?;
            }
            Some(current) => {
                let ours = serde_json::to_value(identity.document()).unwrap_or(Value::Null);
                if !same_keys(&current.object["document"], &ours) {
                    self.link
                        .submit(&identity.document_operation(Some(current.leaf_hash), now))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// The served credential type `name`.
    ///
    /// # Errors
    /// [`IssueError::TypeNotServed`].
    pub fn served_type(&self, name: &str) -> Result<&'static CredentialSchema, IssueError> {
        if !self.config.types.iter().any(|t| t == name) {
            return Err(IssueError::TypeNotServed(name.to_owned()));
        }
        self.types
            .get(name)
            .map_err(|_| IssueError::TypeNotServed(name.to_owned()))
    }

    /// Whether governance has accredited us for `type_name` now (cached for a minute
    /// when yes; re-read every time when no, so a fresh grant is seen at once).
    ///
    /// # Errors
    /// [`IssueError::NotAccredited`], or the registry's error.
    pub async fn check_accredited(&self, type_name: &str) -> Result<(), IssueError> {
        let now = self.clock.now().unix();
        let cached = self
            .accredited
            .lock()
            .ok()
            .and_then(|m| m.get(type_name).copied());
        if cached.is_some_and(|at| now - at < ACCREDITATION_RECHECK_SECS) {
            return Ok(());
        }
        let did = self.did();
        let id = format!("accreditation:{did}:{type_name}");
        let object = self
            .link
            .read(&id)
            .await
            .map_err(IssueError::Registry)?
            .map(|c| c.object);
        let live = object.as_ref().is_some_and(|a| {
            let from_ok = a["valid_from"].as_i64().is_some_and(|f| f <= now);
            let until_ok = a["valid_until"].as_i64().is_none_or(|u| now < u);
            let not_withdrawn = a["withdrawn_since"].as_i64().is_none_or(|w| now < w);
            from_ok && until_ok && not_withdrawn
        });
        if !live {
            if let Ok(mut m) = self.accredited.lock() {
                m.remove(type_name);
            }
            return Err(IssueError::NotAccredited {
                issuer: did,
                type_name: type_name.to_owned(),
            });
        }
        if let Ok(mut m) = self.accredited.lock() {
            m.insert(type_name.to_owned(), now);
        }
        Ok(())
    }

    /// Rotates the signing key: a new key is sealed to disk first, then the DID
    /// document is updated on the registry with the change taking effect
    /// [`ROTATION_LEAD_SECS`] ahead; the old key signs what is dated before that
    /// second and the new key what is dated from it, so every credential's key is
    /// valid at its `iat` on the registry.
    ///
    /// # Errors
    /// [`IssueError`] when sealing or the registry write fails (the old key keeps signing).
    pub async fn rotate_key(&self, officer: &str) -> Result<String, IssueError> {
        let _one_at_a_time = self.rotating.lock().await;
        let effective = self.clock.now().unix() + ROTATION_LEAD_SECS;
        let mut next = self.identity();
        next.rotate(effective);
        next.save(&self.config.data_dir, &self.unlock)
            .map_err(|e| IssueError::Store(e.to_string()))?;
        let current = self.signing();
        let retiring = Arc::new(Signing {
            kid: current.kid.clone(),
            key: current.key.clone(),
            from: current.from,
            until: Some(effective),
            previous: None,
        });
        self.set_signing(Arc::clone(&retiring));
        let did = next.did().to_owned();
        let doc_next = next.clone();
        let written = self
            .link
            .submit_with_prev(&did, move |prev| {
                doc_next.document_operation(prev, effective)
            })
            .await;
        if let Err(e) = written {
            self.set_signing(current);
            return Err(IssueError::Registry(e));
        }
        let kid = next.current_kid();
        let signing = Signing {
            kid: kid.clone(),
            key: next.current().key.clone(),
            from: effective,
            until: None,
            previous: Some(retiring),
        };
        if let Ok(mut id) = self.identity.write() {
            *id = next;
        }
        self.set_signing(Arc::new(signing));
        self.published.forget_all();
        self.publish.notify_one();
        self.audit(officer, "rotate", None, &format!("new signing key {kid}"))?;
        Ok(kid)
    }

    fn set_signing(&self, signing: Arc<Signing>) {
        match self.signing.write() {
            Ok(mut s) => *s = signing,
            Err(poisoned) => *poisoned.into_inner() = signing,
        }
    }

    /// Marks signing key `fragment` (e.g. `key-1`) compromised since `since`.
    ///
    /// # Errors
    /// [`IssueError`] when the key is unknown or the registry refuses.
    pub async fn key_compromised(
        &self,
        officer: &str,
        fragment: &str,
        since: i64,
    ) -> Result<(), IssueError> {
        let identity = self.identity();
        let now = self.clock.now().unix();
        let did = identity.did().to_owned();
        identity
            .compromised_operation(fragment, since, String::new(), now)
            .map_err(|e| IssueError::BadRequest {
                code: "identity_unknown_key",
                detail: e.to_string(),
            })?;
        self.link
            .submit_with_prev(&did, |prev| {
                identity
                    .compromised_operation(fragment, since, prev.unwrap_or_default(), now)
                    .unwrap_or_default()
            })
            .await
            .map_err(IssueError::Registry)?;
        self.audit(
            officer,
            "compromised",
            None,
            &format!("{did}#{fragment} compromised since {since}"),
        )
    }

    pub(crate) fn audit(
        &self,
        officer: &str,
        action: &str,
        credential: Option<crate::store::CredentialId>,
        detail: &str,
    ) -> Result<(), IssueError> {
        self.store
            .audit_append(crate::store::AuditEntry {
                officer: officer.to_owned(),
                action: action.to_owned(),
                credential,
                detail: detail.to_owned(),
                time: u64::try_from(self.clock.now().unix()).unwrap_or_default(),
            })
            .map(|_| ())
            .map_err(|e| IssueError::Store(e.to_string()))
    }
}

/// Whether two ledger DID documents hold the same keys in the same relationships
/// (the ledger rewrites ids to absolute form, so compare fragments and JWKs).
fn same_keys(ledger: &Value, ours: &Value) -> bool {
    let summary = |doc: &Value| -> Vec<String> {
        let mut out: Vec<String> = doc["verificationMethod"]
            .as_array()
            .map(|vms| {
                vms.iter()
                    .map(|vm| {
                        let id = vm["id"].as_str().unwrap_or_default();
                        let fragment = id.rsplit('#').next().unwrap_or(id);
                        format!("{fragment} {}", vm["publicKeyJwk"]["x"])
                    })
                    .collect()
            })
            .unwrap_or_default();
        for rel in ["assertionMethod", "capabilityInvocation"] {
            for r in doc[rel].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap_or_default();
                out.push(format!("{rel} {}", r.rsplit('#').next().unwrap_or(r)));
            }
        }
        out.sort();
        out
    };
    summary(ledger) == summary(ours)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sigillum_credential::key::{Alg, SigningKey};

    use super::Signing;

    fn key(kid: &str, from: i64, until: Option<i64>, previous: Option<Arc<Signing>>) -> Signing {
        Signing {
            kid: kid.into(),
            key: SigningKey::generate(Alg::Es256),
            from,
            until,
            previous,
        }
    }

    /// During a rotation that takes effect at 102, every signature dated before 102
    /// is the old key's and every one from 102 the new key's; while the registry
    /// write is still pending, nothing is signed at or after 102.
    #[test]
    fn each_date_has_exactly_the_key_valid_then() {
        let retiring = Arc::new(key("key-1", i64::MIN, Some(102), None));
        assert_eq!(retiring.at(101).unwrap().kid, "key-1");
        assert!(retiring.at(102).is_none(), "the write is still pending");
        let rotated = Arc::new(key("key-2", 102, None, Some(Arc::clone(&retiring))));
        assert_eq!(rotated.at(100).unwrap().kid, "key-1");
        assert_eq!(rotated.at(101).unwrap().kid, "key-1");
        assert_eq!(rotated.at(102).unwrap().kid, "key-2");
        assert_eq!(rotated.at(5_000).unwrap().kid, "key-2");
        let settled = Arc::new(key("key-1", i64::MIN, None, None));
        assert_eq!(settled.at(i64::MAX).unwrap().kid, "key-1");
    }
}
