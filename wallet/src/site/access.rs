//! Signing up, unlocking with the PIN (wrong tries counted by the vault, with a
//! growing lockout), and locking again.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use sigillum_web::page::{notice, page, see_other, when};
use zeroize::Zeroizing;

use super::accounts::AccountError;
use super::form::{self, check_post};
use super::session::{Unlocked, clear_cookie, set_cookie};
use super::{Site, layout};
use crate::vault::VaultError;

#[derive(Deserialize)]
pub(crate) struct Credentials {
    #[serde(default)]
    name: String,
    #[serde(default)]
    pin: Zeroizing<String>,
    #[serde(default)]
    pin_again: Zeroizing<String>,
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

fn access_page(
    title: &str,
    action: &'static str,
    name: &str,
    error: Option<(&str, &str)>,
    signup: bool,
) -> String {
    layout(title, None, |h| {
        h.tag("h1").text(title);
        if let Some((code, sentence)) = error {
            notice(h, false, code, sentence);
        }
        h.tag("form").attr("method", "post").attr("action", action).body(|h| {
            h.tag("div").attr("class", "field").body(|h| {
                h.tag("label").attr("for", "name").text("Wallet name");
                h.tag("input")
                    .attr("id", "name")
                    .attr("name", "name")
                    .attr("type", "text")
                    .attr("autocomplete", "username")
                    .attr("autocapitalize", "none")
                    .attr("value", name)
                    .void();
            });
            form::input(
                h,
                "PIN",
                "pin",
                "password",
                if signup { "new-password" } else { "current-password" },
                if signup { "At least 6 characters. It encrypts your cards on this service; nobody can recover it." } else { "" },
            );
            if signup {
                form::input(h, "PIN again", "pin_again", "password", "new-password", "");
            }
            form::submit(h, if signup { "Create my wallet" } else { "Unlock" });
        });
        h.tag("p").body(|h| {
            if signup {
                h.tag("a")
                    .attr("href", "/unlock")
                    .text("I already have a wallet");
            } else {
                h.tag("a").attr("href", "/signup").text("Create a wallet");
                h.text(" · ");
                h.tag("a")
                    .attr("href", "/restore")
                    .text("Restore from a backup");
            }
        });
    })
}

pub(crate) async fn signup_page() -> Response {
    page(
        StatusCode::OK,
        access_page("Create a wallet", "/signup", "", None, true),
    )
}

pub(crate) async fn unlock_page() -> Response {
    page(
        StatusCode::OK,
        access_page("Unlock your wallet", "/unlock", "", None, false),
    )
}

/// Opens a session on `vault` and sends the browser to its cards.
pub(crate) fn enter(
    site: &Site,
    user: String,
    vault: Arc<crate::vault::Vault>,
    to: &str,
) -> Response {
    let token = site.sessions.open(user, vault);
    let mut response = see_other(to);
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(site, &token));
    response
}

/// The sentence for an account error, with the lockout's end written for people.
pub(crate) fn explain(e: &AccountError) -> String {
    match e {
        AccountError::Vault(VaultError::LockedOut { until, .. }) => format!(
            "Too many wrong PINs: this wallet is locked until {}. Try again then.",
            when(*until)
        ),
        other => {
            let mut s = other.to_string();
            if let Some(first) = s.get(..1) {
                let upper = first.to_uppercase();
                s.replace_range(..1, &upper);
            }
            s.push('.');
            s
        }
    }
}

fn status_of(e: &AccountError) -> StatusCode {
    match e {
        AccountError::Vault(VaultError::LockedOut { .. }) => StatusCode::TOO_MANY_REQUESTS,
        AccountError::Vault(VaultError::WrongPin { .. }) | AccountError::Unknown => {
            StatusCode::UNAUTHORIZED
        }
        AccountError::NameTaken => StatusCode::CONFLICT,
        AccountError::Store(_) | AccountError::Vault(VaultError::Store(_)) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

pub(crate) async fn signup(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Response {
    if let Err(refused) = check_post(&site, &headers, None, None) {
        return *refused;
    }
    let name = form.name.clone();
    if *form.pin != *form.pin_again {
        let html = access_page(
            "Create a wallet",
            "/signup",
            &name,
            Some((
                "pin_mismatch",
                "The two PINs differ. Type the same PIN twice.",
            )),
            true,
        );
        return page(StatusCode::UNPROCESSABLE_ENTITY, html);
    }
    let accounts_site = Arc::clone(&site);
    let made =
        tokio::task::spawn_blocking(move || accounts_site.accounts.sign_up(&form.name, &form.pin))
            .await
            .unwrap_or_else(|e| Err(AccountError::Store(e.to_string())));
    match made {
        Ok((user, vault)) => enter(&site, user, vault, "/cards"),
        Err(e) => {
            let html = access_page(
                "Create a wallet",
                "/signup",
                &name,
                Some((e.code(), &explain(&e))),
                true,
            );
            page(status_of(&e), html)
        }
    }
}

pub(crate) async fn unlock(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Response {
    if let Err(refused) = check_post(&site, &headers, None, None) {
        return *refused;
    }
    let name = form.name.clone();
    let now = site.clock.now().unix();
    let accounts_site = Arc::clone(&site);
    let opened = tokio::task::spawn_blocking(move || {
        accounts_site.accounts.unlock(&form.name, &form.pin, now)
    })
    .await
    .unwrap_or_else(|e| Err(AccountError::Store(e.to_string())));
    match opened {
        Ok((user, vault)) => enter(&site, user, vault, "/cards"),
        Err(e) => {
            let html = access_page(
                "Unlock your wallet",
                "/unlock",
                &name,
                Some((e.code(), &explain(&e))),
                false,
            );
            page(status_of(&e), html)
        }
    }
}

pub(crate) async fn logout(
    State(site): State<Arc<Site>>,
    unlocked: Unlocked,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Err(refused) = check_post(&site, &headers, Some(&unlocked), Some(&form.csrf)) {
        return *refused;
    }
    site.sessions.close(&unlocked.token);
    let mut response = see_other("/unlock");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&site));
    response
}

/// What the PIN forms answer an address with too many wrong PINs (see
/// `sigillum_web::attempts`): the unlock page, saying how long to wait.
pub(crate) fn too_many_attempts(secs: u64) -> Response {
    let html = access_page(
        "Unlock your wallet",
        "/unlock",
        "",
        Some((
            "too_many_attempts",
            &format!("Too many wrong PINs from this device. Wait {secs} seconds, then try again."),
        )),
        false,
    );
    page(StatusCode::TOO_MANY_REQUESTS, html)
}
