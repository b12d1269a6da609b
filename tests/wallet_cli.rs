//! `sigillum wallet init|receive|list|show|present|history|export|import` (issue #6
//! item 3): the binary run as a script would run it, against a real registry, a
//! real office and a real checkpoint on loopback. PINs and passphrases go through
//! the environment, never the command line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::local::{
    LocalIssuer, LocalRegistry, LocalVerifier, border_passport_claims, disclosed_sample_claims,
    sample,
};
use serde_json::{Value, json};
use sigillum_credential::time::SystemClock;
use sigillum_issuer::store::Role;

const PIN: &str = "314159";

/// What one run of the binary gave.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "{}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// Runs `sigillum wallet <args>` with `env` set and `stdin` fed, off the runtime's
/// threads (the servers it talks to run on them).
async fn wallet(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Ran {
    wallet_on(None, args, env, stdin).await
}

/// As [`wallet`], every file it writes capped at `max_file_bytes` when given (a
/// full disk: see `common::sigillum_command`).
async fn wallet_on(
    max_file_bytes: Option<u64>,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> Ran {
    let args: Vec<String> = ["wallet"]
        .iter()
        .chain(args)
        .map(|a| (*a).to_owned())
        .collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = common::sigillum_command(max_file_bytes)
            .args(&args)
            .env_remove("SIGILLUM_WALLET_PIN")
            .env_remove("SIGILLUM_BACKUP_PASSPHRASE")
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// `sigillum wallet <args>` with the PIN in the environment.
async fn with_pin(args: &[&str]) -> Ran {
    wallet(args, &[("SIGILLUM_WALLET_PIN", PIN)], "").await
}

async fn post(http: &reqwest::Client, url: String, token: Option<&str>, body: &Value) -> Value {
    let r = http.post(url).json(body);
    let r = match token {
        Some(t) => r.bearer_auth(t),
        None => r,
    };
    let r = r.send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

/// A new presentation request at `v` for `profile`: `{id, link, offline_request_qr}`.
async fn open_request(http: &reqwest::Client, v: &LocalVerifier, profile: &str) -> Value {
    post(
        http,
        format!("{}/v1/requests", v.base),
        None,
        &json!({"profile": profile}),
    )
    .await
}

/// The checkpoint's outcome for request `id` (`null` while it waits).
async fn outcome_of(http: &reqwest::Client, v: &LocalVerifier, id: &str) -> Value {
    let body: Value = http
        .get(format!("{}/v1/requests/{id}", v.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["outcome"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_wallet_receives_presents_and_restores() {
    let registry = LocalRegistry::start("registry.test/wallet-cli/1").await;
    let types = ["passport", "residence_permit", "business_license"];
    let office = LocalIssuer::start(&registry, &types, &types, 20, Arc::new(SystemClock)).await;
    let officer = office.officer("clerk", &[Role::Admin]);
    let dir = tempfile::tempdir().unwrap();
    let v = LocalVerifier::start(
        LocalVerifier::config(&registry, dir.path(), false),
        dir,
        Arc::new(SystemClock),
    )
    .await;
    let http = reqwest::Client::new();
    let work = tempfile::tempdir().unwrap();
    let path = |name: &str| work.path().join(name).to_str().unwrap().to_owned();
    let genesis = path("genesis.json");
    registry.write_genesis(std::path::Path::new(&genesis));
    let vault = path("vault");

    // A new wallet; a PIN too short is refused and leaves no folder behind.
    let short = wallet(
        &["init", "--vault", &vault],
        &[("SIGILLUM_WALLET_PIN", "123")],
        "",
    )
    .await;
    assert_eq!(short.code, 2);
    assert!(short.stderr.contains("[pin_too_short]"), "{}", short.stderr);
    assert!(!std::path::Path::new(&vault).exists());
    // The PIN can also come as a line on standard input.
    let made = wallet(&["init", "--vault", &vault], &[], &format!("{PIN}\n")).await;
    assert_eq!(made.json()["created"], true);
    let again = with_pin(&["init", "--vault", &vault]).await;
    assert_eq!(again.code, 2, "an existing wallet is never overwritten");

    // Each type from the office's offer (the licence from a photo of its QR code),
    // checked on the registry once received.
    let mut cards = Vec::new();
    for kind in types {
        let offer = post(
            &http,
            format!("{}/v1/credentials/{kind}?qr=none", office.base),
            Some(&officer),
            &json!({"reference": format!("{kind}-cli"), "claims": sample(kind)}),
        )
        .await;
        let start = Instant::now();
        let mut link = offer["offer_link"].as_str().unwrap().to_owned();
        if kind == "business_license" {
            let photo = path("offer.png");
            std::fs::write(
                &photo,
                sigillum_credential::qr::render_png(&link, 4).unwrap(),
            )
            .unwrap();
            link = photo;
        }
        let tx_code = offer["tx_code"].as_str().unwrap();
        let got = with_pin(&[
            "receive",
            &link,
            "--pin",
            tx_code,
            "--vault",
            &vault,
            "--registry",
            &registry.base,
            "--genesis",
            &genesis,
        ])
        .await;
        // The office publishes the new status list a moment after issuing: until
        // then the card reads "not checked" (exit 1, with a warning).
        let card = if got.code == 0 {
            got.json()
        } else {
            assert!(got.stderr.contains("warning:"), "{}", got.stderr);
            serde_json::from_str(&got.stdout).unwrap()
        };
        assert_eq!(card["copies"], 3, "{kind}");
        let id = card["card"].as_str().unwrap().to_owned();
        loop {
            let shown = with_pin(&[
                "show",
                &id,
                "--vault",
                &vault,
                "--registry",
                &registry.base,
                "--genesis",
                &genesis,
                "--json",
            ])
            .await
            .json();
            if shown["standing"]["badge"] == "valid" {
                let claims = shown["claims"].as_array().unwrap();
                let first = sample(kind).into_iter().next().unwrap();
                assert!(
                    claims.iter().any(|c| c["name"] == first.0.as_str()
                        && c["value"] == first.1.as_str().unwrap()),
                    "{shown:#}"
                );
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{shown:#}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        cards.push(id);
    }
    let listed = with_pin(&["list", "--vault", &vault, "--json"])
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    let text = with_pin(&["list", "--vault", &vault]).await;
    assert!(text.stdout.contains("Passport") && text.stdout.contains("3/3 copies left"));

    // Online: without --yes nothing leaves the wallet and the checkpoint still waits.
    let request = open_request(&http, &v, "border").await;
    let link = request["link"].as_str().unwrap();
    let asked = with_pin(&["present", link, "--vault", &vault]).await;
    assert_eq!(asked.code, 3, "{}", asked.stderr);
    assert!(asked.stderr.contains("Date of birth") && asked.stderr.contains("[consent_required]"));
    let id = request["id"].as_str().unwrap().to_owned();
    assert_eq!(outcome_of(&http, &v, &id).await, Value::Null);
    let shared = with_pin(&["present", link, "--vault", &vault, "--yes"])
        .await
        .json();
    assert_eq!(shared["delivered"], true);
    let outcome = outcome_of(&http, &v, &id).await;
    assert_eq!(outcome["verdict"], "accepted", "{outcome:#}");
    assert_eq!(
        disclosed_sample_claims(&outcome, "passport"),
        border_passport_claims(),
        "exactly the requested claims"
    );

    // Offline: the checkpoint's request QR text → a presentation QR drawn as a PNG,
    // which the checkpoint scans and accepts.
    let request = open_request(&http, &v, "border").await;
    let png = path("answer.png");
    let answer = with_pin(&[
        "present",
        request["offline_request_qr"].as_str().unwrap(),
        "--vault",
        &vault,
        "--offline",
        "--png",
        &png,
        "--yes",
    ])
    .await
    .json();
    assert!(answer["qr_version"].as_u64().unwrap() <= 25, "{answer:#}");
    let scanned: Value = http
        .post(format!(
            "{}/v1/requests/{}/offline",
            v.base,
            request["id"].as_str().unwrap()
        ))
        .header("content-type", "image/png")
        .body(std::fs::read(&png).unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(scanned["verdict"], "accepted", "{scanned:#}");

    // Declining tells the checkpoint; nothing is shared.
    let request = open_request(&http, &v, "business_check").await;
    let declined = with_pin(&[
        "present",
        request["link"].as_str().unwrap(),
        "--vault",
        &vault,
        "--decline",
    ])
    .await
    .json();
    assert_eq!(declined["declined"], true);
    let outcome = outcome_of(&http, &v, request["id"].as_str().unwrap()).await;
    assert_ne!(outcome["verdict"], "accepted", "{outcome:#}");

    // The history: three receipts, two presentations, one refusal.
    let history = with_pin(&["history", "--vault", &vault, "--json"])
        .await
        .json();
    let kinds: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "receive", "receive", "receive", "present", "present", "decline"
        ]
    );
    let passport_card = &cards[0];
    let copies_left = with_pin(&["list", "--vault", &vault, "--json"])
        .await
        .json();
    let passport_row = copies_left
        .as_array()
        .unwrap()
        .iter()
        .find(|c| &c["card"] == passport_card)
        .unwrap();
    assert_eq!(passport_row["copies_left"], 1, "one copy per presentation");

    // Backup on this installation, restore on a fresh one under a new PIN.
    let backup = path("wallet.backup");
    let passphrase = "correct horse battery staple";
    let exported = wallet(
        &["export", "--vault", &vault, "--out", &backup],
        &[],
        &format!("{PIN}\n{passphrase}\n"),
    )
    .await
    .json();
    assert_eq!(exported["holder_keys_included"], true);
    let raw = std::fs::read_to_string(&backup).unwrap();
    assert!(!raw.contains(sample("passport")["family_name"].as_str().unwrap()));
    let restored_vault = path("restored");
    let wrong = wallet(
        &["import", &backup, "--vault", &restored_vault],
        &[
            ("SIGILLUM_WALLET_PIN", "271828"),
            ("SIGILLUM_BACKUP_PASSPHRASE", "not the passphrase"),
        ],
        "",
    )
    .await;
    assert_eq!(wrong.code, 2);
    assert!(
        wrong.stderr.contains("[backup_wrong_passphrase]"),
        "{}",
        wrong.stderr
    );
    assert!(
        !std::path::Path::new(&restored_vault).exists(),
        "a failed restore leaves nothing"
    );
    let restored = wallet(
        &["import", &backup, "--vault", &restored_vault],
        &[
            ("SIGILLUM_WALLET_PIN", "271828"),
            ("SIGILLUM_BACKUP_PASSPHRASE", passphrase),
        ],
        "",
    )
    .await
    .json();
    assert_eq!(restored["credentials"], 9);
    assert_eq!(restored["history"], 6);
    let after = wallet(
        &["list", "--vault", &restored_vault, "--json"],
        &[("SIGILLUM_WALLET_PIN", "271828")],
        "",
    )
    .await
    .json();
    assert_eq!(after, copies_left, "the same cards, copies and all");

    // Wrong PINs are counted; the fifth locks the wallet even for the right one.
    for n in 1..=5 {
        let wrong = wallet(
            &["list", "--vault", &vault],
            &[("SIGILLUM_WALLET_PIN", "000000")],
            "",
        )
        .await;
        assert_eq!(wrong.code, 2, "attempt {n}");
        assert!(
            wrong.stderr.contains("[pin_wrong]") || wrong.stderr.contains("[vault_locked]"),
            "{}",
            wrong.stderr
        );
    }
    let locked = with_pin(&["list", "--vault", &vault]).await;
    assert_eq!(locked.code, 2);
    assert!(
        locked.stderr.contains("[vault_locked]"),
        "{}",
        locked.stderr
    );
}

/// A full disk under the wallet: `receive` with every file capped at 512 bytes
/// (smaller than any sealed card) fails with an error naming the vault, and the
/// vault is as it was: the card received before is there and opens with the PIN.
/// With room again, the next offer is received.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_a_receive_and_leaves_the_vault_as_it_was() {
    let registry = LocalRegistry::start("registry.test/wallet-disk-full/1").await;
    let office = LocalIssuer::start(
        &registry,
        &["passport"],
        &["passport"],
        20,
        Arc::new(SystemClock),
    )
    .await;
    let officer = office.officer("clerk", &[Role::Admin]);
    let http = reqwest::Client::new();
    let work = tempfile::tempdir().unwrap();
    let vault = work.path().join("vault").to_str().unwrap().to_owned();
    assert_eq!(
        with_pin(&["init", "--vault", &vault]).await.json()["created"],
        true
    );
    let offer = |n: u32| {
        let (http, officer, base) = (http.clone(), officer.clone(), office.base.clone());
        async move {
            post(
                &http,
                format!("{base}/v1/credentials/passport?qr=none"),
                Some(&officer),
                &json!({"reference": format!("disk-{n}"), "claims": sample("passport")}),
            )
            .await
        }
    };
    let receive = |cap: Option<u64>, offer: Value| {
        let vault = vault.clone();
        async move {
            wallet_on(
                cap,
                &[
                    "receive",
                    offer["offer_link"].as_str().unwrap(),
                    "--pin",
                    offer["tx_code"].as_str().unwrap(),
                    "--vault",
                    &vault,
                ],
                &[("SIGILLUM_WALLET_PIN", PIN)],
                "",
            )
            .await
        }
    };
    let first = receive(None, offer(1).await).await;
    let card = first.json()["card"].as_str().unwrap().to_owned();

    let full = receive(Some(512), offer(2).await).await;
    assert_ne!(full.code, 0, "a receive that could not be stored fails");
    assert!(
        full.stderr.contains("[vault_store_failed]") && full.stderr.contains("File too large"),
        "the error says what failed: {}",
        full.stderr
    );
    let listed = with_pin(&["list", "--vault", &vault, "--json"])
        .await
        .json();
    let cards = listed.as_array().unwrap();
    assert_eq!(cards.len(), 1, "nothing half-written: {listed}");
    assert_eq!(cards[0]["card"], card.as_str());
    assert_eq!(
        with_pin(&["show", &card, "--vault", &vault]).await.code,
        0,
        "the earlier card still opens"
    );

    let again = receive(None, offer(3).await).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let listed = with_pin(&["list", "--vault", &vault, "--json"])
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
}
