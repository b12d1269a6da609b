//! The citizen's side of the demo: a wallet (a sealed vault in the demo's data
//! folder) that receives over OpenID4VCI, checks its cards on the registry, and
//! answers checkpoints over OpenID4VP — the same library the web wallet runs on.

use std::path::Path;
use std::time::{Duration, Instant};

use sigillum_credential::jws::CompactJws;
use sigillum_credential::ledger::client::RegistryClient;
use sigillum_credential::ledger::tracker::CheckpointTracker;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_verifier::source::{Online, ReqwestGet};
use sigillum_wallet::cards::card;
use sigillum_wallet::present::{Plan, Presenter, plan, respond};
use sigillum_wallet::receive::{self, Receiver};
use sigillum_wallet::standing::{self, Standing};
use sigillum_wallet::vault::{Vault, VaultConfig};

use crate::CliError;
use crate::up::Consortium;

/// Longest credential read back from the vault.
const MAX_CREDENTIAL_LEN: usize = 64 * 1024;

/// One citizen's wallet.
pub struct Citizen {
    vault: Vault,
    receiver: Receiver,
    presenter: Presenter,
    ledger: Online<ReqwestGet>,
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError(e.to_string())
}

impl Citizen {
    /// A new wallet in `dir` under `pin`, checking cards on `registry_url`.
    pub fn new(
        dir: &Path,
        pin: &str,
        consortium: &Consortium,
        registry_url: &str,
    ) -> Result<Self, CliError> {
        let vault = Vault::create(dir, pin, &VaultConfig::default()).map_err(failed)?;
        let client = RegistryClient::new(
            registry_url.to_owned(),
            ReqwestGet::default(),
            consortium.trust().policy().map_err(CliError)?,
            CheckpointTracker::new(),
        );
        Ok(Citizen {
            vault,
            receiver: Receiver::new(),
            presenter: Presenter::new(),
            ledger: Online::new(registry_url.to_owned(), client),
        })
    }

    /// Receives the offer (`offer_link`, `tx_code`) as `copies` one-time copies;
    /// returns the card's id.
    pub async fn receive(
        &self,
        link: &str,
        tx_code: &str,
        copies: usize,
    ) -> Result<String, CliError> {
        let now = SystemClock.now();
        let received = self
            .receiver
            .receive(link, Some(tx_code), copies, now)
            .await
            .map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
        receive::keep(&self.vault, &received, now).map_err(failed)
    }

    /// The card's standing on the registry now.
    pub async fn standing(&self, group: &str) -> Result<Standing, CliError> {
        let (_, copy) = card(&self.vault, group)
            .map_err(failed)?
            .ok_or_else(|| CliError(format!("no card {group}")))?;
        Ok(standing::check(&copy, &self.ledger, &SystemClock).await)
    }

    /// The `kid` that signed card `group` (from its JWS header).
    pub fn signed_with(&self, group: &str) -> Result<String, CliError> {
        let (_, copy) = card(&self.vault, group)
            .map_err(failed)?
            .ok_or_else(|| CliError(format!("no card {group}")))?;
        let jwt = copy.credential.split('~').next().unwrap_or_default();
        let jws = CompactJws::parse(jwt, MAX_CREDENTIAL_LEN).map_err(failed)?;
        jws.header()
            .kid
            .clone()
            .ok_or_else(|| CliError(format!("card {group} names no signing key")))
    }

    /// Waits (up to 15 s) until the card reads `badge`: an office publishes a
    /// status change a moment after making it.
    pub async fn until(&self, group: &str, badge: &str) -> Result<Standing, CliError> {
        let start = Instant::now();
        loop {
            let standing = self.standing(group).await?;
            if standing.badge() == badge {
                return Ok(standing);
            }
            if start.elapsed() > Duration::from_secs(15) {
                return Err(CliError(format!(
                    "the card reads {} after 15 s, not {badge}: {}",
                    standing.badge(),
                    standing.sentence()
                )));
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Answers the request behind `link` with card `group` (the citizen's choice
    /// where several could answer), sending it by `direct_post`; returns what the
    /// wallet said it shared.
    pub async fn present(&self, link: &str, group: &str) -> Result<Vec<String>, CliError> {
        let request = self
            .presenter
            .fetch(link)
            .await
            .map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
        let now = SystemClock.now();
        let mut made = plan(&request, &self.vault, now).map_err(failed)?;
        choose(&mut made, group)?;
        made.ready().map_err(failed)?;
        let response = respond(&request, &made, &self.vault, now).map_err(failed)?;
        self.presenter
            .send(&request, &response)
            .await
            .map_err(|e| CliError(format!("{e} [{}]", e.code())))?;
        Ok(made.shared_labels())
    }
}

/// Chooses card `group` to answer the request: the set option whose query it can
/// answer, and it for that query.
fn choose(made: &mut Plan, group: &str) -> Result<(), CliError> {
    let query = made
        .queries
        .iter()
        .find(|q| q.candidates.iter().any(|c| c.group == group))
        .map(|q| q.id.clone())
        .ok_or_else(|| CliError(format!("card {group} cannot answer this request")))?;
    for set in 0..made.sets.len() {
        let option = made.sets[set]
            .options
            .iter()
            .position(|o| o.available && o.queries.contains(&query));
        if option.is_some() {
            made.choose_option(set, option).map_err(failed)?;
        }
    }
    made.choose_credentials(&query, &[group]).map_err(failed)
}
