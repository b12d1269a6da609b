//! The verifier service (issue #5 items 4–6) over real HTTP on loopback, with a
//! real registry and a real issuer: OpenID4VP 1.0 requests by reference signed by
//! the checkpoint's did:key, `direct_post` answers accepted once, the officer's
//! screen, offline presentation QR codes (text and a rendered PNG), verification
//! receipts, and the offline bundle when the registry is gone.
//!
//! The wallet side here is written out step by step with the credential library
//! (parse the link, fetch and verify the request object, present, post), so each
//! way an answer can be wrong can be built on purpose.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::local::{LocalIssuer, LocalRegistry, LocalVerifier, sample};
use serde_json::{Map, Value, json};
use sigillum_credential::key::Alg;
use sigillum_credential::oid4vp::{
    AuthorizationRequest, AuthorizationResponse, RequestLink, WalletAnswer, verify_request_object,
};
use sigillum_credential::qr::{self, PayloadKind};
use sigillum_credential::sd_jwt::{ClaimPath, present};
use sigillum_credential::time::{Clock, FixedClock, SystemClock, Timestamp};
use sigillum_issuer::store::Role;
use sigillum_wallet::receive::Received;

const BORDER: &[&str] = &[
    "family_name",
    "given_names",
    "nationality",
    "birth_date",
    "document_number",
    "expiry_date",
    "portrait_digest",
];
const KYC: &[&str] = &["family_name", "given_names", "birth_date", "expiry_date"];

struct World {
    registry: LocalRegistry,
    office: LocalIssuer,
    officer: String,
    http: reqwest::Client,
}

async fn world(origin: &str) -> World {
    let registry = LocalRegistry::start(origin).await;
    let types = ["passport", "residence_permit", "business_license"];
    let office = LocalIssuer::start(&registry, &types, &types, 50, Arc::new(SystemClock)).await;
    let officer = office.officer("chief", &[Role::Admin]);
    World {
        registry,
        office,
        officer,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

async fn verifier(w: &World, bundle: bool, clock: Arc<dyn Clock>) -> LocalVerifier {
    let dir = tempfile::tempdir().unwrap();
    let config = LocalVerifier::config(&w.registry, dir.path(), bundle);
    LocalVerifier::start(config, dir, clock).await
}

impl World {
    /// Issues `claims` through the officer API; receives one SD-JWT VC copy.
    async fn issue(
        &self,
        kind: &str,
        reference: &str,
        claims: Map<String, Value>,
    ) -> (String, Received) {
        let body = json!({"reference": reference, "claims": claims});
        self.office.issue_one(&self.officer, kind, &body).await
    }

    async fn status(&self, id: &str, action: &str) {
        let r = self
            .http
            .post(format!("{}/v1/credentials/{id}/{action}", self.office.base))
            .bearer_auth(&self.officer)
            .json(&json!({"reason": "test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

/// An open request, as the wallet sees it after fetching and verifying it.
struct Opened {
    id: String,
    request: AuthorizationRequest,
}

/// `POST /v1/requests` for `profile`: the id, link and offline request QR.
async fn open_json(http: &reqwest::Client, v: &LocalVerifier, profile: &str) -> Value {
    let r = http
        .post(format!("{}/v1/requests", v.base))
        .json(&json!({"profile": profile}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn open(http: &reqwest::Client, v: &LocalVerifier, profile: &str) -> Opened {
    let body = open_json(http, v, profile).await;
    let link = RequestLink::parse(body["link"].as_str().unwrap()).unwrap();
    let fetched = http.get(&link.request_uri).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(
        fetched.headers()["content-type"],
        "application/oauth-authz-req+jwt"
    );
    let request = verify_request_object(&fetched.text().await.unwrap(), &link, Alg::ALL).unwrap();
    assert_eq!(request.client_id, v.verifier.client_id());
    assert!(
        request
            .client_id
            .starts_with("decentralized_identifier:did:key:")
    );
    Opened {
        id: body["id"].as_str().unwrap().to_owned(),
        request,
    }
}

/// The presentation of `copy` disclosing `claims`, bound to `aud` and `nonce`.
fn shown(copy: &Received, claims: &[&str], aud: &str, nonce: &str) -> String {
    let paths: Vec<ClaimPath> = claims.iter().map(|c| ClaimPath::dotted(c)).collect();
    present(
        &copy.credential,
        &paths,
        Some((&copy.holder, aud, nonce, SystemClock.now())),
    )
    .unwrap()
}

fn answer(query: &str, presentation: String, state: Option<&str>) -> String {
    AuthorizationResponse {
        vp_token: [(query.to_owned(), vec![presentation])].into(),
        state: state.map(str::to_owned),
    }
    .to_form()
}

async fn post(http: &reqwest::Client, uri: &str, body: String) -> (u16, Value) {
    let r = http
        .post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn outcome(http: &reqwest::Client, v: &LocalVerifier, id: &str) -> Value {
    let r = http
        .get(format!("{}/v1/requests/{id}", v.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "answered", "{body:#}");
    body["outcome"].clone()
}

/// Every failure code in an outcome.
fn codes(outcome: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in outcome["presentations"].as_array().unwrap() {
        for c in p["report"]["checks"].as_array().unwrap() {
            if c["ok"] == false {
                out.push(c["code"].as_str().unwrap_or("?").to_owned());
            }
        }
    }
    for c in outcome["answer_checks"].as_array().unwrap() {
        out.push(c["code"].as_str().unwrap_or("?").to_owned());
    }
    out
}

/// Presents `copy` to a fresh `profile` request and returns the outcome.
async fn check(
    http: &reqwest::Client,
    v: &LocalVerifier,
    profile: &str,
    query: &str,
    copy: &Received,
    claims: &[&str],
) -> Value {
    let o = open(http, v, profile).await;
    let p = shown(copy, claims, &o.request.client_id, &o.request.nonce);
    let (status, body) = post(
        http,
        &o.request.response_uri,
        answer(query, p, o.request.state.as_deref()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({}));
    outcome(http, v, &o.id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid4vp_answers_are_verified_once_and_each_fault_has_its_code() {
    let w = world("registry.test/checkpoint/1").await;
    let v = verifier(&w, false, Arc::new(SystemClock)).await;
    let http = &w.http;
    let (passport_id, passport) = w.issue("passport", "P-1", sample("passport")).await;
    // Status lists are published in batches: wait for the first.
    until(http, &v, "border", "passport", &passport, BORDER, &[]).await;

    // Accepted, with a receipt that names no person.
    let o = open(http, &v, "border").await;
    let good = shown(&passport, BORDER, &o.request.client_id, &o.request.nonce);
    let body = answer("passport", good.clone(), o.request.state.as_deref());
    // A wrong state is refused without burning the request.
    let (status, err) = post(
        http,
        &o.request.response_uri,
        answer("passport", good.clone(), Some("forged")),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("state_mismatch"))
    );
    let (status, _) = post(http, &o.request.response_uri, body.clone()).await;
    assert_eq!(status, 200);
    let accepted = outcome(http, &v, &o.id).await;
    assert_eq!(accepted["verdict"], "accepted", "{accepted:#}");
    let claims = &accepted["presentations"][0]["report"]["claims"];
    assert_eq!(claims["family_name"], "ERIKSSON");
    assert!(
        claims.get("sex").is_none(),
        "only what the profile asks is disclosed"
    );
    let receipt = accepted["receipt"].as_str().unwrap();
    let receipt_claims = sigillum_verifier::receipt::verify(receipt).unwrap();
    let receipt_text = Value::Object(receipt_claims.clone()).to_string();
    for personal in [
        "ERIKSSON",
        "ANNA",
        "L898902C3",
        "1974-08-12",
        &o.request.nonce,
    ] {
        assert!(
            !receipt_text.contains(personal),
            "{personal} in the receipt"
        );
    }
    assert_eq!(receipt_claims["verdict"], "accepted");
    let stored = http
        .get(format!(
            "{}/v1/receipts/{}",
            v.base,
            receipt_claims["jti"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(stored.text().await.unwrap(), receipt);

    // The same answer again is a replay; the spent request object is gone too.
    let (status, err) = post(http, &o.request.response_uri, body).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("vp_token_replayed"))
    );
    let r = http
        .get(v.verifier.request_uri(&o.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    // Wrong nonce, wrong audience, no key binding at all.
    let o = open(http, &v, "border").await;
    let p = shown(&passport, BORDER, &o.request.client_id, "another-nonce");
    post(
        http,
        &o.request.response_uri,
        answer("passport", p, o.request.state.as_deref()),
    )
    .await;
    assert_eq!(
        codes(&outcome(http, &v, &o.id).await),
        ["key_binding_nonce_mismatch"]
    );
    let o = open(http, &v, "border").await;
    let p = shown(
        &passport,
        BORDER,
        "decentralized_identifier:did:key:zOther",
        &o.request.nonce,
    );
    post(
        http,
        &o.request.response_uri,
        answer("passport", p, o.request.state.as_deref()),
    )
    .await;
    assert_eq!(
        codes(&outcome(http, &v, &o.id).await),
        ["key_binding_aud_mismatch"]
    );
    let o = open(http, &v, "border").await;
    let paths: Vec<ClaimPath> = BORDER.iter().map(|c| ClaimPath::dotted(c)).collect();
    let bare = present(&passport.credential, &paths, None).unwrap();
    post(
        http,
        &o.request.response_uri,
        answer("passport", bare, o.request.state.as_deref()),
    )
    .await;
    assert_eq!(
        codes(&outcome(http, &v, &o.id).await),
        ["key_binding_missing"]
    );

    // A required claim held back; a query the request did not make.
    let missing = check(http, &v, "border", "passport", &passport, &BORDER[..6]).await;
    assert_eq!(codes(&missing), ["claim_missing"]);
    let o = open(http, &v, "border").await;
    let p = shown(&passport, BORDER, &o.request.client_id, &o.request.nonce);
    post(
        http,
        &o.request.response_uri,
        answer("not_asked", p, o.request.state.as_deref()),
    )
    .await;
    assert_eq!(codes(&outcome(http, &v, &o.id).await), ["vp_token_invalid"]);

    // The wallet declines: 200 to the wallet, "refused" on the screen.
    let o = open(http, &v, "border").await;
    let refusal = WalletAnswer::refusal_form(
        "access_denied",
        "the holder said no",
        o.request.state.as_deref(),
    );
    let (status, _) = post(http, &o.request.response_uri, refusal).await;
    assert_eq!(status, 200);
    let r: Value = http
        .get(format!("{}/v1/requests/{}", v.base, o.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r["status"].as_str(), r["error"].as_str()),
        (Some("refused"), Some("access_denied"))
    );

    // Malformed answers and unknown requests.
    let (status, err) = post(
        http,
        &o.request.response_uri.replace(&o.id, "nope"),
        "vp_token=%7B%7D".into(),
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let fresh = open(http, &v, "border").await;
    let (status, err) = post(
        http,
        &fresh.request.response_uri,
        "vp_token=%5B%5D&state=x".into(),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("vp_token_malformed"))
    );
    let (status, err) = post(
        http,
        &format!("{}/oid4vp/response/unknown", v.base),
        answer("passport", "x".into(), Some("s")),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (404, Some("request_unknown"))
    );

    // Age 17 at the bank; revoked, then suspended and reinstated, at the border.
    let mut young = sample("passport");
    let today = SystemClock.now().to_rfc3339();
    let year: i64 = today[..4].parse().unwrap();
    young.insert(
        "birth_date".into(),
        json!(format!("{}{}", year - 17, &today[4..10])),
    );
    young.insert("document_number".into(), json!("Y1234567"));
    let (_, minor) = w.issue("passport", "P-17", young).await;
    let kyc = check(http, &v, "bank_kyc", "passport", &minor, KYC).await;
    assert_eq!(codes(&kyc), ["predicate_failed"], "{kyc:#}");
    let adult = check(http, &v, "bank_kyc", "passport", &passport, KYC).await;
    assert_eq!(adult["verdict"], "accepted", "{adult:#}");
    assert!(
        adult["presentations"][0]["report"]["claims"]
            .get("nationality")
            .is_none()
    );

    let (permit_id, permit) = w
        .issue("residence_permit", "R-1", sample("residence_permit"))
        .await;
    w.status(&permit_id, "suspend").await;
    let permit_claims = &["family_name", "given_names", "birth_date", "valid_until"];
    until(
        http,
        &v,
        "bank_kyc",
        "residence_permit",
        &permit,
        permit_claims,
        &["credential_suspended"],
    )
    .await;
    w.status(&permit_id, "reinstate").await;
    until(
        http,
        &v,
        "bank_kyc",
        "residence_permit",
        &permit,
        permit_claims,
        &[],
    )
    .await;
    w.status(&passport_id, "revoke").await;
    until(
        http,
        &v,
        "border",
        "passport",
        &passport,
        BORDER,
        &["credential_revoked"],
    )
    .await;
}

/// Presents again until the codes are `want` (status changes are published in batches).
async fn until(
    http: &reqwest::Client,
    v: &LocalVerifier,
    profile: &str,
    query: &str,
    copy: &Received,
    claims: &[&str],
    want: &[&str],
) {
    let start = Instant::now();
    loop {
        let o = check(http, v, profile, query, copy, claims).await;
        if codes(&o) == want {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still {:?}, wanted {want:?}",
            codes(&o)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verifier_clock_decides_expired_and_not_yet_valid() {
    let w = world("registry.test/checkpoint/2").await;
    let (_, passport) = w.issue("passport", "P-2", sample("passport")).await;
    let v = verifier(&w, false, Arc::new(SystemClock)).await;
    until(&w.http, &v, "border", "passport", &passport, BORDER, &[]).await;
    let now = SystemClock.now().unix();
    let later = verifier(
        &w,
        false,
        Arc::new(FixedClock(Timestamp::from_unix(now + 20 * 366 * 86_400))),
    )
    .await;
    let o = check(&w.http, &later, "border", "passport", &passport, BORDER).await;
    assert!(
        codes(&o).contains(&"credential_expired".to_owned()),
        "{:?}",
        codes(&o)
    );
    let earlier = verifier(
        &w,
        false,
        Arc::new(FixedClock(Timestamp::from_unix(now - 86_400))),
    )
    .await;
    let o = check(&w.http, &earlier, "border", "passport", &passport, BORDER).await;
    assert!(
        codes(&o).contains(&"credential_not_yet_valid".to_owned()),
        "{:?}",
        codes(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_qr_and_the_officer_screen() {
    let w = world("registry.test/checkpoint/3").await;
    let v = verifier(&w, true, Arc::new(SystemClock)).await;
    let http = &w.http;
    let (_, passport) = w.issue("passport", "P-3", sample("passport")).await;
    until(http, &v, "border", "passport", &passport, BORDER, &[]).await;
    v.verifier.refresh_bundle().await.unwrap();

    // The screen: choose the profile, see the request QR, refreshed while waiting.
    let home = http.get(format!("{}/", v.base)).send().await.unwrap();
    assert!(
        home.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let home = home.text().await.unwrap();
    assert!(home.contains("value=\"border\"") && home.contains("value=\"bank_kyc\""));
    let started = http
        .post(format!("{}/checks", v.base))
        .form(&[("profile", "border")])
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let location = started.headers()["location"].to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/checks/").to_owned();
    let waiting = http
        .get(format!("{}{location}", v.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(waiting.contains("<svg") && waiting.contains("http-equiv=\"refresh\""));
    assert!(waiting.contains("openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3A"));

    // The wallet is offline: it reads the offline request QR (the signed request
    // object) and answers with a presentation QR, photographed by the officer.
    let session = v
        .verifier
        .sessions()
        .get(&id, SystemClock.now().unix())
        .unwrap();
    let offline_request = v.verifier.request_object(&id).unwrap();
    let request_qr =
        qr::encode(PayloadKind::PresentationRequest, offline_request.as_bytes()).unwrap();
    let jwt =
        String::from_utf8(qr::decode_as(PayloadKind::PresentationRequest, &request_qr).unwrap())
            .unwrap();
    let request = sigillum_credential::oid4vp::verify_offline_request(&jwt, Alg::ALL).unwrap();
    assert_eq!(request.nonce, session.nonce);
    let p = shown(&passport, BORDER, &request.client_id, &request.nonce);
    let text = qr::encode(PayloadKind::Presentation, p.as_bytes()).unwrap();
    let png = qr::render_png(&text, 4).unwrap();
    let form = reqwest::multipart::Form::new()
        .part(
            "image",
            reqwest::multipart::Part::bytes(png)
                .file_name("qr.png")
                .mime_str("image/png")
                .unwrap(),
        )
        .text("text", "");
    let r = http
        .post(format!("{}/checks/{id}/offline", v.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = http
        .get(format!("{}/checks/{id}", v.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("ACCEPTED"), "{page}");
    assert!(page.contains("ERIKSSON") && page.contains("Compare the traveller"));
    assert!(!page.contains("http-equiv=\"refresh\""));
    // A second QR for the same request is a replay.
    let r = http
        .post(format!("{}/v1/requests/{id}/offline", v.base))
        .body(text.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // "Next traveller" forgets the outcome.
    let r = http
        .post(format!("{}/checks/{id}/close", v.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let gone = http
        .get(format!("{}/checks/{id}", v.base))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    // A form posted from another site is refused.
    let r = http
        .post(format!("{}/checks", v.base))
        .header("origin", "https://evil.example")
        .form(&[("profile", "border")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The registry goes away: the border verifies from the bundle and says how old it is.
    drop(w.registry);
    let o = open(http, &v, "border").await;
    let p = shown(&passport, BORDER, &o.request.client_id, &o.request.nonce);
    let text = qr::encode(PayloadKind::Presentation, p.as_bytes()).unwrap();
    let r: Value = http
        .post(format!("{}/v1/requests/{}/offline", v.base, o.id))
        .body(text)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["verdict"], "accepted", "{r:#}");
    assert!(r["ledger"].as_str().unwrap().starts_with("offline bundle"));
    assert!(r["bundle_age_secs"].as_i64().unwrap() >= 0);
}

/// The wallet library end to end: two copies received into a real vault, each
/// shown once to the border over OpenID4VP, then a third request answered offline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_presents_to_the_checkpoint_online_and_offline() {
    use sigillum_credential::seal::KdfParams;
    use sigillum_wallet::present::{Presenter, offline_qr, offline_request, plan, respond};
    use sigillum_wallet::vault::{Vault, VaultConfig};

    let w = world("registry.test/checkpoint/4").await;
    let v = verifier(&w, false, Arc::new(SystemClock)).await;
    let http = &w.http;
    let body = json!({"reference": "P-4", "claims": sample("passport")});
    let (_, copies) = w
        .office
        .issue_copies(&w.officer, "passport", &body, 2)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = VaultConfig {
        kdf: KdfParams {
            m_kib: 256,
            t: 1,
            p: 1,
        },
        ..VaultConfig::default()
    };
    let vault = Vault::create(dir.path(), "483920", &config).unwrap();
    for copy in &copies {
        vault
            .put(&copy.to_stored("passport-1", SystemClock.now().unix()))
            .unwrap();
    }
    until(http, &v, "border", "passport", &copies[0], BORDER, &[]).await;

    let presenter = Presenter::new();
    let mut shown = Vec::new();
    for _ in 0..2 {
        let opened = open_json(http, &v, "border").await;
        let request = presenter
            .fetch(opened["link"].as_str().unwrap())
            .await
            .unwrap();
        let now = SystemClock.now();
        let consent = plan(&request, &vault, now).unwrap();
        let response = respond(&request, &consent, &vault, now).unwrap();
        shown.push(response.vp_token["passport"][0].clone());
        presenter.send(&request, &response).await.unwrap();
        let o = outcome(http, &v, opened["id"].as_str().unwrap()).await;
        assert_eq!(o["verdict"], "accepted", "{o:#}");
    }
    let issuer_jwt = |p: &str| p.split('.').nth(1).unwrap().to_owned();
    assert_ne!(
        issuer_jwt(&shown[0]),
        issuer_jwt(&shown[1]),
        "two copies, two credentials"
    );

    // Both copies are used: the wallet says so rather than reuse one.
    let opened = open_json(http, &v, "border").await;
    let request = offline_request(opened["offline_request_qr"].as_str().unwrap()).unwrap();
    let spent = plan(&request, &vault, SystemClock.now()).unwrap();
    assert!(spent.ready().is_err(), "no unused copy left");
    let history = vault.history().unwrap();
    assert_eq!(history.iter().filter(|h| h.kind == "present").count(), 2);
    assert!(
        history
            .iter()
            .all(|h| !format!("{h:?}").contains("ERIKSSON"))
    );

    // Offline, with a fresh copy.
    let (_, copy) = w.issue("passport", "P-5", sample("passport")).await;
    vault
        .put(&copy.to_stored("passport-2", SystemClock.now().unix()))
        .unwrap();
    until(http, &v, "border", "passport", &copy, BORDER, &[]).await;
    // `until` used the copy through the test's own wallet code; the vault's copy is unused.
    let consent = plan(&request, &vault, SystemClock.now()).unwrap();
    let response = respond(&request, &consent, &vault, SystemClock.now()).unwrap();
    let text = offline_qr(&response).unwrap();
    let o: Value = http
        .post(format!(
            "{}/v1/requests/{}/offline",
            v.base,
            opened["id"].as_str().unwrap()
        ))
        .body(text)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(o["verdict"], "accepted", "{o:#}");
    assert_eq!(o["route"], "offline_qr");
}
