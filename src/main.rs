//! `sigillum`: the one binary. Without arguments it runs the whole product on its
//! embedded default (`up`: registry, three offices, wallet, checkpoint); each
//! service also runs alone (`registry|issuer|wallet|verifier serve`); and it is the
//! offline credential toolkit (keys, issuing, presenting, verifying, status lists,
//! QR payloads).
//!
//! Exit codes: 0 success / valid, 1 verified and invalid, 2 usage or input error.

mod cmd_credential;
mod cmd_issuer;
mod cmd_key;
mod cmd_qr;
mod cmd_registry;
mod cmd_status;
mod cmd_verifier;
mod cmd_verify;
mod cmd_wallet;
mod demo;
mod files;
mod logging;
mod up;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: verification and issuance allocate many small, short-lived values
/// (JSON, base64, disclosures); it is measurably cheaper than the system allocator
/// for that pattern (see `credential/benches/verify_sd_jwt_vc.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sigillum: verifiable credentials for governments.
#[derive(Parser)]
#[command(name = "sigillum", version, about, propagate_version = true)]
struct Cli {
    /// Without a command: `up` with its defaults.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run everything in one process: registry, three offices, wallet, checkpoint
    /// (what `sigillum` with no arguments does).
    Up(up::UpArgs),
    /// The story, narrated and checked step by step: issue, receive, border, revoke,
    /// refused, suspend and reinstate a permit, bank KYC, key rotation.
    Demo(demo::DemoArgs),
    /// Generate and inspect signing keys.
    #[command(subcommand)]
    Key(cmd_key::KeyCommand),
    /// Issue and present credentials offline.
    #[command(subcommand)]
    Credential(cmd_credential::CredentialCommand),
    /// Verify an SD-JWT VC (with or without key binding) or a VC-JWT.
    Verify(cmd_verify::VerifyArgs),
    /// Build, read and update signed status lists.
    #[command(subcommand, name = "status-list")]
    StatusList(cmd_status::StatusCommand),
    /// Encode payloads as QR codes and decode them back.
    #[command(subcommand)]
    Qr(cmd_qr::QrCommand),
    /// Run a registry node, submit operations, fetch and verify objects.
    #[command(subcommand)]
    Registry(cmd_registry::RegistryCommand),
    /// Run an issuing office (OpenID4VCI), add officers, rotate keys.
    #[command(subcommand)]
    Issuer(cmd_issuer::IssuerCommand),
    /// The checkpoint's tools: offline bundles.
    #[command(subcommand)]
    Verifier(cmd_verifier::VerifierCommand),
    /// Receive credentials into files, as a wallet does.
    #[command(subcommand)]
    Wallet(cmd_wallet::WalletCommand),
}

/// Prints a line to standard output; a closed pipe (`sigillum … | head`) ends the
/// output quietly instead of panicking.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// A failure to run a command (exit code 2), with a message for a person.
#[derive(Debug)]
pub struct CliError(String);

impl<T: std::fmt::Display> From<T> for CliError {
    fn from(message: T) -> Self {
        CliError(message.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Up(up::UpArgs::default()));
    logging::init(match command {
        Command::Up(_) | Command::Demo(_) => "warn",
        // openraft narrates every vote and replication stream at info.
        _ => "info,openraft=warn",
    });
    let result = match command {
        Command::Up(a) => up::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Key(c) => cmd_key::run(c),
        Command::Credential(c) => cmd_credential::run(c),
        Command::Verify(a) => cmd_verify::run(&a),
        Command::StatusList(c) => cmd_status::run(c),
        Command::Qr(c) => cmd_qr::run(c),
        Command::Registry(c) => cmd_registry::run(c),
        Command::Issuer(c) => cmd_issuer::run(c),
        Command::Wallet(c) => cmd_wallet::run(c),
        Command::Verifier(c) => cmd_verifier::run(c),
    };
    match result {
        Ok(code) => code,
        Err(CliError(message)) => {
            eprintln!("sigillum: {message}");
            ExitCode::from(2)
        }
    }
}
