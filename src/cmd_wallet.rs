//! `sigillum wallet …`: the web wallet service, and the wallet's steps from the
//! command line.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_wallet::receive::Receiver;
use sigillum_wallet::site::{self, Site, SiteConfig};
use std::sync::Arc;

use crate::{CliError, files};

#[derive(Subcommand)]
pub enum WalletCommand {
    /// Runs the web wallet: citizens' vaults as phone pages (see wallet/src/site).
    Serve {
        /// The configuration file (see `SiteConfig` in wallet/src/site/mod.rs and the README).
        #[arg(long)]
        config: std::path::PathBuf,
    },
    /// Receive a credential offer over OpenID4VCI (pre-authorized code + PIN): one
    /// fresh P-256 holder key per copy; writes `<n>.cred` and `<n>.holder.jwk` in `--out`.
    Receive {
        /// The `openid-credential-offer://…` link (or its QR text).
        offer: String,
        /// The PIN the office gave separately.
        #[arg(long)]
        pin: Option<String>,
        /// How many copies (each with its own key and status index; capped by the issuer).
        #[arg(long, default_value_t = 1)]
        copies: usize,
        /// Where to write the credentials and holder keys (created if missing).
        #[arg(long)]
        out: String,
    },
}

/// Binds, starts and serves until Ctrl-C.
fn serve(config: &std::path::Path) -> Result<ExitCode, CliError> {
    let config = SiteConfig::load(config).map_err(CliError)?;
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .map_err(|e| CliError(format!("cannot listen on {}: {e}", config.listen)))?;
        let public_url = if config.public_url.is_empty() {
            format!("http://{}", listener.local_addr()?)
        } else {
            config.public_url.clone()
        };
        let site =
            Site::start(config, public_url.clone(), Arc::new(SystemClock)).map_err(CliError)?;
        eprintln!("web wallet serving on {public_url}/");
        site::run(listener, site, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run(command: WalletCommand) -> Result<ExitCode, CliError> {
    match command {
        WalletCommand::Serve { config } => serve(&config),
        WalletCommand::Receive {
            offer,
            pin,
            copies,
            out,
        } => {
            let runtime = tokio::runtime::Runtime::new()?;
            let received = runtime
                .block_on(Receiver::new().receive(
                    &offer,
                    pin.as_deref(),
                    copies,
                    SystemClock.now(),
                ))
                .map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
            std::fs::create_dir_all(&out).map_err(|e| CliError(format!("{out}: {e}")))?;
            let mut written = Vec::new();
            for (n, copy) in received.iter().enumerate() {
                let credential = format!("{out}/{}.cred", n + 1);
                let key = format!("{out}/{}.holder.jwk", n + 1);
                files::write(&credential, copy.credential.as_bytes(), false)?;
                files::write(
                    &key,
                    serde_json::to_string_pretty(&copy.holder.to_private_jwk())?.as_bytes(),
                    true,
                )?;
                written.push(json!({"credential": credential, "holder_key": key}));
            }
            crate::say!(
                "{}",
                json!({"issuer": received.first().map(|r| r.issuer.clone()), "configuration": received.first().map(|r| r.configuration_id.clone()), "copies": written})
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
