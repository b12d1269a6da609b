//! `sigillum verifier …`: the checkpoint's service (OpenID4VP endpoints and the
//! officer's screen) and its offline bundles.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use sigillum_credential::ledger::bundle::verify_bundle;
use sigillum_credential::time::{Clock, SystemClock};

use std::sync::Arc;

use sigillum_verifier::config::VerifierConfig;
use sigillum_verifier::service::Verifier;

use crate::{CliError, files};

#[derive(Subcommand)]
pub enum VerifierCommand {
    /// Runs the verifier: OpenID4VP requests and answers, the officer's screen at `/`.
    Serve {
        /// The configuration file (see verifier/src/config.rs and the README).
        #[arg(long)]
        config: std::path::PathBuf,
    },
    /// Offline bundles: every issuer DID, accreditation, status list and schema with proofs.
    #[command(subcommand)]
    Bundle(BundleCommand),
}

#[derive(Subcommand)]
pub enum BundleCommand {
    /// Downloads the registry's bundle, verifies it against the genesis keys, saves it.
    Fetch {
        /// The registry node.
        #[arg(long)]
        registry: String,
        /// The consortium's genesis file.
        #[arg(long, default_value = "registry/genesis.json")]
        genesis: String,
        /// Where to save it.
        #[arg(long)]
        out: String,
    },
    /// Verifies a saved bundle and says how old it is.
    Check {
        /// The bundle file.
        file: String,
        /// The consortium's genesis file.
        #[arg(long, default_value = "registry/genesis.json")]
        genesis: String,
    },
}

fn describe(bytes: &[u8], genesis: &str, name: &str) -> Result<serde_json::Value, CliError> {
    let pin = crate::cmd_registry::policy(&crate::cmd_registry::read_genesis(genesis)?)?;
    let bundle =
        verify_bundle(bytes, &pin).map_err(|e| CliError(format!("{name}: {e} [{}]", e.code())))?;
    let now = SystemClock.now();
    Ok(json!({
        "checkpoint_time": bundle.issued_at.to_rfc3339(),
        "age_secs": bundle.age_secs(now),
        "objects": bundle.objects.len(),
        "bytes": bytes.len(),
    }))
}

/// Binds, starts and serves until Ctrl-C.
fn serve(config: &std::path::Path) -> Result<ExitCode, CliError> {
    let config = VerifierConfig::load(config).map_err(CliError)?;
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .map_err(|e| CliError(format!("cannot listen on {}: {e}", config.listen)))?;
        let public_url = if config.public_url.is_empty() {
            format!("http://{}", listener.local_addr()?)
        } else {
            config.public_url.clone()
        };
        let verifier = Verifier::start(config, public_url.clone(), Arc::new(SystemClock))
            .map_err(|e| CliError(e.to_string()))?;
        eprintln!(
            "verifier {} serving the checkpoint screen on {public_url}/ (profiles: {})",
            verifier.client_id(),
            verifier
                .profiles()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        sigillum_verifier::http::run(listener, verifier, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run(command: VerifierCommand) -> Result<ExitCode, CliError> {
    match command {
        VerifierCommand::Serve { config } => serve(&config),
        VerifierCommand::Bundle(BundleCommand::Fetch {
            registry,
            genesis,
            out,
        }) => {
            let runtime = tokio::runtime::Runtime::new()?;
            let url = format!("{}/v1/bundle", registry.trim_end_matches('/'));
            let bytes = runtime.block_on(async {
                let r = reqwest::Client::new().get(&url).send().await?;
                let status = r.status();
                let bytes = r.bytes().await?;
                Ok::<_, reqwest::Error>((status, bytes))
            })?;
            if !bytes.0.is_success() {
                return Err(CliError(format!("{url}: HTTP {}", bytes.0)));
            }
            let summary = describe(&bytes.1, &genesis, &url)?;
            files::write(&out, &bytes.1, false)?;
            crate::say!("{}", json!({"saved": out, "bundle": summary}));
            Ok(ExitCode::SUCCESS)
        }
        VerifierCommand::Bundle(BundleCommand::Check { file, genesis }) => {
            let summary = describe(&files::read(&file)?, &genesis, &file)?;
            crate::say!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
