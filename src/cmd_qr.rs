//! `sigillum qr encode|decode` (filled in when the QR codec lands).

use std::process::ExitCode;

use clap::Subcommand;

use crate::CliError;

#[derive(Subcommand)]
pub enum QrCommand {}

pub fn run(command: QrCommand) -> Result<ExitCode, CliError> {
    match command {}
}
