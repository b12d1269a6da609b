//! The issuer over real HTTP on 127.0.0.1, with a real registry: every credential
//! type in both formats is offered by an officer, received by a wallet through the
//! OpenID4VCI pre-authorized flow (PIN, nonce, proof JWTs, batch of two), and
//! verified against the issuer's DID as the registry proves it; every refusal has
//! its specific code; revoke, suspend and reinstate reach the registry's status
//! lists, read back through the verifying client.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use common::local::{LocalIssuer, LocalRegistry};
use serde_json::{Map, Value, json};
use sigillum_credential::did::{Did, DidResolver};
use sigillum_credential::jws::CompactJws;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::oid4vci::{CredentialOffer, OfferLink, SecretString};
use sigillum_credential::oid4vci::{
    CredentialRequest, Proofs, RequestedCredential, TokenRequest, build_proof_jwt,
};
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::sd_jwt::{ClaimPath, present};
use sigillum_credential::status::{BitstringStatusList, StatusListTokenClaims};
use sigillum_credential::time::{Clock, SystemClock, Timestamp};
use sigillum_credential::verify::{IssuerKey, VerifyInput, VerifyPolicy, verify};
use sigillum_issuer::service::Issuer;
use sigillum_issuer::store::Role;
use sigillum_verifier::source::ReqwestGet;
use sigillum_wallet::receive::Receiver;

const ORIGIN: &str = "registry.test/issuer/1";
const TYPES: [&str; 3] = ["passport", "residence_permit", "business_license"];
const PUBLISH_DELAY_MS: u64 = 200;

/// The system clock moved by an offset the test controls (for expiry).
struct ShiftClock(AtomicI64);

impl Clock for ShiftClock {
    fn now(&self) -> Timestamp {
        SystemClock.now().plus(self.0.load(Ordering::SeqCst))
    }
}

struct World {
    registry: LocalRegistry,
    /// Kept so the office serves until the world is dropped.
    _office: LocalIssuer,
    issuer: Arc<Issuer>,
    base: String,
    clock: Arc<ShiftClock>,
    /// Officer tokens by name: `clerk` issues everything and may suspend, `viewer`
    /// has only `revoke`, `admin` may do everything.
    tokens: Map<String, Value>,
    http: reqwest::Client,
}

async fn world(accredit: &[&str]) -> World {
    let registry = LocalRegistry::start(ORIGIN).await;
    let clock = Arc::new(ShiftClock(AtomicI64::new(0)));
    let office = LocalIssuer::start(
        &registry,
        &TYPES,
        accredit,
        PUBLISH_DELAY_MS,
        Arc::clone(&clock) as Arc<dyn Clock>,
    )
    .await;
    let clerk_roles: Vec<Role> = TYPES
        .iter()
        .map(|t| Role::Issue((*t).to_owned()))
        .chain([Role::Suspend])
        .collect();
    let mut tokens = Map::new();
    for (name, roles) in [
        ("clerk", clerk_roles),
        ("viewer", vec![Role::Revoke]),
        ("admin", vec![Role::Admin]),
    ] {
        tokens.insert(name.into(), json!(office.officer(name, &roles)));
    }
    World {
        registry,
        issuer: Arc::clone(&office.issuer),
        base: office.base.clone(),
        _office: office,
        clock,
        tokens,
        http: reqwest::Client::new(),
    }
}

impl World {
    fn token(&self, officer: &str) -> String {
        self.tokens[officer].as_str().unwrap().to_owned()
    }

    fn sample(kind: &str) -> Map<String, Value> {
        let schema = CredentialTypes::builtin().unwrap().get(kind).unwrap();
        schema.spec().samples[0].as_object().unwrap().clone()
    }

    /// `POST /v1/credentials/{kind}` as `officer`; (status, body).
    async fn apply(&self, officer: &str, kind: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/v1/credentials/{kind}?qr=none", self.base))
            .bearer_auth(self.token(officer))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn offer(&self, kind: &str, reference: &str, format: &str) -> (String, String, String) {
        let (status, body) = self
            .apply(
                "clerk",
                kind,
                json!({"reference": reference, "format": format, "claims": Self::sample(kind)}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            body["id"].as_str().unwrap().to_owned(),
            body["offer_link"].as_str().unwrap().to_owned(),
            body["tx_code"].as_str().unwrap().to_owned(),
        )
    }

    fn registry_client(&self) -> RegistryClient<ReqwestGet> {
        RegistryClient::new(
            self.registry.base.clone(),
            ReqwestGet::default(),
            self.registry.policy.clone(),
            CheckpointTracker::new(),
        )
    }

    /// POSTs a form or JSON body; (status, body as JSON).
    async fn post(
        &self,
        path: &str,
        body: String,
        form: bool,
        bearer: Option<&str>,
    ) -> (u16, Value) {
        let mut r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                if form {
                    "application/x-www-form-urlencoded"
                } else {
                    "application/json"
                },
            )
            .body(body);
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn token_for(&self, link: &str, pin: &str) -> (u16, Value) {
        let OfferLink::ByValue(offer) = CredentialOffer::parse_link(link).unwrap() else {
            panic!("offers are by value")
        };
        let code = offer
            .pre_authorized_grant()
            .unwrap()
            .pre_authorized_code
            .clone();
        let form = TokenRequest {
            pre_authorized_code: code,
            tx_code: Some(SecretString::new(pin)),
            client_id: None,
            authorization_details: None,
        }
        .to_form();
        self.post("/token", form, true, None).await
    }

    async fn nonce(&self) -> String {
        let (status, body) = self.post("/nonce", String::new(), false, None).await;
        assert_eq!(status, 200);
        body["c_nonce"].as_str().unwrap().to_owned()
    }

    fn credential_request(configuration: &str, proofs: Vec<String>) -> String {
        CredentialRequest {
            credential: RequestedCredential::ConfigurationId(configuration.into()),
            proofs: Some(Proofs { jwt: proofs }),
        }
        .to_json()
    }
}

/// The credential as a presentation: every disclosure (the empty path overlaps
/// every claim), with a KB-JWT by `holder`.
fn presentation(credential: &str, holder: &SigningKey) -> String {
    present(
        credential,
        &[ClaimPath(vec![])],
        Some((holder, "https://border.test", "n-1", SystemClock.now())),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_in_both_formats_is_offered_received_and_verifies() {
    let w = world(&TYPES).await;
    let receiver = Receiver::new();
    let resolver = w.registry_client();
    let did = Did::parse(&w.issuer.did()).unwrap();
    let document = resolver.resolve(&did).await.unwrap();
    for kind in TYPES {
        for format in ["dc+sd-jwt", "jwt_vc_json"] {
            let (_, link, pin) = w.offer(kind, &format!("{kind}-{format}"), format).await;
            let copies = receiver
                .receive(&link, Some(&pin), 2, SystemClock.now())
                .await
                .unwrap_or_else(|e| panic!("{kind} {format}: {e} [{}]", e.code()));
            assert_eq!(copies.len(), 2);
            assert_ne!(copies[0].holder.public_key(), copies[1].holder.public_key());
            let mut indices = Vec::new();
            for copy in &copies {
                let presented = if format == "dc+sd-jwt" {
                    presentation(&copy.credential, &copy.holder)
                } else {
                    copy.credential.clone()
                };
                let policy = VerifyPolicy {
                    nonce: Some("n-1".into()),
                    aud: Some("https://border.test".into()),
                    ..VerifyPolicy::default()
                };
                let report = verify(
                    &VerifyInput {
                        presented: &presented,
                        issuer_key: IssuerKey::Document(document.clone()),
                        status_lists: &[],
                        status_list_keys: &[],
                        list_cache: None,
                        clock: &SystemClock,
                    },
                    &policy,
                )
                .unwrap();
                assert!(report.valid, "{kind} {format}: {report:?}");
                assert_eq!(report.issuer.as_deref(), Some(w.issuer.did().as_str()));
                let jwt = copy.credential.split('~').next().unwrap();
                let claims = CompactJws::parse(jwt, 1 << 20)
                    .unwrap()
                    .unverified_claims()
                    .unwrap();
                let index = if format == "dc+sd-jwt" {
                    claims["status"]["status_list"]["idx"].as_u64().unwrap()
                } else {
                    claims["credentialStatus"][0]["statusListIndex"]
                        .as_str()
                        .unwrap()
                        .parse()
                        .unwrap()
                };
                indices.push(index);
            }
            assert_ne!(indices[0], indices[1], "each copy has its own status index");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_have_their_specific_codes() {
    let w = world(&["passport"]).await;
    // Officers: no token, a wrong token, the wrong role, a type not accredited.
    let body = json!({"reference": "R-1", "claims": World::sample("passport")});
    let r = w
        .http
        .post(format!("{}/v1/credentials/passport", w.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "officer_token_invalid");
    let (status, problem) = w.apply("viewer", "passport", body.clone()).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("officer_role_missing"))
    );
    let (status, problem) = w
        .apply(
            "clerk",
            "residence_permit",
            json!({"reference": "R-2", "claims": World::sample("residence_permit")}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("issuer_not_accredited"))
    );
    // A subject breaking the schema: every offending field listed.
    let mut bad = World::sample("passport");
    bad.remove("birth_date");
    bad.insert("sex".into(), json!("Q"));
    let (status, problem) = w
        .apply(
            "clerk",
            "passport",
            json!({"reference": "R-3", "claims": bad}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("schema_violation"))
    );
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers.len(), 2, "{problem}");
    // Idempotency: the same request twice is the same credential; other data is a conflict.
    let (id, link, pin) = w.offer("passport", "R-4", "dc+sd-jwt").await;
    let (status, again) = w
        .apply(
            "clerk",
            "passport",
            json!({"reference": "R-4", "format": "dc+sd-jwt", "claims": World::sample("passport")}),
        )
        .await;
    assert_eq!((status, again["id"].as_str()), (200, Some(id.as_str())));
    let mut other = World::sample("passport");
    other.insert("given_names".into(), json!("Somebody Else"));
    let (status, problem) = w
        .apply(
            "clerk",
            "passport",
            json!({"reference": "R-4", "claims": other}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("application_conflict"))
    );

    // Wallets: a wrong PIN, then the right one, then the code again.
    let wrong = if pin == "000000" { "111111" } else { "000000" };
    let (status, answer) = w.token_for(&link, wrong).await;
    assert_eq!(
        (status, answer["error"].as_str(), answer["code"].as_str()),
        (400, Some("invalid_grant"), Some("tx_code_wrong"))
    );
    let (status, answer) = w.token_for(&link, &pin).await;
    assert_eq!(status, 200, "{answer}");
    let access = answer["access_token"].as_str().unwrap().to_owned();
    let (status, answer) = w.token_for(&link, &pin).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("pre_authorized_code_used"))
    );
    // Attempts run out.
    let (_, link2, pin2) = w.offer("passport", "R-5", "dc+sd-jwt").await;
    for _ in 0..3 {
        w.token_for(&link2, "999999x").await;
    }
    let (_, answer) = w.token_for(&link2, &pin2).await;
    assert_eq!(answer["code"], "tx_code_attempts_exhausted");

    // The credential endpoint.
    let configuration = "passport_dc_sd_jwt";
    let holder = SigningKey::generate(Alg::Es256);
    let nonce = w.nonce().await;
    let proof = |key: &SigningKey, nonce: &str| {
        build_proof_jwt(key, &w.base, nonce, SystemClock.now(), None)
    };
    // No access token.
    let (status, answer) = w
        .post(
            "/credential",
            World::credential_request(configuration, vec![proof(&holder, &nonce)]),
            false,
            None,
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("invalid_token"))
    );
    // A proof whose jwk header is not the key that signed it.
    let forged = {
        let real = proof(&holder, &nonce);
        let other = SigningKey::generate(Alg::Es256);
        let other_proof = proof(&other, &nonce);
        let (real_header, rest) = real.split_once('.').unwrap();
        let _ = real_header;
        let (other_header, _) = other_proof.split_once('.').unwrap();
        format!("{other_header}.{rest}")
    };
    let (status, answer) = w
        .post(
            "/credential",
            World::credential_request(configuration, vec![forged]),
            false,
            Some(&access),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str(), answer["code"].as_str()),
        (400, Some("invalid_proof"), Some("proof_signature_invalid")),
        "{answer}"
    );
    // A nonce never issued.
    let (status, answer) = w
        .post(
            "/credential",
            World::credential_request(configuration, vec![proof(&holder, "made-up")]),
            false,
            Some(&access),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_nonce")),
        "{answer}"
    );
    // The right request works once; the same c_nonce again is a replay.
    let (status, answer) = w
        .post(
            "/credential",
            World::credential_request(configuration, vec![proof(&holder, &nonce)]),
            false,
            Some(&access),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = w
        .post(
            "/credential",
            World::credential_request(
                configuration,
                vec![proof(&SigningKey::generate(Alg::Es256), &nonce)],
            ),
            false,
            Some(&access),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str(), answer["code"].as_str()),
        (400, Some("invalid_nonce"), Some("c_nonce_invalid"))
    );
    // A stale nonce: issued, then the clock passes its lifetime.
    let stale = w.nonce().await;
    w.clock.0.store(61, Ordering::SeqCst);
    let late_proof = build_proof_jwt(&holder, &w.base, &stale, w.clock.now(), None);
    let (status, answer) = w
        .post(
            "/credential",
            World::credential_request(configuration, vec![late_proof]),
            false,
            Some(&access),
        )
        .await;
    w.clock.0.store(0, Ordering::SeqCst);
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_nonce")),
        "{answer}"
    );
    assert!(
        answer["error_description"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{answer}"
    );
    // The wrong configuration for this token.
    let fresh = w.nonce().await;
    let (_, answer) = w
        .post(
            "/credential",
            World::credential_request("passport_jwt_vc_json", vec![proof(&holder, &fresh)]),
            false,
            Some(&access),
        )
        .await;
    assert_eq!(answer["error"], "unknown_credential_configuration");
}

/// Reads status list `n` of the issuer through the verifying registry client.
async fn list_value(
    w: &World,
    client: &RegistryClient<ReqwestGet>,
    n: u64,
    index: usize,
    bitstring: bool,
) -> Option<u8> {
    let id = format!("status-list:{}:{n}", w.issuer.did());
    let read = client.read(&id).await.ok()?;
    let token = read.object["token"].as_str()?;
    let jws = CompactJws::parse(token, 8 << 20).ok()?;
    let claims = jws.unverified_claims().ok()?;
    if bitstring {
        let encoded = claims["credentialSubject"]["encodedList"].as_str()?;
        let list = BitstringStatusList::decode(
            encoded,
            sigillum_credential::status::StatusSize::ONE,
            1 << 20,
        )
        .ok()?;
        list.get(index).ok()
    } else {
        let uri = claims["sub"].as_str()?.to_owned();
        let parsed = StatusListTokenClaims::from_claims(&claims, &uri, 8 << 20).ok()?;
        parsed.status_list.get(index).ok()
    }
}

async fn wait_for(
    w: &World,
    client: &RegistryClient<ReqwestGet>,
    n: u64,
    index: usize,
    bitstring: bool,
    want: u8,
) -> Duration {
    let start = Instant::now();
    loop {
        if list_value(w, client, n, index, bitstring).await == Some(want) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_millis(PUBLISH_DELAY_MS) + Duration::from_secs(5),
            "list {n} index {index} never became {want}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_suspend_and_reinstate_reach_the_registry() {
    let w = world(&["passport", "residence_permit"]).await;
    let receiver = Receiver::new();
    let client = w.registry_client();
    // An SD-JWT VC passport: token list 0 (ledger number 0).
    let (passport, link, pin) = w.offer("passport", "P-1", "dc+sd-jwt").await;
    let got = receiver
        .receive(&link, Some(&pin), 1, SystemClock.now())
        .await
        .unwrap();
    let jwt = got[0].credential.split('~').next().unwrap();
    let claims = CompactJws::parse(jwt, 1 << 20)
        .unwrap()
        .unverified_claims()
        .unwrap();
    let idx = usize::try_from(claims["status"]["status_list"]["idx"].as_u64().unwrap()).unwrap();
    let uri = claims["status"]["status_list"]["uri"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        uri,
        format!("{}/v1/status-lists/{}/0", w.registry.base, w.issuer.did())
    );
    wait_for(&w, &client, 0, idx, false, 0).await;
    // Any verifier can fetch the bare token at the uri.
    let bare = w
        .http
        .get(&uri)
        .header("accept", "application/statuslist+jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(bare.headers()["content-type"], "application/statuslist+jwt");
    let text = bare.text().await.unwrap();
    assert_eq!(
        CompactJws::parse(&text, 8 << 20)
            .unwrap()
            .header()
            .typ
            .as_deref(),
        Some("statuslist+jwt")
    );

    let change = |id: String, action: &'static str, officer: &'static str| {
        let w = &w;
        async move {
            let r = w
                .http
                .post(format!("{}/v1/credentials/{id}/{action}", w.base))
                .bearer_auth(w.token(officer))
                .json(&json!({"reason": "reported lost"}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // The clerk may suspend but not revoke.
    let (status, problem) = change(passport.clone(), "revoke", "clerk").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("officer_role_missing"))
    );
    let (status, _) = change(passport.clone(), "revoke", "viewer").await;
    assert_eq!(status, 200);
    let took = wait_for(&w, &client, 0, idx, false, 1).await;
    eprintln!("revocation visible on the registry after {took:?}");
    let (status, problem) = change(passport.clone(), "reinstate", "admin").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("status_transition_invalid"))
    );

    // A VC-JWT residence permit: bitstring list 0 = ledger 1 (revocation) and 2 (suspension).
    let (permit, link, pin) = w.offer("residence_permit", "RP-1", "jwt_vc_json").await;
    let got = receiver
        .receive(&link, Some(&pin), 1, SystemClock.now())
        .await
        .unwrap();
    let claims = CompactJws::parse(&got[0].credential, 1 << 20)
        .unwrap()
        .unverified_claims()
        .unwrap();
    let idx: usize = claims["credentialStatus"][1]["statusListIndex"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, _) = change(permit.clone(), "suspend", "clerk").await;
    assert_eq!(status, 200);
    wait_for(&w, &client, 2, idx, true, 1).await;
    assert_eq!(
        list_value(&w, &client, 1, idx, true).await,
        Some(0),
        "suspended, not revoked"
    );
    let (status, view) = change(permit.clone(), "reinstate", "clerk").await;
    assert_eq!((status, view["status"].as_str()), (200, Some("valid")));
    wait_for(&w, &client, 2, idx, true, 0).await;

    // The audit chain verifies and holds no personal data.
    let audit: Value = w
        .http
        .get(format!("{}/v1/audit?limit=1000", w.base))
        .bearer_auth(w.token("admin"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["verified"]["ok"], true, "{audit}");
    let text = audit.to_string();
    for value in World::sample("passport").values().filter_map(Value::as_str) {
        assert!(
            value.len() < 4 || !text.contains(value),
            "the audit log holds {value}"
        );
    }
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["entry"]["action"].as_str())
        .collect();
    for wanted in ["issue", "deliver", "revoke", "suspend", "reinstate"] {
        assert!(actions.contains(&wanted), "{actions:?}");
    }
}

/// The Token Endpoint limits failures per client address (issue 8, "rate limits on
/// token and PIN endpoints"): successful exchanges cost nothing, 20 failures are
/// answered as usual, then every request from that address gets 429 with a
/// `Retry-After` until a failure is earned back — even one with the right PIN, so
/// a guesser learns nothing from the answers while refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guesser_is_refused_after_twenty_failures() {
    let w = world(&["passport"]).await;
    let (_, link, pin) = w.offer("passport", "G-1", "dc+sd-jwt").await;
    let (status, answer) = w.token_for(&link, &pin).await;
    assert_eq!(status, 200, "a success first: {answer}");
    let (_, link2, pin2) = w.offer("passport", "G-2", "dc+sd-jwt").await;

    let guess = |n: usize| {
        TokenRequest {
            pre_authorized_code: SecretString::new(format!("guessed-code-{n}")),
            tx_code: Some(SecretString::new("123456")),
            client_id: None,
            authorization_details: None,
        }
        .to_form()
    };
    for n in 0..20 {
        let (status, answer) = w.post("/token", guess(n), true, None).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_grant")),
            "failure {n} is answered as usual"
        );
    }
    let r = w
        .http
        .post(format!("{}/token", w.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(guess(20))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&retry), "Retry-After {retry}");
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["code"], "too_many_failures", "{answer}");
    // The right PIN for a real offer is refused too while the address is out of attempts…
    let (status, answer) = w.token_for(&link2, &pin2).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (429, Some("too_many_failures"))
    );
    // …and was not spent: once a failure is earned back, it is exchanged.
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let (status, answer) = w.token_for(&link2, &pin2).await;
    assert_eq!(status, 200, "{answer}");
}
