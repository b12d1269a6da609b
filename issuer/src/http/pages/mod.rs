//! The officers' web page (issue #4 item 6): what the JSON officer API does, as
//! server-rendered HTML for a phone or a desk, with no JavaScript and nothing loaded
//! from elsewhere (the QR code is inline SVG, the style sheet inline CSS).
//!
//! ```text
//!  GET  /                                     → /officer
//!  GET  /officer/login                        the token form
//!  POST /officer/login                        token → cookie sigillum_officer → /officer
//!  POST /officer/logout                       clears the cookie
//!  GET  /officer                              the officer, the types they may issue, search
//!  GET  /officer/issue/{type}                 the form generated from the type's JSON Schema
//!  POST /officer/issue/{type}                 → the offer (QR, PIN, link), or the form again
//!                                               with each offending field's message
//!  GET  /officer/search?reference=PREFIX      credentials, with revoke / suspend / reinstate
//!  POST /officer/credentials/{id}/{action}    reason → status change → back to the search
//! ```
//!
//! Every page but the login needs the cookie (else → the login); the cookie is
//! `HttpOnly; SameSite=Strict; Path=/officer` (and `Secure` behind https). Every POST
//! also refuses an `Origin` other than the issuer's own (CSRF defence beside
//! SameSite). Every response carries a Content-Security-Policy that allows only inline
//! style and `data:` images, refuses framing and posts elsewhere, and `no-store`.
//! Every value written into a page is escaped ([`html`]).

mod form;
use sigillum_web::html;
mod issue;
mod render;
mod search;
mod session;
mod style;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use self::html::Html;
use crate::service::Issuer;
use crate::store::Officer;
use sigillum_web::page::security_headers;
pub(crate) use sigillum_web::page::{notice, page, percent_encode, see_other, when};

/// The page routes, merged into the issuer's router.
pub(super) fn routes() -> Router<Arc<Issuer>> {
    Router::new()
        .route("/", get(|| async { see_other("/officer") }))
        .route(
            "/officer/login",
            get(session::login_page).post(session::login),
        )
        .route("/officer/logout", post(session::logout))
        .route("/officer", get(issue::home))
        .route(
            "/officer/issue/{type}",
            get(issue::form_page).post(issue::submit),
        )
        .route("/officer/search", get(search::search))
        .route(
            "/officer/credentials/{id}/{action}",
            post(search::change_status),
        )
        .layer(axum::middleware::map_response(security_headers))
}

/// A whole page: the head (viewport, inline style), the office's name, the officer's
/// navigation when signed in, and `body` in `<main>`.
pub(crate) fn layout(
    issuer: &Issuer,
    title: &str,
    officer: Option<&Officer>,
    body: impl FnOnce(&mut Html),
) -> String {
    let office = &issuer.config().name;
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
            h.tag("title").text(&format!("{title} · {office}"));
            h.tag("style").body(|h| {
                h.raw_static(style::CSS);
            });
        });
        h.tag("body").body(|h| {
            h.tag("header").body(|h| {
                h.tag("a")
                    .attr("class", "office")
                    .attr("href", "/officer")
                    .text(office);
                if let Some(officer) = officer {
                    h.tag("nav").attr("aria-label", "Officer").body(|h| {
                        h.tag("a").attr("href", "/officer").text("Home");
                        h.tag("a").attr("href", "/officer/search").text("Search");
                        h.tag("span")
                            .text(&format!("Signed in as {}", officer.name));
                        h.tag("form")
                            .attr("method", "post")
                            .attr("action", "/officer/logout")
                            .body(|h| {
                                h.tag("button")
                                    .attr("type", "submit")
                                    .attr("class", "secondary")
                                    .text("Sign out");
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
pub(crate) fn problem(
    issuer: &Issuer,
    officer: Option<&Officer>,
    status: StatusCode,
    code: &str,
    sentence: &str,
) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let html = layout(issuer, title, officer, |h| {
        h.tag("h1").text(title);
        notice(h, false, code, sentence);
        h.tag("p").body(|h| {
            h.tag("a")
                .attr("href", "/officer")
                .text("Back to the start");
        });
    });
    page(status, html)
}
