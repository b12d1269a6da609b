//! Presenting: read the verifier's request (a pasted link, a photo of its QR, or an
//! offline `SG1R:` QR), show the consent screen — who asks, for what, what exactly
//! would be shared and what is optional — then share it online (`direct_post`,
//! OpenID4VP 1.0 §8.2), show it as a full-screen QR, or decline (§8.5).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use sigillum_credential::qr;
use sigillum_web::html::{Html, QrSvg};
use sigillum_web::page::{notice, page, see_other};

use super::form::{self, Fields, LinkOrPhoto, check_post, csrf_field};
use super::session::{Pending, Unlocked};
use super::{Site, layout, problem};
use crate::present::{Plan, PresentError, ScannedRequest, offline_qr, plan, read_request, respond};

/// What the wallet tells a verifier when the citizen declines.
const DECLINED: &str = "The holder declined to share.";

fn start_html(unlocked: &Unlocked, error: Option<(&str, &str)>, request: &str) -> String {
    layout("Show a card", Some(unlocked), |h| {
        h.tag("h1").text("Show a card");
        if let Some((code, sentence)) = error {
            notice(h, false, code, sentence);
        }
        h.tag("form")
            .attr("method", "post")
            .attr("action", "/present")
            .attr("enctype", "multipart/form-data")
            .body(|h| {
                csrf_field(h, unlocked);
                LinkOrPhoto {
                    link_label: "Request link",
                    link_name: "request",
                    value: request,
                    hint: "Paste the checkpoint's link (it starts with openid4vp://), or \
                           choose a photo of the QR code it shows.",
                    photo_label: "Photo of the checkpoint's QR code",
                }
                .write(h);
                form::submit(h, "Continue");
            });
    })
}

pub(crate) async fn start_page(unlocked: Unlocked) -> Response {
    page(StatusCode::OK, start_html(&unlocked, None, ""))
}

fn refused(unlocked: &Unlocked, e: &PresentError, text: &str) -> Response {
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        start_html(unlocked, Some((e.code(), &e.to_string())), text),
    )
}

pub(crate) async fn start(
    State(site): State<Arc<Site>>,
    unlocked: Unlocked,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let fields = match Fields::read(form).await {
        Ok(fields) => fields,
        Err(why) => {
            return page(
                StatusCode::BAD_REQUEST,
                start_html(&unlocked, Some(("form_invalid", &why)), ""),
            );
        }
    };
    if let Err(refused) = check_post(
        &site,
        &headers,
        Some(&unlocked),
        Some(&fields.text(form::CSRF)),
    ) {
        return *refused;
    }
    let mut text = fields.text("request");
    if text.is_empty() {
        match fields.file("photo").map(qr::scan_image) {
            Some(Ok(scanned)) => text = scanned,
            Some(Err(e)) => return refused(&unlocked, &PresentError::from(e), ""),
            None => {
                return page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    start_html(
                        &unlocked,
                        Some((
                            "request_missing",
                            "Paste the checkpoint's link or choose a photo of its QR code.",
                        )),
                        "",
                    ),
                );
            }
        }
    }
    let (request, offline) = match read_request(&text) {
        Ok(ScannedRequest::Online(link)) => match site.presenter.fetch_link(&link).await {
            Ok(request) => (request, false),
            Err(e) => return refused(&unlocked, &e, &text),
        },
        Ok(ScannedRequest::Offline(request)) => (*request, true),
        Err(e) => return refused(&unlocked, &e, &text),
    };
    let made = match plan(&request, &unlocked.vault, site.clock.now()) {
        Ok(made) => made,
        Err(e) => return refused(&unlocked, &e, &text),
    };
    site.sessions.set_pending(
        &unlocked.token,
        Some(Pending {
            request,
            plan: made,
            offline,
        }),
    );
    see_other("/present/consent")
}

/// The consent screen (OpenID4VP 1.0 §6.4: what each query would take).
fn consent_html(unlocked: &Unlocked, pending: &Pending) -> String {
    let plan = &pending.plan;
    let ready = plan.ready();
    layout("Share?", Some(unlocked), |h| {
        h.tag("h1").text("Share with this checkpoint?");
        h.tag("dl").body(|h| {
            h.tag("dt").text("Who asks");
            h.tag("dd").body(|h| {
                h.tag("code").attr("class", "verifier").text(&plan.verifier);
            });
        });
        if let Err(e) = &ready {
            notice(h, false, e.code(), &e.to_string());
        }
        for query in &plan.queries {
            let answered = plan.answered().any(|q| q.id == query.id);
            h.tag("section").attr("class", "ask").body(|h| {
                h.tag("h2").text(&format!(
                    "{} — {}",
                    query.wanted,
                    if answered {
                        "will be shared"
                    } else {
                        "not shared"
                    }
                ));
                for group in &query.chosen {
                    let Some(candidate) = query.candidates.iter().find(|c| &c.group == group)
                    else {
                        continue;
                    };
                    h.tag("p").text(&format!(
                        "From your {} issued by {}:",
                        candidate.credential_type, candidate.issuer_url
                    ));
                    h.tag("ul").attr("class", "shared").body(|h| {
                        for claim in &candidate.share {
                            h.tag("li").text(&claim.label);
                        }
                        for claim in candidate
                            .also_shown
                            .iter()
                            .filter(|c| !candidate.share.contains(c))
                        {
                            h.tag("li")
                                .text(&format!("{} (always shown with this card)", claim.label));
                        }
                        if candidate.proves_possession {
                            h.tag("li")
                                .text("Proof that the card is yours (a signature with its key)");
                        }
                    });
                }
                for unavailable in &query.unavailable {
                    h.tag("p").attr("class", "hint").text(&format!(
                        "Your {} cannot be used: {}.",
                        unavailable.credential_type, unavailable.reason
                    ));
                }
            });
        }
        h.tag("form")
            .attr("method", "post")
            .attr("action", "/present/share")
            .body(|h| {
                csrf_field(h, unlocked);
                optional_sets(h, plan);
                h.tag("div").attr("class", "actions").body(|h| {
                    if ready.is_ok() {
                        if !pending.offline {
                            h.tag("button").attr("type", "submit").text("Share");
                        }
                        h.tag("button")
                            .attr("type", "submit")
                            .attr("class", if pending.offline { "" } else { "secondary" })
                            .attr("formaction", "/present/qr")
                            .text("Show as a QR code");
                    }
                    h.tag("button")
                        .attr("type", "submit")
                        .attr("class", "danger")
                        .attr("formaction", "/present/decline")
                        .text("Decline");
                });
            });
    })
}

/// A checkbox for each optional Credential Set Query (§6.2: `required: false`)
/// that can be met; left unticked, so sharing less is the default.
fn optional_sets(h: &mut Html, plan: &Plan) {
    for (i, set) in plan.sets.iter().enumerate() {
        if set.required {
            continue;
        }
        let Some(option) = set.options.iter().position(|o| o.available) else {
            continue;
        };
        let names: Vec<&str> = plan
            .queries
            .iter()
            .filter(|q| set.options[option].queries.contains(&q.id))
            .map(|q| q.wanted.as_str())
            .collect();
        let id = format!("set{i}");
        h.tag("div").attr("class", "field check").body(|h| {
            h.tag("input")
                .attr("type", "checkbox")
                .attr("id", &id)
                .attr("name", &id)
                .attr("value", &option.to_string())
                .void();
            h.tag("label")
                .attr("for", &id)
                .text(&format!("Also share (optional): {}", names.join(", ")));
        });
    }
}

pub(crate) async fn consent(State(site): State<Arc<Site>>, unlocked: Unlocked) -> Response {
    match site.sessions.pending(&unlocked.token) {
        Some(pending) => page(StatusCode::OK, consent_html(&unlocked, &pending)),
        None => see_other("/present"),
    }
}

/// The pending request with the optional sets the citizen ticked; `Err` is the
/// response to send instead.
fn consented(
    site: &Site,
    unlocked: &Unlocked,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Pending, Box<Response>> {
    check_post(
        site,
        headers,
        Some(unlocked),
        form.get(form::CSRF).map(String::as_str),
    )?;
    let mut pending = site
        .sessions
        .pending(&unlocked.token)
        .ok_or_else(|| Box::new(see_other("/present")))?;
    for i in 0..pending.plan.sets.len() {
        if pending.plan.sets[i].required {
            continue;
        }
        let choice = form
            .get(&format!("set{i}"))
            .and_then(|v| v.parse::<usize>().ok());
        if let Err(e) = pending.plan.choose_option(i, choice) {
            return Err(Box::new(problem(
                Some(unlocked),
                StatusCode::UNPROCESSABLE_ENTITY,
                e.code(),
                &e.to_string(),
            )));
        }
    }
    Ok(pending)
}

pub(crate) async fn share(
    State(site): State<Arc<Site>>,
    unlocked: Unlocked,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let pending = match consented(&site, &unlocked, &headers, &form) {
        Ok(pending) => pending,
        Err(response) => return *response,
    };
    if pending.offline {
        return problem(
            Some(&unlocked),
            StatusCode::UNPROCESSABLE_ENTITY,
            "request_offline",
            "This request came from an offline QR code: show your answer as a QR code instead.",
        );
    }
    let now = site.clock.now();
    let response = match respond(&pending.request, &pending.plan, &unlocked.vault, now) {
        Ok(response) => response,
        Err(e) => {
            return problem(
                Some(&unlocked),
                StatusCode::UNPROCESSABLE_ENTITY,
                e.code(),
                &e.to_string(),
            );
        }
    };
    site.sessions.set_pending(&unlocked.token, None);
    let sent = site.presenter.send(&pending.request, &response).await;
    let names = pending.plan.shared_labels();
    let html = layout("Shared", Some(&unlocked), |h| match &sent {
        Ok(redirect) => {
            h.tag("h1").text("Shared");
            notice(
                h,
                true,
                "",
                "The checkpoint received your answer. It shows the officer the result.",
            );
            h.tag("p").body(|h| {
                h.text("Shared with ");
                h.tag("code").text(&pending.plan.verifier);
                h.text(":");
            });
            h.tag("ul").attr("class", "shared").body(|h| {
                for name in &names {
                    h.tag("li").text(name);
                }
            });
            if let Some(uri) = redirect {
                h.tag("p").body(|h| {
                    h.tag("a")
                        .attr("class", "button")
                        .attr("href", uri)
                        .text("Continue at the checkpoint");
                });
            }
            h.tag("p").body(|h| {
                h.tag("a").attr("href", "/cards").text("Back to my cards");
            });
        }
        Err(e) => {
            h.tag("h1").text("Not delivered");
            notice(h, false, e.code(), &e.to_string());
        }
    });
    page(
        if sent.is_ok() {
            StatusCode::OK
        } else {
            StatusCode::BAD_GATEWAY
        },
        html,
    )
}

pub(crate) async fn show_qr(
    State(site): State<Arc<Site>>,
    unlocked: Unlocked,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let pending = match consented(&site, &unlocked, &headers, &form) {
        Ok(pending) => pending,
        Err(response) => return *response,
    };
    let now = site.clock.now();
    let text =
        respond(&pending.request, &pending.plan, &unlocked.vault, now).and_then(|r| offline_qr(&r));
    let text = match text {
        Ok(text) => text,
        Err(e) => {
            return problem(
                Some(&unlocked),
                StatusCode::UNPROCESSABLE_ENTITY,
                e.code(),
                &e.to_string(),
            );
        }
    };
    site.sessions.set_pending(&unlocked.token, None);
    let svg = match QrSvg::draw(&text) {
        Ok(svg) => svg,
        Err(e) => {
            return problem(
                Some(&unlocked),
                StatusCode::UNPROCESSABLE_ENTITY,
                e.code(),
                &e.to_string(),
            );
        }
    };
    let html = layout("Your answer", Some(&unlocked), |h| {
        h.tag("h1").text("Show this to the officer");
        h.tag("div")
            .attr("class", "qr full")
            .attr("role", "img")
            .attr("aria-label", "your presentation as a QR code")
            .body(|h| {
                h.qr(&svg);
            });
        h.tag("p")
            .attr("class", "hint")
            .text("Turn your screen brightness up. The code holds only what you agreed to share.");
        h.tag("p").body(|h| {
            h.tag("a").attr("href", "/cards").text("Done");
        });
    });
    page(StatusCode::OK, html)
}

pub(crate) async fn decline(
    State(site): State<Arc<Site>>,
    unlocked: Unlocked,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let pending = match consented(&site, &unlocked, &headers, &form) {
        Ok(pending) => pending,
        Err(response) => return *response,
    };
    site.sessions.set_pending(&unlocked.token, None);
    if !pending.offline {
        let now = site.clock.now();
        if let Err(e) = site
            .presenter
            .decline(&pending.request, DECLINED, &unlocked.vault, now)
            .await
        {
            return problem(
                Some(&unlocked),
                StatusCode::BAD_GATEWAY,
                e.code(),
                &format!("Nothing was shared, but the checkpoint could not be told: {e}"),
            );
        }
    }
    let html = layout("Declined", Some(&unlocked), |h| {
        h.tag("h1").text("Nothing was shared");
        notice(
            h,
            true,
            "",
            "You declined. The checkpoint was told, and nothing left your wallet.",
        );
        h.tag("p").body(|h| {
            h.tag("a").attr("href", "/cards").text("Back to my cards");
        });
    });
    page(StatusCode::OK, html)
}
