//! How large each credential type's typical offline presentation QR is, and where its
//! bytes go.
//!
//! A registry and an office issuing the three built-in types run on loopback in this
//! process; each type is issued [`RUNS`] times and received over OpenID4VCI, as a
//! wallet would, then presented for its checkpoint profile's query (`border`,
//! `bank_kyc`, `business_check`: only the claims asked for, plus the KB-JWT) and
//! encoded as an offline presentation QR (`SG2P:`). Prints, per type, the QR version
//! at error correction M (min–max over the runs), the same presentation in the old
//! `SG1P:` framing and in QR byte mode for comparison, and the bytes by part: the
//! frame's structure before and after deflate, and its blob (the random bytes, stored)
//! by origin.
//!
//! Usage: `cargo run --release --example qr_versions [RUNS]`

// A measuring tool: a failure should stop it with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/local.rs"]
#[allow(dead_code)] // shared with the tests, which use all of it
mod local;

use std::fmt;
use std::sync::Arc;

use serde_json::{Value, json};
use sigillum_credential::b64;
use sigillum_credential::qr::{self, PayloadKind};
use sigillum_credential::sd_jwt::present;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::store::Role;
use sigillum_verifier::profile::Profile;

/// Issuances per credential type, unless given on the command line.
const RUNS: usize = 20;

/// The smallest and largest of a measure over the runs.
#[derive(Clone, Copy)]
struct Range(usize, usize);

impl Range {
    const EMPTY: Self = Range(usize::MAX, 0);
    fn add(&mut self, value: usize) {
        self.0 = self.0.min(value);
        self.1 = self.1.max(value);
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == self.1 {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{}–{}", self.0, self.1)
        }
    }
}

/// Every measure of one credential type, as ranges over the runs.
struct Measures {
    presentation: Range,
    sg1_chars: Range,
    sg1_version: Range,
    structure: Range,
    deflated: Range,
    blob: Range,
    sg2_chars: Range,
    version: Range,
    byte_mode_version: Range,
    signatures: Range,
    digests: Range,
    holder_key: Range,
    salts: Range,
    nonce: Range,
    left_in_text: Range,
}

impl Measures {
    const fn new() -> Self {
        Measures {
            presentation: Range::EMPTY,
            sg1_chars: Range::EMPTY,
            sg1_version: Range::EMPTY,
            structure: Range::EMPTY,
            deflated: Range::EMPTY,
            blob: Range::EMPTY,
            sg2_chars: Range::EMPTY,
            version: Range::EMPTY,
            byte_mode_version: Range::EMPTY,
            signatures: Range::EMPTY,
            digests: Range::EMPTY,
            holder_key: Range::EMPTY,
            salts: Range::EMPTY,
            nonce: Range::EMPTY,
            left_in_text: Range::EMPTY,
        }
    }

    /// Measures one presentation.
    fn add(&mut self, shown: &str) {
        let text = qr::encode(PayloadKind::Presentation, shown.as_bytes()).unwrap();
        assert!(text.starts_with("SG2P:"), "not framed: {shown}");
        assert_eq!(qr::decode(&text).unwrap().1, shown.as_bytes());
        let sizes = qr::frame_sizes(shown.as_bytes()).unwrap().unwrap();
        // The old framing: SG1C has SG1P's layout and prefix length.
        let sg1 = qr::encode(PayloadKind::Credential, shown.as_bytes()).unwrap();
        // Byte mode: the prefix and the binary, one byte per byte (a text outside the
        // alphanumeric set is drawn in one byte-mode segment).
        let binary = "x".repeat(5 + sizes.deflated + sizes.blob);
        self.presentation.add(shown.len());
        self.sg1_chars.add(sg1.len());
        self.sg1_version.add(qr::qr_version(&sg1).unwrap().into());
        self.structure.add(sizes.structure);
        self.deflated.add(sizes.deflated);
        self.blob.add(sizes.blob);
        self.sg2_chars.add(text.len());
        self.version.add(qr::qr_version(&text).unwrap().into());
        self.byte_mode_version
            .add(qr::qr_version(&binary).unwrap().into());
        let blob = BlobParts::of(shown);
        // A random value that looks like a word stays in the structure (rare).
        self.left_in_text
            .add(blob.total().saturating_sub(sizes.blob));
        self.signatures.add(blob.signatures);
        self.digests.add(blob.digests);
        self.holder_key.add(blob.holder_key);
        self.salts.add(blob.salts);
        self.nonce.add(blob.nonce);
    }
}

/// Where the blob's bytes come from, read off the presentation.
struct BlobParts {
    signatures: usize,
    digests: usize,
    holder_key: usize,
    salts: usize,
    nonce: usize,
}

impl BlobParts {
    fn of(shown: &str) -> Self {
        let parts: Vec<&str> = shown.split('~').collect();
        let jws =
            |s: &str| -> Vec<Vec<u8>> { s.split('.').map(|p| b64::decode(p).unwrap()).collect() };
        let issuer = jws(parts[0]);
        let kb = jws(parts[parts.len() - 1]);
        let payload: Value = serde_json::from_slice(&issuer[1]).unwrap();
        let kb_payload: Value = serde_json::from_slice(&kb[1]).unwrap();
        let field = |v: &Value| b64::decode(v.as_str().unwrap()).unwrap().len();
        let jwk = &payload["cnf"]["jwk"];
        let salts = parts[1..parts.len() - 1]
            .iter()
            .map(|d| {
                let d: Value = serde_json::from_slice(&b64::decode(d).unwrap()).unwrap();
                field(&d[0])
            })
            .sum();
        BlobParts {
            signatures: issuer[2].len() + kb[2].len(),
            digests: payload["_sd"].as_array().unwrap().iter().map(field).sum(),
            holder_key: field(&jwk["x"]) + field(&jwk["y"]),
            salts,
            nonce: field(&kb_payload["nonce"]),
        }
    }

    const fn total(&self) -> usize {
        self.signatures + self.digests + self.holder_key + self.salts + self.nonce
    }
}

fn main() {
    let runs = std::env::args()
        .nth(1)
        .map_or(RUNS, |n| n.parse().expect("RUNS is a number"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let registry = local::LocalRegistry::start("sigillum.example/qr").await;
        let types = ["passport", "residence_permit", "business_license"];
        let office =
            local::LocalIssuer::start(&registry, &types, &types, 50, Arc::new(SystemClock)).await;
        let officer = office.officer("chief", &[Role::Admin]);
        let mut rows = Vec::new();
        for (kind, profile) in [
            ("passport", "border"),
            ("residence_permit", "bank_kyc"),
            ("business_license", "business_check"),
        ] {
            let claims = local::sample(kind);
            let profile = Profile::builtin(profile).unwrap();
            let query = profile
                .dcql
                .credentials
                .iter()
                .find(|q| q.requested_paths(&claims).is_some() && q.id.contains(&kind[..4]))
                .or_else(|| profile.dcql.credentials.first())
                .unwrap();
            let paths = query.requested_paths(&claims).unwrap();
            let mut m = Measures::new();
            for run in 0..runs {
                let body = json!({"reference": format!("qr-{kind}-{run}"), "claims": claims});
                let (_, copy) = office.issue_one(&officer, kind, &body).await;
                let shown = present(
                    &copy.credential,
                    &paths,
                    Some((
                        &copy.holder,
                        "decentralized_identifier:did:key:zDnaeWgbpcUat3VPa1GvpW3M6RXsFnL8avLMyvGMfJUDwVLpM",
                        "bH6T9QqGmq5bd1AN7cGKhw",
                        SystemClock.now(),
                    )),
                )
                .unwrap();
                m.add(&shown);
            }
            rows.push((kind, profile.name.clone(), paths.len(), m));
        }
        println!("{runs} issuances per type; ranges are min–max over them.\n");
        println!(
            "| credential | profile | disclosed | presentation chars | SG1P chars (version) | SG2P chars | **SG2P version (M)** | same bytes in byte mode |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
        for (kind, profile, disclosed, m) in &rows {
            println!(
                "| {kind} | {profile} | {disclosed} claims | {} | {} ({}) | {} | **{}** | {} |",
                m.presentation, m.sg1_chars, m.sg1_version, m.sg2_chars, m.version,
                m.byte_mode_version,
            );
        }
        println!("\nBytes by part (SG2P text = 5 + 1.5 × (deflated structure + blob) characters):\n");
        println!(
            "| credential | structure raw → deflated | blob | blob: signatures | `_sd` digests | holder key | salts | nonce | random values left as text |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (kind, _, _, m) in &rows {
            println!(
                "| {kind} | {} → {} | {} | {} | {} | {} | {} | {} | {} |",
                m.structure, m.deflated, m.blob, m.signatures, m.digests, m.holder_key,
                m.salts, m.nonce, m.left_in_text,
            );
        }
    });
}
