//! `sigillum` with no arguments (or `sigillum up`): the whole product in one
//! process on its embedded default (issue #7 item 1) — a registry node, three
//! accredited issuing offices (passport, residence permit, business licence), the
//! web wallet and a checkpoint, each on its own loopback port, with their data in
//! one folder made on the first run and reused by the next.
//!
//! ```text
//!  <data>/registry/     genesis.json, node.key, governance-0.jwk (the demo governance), data/ (sled)
//!  <data>/offices/<type>/  issuer.key (unlocks the sealed signing key), officer.token, data/
//!  <data>/checkpoint/   the verifier's key, sessions and receipts
//!  <data>/wallet/       one sealed vault per citizen
//! ```
//!
//! It prints where each page is, the demo officers' tokens and a first passport
//! offer as a terminal QR code with its PIN; Ctrl-C stops every service cleanly.

pub mod consortium;
pub mod offices;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde_json::{Value, json};
use sigillum_credential::qr;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_verifier::config::VerifierConfig;
use sigillum_verifier::service::Verifier;
use sigillum_wallet::site::{Site, SiteConfig};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::CliError;
pub use consortium::Consortium;
pub use offices::{OFFICES, Office};

/// Where and how to run.
#[derive(Args, Clone)]
pub struct UpArgs {
    /// The data folder (made on the first run; the next run resumes from it).
    #[arg(long, default_value = "sigillum-data")]
    pub data: PathBuf,
    /// The first port: the registry takes it, the offices the next three, the
    /// checkpoint +10 and the wallet +20. 0 picks free ports.
    #[arg(long, default_value_t = 7400)]
    pub port_base: u16,
    /// Print the addresses, tokens and offer as one JSON line instead of the banner.
    #[arg(long)]
    pub json: bool,
}

impl Default for UpArgs {
    fn default() -> Self {
        UpArgs {
            data: PathBuf::from("sigillum-data"),
            port_base: 7400,
            json: false,
        }
    }
}

/// Binds 127.0.0.1 at `port_base + offset` (any free port when `port_base` is 0).
async fn bind(port_base: u16, offset: u16, what: &str) -> Result<(TcpListener, String), CliError> {
    let port = if port_base == 0 {
        0
    } else {
        port_base.saturating_add(offset)
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        CliError(format!(
            "the {what} cannot listen on 127.0.0.1:{port}: {e} (is another sigillum running? \
             `sigillum up --port-base 0` picks free ports)"
        ))
    })?;
    let url = format!("http://{}", listener.local_addr()?);
    Ok((listener, url))
}

/// A future that resolves once `stop` turns true.
fn stopped(stop: &watch::Receiver<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut stop = stop.clone();
    async move {
        let _ = stop.wait_for(|s| *s).await;
    }
}

/// The first passport offer, made through the passport office's officer API as an
/// officer would make it: `{id, offer_link, tx_code, …}`.
async fn first_offer(office: &Office) -> Result<Value, CliError> {
    let reference = format!("demo-{}", SystemClock.now().unix());
    office.issue(&office.sample(0)?, &reference).await
}

fn banner(data: &Path, summary: &Value, offer_link: &str) -> String {
    let mut out = String::new();
    let line = |out: &mut String, s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line(
        &mut out,
        &format!(
            "Sigillum is running. Data in {}; Ctrl-C stops it, the next run resumes.\n",
            data.display()
        ),
    );
    line(&mut out, "  Officers' pages (log in with the token):");
    for office in summary["offices"].as_array().into_iter().flatten() {
        line(
            &mut out,
            &format!(
                "    {:18} {}/officer   token {}",
                office["type"].as_str().unwrap_or_default(),
                office["url"].as_str().unwrap_or_default(),
                office["officer_token"].as_str().unwrap_or_default()
            ),
        );
    }
    line(
        &mut out,
        &format!(
            "  Web wallet         {}/   (sign up with any name and a 6-digit PIN)",
            summary["wallet"].as_str().unwrap_or_default()
        ),
    );
    line(
        &mut out,
        &format!(
            "  Checkpoint screen  {}/",
            summary["checkpoint"].as_str().unwrap_or_default()
        ),
    );
    line(
        &mut out,
        &format!(
            "  Registry           {}/v1/checkpoint\n",
            summary["registry"].as_str().unwrap_or_default()
        ),
    );
    line(
        &mut out,
        &format!(
            "A first passport offer. In the wallet choose \"Add a card\", paste the link (or \
             photograph the code) and enter the PIN {}:\n",
            summary["offer"]["tx_code"].as_str().unwrap_or_default()
        ),
    );
    if let Ok(drawn) = qr::render_terminal(offer_link) {
        line(&mut out, &drawn);
    }
    line(&mut out, offer_link);
    out
}

/// The running product: every service, and how to stop them.
pub struct Product {
    pub registry_url: String,
    pub checkpoint_url: String,
    pub wallet_url: String,
    pub offices: Vec<Office>,
    pub consortium: Consortium,
    /// Stops the offices, the checkpoint and the wallet.
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// Stops the registry, last: the offices publish to it until they stop.
    stop_registry: watch::Sender<bool>,
    registry: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Product {
    /// Starts every service with its data in `data` (made or resumed), the registry
    /// at `port_base` and the others after it (0: free ports).
    pub async fn start(data: &Path, port_base: u16) -> Result<Self, CliError> {
        std::fs::create_dir_all(data)
            .map_err(|e| CliError(format!("cannot create {}: {e}", data.display())))?;
        let (registry_listener, registry_url) = bind(port_base, 0, "registry").await?;
        let mut office_listeners = Vec::new();
        for (offset, (kind, _)) in (1u16..).zip(OFFICES) {
            office_listeners.push(bind(port_base, offset, &format!("{kind} office")).await?);
        }
        let (checkpoint_listener, checkpoint_url) = bind(port_base, 10, "checkpoint").await?;
        let (wallet_listener, wallet_url) = bind(port_base, 20, "wallet").await?;

        let (stop, stop_rx) = watch::channel(false);
        let (stop_registry, registry_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let consortium = Consortium::open(&data.join("registry"))?;
        let registry = tokio::spawn(sigillum_registry::http::run(
            registry_listener,
            Arc::clone(&consortium.node),
            stopped(&registry_rx),
        ));

        let mut offices = Vec::new();
        for ((listener, url), office) in office_listeners.into_iter().zip(OFFICES) {
            let started = offices::start(data, office, &url, &consortium, &registry_url).await?;
            tasks.push(tokio::spawn(sigillum_issuer::http::run(
                listener,
                Arc::clone(&started.issuer),
                stopped(&stop_rx),
            )));
            offices.push(started);
        }

        let checkpoint = Verifier::start(
            VerifierConfig {
                listen: checkpoint_url.trim_start_matches("http://").to_owned(),
                public_url: checkpoint_url.clone(),
                data_dir: data.join("checkpoint"),
                profiles: vec!["border".into(), "bank_kyc".into(), "business_check".into()],
                consortium: consortium.trust(),
                registry: Some(registry_url.clone()),
                bundle: None,
                ledger_cache_secs: 0,
                bundle_refresh_secs: 3600,
                request_ttl_secs: 300,
                receipts: true,
            },
            checkpoint_url.clone(),
            Arc::new(SystemClock),
        )
        .map_err(|e| CliError(format!("the checkpoint: {e}")))?;
        tasks.push(tokio::spawn(sigillum_verifier::http::run(
            checkpoint_listener,
            checkpoint,
            stopped(&stop_rx),
        )));

        let wallet = Site::start(
            SiteConfig {
                listen: wallet_url.trim_start_matches("http://").to_owned(),
                public_url: wallet_url.clone(),
                data_dir: data.join("wallet"),
                registry: Some(registry_url.clone()),
                consortium: Some(consortium.trust()),
                session_idle_minutes: 10,
                copies: 3,
                pin_kdf: None,
            },
            wallet_url.clone(),
            Arc::new(SystemClock),
        )
        .map_err(|e| CliError(format!("the wallet: {e}")))?;
        tasks.push(tokio::spawn(sigillum_wallet::site::run(
            wallet_listener,
            wallet,
            stopped(&stop_rx),
        )));
        Ok(Product {
            registry_url,
            checkpoint_url,
            wallet_url,
            offices,
            consortium,
            stop,
            tasks,
            stop_registry,
            registry,
        })
    }

    /// The office issuing `kind`.
    pub fn office(&self, kind: &str) -> Result<&Office, CliError> {
        self.offices
            .iter()
            .find(|o| o.kind == kind)
            .ok_or_else(|| CliError(format!("no {kind} office")))
    }

    /// Stops every service and waits for each to finish; the registry last.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            report(task.await);
        }
        let _ = self.stop_registry.send(true);
        report(self.registry.await);
    }
}

fn report(ended: Result<std::io::Result<()>, tokio::task::JoinError>) {
    match ended {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("a service stopped with an error: {e}"),
        Err(e) => eprintln!("a service failed: {e}"),
    }
}

/// Brings everything up, prints where it is, and serves until Ctrl-C.
pub fn run(args: &UpArgs) -> Result<ExitCode, CliError> {
    tokio::runtime::Runtime::new()?.block_on(serve(args))
}

async fn serve(args: &UpArgs) -> Result<ExitCode, CliError> {
    let data = args.data.as_path();
    let product = Product::start(data, args.port_base).await?;
    let offer = first_offer(product.office("passport")?).await?;
    let offer_link = offer["offer_link"].as_str().unwrap_or_default().to_owned();
    let summary = json!({
        "data": data,
        "registry": product.registry_url,
        "registry_size": product.consortium.node.size(),
        "offices": product.offices.iter().map(|o| json!({
            "type": o.kind,
            "url": o.issuer.public_url(),
            "did": o.issuer.did(),
            "officer_token": o.officer_token,
        })).collect::<Vec<_>>(),
        "checkpoint": product.checkpoint_url,
        "wallet": product.wallet_url,
        "offer": {"id": offer["id"], "offer_link": offer_link, "tx_code": offer["tx_code"]},
    });
    if args.json {
        crate::say!("{summary}");
    } else {
        crate::say!("{}", banner(data, &summary, &offer_link));
    }
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("stopping…");
    product.stop().await;
    eprintln!("stopped; run again to resume from {}", data.display());
    Ok(ExitCode::SUCCESS)
}
