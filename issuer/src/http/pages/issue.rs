//! The start page, the issuing form of each credential type and the offer page.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sigillum_credential::schema::CredentialSchema;

use super::form::{self, FormSpec, Values};
use super::html::{Html, QrSvg};
use super::render::{self, Errors, Slot};
use super::session::{SameOrigin, Session};
use super::{layout, notice, page, percent_encode, problem, see_other, when};
use crate::apply::{ApplyRequest, MAX_REFERENCE, OfferView};
use crate::error::IssueError;
use crate::service::Issuer;
use crate::store::{Officer, Role};

/// The formats an officer chooses from: (configuration value, what the officer reads).
const FORMATS: [(&str, &str); 2] = [
    ("dc+sd-jwt", "SD-JWT VC (selective disclosure; recommended)"),
    ("jwt_vc_json", "VC-JWT (W3C VC Data Model 2.0)"),
];

/// `GET /officer`: who is signed in, what they may issue, and a search box.
pub(crate) async fn home(State(issuer): State<Arc<Issuer>>, Session(officer): Session) -> Response {
    let issuable: Vec<(String, String)> = issuer
        .config()
        .types
        .iter()
        .filter(|t| officer.may(&Role::Issue((*t).clone())))
        .filter_map(|t| {
            let schema = issuer.served_type(t).ok()?;
            Some((t.clone(), schema.spec().display.name.clone()))
        })
        .collect();
    let roles: Vec<String> = officer.roles.iter().map(ToString::to_string).collect();
    let html = layout(&issuer, "Officer", Some(&officer), |h| {
        h.tag("h1").text(&format!("Welcome, {}", officer.name));
        h.tag("p").body(|h| {
            h.text("Your roles: ");
            h.tag("strong").text(&roles.join(", "));
        });
        h.tag("h2").text("Issue a credential");
        if issuable.is_empty() {
            h.tag("p")
                .text("You may not issue any of the credential types this office issues.");
        } else {
            h.tag("ul").attr("class", "types").body(|h| {
                for (type_name, display) in &issuable {
                    h.tag("li").body(|h| {
                        h.tag("a")
                            .attr(
                                "href",
                                &format!("/officer/issue/{}", percent_encode(type_name)),
                            )
                            .text(display);
                    });
                }
            });
        }
        h.tag("h2").text("Find issued credentials");
        search_box(h, "");
    });
    page(StatusCode::OK, html)
}

/// The search form (`GET /officer/search`).
pub(crate) fn search_box(h: &mut Html, reference: &str) {
    h.tag("form")
        .attr("method", "get")
        .attr("action", "/officer/search")
        .attr("role", "search")
        .body(|h| {
            h.tag("div").attr("class", "inline").body(|h| {
                let slot = Slot {
                    name: "reference",
                    label: "Applicant reference (or its beginning)",
                    hint: None,
                    required: false,
                    browser_required: true,
                    errors: None,
                };
                render::input(
                    h,
                    &slot,
                    &form::Kind::Text(form::TextRules {
                        max_length: Some(MAX_REFERENCE as u64),
                        ..form::TextRules::default()
                    }),
                    reference,
                );
                h.tag("button").attr("type", "submit").text("Search");
            });
        });
}

/// The type and its form, or the page saying why there is none.
fn form_for(
    issuer: &Issuer,
    officer: &Officer,
    type_name: &str,
) -> Result<(&'static CredentialSchema, FormSpec), Box<Response>> {
    let refuse = |status, code: &str, sentence: &str| {
        Box::new(problem(issuer, Some(officer), status, code, sentence))
    };
    let schema = issuer
        .served_type(type_name)
        .map_err(|e| refuse(StatusCode::NOT_FOUND, e.code(), &e.to_string()))?;
    if !officer.may(&Role::Issue(type_name.to_owned())) {
        let e = IssueError::Forbidden {
            officer: officer.name.clone(),
            role: Role::Issue(type_name.to_owned()).to_string(),
        };
        return Err(refuse(StatusCode::FORBIDDEN, e.code(), &e.to_string()));
    }
    let spec = FormSpec::from_type(schema.spec()).map_err(|e| {
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "form_unavailable",
            &format!("This type cannot be shown as a form ({e}); use the JSON API."),
        )
    })?;
    Ok((schema, spec))
}

/// What a re-rendered form shows besides the values.
#[derive(Default)]
struct Outcome {
    /// Messages per field.
    errors: Errors,
    /// (field name, what the officer calls it, message), in the schema's order.
    summary: Vec<(String, String, String)>,
    /// An error that belongs to no field: (code, sentence).
    notice: Option<(String, String)>,
}

/// `GET /officer/issue/{type}`.
pub(crate) async fn form_page(
    State(issuer): State<Arc<Issuer>>,
    Session(officer): Session,
    Path(type_name): Path<String>,
) -> Response {
    match form_for(&issuer, &officer, &type_name) {
        Ok((schema, spec)) => {
            let html = form_html(
                &issuer,
                &officer,
                schema,
                &spec,
                &Values::default(),
                &Outcome::default(),
            );
            page(StatusCode::OK, html)
        }
        Err(response) => *response,
    }
}

/// `POST /officer/issue/{type}`: the form → `Issuer::apply` → the offer, or the form
/// again with the officer's values and every message.
pub(crate) async fn submit(
    _: SameOrigin,
    State(issuer): State<Arc<Issuer>>,
    Session(officer): Session,
    Path(type_name): Path<String>,
    submitted: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (schema, spec) = match form_for(&issuer, &officer, &type_name) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let values = match submitted.map(|Form(pairs)| Values::from_pairs(pairs)) {
        Ok(Some(values)) => values,
        Ok(None) | Err(_) => {
            return problem(
                &issuer,
                Some(&officer),
                StatusCode::BAD_REQUEST,
                "form_invalid",
                "The form could not be read (too large, or not a form). Go back and try again.",
            );
        }
    };
    let parsed = form::parse(&spec, &values);
    let format = values.get("format").trim();
    let request = ApplyRequest {
        reference: values.get("reference").to_owned(),
        format: (!format.is_empty()).then(|| format.to_owned()),
        claims: parsed.claims.clone(),
    };
    let mut outcome = Outcome::default();
    let status = match issuer.apply(&officer, &type_name, request).await {
        Ok(offer) => {
            let status = if offer.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let html = offer_html(&issuer, &officer, schema, &values, &offer);
            return page(status, html);
        }
        Err(IssueError::Unauthenticated) => return see_other("/officer/login"),
        Err(IssueError::Schema(violations)) => {
            for v in violations.violations() {
                let name = parsed.field_for(&v.path).unwrap_or_default().to_owned();
                let label = spec.describe(&name);
                outcome
                    .errors
                    .entry(name.clone())
                    .or_default()
                    .push(v.message.clone());
                outcome.summary.push((name, label, v.message.clone()));
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e @ IssueError::BadRequest { .. }) => {
            let (field, label) = match e.code() {
                "reference_invalid" => ("reference", "Applicant reference"),
                "format_unknown" => ("format", "Format"),
                _ => ("", ""),
            };
            if field.is_empty() {
                outcome.notice = Some((e.code().to_owned(), e.to_string()));
            } else {
                outcome
                    .errors
                    .entry(field.to_owned())
                    .or_default()
                    .push(e.to_string());
                outcome
                    .summary
                    .push((field.to_owned(), label.to_owned(), e.to_string()));
            }
            StatusCode::BAD_REQUEST
        }
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let sentence = if status.is_server_error() {
                tracing::error!(error = %e, code = e.code(), "officer page failed");
                "The issuer could not complete this just now; nothing was issued. Try again in a moment."
                    .to_owned()
            } else {
                e.to_string()
            };
            outcome.notice = Some((e.code().to_owned(), sentence));
            status
        }
    };
    let html = form_html(&issuer, &officer, schema, &spec, &values, &outcome);
    page(status, html)
}

fn form_html(
    issuer: &Issuer,
    officer: &Officer,
    schema: &CredentialSchema,
    spec: &FormSpec,
    values: &Values,
    outcome: &Outcome,
) -> String {
    let display = &schema.spec().display.name;
    let type_name = schema.name();
    layout(issuer, &format!("Issue: {display}"), Some(officer), |h| {
        h.tag("h1").text(&format!("Issue a {display}"));
        if let Some((code, sentence)) = &outcome.notice {
            notice(h, false, code, sentence);
        }
        if !outcome.summary.is_empty() {
            summary(h, &outcome.summary);
        }
        h.tag("p").text(
            "Fields marked required must be filled. Dates are entered as the day, month and year.",
        );
        h.tag("form")
            .attr("method", "post")
            .attr("action", &format!("/officer/issue/{}", percent_encode(type_name)))
            .attr("autocomplete", "off")
            .body(|h| {
                h.tag("fieldset").body(|h| {
                    h.tag("legend").text("Application");
                    render::grid(h, |h| {
                        let reference = Slot {
                            name: "reference",
                            label: "Applicant reference",
                            hint: Some("The office's case number for this applicant. The same reference and data again gives the same credential (with a new offer)."),
                            required: true,
                            browser_required: true,
                            errors: outcome.errors.get("reference"),
                        };
                        render::input(
                            h,
                            &reference,
                            &form::Kind::Text(form::TextRules {
                                max_length: Some(MAX_REFERENCE as u64),
                                ..form::TextRules::default()
                            }),
                            values.get("reference"),
                        );
                        let format = Slot {
                            name: "format",
                            label: "Format",
                            hint: None,
                            required: true,
                            browser_required: true,
                            errors: outcome.errors.get("format"),
                        };
                        let options: Vec<(String, String)> = FORMATS
                            .iter()
                            .map(|(v, t)| ((*v).to_owned(), (*t).to_owned()))
                            .collect();
                        render::select_field(h, &format, values.get("format"), &options);
                    });
                });
                h.tag("fieldset").body(|h| {
                    h.tag("legend").text(&format!("{display}: the holder's data"));
                    render::grid(h, |h| {
                        render::fields(h, &spec.fields, "", values, &outcome.errors, true);
                    });
                });
                h.tag("div").attr("class", "actions").body(|h| {
                    h.tag("button").attr("type", "submit").text("Create the offer");
                    h.tag("a").attr("href", "/officer").text("Cancel");
                });
            });
    })
}

/// The list of what must be fixed, each linking to its field.
fn summary(h: &mut Html, items: &[(String, String, String)]) {
    h.tag("div")
        .attr("class", "notice error")
        .attr("role", "alert")
        .attr("id", "problems")
        .body(|h| {
            let n = items.len();
            h.tag("p").body(|h| {
                h.tag("code").text("schema_violation");
                h.text(&if n == 1 {
                    " 1 field needs attention; nothing was issued.".to_owned()
                } else {
                    format!(" {n} fields need attention; nothing was issued.")
                });
            });
            h.tag("ul").body(|h| {
                for (name, label, message) in items {
                    h.tag("li").body(|h| {
                        if name.is_empty() {
                            h.text(label);
                        } else {
                            h.tag("a").attr("href", &format!("#f-{name}")).text(label);
                        }
                        h.text(&format!(": {message}"));
                    });
                }
            });
        });
}

fn offer_html(
    issuer: &Issuer,
    officer: &Officer,
    schema: &CredentialSchema,
    values: &Values,
    offer: &OfferView,
) -> String {
    let display = &schema.spec().display.name;
    let reference = values.get("reference").trim();
    let format = values.get("format");
    let format = FORMATS
        .iter()
        .find(|(v, _)| *v == format)
        .map_or(FORMATS[0].1, |(_, t)| *t);
    let qr = QrSvg::draw(&offer.offer_link);
    layout(issuer, &format!("Offer: {display}"), Some(officer), |h| {
        h.tag("h1").text(&format!("{display}: the offer is ready"));
        if offer.created {
            notice(
                h,
                true,
                "",
                "The credential was recorded. Show the QR code to the citizen's wallet.",
            );
        } else {
            notice(
                h,
                true,
                "",
                "This reference was already recorded with the same data: this is a new offer for the same credential.",
            );
        }
        h.tag("div").attr("class", "offer").body(|h| {
            match &qr {
                Ok(svg) => {
                    h.tag("figure")
                        .attr("class", "qr")
                        .attr("role", "img")
                        .attr("aria-label", "QR code of the credential offer, for the citizen's wallet to scan")
                        .body(|h| {
                            h.qr(svg);
                        });
                }
                Err(e) => notice(h, false, e.code(), "The QR code could not be drawn; use the link below."),
            }
            h.tag("div").body(|h| {
                h.tag("h2").attr("id", "pin-label").text("PIN");
                h.tag("p")
                    .attr("class", "pin")
                    .attr("aria-labelledby", "pin-label")
                    .text(&offer.tx_code);
                h.tag("p").body(|h| {
                    h.tag("strong").text("Give this to the citizen separately");
                    h.text(" (in person, by text message or by letter), never together with the QR code: the wallet asks for it.");
                });
                h.tag("dl").body(|h| {
                    h.tag("dt").text("Credential id");
                    h.tag("dd").body(|h| h.tag("code").text(&offer.id));
                    h.tag("dt").text("Applicant reference");
                    h.tag("dd").text(reference);
                    h.tag("dt").text("Format");
                    h.tag("dd").text(format);
                    h.tag("dt").text("Offer expires");
                    h.tag("dd").text(&when(offer.expires_at));
                });
                h.tag("details").body(|h| {
                    h.tag("summary").text("Offer link (for a wallet on this device)");
                    h.tag("p").body(|h| {
                        h.tag("a").attr("href", &offer.offer_link).body(|h| {
                            h.tag("code").text(&offer.offer_link);
                        });
                    });
                });
            });
        });
        h.tag("div").attr("class", "actions").body(|h| {
            h.tag("a")
                .attr(
                    "href",
                    &format!("/officer/issue/{}", percent_encode(schema.name())),
                )
                .text(&format!("Issue another {display}"));
            h.tag("a")
                .attr(
                    "href",
                    &format!("/officer/search?reference={}", percent_encode(reference)),
                )
                .text("Find this credential");
        });
    })
}
