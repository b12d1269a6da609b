//! `sigillum wallet init|list|show|history|export|import`: one citizen's vault in
//! a folder, for scripted use. The PIN (and a backup's passphrase) never go on the
//! command line, where other users could read them: each comes from its
//! environment variable or, failing that, from one line of standard input, in the
//! order the command needs them (the PIN first).

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::time::{Clock, SystemClock, Timestamp};
use sigillum_verifier::source::{Online, ReqwestGet};
use sigillum_wallet::backup::{self, BackupOptions};
use sigillum_wallet::cards::{Card, card, cards};
use sigillum_wallet::standing::{self, Standing};
use sigillum_wallet::vault::{StoredCredential, Vault, VaultConfig};
use zeroize::Zeroizing;

use crate::{CliError, files};

/// Where the PIN is read from before standard input is tried.
pub const PIN_ENV: &str = "SIGILLUM_WALLET_PIN";
/// Where a backup's passphrase is read from before standard input is tried.
pub const PASSPHRASE_ENV: &str = "SIGILLUM_BACKUP_PASSPHRASE";

/// Longest secret line read from standard input.
const MAX_SECRET_LINE: u64 = 1024;

/// Reads a secret: `env` when set, else one line of standard input (prompting
/// with `what` when it is a terminal).
pub fn secret(env: &str, what: &str) -> Result<Zeroizing<String>, CliError> {
    if let Ok(value) = std::env::var(env) {
        return Ok(Zeroizing::new(value));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{what}: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = Zeroizing::new(String::new());
    let read = stdin
        .lock()
        .take(MAX_SECRET_LINE)
        .read_line(&mut line)
        .map_err(|e| CliError(format!("cannot read the {what} from standard input: {e}")))?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if read == 0 || trimmed.is_empty() {
        return Err(CliError(format!(
            "no {what}: set {env} or give it as a line on standard input"
        )));
    }
    Ok(trimmed)
}

/// The vault's error as the CLI prints it: the sentence and the stable code.
fn vault_error(dir: &Path, e: &sigillum_wallet::vault::VaultError) -> CliError {
    CliError(format!("{}: {e} [{}]", dir.display(), e.code()))
}

/// Opens the vault in `dir` with the PIN (wrong PINs are counted and lock it out,
/// as on the web).
pub fn open(dir: &Path) -> Result<Vault, CliError> {
    if !dir.is_dir() {
        return Err(CliError(format!(
            "{}: no wallet here; create one with `sigillum wallet init --vault {}`",
            dir.display(),
            dir.display()
        )));
    }
    let pin = secret(PIN_ENV, "PIN")?;
    Vault::open(dir, &pin, &VaultConfig::default(), SystemClock.now().unix())
        .map_err(|e| vault_error(dir, &e))
}

/// `sigillum wallet init`: a new, empty vault under a new PIN.
pub fn init(dir: &Path) -> Result<ExitCode, CliError> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| CliError(format!("{}: {e}", dir.display())))?
            .next()
            .is_some()
    {
        return Err(CliError(format!(
            "{}: the folder is not empty; a new wallet needs an empty or new folder",
            dir.display()
        )));
    }
    let pin = secret(PIN_ENV, "new PIN")?;
    let config = VaultConfig::default();
    Vault::create(dir, &pin, &config).map_err(|e| {
        // Best effort: the folder was empty or absent, so what is in it is ours.
        let _ = std::fs::remove_dir_all(dir);
        vault_error(dir, &e)
    })?;
    crate::say!("{}", json!({"vault": dir, "created": true}));
    Ok(ExitCode::SUCCESS)
}

/// A registry to check standing on: its URL and the consortium's genesis file.
pub struct RegistryArgs<'a> {
    pub url: &'a str,
    pub genesis: &'a str,
}

/// Checks each copy's standing on the registry, in order.
pub fn standings(
    registry: &RegistryArgs<'_>,
    copies: &[&StoredCredential],
) -> Result<Vec<Standing>, CliError> {
    let pin = crate::cmd_registry::policy(&crate::cmd_registry::read_genesis(registry.genesis)?)?;
    let client = RegistryClient::new(
        registry.url.to_owned(),
        ReqwestGet::default(),
        pin,
        CheckpointTracker::new(),
    );
    let online = Online::new(registry.url.to_owned(), client);
    let runtime = tokio::runtime::Runtime::new()?;
    Ok(runtime.block_on(async {
        let mut out = Vec::with_capacity(copies.len());
        for copy in copies {
            out.push(standing::check(copy, &online, &SystemClock).await);
        }
        out
    }))
}

fn when(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, |t| Value::String(t.to_rfc3339()))
}

/// A card as JSON; its claims only when `claims`.
fn card_json(card: &Card, standing: Option<&Standing>, claims: bool) -> Value {
    let mut out = json!({
        "card": card.group,
        "type": card.type_name,
        "type_id": card.type_id,
        "issuer": card.issuer,
        "issuer_url": card.issuer_url,
        "valid_from": when(card.valid_from),
        "valid_until": when(card.valid_until),
        "received_at": Timestamp::from_unix(card.received_at).to_rfc3339(),
        "copies": card.copies,
        "copies_left": card.copies_left,
        "holder_key_missing": card.holder_key_missing,
    });
    if let Some(standing) = standing {
        out["standing"] = json!({"badge": standing.badge(), "sentence": standing.sentence()});
    }
    if claims {
        out["claims"] = card
            .claims
            .iter()
            .map(|c| json!({"name": c.name, "label": c.label, "value": c.value}))
            .collect();
    }
    out
}

fn card_line(card: &Card, standing: Option<&Standing>) -> String {
    let until = card.valid_until.map_or_else(
        || "no expiry".to_owned(),
        |t| format!("until {}", t.to_rfc3339()),
    );
    let badge = standing.map_or("not checked", Standing::badge);
    format!(
        "{}  {}  from {}  {}  {}/{} copies left  [{badge}]",
        card.group, card.type_name, card.issuer_url, until, card.copies_left, card.copies
    )
}

/// `sigillum wallet list`: every card, newest first.
pub fn list(
    dir: &Path,
    registry: Option<&RegistryArgs<'_>>,
    json: bool,
) -> Result<ExitCode, CliError> {
    let vault = open(dir)?;
    let held = cards(&vault).map_err(|e| vault_error(dir, &e))?;
    let standings = match registry {
        Some(registry) => {
            let copies: Vec<&StoredCredential> = held.iter().map(|(_, copy)| copy).collect();
            Some(standings(registry, &copies)?)
        }
        None => None,
    };
    let standing = |i: usize| standings.as_ref().and_then(|s| s.get(i));
    if json {
        let all: Vec<Value> = held
            .iter()
            .enumerate()
            .map(|(i, (card, _))| card_json(card, standing(i), false))
            .collect();
        crate::say!("{}", serde_json::to_string_pretty(&all)?);
    } else if held.is_empty() {
        crate::say!("No cards yet: add one with `sigillum wallet receive <offer> --vault …`.");
    } else {
        for (i, (card, _)) in held.iter().enumerate() {
            crate::say!("{}", card_line(card, standing(i)));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `sigillum wallet show`: one card's claims in plain language.
pub fn show(
    dir: &Path,
    group: &str,
    registry: Option<&RegistryArgs<'_>>,
    json: bool,
) -> Result<ExitCode, CliError> {
    let vault = open(dir)?;
    let Some((card, copy)) = card(&vault, group).map_err(|e| vault_error(dir, &e))? else {
        return Err(CliError(format!(
            "no card {group} in this wallet (`sigillum wallet list` shows their ids) [card_unknown]"
        )));
    };
    let standing = match registry {
        Some(registry) => standings(registry, &[&copy])?.pop(),
        None => None,
    };
    if json {
        crate::say!(
            "{}",
            serde_json::to_string_pretty(&card_json(&card, standing.as_ref(), true))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    crate::say!("{}", card_line(&card, standing.as_ref()));
    if let Some(standing) = &standing {
        crate::say!("{}", standing.sentence());
    }
    crate::say!("issued by {}", card.issuer);
    let width = card
        .claims
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(0);
    for claim in &card.claims {
        crate::say!("  {:width$}  {}", claim.label, claim.value);
    }
    Ok(ExitCode::SUCCESS)
}

/// `sigillum wallet history`: every receipt, presentation and refusal, oldest first.
pub fn history(dir: &Path, json: bool) -> Result<ExitCode, CliError> {
    let vault = open(dir)?;
    let entries = vault.history().map_err(|e| vault_error(dir, &e))?;
    if json {
        let name = dir.display().to_string();
        crate::say!(
            "{}",
            serde_json::to_string_pretty(&sigillum_wallet::history::export(&name, &entries))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        crate::say!("Nothing yet.");
    }
    for entry in &entries {
        let shared = if entry.shared.is_empty() {
            "nothing".to_owned()
        } else {
            entry.shared.join(", ")
        };
        crate::say!(
            "{}  {:8}  {}  card {}  asked for: {}  shared: {shared}",
            Timestamp::from_unix(entry.time).to_rfc3339(),
            entry.what(),
            entry.counterparty,
            entry.group,
            if entry.requested.is_empty() {
                "-".to_owned()
            } else {
                entry.requested.join(", ")
            },
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `sigillum wallet export`: the vault as a passphrase-encrypted JWE file.
pub fn export(dir: &Path, out: &str, without_keys: bool) -> Result<ExitCode, CliError> {
    let vault = open(dir)?;
    let passphrase = secret(PASSPHRASE_ENV, "backup passphrase")?;
    let options = BackupOptions {
        include_holder_keys: !without_keys,
        ..BackupOptions::default()
    };
    let jwe = backup::export(&vault, &passphrase, &options, SystemClock.now().unix())
        .map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
    files::write(out, jwe.as_bytes(), true)?;
    crate::say!(
        "{}",
        json!({"backup": out, "holder_keys_included": !without_keys, "bytes": jwe.len()})
    );
    Ok(ExitCode::SUCCESS)
}

/// `sigillum wallet import`: a backup restored into a new vault under a new PIN.
pub fn import(file: &str, dir: &PathBuf) -> Result<ExitCode, CliError> {
    let jwe = String::from_utf8(files::read(file)?)
        .map_err(|_| CliError(format!("{file} is not a wallet backup (not text)")))?;
    let pin = secret(PIN_ENV, "new PIN")?;
    let passphrase = secret(PASSPHRASE_ENV, "backup passphrase")?;
    let (_, restored) = backup::restore(
        jwe.trim(),
        &passphrase,
        dir,
        &pin,
        &VaultConfig::default(),
        SystemClock.now().unix(),
    )
    .map_err(|e| CliError(format!("{file}: {e} [{}]", e.code())))?;
    crate::say!(
        "{}",
        json!({
            "vault": dir,
            "credentials": restored.credentials,
            "history": restored.history,
            "holder_keys_included": restored.holder_keys_included,
            "without_holder_key": restored.without_holder_key,
            "backup_made": Timestamp::from_unix(restored.created_at).to_rfc3339(),
        })
    );
    Ok(ExitCode::SUCCESS)
}
