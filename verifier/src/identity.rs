//! The checkpoint's own key: a P-256 `did:key` that signs its OpenID4VP request
//! objects (Client Identifier `decentralized_identifier:<did>`, OpenID4VP 1.0
//! §5.9.3) and its verification receipts. Created on first start as a private JWK
//! in the data directory, readable by its owner only (0600 on Unix).

use std::path::Path;

use sigillum_credential::did::{Did, key::did_for};
use sigillum_credential::key::Jwk;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::oid4vp::DID_CLIENT_PREFIX;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "verifier-key.jwk";

/// The verifier's key and the identifiers derived from it.
pub struct VerifierKey {
    /// The private key.
    pub key: SigningKey,
    /// `did:key:z…`.
    pub did: Did,
    /// `did:key:z…#z…`, the `kid` of everything it signs.
    pub kid: String,
    /// `decentralized_identifier:did:key:z…`.
    pub client_id: String,
}

impl VerifierKey {
    /// Reads the key from `dir`, or creates it there.
    ///
    /// # Errors
    /// A sentence naming the file and what is wrong with it.
    pub fn load_or_create(dir: &Path) -> Result<Self, String> {
        let path = dir.join(KEY_FILE);
        let key = if path.is_file() {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            Jwk::from_json(&text)
                .and_then(|jwk| jwk.to_signing_key())
                .map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            let key = SigningKey::generate(Alg::Es256);
            write_private(&path, &key.to_private_jwk().to_value().to_string())?;
            key
        };
        let did = did_for(&key.public_key());
        let kid = format!("{}#{}", did.as_str(), did.method_specific_id());
        let client_id = format!("{DID_CLIENT_PREFIX}{}", did.as_str());
        Ok(VerifierKey {
            key,
            did,
            kid,
            client_id,
        })
    }
}

/// Writes `text` to a new file only its owner can read, then syncs it.
fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))
}
