//! `sigillum demo`: the story from DESIGN.md, narrated and checked step by step
//! against the real product brought up in this process (issue #7 item 1): a
//! passport issued, received, shown at the border, revoked and refused; a residence
//! permit suspended and reinstated; a bank's KYC check with minimal disclosure;
//! the passport office rotating its key. Every step is verified (the checkpoint's
//! verdict and reason code, the wallet's standing); the first that does not hold
//! stops the demo with exit code 1.

mod citizen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::{Value, json};
use sigillum_credential::time::{Clock, SystemClock};

use crate::CliError;
use crate::up::Product;
use citizen::Citizen;

/// Steps in the story.
const STEPS: usize = 8;

#[derive(Args)]
pub struct DemoArgs {
    /// Keep the demo's data in this (new) folder; by default a temporary folder,
    /// removed at the end.
    #[arg(long)]
    data: Option<PathBuf>,
}

/// The checkpoint, as an officer's terminal uses it.
struct Checkpoint<'a> {
    url: &'a str,
    http: reqwest::Client,
}

impl Checkpoint<'_> {
    /// A new request for `profile`: `{id, link, …}`.
    async fn ask(&self, profile: &str) -> Result<Value, CliError> {
        let r = self
            .http
            .post(format!("{}/v1/requests", self.url))
            .json(&json!({"profile": profile}))
            .send()
            .await?;
        if !r.status().is_success() {
            return Err(CliError(format!(
                "the checkpoint refused to ask: {}",
                r.status()
            )));
        }
        Ok(r.json().await?)
    }

    /// The outcome of request `id`.
    async fn outcome(&self, id: &str) -> Result<Value, CliError> {
        let body: Value = self
            .http
            .get(format!("{}/v1/requests/{id}", self.url))
            .send()
            .await?
            .json()
            .await?;
        Ok(body["outcome"].clone())
    }
}

/// The reason codes of every failed check in `outcome`.
fn reasons(outcome: &Value) -> Vec<String> {
    let checks = outcome["presentations"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["report"]["checks"].as_array().into_iter().flatten())
        .chain(outcome["answer_checks"].as_array().into_iter().flatten());
    checks
        .filter(|c| c["ok"] == false && c["skipped"] != true)
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect()
}

/// Whether `condition` holds; the step fails with `what` otherwise.
fn expect(condition: bool, what: impl FnOnce() -> String) -> Result<(), CliError> {
    if condition {
        Ok(())
    } else {
        Err(CliError(what()))
    }
}

/// The story's state: the product, the citizen, where we are.
struct Story<'a> {
    product: &'a Product,
    checkpoint: Checkpoint<'a>,
    citizen: Citizen,
    step: usize,
}

impl Story<'_> {
    fn step(&mut self, title: &str) {
        self.step += 1;
        crate::say!("\n[{}/{STEPS}] {title}", self.step);
    }

    fn say(line: &str) {
        crate::say!("      {line}");
    }

    fn ok(line: &str) {
        crate::say!("    \u{2713} {line}");
    }

    /// The checkpoint asks with `profile`; the citizen answers with card `group`.
    /// Returns the outcome and what the wallet said it shared.
    async fn check(&self, profile: &str, group: &str) -> Result<(Value, Vec<String>), CliError> {
        let request = self.checkpoint.ask(profile).await?;
        let link = request["link"].as_str().ok_or("the request has no link")?;
        let shared = self.citizen.present(link, group).await?;
        let id = request["id"].as_str().ok_or("the request has no id")?;
        Ok((self.checkpoint.outcome(id).await?, shared))
    }

    /// An office issues its sample subject; the citizen receives three copies and
    /// waits until the card checks out. Returns (credential id, card).
    async fn issue_and_receive(
        &self,
        kind: &str,
        reference: &str,
    ) -> Result<(String, String), CliError> {
        let office = self.product.office(kind)?;
        let offer = office.issue(&office.sample(0)?, reference).await?;
        let link = offer["offer_link"].as_str().ok_or("no offer link")?;
        let tx_code = offer["tx_code"].as_str().ok_or("no PIN")?;
        let card = self.citizen.receive(link, tx_code, 3).await?;
        self.citizen.until(&card, "valid").await?;
        let id = offer["id"].as_str().ok_or("no credential id")?.to_owned();
        Ok((id, card))
    }

    async fn accepted(&self, profile: &str, group: &str) -> Result<Vec<String>, CliError> {
        let (outcome, shared) = self.check(profile, group).await?;
        expect(outcome["verdict"] == "accepted", || {
            format!(
                "the {profile} checkpoint did not accept: {:?}",
                reasons(&outcome)
            )
        })?;
        Ok(shared)
    }

    async fn refused(&self, profile: &str, group: &str, code: &str) -> Result<(), CliError> {
        let (outcome, _) = self.check(profile, group).await?;
        let found = reasons(&outcome);
        expect(
            outcome["verdict"] == "rejected" && found.iter().any(|c| c == code),
            || {
                format!(
                    "expected {code} at the {profile} checkpoint, got {} {found:?}",
                    outcome["verdict"]
                )
            },
        )?;
        Story::ok(&format!("refused: {code}"));
        Ok(())
    }

    async fn run(&mut self) -> Result<(), CliError> {
        self.step("The passport office issues Erik's passport");
        let passport = self.product.office("passport")?;
        let sample = passport.sample(0)?;
        let offer = passport.issue(&sample, "demo-passport-1").await?;
        Story::say(&format!(
            "offer {} with PIN {} (the officer hands the PIN over separately)",
            offer["id"].as_str().unwrap_or_default(),
            offer["tx_code"].as_str().unwrap_or_default()
        ));
        Story::ok(&format!("issued by {}", passport.issuer.did()));

        self.step("Erik's wallet receives it over OpenID4VCI and checks it on the registry");
        let link = offer["offer_link"].as_str().ok_or("no offer link")?;
        let tx_code = offer["tx_code"].as_str().ok_or("no PIN")?;
        let card = self.citizen.receive(link, tx_code, 3).await?;
        let standing = self.citizen.until(&card, "valid").await?;
        Story::say("three one-time copies, each with its own holder key and status index");
        Story::ok(&standing.sentence());

        self.step("At the border: the checkpoint asks, Erik's wallet shows only what it needs");
        let shared = self.accepted("border", &card).await?;
        Story::say(&format!("shared: {}", shared.join(", ")));
        let held = sample.as_object().map_or(0, serde_json::Map::len);
        Story::ok(&format!(
            "accepted; {} of the passport's {held} claims stayed in the wallet",
            held.saturating_sub(shared.len())
        ));

        self.step("The ministry revokes the passport (reported stolen)");
        let id = offer["id"].as_str().ok_or("no credential id")?;
        passport
            .change_status(id, "revoke", "reported stolen")
            .await?;
        self.citizen.until(&card, "revoked").await?;
        Story::ok("the registry's status list says revoked; Erik's wallet shows it");

        self.step("At the border again, with the revoked passport");
        self.refused("border", &card, "credential_revoked").await?;

        self.step("Immigration suspends Erik's residence permit, then reinstates it");
        let (permit_id, permit) = self
            .issue_and_receive("residence_permit", "demo-permit-1")
            .await?;
        let immigration = self.product.office("residence_permit")?;
        immigration
            .change_status(&permit_id, "suspend", "address check")
            .await?;
        self.citizen.until(&permit, "suspended").await?;
        Story::say("suspended while his address is checked");
        self.refused("bank_kyc", &permit, "credential_suspended")
            .await?;
        immigration
            .change_status(&permit_id, "reinstate", "address confirmed")
            .await?;
        self.citizen.until(&permit, "valid").await?;
        Story::ok("reinstated: valid again");

        self.step("At the bank: know-your-customer with minimal disclosure");
        let shared = self.accepted("bank_kyc", &permit).await?;
        Story::say(&format!("shared: {}", shared.join(", ")));
        Story::ok("accepted: names, birth date (18 or over) and a residence valid today");

        self.step("The passport office rotates its signing key");
        let (_, before) = self
            .issue_and_receive("passport", "demo-passport-2")
            .await?;
        let old_kid = self.citizen.signed_with(&before)?;
        let kid = passport
            .issuer
            .rotate_key("demo")
            .await
            .map_err(|e| CliError(e.to_string()))?;
        Story::say(&format!(
            "new key {kid} in the office's DID document on the registry, from {}",
            sigillum_credential::time::Timestamp::from_unix(passport.issuer.signing().from)
                .to_rfc3339()
        ));
        // The change takes effect a moment ahead (ROTATION_LEAD_SECS), so no
        // credential is dated in the second its key changed.
        while SystemClock.now().unix() < passport.issuer.signing().from {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let (_, after) = self
            .issue_and_receive("passport", "demo-passport-3")
            .await?;
        let new_kid = self.citizen.signed_with(&after)?;
        expect(new_kid == kid && old_kid != kid, || {
            format!("signed with {old_kid} before and {new_kid} after the rotation to {kid}")
        })?;
        self.accepted("border", &before).await?;
        Story::ok(&format!(
            "a passport signed before, by {old_kid}, is still accepted: that key was valid when it signed"
        ));
        self.accepted("border", &after).await?;
        Story::ok(&format!(
            "a passport signed by the new key {new_kid} is accepted"
        ));
        Ok(())
    }
}

/// A fresh folder for the demo's data: `--data`, or one under the temp dir.
fn folder(args: &DemoArgs) -> Result<(PathBuf, bool), CliError> {
    match &args.data {
        Some(dir) => {
            if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
                return Err(CliError(format!(
                    "{}: the demo needs an empty or new folder",
                    dir.display()
                )));
            }
            Ok((dir.clone(), false))
        }
        None => Ok((
            std::env::temp_dir().join(format!(
                "sigillum-demo-{}-{}",
                std::process::id(),
                SystemClock.now().unix()
            )),
            true,
        )),
    }
}

async fn story(data: &Path) -> Result<(), CliError> {
    crate::say!("Bringing up the registry, three offices, the wallet service and a checkpoint…");
    let product = Product::start(data, 0).await?;
    crate::say!(
        "  registry {}  checkpoint {}  wallet {}",
        product.registry_url,
        product.checkpoint_url,
        product.wallet_url
    );
    let told = async {
        let citizen = Citizen::new(
            &data.join("erik-wallet"),
            "271828",
            &product.consortium,
            &product.registry_url,
        )?;
        let mut story = Story {
            product: &product,
            checkpoint: Checkpoint {
                url: &product.checkpoint_url,
                http: reqwest::Client::new(),
            },
            citizen,
            step: 0,
        };
        story.run().await
    }
    .await;
    product.stop().await;
    told
}

pub fn run(args: &DemoArgs) -> Result<ExitCode, CliError> {
    let (data, temporary) = folder(args)?;
    let told = tokio::runtime::Runtime::new()?.block_on(story(&data));
    if temporary {
        // Best effort: a temporary folder left behind costs only disk.
        let _ = std::fs::remove_dir_all(&data);
    }
    match told {
        Ok(()) => {
            crate::say!("\nThe whole story checked out: {STEPS} of {STEPS} steps verified.");
            Ok(ExitCode::SUCCESS)
        }
        Err(CliError(why)) => {
            crate::say!("\n    \u{2717} {why}");
            eprintln!("sigillum demo: a step did not hold: {why}");
            Ok(ExitCode::from(1))
        }
    }
}
