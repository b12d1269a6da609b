//! Signing in with an officer token, the session cookie, and the two request guards:
//! [`Session`] (the cookie names an officer, else → the login page) and
//! [`SameOrigin`] (a POST whose `Origin` is not ours is refused).
//!
//! The cookie holds the token itself, so the store's Argon2id check runs on every
//! request, off the async workers; a removed officer is signed out at once.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use zeroize::Zeroizing;

use super::html::Html;
use super::{layout, notice, page, problem, see_other};
use crate::error::IssueError;
use crate::service::Issuer;
use crate::store::Officer;
use sigillum_web::page::{cookie, origin_of, same_origin};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "sigillum_officer";
/// Longest token read from a form or a cookie (tokens are about 70 characters).
const MAX_TOKEN: usize = 512;

/// The signed-in officer; extracting it sends anyone else to the login page.
pub(crate) struct Session(pub Officer);

impl FromRequestParts<Arc<Issuer>> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        issuer: &Arc<Issuer>,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie_token(&parts.headers) else {
            return Err(see_other("/officer/login"));
        };
        match authenticate(issuer, token).await {
            Ok(officer) => Ok(Session(officer)),
            Err(_) => {
                let mut response = see_other("/officer/login");
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, clear_cookie(issuer));
                Err(response)
            }
        }
    }
}

/// A request that did not come from another site: no `Origin` header (not a browser,
/// or an old one; the SameSite cookie still holds), or exactly ours; and not marked
/// `Sec-Fetch-Site: cross-site`/`same-site`.
pub(crate) struct SameOrigin;

impl FromRequestParts<Arc<Issuer>> for SameOrigin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        issuer: &Arc<Issuer>,
    ) -> Result<Self, Self::Rejection> {
        if same_origin(&parts.headers, origin_of(issuer.public_url()).as_deref()) {
            Ok(SameOrigin)
        } else {
            Err(problem(
                issuer,
                None,
                StatusCode::FORBIDDEN,
                "origin_refused",
                "This form was sent from another site, so it was refused. Open the officer \
                 page from this office's own address and try again.",
            ))
        }
    }
}

/// The token in the `sigillum_officer` cookie.
fn cookie_token(headers: &HeaderMap) -> Option<Zeroizing<String>> {
    cookie(headers, COOKIE, MAX_TOKEN).map(|value| Zeroizing::new(value.to_owned()))
}

/// Checks a token with the store (Argon2id, so on a blocking thread).
async fn authenticate(
    issuer: &Arc<Issuer>,
    token: Zeroizing<String>,
) -> Result<Officer, IssueError> {
    let issuer = Arc::clone(issuer);
    tokio::task::spawn_blocking(move || {
        let bearer = Zeroizing::new(format!("Bearer {}", token.as_str()));
        issuer.authenticate(Some(bearer.as_str()))
    })
    .await
    .map_err(|e| IssueError::Store(e.to_string()))?
}

fn secure(issuer: &Issuer) -> bool {
    issuer
        .public_url()
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
}

fn set_cookie(issuer: &Issuer, token: &str) -> Option<HeaderValue> {
    let cookie_safe = token
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'));
    if !cookie_safe {
        return None;
    }
    let secure = if secure(issuer) { "; Secure" } else { "" };
    let value = Zeroizing::new(format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/officer{secure}"
    ));
    HeaderValue::from_str(&value).ok().map(|mut v| {
        v.set_sensitive(true);
        v
    })
}

fn clear_cookie(issuer: &Issuer) -> HeaderValue {
    if secure(issuer) {
        HeaderValue::from_static(
            "sigillum_officer=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/officer; Secure",
        )
    } else {
        HeaderValue::from_static(
            "sigillum_officer=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/officer",
        )
    }
}

fn login_html(issuer: &Issuer, error: Option<(&str, &str)>) -> String {
    layout(issuer, "Sign in", None, |h: &mut Html| {
        h.tag("h1").text("Officer sign-in");
        if let Some((code, sentence)) = error {
            notice(h, false, code, sentence);
        }
        h.tag("form")
            .attr("method", "post")
            .attr("action", "/officer/login")
            .attr("autocomplete", "off")
            .body(|h| {
                h.tag("div").attr("class", "field").body(|h| {
                    h.tag("label").attr("for", "f-token").text("Officer token");
                    h.tag("p").attr("class", "hint").attr("id", "h-token").text(
                        "The token an administrator gave you (it starts with sgo_). \
                         Signing in keeps it in a cookie until you sign out or close the browser.",
                    );
                    h.tag("input")
                        .attr("type", "password")
                        .attr("id", "f-token")
                        .attr("name", "token")
                        .attr("aria-describedby", "h-token")
                        .attr("maxlength", "512")
                        .attr_opt("aria-invalid", error.map(|_| "true"))
                        .flag("required", true)
                        .flag("autofocus", true)
                        .void();
                });
                h.tag("div").attr("class", "actions").body(|h| {
                    h.tag("button").attr("type", "submit").text("Sign in");
                });
            });
    })
}

/// `GET /officer/login`.
pub(crate) async fn login_page(State(issuer): State<Arc<Issuer>>) -> Response {
    page(StatusCode::OK, login_html(&issuer, None))
}

/// `POST /officer/login` with `token`.
pub(crate) async fn login(
    _: SameOrigin,
    State(issuer): State<Arc<Issuer>>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let refuse = |status, code, sentence| page(status, login_html(&issuer, Some((code, sentence))));
    let Ok(Form(pairs)) = form else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "form_invalid",
            "The sign-in form could not be read. Reload the page and try again.",
        );
    };
    let token = pairs
        .into_iter()
        .find(|(name, _)| name == "token")
        .map(|(_, value)| Zeroizing::new(value.trim().to_owned()))
        .unwrap_or_default();
    if token.is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "officer_token_missing",
            "Enter your officer token.",
        );
    }
    let wrong = "That officer token is not valid. Check that it was copied whole, \
                 or ask an administrator for a new one.";
    if token.len() > MAX_TOKEN {
        return refuse(StatusCode::FORBIDDEN, "officer_token_invalid", wrong);
    }
    match authenticate(&issuer, token.clone()).await {
        Ok(_) => match set_cookie(&issuer, &token) {
            Some(cookie) => {
                let mut response = see_other("/officer");
                response.headers_mut().insert(header::SET_COOKIE, cookie);
                response
            }
            None => refuse(StatusCode::FORBIDDEN, "officer_token_invalid", wrong),
        },
        Err(IssueError::Unauthenticated) => {
            refuse(StatusCode::FORBIDDEN, "officer_token_invalid", wrong)
        }
        Err(e) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            e.code(),
            "The token could not be checked just now; try again in a moment.",
        ),
    }
}

/// `POST /officer/logout`: clears the cookie.
pub(crate) async fn logout(_: SameOrigin, State(issuer): State<Arc<Issuer>>) -> Response {
    let mut response = see_other("/officer/login");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&issuer));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; sigillum_officer=sgo_x_y"),
        );
        assert_eq!(
            cookie_token(&headers).as_deref().map(String::as_str),
            Some("sgo_x_y")
        );
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("xsigillum_officer=1; sigillum_officer="),
        );
        assert!(cookie_token(&headers).is_none());
    }
}
