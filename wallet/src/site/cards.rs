//! The cards: the list with each card's standing badge, one card's claims in plain
//! language, and adding a card from an issuer's offer (OpenID4VCI, pre-authorized
//! code and the office's PIN), checked on the registry once received.

use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use sigillum_credential::qr;
use sigillum_credential::time::Timestamp;
use sigillum_web::html::Html;
use sigillum_web::page::{notice, page, percent_encode, see_other, when};

use super::form::{self, Fields, LinkOrPhoto, check_post, csrf_field};
use super::session::{Unlocked, is_unlocked};
use super::{Site, layout, problem};
use crate::cards::{Card, card, cards};
use crate::receive;
use crate::standing::{self, Standing};
use crate::vault::StoredCredential;

/// The standing of `copy`, or "not checked" when no registry is configured.
pub(crate) async fn standing_of(site: &Site, copy: &StoredCredential) -> Standing {
    match &site.ledger {
        Some(ledger) => standing::check(copy, ledger.as_ref(), site.clock.as_ref()).await,
        None => Standing::Unchecked {
            why: "this wallet service has no registry to ask".into(),
        },
    }
}

fn badge(h: &mut Html, standing: &Standing) {
    h.tag("span")
        .attr("class", &format!("badge badge-{}", standing.badge()))
        .text(standing.badge());
}

fn validity(card: &Card) -> String {
    match card.valid_until {
        Some(until) => format!("Valid until {}", when(until.unix())),
        None => "No expiry".into(),
    }
}

pub(crate) async fn home(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    see_other(if is_unlocked(&site, &headers) {
        "/cards"
    } else {
        "/unlock"
    })
}

pub(crate) async fn list(State(site): State<Arc<Site>>, unlocked: Unlocked) -> Response {
    let held = match cards(&unlocked.vault) {
        Ok(held) => held,
        Err(e) => {
            return problem(
                Some(&unlocked),
                StatusCode::INTERNAL_SERVER_ERROR,
                e.code(),
                &e.to_string(),
            );
        }
    };
    let mut shown = Vec::with_capacity(held.len());
    for (card, copy) in held {
        let standing = standing_of(&site, &copy).await;
        shown.push((card, standing));
    }
    let now = site.clock.now();
    let html = layout("My cards", Some(&unlocked), |h| {
        h.tag("h1").text("My cards");
        if shown.is_empty() {
            h.tag("p").text(
                "No cards yet. Add one with the link or QR code your office gave you, and its PIN.",
            );
        }
        h.tag("ul").attr("class", "cards").body(|h| {
            for (card, standing) in &shown {
                h.tag("li").body(|h| {
                    h.tag("a")
                        .attr("class", "card")
                        .attr("href", &format!("/cards/{}", percent_encode(&card.group)))
                        .body(|h| {
                            h.tag("span")
                                .attr("class", "card-type")
                                .text(&card.type_name);
                            badge(h, standing);
                            h.tag("span")
                                .attr("class", "card-issuer")
                                .text(&format!("From {}", card.issuer_url));
                            h.tag("span").attr("class", "card-validity").text(
                                &if card.expired(now) {
                                    "Expired".to_owned()
                                } else {
                                    validity(card)
                                },
                            );
                        });
                });
            }
        });
        h.tag("p").attr("class", "actions").body(|h| {
            h.tag("a")
                .attr("class", "button")
                .attr("href", "/add")
                .text("Add a card");
            h.tag("a")
                .attr("class", "button secondary")
                .attr("href", "/present")
                .text("Show a card");
        });
    });
    page(StatusCode::OK, html)
}

#[derive(Deserialize)]
pub(crate) struct DetailQuery {
    #[serde(default)]
    added: Option<u8>,
}

pub(crate) async fn detail(
    State(site): State<Arc<Site>>,
    unlocked: Unlocked,
    Path(group): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Response {
    let found = match card(&unlocked.vault, &group) {
        Ok(found) => found,
        Err(e) => {
            return problem(
                Some(&unlocked),
                StatusCode::INTERNAL_SERVER_ERROR,
                e.code(),
                &e.to_string(),
            );
        }
    };
    let Some((card, copy)) = found else {
        return problem(
            Some(&unlocked),
            StatusCode::NOT_FOUND,
            "card_unknown",
            "This wallet holds no such card.",
        );
    };
    let standing = standing_of(&site, &copy).await;
    let html = layout(&card.type_name, Some(&unlocked), |h| {
        h.tag("h1").body(|h| {
            h.text(&card.type_name);
            h.text(" ");
            badge(h, &standing);
        });
        if query.added.is_some() {
            notice(
                h,
                true,
                "",
                &format!("Added: {} from {}.", card.type_name, card.issuer_url),
            );
        }
        let ok = standing == Standing::Valid;
        notice(
            h,
            ok,
            if ok { "" } else { standing.badge() },
            &standing.sentence(),
        );
        h.tag("dl").attr("class", "claims").body(|h| {
            for claim in &card.claims {
                h.tag("dt").text(&claim.label);
                h.tag("dd").text(&claim.value);
            }
        });
        h.tag("h2").text("About this card");
        h.tag("dl").body(|h| {
            h.tag("dt").text("Issued by");
            h.tag("dd").body(|h| {
                h.tag("code").text(&card.issuer);
            });
            h.tag("dt").text("Received from");
            h.tag("dd").text(&card.issuer_url);
            h.tag("dt").text("Received");
            h.tag("dd").text(&when(card.received_at));
            h.tag("dt").text("Validity");
            h.tag("dd").text(&validity(&card));
            h.tag("dt").text("One-time copies left");
            h.tag("dd")
                .text(&format!("{} of {}", card.copies_left, card.copies));
        });
        if card.copies_left == 0 {
            notice(
                h,
                false,
                "copies_used_up",
                "Every copy was shown once. Ask the office for a new batch so verifiers cannot link your visits.",
            );
        }
    });
    page(StatusCode::OK, html)
}

fn add_html(unlocked: &Unlocked, error: Option<(&str, &str)>, offer: &str) -> String {
    layout("Add a card", Some(unlocked), |h| {
        h.tag("h1").text("Add a card");
        if let Some((code, sentence)) = error {
            notice(h, false, code, sentence);
        }
        h.tag("form")
            .attr("method", "post")
            .attr("action", "/add")
            .attr("enctype", "multipart/form-data")
            .body(|h| {
                csrf_field(h, unlocked);
                LinkOrPhoto {
                    link_label: "Offer link",
                    link_name: "offer",
                    value: offer,
                    hint: "Paste the link the office gave you (it starts with \
                           openid-credential-offer://), or choose a photo of its QR code below.",
                    photo_label: "Photo of the QR code",
                }
                .write(h);
                form::input(
                    h,
                    "PIN from the office",
                    "pin",
                    "text",
                    "one-time-code",
                    "The office gives it to you separately from the link.",
                );
                form::submit(h, "Add the card");
            });
    })
}

pub(crate) async fn add_page(unlocked: Unlocked) -> Response {
    page(StatusCode::OK, add_html(&unlocked, None, ""))
}

pub(crate) async fn add(
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
                add_html(&unlocked, Some(("form_invalid", &why)), ""),
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
    let mut offer = fields.text("offer");
    if offer.is_empty() {
        match fields.file("photo").map(qr::scan_image) {
            Some(Ok(text)) => offer = text,
            Some(Err(e)) => {
                return page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    add_html(
                        &unlocked,
                        Some((
                            e.code(),
                            &format!(
                                "The photo could not be read: {e}. Try a sharper photo, or paste the link."
                            ),
                        )),
                        "",
                    ),
                );
            }
            None => {
                return page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    add_html(
                        &unlocked,
                        Some((
                            "offer_missing",
                            "Paste the offer link or choose a photo of its QR code.",
                        )),
                        "",
                    ),
                );
            }
        }
    }
    let pin = fields.text("pin");
    let now: Timestamp = site.clock.now();
    let received = site
        .receiver
        .receive(
            &offer,
            (!pin.is_empty()).then_some(pin.as_str()),
            site.config.copies,
            now,
        )
        .await;
    let received = match received {
        Ok(received) => received,
        Err(e) => {
            return page(
                StatusCode::UNPROCESSABLE_ENTITY,
                add_html(&unlocked, Some((e.code(), &e.to_string())), &offer),
            );
        }
    };
    match receive::keep(&unlocked.vault, &received, now) {
        Ok(group) => see_other(&format!("/cards/{}?added=1", percent_encode(&group))),
        Err(e) => problem(
            Some(&unlocked),
            StatusCode::INTERNAL_SERVER_ERROR,
            e.code(),
            &e.to_string(),
        ),
    }
}
