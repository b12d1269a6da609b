//! `sigillum wallet …`: the web wallet service, and one citizen's vault from the
//! command line for scripted use (issue #6 item 3):
//!
//! ```text
//!  serve --config FILE            the web wallet (wallet/src/site)
//!  init --vault DIR               a new vault under a new PIN
//!  receive OFFER --vault DIR      OpenID4VCI into the vault (or --out DIR: into files)
//!  list | show CARD               the cards, one card's claims; --registry: their standing
//!  present REQUEST [--offline]    consent, then direct_post or a presentation QR
//!  history                        every receipt, presentation and refusal
//!  export --out FILE | import FILE   the vault as a passphrase-encrypted backup
//! ```
//!
//! The PIN comes from `SIGILLUM_WALLET_PIN` or a line on standard input; a
//! backup's passphrase from `SIGILLUM_BACKUP_PASSPHRASE` or the next line.

mod present;
mod vault;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::json;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_wallet::receive::{self, Received, Receiver};
use sigillum_wallet::site::{self, Site, SiteConfig};
use sigillum_wallet::standing::Standing;

use crate::{CliError, files};
use vault::RegistryArgs;

/// The vault folder every vault command works on.
#[derive(Args)]
pub struct VaultArg {
    /// The wallet's folder (made by `sigillum wallet init`).
    #[arg(long)]
    vault: PathBuf,
}

/// A registry to check cards on.
#[derive(Args)]
pub struct RegistryArg {
    /// Check each card's standing (issuer, accreditation, status) on this registry node.
    #[arg(long)]
    registry: Option<String>,
    /// The consortium's genesis file, whose keys the registry's answers must carry.
    #[arg(long, default_value = "registry/genesis.json")]
    genesis: String,
}

impl RegistryArg {
    fn get(&self) -> Option<RegistryArgs<'_>> {
        self.registry.as_deref().map(|url| RegistryArgs {
            url,
            genesis: &self.genesis,
        })
    }
}

#[derive(Subcommand)]
pub enum WalletCommand {
    /// Runs the web wallet: citizens' vaults as phone pages (see wallet/src/site).
    Serve {
        /// The configuration file (see `SiteConfig` in wallet/src/site/mod.rs and the README).
        #[arg(long)]
        config: PathBuf,
    },
    /// Creates a new, empty wallet in a folder, under a new PIN (at least 6 characters).
    Init {
        #[command(flatten)]
        vault: VaultArg,
    },
    /// Receives a credential offer over OpenID4VCI (pre-authorized code + the office's
    /// PIN), one fresh P-256 holder key per copy: into the wallet (--vault), or as
    /// `<n>.cred` and `<n>.holder.jwk` files (--out).
    Receive {
        /// The `openid-credential-offer://…` link (or its QR text), or a photo of its
        /// QR code (a PNG or JPEG file).
        offer: String,
        /// The PIN the office gave separately (the offer's transaction code).
        #[arg(long)]
        pin: Option<String>,
        /// How many one-time copies (each with its own key and status index; capped by
        /// the issuer). Default: 3 into a wallet, 1 into files.
        #[arg(long)]
        copies: Option<usize>,
        /// The wallet to keep the copies in.
        #[arg(long, conflicts_with = "out", required_unless_present = "out")]
        vault: Option<PathBuf>,
        /// Where to write the credentials and holder keys instead (created if missing).
        #[arg(long)]
        out: Option<String>,
        #[command(flatten)]
        registry: RegistryArg,
    },
    /// Lists the wallet's cards, newest first.
    List {
        #[command(flatten)]
        vault: VaultArg,
        #[command(flatten)]
        registry: RegistryArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Shows one card's claims, labelled.
    Show {
        /// The card's id (from `list`).
        card: String,
        #[command(flatten)]
        vault: VaultArg,
        #[command(flatten)]
        registry: RegistryArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Answers a checkpoint's request: prints what would be shared, and shares it only
    /// with --yes (exit code 3 without).
    Present {
        /// The request: an `openid4vp://` link or an offline `SG1R:` QR text.
        #[arg(required_unless_present = "image")]
        request: Option<String>,
        /// A photo or screenshot of the request's QR code instead.
        #[arg(long, conflicts_with = "request")]
        image: Option<String>,
        #[command(flatten)]
        vault: VaultArg,
        /// Answer as a presentation QR (printed, and drawn with --png) instead of
        /// posting it; an offline request is always answered so.
        #[arg(long)]
        offline: bool,
        /// Write the presentation QR as a PNG here.
        #[arg(long, requires = "offline")]
        png: Option<String>,
        /// Also share the optional sets of claims the wallet can meet.
        #[arg(long)]
        optional: bool,
        /// Consent: share what is listed.
        #[arg(long, conflicts_with = "decline")]
        yes: bool,
        /// Refuse: tell the verifier the holder declined (`access_denied`).
        #[arg(long)]
        decline: bool,
    },
    /// Prints the history: every receipt, presentation and refusal, oldest first.
    History {
        #[command(flatten)]
        vault: VaultArg,
        /// Print the JSON export.
        #[arg(long)]
        json: bool,
    },
    /// Writes the wallet as a passphrase-encrypted backup (a JWE; the passphrase from
    /// SIGILLUM_BACKUP_PASSPHRASE or the line after the PIN).
    Export {
        #[command(flatten)]
        vault: VaultArg,
        /// The backup file to write (owner-only).
        #[arg(long)]
        out: String,
        /// Leave the holder keys out: the restored cards must be issued again.
        #[arg(long)]
        without_keys: bool,
    },
    /// Restores a backup into a new wallet folder under a new PIN.
    Import {
        /// The backup file.
        backup: String,
        #[command(flatten)]
        vault: VaultArg,
    },
}

/// Binds, starts and serves until Ctrl-C.
fn serve(config: &Path) -> Result<ExitCode, CliError> {
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

/// The offer link itself, or the text of the QR code in the image file it names.
fn offer_text(offer: &str) -> Result<String, CliError> {
    let path = Path::new(offer);
    if offer.contains("://") || !path.is_file() {
        return Ok(offer.to_owned());
    }
    let bytes = files::read(offer)?;
    if !crate::cmd_qr::is_image(&bytes) {
        return Err(CliError(format!(
            "{offer} is neither an offer link nor a PNG or JPEG photo of its QR code"
        )));
    }
    sigillum_credential::qr::scan_image(&bytes)
        .map_err(|e| CliError(format!("{offer}: {e} [{}]", e.code())))
}

/// Writes each copy as `<n>.cred` and its holder key as `<n>.holder.jwk` (owner-only).
fn receive_into_files(received: &[Received], out: &str) -> Result<ExitCode, CliError> {
    std::fs::create_dir_all(out).map_err(|e| CliError(format!("{out}: {e}")))?;
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

/// Keeps the copies in the wallet and, with a registry, checks what was received:
/// a card that does not verify is kept, with a warning (exit code 1).
fn receive_into_vault(
    received: &[Received],
    opened: &sigillum_wallet::vault::Vault,
    dir: &Path,
    registry: Option<&RegistryArgs<'_>>,
) -> Result<ExitCode, CliError> {
    let group = receive::keep(opened, received, SystemClock.now())
        .map_err(|e| CliError(format!("{}: {e} [{}]", dir.display(), e.code())))?;
    let (card, copy) = sigillum_wallet::cards::card(opened, &group)
        .map_err(|e| CliError(format!("{}: {e} [{}]", dir.display(), e.code())))?
        .ok_or_else(|| CliError::from("the card just kept cannot be read back"))?;
    let standing = match registry {
        Some(registry) => vault::standings(registry, &[&copy])?.pop(),
        None => None,
    };
    if let Some(standing) = standing.as_ref().filter(|s| **s != Standing::Valid) {
        eprintln!(
            "warning: this {} does not check out on the registry: {}",
            card.type_name,
            standing.sentence()
        );
    }
    crate::say!(
        "{}",
        json!({
            "card": group,
            "type": card.type_name,
            "issuer": card.issuer,
            "copies": card.copies,
            "standing": standing.as_ref().map(Standing::badge),
        })
    );
    Ok(match standing {
        Some(Standing::Valid) | None => ExitCode::SUCCESS,
        Some(_) => ExitCode::from(1),
    })
}

pub fn run(command: WalletCommand) -> Result<ExitCode, CliError> {
    match command {
        WalletCommand::Serve { config } => serve(&config),
        WalletCommand::Init { vault } => vault::init(&vault.vault),
        WalletCommand::Receive {
            offer,
            pin,
            copies,
            vault,
            out,
            registry,
        } => {
            let copies = copies.unwrap_or(if vault.is_some() { 3 } else { 1 });
            // Unlock first: a wrong PIN costs no offer (its code is single-use).
            let opened = match &vault {
                Some(dir) => Some(vault::open(dir)?),
                None => None,
            };
            let offer = offer_text(&offer)?;
            let runtime = tokio::runtime::Runtime::new()?;
            let received = runtime
                .block_on(Receiver::new().receive(
                    &offer,
                    pin.as_deref(),
                    copies,
                    SystemClock.now(),
                ))
                .map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
            match (&opened, &vault, &out) {
                (Some(opened), Some(dir), _) => {
                    receive_into_vault(&received, opened, dir, registry.get().as_ref())
                }
                (_, _, Some(out)) => receive_into_files(&received, out),
                _ => Err(CliError::from("give --vault DIR or --out DIR")),
            }
        }
        WalletCommand::List {
            vault,
            registry,
            json,
        } => vault::list(&vault.vault, registry.get().as_ref(), json),
        WalletCommand::Show {
            card,
            vault,
            registry,
            json,
        } => vault::show(&vault.vault, &card, registry.get().as_ref(), json),
        WalletCommand::Present {
            request,
            image,
            vault,
            offline,
            png,
            optional,
            yes,
            decline,
        } => present::run(&present::PresentArgs {
            vault: &vault.vault,
            request: request.as_deref(),
            image: image.as_deref(),
            offline,
            optional,
            yes,
            decline,
            png: png.as_deref(),
        }),
        WalletCommand::History { vault, json } => vault::history(&vault.vault, json),
        WalletCommand::Export {
            vault,
            out,
            without_keys,
        } => vault::export(&vault.vault, &out, without_keys),
        WalletCommand::Import { backup, vault } => vault::import(&backup, &vault.vault),
    }
}
