//! `sigillum issuer …`: run an issuing office and administer it.
//!
//! `serve` runs the service; the other commands open the office's data directory
//! directly (stop the service first: the store allows one process at a time).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use serde_json::json;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::config::IssuerConfig;
use sigillum_issuer::service::Issuer;
use sigillum_issuer::store::Role;

use crate::CliError;

#[derive(Subcommand)]
pub enum IssuerCommand {
    /// Run the issuer: OpenID4VCI endpoints, the officer API and status publishing.
    Serve {
        /// The configuration file (see README, "Issuer configuration").
        #[arg(long)]
        config: PathBuf,
    },
    /// Manage officer accounts.
    #[command(subcommand)]
    Officer(OfficerCommand),
    /// Rotate the signing key through the registry; earlier credentials stay valid.
    RotateKey {
        /// The configuration file.
        #[arg(long)]
        config: PathBuf,
    },
    /// Mark a signing key compromised from a point in time on the registry.
    Compromised {
        /// The configuration file.
        #[arg(long)]
        config: PathBuf,
        /// The key's fragment, e.g. `key-1` (default: the current key).
        #[arg(long)]
        key: Option<String>,
        /// From when (Unix seconds): credentials signed at or after it no longer verify.
        #[arg(long)]
        since: i64,
    },
}

#[derive(Subcommand)]
pub enum OfficerCommand {
    /// Create an officer; prints the bearer token once (only its hash is stored).
    Add {
        /// The configuration file.
        #[arg(long)]
        config: PathBuf,
        /// The officer's name (shown in the audit log).
        #[arg(long)]
        name: String,
        /// Roles, comma-separated: issue:<type>, revoke, suspend, admin.
        #[arg(long, value_delimiter = ',', required = true)]
        roles: Vec<String>,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Runtime::new()?)
}

async fn open(config: &std::path::Path) -> Result<Arc<Issuer>, CliError> {
    let config = IssuerConfig::load(config)?;
    Ok(Issuer::start(config, Arc::new(SystemClock)).await?)
}

pub fn run(command: IssuerCommand) -> Result<ExitCode, CliError> {
    match command {
        IssuerCommand::Serve { config } => runtime()?.block_on(async {
            let issuer = open(&config).await?;
            let listen = issuer.config().listen.clone();
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|e| CliError(format!("cannot listen on {listen}: {e}")))?;
            eprintln!(
                "issuer {} ({}) serving {} on http://{}",
                issuer.config().name,
                issuer.did(),
                issuer.config().types.join(", "),
                listener.local_addr()?
            );
            sigillum_issuer::http::run(listener, issuer, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }),
        IssuerCommand::Officer(OfficerCommand::Add {
            config,
            name,
            roles,
        }) => runtime()?.block_on(async {
            let roles = roles
                .iter()
                .map(|r| r.parse::<Role>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CliError(format!("--roles: {e}")))?;
            let issuer = open(&config).await?;
            let token = issuer.store().add_officer(&name, &roles)?;
            crate::say!(
                "{}",
                json!({"issuer": issuer.did(), "officer": name, "roles": roles.iter().map(ToString::to_string).collect::<Vec<_>>(), "token": token.expose_secret()})
            );
            Ok(ExitCode::SUCCESS)
        }),
        IssuerCommand::RotateKey { config } => runtime()?.block_on(async {
            let issuer = open(&config).await?;
            let kid = issuer.rotate_key("cli").await?;
            crate::say!("{}", json!({"did": issuer.did(), "signing_key": kid}));
            Ok(ExitCode::SUCCESS)
        }),
        IssuerCommand::Compromised { config, key, since } => runtime()?.block_on(async {
            let issuer = open(&config).await?;
            let key = key.unwrap_or_else(|| {
                issuer
                    .signing()
                    .kid
                    .rsplit('#')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
            issuer.key_compromised("cli", &key, since).await?;
            let now = SystemClock.now().unix();
            crate::say!(
                "{}",
                json!({"did": issuer.did(), "compromised": key, "since": since, "recorded_at": now})
            );
            Ok(ExitCode::SUCCESS)
        }),
    }
}
