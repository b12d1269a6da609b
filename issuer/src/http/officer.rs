//! Officer endpoints: bearer token → officer (401 without a valid one), role
//! checks (403), strict JSON bodies (duplicate members refused), problem details.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sigillum_credential::qr::render::{render_png, render_svg};

use super::{ApiError, MAX_BODY_BYTES};
use crate::apply::{ApplyRequest, CredentialView, StatusAction};
use crate::error::IssueError;
use crate::service::Issuer;
use crate::store::{Officer, Role};

fn officer(issuer: &Issuer, headers: &HeaderMap) -> Result<Officer, ApiError> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    Ok(issuer.authenticate(auth)?)
}

/// Parses a JSON body strictly: duplicate members and trailing data are refused.
pub(super) fn strict_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value = sigillum_credential::json::parse(body, MAX_BODY_BYTES).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "json_invalid",
            format!("the request body: {e}"),
        )
    })?;
    serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "request_invalid",
            format!("the request body: {e}"),
        )
    })
}

/// `POST /v1/credentials/{type}[?qr=svg|png|none]`.
pub(super) async fn apply(
    State(issuer): State<Arc<Issuer>>,
    Path(type_name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let officer = officer(&issuer, &headers)?;
    let request: ApplyRequest = strict_json(&body)?;
    let offer = issuer.apply(&officer, &type_name, request).await?;
    let mut answer = serde_json::to_value(&offer).unwrap_or(Value::Null);
    let qr = query.get("qr").map_or("svg", String::as_str);
    let rendered = match qr {
        "none" => None,
        "png" => Some(render_png(&offer.offer_link, 4).map(|png| {
            json!(format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(png)
            ))
        })),
        "svg" => Some(render_svg(&offer.offer_link).map(|svg| json!(svg))),
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "qr_format_unknown",
                format!("qr={other}: use svg, png or none"),
            ));
        }
    };
    if let Some(rendered) = rendered {
        let rendered = rendered.map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "qr_failed",
                e.to_string(),
            )
        })?;
        answer["qr"] = rendered;
    }
    let status = if offer.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)).into_response())
}

/// `GET /v1/credentials/{id}`.
pub(super) async fn show(
    State(issuer): State<Arc<Issuer>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    officer(&issuer, &headers)?;
    let application = issuer.lookup(&id)?;
    let mut view = serde_json::to_value(CredentialView::from(&application)).unwrap_or(Value::Null);
    view["holders"] = json!(
        application
            .slots
            .iter()
            .map(|(_, thumbprint)| thumbprint.clone())
            .collect::<Vec<_>>()
    );
    Ok(Json(view).into_response())
}

/// `GET /v1/credentials?reference=PREFIX&limit=N`.
pub(super) async fn search(
    State(issuer): State<Arc<Issuer>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    officer(&issuer, &headers)?;
    let prefix = query.get("reference").map_or("", String::as_str);
    let limit = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50usize);
    Ok(Json(json!({"credentials": issuer.search(prefix, limit)?})).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    #[serde(default)]
    reason: String,
}

/// `POST /v1/credentials/{id}/revoke|suspend|reinstate` with `{"reason": "…"}`.
pub(super) async fn change_status(
    State(issuer): State<Arc<Issuer>>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let officer = officer(&issuer, &headers)?;
    let action = StatusAction::parse(&action).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            format!("{action:?}: use revoke, suspend or reinstate"),
        )
    })?;
    let reason: Reason = if body.is_empty() {
        Reason {
            reason: String::new(),
        }
    } else {
        strict_json(&body)?
    };
    let view = tokio::task::spawn_blocking(move || {
        issuer.change_status(&officer, &id, action, &reason.reason)
    })
    .await
    .map_err(|e| IssueError::Store(e.to_string()))??;
    Ok(Json(view).into_response())
}

/// `GET /v1/audit?from=N&limit=M`: the chain's entries and whether it verifies.
pub(super) async fn audit(
    State(issuer): State<Arc<Issuer>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let officer = officer(&issuer, &headers)?;
    if !officer.may(&Role::Admin) {
        return Err(IssueError::Forbidden {
            officer: officer.name,
            role: "admin".into(),
        }
        .into());
    }
    let from = query.get("from").and_then(|v| v.parse().ok()).unwrap_or(0);
    let limit = query
        .get("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100usize)
        .min(1000);
    let store = issuer.store();
    let head = store.audit_verify();
    let entries = store
        .audit_entries(from, limit)
        .map_err(|e| IssueError::Store(e.to_string()))?;
    let verified = match head {
        Ok(head) => json!({"ok": true, "count": head.count}),
        Err(e) => json!({"ok": false, "error": e.to_string()}),
    };
    Ok(Json(json!({"verified": verified, "entries": entries})).into_response())
}
