//! The issuer's identity: a `did:sigillum` DID whose controller key (Ed25519,
//! `capabilityInvocation`) changes the DID on the ledger, and whose signing keys
//! (ES256 by default, `assertionMethod`) sign credentials. All private keys live in
//! one sealed file (`keystore`); rotation adds a key and retires the old one, which
//! stays in the file so its history is known (specs/registry/DESIGN.md "Operations").

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sigillum_credential::key::{Alg, Jwk, JwkError, PublicKey, SigningKey};
use sigillum_credential::ledger::operation::{self, OpType, Operation, derive_did};
use sigillum_credential::ledger::operation_body::{LedgerDidDocument, LedgerVerificationMethod};
use zeroize::Zeroizing;

use crate::keystore::{self, KeystoreError, Unlock};

/// The file, in the data directory, that holds the sealed identity.
pub const IDENTITY_FILE: &str = "identity.sealed.json";
/// The controller key's fragment.
pub const CONTROLLER: &str = "ctl";

/// Why the identity could not be loaded, created or changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The sealed file does not open.
    #[error("{path}: {source}")]
    Keystore {
        /// The file.
        path: PathBuf,
        /// Why.
        source: KeystoreError,
    },
    /// The file opened but its content is not an identity.
    #[error("{path}: the sealed identity is malformed: {why}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key named is not one of this issuer's.
    #[error("{0} is not a signing key of this issuer")]
    UnknownKey(String),
}

impl IdentityError {
    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::Keystore { source, .. } => source.code(),
            IdentityError::Malformed { .. } => "identity_malformed",
            IdentityError::Io { .. } => "identity_io",
            IdentityError::UnknownKey(_) => "identity_unknown_key",
        }
    }
}

/// One signing key and its life.
#[derive(Debug, Clone)]
pub struct IssuerKey {
    /// The method id fragment (`key-1`, `key-2`, …).
    pub fragment: String,
    /// The private key.
    pub key: SigningKey,
    /// When it was created (Unix seconds).
    pub created: i64,
    /// When it stopped signing, if it did.
    pub retired: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredKey {
    fragment: String,
    jwk: Jwk,
    created: i64,
    retired: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    did: String,
    controller: Jwk,
    keys: Vec<StoredKey>,
}

/// The issuer's DID and keys, unsealed in memory.
#[derive(Debug, Clone)]
pub struct Identity {
    did: String,
    controller: SigningKey,
    keys: Vec<IssuerKey>,
}

fn method(did: &str, fragment: &str, key: &PublicKey) -> LedgerVerificationMethod {
    LedgerVerificationMethod {
        id: format!("#{fragment}"),
        kind: "JsonWebKey2020".into(),
        controller: did.to_owned(),
        public_key_jwk: key.to_jwk(),
    }
}

impl Identity {
    /// A new identity: a fresh controller key and a first signing key of `alg`.
    #[must_use]
    pub fn generate(alg: Alg, now: i64) -> Self {
        let controller = SigningKey::generate(Alg::EdDsa);
        let mut identity = Identity {
            did: String::new(),
            controller,
            keys: vec![IssuerKey {
                fragment: "key-1".into(),
                key: SigningKey::generate(alg),
                created: now,
                retired: None,
            }],
        };
        // The id is derived from the controller key alone (capabilityInvocation),
        // so it does not change when signing keys rotate.
        identity.did = derive_did(&identity.document()).unwrap_or_default();
        identity
    }

    /// The DID.
    #[must_use]
    pub fn did(&self) -> &str {
        &self.did
    }

    /// The key that signs credentials now.
    #[must_use]
    pub fn current(&self) -> &IssuerKey {
        // `keys` is never empty: `generate` makes one, `rotate` only adds, and
        // `load` refuses a file without a live key.
        self.keys
            .iter()
            .rev()
            .find(|k| k.retired.is_none())
            .unwrap_or(&self.keys[0])
    }

    /// The `kid` of the current signing key (`did#key-N`).
    #[must_use]
    pub fn current_kid(&self) -> String {
        format!("{}#{}", self.did, self.current().fragment)
    }

    /// Every signing key, oldest first.
    #[must_use]
    pub fn keys(&self) -> &[IssuerKey] {
        &self.keys
    }

    /// The DID document as the ledger stores it: the controller key for
    /// `capabilityInvocation`, the current signing key for `assertionMethod`.
    /// Retired keys are not in the current document; the ledger's history says
    /// when each was valid.
    #[must_use]
    pub fn document(&self) -> LedgerDidDocument {
        let current = self.current();
        LedgerDidDocument {
            verification_method: vec![
                method(&self.did, CONTROLLER, &self.controller.public_key()),
                method(&self.did, &current.fragment, &current.key.public_key()),
            ],
            assertion_method: vec![format!("#{}", current.fragment)],
            authentication: vec![],
            capability_invocation: vec![format!("#{CONTROLLER}")],
        }
    }

    /// Retires the current signing key and adds a new one of the same algorithm.
    pub fn rotate(&mut self, now: i64) -> &IssuerKey {
        let alg = self.current().key.alg();
        let next = self.keys.len() + 1;
        for key in &mut self.keys {
            if key.retired.is_none() {
                key.retired = Some(now);
            }
        }
        self.keys.push(IssuerKey {
            fragment: format!("key-{next}"),
            key: SigningKey::generate(alg),
            created: now,
            retired: None,
        });
        self.current()
    }

    fn signed_op(&self, op_type: OpType, prev: Option<String>, time: i64, body: Value) -> String {
        let op = Operation {
            v: 1,
            op_type,
            id: self.did.clone(),
            prev,
            time,
            body,
        };
        let kid = format!("#{CONTROLLER}");
        operation::sign(&op, &[(&self.controller, kid.as_str())])
    }

    /// `did.create` (first registration) or `did.update` (after a rotation) of the
    /// current document, signed by the controller key.
    #[must_use]
    pub fn document_operation(&self, prev: Option<String>, time: i64) -> String {
        let op_type = if prev.is_some() {
            OpType::DidUpdate
        } else {
            OpType::DidCreate
        };
        let body = serde_json::to_value(self.document()).unwrap_or(Value::Null);
        self.signed_op(op_type, prev, time, body)
    }

    /// `did.key_compromised`: the key `fragment` must not be trusted for anything
    /// signed at or after `since`.
    ///
    /// # Errors
    /// [`IdentityError::UnknownKey`] when `fragment` is not one of our signing keys.
    pub fn compromised_operation(
        &self,
        fragment: &str,
        since: i64,
        prev: String,
        time: i64,
    ) -> Result<String, IdentityError> {
        let fragment = fragment.rsplit('#').next().unwrap_or(fragment);
        if !self.keys.iter().any(|k| k.fragment == fragment) {
            return Err(IdentityError::UnknownKey(fragment.to_owned()));
        }
        let body = json!({"kid": format!("{}#{fragment}", self.did), "since": since});
        Ok(self.signed_op(OpType::DidKeyCompromised, Some(prev), time, body))
    }

    /// Seals the identity into `dir`, atomically (write, sync, rename, sync dir).
    ///
    /// # Errors
    /// [`IdentityError`] on I/O or sealing failure.
    pub fn save(&self, dir: &Path, unlock: &Unlock) -> Result<(), IdentityError> {
        let path = dir.join(IDENTITY_FILE);
        let stored = Stored {
            did: self.did.clone(),
            controller: self.controller.to_private_jwk(),
            keys: self
                .keys
                .iter()
                .map(|k| StoredKey {
                    fragment: k.fragment.clone(),
                    jwk: k.key.to_private_jwk(),
                    created: k.created,
                    retired: k.retired,
                })
                .collect(),
        };
        let plain =
            Zeroizing::new(
                serde_json::to_vec(&stored).map_err(|e| IdentityError::Malformed {
                    path: path.clone(),
                    why: e.to_string(),
                })?,
            );
        let text = keystore::seal(&plain, unlock).map_err(|source| IdentityError::Keystore {
            path: path.clone(),
            source,
        })?;
        write_atomically(&path, text.as_bytes())
    }

    /// Opens the sealed identity in `dir`, or `None` when there is none yet.
    ///
    /// # Errors
    /// [`IdentityError`] when the file exists but does not open or is malformed.
    pub fn load(dir: &Path, unlock: &Unlock) -> Result<Option<Self>, IdentityError> {
        let path = dir.join(IDENTITY_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(IdentityError::Io { path, source }),
        };
        let plain = keystore::open(&text, unlock).map_err(|source| IdentityError::Keystore {
            path: path.clone(),
            source,
        })?;
        let malformed = |why: String| IdentityError::Malformed {
            path: path.clone(),
            why,
        };
        let stored: Stored =
            serde_json::from_slice(&plain).map_err(|e| malformed(e.to_string()))?;
        let private = |jwk: &Jwk| -> Result<SigningKey, JwkError> { jwk.to_signing_key() };
        let controller = private(&stored.controller).map_err(|e| malformed(e.to_string()))?;
        let keys = stored
            .keys
            .iter()
            .map(|k| {
                Ok(IssuerKey {
                    fragment: k.fragment.clone(),
                    key: private(&k.jwk).map_err(|e| malformed(e.to_string()))?,
                    created: k.created,
                    retired: k.retired,
                })
            })
            .collect::<Result<Vec<_>, IdentityError>>()?;
        if !keys.iter().any(|k| k.retired.is_none()) {
            return Err(malformed("no signing key is live".into()));
        }
        let identity = Identity {
            did: stored.did,
            controller,
            keys,
        };
        if derive_did(&identity.document()).ok().as_deref() != Some(identity.did.as_str()) {
            return Err(malformed(
                "the DID does not derive from the controller key".into(),
            ));
        }
        Ok(Some(identity))
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one.
///
/// # Errors
/// [`IdentityError::Io`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), IdentityError> {
    use std::io::Write;
    let io = |source| IdentityError::Io {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigillum_credential::ledger::operation::parse;

    fn key_unlock() -> Unlock {
        Unlock::from_key_file_text(&"11".repeat(32)).unwrap()
    }

    #[test]
    fn the_did_survives_rotation_and_the_document_follows_the_current_key() {
        let mut id = Identity::generate(Alg::Es256, 1_000);
        let did = id.did().to_owned();
        assert!(did.starts_with("did:sigillum:"));
        assert_eq!(id.current_kid(), format!("{did}#key-1"));
        id.rotate(2_000);
        assert_eq!(id.did(), did);
        assert_eq!(id.current_kid(), format!("{did}#key-2"));
        assert_eq!(id.keys()[0].retired, Some(2_000));
        assert_eq!(id.current().key.alg(), Alg::Es256);
        let doc = id.document();
        assert_eq!(doc.assertion_method, ["#key-2"]);
        assert_eq!(derive_did(&doc).unwrap(), did);
    }

    #[test]
    fn save_and_load_round_trip_sealed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Identity::load(dir.path(), &key_unlock()).unwrap().is_none());
        let mut id = Identity::generate(Alg::EdDsa, 5);
        id.rotate(6);
        id.save(dir.path(), &key_unlock()).unwrap();
        let raw = std::fs::read_to_string(dir.path().join(IDENTITY_FILE)).unwrap();
        let d = id.current().key.to_private_jwk().d.unwrap();
        assert!(!raw.contains(&d), "a private key is readable on disk");
        let back = Identity::load(dir.path(), &key_unlock()).unwrap().unwrap();
        assert_eq!(back.did(), id.did());
        assert_eq!(back.current_kid(), id.current_kid());
        assert_eq!(back.keys().len(), 2);
        let wrong = Unlock::from_key_file_text(&"22".repeat(32)).unwrap();
        assert_eq!(
            Identity::load(dir.path(), &wrong).unwrap_err().code(),
            "keystore_wrong_key"
        );
    }

    #[test]
    fn operations_are_signed_by_the_controller_for_our_did() {
        let id = Identity::generate(Alg::Es256, 5);
        let create = parse(id.document_operation(None, 7).as_bytes()).unwrap();
        assert_eq!(create.operation.op_type, OpType::DidCreate);
        assert_eq!(create.operation.id, id.did());
        assert_eq!(create.signatures[0].kid, "#ctl");
        let update = parse(id.document_operation(Some("AAAA".into()), 8).as_bytes()).unwrap();
        assert_eq!(update.operation.op_type, OpType::DidUpdate);
        let c = id
            .compromised_operation("key-1", 3, "AAAA".into(), 9)
            .unwrap();
        let c = parse(c.as_bytes()).unwrap();
        assert_eq!(c.operation.body["kid"], format!("{}#key-1", id.did()));
        assert_eq!(
            id.compromised_operation("key-9", 3, "AAAA".into(), 9)
                .unwrap_err()
                .code(),
            "identity_unknown_key"
        );
    }
}
