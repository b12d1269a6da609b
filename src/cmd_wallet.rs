//! `sigillum wallet …`: the wallet's steps from the command line (the encrypted
//! vault and the web wallet come with the wallet service).

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_wallet::receive::Receiver;

use crate::{CliError, files};

#[derive(Subcommand)]
pub enum WalletCommand {
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

pub fn run(command: WalletCommand) -> Result<ExitCode, CliError> {
    match command {
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
