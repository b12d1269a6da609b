//! Backup and restore: the whole vault as one passphrase-encrypted JWE file
//! (`crate::backup`: PBES2-HS512+A256KW, A256GCM), downloaded from a session;
//! restored as a new wallet on this or another installation.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sigillum_web::page::{notice, page};
use zeroize::Zeroizing;

use super::access::{enter, explain};
use super::accounts::AccountError;
use super::form::{self, Fields, check_post, csrf_field};
use super::session::Unlocked;
use super::{Site, layout, problem};
use crate::backup::{BackupOptions, export};

fn backup_html(unlocked: &Unlocked, error: Option<(&str, &str)>) -> String {
    layout("Backup", Some(unlocked), |h| {
        h.tag("h1").text("Back up your wallet");
        if let Some((code, sentence)) = error {
            notice(h, false, code, sentence);
        }
        h.tag("p").text("The file holds your cards, their keys and your history, encrypted under a passphrase you choose. Keep the passphrase apart from the file: without it, nobody can open the file, not even us.");
        h.tag("form")
            .attr("method", "post")
            .attr("action", "/backup")
            .body(|h| {
                csrf_field(h, unlocked);
                form::input(
                    h,
                    "Passphrase",
                    "passphrase",
                    "password",
                    "new-password",
                    "At least 12 characters.",
                );
                h.tag("div").attr("class", "field check").body(|h| {
                    h.tag("input")
                        .attr("type", "checkbox")
                        .attr("id", "without_keys")
                        .attr("name", "without_keys")
                        .attr("value", "1")
                        .void();
                    h.tag("label").attr("for", "without_keys").text(
                        "Leave the card keys out (the office must then issue the cards again)",
                    );
                });
                form::submit(h, "Download the backup");
            });
    })
}

pub(crate) async fn backup_page(unlocked: Unlocked) -> Response {
    page(StatusCode::OK, backup_html(&unlocked, None))
}

#[derive(Deserialize)]
pub(crate) struct BackupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    passphrase: Zeroizing<String>,
    #[serde(default)]
    without_keys: Option<String>,
}

pub(crate) async fn backup(
    State(site): State<Arc<Site>>,
    unlocked: Unlocked,
    headers: HeaderMap,
    Form(form): Form<BackupForm>,
) -> Response {
    if let Err(refused) = check_post(&site, &headers, Some(&unlocked), Some(&form.csrf)) {
        return *refused;
    }
    let options = BackupOptions {
        include_holder_keys: form.without_keys.is_none(),
        ..BackupOptions::default()
    };
    let now = site.clock.now().unix();
    let vault = Arc::clone(&unlocked.vault);
    let made =
        tokio::task::spawn_blocking(move || export(&vault, &form.passphrase, &options, now)).await;
    match made {
        Ok(Ok(jwe)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/jose"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"sigillum-wallet.backup\"",
                ),
            ],
            jwe,
        )
            .into_response(),
        Ok(Err(e)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            backup_html(&unlocked, Some((e.code(), &e.to_string()))),
        ),
        Err(e) => problem(
            Some(&unlocked),
            StatusCode::INTERNAL_SERVER_ERROR,
            "backup_failed",
            &e.to_string(),
        ),
    }
}

fn restore_html(error: Option<(&str, &str)>) -> String {
    layout("Restore", None, |h| {
        h.tag("h1").text("Restore a wallet from a backup");
        if let Some((code, sentence)) = error {
            notice(h, false, code, sentence);
        }
        h.tag("form")
            .attr("method", "post")
            .attr("action", "/restore")
            .attr("enctype", "multipart/form-data")
            .body(|h| {
                h.tag("div").attr("class", "field").body(|h| {
                    h.tag("label").attr("for", "file").text("Backup file");
                    h.tag("input")
                        .attr("id", "file")
                        .attr("name", "file")
                        .attr("type", "file")
                        .void();
                });
                form::input(h, "Its passphrase", "passphrase", "password", "off", "");
                form::input(h, "New wallet name", "name", "text", "username", "");
                form::input(
                    h,
                    "New PIN",
                    "pin",
                    "password",
                    "new-password",
                    "At least 6 characters.",
                );
                form::submit(h, "Restore");
            });
    })
}

pub(crate) async fn restore_page() -> Response {
    page(StatusCode::OK, restore_html(None))
}

pub(crate) async fn restore(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    if let Err(refused) = check_post(&site, &headers, None, None) {
        return *refused;
    }
    let fields = match Fields::read(form).await {
        Ok(fields) => fields,
        Err(why) => {
            return page(
                StatusCode::BAD_REQUEST,
                restore_html(Some(("form_invalid", &why))),
            );
        }
    };
    let Some(file) = fields
        .file("file")
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(str::to_owned)
    else {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            restore_html(Some(("backup_missing", "Choose the backup file."))),
        );
    };
    let (name, pin, passphrase) = (
        fields.text("name"),
        Zeroizing::new(fields.text("pin")),
        Zeroizing::new(fields.text("passphrase")),
    );
    let now = site.clock.now().unix();
    let restoring = Arc::clone(&site);
    let restored = tokio::task::spawn_blocking(move || {
        restoring
            .accounts
            .restore(&name, &pin, &file, &passphrase, now)
    })
    .await
    .unwrap_or_else(|e| Err(AccountError::Store(e.to_string())));
    match restored {
        Ok((user, vault, _)) => enter(&site, user, vault, "/cards"),
        Err(e) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            restore_html(Some((e.code(), &explain(&e)))),
        ),
    }
}
