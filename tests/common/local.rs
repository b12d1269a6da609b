//! Parts of a local deployment for the end-to-end tests: a registry node served
//! in-process on 127.0.0.1:0 with one governance key, and an issuer configuration
//! that points at it.

use std::path::Path;
use std::sync::Arc;

use rand_core::OsRng;
use serde_json::{Value, json};
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::operation::{OpType, Operation, sign};
use sigillum_credential::ledger::{KeyName, Policy, SignerKey};
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::config::{IssuerConfig, KeySource, OfferConfig, RegistryConfig, StatusConfig};
use sigillum_issuer::keystore::Unlock;
use sigillum_registry::node::Node;
use sigillum_registry::state::Genesis;
use sigillum_registry::store::SledStore;

/// The first sample claims of a built-in credential type (`specs/credential-types`).
pub fn sample(kind: &str) -> serde_json::Map<String, serde_json::Value> {
    sigillum_credential::schema::CredentialTypes::builtin()
        .unwrap()
        .get(kind)
        .unwrap()
        .spec()
        .samples[0]
        .as_object()
        .unwrap()
        .clone()
}

/// A sample subject as the form would submit it: `address.locality`,
/// `representatives.0.role`, `activity_codes` as "a, b".
pub fn sample_form(type_name: &str) -> Vec<(String, String)> {
    fn walk(name: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(members) => {
                for (k, v) in members {
                    walk(&format!("{name}.{k}"), v, out);
                }
            }
            Value::Array(items) if items.iter().all(Value::is_object) => {
                for (i, item) in items.iter().enumerate() {
                    walk(&format!("{name}.{i}"), item, out);
                }
            }
            Value::Array(items) => {
                let texts: Vec<&str> = items.iter().map(|i| i.as_str().unwrap()).collect();
                out.push((name.to_owned(), texts.join(", ")));
            }
            Value::String(s) => out.push((name.to_owned(), s.clone())),
            other => out.push((name.to_owned(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    for (k, v) in &sample(type_name) {
        walk(k, v, &mut out);
    }
    out
}

/// The sample passport's claims a border checkpoint should see, sorted: what the
/// `border` profile asks for, and the passport's plain claims, which every
/// presentation shows (the consent screen says so). Nothing else.
pub fn border_passport_claims() -> Vec<String> {
    let passport = sigillum_credential::schema::CredentialTypes::builtin()
        .unwrap()
        .get("passport")
        .unwrap()
        .spec();
    let asked = [
        "birth_date",
        "document_number",
        "expiry_date",
        "family_name",
        "given_names",
        "nationality",
        "portrait_digest",
    ];
    let sample = sample("passport");
    let mut want: Vec<String> = asked
        .into_iter()
        .map(str::to_owned)
        .chain(passport.always_disclosed.iter().cloned())
        .filter(|k| sample.contains_key(k))
        .collect();
    want.sort_unstable();
    want.dedup();
    want
}

/// The claims of `kind`'s sample that the first presentation of a checkpoint's
/// `outcome` disclosed, sorted.
pub fn disclosed_sample_claims(outcome: &serde_json::Value, kind: &str) -> Vec<String> {
    let sample = sample(kind);
    let mut got: Vec<String> = outcome["presentations"][0]["report"]["claims"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| sample.contains_key(*k))
        .cloned()
        .collect();
    got.sort_unstable();
    got
}

/// A registry node served by this process; stops when dropped.
pub struct LocalRegistry {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The checkpoint policy clients pin.
    pub policy: Policy,
    /// The log's verifier key text, for configurations.
    pub log_key: String,
    /// The origin line.
    pub origin: String,
    gov: SigningKey,
    genesis: Genesis,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl LocalRegistry {
    /// Starts a node with a fresh genesis (one governance key, threshold 1).
    pub async fn start(origin: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let gov = SigningKey::generate(Alg::EdDsa);
        let mut jwk = gov.public_key().to_jwk();
        jwk.kid = Some("gov-0".into());
        let genesis = Genesis {
            origin: origin.into(),
            governance_keys: vec![jwk],
            governance_threshold: 1,
            nodes: vec![],
            cosign_threshold: 0,
        };
        let signer = SignerKey::generate(KeyName::new(origin).unwrap(), &mut OsRng);
        let log_key = signer.verifier_key().to_string();
        let policy = Policy::new(origin, signer.verifier_key(), vec![], 0).unwrap();
        let mut genesis = genesis;
        genesis
            .nodes
            .push(sigillum_registry::state::NodeEntry::voter(
                origin,
                log_key.clone(),
            ));
        let node = Arc::new(
            Node::open(
                Arc::new(SledStore::open(dir.path()).unwrap()),
                &genesis,
                signer,
                Arc::new(SystemClock),
            )
            .unwrap(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(sigillum_registry::http::run(listener, node, async {
            let _ = rx.await;
        }));
        LocalRegistry {
            base,
            policy,
            log_key,
            origin: origin.into(),
            gov,
            genesis,
            _dir: dir,
            stop: Some(stop),
        }
    }

    /// Writes the genesis file (`sigillum … --genesis FILE`) to `path`.
    pub fn write_genesis(&self, path: &Path) {
        std::fs::write(path, serde_json::to_string_pretty(&self.genesis).unwrap()).unwrap();
    }

    /// Governance accredits `did` for `kind` from ten seconds ago, open-ended.
    pub async fn accredit(&self, http: &reqwest::Client, did: &str, kind: &str) {
        let now = SystemClock.now().unix();
        let op = Operation {
            v: 1,
            op_type: OpType::AccreditationGrant,
            id: format!("accreditation:{did}:{kind}"),
            prev: None,
            time: now,
            body: json!({"issuer": did, "credential_type": kind, "valid_from": now - 10}),
        };
        let r = http
            .post(format!("{}/v1/operations", self.base))
            .body(sign(&op, &[(&self.gov, "gov-0")]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }

    /// Stops serving (what a network outage looks like to a verifier).
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Governance withdraws `did`'s accreditation for `kind` from `since` on.
    pub async fn withdraw(&self, http: &reqwest::Client, did: &str, kind: &str, since: i64) {
        let id = format!("accreditation:{did}:{kind}");
        let read: serde_json::Value = http
            .get(format!("{}/v1/accreditations/{did}/{kind}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let entry = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            read["entry"].as_str().unwrap(),
        )
        .unwrap();
        let prev = sigillum_credential::ledger::operation::hash_text(
            &sigillum_credential::ledger::merkle::leaf_hash(&entry),
        );
        let op = Operation {
            v: 1,
            op_type: OpType::AccreditationWithdraw,
            id,
            prev: Some(prev),
            time: SystemClock.now().unix(),
            body: json!({"since": since}),
        };
        let r = http
            .post(format!("{}/v1/operations", self.base))
            .body(sign(&op, &[(&self.gov, "gov-0")]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }

    /// An issuer configuration for an office at `addr` issuing `types`, keeping its
    /// data and a fresh key file under `dir`.
    pub fn issuer_config(
        &self,
        dir: &Path,
        addr: &str,
        types: &[&str],
        publish_delay_ms: u64,
    ) -> IssuerConfig {
        let key_file = dir.join("issuer.key");
        std::fs::write(&key_file, Unlock::generate_key_file_text().as_str()).unwrap();
        IssuerConfig {
            name: "Ministry of Tests".into(),
            listen: addr.to_owned(),
            public_url: Some(format!("http://{addr}")),
            data_dir: dir.join("data"),
            types: types.iter().map(|t| (*t).to_owned()).collect(),
            alg: "ES256".into(),
            keys: KeySource::KeyFile(key_file),
            registry: RegistryConfig {
                url: self.base.clone(),
                public_url: None,
                origin: self.origin.clone(),
                log_key: self.log_key.clone(),
                cosigners: vec![],
                cosign_threshold: 0,
            },
            status: StatusConfig {
                publish_delay_ms,
                ..StatusConfig::default()
            },
            offers: OfferConfig {
                c_nonce_ttl_secs: 60,
                tx_code_attempts: 3,
                ..OfferConfig::default()
            },
        }
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An issuer served by this process against a [`LocalRegistry`], accredited for
/// some of its types; stops when dropped.
pub struct LocalIssuer {
    /// The service.
    pub issuer: Arc<sigillum_issuer::service::Issuer>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its data directory (sealed keys under `data/`, the key file `issuer.key`).
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl LocalIssuer {
    /// Starts an office issuing `types`, accredited for `accredited`, publishing
    /// status changes after `publish_delay_ms`, on `clock`.
    pub async fn start(
        registry: &LocalRegistry,
        types: &[&str],
        accredited: &[&str],
        publish_delay_ms: u64,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let config = registry.issuer_config(dir.path(), &addr, types, publish_delay_ms);
        let issuer = sigillum_issuer::service::Issuer::start(config, clock)
            .await
            .unwrap();
        let http = reqwest::Client::new();
        for kind in accredited {
            registry.accredit(&http, &issuer.did(), kind).await;
        }
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(sigillum_issuer::http::run(
            listener,
            Arc::clone(&issuer),
            async {
                let _ = rx.await;
            },
        ));
        LocalIssuer {
            issuer,
            base: format!("http://{addr}"),
            dir,
            stop: Some(stop),
        }
    }

    /// Issues `body` (`{"reference", "claims", "format"?}`) as a `kind` through the
    /// officer API with `officer`'s token, and receives `copies` through
    /// OpenID4VCI; returns the credential's id at the issuer and the copies.
    pub async fn issue_copies(
        &self,
        officer: &str,
        kind: &str,
        body: &serde_json::Value,
        copies: usize,
    ) -> (String, Vec<sigillum_wallet::receive::Received>) {
        let r = reqwest::Client::new()
            .post(format!("{}/v1/credentials/{kind}?qr=none", self.base))
            .bearer_auth(officer)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let offer: serde_json::Value = r.json().await.unwrap();
        let received = sigillum_wallet::receive::Receiver::new()
            .receive(
                offer["offer_link"].as_str().unwrap(),
                offer["tx_code"].as_str(),
                copies,
                SystemClock.now(),
            )
            .await
            .unwrap();
        (offer["id"].as_str().unwrap().to_owned(), received)
    }

    /// [`LocalIssuer::issue_copies`] of one copy.
    pub async fn issue_one(
        &self,
        officer: &str,
        kind: &str,
        body: &serde_json::Value,
    ) -> (String, sigillum_wallet::receive::Received) {
        let (id, mut copies) = self.issue_copies(officer, kind, body, 1).await;
        (id, copies.remove(0))
    }

    /// Adds an officer; returns the bearer token.
    pub fn officer(&self, name: &str, roles: &[sigillum_issuer::store::Role]) -> String {
        self.issuer
            .store()
            .add_officer(name, roles)
            .unwrap()
            .expose_secret()
            .to_owned()
    }
}

impl Drop for LocalIssuer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A verifier (checkpoint) service served by this process against a
/// [`LocalRegistry`]; stops when dropped.
pub struct LocalVerifier {
    /// The service.
    pub verifier: Arc<sigillum_verifier::service::Verifier>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its data directory (key, receipts, bundle).
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl LocalVerifier {
    /// A configuration reading from `registry` (no cache, receipts on); `bundle`
    /// adds an offline bundle file in the data directory, fetched at start.
    pub fn config(
        registry: &LocalRegistry,
        dir: &Path,
        bundle: bool,
    ) -> sigillum_verifier::config::VerifierConfig {
        sigillum_verifier::config::VerifierConfig {
            listen: "127.0.0.1:0".into(),
            public_url: String::new(),
            data_dir: dir.join("data"),
            profiles: vec!["border".into(), "bank_kyc".into(), "business_check".into()],
            consortium: sigillum_verifier::config::ConsortiumConfig {
                origin: registry.origin.clone(),
                log_key: registry.log_key.clone(),
                cosigners: Vec::new(),
                cosign_threshold: 0,
            },
            registry: Some(registry.base.clone()),
            bundle: bundle.then(|| dir.join("bundle.bin")),
            ledger_cache_secs: 0,
            bundle_refresh_secs: 3600,
            request_ttl_secs: 300,
            receipts: true,
        }
    }

    /// Starts a verifier with `config` on `clock`.
    pub async fn start(
        config: sigillum_verifier::config::VerifierConfig,
        dir: tempfile::TempDir,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let verifier =
            sigillum_verifier::service::Verifier::start(config, base.clone(), clock).unwrap();
        if verifier.config().bundle.is_some() {
            verifier.refresh_bundle().await.unwrap();
        }
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(sigillum_verifier::http::run(
            listener,
            Arc::clone(&verifier),
            async {
                let _ = rx.await;
            },
        ));
        LocalVerifier {
            verifier,
            base,
            dir,
            stop: Some(stop),
        }
    }
}

impl Drop for LocalVerifier {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A web wallet (`sigillum wallet serve`) served by this process, checking cards
/// on `registry`, with a light PIN KDF so tests stay quick; stops when dropped.
pub struct LocalWallet {
    /// The service.
    pub site: Arc<sigillum_wallet::site::Site>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its data directory (one vault folder per citizen).
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl LocalWallet {
    /// Starts a web wallet reading standing from `registry` (`None`: no registry).
    pub async fn start(registry: Option<&LocalRegistry>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = sigillum_wallet::site::SiteConfig {
            listen: "127.0.0.1:0".into(),
            public_url: base.clone(),
            data_dir: dir.path().join("data"),
            registry: registry.map(|r| r.base.clone()),
            consortium: registry.map(|r| sigillum_verifier::config::ConsortiumConfig {
                origin: r.origin.clone(),
                log_key: r.log_key.clone(),
                cosigners: Vec::new(),
                cosign_threshold: 0,
            }),
            session_idle_minutes: 10,
            copies: 2,
            pin_kdf: Some(sigillum_credential::seal::KdfParams {
                m_kib: 256,
                t: 1,
                p: 1,
            }),
        };
        let site = sigillum_wallet::site::Site::start(config, base.clone(), Arc::new(SystemClock))
            .unwrap();
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(sigillum_wallet::site::run(
            listener,
            Arc::clone(&site),
            async {
                let _ = rx.await;
            },
        ));
        LocalWallet {
            site,
            base,
            dir,
            stop: Some(stop),
        }
    }
}

impl Drop for LocalWallet {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
