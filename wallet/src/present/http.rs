//! The wallet's HTTP side of OpenID4VP 1.0, cross-device: fetch the signed
//! Request Object from `request_uri` (§5.10), post the answer or the refusal to
//! `response_uri` with `direct_post` (§8.2). Every answer from the verifier is
//! bounded before it is read; redirects are not followed.

use std::time::Duration;

use serde_json::Value;
use sigillum_credential::json;
use sigillum_credential::key::Alg;
use sigillum_credential::oid4vp::{
    AuthorizationRequest, AuthorizationResponse, MAX_REQUEST_OBJECT_LEN, REQUEST_OBJECT_MEDIA_TYPE,
    RequestLink, WalletAnswer, verify_request_object,
};
use sigillum_credential::time::Timestamp;

use super::error::PresentError;
use super::respond::HISTORY_DECLINE;
use crate::vault::{HistoryEntry, Vault};

/// Largest answer read from a `response_uri`.
pub const MAX_VERIFIER_ANSWER_LEN: usize = 64 * 1024;
/// Longest `redirect_uri` accepted from a verifier.
const MAX_REDIRECT_URI_LEN: usize = 2048;
/// Longest verifier error text kept.
const MAX_ERROR_TEXT_CHARS: usize = 300;

/// A wallet's HTTP client for OpenID4VP: 10 s timeout, no redirects, ES256 and
/// EdDSA accepted on Request Objects (HAIP's ES256 first).
#[derive(Debug, Clone)]
pub struct Presenter {
    http: reqwest::Client,
    algs: Vec<Alg>,
}

impl Default for Presenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Presenter {
    /// A presenter with a 10 s timeout that follows no redirects.
    #[must_use]
    pub fn new() -> Self {
        Presenter {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            algs: Alg::ALL.to_vec(),
        }
    }

    /// Reads a request link (`openid4vp://?client_id=…&request_uri=…`), fetches the
    /// Request Object and verifies it (§5.10, §5.9.3).
    ///
    /// # Errors
    /// [`PresentError::Request`] for a bad link or Request Object; as
    /// [`Presenter::fetch_link`].
    pub async fn fetch(&self, link: &str) -> Result<AuthorizationRequest, PresentError> {
        self.fetch_link(&RequestLink::parse(link)?).await
    }

    /// GETs `link.request_uri` with `Accept: application/oauth-authz-req+jwt` and
    /// verifies the answer against the link. Any HTTP error ends the process
    /// (§5.10.2), as does a body of another type or over [`MAX_REQUEST_OBJECT_LEN`].
    ///
    /// # Errors
    /// [`PresentError::Unreachable`], [`PresentError::RequestUriStatus`],
    /// [`PresentError::RequestContentType`], [`PresentError::TooLarge`],
    /// [`PresentError::Malformed`], [`PresentError::Request`].
    pub async fn fetch_link(
        &self,
        link: &RequestLink,
    ) -> Result<AuthorizationRequest, PresentError> {
        let url = &link.request_uri;
        let response = self
            .http
            .get(url)
            .header("accept", REQUEST_OBJECT_MEDIA_TYPE)
            .send()
            .await
            .map_err(|e| unreachable(url, &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(PresentError::RequestUriStatus {
                status: status.as_u16(),
            });
        }
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let media_type = content_type
            .as_deref()
            .and_then(|t| t.split(';').next())
            .map(str::trim);
        if !media_type.is_some_and(|t| t.eq_ignore_ascii_case(REQUEST_OBJECT_MEDIA_TYPE)) {
            return Err(PresentError::RequestContentType {
                found: content_type
                    .map_or_else(|| "nothing".into(), |t| t.chars().take(100).collect()),
            });
        }
        let body = read_capped(response, MAX_REQUEST_OBJECT_LEN, "request object", url).await?;
        let text = String::from_utf8(body)
            .map_err(|_| PresentError::Malformed("the request object is not UTF-8".into()))?;
        Ok(verify_request_object(&text, link, &self.algs)?)
    }

    /// Posts `response` to the request's `response_uri` (§8.2). Success is HTTP 200
    /// with a JSON object; its `redirect_uri`, if any, is returned (an `http(s)` URL
    /// the wallet then opens).
    ///
    /// # Errors
    /// [`PresentError::VerifierRefused`] with the verifier's `error` and
    /// `error_description`; [`PresentError::Unreachable`]; [`PresentError::TooLarge`].
    pub async fn send(
        &self,
        request: &AuthorizationRequest,
        response: &AuthorizationResponse,
    ) -> Result<Option<String>, PresentError> {
        self.post(&request.response_uri, response.to_form()).await
    }

    /// Declines `request`: logs it, then posts `error=access_denied` with `reason`
    /// as `error_description` and the request's `state` (§8.5: "the End-User did
    /// not give consent"). Returns the verifier's `redirect_uri`, if any.
    ///
    /// # Errors
    /// As [`Presenter::send`], and vault errors.
    pub async fn decline(
        &self,
        request: &AuthorizationRequest,
        reason: &str,
        vault: &Vault,
        now: Timestamp,
    ) -> Result<Option<String>, PresentError> {
        let requested = request
            .dcql_query
            .credentials
            .iter()
            .flat_map(|q| q.claims.iter().flatten())
            .map(|c| c.path.to_string())
            .fold(Vec::new(), |mut names: Vec<String>, name| {
                if !names.contains(&name) {
                    names.push(name);
                }
                names
            });
        vault.log(&HistoryEntry {
            time: now.unix(),
            kind: HISTORY_DECLINE.into(),
            counterparty: request.client_id.clone(),
            requested,
            shared: Vec::new(),
            group: String::new(),
        })?;
        let body = WalletAnswer::refusal_form("access_denied", reason, request.state.as_deref());
        self.post(&request.response_uri, body).await
    }

    async fn post(&self, url: &str, body: String) -> Result<Option<String>, PresentError> {
        let response = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| unreachable(url, &e))?;
        let status = response.status().as_u16();
        let bytes = read_capped(response, MAX_VERIFIER_ANSWER_LEN, "answer", url).await?;
        let object = json::parse_object(&bytes, MAX_VERIFIER_ANSWER_LEN).ok();
        match object {
            Some(object) if status == 200 => redirect_of(&object),
            object => {
                let text = |names: &[&str]| {
                    names
                        .iter()
                        .find_map(|n| object.as_ref()?.get(*n)?.as_str())
                        .map(|s| s.chars().take(MAX_ERROR_TEXT_CHARS).collect::<String>())
                };
                Err(PresentError::VerifierRefused {
                    status,
                    error: text(&["error", "code"]).unwrap_or_default(),
                    description: text(&["error_description", "detail", "title"]).unwrap_or_else(
                        || {
                            if status == 200 {
                                "its answer is not a JSON object".into()
                            } else {
                                "no reason given".into()
                            }
                        },
                    ),
                })
            }
        }
    }
}

fn redirect_of(object: &serde_json::Map<String, Value>) -> Result<Option<String>, PresentError> {
    match object.get("redirect_uri") {
        None => Ok(None),
        Some(Value::String(uri))
            if uri.len() <= MAX_REDIRECT_URI_LEN
                && (uri.starts_with("https://") || uri.starts_with("http://")) =>
        {
            Ok(Some(uri.clone()))
        }
        Some(_) => Err(PresentError::Malformed(
            "redirect_uri is not an http(s) URL".into(),
        )),
    }
}

fn unreachable(url: &str, error: &reqwest::Error) -> PresentError {
    PresentError::Unreachable {
        url: url.chars().take(200).collect(),
        why: if error.is_timeout() {
            "no answer within 10 seconds".into()
        } else {
            error.to_string()
        },
    }
}

/// Reads a body of at most `max` bytes: a declared length over it is refused
/// unread, and reading stops as soon as the body grows past it.
async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
    what: &'static str,
    url: &str,
) -> Result<Vec<u8>, PresentError> {
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(PresentError::TooLarge { what, max });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(url, &e))? {
        if body.len().saturating_add(chunk.len()) > max {
            return Err(PresentError::TooLarge { what, max });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
