//! The web wallet (issue #6 item 2) over real HTTP on loopback: a registry, an
//! office issuing the three built-in types, a checkpoint and the wallet service, each
//! a real server. A `Phone` is a browser without JavaScript: it keeps the session
//! cookie, follows no redirects by itself and posts the forms the pages hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::local::{
    LocalIssuer, LocalRegistry, LocalVerifier, LocalWallet, border_passport_claims,
    disclosed_sample_claims, sample,
};
use serde_json::{Value, json};
use sigillum_credential::time::SystemClock;
use sigillum_issuer::store::Role;

/// A phone's browser: the cookie it was given, and the wallet's origin.
struct Phone {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    set_cookie: Option<String>,
    retry_after: Option<String>,
    body: String,
}

impl Page {
    /// The CSRF token in the page's forms.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF field")
            + 19;
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

impl Phone {
    fn new(wallet: &LocalWallet) -> Self {
        Phone {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: wallet.base.clone(),
            cookie: None,
        }
    }

    async fn read(&mut self, r: reqwest::RequestBuilder) -> Page {
        let r = match &self.cookie {
            Some(c) => r.header("cookie", c),
            None => r,
        };
        let r = r.send().await.unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        let retry_after = header("retry-after");
        if let Some(set) = &set_cookie {
            let pair = set.split(';').next().unwrap().to_owned();
            self.cookie = (!pair.ends_with('=')).then_some(pair);
        }
        Page {
            status: r.status().as_u16(),
            location,
            set_cookie,
            retry_after,
            body: r.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let r = self.http.get(format!("{}{path}", self.base));
        self.read(r).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .form(form);
        self.read(r).await
    }

    async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .multipart(form);
        self.read(r).await
    }

    async fn sign_up(&mut self, name: &str, pin: &str) {
        let p = self
            .post(
                "/signup",
                &[("name", name), ("pin", pin), ("pin_again", pin)],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(p.location.as_deref(), Some("/cards"));
        let cookie = p.set_cookie.unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
    }

    /// Adds the card an offer link holds; returns the card's path.
    async fn add(&mut self, offer: &Value) -> String {
        let csrf = self.get("/add").await.csrf();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("offer", offer["offer_link"].as_str().unwrap().to_owned())
            .text(
                "pin",
                offer["tx_code"].as_str().unwrap_or_default().to_owned(),
            );
        let p = self.post_multipart("/add", form).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let location = p.location.unwrap();
        assert!(location.starts_with("/cards/") && location.ends_with("?added=1"));
        location.trim_end_matches("?added=1").to_owned()
    }

    /// Reads a request link (or offline QR text) and lands on the consent screen.
    async fn ask(&mut self, request: &str) -> Page {
        let csrf = self.get("/present").await.csrf();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("request", request.to_owned());
        let p = self.post_multipart("/present", form).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(p.location.as_deref(), Some("/present/consent"));
        let consent = self.get("/present/consent").await;
        assert_eq!(consent.status, 200);
        consent
    }
}

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
    let officer = office.officer("clerk", &[Role::Admin]);
    World {
        registry,
        office,
        officer,
        http: reqwest::Client::new(),
    }
}

impl World {
    /// An offer for `kind` with the type's sample claims: `{id, offer_link, tx_code}`.
    async fn offer(&self, kind: &str, reference: &str) -> Value {
        let r = self
            .http
            .post(format!(
                "{}/v1/credentials/{kind}?qr=none",
                self.office.base
            ))
            .bearer_auth(&self.officer)
            .json(&json!({"reference": reference, "claims": sample(kind)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    }

    async fn revoke(&self, id: &str) {
        let r = self
            .http
            .post(format!("{}/v1/credentials/{id}/revoke", self.office.base))
            .bearer_auth(&self.officer)
            .json(&json!({"reason": "test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// A new presentation request at `v` for `profile`: `{id, link, offline_request_qr}`.
    async fn request(&self, v: &LocalVerifier, profile: &str) -> Value {
        let r = self
            .http
            .post(format!("{}/v1/requests", v.base))
            .json(&json!({"profile": profile}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    }

    async fn outcome(&self, v: &LocalVerifier, id: &str) -> Value {
        let body: Value = self
            .http
            .get(format!("{}/v1/requests/{id}", v.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["outcome"].clone()
    }
}

/// Reloads `path` until it shows `badge` (the issuer publishes its status list a
/// moment after issuing).
async fn until_badge(phone: &mut Phone, path: &str, badge: &str) -> Page {
    let start = Instant::now();
    loop {
        let p = phone.get(path).await;
        assert_eq!(p.status, 200, "{}", p.body);
        if p.body.contains(&format!("badge badge-{badge}\"")) {
            return p;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no {badge} badge in {}",
            p.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_adds_each_card_and_presents_online_and_by_qr() {
    let w = world("registry.test/wallet-site/1").await;
    let dir = tempfile::tempdir().unwrap();
    let v = LocalVerifier::start(
        LocalVerifier::config(&w.registry, dir.path(), false),
        dir,
        Arc::new(SystemClock),
    )
    .await;
    let wallet = LocalWallet::start(Some(&w.registry)).await;
    let mut phone = Phone::new(&wallet);
    assert_eq!(phone.get("/").await.location.as_deref(), Some("/unlock"));
    phone.sign_up("amira", "271828").await;

    // Each type, received over OpenID4VCI from the real office, checked on the registry.
    let mut cards = Vec::new();
    for (kind, name, claim) in [
        ("passport", "Passport", "family_name"),
        ("residence_permit", "Residence permit", "permit_number"),
        ("business_license", "Business licence", "legal_name"),
    ] {
        let offer = w.offer(kind, &format!("{kind}-1")).await;
        let path = phone.add(&offer).await;
        let detail = until_badge(&mut phone, &path, "valid").await;
        let value = sample(kind)[claim].as_str().unwrap().to_owned();
        assert!(detail.body.contains(&value), "{kind}: {value} not shown");
        assert!(detail.body.contains(name), "{kind}: {name}");
        cards.push((path, offer));
    }
    let list = phone.get("/cards").await;
    assert_eq!(
        list.body.matches("badge badge-valid\"").count(),
        3,
        "{}",
        list.body
    );

    // Online: the checkpoint's link → consent → direct_post → accepted, exactly the
    // border profile's claims disclosed.
    let request = w.request(&v, "border").await;
    let consent = phone.ask(request["link"].as_str().unwrap()).await;
    assert!(
        consent.body.contains(
            v.verifier
                .client_id()
                .trim_start_matches("decentralized_identifier:")
        )
    );
    for label in ["Date of birth", "Nationality", "Document number"] {
        assert!(
            consent.body.contains(label),
            "consent lists {label}: {}",
            consent.body
        );
    }
    let shared = phone
        .post("/present/share", &[("csrf", &consent.csrf())])
        .await;
    assert_eq!(shared.status, 200, "{}", shared.body);
    assert!(shared.body.contains("Shared"));
    let outcome = w.outcome(&v, request["id"].as_str().unwrap()).await;
    assert_eq!(outcome["verdict"], "accepted", "{outcome:#}");
    assert_eq!(
        disclosed_sample_claims(&outcome, "passport"),
        border_passport_claims(),
        "exactly the requested claims"
    );

    // Offline: the checkpoint's request QR text → consent → the answer as a QR.
    let request = w.request(&v, "bank_kyc").await;
    let consent = phone
        .ask(request["offline_request_qr"].as_str().unwrap())
        .await;
    assert!(
        !consent.body.contains(">Share<"),
        "an offline request is answered by QR only"
    );
    let qr = phone
        .post("/present/qr", &[("csrf", &consent.csrf())])
        .await;
    assert_eq!(qr.status, 200, "{}", qr.body);
    assert!(
        qr.body.contains("<svg")
            && qr
                .body
                .contains("aria-label=\"your presentation as a QR code\"")
    );

    // Declining tells the checkpoint and shares nothing.
    let request = w.request(&v, "business_check").await;
    let consent = phone.ask(request["link"].as_str().unwrap()).await;
    let declined = phone
        .post("/present/decline", &[("csrf", &consent.csrf())])
        .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    let outcome = w.outcome(&v, request["id"].as_str().unwrap()).await;
    assert_ne!(outcome["verdict"], "accepted", "{outcome:#}");

    // The history shows each receipt, the presentations and the refusal; exported too.
    let history = phone.get("/history").await;
    assert_eq!(history.body.matches("history-receive").count(), 3);
    assert_eq!(history.body.matches("history-present").count(), 2);
    assert_eq!(history.body.matches("history-decline").count(), 1);
    let export: Value = serde_json::from_str(&phone.get("/history.json").await.body).unwrap();
    assert_eq!(export["history"].as_array().unwrap().len(), 6);

    // A revoked card says so.
    w.revoke(cards[0].1["id"].as_str().unwrap()).await;
    until_badge(&mut phone, &cards[0].0, "revoked").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_citizen_cannot_reach_another_and_forms_need_the_session_token() {
    let w = world("registry.test/wallet-site/2").await;
    let wallet = LocalWallet::start(Some(&w.registry)).await;
    let mut amira = Phone::new(&wallet);
    amira.sign_up("amira", "271828").await;
    let card = amira.add(&w.offer("passport", "P-amira").await).await;
    assert_eq!(amira.get(&card).await.status, 200);

    let mut bo = Phone::new(&wallet);
    bo.sign_up("bodil", "314159").await;
    let theirs = bo.get(&card).await;
    assert_eq!(
        theirs.status, 404,
        "another citizen's card is not there for bo"
    );
    assert!(
        !theirs
            .body
            .contains(sample("passport")["family_name"].as_str().unwrap())
    );
    assert!(!bo.get("/cards").await.body.contains("class=\"badge badge-"));
    let mut stranger = Phone::new(&wallet);
    assert_eq!(
        stranger.get(&card).await.location.as_deref(),
        Some("/unlock")
    );
    stranger.cookie = Some("sigillum_wallet=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    assert_eq!(
        stranger.get("/history.json").await.location.as_deref(),
        Some("/unlock")
    );

    // The name is taken; a PIN must be typed twice alike.
    let mut again = Phone::new(&wallet);
    let taken = again
        .post(
            "/signup",
            &[
                ("name", "Amira"),
                ("pin", "000000"),
                ("pin_again", "000000"),
            ],
        )
        .await;
    assert_eq!(taken.status, 409);
    assert!(taken.body.contains("wallet_name_taken"));
    let mismatch = again
        .post(
            "/signup",
            &[
                ("name", "cyrus"),
                ("pin", "111111"),
                ("pin_again", "111112"),
            ],
        )
        .await;
    assert!(mismatch.body.contains("pin_mismatch"));

    // Forms: without the session's CSRF token, or from another origin, refused.
    let no_token = amira
        .post("/backup", &[("passphrase", "correct horse battery")])
        .await;
    assert_eq!(no_token.status, 403);
    assert!(no_token.body.contains("csrf_token_invalid"));
    let csrf = amira.get("/backup").await.csrf();
    let cross = amira
        .read(
            amira
                .http
                .post(format!("{}/backup", wallet.base))
                .header("origin", "http://evil.test")
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("passphrase", "correct horse battery"),
                ]),
        )
        .await;
    assert_eq!(cross.status, 403);
    assert!(cross.body.contains("origin_refused"));
    // Bo's token does not work in Amira's session.
    let bos = bo.get("/backup").await.csrf();
    assert_ne!(bos, csrf);
    assert_eq!(
        amira
            .post(
                "/backup",
                &[("csrf", &bos), ("passphrase", "correct horse battery")]
            )
            .await
            .status,
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_pins_lock_the_wallet_and_the_files_hold_no_claim() {
    let w = world("registry.test/wallet-site/3").await;
    let wallet = LocalWallet::start(Some(&w.registry)).await;
    let mut phone = Phone::new(&wallet);
    phone.sign_up("amira", "271828").await;
    phone.add(&w.offer("passport", "P-1").await).await;
    let csrf = phone.get("/cards").await.csrf();
    let locked = phone.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(locked.location.as_deref(), Some("/unlock"));
    assert_eq!(
        phone.get("/cards").await.location.as_deref(),
        Some("/unlock")
    );

    for left in (1..=4).rev() {
        let p = phone
            .post("/unlock", &[("name", "amira"), ("pin", "000000")])
            .await;
        assert_eq!(p.status, 401);
        assert!(
            p.body.contains("pin_wrong") && p.body.contains(&format!("{left} attempt(s) left")),
            "{}",
            p.body
        );
    }
    let p = phone
        .post("/unlock", &[("name", "amira"), ("pin", "000000")])
        .await;
    assert_eq!(p.status, 429);
    assert!(p.body.contains("vault_locked"));
    // Locked even with the right PIN, until the delay passes.
    let p = phone
        .post("/unlock", &[("name", "amira"), ("pin", "271828")])
        .await;
    assert_eq!(p.status, 429);

    // Nothing the card holds is readable in the wallet's files.
    let sample = sample("passport");
    let values: Vec<&str> = ["family_name", "document_number", "birth_date"]
        .iter()
        .map(|k| sample[*k].as_str().unwrap())
        .collect();
    let mut files = vec![wallet.dir.path().to_path_buf()];
    let mut scanned = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        scanned += bytes.len();
        for value in &values {
            assert!(
                !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
                "{value} readable in {}",
                path.display()
            );
        }
        assert!(
            !bytes.windows(5).any(|w| w == b"amira"),
            "the account name is not on disk either"
        );
    }
    assert!(scanned > 1000, "the vault was written ({scanned} bytes)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_on_another_installation() {
    let w = world("registry.test/wallet-site/4").await;
    let first = LocalWallet::start(Some(&w.registry)).await;
    let mut phone = Phone::new(&first);
    phone.sign_up("amira", "271828").await;
    let card = phone.add(&w.offer("residence_permit", "R-1").await).await;
    until_badge(&mut phone, &card, "valid").await;
    let csrf = phone.get("/backup").await.csrf();
    let short = phone
        .post("/backup", &[("csrf", &csrf), ("passphrase", "short")])
        .await;
    assert_eq!(short.status, 422);
    let backup = phone
        .post(
            "/backup",
            &[("csrf", &csrf), ("passphrase", "correct horse battery")],
        )
        .await;
    assert_eq!(backup.status, 200);
    assert_eq!(backup.body.split('.').count(), 5, "a compact JWE");
    assert!(
        !backup.body.contains(
            sample("residence_permit")["permit_number"]
                .as_str()
                .unwrap()
        )
    );

    let second = LocalWallet::start(Some(&w.registry)).await;
    let mut new_phone = Phone::new(&second);
    let restore = |passphrase: &str| {
        reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(backup.body.clone().into_bytes())
                    .file_name("sigillum-wallet.backup"),
            )
            .text("passphrase", passphrase.to_owned())
            .text("name", "amira-new")
            .text("pin", "161803")
    };
    let wrong = new_phone
        .post_multipart("/restore", restore("wrong horse battery"))
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("backup_wrong_passphrase"),
        "{}",
        wrong.body
    );
    let restored = new_phone
        .post_multipart("/restore", restore("correct horse battery"))
        .await;
    assert_eq!(restored.status, 303, "{}", restored.body);
    let page = until_badge(&mut new_phone, &card, "valid").await;
    assert!(
        page.body.contains(
            sample("residence_permit")["permit_number"]
                .as_str()
                .unwrap()
        )
    );
}

/// The PIN forms limit wrong PINs per client address across every account (issue
/// 8, "rate limits on token and PIN endpoints"): a sprayer trying one PIN on many
/// names never trips any one vault's lockout, so after ten failures the address is
/// answered 429 with `Retry-After`, whatever the name — the right PIN included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_sprayer_is_refused_after_ten_failures_across_accounts() {
    let wallet = LocalWallet::start(None).await;
    let mut phone = Phone::new(&wallet);
    phone.sign_up("amira", "271828").await;
    let csrf = phone.get("/cards").await.csrf();
    phone.post("/logout", &[("csrf", &csrf)]).await;

    for n in 0..10 {
        let name = format!("citizen-{n}");
        let p = phone
            .post("/unlock", &[("name", name.as_str()), ("pin", "123456")])
            .await;
        assert_eq!(
            p.status, 401,
            "failure {n} is answered as usual: {}",
            p.body
        );
    }
    let p = phone
        .post("/unlock", &[("name", "citizen-10"), ("pin", "123456")])
        .await;
    assert_eq!(p.status, 429);
    assert!(p.body.contains("too_many_attempts"), "{}", p.body);
    let retry: u64 = p.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "Retry-After {retry}");
    let p = phone
        .post("/unlock", &[("name", "amira"), ("pin", "271828")])
        .await;
    assert_eq!(p.status, 429, "the right PIN waits too");
}
