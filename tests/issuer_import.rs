//! Bulk issuance end to end: `sigillum issuer import` (the real binary) against an
//! issuer and a registry served by the test. A CSV of 300 passports with bad rows
//! of every kind gives exactly the expected report and one offer per good row (one
//! redeemed by a wallet); a second run skips everything. A 2,000-row run stopped
//! by SIGTERM, then killed by SIGKILL, then resumed offers every reference exactly
//! once. JSONL rows in both shapes are issued with PNG QR images under safe names,
//! a CSV with nested objects and lists is accepted by the schema, and a token
//! without the role stops the run with nothing recorded.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::local::LocalRegistry;
use serde_json::{Map, Value, json};
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::service::Issuer;
use sigillum_issuer::store::Role;
use sigillum_wallet::receive::Receiver;

const ORIGIN: &str = "registry.test/import/1";
const TYPES: [&str; 3] = ["passport", "residence_permit", "business_license"];

struct World {
    _registry: LocalRegistry,
    base: String,
    dir: tempfile::TempDir,
    clerk: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn world() -> World {
    let http = reqwest::Client::new();
    let registry = LocalRegistry::start(ORIGIN).await;
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = registry.issuer_config(dir.path(), &addr.to_string(), &TYPES, 200);
    let issuer = Issuer::start(config, Arc::new(SystemClock)).await.unwrap();
    for kind in TYPES {
        registry.accredit(&http, &issuer.did(), kind).await;
    }
    let roles: Vec<Role> = TYPES.iter().map(|t| Role::Issue((*t).into())).collect();
    let clerk = issuer.store().add_officer("clerk", &roles).unwrap();
    let viewer = issuer
        .store()
        .add_officer("viewer", &[Role::Revoke])
        .unwrap();
    // The token file as `sigillum issuer officer add` prints it; a plain one too.
    std::fs::write(
        dir.path().join("clerk.json"),
        json!({"officer": "clerk", "token": clerk.expose_secret()}).to_string(),
    )
    .unwrap();
    std::fs::write(dir.path().join("viewer.token"), viewer.expose_secret()).unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(sigillum_issuer::http::run(listener, issuer, async {
        let _ = rx.await;
    }));
    World {
        _registry: registry,
        base: format!("http://{addr}"),
        dir,
        clerk: clerk.expose_secret().to_owned(),
        stop: Some(stop),
    }
}

impl World {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, file: &str, kind: &str, out: &str, extra: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sigillum"));
        command
            .current_dir(self.dir.path())
            .args(["issuer", "import", file, "--type", kind, "--out", out])
            .args(["--url", &self.base])
            .args(extra)
            .env_remove("SIGILLUM_OFFICER_TOKEN")
            .stdin(Stdio::null());
        if !extra.contains(&"--token-file") {
            command.args(["--token-file", "clerk.json"]);
        }
        command
    }

    /// Runs an import to its end: (exit code, summary, stderr).
    async fn import(
        &self,
        file: &str,
        kind: &str,
        out: &str,
        extra: &[&str],
    ) -> (i32, Value, String) {
        let mut command = self.command(file, kind, out, extra);
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let summary = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        (output.status.code().unwrap_or(-1), summary, stderr)
    }

    fn spawn(&self, file: &str, kind: &str, out: &str, extra: &[&str]) -> Child {
        self.command(file, kind, out, extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }
}

fn sample(kind: &str) -> Map<String, Value> {
    let schema = CredentialTypes::builtin().unwrap().get(kind).unwrap();
    schema.spec().samples[0].as_object().unwrap().clone()
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A passport CSV; `edit(i, reference, claims)` changes row `i` (1-based) or returns
/// `Some(raw)` to write a raw line instead. Returns the text and each row's line.
fn passport_csv(
    rows: usize,
    mut edit: impl FnMut(usize, &mut String, &mut Map<String, Value>) -> Option<String>,
) -> (String, Vec<u64>) {
    let base = sample("passport");
    let names: Vec<String> = base.keys().cloned().collect();
    let mut text = format!("reference,{}\n", names.join(","));
    let mut line = 2u64;
    let mut lines = vec![0];
    for i in 1..=rows {
        let mut reference = format!("P-{i:04}");
        let mut claims = base.clone();
        claims.insert("document_number".into(), json!(format!("D{i:07}")));
        let raw = edit(i, &mut reference, &mut claims);
        let row = raw.unwrap_or_else(|| {
            let cells: Vec<String> = std::iter::once(cell(&reference))
                .chain(names.iter().map(|n| cell(claims[n].as_str().unwrap_or(""))))
                .collect();
            cells.join(",")
        });
        lines.push(line);
        line += 1 + row.matches('\n').count() as u64;
        text.push_str(&row);
        text.push('\n');
    }
    (text, lines)
}

/// (line, code) of every rejected row, and the field pointers of each.
fn report(out: &Path) -> (BTreeMap<u64, String>, BTreeMap<u64, Vec<String>>) {
    let mut codes = BTreeMap::new();
    let mut pointers = BTreeMap::new();
    for r in jsonl(&out.join("rejected.jsonl")) {
        let line = r["line"].as_u64().unwrap();
        assert_eq!(r["retryable"], false, "{r}");
        assert!(
            codes
                .insert(line, r["code"].as_str().unwrap().to_owned())
                .is_none()
        );
        let p: Vec<String> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap().to_owned())
            .collect();
        pointers.insert(line, p);
    }
    (codes, pointers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_import_reports_every_bad_row_offers_the_rest_and_resumes_to_nothing() {
    let w = world().await;
    // Row 60's reference is already taken, with other data: a conflict.
    let mut taken = sample("passport");
    taken.insert("document_number".into(), json!("OTHER0060"));
    let r = reqwest::Client::new()
        .post(format!("{}/v1/credentials/passport?qr=none", w.base))
        .bearer_auth(&w.clerk)
        .json(&json!({"reference": "P-0060", "claims": taken}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let long = "L".repeat(200);
    let (text, lines) = passport_csv(300, |i, reference, claims| {
        match i {
            10 => {
                claims.insert("sex".into(), json!("Q"));
            }
            20 => {
                claims.insert("birth_date".into(), json!("1974-13-45"));
                claims.insert("nationality".into(), json!("utopia"));
            }
            30 => reference.clear(),
            40 => *reference = "P-0005".into(),
            50 => return Some("P-0050,too,few".into()),
            70 => *reference = "P/0070".into(),
            80 => {
                claims.insert(
                    "issuing_authority".into(),
                    json!("MINISTRY, \"OF\" INTERIOR"),
                );
            }
            90 => *reference = long.clone(),
            100 => {
                claims.insert("place_of_birth".into(), json!("ZENITH\nHARBOUR"));
            }
            _ => {}
        }
        None
    });
    std::fs::write(w.path("passports.csv"), text).unwrap();
    let started = Instant::now();
    let (code, summary, stderr) = w
        .import("passports.csv", "passport", "out", &["--concurrency", "16"])
        .await;
    eprintln!("300 rows in {:?}", started.elapsed());
    assert_eq!(code, 0, "{stderr}");
    let bad: BTreeMap<u64, &str> = [
        (10, "schema_violation"),
        (20, "schema_violation"),
        (30, "reference_missing"),
        (40, "reference_duplicate"),
        (50, "row_malformed"),
        (60, "application_conflict"),
        (90, "reference_invalid"),
    ]
    .into_iter()
    .map(|(i, c)| (lines[i], c))
    .collect();
    assert_eq!(
        lines[101], 103,
        "the two-line cell moves the lines after it"
    );
    let out = w.path("out");
    let (codes, pointers) = report(&out);
    assert_eq!(
        codes,
        bad.iter().map(|(l, c)| (*l, (*c).to_owned())).collect()
    );
    assert_eq!(pointers[&lines[10]], vec!["/sex"]);
    assert_eq!(pointers[&lines[20]], vec!["/birth_date", "/nationality"]);
    assert!(
        stderr.contains("imported 293, rejected 7, skipped 0 (already done) in "),
        "{stderr}"
    );
    assert_eq!(summary["rows"], 300);
    assert_eq!(summary["imported"], 293);
    assert_eq!(summary["created"], 293);
    assert_eq!(summary["rejected"], 7);
    assert_eq!(summary["skipped"], 0);
    assert_eq!(summary["complete"], true);
    assert_eq!(
        summary["rejected_by_code"],
        json!({"application_conflict": 1, "reference_duplicate": 1, "reference_invalid": 1,
               "reference_missing": 1, "row_malformed": 1, "schema_violation": 2})
    );

    let offers = jsonl(&out.join("offers.jsonl"));
    assert_eq!(offers.len(), 293);
    let references: BTreeSet<String> = offers
        .iter()
        .map(|o| o["reference"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = (1..=300)
        .filter(|i| ![10, 20, 30, 40, 50, 60, 90].contains(i))
        .map(|i| {
            if i == 70 {
                "P/0070".into()
            } else {
                format!("P-{i:04}")
            }
        })
        .collect();
    assert_eq!(references, expected);
    for offer in &offers {
        assert!(
            offer["offer_link"]
                .as_str()
                .unwrap()
                .starts_with("openid-credential-offer://")
        );
        assert_eq!(offer["tx_code"].as_str().unwrap().len(), 6);
        assert!(offer.get("qr").is_none(), "links only by default");
    }
    // A letter's link works: a wallet redeems it with the PIN.
    let copies = Receiver::new()
        .receive(
            offers[0]["offer_link"].as_str().unwrap(),
            offers[0]["tx_code"].as_str(),
            1,
            SystemClock.now(),
        )
        .await
        .unwrap();
    assert_eq!(copies.len(), 1);

    // Again: everything is done already; nothing is sent or written.
    let before = std::fs::read(out.join("offers.jsonl")).unwrap();
    let rejected_before = std::fs::read(out.join("rejected.jsonl")).unwrap();
    let (code, summary, stderr) = w.import("passports.csv", "passport", "out", &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (
            &summary["imported"],
            &summary["rejected"],
            &summary["skipped"]
        ),
        (&json!(0), &json!(0), &json!(300))
    );
    assert!(
        stderr.contains("imported 0, rejected 0, skipped 300 (already done)"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(out.join("offers.jsonl")).unwrap(), before);
    assert_eq!(
        std::fs::read(out.join("rejected.jsonl")).unwrap(),
        rejected_before
    );

    // Another file into the same directory is refused.
    std::fs::write(w.path("other.csv"), "reference,family_name\nX-1,A\n").unwrap();
    let (code, _, stderr) = w.import("other.csv", "passport", "out", &[]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("another file, type or format"), "{stderr}");
}

/// The rows `progress.json` records as done.
fn progress_done(out: &Path) -> u64 {
    let Ok(text) = std::fs::read_to_string(out.join("progress.json")) else {
        return 0;
    };
    let Ok(progress) = serde_json::from_str::<Value>(&text) else {
        return 0;
    };
    progress["done"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_u64().unwrap() - r[0].as_u64().unwrap() + 1)
        .sum()
}

/// Waits until progress.json records more than `than` rows, with the child running.
fn wait_for_progress(child: &mut Child, out: &Path, than: u64) -> u64 {
    let start = Instant::now();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before it was stopped"
        );
        let done = progress_done(out);
        if done > than {
            return done;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_stopped_by_sigterm_then_killed_then_resumed_offers_each_reference_once() {
    let w = world().await;
    let (text, lines) = passport_csv(2000, |i, reference, claims| {
        match i {
            1500 => {
                claims.insert("sex".into(), json!("Q"));
            }
            1999 => reference.clear(),
            _ => {}
        }
        None
    });
    std::fs::write(w.path("big.csv"), text).unwrap();
    let out = w.path("out");
    let args = ["--concurrency", "8"];

    // 1. SIGTERM: the rows in flight are written, progress saved, exit 1 (rows left).
    let mut child = w.spawn("big.csv", "passport", "out", &args);
    let first = tokio::task::spawn_blocking({
        let out = out.clone();
        move || {
            let done = wait_for_progress(&mut child, &out, 0);
            let pid = child.id().to_string();
            assert!(
                Command::new("kill")
                    .args(["-TERM", &pid])
                    .status()
                    .unwrap()
                    .success()
            );
            let output = child.wait_with_output().unwrap();
            (done, output)
        }
    })
    .await
    .unwrap();
    let (done_at_term, output) = first;
    assert_eq!(output.status.code(), Some(1));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["interrupted"], true);
    assert_eq!(summary["complete"], false);
    let after_term = progress_done(&out);
    assert!(
        after_term >= done_at_term && after_term < 2000,
        "{after_term}"
    );
    assert_eq!(
        jsonl(&out.join("offers.jsonl")).len() + jsonl(&out.join("rejected.jsonl")).len(),
        after_term as usize,
        "a graceful stop records exactly the rows it wrote"
    );

    // 2. SIGKILL in the middle: written lines may be ahead of progress.json.
    let mut child = w.spawn("big.csv", "passport", "out", &args);
    tokio::task::spawn_blocking({
        let out = out.clone();
        move || {
            wait_for_progress(&mut child, &out, after_term);
            child.kill().unwrap();
            child.wait().unwrap();
        }
    })
    .await
    .unwrap();
    let after_kill = progress_done(&out);
    eprintln!("rows done: {after_term} after SIGTERM, {after_kill} after SIGKILL");
    assert!(after_kill < 2000, "{after_kill}");

    // 3. Resume to the end.
    let (code, summary, stderr) = w.import("big.csv", "passport", "out", &args).await;
    assert_eq!(code, 0, "{stderr}");
    let skipped = summary["skipped"].as_u64().unwrap();
    assert!(skipped >= after_kill, "{summary}");
    assert_eq!(
        skipped + summary["imported"].as_u64().unwrap() + summary["rejected"].as_u64().unwrap(),
        2000,
        "{summary}"
    );
    assert_eq!(summary["total_imported"], 1998);
    assert_eq!(summary["total_rejected"], 2);
    let offers = jsonl(&out.join("offers.jsonl"));
    assert_eq!(offers.len(), 1998);
    let mut seen = BTreeMap::new();
    for offer in &offers {
        let reference = offer["reference"].as_str().unwrap().to_owned();
        assert!(
            seen.insert(reference.clone(), offer["id"].clone())
                .is_none(),
            "{reference} twice"
        );
    }
    let distinct_ids: BTreeSet<String> = seen
        .values()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(distinct_ids.len(), 1998);
    let (codes, _) = report(&out);
    assert_eq!(
        codes,
        BTreeMap::from([
            (lines[1500], "schema_violation".to_owned()),
            (lines[1999], "reference_missing".to_owned())
        ])
    );
    let progress: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("progress.json")).unwrap()).unwrap();
    assert_eq!(progress["done"], json!([[1, 2000]]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_rows_in_both_shapes_are_issued_and_bad_lines_reported() {
    let w = world().await;
    let claims = Value::Object(sample("residence_permit"));
    let mut flat = claims.clone();
    flat["reference"] = json!("R/2");
    flat["permit_number"] = json!("RP0000002");
    let mut bad = claims.clone();
    bad["address"]["country"] = json!("utopia");
    let text = [
        json!({"reference": "R-1", "claims": claims}).to_string(),
        flat.to_string(),
        String::new(),
        "{\"reference\": \"R-3\", \"claims\": ".into(),
        json!({"reference": "R-4", "claims": bad}).to_string(),
        json!(["R-5"]).to_string(),
        json!({"claims": claims}).to_string(),
    ]
    .join("\n");
    std::fs::write(w.path("permits.jsonl"), text).unwrap();
    let (code, summary, stderr) = w
        .import(
            "permits.jsonl",
            "residence_permit",
            "out",
            &["--format", "jwt_vc_json", "--qr", "png"],
        )
        .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (&summary["rows"], &summary["imported"], &summary["rejected"]),
        (&json!(6), &json!(2), &json!(4))
    );
    let out = w.path("out");
    let (codes, pointers) = report(&out);
    assert_eq!(
        codes,
        BTreeMap::from([
            (4, "row_malformed".to_owned()),
            (5, "schema_violation".to_owned()),
            (6, "row_malformed".to_owned()),
            (7, "reference_missing".to_owned()),
        ])
    );
    assert_eq!(pointers[&5], vec!["/address/country"]);
    let offers = jsonl(&out.join("offers.jsonl"));
    let references: Vec<&str> = offers
        .iter()
        .map(|o| o["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        BTreeSet::from_iter(references),
        BTreeSet::from(["R-1", "R/2"])
    );
    for offer in &offers {
        let png = std::fs::read(out.join(offer["qr"].as_str().unwrap())).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
    }
    // A reference that is no file name gets a safe one of its own.
    let slash = offers.iter().find(|o| o["reference"] == "R/2").unwrap();
    let image = slash["qr"].as_str().unwrap();
    assert!(
        image.starts_with("qr/R_2-") && image.ends_with(".png"),
        "{image}"
    );
    assert_eq!(std::fs::read_dir(out.join("qr")).unwrap().count(), 2);
    let copies = Receiver::new()
        .receive(
            offers[1]["offer_link"].as_str().unwrap(),
            offers[1]["tx_code"].as_str(),
            1,
            SystemClock.now(),
        )
        .await
        .unwrap();
    assert_eq!(copies[0].configuration_id, "residence_permit_jwt_vc_json");
    assert_eq!(copies[0].credential.matches('.').count(), 2, "a vc+jwt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_columns_build_nested_objects_and_lists_that_the_schema_accepts() {
    let w = world().await;
    let text = "reference,registration_number,legal_name,legal_form,address.street,address.locality,address.postal_code,address.country,\
representatives.0.family_name,representatives.0.given_names,representatives.0.role,\
representatives.1.family_name,representatives.1.given_names,representatives.1.role,\
activity_codes,registration_date,registration_status,registering_authority,jurisdiction\n\
B-1,HRB 1,Zenith Ltd.,limited liability company,Harbour Street 40,Zenith,10117,UTO,ERIKSSON,ANNA,managing_director,,,,62.01;62.02,2016-05-09,active,REGISTER OF UTOPIA,UTO\n\
B-2,HRB 2,\"Okonkwo, Eriksson & Partners\",partnership,Dock 1,Zenith,,UTO,OKONKWO,CHIDI,partner,ERIKSSON,ANNA,partner,63.11,2019-01-02,active,REGISTER OF UTOPIA,UTO\n\
B-3,HRB 3,Bad Role Ltd.,limited liability company,Dock 2,Zenith,,UTO,DOE,JANE,chief,,,,62.01,2019-01-02,active,REGISTER OF UTOPIA,UTO\n";
    std::fs::write(w.path("licences.csv"), text).unwrap();
    let (code, summary, stderr) = w
        .import("licences.csv", "business_license", "out", &[])
        .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (&summary["imported"], &summary["rejected"]),
        (&json!(2), &json!(1)),
        "{stderr}"
    );
    let (codes, pointers) = report(&w.path("out"));
    assert_eq!(codes, BTreeMap::from([(4, "schema_violation".to_owned())]));
    assert_eq!(pointers[&4], vec!["/representatives/0/role"]);

    // A header that cannot be mapped is refused before anything is sent.
    std::fs::write(
        w.path("clash.csv"),
        "reference,address,address.street\nB-9,x,y\n",
    )
    .unwrap();
    let (code, _, stderr) = w.import("clash.csv", "business_license", "out2", &[]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("column \"address.street\""), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_without_the_role_stops_the_run_and_nothing_is_recorded() {
    let w = world().await;
    let (text, _) = passport_csv(20, |_, _, _| None);
    std::fs::write(w.path("p.csv"), text).unwrap();
    let mut command = w.command(
        "p.csv",
        "passport",
        "out",
        &["--token-file", "viewer.token"],
    );
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("officer_role_missing"), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    assert!(jsonl(&w.path("out").join("offers.jsonl")).is_empty());
    assert!(jsonl(&w.path("out").join("rejected.jsonl")).is_empty());
    assert_eq!(progress_done(&w.path("out")), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_the_issuer_could_not_be_asked_about_are_tried_again_by_the_next_run() {
    let w = world().await;
    let (text, _) = passport_csv(40, |_, _, _| None);
    std::fs::write(w.path("p.csv"), text).unwrap();
    // Nothing listens on the port of a listener just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut command = Command::new(env!("CARGO_BIN_EXE_sigillum"));
    command
        .current_dir(w.dir.path())
        .args([
            "issuer", "import", "p.csv", "--type", "passport", "--out", "out",
        ])
        .args(["--url", &dead, "--retries", "0", "--concurrency", "4"])
        .env("SIGILLUM_OFFICER_TOKEN", &w.clerk);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("issuer_unreachable"), "{stderr}");
    let out = w.path("out");
    let retry = jsonl(&out.join("rejected.jsonl"));
    assert!(retry.len() >= 16, "{}", retry.len());
    assert!(
        retry
            .iter()
            .all(|r| r["retryable"] == true && r["status"].is_null())
    );
    assert_eq!(progress_done(&out), 0);

    // The issuer is back: every row is offered, and the stale report lines are gone.
    let (code, summary, stderr) = w.import("p.csv", "passport", "out", &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (&summary["imported"], &summary["skipped"]),
        (&json!(40), &json!(0))
    );
    assert_eq!(jsonl(&out.join("offers.jsonl")).len(), 40);
    assert!(jsonl(&out.join("rejected.jsonl")).is_empty());
}
