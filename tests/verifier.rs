//! The verifier against a real registry and a real issuer over loopback HTTP:
//! credentials the issuer delivered through OpenID4VCI are verified with the key,
//! accreditation and status lists the registry proves, and each way a credential
//! goes bad is rejected with its exact code — revoked, suspended (and accepted
//! again after reinstatement), issuer not accredited for the type, accreditation
//! withdrawn before issuance, key rotated before issuance, key compromised before
//! issuance, a status list of another issuer, a list older than the profile allows,
//! a presentation without key binding, a wrong nonce. Offline, the same checks
//! run from a verified bundle; a tampered bundle is refused.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::local::{LocalIssuer, LocalRegistry, sample};
use serde_json::{Value, json};
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::bundle::verify_bundle;
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::sd_jwt::{ClaimPath, present};
use sigillum_credential::time::{Clock, FixedClock, SystemClock, Timestamp};
use sigillum_credential::verify::{Report, VerifyPolicy};
use sigillum_issuer::identity::Identity;
use sigillum_issuer::keystore::Unlock;
use sigillum_issuer::mint::{Format, MintRequest, mint};
use sigillum_issuer::service::Issuer;
use sigillum_issuer::store::Role;
use sigillum_verifier::check::{LedgerPolicy, verify_with_ledger};
use sigillum_verifier::source::{LedgerSource, Offline, Online, ReqwestGet};
use sigillum_wallet::receive::Received;

const AUD: &str = "https://border.test";
const NONCE: &str = "n-border-1";

struct World {
    registry: LocalRegistry,
    office: LocalIssuer,
    issuer: Arc<Issuer>,
    base: String,
    officer: String,
    http: reqwest::Client,
}

async fn world() -> World {
    let registry = LocalRegistry::start("registry.test/verifier/1").await;
    let types = ["passport", "residence_permit", "business_license"];
    let accredited = ["passport", "residence_permit"];
    let office =
        LocalIssuer::start(&registry, &types, &accredited, 50, Arc::new(SystemClock)).await;
    let officer = office.officer("chief", &[Role::Admin]);
    World {
        registry,
        issuer: Arc::clone(&office.issuer),
        base: office.base.clone(),
        office,
        officer,
        http: reqwest::Client::new(),
    }
}

impl World {
    fn online(&self) -> Online<ReqwestGet> {
        Online::new(
            self.registry.base.clone(),
            RegistryClient::new(
                self.registry.base.clone(),
                ReqwestGet::default(),
                self.registry.policy.clone(),
                CheckpointTracker::new(),
            ),
        )
    }

    /// Issues through the officer API and receives one copy through OpenID4VCI.
    async fn issue(&self, kind: &str, reference: &str, format: &str) -> (String, Received) {
        let body = json!({"reference": reference, "format": format, "claims": sample(kind)});
        self.office.issue_one(&self.officer, kind, &body).await
    }

    async fn status(&self, id: &str, action: &str) {
        let r = self
            .http
            .post(format!("{}/v1/credentials/{id}/{action}", self.base))
            .bearer_auth(&self.officer)
            .json(&json!({"reason": "test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    /// The issuer's sealed identity, as it is on disk (the old keys included).
    fn identity(&self) -> Identity {
        let unlock = Unlock::from_key_file_text(
            &std::fs::read_to_string(self.office.dir.path().join("issuer.key")).unwrap(),
        )
        .unwrap();
        Identity::load(&self.office.dir.path().join("data"), &unlock)
            .unwrap()
            .unwrap()
    }

    /// A VC-JWT of `kind` signed by `key` as `kid`, issued at `at`, on status list 0.
    fn craft(&self, kind: &str, key: &SigningKey, kid: &str, at: Timestamp) -> String {
        let schema = CredentialTypes::builtin().unwrap().get(kind).unwrap();
        mint(
            &MintRequest {
                schema,
                format: Format::JwtVc,
                claims: &sample(kind),
                holder: &SigningKey::generate(Alg::Es256).public_key(),
                issuer: &self.issuer.did(),
                kid,
                list: 0,
                index: 7,
                registry_public_url: &self.registry.base,
                now: at,
            },
            key,
        )
        .unwrap()
    }
}

fn policy() -> LedgerPolicy {
    LedgerPolicy {
        verify: VerifyPolicy {
            nonce: Some(NONCE.into()),
            aud: Some(AUD.into()),
            require_status: true,
            ..VerifyPolicy::default()
        },
        fail_closed: true,
    }
}

fn shown(copy: &Received, disclose: &[&str]) -> String {
    let paths: Vec<ClaimPath> = disclose.iter().map(|c| ClaimPath::dotted(c)).collect();
    present(
        &copy.credential,
        &paths,
        Some((&copy.holder, AUD, NONCE, SystemClock.now())),
    )
    .unwrap()
}

async fn run(
    source: &dyn LedgerSource,
    presented: &str,
    policy: &LedgerPolicy,
    clock: &dyn Clock,
) -> Report {
    verify_with_ledger(presented, source, policy, clock, None)
        .await
        .unwrap()
}

fn failures(report: &Report) -> Vec<&'static str> {
    report.failures()
}

/// Waits until the registry's lists give `want` for `presented` (publishing is batched).
async fn until(source: &dyn LedgerSource, presented: &str, want: &[&str]) -> Report {
    let start = Instant::now();
    loop {
        let report = run(source, presented, &policy(), &SystemClock).await;
        if failures(&report) == want {
            return report;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still {:?}, wanted {want:?}: {report:#?}",
            failures(&report)
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_decides_key_accreditation_and_status() {
    let w = world().await;
    let online = w.online();

    // A passport, shown with three claims: valid, with the ledger's checks in the report.
    let (passport, copy) = w.issue("passport", "V-1", "dc+sd-jwt").await;
    let presented = shown(&copy, &["family_name", "given_names", "birth_date"]);
    let report = until(&online, &presented, &[]).await;
    assert!(report.valid);
    for name in [
        "issuer_registry",
        "accreditation",
        "ledger",
        "status",
        "key_binding",
    ] {
        assert!(
            report
                .checks
                .iter()
                .any(|c| c.name == name && c.ok && !c.skipped),
            "{name}: {report:#?}"
        );
    }
    let spec = CredentialTypes::builtin()
        .unwrap()
        .get("passport")
        .unwrap()
        .spec()
        .clone();
    for claim in &spec.selectively_disclosable {
        let asked = ["family_name", "given_names", "birth_date"].contains(&claim.as_str());
        assert_eq!(
            report.claims.contains_key(claim),
            asked,
            "{claim}: {:?}",
            report.claims.keys()
        );
    }

    // Holder binding: no KB-JWT when cnf is present; another nonce.
    assert_eq!(
        failures(&run(&online, &copy.credential, &policy(), &SystemClock).await),
        ["key_binding_missing"]
    );
    let mut other = policy();
    other.verify.nonce = Some("another".into());
    assert_eq!(
        failures(&run(&online, &presented, &other, &SystemClock).await),
        ["key_binding_nonce_mismatch"]
    );
    // A profile that accepts only lists younger than 0 s.
    let mut strict = policy();
    strict.verify.max_status_age_secs = Some(-1);
    assert_eq!(
        failures(&run(&online, &presented, &strict, &SystemClock).await),
        ["status_list_stale"]
    );

    // Suspended, reinstated, revoked.
    w.status(&passport, "suspend").await;
    until(&online, &presented, &["credential_suspended"]).await;
    w.status(&passport, "reinstate").await;
    until(&online, &presented, &[]).await;
    w.status(&passport, "revoke").await;
    until(&online, &presented, &["credential_revoked"]).await;

    // A VC-JWT residence permit: revocation and suspension lists, both checked.
    let (permit, copy) = w.issue("residence_permit", "V-2", "jwt_vc_json").await;
    let report = until(&online, &copy.credential, &[]).await;
    assert_eq!(
        report.checks.iter().filter(|c| c.name == "status").count(),
        2
    );
    w.status(&permit, "suspend").await;
    until(&online, &copy.credential, &["credential_suspended"]).await;

    // Not accredited for the type: a business licence signed with the issuer's own key.
    let signing = w.issuer.signing();
    let licence = w.craft(
        "business_license",
        &signing.key,
        &signing.kid,
        SystemClock.now(),
    );
    let report = run(&online, &licence, &policy(), &SystemClock).await;
    assert!(
        failures(&report).contains(&"issuer_not_accredited"),
        "{report:#?}"
    );

    // Accreditation withdrawn before issuance: a permit issued after the withdrawal fails,
    // one issued before it still passes the accreditation check.
    let now = SystemClock.now().unix();
    w.registry
        .withdraw(&w.http, &w.issuer.did(), "residence_permit", now + 100)
        .await;
    let before = w.craft(
        "residence_permit",
        &signing.key,
        &signing.kid,
        Timestamp::from_unix(now + 50),
    );
    let after = w.craft(
        "residence_permit",
        &signing.key,
        &signing.kid,
        Timestamp::from_unix(now + 150),
    );
    let later = FixedClock(Timestamp::from_unix(now + 200));
    let accreditation = |r: &Report| {
        r.checks
            .iter()
            .find(|c| c.name == "accreditation")
            .map(|c| c.code)
    };
    assert_eq!(
        accreditation(&run(&online, &before, &policy(), &later).await),
        Some(None)
    );
    let report = run(&online, &after, &policy(), &later).await;
    assert_eq!(
        accreditation(&report),
        Some(Some("issuer_not_accredited")),
        "{report:#?}"
    );
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.message.contains("withdrawn"))
    );

    // Key rotation: the old key still vouches for what it signed before, not after.
    let old = w.identity();
    let old_key = old.current().key.clone();
    let old_kid = old.current_kid();
    let rotated_at = SystemClock.now().unix();
    let new_kid = w.issuer.rotate_key("chief").await.unwrap();
    assert_ne!(new_kid, old_kid);
    let (_, fresh) = w.issue("passport", "V-3", "dc+sd-jwt").await;
    until(&online, &shown(&fresh, &["family_name"]), &[]).await;
    let forged_late = w.craft(
        "residence_permit",
        &old_key,
        &old_kid,
        Timestamp::from_unix(rotated_at + 5),
    );
    let report = run(&online, &forged_late, &policy(), &SystemClock).await;
    assert!(
        failures(&report).contains(&"key_not_valid_at_issuance"),
        "{report:#?}"
    );
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.name == "issuer_signature" && c.ok),
        "signed by the old key, which is reported"
    );

    // Compromise: from `since` on, the key vouches for nothing.
    let since = SystemClock.now().unix() + 100;
    let current = w.issuer.signing();
    let fragment = current.kid.rsplit('#').next().unwrap().to_owned();
    w.issuer
        .key_compromised("chief", &fragment, since)
        .await
        .unwrap();
    let early = w.craft(
        "residence_permit",
        &current.key,
        &current.kid,
        Timestamp::from_unix(since - 50),
    );
    let late = w.craft(
        "residence_permit",
        &current.key,
        &current.kid,
        Timestamp::from_unix(since + 50),
    );
    let clock = FixedClock(Timestamp::from_unix(since + 60));
    let key_check = |r: &Report| {
        r.checks
            .iter()
            .find(|c| c.name == "issuer_registry")
            .and_then(|c| c.code)
    };
    assert_eq!(
        key_check(&run(&online, &early, &policy(), &clock).await),
        None
    );
    assert_eq!(
        key_check(&run(&online, &late, &policy(), &clock).await),
        Some("key_not_valid_at_issuance")
    );

    // A status entry pointing at another issuer's list.
    let mut foreign = sample("residence_permit");
    foreign.remove("remarks");
    let stranger = "did:sigillum:Stranger1111111111111111";
    let text = w.craft(
        "residence_permit",
        &current.key,
        &current.kid,
        Timestamp::from_unix(since - 50),
    );
    let forged = {
        let (h, rest) = text.split_once('.').unwrap();
        let (p, _) = rest.split_once('.').unwrap();
        let mut payload: Value =
            serde_json::from_slice(&sigillum_credential::b64::decode(p).unwrap()).unwrap();
        let own = format!("{}/v1/status-lists/{}/", w.registry.base, w.issuer.did());
        let theirs = format!("{}/v1/status-lists/{stranger}/", w.registry.base);
        let replaced = payload.to_string().replace(&own, &theirs);
        payload = serde_json::from_str(&replaced).unwrap();
        let signing_input = format!(
            "{h}.{}",
            sigillum_credential::b64::encode(payload.to_string())
        );
        let sig = current.key.sign_bytes(signing_input.as_bytes());
        format!("{signing_input}.{}", sigillum_credential::b64::encode(sig))
    };
    let report = run(&online, &forged, &policy(), &clock).await;
    assert!(
        failures(&report).contains(&"status_list_issuer_mismatch"),
        "{report:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_from_a_bundle_and_a_tampered_bundle_is_refused() {
    let w = world().await;
    let online = w.online();
    let (_, copy) = w.issue("passport", "O-1", "dc+sd-jwt").await;
    let presented = shown(&copy, &["family_name", "nationality"]);
    until(&online, &presented, &[]).await;
    let bytes = w
        .http
        .get(format!("{}/v1/bundle", w.registry.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let offline = Offline::new(verify_bundle(&bytes, &w.registry.policy).unwrap());
    // The registry is not consulted any more: stop it.
    let mut w = w;
    w.registry.stop();
    let report = run(&offline, &presented, &policy(), &SystemClock).await;
    assert!(report.valid, "{report:#?}");
    let ledger = report.checks.iter().find(|c| c.name == "ledger").unwrap();
    assert!(
        ledger.message.starts_with("offline bundle of") && ledger.message.ends_with("s old"),
        "{}",
        ledger.message
    );
    // A border profile that accepts status at most 60 s old, an hour later.
    let mut border = policy();
    border.verify.max_status_age_secs = Some(60);
    border.verify.kb_max_age_secs = 7200;
    let hour_later = FixedClock(SystemClock.now().plus(3600));
    let report = run(&offline, &presented, &border, &hour_later).await;
    assert_eq!(failures(&report), ["status_list_stale"], "{report:#?}");
    // One flipped byte anywhere in the compressed bundle: refused.
    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    assert!(verify_bundle(&tampered, &w.registry.policy).is_err());
}

/// Runs `sigillum ARGS` in `dir` off the async workers; (exit code, stdout).
async fn sigillum(dir: std::path::PathBuf, args: Vec<String>) -> (i32, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sigillum"))
            .args(&args)
            .current_dir(dir)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_verifies_online_offline_and_under_a_profile() {
    let w = world().await;
    let online = w.online();
    let (_, copy) = w.issue("passport", "C-1", "dc+sd-jwt").await;
    let presented = shown(&copy, &["family_name", "given_names", "birth_date"]);
    until(&online, &presented, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    w.registry.write_genesis(&dir.path().join("genesis.json"));
    std::fs::write(dir.path().join("shown.txt"), &presented).unwrap();
    let base = |extra: &[&str]| -> Vec<String> {
        [
            "verify",
            "shown.txt",
            "--nonce",
            NONCE,
            "--aud",
            AUD,
            "--genesis",
            "genesis.json",
            "--json",
        ]
        .iter()
        .chain(extra)
        .map(|s| (*s).to_owned())
        .collect()
    };
    let (code, out) = sigillum(dir.path().into(), base(&["--registry", &w.registry.base])).await;
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((code, report["valid"].as_bool()), (0, Some(true)), "{out}");
    // The bank's profile accepts these three claims; the border's wants more.
    let (code, _) = sigillum(
        dir.path().into(),
        base(&["--registry", &w.registry.base, "--profile", "bank_kyc"]),
    )
    .await;
    assert_eq!(code, 0);
    let (code, out) = sigillum(
        dir.path().into(),
        base(&["--registry", &w.registry.base, "--profile", "border"]),
    )
    .await;
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 1);
    let codes: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(codes, ["claim_missing"], "{out}");
    // Offline: fetch the bundle, then verify from it alone.
    let (code, out) = sigillum(
        dir.path().into(),
        [
            "verifier",
            "bundle",
            "fetch",
            "--registry",
            &w.registry.base,
            "--genesis",
            "genesis.json",
            "--out",
            "border.bundle",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
    )
    .await;
    assert_eq!(code, 0, "{out}");
    let (code, out) = sigillum(dir.path().into(), base(&["--bundle", "border.bundle"])).await;
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((code, report["valid"].as_bool()), (0, Some(true)), "{out}");
    assert!(out.contains("offline bundle of"), "{out}");
}
