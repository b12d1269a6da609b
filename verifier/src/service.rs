//! The verifier service: the checkpoint's identity, its profiles, its ledger
//! sources, and the OpenID4VP requests it has open.
//!
//! ```text
//!  open_request(profile) ─► Session (nonce, state) ─► RequestLink QR + offline SG1R QR
//!  request_object(id)    ─► signed oauth-authz-req+jwt (client_id decentralized_identifier:did:key:…)
//!  answer(id, body)      ─► claim the session once ─► verify every presentation
//!                           (registry first; the bundle when it cannot answer) ─► Outcome
//!  offline_answer(id, qr) ─► the same, from a presentation QR
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sigillum_credential::key::Alg;
use sigillum_credential::ledger::Policy;
use sigillum_credential::ledger::bundle::verify_bundle;
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::oid4vp::{
    AuthorizationRequest, AuthorizationResponse, RequestLink, WalletAnswer, client_metadata,
    sign_request_object,
};
use sigillum_credential::qr::{self, PayloadKind};
use sigillum_credential::time::{Clock, Timestamp};
use sigillum_credential::verify::{Check, Rejection, Report, VerifiedLists};

use crate::cache::Cached;
use crate::check::{LedgerPolicy, verify_with_ledger};
use crate::config::VerifierConfig;
use crate::identity::VerifierKey;
use crate::outcome::{Outcome, Presented, Verdict};
use crate::profile::Profile;
use crate::receipt;
use crate::receipt_store::ReceiptStore;
use crate::session::{Session, SessionError, Sessions, Status};
use crate::source::{LedgerSource, Offline, Online, ReqwestGet};

/// Why the service did not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// Why an answer was refused before any credential was verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// The session is unknown, replayed, or the `state` does not match.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The body is not a `direct_post` answer.
    #[error("{0}")]
    Malformed(String, &'static str),
    /// The profile of the session is no longer configured.
    #[error("the session's profile is no longer offered")]
    ProfileGone,
}

impl AnswerError {
    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            AnswerError::Session(e) => e.code(),
            AnswerError::Malformed(_, code) => code,
            AnswerError::ProfileGone => "profile_unknown",
        }
    }
}

/// What became of a wallet's `direct_post` answer that was taken.
#[derive(Debug, Clone)]
pub enum Answered {
    /// Its presentations were verified; the outcome is on the officer's screen.
    Verified(Arc<Outcome>),
    /// The wallet declined (OpenID4VP 1.0 §8.5 error response); the screen says so.
    Declined {
        /// The wallet's `error` code, clipped.
        error: String,
    },
}

/// A request just opened, with what the screen shows.
#[derive(Debug, Clone)]
pub struct OpenedRequest {
    /// The session.
    pub session: Session,
    /// `openid4vp://?client_id=…&request_uri=…` (cross-device QR).
    pub link: String,
    /// The signed request object as an `SG1R:` QR text, for a wallet offline.
    pub offline_qr: String,
}

/// The running verifier.
pub struct Verifier {
    config: VerifierConfig,
    public_url: String,
    key: VerifierKey,
    profiles: BTreeMap<String, Profile>,
    sessions: Sessions,
    policy: Policy,
    online: Option<Cached<Online<ReqwestGet>>>,
    offline: RwLock<Option<Arc<Offline>>>,
    receipts: Option<ReceiptStore>,
    /// Status lists already verified: a list's signature and inflation are paid
    /// once per list version, not once per traveller.
    verified_lists: VerifiedLists,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("client_id", &self.key.client_id)
            .finish_non_exhaustive()
    }
}

fn load_profile(name: &str) -> Result<Profile, StartError> {
    let found = if Path::new(name).is_file() {
        Profile::load(Path::new(name))
    } else {
        Profile::builtin(name)
    };
    found.map_err(|e| StartError(format!("profile {name}: {e} [{}]", e.code())))
}

impl Verifier {
    /// Loads the key (creating it on first start), the profiles and the bundle;
    /// `public_url` is the base URL wallets reach the service at.
    ///
    /// # Errors
    /// [`StartError`] naming the setting, file or profile at fault.
    pub fn start(
        config: VerifierConfig,
        public_url: String,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, StartError> {
        config.check().map_err(StartError)?;
        let policy = config.consortium.policy().map_err(StartError)?;
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError(format!("{}: {e}", config.data_dir.display())))?;
        let key = VerifierKey::load_or_create(&config.data_dir).map_err(StartError)?;
        let mut profiles = BTreeMap::new();
        for name in &config.profiles {
            let profile = load_profile(name)?;
            profiles.insert(profile.name.clone(), profile);
        }
        let online = config.registry.as_ref().map(|url| {
            let client = RegistryClient::new(
                url.clone(),
                ReqwestGet::default(),
                policy.clone(),
                CheckpointTracker::new(),
            );
            Cached::new(
                Online::new(url.clone(), client),
                Duration::from_secs(config.ledger_cache_secs),
            )
        });
        let offline = match &config.bundle {
            Some(path) if path.is_file() => {
                let bytes = std::fs::read(path)
                    .map_err(|e| StartError(format!("{}: {e}", path.display())))?;
                let bundle = verify_bundle(&bytes, &policy)
                    .map_err(|e| StartError(format!("{}: {e} [{}]", path.display(), e.code())))?;
                Some(Arc::new(Offline::new(bundle)))
            }
            Some(path) if config.registry.is_none() => {
                return Err(StartError(format!(
                    "{} does not exist, and there is no registry to fetch it from",
                    path.display()
                )));
            }
            _ => None,
        };
        let receipts = if config.receipts {
            Some(ReceiptStore::open(&config.data_dir.join("receipts")).map_err(StartError)?)
        } else {
            None
        };
        Ok(Arc::new(Verifier {
            public_url: public_url.trim_end_matches('/').to_owned(),
            config,
            key,
            profiles,
            sessions: Sessions::default(),
            policy,
            online,
            offline: RwLock::new(offline),
            receipts,
            verified_lists: VerifiedLists::new(),
            clock,
        }))
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// `decentralized_identifier:did:key:…`, the Client Identifier of every request.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.key.client_id
    }

    /// The profiles offered, by name.
    #[must_use]
    pub fn profiles(&self) -> &BTreeMap<String, Profile> {
        &self.profiles
    }

    /// The open sessions.
    #[must_use]
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// Now, by the service's clock.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Where a wallet fetches request `id`.
    #[must_use]
    pub fn request_uri(&self, id: &str) -> String {
        format!("{}/oid4vp/request/{id}", self.public_url)
    }

    /// Where a wallet posts its answer to request `id`.
    #[must_use]
    pub fn response_uri(&self, id: &str) -> String {
        format!("{}/oid4vp/response/{id}", self.public_url)
    }

    /// Opens a presentation request for `profile`.
    ///
    /// # Errors
    /// [`SessionError::Full`], or `None`-like [`AnswerError::ProfileGone`] for a
    /// profile not offered.
    pub fn open_request(&self, profile: &str) -> Result<OpenedRequest, AnswerError> {
        if !self.profiles.contains_key(profile) {
            return Err(AnswerError::ProfileGone);
        }
        let now = self.now().unix();
        let session = self
            .sessions
            .open(profile, now, self.config.request_ttl_secs)?;
        let link = RequestLink {
            client_id: self.key.client_id.clone(),
            request_uri: self.request_uri(&session.id),
        }
        .to_link();
        let object = self.request_object_for(&session)?;
        let offline_qr = qr::encode(PayloadKind::PresentationRequest, object.as_bytes())
            .map_err(|e| AnswerError::Malformed(e.to_string(), e.code()))?;
        self.sessions
            .attach_offline_qr(&session.id, offline_qr.clone());
        Ok(OpenedRequest {
            session,
            link,
            offline_qr,
        })
    }

    fn authorization_request(
        &self,
        session: &Session,
    ) -> Result<AuthorizationRequest, AnswerError> {
        let profile = self
            .profiles
            .get(&session.profile)
            .ok_or(AnswerError::ProfileGone)?;
        Ok(AuthorizationRequest {
            client_id: self.key.client_id.clone(),
            response_uri: self.response_uri(&session.id),
            nonce: session.nonce.clone(),
            state: Some(session.state.clone()),
            dcql_query: profile.dcql.clone(),
            client_metadata: Some(client_metadata(&[Alg::Es256, Alg::EdDsa])),
        })
    }

    fn request_object_for(&self, session: &Session) -> Result<String, AnswerError> {
        let request = self.authorization_request(session)?;
        sign_request_object(&request, &self.key.kid, &self.key.key, self.now())
            .map_err(|e| AnswerError::Malformed(e.to_string(), "signing_failed"))
    }

    /// The signed request object of open request `id` (what `request_uri` serves).
    ///
    /// # Errors
    /// [`SessionError::Unknown`] for an unknown or expired request, or one already
    /// answered (its nonce is spent).
    pub fn request_object(&self, id: &str) -> Result<String, AnswerError> {
        let session = self.sessions.get(id, self.now().unix())?;
        if !matches!(session.status, Status::Waiting) {
            return Err(SessionError::Replayed.into());
        }
        self.request_object_for(&session)
    }

    /// Takes a wallet's `direct_post` body for request `id`: claims the session
    /// (once), verifies every presentation, keeps the outcome for the screen.
    ///
    /// # Errors
    /// [`AnswerError`] when the body is malformed or the session cannot take it; a
    /// credential that fails verification is not an error but a rejected outcome,
    /// and a wallet's refusal is [`Answered::Declined`].
    pub async fn answer(&self, id: &str, body: &str) -> Result<Answered, AnswerError> {
        let answer = WalletAnswer::from_form(body)
            .map_err(|e| AnswerError::Malformed(e.to_string(), e.code()))?;
        let now = self.now().unix();
        match answer {
            WalletAnswer::Presented(response) => {
                let session = self.sessions.claim(id, response.state.as_deref(), now)?;
                let outcome = self.verify_answer(&session, &response, "online").await;
                Ok(Answered::Verified(self.settle(&session, outcome).await))
            }
            WalletAnswer::Refused {
                error,
                error_description,
                state,
            } => {
                let session = self.sessions.claim(id, state.as_deref(), now)?;
                self.sessions.settle(
                    &session.id,
                    Status::Refused {
                        error: clip(&error),
                        description: error_description.as_deref().map(clip),
                    },
                );
                Ok(Answered::Declined {
                    error: clip(&error),
                })
            }
        }
    }

    /// Takes an offline presentation QR (`SG2P:` or `SG1P:` text) for request `id`: its
    /// payload is one presentation, or a `vp_token` JSON object.
    ///
    /// # Errors
    /// As [`Verifier::answer`], plus the QR codec's refusals.
    pub async fn offline_answer(
        &self,
        id: &str,
        qr_text: &str,
    ) -> Result<Arc<Outcome>, AnswerError> {
        let payload = qr::decode_as(PayloadKind::Presentation, qr_text.trim())
            .map_err(|e| AnswerError::Malformed(e.to_string(), e.code()))?;
        let text = String::from_utf8(payload).map_err(|_| {
            AnswerError::Malformed(
                "the QR payload is not UTF-8 text".into(),
                "qr_payload_invalid",
            )
        })?;
        let session = self.sessions.get(id, self.now().unix())?;
        let vp_token = if text.trim_start().starts_with('{') {
            AuthorizationResponse::vp_token_from_json(&text)
                .map_err(|e| AnswerError::Malformed(e.to_string(), e.code()))?
        } else {
            // One bare presentation: filed under no query; the profile decides
            // whether its type is accepted.
            BTreeMap::from([(String::new(), vec![text])])
        };
        let session = self
            .sessions
            .claim(id, Some(&session.state), self.now().unix())?;
        let response = AuthorizationResponse {
            vp_token,
            state: Some(session.state.clone()),
        };
        let outcome = self.verify_answer(&session, &response, "offline_qr").await;
        Ok(self.settle(&session, outcome).await)
    }

    /// Signs and durably stores the receipt (when kept), then shows the outcome.
    /// Answers arriving together share one `fsync` ([`ReceiptStore`]).
    async fn settle(&self, session: &Session, mut outcome: Outcome) -> Arc<Outcome> {
        if let Some(store) = &self.receipts {
            let signed = receipt::sign(
                &outcome,
                &self.key.key,
                self.key.did.as_str(),
                &self.key.kid,
                self.now(),
            );
            if let Err(e) = store.keep(signed.jti, signed.jwt.clone()).await {
                tracing::error!(error = %e, "receipt not stored");
            }
            outcome.receipt = Some(signed.jwt);
        }
        let outcome = Arc::new(outcome);
        self.sessions
            .settle(&session.id, Status::Answered(Arc::clone(&outcome)));
        outcome
    }

    /// A stored receipt by its `jti`.
    #[must_use]
    pub fn receipt(&self, jti: &str) -> Option<String> {
        self.receipts.as_ref()?.get(jti)
    }

    /// Verifies one presentation: online first (failing closed, to learn whether
    /// the registry answered), then the bundle when the registry could not.
    async fn verify_one(
        &self,
        presented: &str,
        profile: &Profile,
        session: &Session,
    ) -> (Report, String, Option<i64>) {
        let now = self.now();
        let policy = profile.ledger_policy(
            Some(session.nonce.clone()),
            Some(self.key.client_id.clone()),
        );
        let offline = self
            .offline
            .read()
            .ok()
            .and_then(|o| o.as_ref().map(Arc::clone));
        if let Some(online) = &self.online {
            let strict = LedgerPolicy {
                fail_closed: true,
                ..policy.clone()
            };
            let first = if offline.is_some() { &strict } else { &policy };
            match verify_with_ledger(
                presented,
                online,
                first,
                self.clock.as_ref(),
                Some(&self.verified_lists),
            )
            .await
            {
                Ok(report) if offline.is_none() || !Outcome::unreachable(&report) => {
                    return (report, online.describe(), None);
                }
                Ok(_) => {}
                Err(e) => return (failed_report(&e.to_string()), online.describe(), None),
            }
        }
        let Some(bundle) = offline else {
            return (
                failed_report("no registry and no bundle"),
                "none".into(),
                None,
            );
        };
        let age = bundle.offline_as_of().map(|t| now.unix() - t.unix());
        match verify_with_ledger(
            presented,
            bundle.as_ref(),
            &policy,
            self.clock.as_ref(),
            Some(&self.verified_lists),
        )
        .await
        {
            Ok(report) => (report, bundle.describe(), age),
            Err(e) => (failed_report(&e.to_string()), bundle.describe(), age),
        }
    }

    async fn verify_answer(
        &self,
        session: &Session,
        response: &AuthorizationResponse,
        route: &'static str,
    ) -> Outcome {
        let now = self.now();
        let mut presentations = Vec::new();
        let mut answer_checks = Vec::new();
        let mut ledger = String::new();
        let mut bundle_age = None;
        let Some(profile) = self.profiles.get(&session.profile) else {
            answer_checks.push(Check::failed(
                "answer",
                &Rejection::AnswerInvalid("the session's profile is no longer offered".into()),
            ));
            return self.outcome(
                session,
                route,
                presentations,
                answer_checks,
                ledger,
                bundle_age,
            );
        };
        for (query, items) in &response.vp_token {
            let asked = profile.dcql.credential(query);
            if !query.is_empty() && asked.is_none() {
                answer_checks.push(Check::failed(
                    "answer_queries",
                    &Rejection::AnswerInvalid(format!(
                        "the answer names credential query \"{}\", which the request did not ask",
                        clip(query)
                    )),
                ));
                continue;
            }
            if items.len() > 1 && !asked.is_some_and(|q| q.multiple()) {
                answer_checks.push(Check::failed(
                    "answer_queries",
                    &Rejection::AnswerInvalid(format!(
                        "{} presentations for \"{query}\", which asks for one (§8.1)",
                        items.len()
                    )),
                ));
                continue;
            }
            for item in items {
                let (report, source, age) = self.verify_one(item, profile, session).await;
                ledger = source;
                bundle_age = bundle_age.or(age);
                let report = profile.apply(report, now);
                let filed = (!query.is_empty()).then(|| query.clone());
                let misfiled = filed
                    .as_ref()
                    .filter(|q| report.valid && !profile.accepting_queries(&report).contains(q));
                if let Some(q) = misfiled {
                    answer_checks.push(Check::failed(
                        "answer_queries",
                        &Rejection::AnswerInvalid(format!(
                            "a credential filed under \"{q}\" is not of a kind that query asks for"
                        )),
                    ));
                }
                presentations.push(Presented {
                    query: filed,
                    report,
                });
            }
        }
        if presentations.is_empty() && answer_checks.is_empty() {
            answer_checks.push(Check::failed(
                "answer_queries",
                &Rejection::AnswerInvalid("the answer holds no presentation".into()),
            ));
        }
        self.outcome(
            session,
            route,
            presentations,
            answer_checks,
            ledger,
            bundle_age,
        )
    }

    fn outcome(
        &self,
        session: &Session,
        route: &'static str,
        presentations: Vec<Presented>,
        answer_checks: Vec<Check>,
        ledger: String,
        bundle_age_secs: Option<i64>,
    ) -> Outcome {
        let verdict = Outcome::decide(&presentations, &answer_checks);
        Outcome {
            valid: verdict == Verdict::Accepted,
            verdict,
            profile: session.profile.clone(),
            checked_at: self.now().to_rfc3339(),
            route,
            presentations,
            answer_checks,
            ledger,
            bundle_age_secs,
            receipt: None,
        }
    }

    /// Replaces the offline bundle with a fresh one from the registry.
    ///
    /// # Errors
    /// A sentence saying why the fetch, the check or the write failed; the old
    /// bundle stays in use.
    pub async fn refresh_bundle(&self) -> Result<(), String> {
        let (Some(url), Some(path)) = (&self.config.registry, &self.config.bundle) else {
            return Ok(());
        };
        let url = format!("{}/v1/bundle", url.trim_end_matches('/'));
        let response = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url}: HTTP {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
        let bundle = verify_bundle(&bytes, &self.policy).map_err(|e| format!("{url}: {e}"))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &bytes)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if let Ok(mut slot) = self.offline.write() {
            *slot = Some(Arc::new(Offline::new(bundle)));
        }
        Ok(())
    }

    /// Refreshes the bundle every `bundle_refresh_secs` until `stop` resolves.
    pub async fn run_refresher(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        if self.config.registry.is_none() || self.config.bundle.is_none() {
            return;
        }
        let period = Duration::from_secs(self.config.bundle_refresh_secs.max(1));
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.refresh_bundle().await {
                tracing::warn!(error = %e, "bundle not refreshed");
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(period) => {}
            }
        }
    }
}

fn failed_report(why: &str) -> Report {
    Report::rejected(
        "format",
        &Rejection::AnswerInvalid(format!("the presentation could not be verified: {why}")),
    )
}

fn clip(text: &str) -> String {
    text.chars().take(200).collect()
}
