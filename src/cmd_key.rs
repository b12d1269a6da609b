//! `sigillum key generate`.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use serde_json::json;
use sigillum_credential::did;
use sigillum_credential::key::{Alg, SigningKey};

use crate::{CliError, files};

/// The algorithms a key can be generated for.
#[derive(Clone, Copy, ValueEnum)]
pub enum AlgArg {
    /// ECDSA P-256 (the default in HAIP).
    #[value(name = "ES256")]
    Es256,
    /// Ed25519.
    #[value(name = "EdDSA")]
    EdDsa,
}

impl From<AlgArg> for Alg {
    fn from(a: AlgArg) -> Alg {
        match a {
            AlgArg::Es256 => Alg::Es256,
            AlgArg::EdDsa => Alg::EdDsa,
        }
    }
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate a private key as a JWK; print its public JWK, did:key and did:jwk.
    Generate {
        /// The signature algorithm.
        #[arg(long, value_enum, default_value = "ES256")]
        alg: AlgArg,
        /// Write the private JWK here (owner-only permissions) instead of standard output.
        #[arg(long)]
        out: Option<String>,
    },
}

pub fn run(command: KeyCommand) -> Result<ExitCode, CliError> {
    match command {
        KeyCommand::Generate { alg, out } => {
            let key = SigningKey::generate(alg.into());
            let public = key.public_key();
            let summary = json!({
                "public_jwk": public.to_jwk(),
                "did_key": did::key::did_for(&public).to_string(),
                "did_jwk": did::jwk::did_for(&public).to_string(),
                "thumbprint": public.to_jwk().thumbprint(),
            });
            let private = serde_json::to_string_pretty(&key.to_private_jwk())?;
            match out {
                Some(path) => {
                    files::write(&path, format!("{private}\n").as_bytes(), true)?;
                    crate::say!("{}", serde_json::to_string_pretty(&summary)?);
                    eprintln!("private key written to {path} (keep it secret)");
                }
                None => crate::say!("{private}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
