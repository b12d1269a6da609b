//! The officer's screen (issue #5 item 5): server-rendered, no script, nothing
//! loaded from elsewhere (QR codes are inline SVG, the style sheet inline CSS),
//! usable on a phone (360 px) and a desk tablet.
//!
//! ```text
//!  GET  /                        choose the profile (border, bank KYC, business check)
//!  POST /checks                  profile → a new request → /checks/{id}
//!  GET  /checks/{id}             waiting: the request QR, the link, the offline request QR
//!                                and "scan offline QR" (refreshes itself every 2 s);
//!                                answered: the verdict, the portrait prompt, the
//!                                disclosed claims, each failed check in words, the
//!                                ledger source and bundle age, the receipt
//!  POST /checks/{id}/offline     an offline presentation QR: an image, or its text
//!  POST /checks/{id}/close       forget the request and its outcome → /
//! ```
//! Outcomes live only in memory, for the request's time to live at most, and
//! "Next traveller" forgets them at once. POSTs from another origin are refused.

use std::sync::Arc;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::Value;
use sigillum_web::html::{Html, QrSvg};

use super::api::qr_text;
use super::style::CSS;
use crate::outcome::{Outcome, Verdict};
use crate::service::Verifier;
use crate::session::{Session, Status};
use sigillum_web::page::{CSP, see_other};

/// The screen's routes.
pub(super) fn routes() -> Router<Arc<Verifier>> {
    Router::new()
        .route("/", get(home))
        .route("/checks", post(start))
        .route("/checks/{id}", get(show))
        .route("/checks/{id}/offline", post(offline))
        .route("/checks/{id}/close", post(close))
}

fn html_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    // Not no-referrer: with it, browsers send `Origin: null` on form posts, and
    // `same_origin` would refuse the screen's own forms.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Refuses a POST whose `Origin` is another site's, or that the browser marks
/// as sent from another site (a forged form; `sigillum_web::page::same_origin`).
fn same_origin(verifier: &Verifier, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let ours = sigillum_web::page::origin_of(&verifier.request_uri(""));
    if sigillum_web::page::same_origin(headers, ours.as_deref()) {
        Ok(())
    } else {
        Err(Box::new(html_response(
            StatusCode::FORBIDDEN,
            page(verifier, "Refused", false, |h| {
                h.tag("p")
                    .attr("class", "error")
                    .text("This form was sent from another site and was refused.");
            }),
        )))
    }
}

fn page(verifier: &Verifier, title: &str, refresh: bool, body: impl FnOnce(&mut Html)) -> String {
    let mut h = Html::new();
    h.raw_static("<!doctype html>");
    h.tag("html").attr("lang", "en").body(|h| {
        h.tag("head").body(|h| {
            h.tag("meta").attr("charset", "utf-8").void();
            h.tag("meta")
                .attr("name", "viewport")
                .attr("content", "width=device-width, initial-scale=1")
                .void();
            if refresh {
                h.tag("meta")
                    .attr("http-equiv", "refresh")
                    .attr("content", "2")
                    .void();
            }
            h.tag("title")
                .text(&format!("{title} · Sigillum checkpoint"));
            h.tag("style").body(|h| {
                h.raw_static(CSS);
            });
        });
        h.tag("body").body(|h| {
            h.tag("header").attr("class", "bar").body(|h| {
                h.tag("a").attr("href", "/").text("Sigillum checkpoint");
                h.tag("small").text(verifier.client_id());
            });
            h.tag("main").body(|h| {
                h.tag("h1").text(title);
                body(h);
            });
        });
    });
    h.finish()
}

async fn home(State(verifier): State<Arc<Verifier>>) -> Response {
    let body = page(&verifier, "Start a check", false, |h| {
        h.tag("p").attr("class", "muted").text(
            "Choose what this desk checks. The traveller's wallet then scans the code shown.",
        );
        h.tag("ul").attr("class", "choices").body(|h| {
            for profile in verifier.profiles().values() {
                h.tag("li").body(|h| {
                    h.tag("form")
                        .attr("method", "post")
                        .attr("action", "/checks")
                        .body(|h| {
                            h.tag("input")
                                .attr("type", "hidden")
                                .attr("name", "profile")
                                .attr("value", &profile.name)
                                .void();
                            h.tag("button").attr("type", "submit").body(|h| {
                                h.text(&title_of(&profile.name));
                                h.tag("span").text(&first_sentence(&profile.description));
                            });
                        });
                });
            }
        });
        h.tag("p")
            .attr("class", "muted")
            .text(&format!("Ledger: {}", ledger_mode(&verifier)));
    });
    html_response(StatusCode::OK, body)
}

fn ledger_mode(verifier: &Verifier) -> String {
    let c = verifier.config();
    match (&c.registry, &c.bundle) {
        (Some(r), Some(_)) => format!("registry {r}, offline bundle when it cannot answer"),
        (Some(r), None) => format!("registry {r}"),
        (None, _) => "offline bundle only".into(),
    }
}

#[derive(Deserialize)]
struct StartForm {
    profile: String,
}

async fn start(
    State(verifier): State<Arc<Verifier>>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Response {
    if let Err(refused) = same_origin(&verifier, &headers) {
        return *refused;
    }
    match verifier.open_request(&form.profile) {
        Ok(opened) => see_other(&format!("/checks/{}", opened.session.id)),
        Err(e) => html_response(
            super::problem::status_of(&e),
            page(&verifier, "Could not start", false, |h| {
                h.tag("p").attr("class", "error").text(&e.to_string());
                h.tag("a")
                    .attr("class", "button")
                    .attr("href", "/")
                    .text("Back");
            }),
        ),
    }
}

async fn show(State(verifier): State<Arc<Verifier>>, Path(id): Path<String>) -> Response {
    render(&verifier, &id, None)
}

fn render(verifier: &Verifier, id: &str, error: Option<&str>) -> Response {
    let Ok(session) = verifier.sessions().get(id, verifier.now().unix()) else {
        return html_response(
            StatusCode::NOT_FOUND,
            page(verifier, "No such check", false, |h| {
                h.tag("p")
                    .text("This check has ended or expired; its result was not kept.");
                h.tag("a")
                    .attr("class", "button")
                    .attr("href", "/")
                    .text("Start a check");
            }),
        );
    };
    let title = title_of(&session.profile);
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = match &session.status {
        Status::Waiting | Status::Verifying => page(verifier, &title, error.is_none(), |h| {
            waiting(h, verifier, &session, error)
        }),
        Status::Answered(outcome) => {
            page(verifier, &title, false, |h| answered(h, &session, outcome))
        }
        Status::Refused { error, description } => page(verifier, &title, false, |h| {
            h.tag("p").attr("class", "verdict rejected").body(|h| {
                h.text("DECLINED");
                h.tag("small")
                    .text("The wallet did not share a credential.");
            });
            h.tag("p").text(&format!(
                "{}{}",
                error,
                description
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ));
            next_button(h, &session.id);
        }),
    };
    html_response(status, body)
}

fn waiting(h: &mut Html, verifier: &Verifier, session: &Session, error: Option<&str>) {
    let link = sigillum_credential::oid4vp::RequestLink {
        client_id: verifier.client_id().to_owned(),
        request_uri: verifier.request_uri(&session.id),
    }
    .to_link();
    if let Some(e) = error {
        h.tag("p")
            .attr("class", "error")
            .attr("role", "alert")
            .text(e);
    }
    if matches!(session.status, Status::Verifying) {
        h.tag("p").text("The wallet answered; verifying…");
    }
    h.tag("p")
        .text("Ask the traveller to scan this code with their wallet.");
    if let Ok(svg) = QrSvg::draw(&link) {
        h.tag("div")
            .attr("class", "qr")
            .attr("role", "img")
            .attr("aria-label", "presentation request QR code")
            .body(|h| {
                h.qr(&svg);
            });
    }
    h.tag("p").attr("class", "link").text(&link);
    h.tag("details").body(|h| {
        h.tag("summary").text("The wallet has no network");
        h.tag("p").text(
            "Show this code to the wallet instead; it answers with a presentation code to scan below.",
        );
        if let Some(svg) = session.offline_qr.as_deref().and_then(|t| QrSvg::draw(t).ok()) {
            h.tag("div")
                .attr("class", "qr")
                .attr("role", "img")
                .attr("aria-label", "offline presentation request QR code")
                .body(|h| {
                    h.qr(&svg);
                });
        }
    });
    h.tag("h2").text("Scan an offline QR");
    h.tag("form")
        .attr("method", "post")
        .attr("action", &format!("/checks/{}/offline", session.id))
        .attr("enctype", "multipart/form-data")
        .body(|h| {
            h.tag("label")
                .attr("for", "image")
                .text("Photo of the wallet's code");
            h.tag("input")
                .attr("type", "file")
                .attr("id", "image")
                .attr("name", "image")
                .attr("accept", "image/png,image/jpeg")
                .attr("capture", "environment")
                .void();
            h.tag("label")
                .attr("for", "text")
                .text("…or the code's text (SG2P:… or SG1P:…)");
            h.tag("textarea")
                .attr("id", "text")
                .attr("name", "text")
                .attr("rows", "3")
                .attr("autocomplete", "off")
                .text("");
            h.tag("div").attr("class", "actions").body(|h| {
                h.tag("button").attr("type", "submit").text("Verify");
            });
        });
    h.tag("div").attr("class", "actions").body(|h| {
        close_form(h, &session.id, "Cancel");
    });
}

fn close_form(h: &mut Html, id: &str, label: &str) {
    h.tag("form")
        .attr("method", "post")
        .attr("action", &format!("/checks/{id}/close"))
        .body(|h| {
            h.tag("button")
                .attr("type", "submit")
                .attr("class", "quiet")
                .text(label);
        });
}

fn next_button(h: &mut Html, id: &str) {
    h.tag("div").attr("class", "actions").body(|h| {
        close_form(h, id, "Next traveller");
    });
}

fn answered(h: &mut Html, session: &Session, outcome: &Outcome) {
    let (class, word, line) = match outcome.verdict {
        Verdict::Accepted => ("verdict accepted", "ACCEPTED", "Every check passed."),
        Verdict::Rejected => (
            "verdict rejected",
            "REJECTED",
            "Do not accept this credential.",
        ),
        Verdict::CouldNotCheck => (
            "verdict unchecked",
            "COULD NOT CHECK",
            "The registry could not be asked and no usable bundle is held.",
        ),
    };
    h.tag("p")
        .attr("class", class)
        .attr("role", "status")
        .body(|h| {
            h.text(word);
            h.tag("small").text(line);
        });
    let failures = outcome.failures();
    if !failures.is_empty() {
        h.tag("h2").text("Why");
        h.tag("ul").attr("class", "why").body(|h| {
            for check in failures {
                h.tag("li").body(|h| {
                    h.text(&check.message);
                    if let Some(code) = check.code {
                        h.text(" ");
                        h.tag("span").attr("class", "code").text(code);
                    }
                });
            }
        });
    }
    for presented in &outcome.presentations {
        let r = &presented.report;
        if let (Some(Value::String(digest)), true) =
            (r.claims.get("portrait_digest"), outcome.valid)
        {
            {
                h.tag("p").attr("class", "prompt").text(&format!(
                    "Compare the traveller's face with the document portrait (chip or live capture must match {digest})."
                ));
            }
        }
        h.tag("h2").text(&type_title(r.credential_type.as_deref()));
        h.tag("dl").body(|h| {
            if let Some(issuer) = &r.issuer {
                h.tag("dt").text("Issuer");
                h.tag("dd").text(issuer);
            }
            for (name, value) in &r.claims {
                if matches!(
                    name.as_str(),
                    "cnf" | "status" | "iss" | "vct" | "iat" | "nbf" | "exp" | "_sd_alg"
                ) {
                    continue;
                }
                h.tag("dt").text(&title_of(name));
                h.tag("dd").text(&show_value(value));
            }
        });
        h.tag("details").body(|h| {
            h.tag("summary").text("Every check");
            h.tag("table").body(|h| {
                for c in &r.checks {
                    h.tag("tr").body(|h| {
                        let (cls, mark) = match (c.ok, c.skipped) {
                            (_, true) => ("skip", "skipped"),
                            (true, false) => ("ok", "passed"),
                            (false, false) => ("bad", "FAILED"),
                        };
                        h.tag("td").attr("class", cls).text(mark);
                        h.tag("td").text(c.name);
                        h.tag("td").text(&c.message);
                    });
                }
            });
        });
    }
    h.tag("p").attr("class", "muted").text(&format!(
        "Checked {} via {} · ledger: {}{}",
        outcome.checked_at,
        if outcome.route == "offline_qr" {
            "offline QR"
        } else {
            "OpenID4VP"
        },
        outcome.ledger,
        outcome
            .bundle_age_secs
            .map(|a| format!(" · offline bundle {a} s old"))
            .unwrap_or_default()
    ));
    if let Some(receipt) = &outcome.receipt {
        h.tag("details").body(|h| {
            h.tag("summary")
                .text("Verification receipt (no personal data)");
            h.tag("p").attr("class", "link").text(receipt);
        });
    }
    next_button(h, &session.id);
}

fn show_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `bank_kyc` → `Bank kyc`; `family_name` → `Family name`.
/// What a credential is, for the officer: its type's display name ("Passport")
/// when the type is one of ours, else the identifier itself.
fn type_title(type_id: Option<&str>) -> String {
    let Some(type_id) = type_id else {
        return "Credential".into();
    };
    sigillum_credential::schema::CredentialTypes::builtin()
        .ok()
        .and_then(|types| {
            types
                .by_vct(type_id)
                .ok()
                .map(|t| t.spec().display.name.clone())
        })
        .unwrap_or_else(|| type_id.to_owned())
}

fn title_of(name: &str) -> String {
    let spaced = name.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn first_sentence(text: &str) -> String {
    text.split_inclusive(". ")
        .next()
        .unwrap_or(text)
        .trim()
        .to_owned()
}

async fn offline(
    State(verifier): State<Arc<Verifier>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    if let Err(refused) = same_origin(&verifier, &headers) {
        return *refused;
    }
    let mut image: Option<Vec<u8>> = None;
    let mut text = String::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let Ok(bytes) = field.bytes().await else {
                    return render(&verifier, &id, Some("The upload was cut off; try again."));
                };
                match name.as_str() {
                    "image" if !bytes.is_empty() => image = Some(bytes.to_vec()),
                    "text" => text = String::from_utf8_lossy(&bytes).trim().to_owned(),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(e) => {
                return render(
                    &verifier,
                    &id,
                    Some(&format!("The form could not be read: {e}")),
                );
            }
        }
    }
    let qr = match (image, text.is_empty()) {
        (Some(bytes), _) => match qr_text(&HeaderMap::new(), &bytes) {
            Ok(t) => t,
            Err(_) => {
                return render(
                    &verifier,
                    &id,
                    Some(
                        "No QR code could be read from that image. Hold the phone steady and try again.",
                    ),
                );
            }
        },
        (None, false) => text,
        (None, true) => {
            return render(
                &verifier,
                &id,
                Some("Add a photo of the code or paste its text."),
            );
        }
    };
    match verifier.offline_answer(&id, &qr).await {
        Ok(_) => see_other(&format!("/checks/{id}")),
        Err(e) => render(&verifier, &id, Some(&format!("{e} ({})", e.code()))),
    }
}

async fn close(
    State(verifier): State<Arc<Verifier>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = same_origin(&verifier, &headers) {
        return *refused;
    }
    verifier.sessions().close(&id);
    see_other("/")
}
