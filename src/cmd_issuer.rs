//! `sigillum issuer …`: run an issuing office and administer it.
//!
//! `serve` runs the service; `import` talks to the running service over its
//! officer API; the other commands open the office's data directory directly
//! (stop the service first: the store allows one process at a time).

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
    /// Issue one offer per row of a CSV or JSONL file through a running issuer's
    /// officer API: resumable (run it again to go on), idempotent per applicant
    /// reference, with offers.jsonl, rejected.jsonl and qr/ in --out.
    Import {
        /// The applicants: `.csv` (a header row with a `reference` column; dotted
        /// names nest, `a;b` fills a list) or `.jsonl` (`{"reference", "claims"}`).
        file: PathBuf,
        /// The credential type (`passport`, `residence_permit`, `business_license`).
        #[arg(long = "type")]
        credential_type: String,
        /// The issuer's base URL.
        #[arg(long, default_value = "http://127.0.0.1:7401")]
        url: String,
        /// A file with the officer token (or the JSON `issuer officer add` printed).
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// The officer token; prefer --token-file or $SIGILLUM_OFFICER_TOKEN
        /// (arguments are visible to other users of the machine).
        #[arg(long)]
        token: Option<String>,
        /// Output directory (created): offers.jsonl, rejected.jsonl, progress.json, qr/.
        #[arg(long)]
        out: PathBuf,
        /// Credential format.
        #[arg(long, default_value = "dc+sd-jwt", value_parser = ["dc+sd-jwt", "jwt_vc_json"])]
        format: String,
        /// Per applicant besides the link in offers.jsonl: nothing, or a QR image.
        #[arg(long, default_value = "link", value_parser = ["link", "png", "svg"])]
        qr: String,
        /// Requests in flight (the issuer commits them in groups).
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Retries of a row while the issuer is busy or unreachable.
        #[arg(long, default_value_t = 4)]
        retries: u32,
        /// Refuse files with more rows than this.
        #[arg(long, default_value_t = 1_000_000)]
        max_rows: u64,
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
        IssuerCommand::Import {
            file,
            credential_type,
            url,
            token_file,
            token,
            out,
            format,
            qr,
            concurrency,
            retries,
            max_rows,
        } => runtime()?.block_on(async {
            use sigillum_issuer::import;
            let options = import::ImportOptions {
                input: file,
                credential_type,
                url,
                token: import::officer_token(token, token_file.as_deref())?,
                out,
                format: sigillum_issuer::mint::Format::parse(&format)
                    .ok_or_else(|| CliError(format!("--format {format}")))?,
                qr: import::QrOutput::parse(&qr).ok_or_else(|| CliError(format!("--qr {qr}")))?,
                concurrency,
                retries,
                max_rows,
            };
            let summary = import::import(options).await?;
            crate::say!("{}", serde_json::to_string(&summary)?);
            // 1: rows are left (interrupted, or the issuer could not be asked): run again.
            Ok(if summary.complete {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }),
    }
}
