//! The three demo offices, one per built-in credential type, each an issuer
//! service with its own DID, sealed key and store under `<data>/offices/<type>/`,
//! and a demo officer whose token is kept there (owner-only) so every run can
//! print it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::config::{IssuerConfig, KeySource, OfferConfig, RegistryConfig, StatusConfig};
use sigillum_issuer::keystore::Unlock;
use sigillum_issuer::service::Issuer;
use sigillum_issuer::store::Role;

use super::consortium::Consortium;
use crate::{CliError, files};

/// Each office: the type it issues and its name on wallets' screens.
pub const OFFICES: [(&str, &str); 3] = [
    ("passport", "Ministry of the Interior, Passport Office"),
    ("residence_permit", "Immigration Service, Residence Permits"),
    ("business_license", "Chamber of Commerce, Business Register"),
];

/// A running office's service and its demo officer's token.
pub struct Office {
    pub kind: &'static str,
    pub issuer: Arc<Issuer>,
    pub officer_token: String,
}

impl Office {
    /// Sample subject `n` of this office's credential type (`specs/credential-types`).
    pub fn sample(&self, n: usize) -> Result<Value, CliError> {
        CredentialTypes::builtin()
            .map_err(|e| CliError(e.to_string()))?
            .get(self.kind)
            .map_err(|e| CliError(e.to_string()))?
            .spec()
            .samples
            .get(n)
            .cloned()
            .ok_or_else(|| CliError(format!("the {} type has no sample {n}", self.kind)))
    }

    /// Issues `claims` through the officer API, as an officer's client would:
    /// `{id, offer_link, tx_code, …}`.
    pub async fn issue(&self, claims: &Value, reference: &str) -> Result<Value, CliError> {
        self.officer_call(
            &format!("/v1/credentials/{}?qr=none", self.kind),
            &json!({"reference": reference, "claims": claims}),
        )
        .await
    }

    /// `revoke`, `suspend` or `reinstate` credential `id` through the officer API.
    pub async fn change_status(
        &self,
        id: &str,
        action: &str,
        reason: &str,
    ) -> Result<Value, CliError> {
        self.officer_call(
            &format!("/v1/credentials/{id}/{action}"),
            &json!({"reason": reason}),
        )
        .await
    }

    async fn officer_call(&self, path: &str, body: &Value) -> Result<Value, CliError> {
        let url = format!("{}{path}", self.issuer.public_url());
        let r = reqwest::Client::new()
            .post(&url)
            .bearer_auth(&self.officer_token)
            .json(body)
            .send()
            .await
            .map_err(|e| CliError(format!("{url}: {e}")))?;
        let status = r.status();
        let answer: Value = r
            .json()
            .await
            .map_err(|e| CliError(format!("{url}: {e}")))?;
        if !status.is_success() {
            return Err(CliError(format!("{url} refused: {answer}")));
        }
        Ok(answer)
    }
}

fn config(
    dir: &Path,
    kind: &str,
    name: &str,
    url: &str,
    consortium: &Consortium,
    registry_url: &str,
) -> Result<IssuerConfig, CliError> {
    let key_file = dir.join("issuer.key");
    if !key_file.exists() {
        std::fs::create_dir_all(dir).map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
        files::write(
            &key_file.to_string_lossy(),
            Unlock::generate_key_file_text().as_bytes(),
            true,
        )?;
    }
    let trust = consortium.trust();
    Ok(IssuerConfig {
        name: name.to_owned(),
        listen: url.trim_start_matches("http://").to_owned(),
        public_url: Some(url.to_owned()),
        data_dir: dir.join("data"),
        types: vec![kind.to_owned()],
        alg: "ES256".into(),
        keys: KeySource::KeyFile(key_file),
        registry: RegistryConfig {
            url: registry_url.to_owned(),
            public_url: None,
            origin: trust.origin,
            log_key: trust.log_key,
            cosigners: Vec::new(),
            cosign_threshold: 0,
        },
        status: StatusConfig {
            publish_delay_ms: 200,
            ..StatusConfig::default()
        },
        offers: OfferConfig::default(),
    })
}

/// The demo officer's token: read from `dir/officer.token`, or made (an
/// administrator of this office) and kept there on the first run.
fn officer_token(issuer: &Issuer, dir: &Path) -> Result<String, CliError> {
    let path = dir.join("officer.token");
    if path.exists() {
        return files::read_text(&path.to_string_lossy());
    }
    let name = format!("demo-{}", SystemClock.now().unix());
    let token = issuer
        .store()
        .add_officer(&name, &[Role::Admin])
        .map_err(|e| CliError(format!("adding the demo officer: {e}")))?;
    files::write(
        &path.to_string_lossy(),
        token.expose_secret().as_bytes(),
        true,
    )?;
    Ok(token.expose_secret().to_owned())
}

/// Starts office `kind` at `url` (its DID written to the registry on the first
/// run), has governance accredit it, and finds its officer's token.
pub async fn start(
    data: &Path,
    (kind, name): (&'static str, &str),
    url: &str,
    consortium: &Consortium,
    registry_url: &str,
) -> Result<Office, CliError> {
    let dir: PathBuf = data.join("offices").join(kind);
    let config = config(&dir, kind, name, url, consortium, registry_url)?;
    let issuer = Issuer::start(config, Arc::new(SystemClock))
        .await
        .map_err(|e| CliError(format!("the {kind} office: {e}")))?;
    consortium.accredit(&issuer.did(), kind).await?;
    let officer_token = officer_token(&issuer, &dir)?;
    Ok(Office {
        kind,
        issuer,
        officer_token,
    })
}
