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
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sigillum_credential::time::Timestamp;

use self::html::Html;
use crate::service::Issuer;
use crate::store::Officer;

/// The Content-Security-Policy of every page: inline style, `data:` images, forms
/// posted only here, never framed; no script, font, frame or fetch from anywhere.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                              form-action 'self'; frame-ancestors 'none'";

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

/// Adds the security headers to every page response (redirects and errors included).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not no-referrer: with it, browsers send `Origin: null` on form posts, and the
    // origin check would refuse the officer's own forms.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages hold PINs and personal data: never cached.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
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

/// An HTML response.
pub(crate) fn page(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
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

/// A boxed message: `ok` or an error, with its code when there is one.
pub(crate) fn notice(h: &mut Html, ok: bool, code: &str, sentence: &str) {
    h.tag("div")
        .attr("class", if ok { "notice ok" } else { "notice error" })
        .attr("role", if ok { "status" } else { "alert" })
        .body(|h| {
            h.tag("p").body(|h| {
                if !code.is_empty() {
                    h.tag("code").text(code);
                    h.text(" ");
                }
                h.text(sentence);
            });
        });
}

/// `303 See Other` to `location` (a path of ours).
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// RFC 3986 §2.1 percent-encoding of everything but the unreserved characters, for a
/// path segment or a query value.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

const HEX: [u8; 16] = *b"0123456789ABCDEF";

/// Unix seconds as `2026-05-01 14:03 UTC`.
pub(crate) fn when(unix: i64) -> String {
    let text = Timestamp::from_unix(unix).to_rfc3339();
    match (text.get(..10), text.get(11..16)) {
        (Some(day), Some(time)) if text.len() >= 20 => format!("{day} {time} UTC"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("case-1_a.b~"), "case-1_a.b~");
        assert_eq!(percent_encode("a b&c=<é>/"), "a%20b%26c%3D%3C%C3%A9%3E%2F");
    }

    #[test]
    fn times_read_as_utc_minutes() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_777_000_000), "2026-04-24 03:06 UTC");
    }
}
