//! The consent and history log: every credential received, every presentation
//! (who asked, what they asked for, what was shared, when) and every refusal; as a
//! page and as a JSON file to keep.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigillum_web::page::{page as html_page, when};

use super::session::Unlocked;
use super::{Site, layout, problem};

pub(crate) async fn page(State(site): State<Arc<Site>>, unlocked: Unlocked) -> Response {
    let _ = &site;
    let mut entries = match unlocked.vault.history() {
        Ok(entries) => entries,
        Err(e) => {
            return problem(
                Some(&unlocked),
                StatusCode::INTERNAL_SERVER_ERROR,
                e.code(),
                &e.to_string(),
            );
        }
    };
    entries.reverse();
    let html = layout("History", Some(&unlocked), |h| {
        h.tag("h1").text("History");
        h.tag("p").body(|h| {
            h.tag("a")
                .attr("href", "/history.json")
                .attr("download", "wallet-history.json")
                .text("Download the history (JSON)");
        });
        if entries.is_empty() {
            h.tag("p").text("Nothing yet.");
        }
        h.tag("table").body(|h| {
            h.tag("thead").body(|h| {
                h.tag("tr").body(|h| {
                    for heading in ["When", "What", "With", "Asked for", "Shared"] {
                        h.tag("th").attr("scope", "col").text(heading);
                    }
                });
            });
            h.tag("tbody").body(|h| {
                for entry in &entries {
                    h.tag("tr")
                        .attr("class", &format!("history-{}", entry.kind))
                        .body(|h| {
                            h.tag("td")
                                .attr("data-label", "When")
                                .text(&when(entry.time));
                            h.tag("td").attr("data-label", "What").text(entry.what());
                            h.tag("td").attr("data-label", "With").body(|h| {
                                h.tag("code").text(&entry.counterparty);
                            });
                            h.tag("td")
                                .attr("data-label", "Asked for")
                                .text(&entry.requested.join(", "));
                            h.tag("td").attr("data-label", "Shared").text(&if entry
                                .shared
                                .is_empty()
                            {
                                "nothing".to_owned()
                            } else {
                                entry.shared.join(", ")
                            });
                        });
                }
            });
        });
    });
    html_page(StatusCode::OK, html)
}

pub(crate) async fn export(unlocked: Unlocked) -> Response {
    let entries = match unlocked.vault.history() {
        Ok(entries) => entries,
        Err(e) => {
            return problem(
                Some(&unlocked),
                StatusCode::INTERNAL_SERVER_ERROR,
                e.code(),
                &e.to_string(),
            );
        }
    };
    let body = serde_json::to_string_pretty(&crate::history::export(&unlocked.user, &entries))
        .unwrap_or_default();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"wallet-history.json\"",
            ),
        ],
        body,
    )
        .into_response()
}
