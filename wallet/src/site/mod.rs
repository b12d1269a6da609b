//! The web wallet (`sigillum wallet serve`, issue #6 item 2): many citizens' vaults
//! behind one service, as server-rendered pages for a phone — no JavaScript, nothing
//! loaded from elsewhere (QR codes are inline SVG, the style sheet inline CSS).
//!
//! ```text
//!  GET  /                       → /cards when unlocked, else /unlock
//!  GET  /signup  POST /signup   a name and a PIN → a new vault → unlocked
//!  GET  /unlock  POST /unlock   name + PIN (wrong PINs counted, lockout) → unlocked
//!  GET  /restore POST /restore  a backup file + its passphrase + a new name and PIN
//!  POST /logout                 closes the session
//!  GET  /cards                  the cards, each with its standing badge
//!  GET  /cards/{group}          one card: its claims in plain language
//!  GET  /add     POST /add      an offer link or a photo of its QR, and the PIN → a card
//!  GET  /present POST /present  a request link or a photo of its QR → the consent screen
//!  GET  /present/consent        who asks, what exactly, what is optional
//!  POST /present/share          direct_post to the verifier → the answer
//!  POST /present/qr             the presentation as a full-screen QR (offline)
//!  POST /present/decline        access_denied to the verifier
//!  GET  /history                every receipt and presentation;  GET /history.json
//!  GET  /backup  POST /backup   the vault as a passphrase-encrypted JWE file
//!  GET  /healthz, /metrics       liveness; requests by route and latency (Prometheus text)
//! ```
//!
//! The session cookie (`HttpOnly; SameSite=Strict`, `Secure` behind https) names an
//! unlocked vault held in memory until logout or the idle timeout; every POST also
//! carries the session's CSRF token and must come from our own origin. A session
//! reaches exactly one vault, so one citizen cannot reach another's cards.

mod access;
mod accounts;
mod backup;
mod cards;
mod form;
mod history;
mod present;
mod session;
mod style;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler as _;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::seal::KdfParams;
use sigillum_credential::time::Clock;
use sigillum_verifier::cache::Cached;
use sigillum_verifier::config::ConsortiumConfig;
use sigillum_verifier::source::{LedgerSource, Online, ReqwestGet};
use sigillum_web::attempts::{AttemptLimit, Attempts, Refusal};
use sigillum_web::html::Html;
use sigillum_web::page::{notice, page};

pub use accounts::AccountError;

use crate::present::Presenter;
use crate::receive::Receiver;
use crate::vault::VaultConfig;
use accounts::Accounts;
use session::Sessions;

/// Largest request body: a phone photo of a QR code, or a backup file.
const MAX_BODY: usize = 12 * 1024 * 1024;

/// The web wallet's settings (a JSON file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Where to listen (`127.0.0.1:8430`; port 0 picks one).
    pub listen: String,
    /// The base URL phones reach the wallet at; empty means `http://<listen address>`.
    #[serde(default)]
    pub public_url: String,
    /// Where the citizens' vaults are kept (one sled folder each, sealed under
    /// their PIN).
    pub data_dir: PathBuf,
    /// A registry node, to check each card's standing (issuer, accreditation,
    /// status); without it, cards show "not checked".
    #[serde(default)]
    pub registry: Option<String>,
    /// The consortium's checkpoint keys (needed with `registry`).
    #[serde(default)]
    pub consortium: Option<ConsortiumConfig>,
    /// Minutes of inactivity after which a session closes and its vault is locked.
    #[serde(default = "default_idle_minutes")]
    pub session_idle_minutes: u64,
    /// How many copies of each credential to ask an issuer for (one is shown per
    /// presentation, so verifiers cannot link them); the issuer may give fewer.
    #[serde(default = "default_copies")]
    pub copies: usize,
    /// The PIN's Argon2id cost; OWASP's recommendation when absent.
    #[serde(default)]
    pub pin_kdf: Option<KdfParams>,
}

const fn default_idle_minutes() -> u64 {
    10
}

const fn default_copies() -> usize {
    3
}

impl SiteConfig {
    /// Reads a configuration file.
    ///
    /// # Errors
    /// A sentence naming the file and what is wrong with it.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let config: Self =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.check()?;
        Ok(config)
    }

    /// Checks what the types cannot say.
    ///
    /// # Errors
    /// A sentence saying which setting is wrong.
    pub fn check(&self) -> Result<(), String> {
        if self.registry.is_some() && self.consortium.is_none() {
            return Err("a registry needs the consortium's checkpoint keys (`consortium`)".into());
        }
        if !(1..=20).contains(&self.copies) {
            return Err(format!(
                "copies must be between 1 and 20, not {}",
                self.copies
            ));
        }
        if self.session_idle_minutes == 0 {
            return Err("session_idle_minutes must be at least 1".into());
        }
        Ok(())
    }
}

/// The running web wallet: the accounts, the open sessions and the HTTP clients.
pub struct Site {
    config: SiteConfig,
    public_url: String,
    accounts: Accounts,
    sessions: Sessions,
    receiver: Receiver,
    presenter: Presenter,
    ledger: Option<Box<dyn LedgerSource>>,
    clock: Arc<dyn Clock>,
}

impl Site {
    /// Opens the data folder and the registry client.
    ///
    /// # Errors
    /// A sentence: the folder cannot be made, or the consortium keys do not parse.
    pub fn start(
        config: SiteConfig,
        public_url: String,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, String> {
        config.check()?;
        let vault = VaultConfig {
            kdf: config.pin_kdf.unwrap_or(KdfParams::RECOMMENDED),
            ..VaultConfig::default()
        };
        let accounts = Accounts::open(&config.data_dir, vault)?;
        let ledger: Option<Box<dyn LedgerSource>> = match (&config.registry, &config.consortium) {
            (Some(url), Some(consortium)) => {
                let client = RegistryClient::new(
                    url.clone(),
                    ReqwestGet::default(),
                    consortium.policy()?,
                    CheckpointTracker::new(),
                );
                Some(Box::new(Cached::new(
                    Online::new(url.clone(), client),
                    Duration::from_secs(10),
                )))
            }
            _ => None,
        };
        let idle = Duration::from_secs(config.session_idle_minutes.saturating_mul(60));
        Ok(Arc::new(Site {
            public_url,
            accounts,
            sessions: Sessions::new(idle),
            receiver: Receiver::new(),
            presenter: Presenter::new(),
            ledger,
            clock,
            config,
        }))
    }

    /// The URL phones reach the wallet at.
    #[must_use]
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    fn secure(&self) -> bool {
        self.public_url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    }
}

/// The web wallet's routes.
pub fn router(site: Arc<Site>) -> Router {
    // Wrong PINs, per client address, across every account (each vault also locks itself).
    let pins = axum::middleware::from_fn_with_state(
        (
            Attempts::new(AttemptLimit::PIN),
            access::too_many_attempts as Refusal,
        ),
        sigillum_web::attempts::limit,
    );
    let routes = Router::new()
        .route("/", get(cards::home))
        .route("/signup", get(access::signup_page).post(access::signup))
        .route(
            "/unlock",
            get(access::unlock_page).post(access::unlock.layer(pins.clone())),
        )
        .route(
            "/restore",
            get(backup::restore_page).post(backup::restore.layer(pins)),
        )
        .route("/logout", post(access::logout))
        .route("/cards", get(cards::list))
        .route("/cards/{group}", get(cards::detail))
        .route("/add", get(cards::add_page).post(cards::add))
        .route("/present", get(present::start_page).post(present::start))
        .route("/present/consent", get(present::consent))
        .route("/present/share", post(present::share))
        .route("/present/qr", post(present::show_qr))
        .route("/present/decline", post(present::decline))
        .route("/history", get(history::page))
        .route("/history.json", get(history::export))
        .route("/backup", get(backup::backup_page).post(backup::backup))
        .route("/healthz", get(|| async { "ok" }));
    sigillum_web::metrics::instrument(routes, &sigillum_web::metrics::HttpMetrics::new("wallet"))
        .layer(axum::middleware::map_response(
            sigillum_web::page::security_headers,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(site)
}

/// Serves the web wallet on `listener` until `shutdown` completes.
///
/// # Errors
/// The listener's I/O errors.
pub async fn run(
    listener: tokio::net::TcpListener,
    site: Arc<Site>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    sigillum_web::serve::run(listener, router(site), shutdown).await
}

/// A whole page: the head (viewport, inline style), the wallet's name, the
/// navigation when unlocked, and `body` in `<main>`.
fn layout(
    title: &str,
    unlocked: Option<&session::Unlocked>,
    body: impl FnOnce(&mut Html),
) -> String {
    let mut h = Html::new();
    h.raw_static("<!doctype html>");
    h.tag("html").attr("lang", "en").body(|h| {
        h.tag("head").body(|h| {
            h.tag("meta").attr("charset", "utf-8").void();
            h.tag("meta")
                .attr("name", "viewport")
                .attr("content", "width=device-width, initial-scale=1")
                .void();
            h.tag("meta")
                .attr("name", "referrer")
                .attr("content", "same-origin")
                .void();
            h.tag("title").text(&format!("{title} · Sigillum wallet"));
            h.tag("style").body(|h| {
                h.raw_static(style::CSS);
            });
        });
        h.tag("body").body(|h| {
            h.tag("header").body(|h| {
                h.tag("a")
                    .attr("class", "brand")
                    .attr("href", "/")
                    .text("Sigillum wallet");
                if let Some(unlocked) = unlocked {
                    h.tag("nav").attr("aria-label", "Wallet").body(|h| {
                        h.tag("a").attr("href", "/cards").text("Cards");
                        h.tag("a").attr("href", "/present").text("Present");
                        h.tag("a").attr("href", "/history").text("History");
                        h.tag("a").attr("href", "/backup").text("Backup");
                        h.tag("form")
                            .attr("method", "post")
                            .attr("action", "/logout")
                            .body(|h| {
                                form::csrf_field(h, unlocked);
                                h.tag("button")
                                    .attr("type", "submit")
                                    .attr("class", "secondary")
                                    .text("Lock");
                            });
                    });
                }
            });
            h.tag("main").body(body);
        });
    });
    h.finish()
}

/// A page saying what went wrong: the stable code and the sentence.
fn problem(
    unlocked: Option<&session::Unlocked>,
    status: StatusCode,
    code: &str,
    sentence: &str,
) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let html = layout(title, unlocked, |h| {
        h.tag("h1").text(title);
        notice(h, false, code, sentence);
        h.tag("p").body(|h| {
            h.tag("a").attr("href", "/").text("Back to my cards");
        });
    });
    page(status, html)
}
