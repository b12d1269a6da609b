//! Over real HTTP on loopback: a small verifier (axum) serves a signed Request
//! Object and records what the wallet posts; a raw socket serves a body with no
//! declared length.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use sigillum_credential::oid4vp::{
    MAX_REQUEST_OBJECT_LEN, REQUEST_OBJECT_MEDIA_TYPE, RequestLink, WalletAnswer,
};

use super::*;
use crate::present::{PresentError, Presenter, plan, respond};

const JWT_TYPE: [(header::HeaderName, &str); 1] =
    [(header::CONTENT_TYPE, REQUEST_OBJECT_MEDIA_TYPE)];

struct Checkpoint {
    base: String,
    verifier: Verifier,
    request: AuthorizationRequest,
    posted: Arc<Mutex<Vec<String>>>,
}

impl Checkpoint {
    fn link(&self, path: &str) -> String {
        RequestLink {
            client_id: self.verifier.client_id.clone(),
            request_uri: format!("{}{path}", self.base),
        }
        .to_link()
    }

    fn answering(&self, path: &str) -> AuthorizationRequest {
        AuthorizationRequest {
            response_uri: format!("{}{path}", self.base),
            ..self.request.clone()
        }
    }
}

async fn checkpoint(dcql: &Value) -> Checkpoint {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let v = verifier();
    let req = request_to(&v, dcql, &format!("{base}/response"));
    let jwt = signed(&v, &req);
    let forger = verifier();
    let forged = sign_request_object(&req, &v.kid, &forger.key, NOW).unwrap();
    let posted = Arc::new(Mutex::new(Vec::new()));
    let record = |answer: (StatusCode, &'static str)| {
        let posted = posted.clone();
        move |body: String| async move {
            posted.lock().unwrap().push(body);
            (
                answer.0,
                [(header::CONTENT_TYPE, "application/json")],
                answer.1,
            )
        }
    };
    let app = Router::new()
        .route("/request", get(move || async move { (JWT_TYPE, jwt) }))
        .route("/forged", get(move || async move { (JWT_TYPE, forged) }))
        .route("/garbage", get(|| async { (JWT_TYPE, "not.a.jwt") }))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/moved",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/request")]) }),
        )
        .route(
            "/html",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html></html>") }),
        )
        .route(
            "/huge",
            get(|| async { (JWT_TYPE, "a".repeat(MAX_REQUEST_OBJECT_LEN + 1)) }),
        )
        .route(
            "/response",
            post(record((
                StatusCode::OK,
                r#"{"redirect_uri":"https://verifier.example/done#response_code=abc"}"#,
            ))),
        )
        .route("/empty", post(record((StatusCode::OK, "{}"))))
        .route(
            "/refuse",
            post(record((
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_request","error_description":"the nonce is not one we issued"}"#,
            ))),
        )
        .route("/not-json", post(record((StatusCode::OK, "thanks"))))
        .route(
            "/problem",
            post(record((
                StatusCode::UNPROCESSABLE_ENTITY,
                r#"{"type":"about:blank","title":"Rejected","code":"key_binding_nonce_mismatch","detail":"the nonce differs"}"#,
            ))),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Checkpoint {
        base,
        verifier: v,
        request: req,
        posted,
    }
}

/// A server that answers once with a Request Object content type and `len` bytes,
/// no `Content-Length`, ending the body by closing the connection.
fn endless_body(len: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut socket, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {REQUEST_OBJECT_MEDIA_TYPE}\r\nconnection: close\r\n\r\n"
            );
            let _ = socket.write_all(head.as_bytes());
            let chunk = vec![b'a'; 16 * 1024];
            let mut sent = 0;
            while sent < len && socket.write_all(&chunk).is_ok() {
                sent += chunk.len();
            }
        }
    });
    format!("http://{addr}/request")
}

#[tokio::test]
async fn fetch_plan_respond_and_send_by_direct_post() {
    let (_dir, vault) = open_vault();
    let ministry = issuer();
    hold(&vault, &ministry, "passport", 1, NOW.plus(YEAR));
    let cp = checkpoint(&profile("border")).await;
    let presenter = Presenter::new();

    let req = presenter.fetch(&cp.link("/request")).await.unwrap();
    assert_eq!(req, cp.request);
    let p = plan(&req, &vault, NOW).unwrap();
    let answer = respond(&req, &p, &vault, NOW).unwrap();
    let redirect = presenter.send(&req, &answer).await.unwrap();
    assert_eq!(
        redirect.as_deref(),
        Some("https://verifier.example/done#response_code=abc")
    );
    let posted = cp.posted.lock().unwrap().clone();
    assert_eq!(posted.len(), 1);
    let WalletAnswer::Presented(received) = WalletAnswer::from_form(&posted[0]).unwrap() else {
        panic!("not a presentation: {}", posted[0]);
    };
    assert_eq!(received, answer);
    assert_eq!(received.state, cp.request.state);
    let report = check(
        &received.vp_token["passport"][0],
        &cp.request,
        &cp.verifier.client_id,
        &ministry,
        true,
    );
    assert!(report.valid, "{:#?}", report.checks);

    let empty = cp.answering("/empty");
    assert_eq!(presenter.send(&empty, &answer).await.unwrap(), None);
}

#[tokio::test]
async fn a_request_uri_that_does_not_answer_with_a_signed_request_ends_the_process() {
    let cp = checkpoint(&profile("border")).await;
    let presenter = Presenter::new();
    let code = |r: Result<AuthorizationRequest, PresentError>| r.unwrap_err();

    let err = code(presenter.fetch(&cp.link("/missing")).await);
    assert_eq!(err, PresentError::RequestUriStatus { status: 404 });
    let err = code(presenter.fetch(&cp.link("/moved")).await);
    assert_eq!(err, PresentError::RequestUriStatus { status: 302 });
    let err = code(presenter.fetch(&cp.link("/html")).await);
    assert_eq!(
        err,
        PresentError::RequestContentType {
            found: "text/html".into()
        }
    );
    let err = code(presenter.fetch(&cp.link("/huge")).await);
    assert_eq!(
        err,
        PresentError::TooLarge {
            what: "request object",
            max: MAX_REQUEST_OBJECT_LEN
        }
    );
    let err = code(presenter.fetch(&cp.link("/garbage")).await);
    assert_eq!(err.code(), "request_object_invalid");
    let err = code(presenter.fetch(&cp.link("/forged")).await);
    assert_eq!(err.code(), "request_object_signature_invalid");

    // No declared length: reading stops past the cap.
    let link = RequestLink {
        client_id: cp.verifier.client_id.clone(),
        request_uri: endless_body(MAX_REQUEST_OBJECT_LEN * 4),
    };
    let err = presenter.fetch_link(&link).await.unwrap_err();
    assert_eq!(err.code(), "verifier_answer_too_large");

    // Nobody listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let link = RequestLink {
        client_id: cp.verifier.client_id.clone(),
        request_uri: format!("http://{addr}/request"),
    };
    let err = presenter.fetch_link(&link).await.unwrap_err();
    assert_eq!(err.code(), "verifier_unreachable");
    assert_eq!(
        code(presenter.fetch("openid4vp://?client_id=x").await).code(),
        "request_client_id_prefix"
    );
}

#[tokio::test]
async fn a_verifier_refusal_carries_its_error_and_description() {
    let (_dir, vault) = open_vault();
    hold(&vault, &issuer(), "passport", 3, NOW.plus(YEAR));
    let cp = checkpoint(&passport_only(&["nationality"])).await;
    let presenter = Presenter::new();
    let p = plan(&cp.request, &vault, NOW).unwrap();
    let answer = respond(&cp.request, &p, &vault, NOW).unwrap();

    let err = presenter
        .send(&cp.answering("/refuse"), &answer)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PresentError::VerifierRefused {
            status: 400,
            error: "invalid_request".into(),
            description: "the nonce is not one we issued".into(),
        }
    );
    assert_eq!(err.code(), "verifier_refused");
    let err = presenter
        .send(&cp.answering("/problem"), &answer)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PresentError::VerifierRefused {
            status: 422,
            error: "key_binding_nonce_mismatch".into(),
            description: "the nonce differs".into(),
        }
    );
    let err = presenter
        .send(&cp.answering("/not-json"), &answer)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PresentError::VerifierRefused { status: 200, error, .. } if error.is_empty()),
        "{err:?}"
    );
}

#[tokio::test]
async fn declining_posts_access_denied_with_the_state_and_logs_it() {
    let (_dir, vault) = open_vault();
    let cp = checkpoint(&profile("bank_kyc")).await;
    let presenter = Presenter::new();
    let redirect = presenter
        .decline(
            &cp.request,
            "I do not share my documents with this bank",
            &vault,
            NOW,
        )
        .await
        .unwrap();
    assert!(redirect.is_some());
    let posted = cp.posted.lock().unwrap().clone();
    assert_eq!(
        WalletAnswer::from_form(&posted[0]).unwrap(),
        WalletAnswer::Refused {
            error: "access_denied".into(),
            error_description: Some("I do not share my documents with this bank".into()),
            state: cp.request.state.clone(),
        }
    );
    let history = vault.history().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].kind.as_str(), history[0].counterparty.as_str()),
        ("decline", cp.verifier.client_id.as_str())
    );
    assert!(history[0].shared.is_empty());
    assert!(history[0].requested.contains(&"birth_date".to_owned()));
}
