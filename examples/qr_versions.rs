//! How large each credential type's typical offline presentation QR is.
//!
//! A registry and an office issuing the three built-in types run on loopback in this
//! process; one credential of each type is issued and received over OpenID4VCI, as a
//! wallet would, then presented for its checkpoint profile's query (`border`,
//! `bank_kyc`, `business_check`: only the claims asked for, plus the KB-JWT) and
//! encoded as an offline presentation QR. Prints the presentation's parts, the QR
//! text's length and the QR version at error correction M.
//!
//! Usage: `cargo run --release --example qr_versions`

// A measuring tool: a failure should stop it with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/local.rs"]
#[allow(dead_code)] // shared with the tests, which use all of it
mod local;

use std::sync::Arc;

use serde_json::json;
use sigillum_credential::qr::{self, PayloadKind};
use sigillum_credential::sd_jwt::present;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::store::Role;
use sigillum_verifier::profile::Profile;

fn main() {
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
        println!("| credential | profile | disclosed | presentation chars | QR chars | QR version (M) |");
        println!("| --- | --- | --- | --- | --- | --- |");
        for (kind, profile) in [
            ("passport", "border"),
            ("residence_permit", "bank_kyc"),
            ("business_license", "business_check"),
        ] {
            let claims = local::sample(kind);
            let body = json!({"reference": format!("qr-{kind}"), "claims": claims});
            let (_, copy) = office.issue_one(&officer, kind, &body).await;
            let profile = Profile::builtin(profile).unwrap();
            let query = profile
                .dcql
                .credentials
                .iter()
                .find(|q| q.requested_paths(&claims).is_some() && q.id.contains(&kind[..4]))
                .or_else(|| profile.dcql.credentials.first())
                .unwrap();
            let paths = query.requested_paths(&claims).unwrap();
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
            let text = qr::encode(PayloadKind::Presentation, shown.as_bytes()).unwrap();
            let version = qr::qr_version(&text).unwrap();
            let parts: Vec<&str> = shown.split('~').collect();
            let jwt = parts[0];
            let segments: Vec<usize> = jwt.split('.').map(str::len).collect();
            let disclosures: usize = parts[1..parts.len() - 1].iter().map(|d| d.len() + 1).sum();
            println!(
                "| {kind} | {} | {} claims | {} (JWT header {} + payload {} + signature {}; disclosures {}; KB-JWT {}) | {} | **{version}** |",
                profile.name,
                paths.len(),
                shown.len(),
                segments[0],
                segments[1],
                segments[2],
                disclosures,
                parts[parts.len() - 1].len(),
                text.len(),
            );
        }
    });
}
