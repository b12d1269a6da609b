//! Finding credentials by applicant reference, and revoking, suspending and
//! reinstating them. A status change answers with a redirect back to the search,
//! carrying its outcome in the query string (`flash`, `flash_kind`), which the search
//! page shows escaped.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::html::Html;
use super::issue::search_box;
use super::session::{SameOrigin, Session};
use super::{layout, notice, page, percent_encode, see_other, when};
use crate::apply::{CredentialView, MAX_REFERENCE, StatusAction};
use crate::error::IssueError;
use crate::service::Issuer;
use crate::store::{Officer, Role};

/// Most rows one search shows.
const LIMIT: usize = 50;
/// Longest flash message shown.
const MAX_FLASH: usize = 300;
/// Longest reason kept (the store keeps 200 characters of it).
const MAX_REASON: usize = 200;

/// `GET /officer/search?reference=PREFIX[&flash=…&flash_kind=ok|error]`.
pub(crate) async fn search(
    State(issuer): State<Arc<Issuer>>,
    Session(officer): Session,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let reference: String = query
        .get("reference")
        .map(|r| r.trim().chars().take(MAX_REFERENCE).collect())
        .unwrap_or_default();
    let flash = query.get("flash").map(|f| {
        let text: String = f
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_FLASH)
            .collect();
        (query.get("flash_kind").is_some_and(|k| k == "ok"), text)
    });
    let found = if reference.is_empty() {
        None
    } else {
        Some(issuer.search(&reference, LIMIT))
    };
    let html = layout(&issuer, "Search", Some(&officer), |h| {
        h.tag("h1").text("Find issued credentials");
        if let Some((ok, text)) = &flash {
            notice(h, *ok, "", text);
        }
        search_box(h, &reference);
        match &found {
            None => {
                h.tag("p").text(
                    "Enter an applicant reference, or its beginning, to list the credentials issued for it.",
                );
            }
            Some(Err(e)) => notice(h, false, e.code(), &e.to_string()),
            Some(Ok(views)) if views.is_empty() => {
                h.tag("p").text(&format!(
                    "No credential has a reference starting with “{reference}”."
                ));
            }
            Some(Ok(views)) => results(h, &officer, &reference, views),
        }
    });
    page(StatusCode::OK, html)
}

/// The actions `officer` may take on a credential in `status`, as (action, button text).
fn actions(officer: &Officer, status: &str) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if status == "valid" && officer.may(&Role::Suspend) {
        out.push(("suspend", "Suspend"));
    }
    if status == "suspended" && officer.may(&Role::Suspend) {
        out.push(("reinstate", "Reinstate"));
    }
    if status != "revoked" && officer.may(&Role::Revoke) {
        out.push(("revoke", "Revoke (final)"));
    }
    out
}

fn results(h: &mut Html, officer: &Officer, reference: &str, views: &[CredentialView]) {
    let n = views.len();
    h.tag("p").text(&if n >= LIMIT {
        format!("The first {n} credentials; type more of the reference to narrow the list.")
    } else if n == 1 {
        "1 credential.".to_owned()
    } else {
        format!("{n} credentials.")
    });
    h.tag("table").body(|h| {
        h.tag("thead").body(|h| {
            h.tag("tr").body(|h| {
                for title in [
                    "Reference",
                    "Type",
                    "Format",
                    "Status",
                    "Copies",
                    "Created",
                    "Change status",
                ] {
                    h.tag("th").attr("scope", "col").text(title);
                }
            });
        });
        h.tag("tbody").body(|h| {
            for view in views {
                row(h, officer, reference, view);
            }
        });
    });
}

fn row(h: &mut Html, officer: &Officer, back: &str, view: &CredentialView) {
    h.tag("tr").attr("id", &format!("c-{}", view.id)).body(|h| {
        h.tag("td").attr("data-label", "Reference").body(|h| {
            h.tag("strong").text(&view.reference);
            h.tag("br").void();
            h.tag("code").text(&view.id);
        });
        h.tag("td")
            .attr("data-label", "Type")
            .text(&view.credential_type);
        h.tag("td").attr("data-label", "Format").text(&view.format);
        h.tag("td").attr("data-label", "Status").body(|h| {
            h.tag("span")
                .attr("class", &format!("status status-{}", view.status))
                .text(&view.status);
        });
        h.tag("td")
            .attr("data-label", "Copies")
            .text(&view.copies.to_string());
        h.tag("td")
            .attr("data-label", "Created")
            .text(&when(i64::try_from(view.created).unwrap_or(i64::MAX)));
        h.tag("td").attr("data-label", "Change status").body(|h| {
            let allowed = actions(officer, &view.status);
            let Some((first, _)) = allowed.first() else {
                h.text("—");
                return;
            };
            let base = format!("/officer/credentials/{}", percent_encode(&view.id));
            h.tag("form")
                .attr("method", "post")
                .attr("action", &format!("{base}/{first}"))
                .body(|h| {
                    h.tag("input")
                        .attr("type", "hidden")
                        .attr("name", "back")
                        .attr("value", back)
                        .void();
                    let id = format!("reason-{}", view.id);
                    h.tag("div").attr("class", "field").body(|h| {
                        h.tag("label").attr("for", &id).text("Reason");
                        h.tag("input")
                            .attr("type", "text")
                            .attr("id", &id)
                            .attr("name", "reason")
                            .attr("maxlength", "200")
                            .flag("required", true)
                            .void();
                    });
                    h.tag("div").attr("class", "actions").body(|h| {
                        for (action, text) in &allowed {
                            h.tag("button")
                                .attr("type", "submit")
                                .attr("formaction", &format!("{base}/{action}"))
                                .attr_opt("class", (*action == "revoke").then_some("danger"))
                                .text(text);
                        }
                    });
                });
        });
    });
}

/// `POST /officer/credentials/{id}/{action}` with `reason` (and `back`, the search to
/// return to).
pub(crate) async fn change_status(
    _: SameOrigin,
    State(issuer): State<Arc<Issuer>>,
    Session(officer): Session,
    Path((id, action)): Path<(String, String)>,
    submitted: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let pairs = submitted.map(|Form(p)| p).unwrap_or_default();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
            .trim()
            .to_owned()
    };
    let back: String = field("back").chars().take(MAX_REFERENCE).collect();
    let reason: String = field("reason").chars().take(MAX_REASON).collect();
    let back_to = |reference: &str, ok: bool, message: &str| {
        let reference = if back.is_empty() { reference } else { &back };
        // The message may quote the path's id: keep the Location header short.
        let message: String = message.chars().take(MAX_FLASH).collect();
        see_other(&format!(
            "/officer/search?reference={}&flash={}&flash_kind={}",
            percent_encode(reference),
            percent_encode(&message),
            if ok { "ok" } else { "error" }
        ))
    };
    let Some(parsed) = StatusAction::parse(&action) else {
        return back_to(
            "",
            false,
            "Unknown action: use revoke, suspend or reinstate.",
        );
    };
    if reason.is_empty() {
        return back_to(
            "",
            false,
            "Give a reason for the status change; nothing was changed.",
        );
    }
    let worker = Arc::clone(&issuer);
    let task_id = id.clone();
    let changed = tokio::task::spawn_blocking(move || {
        worker.change_status(&officer, &task_id, parsed, &reason)
    })
    .await
    .map_err(|e| IssueError::Store(e.to_string()))
    .and_then(|r| r);
    match changed {
        Ok(view) => back_to(
            &view.reference,
            true,
            &format!(
                "Credential {} ({}) is now {}.",
                view.id, view.reference, view.status
            ),
        ),
        Err(e) if e.status() >= 500 => {
            tracing::error!(error = %e, code = e.code(), "officer page failed");
            back_to(
                "",
                false,
                &format!(
                    "{}: the status could not be changed just now; try again in a moment.",
                    e.code()
                ),
            )
        }
        Err(e) => back_to("", false, &format!("{}: {e}", e.code())),
    }
}
