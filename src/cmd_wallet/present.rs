//! `sigillum wallet present`: answer a checkpoint's request from the vault — a
//! request link, an offline `SG1R:` request, or a photo of either's QR code. The
//! consent screen is printed (who asks, what each card would show) and nothing
//! leaves the wallet without `--yes`; then the answer goes by `direct_post`
//! (OpenID4VP 1.0 §8.2) or, with `--offline` (or for an offline request), as a
//! presentation QR.

use std::path::Path;
use std::process::ExitCode;

use serde_json::json;
use sigillum_credential::qr;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_wallet::present::{
    Plan, PresentError, Presenter, ScannedRequest, offline_qr, plan, read_request, respond,
};

use super::vault::open;
use crate::{CliError, files};

/// What the holder tells a verifier when declining.
const DECLINED: &str = "The holder declined to share.";

/// Exit code when the citizen has not consented (`--yes` missing): nothing was sent.
const NOT_CONSENTED: u8 = 3;

/// How to answer.
pub struct PresentArgs<'a> {
    pub vault: &'a Path,
    /// The request text (link or `SG1R:`), or `None` with `image`.
    pub request: Option<&'a str>,
    /// A photo or screenshot of the request's QR code.
    pub image: Option<&'a str>,
    /// Answer as a QR code instead of posting.
    pub offline: bool,
    /// Also answer the optional credential sets the holder can meet.
    pub optional: bool,
    /// The consent.
    pub yes: bool,
    /// Decline instead (`access_denied`).
    pub decline: bool,
    /// Where to write the presentation QR as a PNG.
    pub png: Option<&'a str>,
}

fn failed(e: &PresentError) -> CliError {
    CliError(format!("{e} [{}]", e.code()))
}

/// The consent screen, on standard error.
fn print_consent(plan: &Plan) {
    eprintln!("{} asks for:", plan.verifier);
    for query in &plan.queries {
        let answered = plan.answered().any(|q| q.id == query.id);
        eprintln!(
            "  {} ({})",
            query.wanted,
            if answered {
                "will be shared"
            } else {
                "not shared"
            }
        );
        for candidate in query
            .candidates
            .iter()
            .filter(|c| query.chosen.contains(&c.group))
        {
            eprintln!(
                "    from your {} (card {}, issued by {}):",
                candidate.credential_type, candidate.group, candidate.issuer_url
            );
            for claim in &candidate.share {
                eprintln!("      - {}", claim.label);
            }
            for claim in candidate
                .also_shown
                .iter()
                .filter(|c| !candidate.share.contains(c))
            {
                eprintln!("      - {} (always shown with this card)", claim.label);
            }
            if candidate.proves_possession {
                eprintln!("      - proof that the card is yours (a signature with its key)");
            }
        }
        for unavailable in &query.unavailable {
            eprintln!(
                "    your {} cannot be used: {}",
                unavailable.credential_type, unavailable.reason
            );
        }
    }
}

/// Ticks every optional set the wallet can meet (`--optional`).
fn choose_optional(plan: &mut Plan) -> Result<(), CliError> {
    for i in 0..plan.sets.len() {
        if plan.sets[i].required {
            continue;
        }
        let option = plan.sets[i].options.iter().position(|o| o.available);
        plan.choose_option(i, option).map_err(|e| failed(&e))?;
    }
    Ok(())
}

pub fn run(args: &PresentArgs<'_>) -> Result<ExitCode, CliError> {
    let text = match (args.request, args.image) {
        (Some(text), None) => text.to_owned(),
        (None, Some(path)) => qr::scan_image(&files::read(path)?)
            .map_err(|e| CliError(format!("{path}: {e} [{}]", e.code())))?,
        _ => {
            return Err(CliError::from(
                "give the request (a link or SG1R: text) or --image FILE",
            ));
        }
    };
    let vault = open(args.vault)?;
    let presenter = Presenter::new();
    let runtime = tokio::runtime::Runtime::new()?;
    let (request, offline_request) = match read_request(&text).map_err(|e| failed(&e))? {
        ScannedRequest::Online(link) => (
            runtime
                .block_on(presenter.fetch_link(&link))
                .map_err(|e| failed(&e))?,
            false,
        ),
        ScannedRequest::Offline(request) => (*request, true),
        _ => return Err(CliError::from("this kind of request is not supported here")),
    };
    let now = SystemClock.now();
    let mut made = plan(&request, &vault, now).map_err(|e| failed(&e))?;
    if args.optional {
        choose_optional(&mut made)?;
    }
    print_consent(&made);
    if args.decline {
        if !offline_request {
            runtime
                .block_on(presenter.decline(&request, DECLINED, &vault, now))
                .map_err(|e| failed(&e))?;
        }
        crate::say!("{}", json!({"verifier": made.verifier, "declined": true}));
        return Ok(ExitCode::SUCCESS);
    }
    made.ready().map_err(|e| failed(&e))?;
    if !args.yes {
        eprintln!(
            "Nothing was shared: run again with --yes to share what is listed above, or with \
             --decline to refuse. [consent_required]"
        );
        return Ok(ExitCode::from(NOT_CONSENTED));
    }
    let response = respond(&request, &made, &vault, now).map_err(|e| failed(&e))?;
    let shared = made.shared_labels();
    if args.offline || offline_request {
        let text = offline_qr(&response).map_err(|e| failed(&e))?;
        let version = qr::qr_version(&text).map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
        if let Some(path) = args.png {
            let png =
                qr::render_png(&text, 4).map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
            files::write(path, &png, false)?;
        } else if std::io::IsTerminal::is_terminal(&std::io::stderr())
            && let Ok(drawn) = qr::render_terminal(&text)
        {
            eprintln!("{drawn}");
        }
        crate::say!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "verifier": made.verifier,
                "shared": shared,
                "qr": text,
                "qr_version": version,
                "png": args.png,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let redirect = runtime
        .block_on(presenter.send(&request, &response))
        .map_err(|e| failed(&e))?;
    crate::say!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "verifier": made.verifier,
            "shared": shared,
            "delivered": true,
            "redirect_uri": redirect,
        }))?
    );
    Ok(ExitCode::SUCCESS)
}
