//! `sigillum verify`: verify any conforming SD-JWT VC or VC-JWT, print every check.

use std::process::ExitCode;

use clap::Args;
use sigillum_credential::qr;
use sigillum_credential::time::{FixedClock, SystemClock, Timestamp};
use sigillum_credential::verify::{IssuerKey, Report, VerifyInput, VerifyPolicy, verify};

use sigillum_credential::ledger::bundle::verify_bundle;
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_verifier::check::{LedgerPolicy, verify_with_ledger};
use sigillum_verifier::profile::Profile;
use sigillum_verifier::source::{Offline, Online, ReqwestGet};

use crate::{CliError, files};

#[derive(Args)]
pub struct VerifyArgs {
    /// The credential or presentation (`-` for standard input).
    file: String,
    /// The issuer's public JWK; without it the key is resolved from the token's
    /// `kid`/issuer (did:key, did:jwk).
    #[arg(long)]
    issuer_jwk: Option<String>,
    /// The nonce the verifier gave the holder (checked against the KB-JWT).
    #[arg(long)]
    nonce: Option<String>,
    /// The verifier's identifier (checked against the KB-JWT `aud`).
    #[arg(long)]
    aud: Option<String>,
    /// A signed status list to check the credential's status entry against.
    #[arg(long)]
    status_list: Option<String>,
    /// Fail when the credential has a status entry and no list is given.
    #[arg(long)]
    require_status: bool,
    /// Require key binding even for credentials without `cnf`.
    #[arg(long)]
    require_key_binding: bool,
    /// Verify as of this Unix time instead of now.
    #[arg(long)]
    now: Option<i64>,
    /// Verify against this registry node: the issuer's key valid at issuance,
    /// its accreditation, and the status lists, each read with its proofs.
    #[arg(long, conflicts_with_all = ["bundle", "issuer_jwk", "status_list"])]
    registry: Option<String>,
    /// Verify offline against this bundle (`sigillum verifier bundle fetch`).
    #[arg(long, conflicts_with_all = ["issuer_jwk", "status_list"])]
    bundle: Option<String>,
    /// The consortium's genesis file, whose keys every registry answer and bundle
    /// must carry.
    #[arg(long, default_value = "registry/genesis.json")]
    genesis: String,
    /// With --registry: fail when the registry cannot answer (a border), rather than
    /// report the ledger checks as not run.
    #[arg(long)]
    fail_closed: bool,
    /// A checkpoint profile: `border`, `bank_kyc`, `business_check`, or a profile
    /// file (see specs/profiles/README.md). It sets the required claims, predicates,
    /// staleness and leeway, and whether an unreachable registry fails the check.
    #[arg(long)]
    profile: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn load_profile(name: &str) -> Result<Profile, CliError> {
    let found = if std::path::Path::new(name).is_file() {
        Profile::load(std::path::Path::new(name))
    } else {
        Profile::builtin(name)
    };
    found.map_err(|e| CliError(format!("--profile {name}: {e} [{}]", e.code())))
}

pub fn run(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let presented = presented_text(&args.file)?;
    let issuer_key = match &args.issuer_jwk {
        Some(path) => IssuerKey::Given(files::public_key(path)?),
        None => IssuerKey::ResolveLocal,
    };
    let status_list = args
        .status_list
        .as_deref()
        .map(files::read_text)
        .transpose()?;
    let fixed = args.now.map(|t| FixedClock(Timestamp::from_unix(t)));
    let clock: &dyn sigillum_credential::time::Clock = match &fixed {
        Some(c) => c,
        None => &SystemClock,
    };
    let profile = args.profile.as_deref().map(load_profile).transpose()?;
    let policy = match &profile {
        Some(p) => p.verify_policy(args.nonce.clone(), args.aud.clone()),
        None => VerifyPolicy {
            nonce: args.nonce.clone(),
            aud: args.aud.clone(),
            require_status: args.require_status,
            require_key_binding: args.require_key_binding,
            ..VerifyPolicy::default()
        },
    };
    let report = match (&args.registry, &args.bundle) {
        (None, None) => {
            let lists = status_list.as_deref();
            let input = VerifyInput {
                presented: &presented,
                issuer_key,
                status_lists: lists.as_slice(),
                status_list_keys: &[],
                list_cache: None,
                clock,
            };
            verify(&input, &policy)?
        }
        (registry, bundle) => {
            let pin =
                crate::cmd_registry::policy(&crate::cmd_registry::read_genesis(&args.genesis)?)?;
            let ledger_policy = LedgerPolicy {
                verify: policy,
                fail_closed: args.fail_closed
                    || bundle.is_some()
                    || profile.as_ref().is_some_and(|p| p.fail_closed),
            };
            let runtime = tokio::runtime::Runtime::new()?;
            match (registry, bundle) {
                (Some(url), _) => {
                    let client = RegistryClient::new(
                        url.clone(),
                        ReqwestGet::default(),
                        pin,
                        CheckpointTracker::new(),
                    );
                    let online = Online::new(url.clone(), client);
                    runtime.block_on(verify_with_ledger(
                        &presented,
                        &online,
                        &ledger_policy,
                        clock,
                        None,
                    ))?
                }
                (None, Some(path)) => {
                    let bytes = files::read(path)?;
                    let bundle = verify_bundle(&bytes, &pin)
                        .map_err(|e| CliError(format!("{path}: {e} [{}]", e.code())))?;
                    let offline = Offline::new(bundle);
                    runtime.block_on(verify_with_ledger(
                        &presented,
                        &offline,
                        &ledger_policy,
                        clock,
                        None,
                    ))?
                }
                (None, None) => unreachable_pair()?,
            }
        }
    };
    let report = match &profile {
        Some(p) => p.apply(report, clock.now()),
        None => report,
    };
    if args.json {
        crate::say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn unreachable_pair() -> Result<Report, CliError> {
    Err(CliError::from("give --registry or --bundle"))
}

/// The presentation, whether given as itself, as QR text (`SG1P:…`) or as a QR image.
fn presented_text(path: &str) -> Result<String, CliError> {
    let bytes = files::read(path)?;
    let text = if crate::cmd_qr::is_image(&bytes) {
        qr::scan_image(&bytes).map_err(|e| CliError(format!("{path}: {e} [{}]", e.code())))?
    } else {
        String::from_utf8(bytes)
            .map_err(|_| CliError(format!("{path} is neither text nor a PNG/JPEG image")))?
    };
    let text = text.trim();
    if qr::known_prefix(text).is_some() {
        let (_, payload) =
            qr::decode(text).map_err(|e| CliError(format!("{path}: {e} [{}]", e.code())))?;
        return String::from_utf8(payload)
            .map_err(|_| CliError(format!("{path}: the QR payload is not UTF-8 text")));
    }
    Ok(text.to_owned())
}

fn print_human(report: &Report) {
    crate::say!("{}", if report.valid { "VALID" } else { "INVALID" });
    if let Some(t) = &report.credential_type {
        crate::say!("  type:   {t}");
    }
    if let Some(i) = &report.issuer {
        crate::say!("  issuer: {i}");
    }
    for check in &report.checks {
        let mark = match (check.ok, check.skipped) {
            (_, true) => "skip",
            (true, false) => " ok ",
            (false, false) => "FAIL",
        };
        let code = check.code.map(|c| format!(" [{c}]")).unwrap_or_default();
        crate::say!("  [{mark}] {:<17} {}{code}", check.name, check.message);
    }
    if !report.claims.is_empty() {
        crate::say!("  claims:");
        for (name, value) in &report.claims {
            if name != "cnf" {
                crate::say!("    {name}: {value}");
            }
        }
    }
}
