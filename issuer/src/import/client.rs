//! The officer API as the importer uses it: one `POST /v1/credentials/{type}?qr=none`
//! per row, and what the answer means for the run. An offer (201 new, 200 the same
//! reference and data again) is written out; a refusal of the row (400, 409
//! `application_conflict`, 422 …) goes to the report; an issuer that is busy or
//! away (408, 429, 5xx, no connection) is asked again with backoff; a refusal of
//! the whole run (401, 403, 404 type not issued, 409 `issuer_not_accredited`)
//! stops it.

use std::time::Duration;

use rand::Rng;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sigillum_credential::oid4vci::SecretString;
use sigillum_credential::problem::FieldProblem;

use crate::mint::Format;

/// Largest answer read from the issuer.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// The first pause before asking again; it doubles each time, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// The officer API's answer to an application, as far as the importer keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OfferAnswer {
    /// The credential id.
    pub id: String,
    /// Whether this request created it.
    pub created: bool,
    /// The `openid-credential-offer://` link.
    pub offer_link: String,
    /// The PIN.
    pub tx_code: String,
    /// When the offer stops working, Unix seconds.
    pub expires_at: i64,
}

/// A refused row: the problem details the issuer answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status (`None`: the issuer was never reached).
    pub status: Option<u16>,
    /// The problem's `code`.
    pub code: String,
    /// The problem's `detail`.
    pub detail: String,
    /// Every offending field.
    pub errors: Vec<FieldProblem>,
}

/// What one application came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An offer to write out.
    Offer(OfferAnswer),
    /// The issuer refused this row.
    Refused(Refusal),
    /// The issuer could not be reached or stayed busy through every retry; the row
    /// is tried again by the next run.
    Unavailable(Refusal),
    /// The issuer refuses the whole run (token, role, type, accreditation).
    Fatal(Refusal),
}

#[derive(Deserialize)]
struct ProblemBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    errors: Vec<FieldProblem>,
}

/// An officer's connection to one issuer, for one credential type.
#[derive(Debug, Clone)]
pub struct OfficerClient {
    http: reqwest::Client,
    endpoint: String,
    token: std::sync::Arc<SecretString>,
    format: Format,
    retries: u32,
}

impl OfficerClient {
    /// A client for `POST {base}/v1/credentials/{type_name}?qr=none`.
    ///
    /// # Errors
    /// The HTTP client could not be built.
    pub fn new(
        base: &str,
        type_name: &str,
        token: SecretString,
        format: Format,
        retries: u32,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(OfficerClient {
            http,
            endpoint: format!(
                "{}/v1/credentials/{type_name}?qr=none",
                base.trim_end_matches('/')
            ),
            token: std::sync::Arc::new(token),
            format,
            retries,
        })
    }

    /// Sends one application, asking again while the issuer is busy or away.
    pub async fn apply(&self, reference: &str, claims: &Map<String, Value>) -> Answer {
        let body = json!({"reference": reference, "format": self.format.id(), "claims": claims})
            .to_string();
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            let answer = self.attempt(body.clone()).await;
            match answer {
                Answer::Unavailable(_) if attempt < self.retries => {
                    attempt += 1;
                    let jitter = rand::thread_rng().gen_range(0..=backoff.as_millis() / 2);
                    let pause = backoff + Duration::from_millis(u64::try_from(jitter).unwrap_or(0));
                    tokio::time::sleep(pause).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                other => return other,
            }
        }
    }

    async fn attempt(&self, body: String) -> Answer {
        let sent = self
            .http
            .post(&self.endpoint)
            .bearer_auth(self.token.expose_secret())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                return Answer::Unavailable(Refusal {
                    status: None,
                    code: "issuer_unreachable".into(),
                    detail: format!("the issuer could not be reached: {e}"),
                    errors: Vec::new(),
                });
            }
        };
        let status = response.status().as_u16();
        let bytes = match read_capped(response).await {
            Ok(bytes) => bytes,
            Err(detail) => {
                return Answer::Unavailable(Refusal {
                    status: Some(status),
                    code: "issuer_answer_unreadable".into(),
                    detail,
                    errors: Vec::new(),
                });
            }
        };
        classify(status, &bytes)
    }
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("the answer was cut off: {e}"))?
    {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(format!(
                "the answer is larger than {MAX_ANSWER_BYTES} bytes"
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// What an answer means for the row and the run.
fn classify(status: u16, body: &[u8]) -> Answer {
    if status == 200 || status == 201 {
        return match serde_json::from_slice::<OfferAnswer>(body) {
            Ok(offer) => Answer::Offer(offer),
            Err(e) => Answer::Fatal(Refusal {
                status: Some(status),
                code: "issuer_answer_unreadable".into(),
                detail: format!("the issuer's offer could not be read: {e}"),
                errors: Vec::new(),
            }),
        };
    }
    let problem = serde_json::from_slice::<ProblemBody>(body).ok();
    let refusal = Refusal {
        status: Some(status),
        code: problem
            .as_ref()
            .map(|p| p.code.clone())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("http_{status}")),
        detail: problem
            .as_ref()
            .map(|p| p.detail.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("the issuer answered HTTP {status}")),
        errors: problem.map(|p| p.errors).unwrap_or_default(),
    };
    match status {
        408 | 429 | 500..=599 => Answer::Unavailable(refusal),
        401 | 403 | 404 => Answer::Fatal(refusal),
        409 if refusal.code == "issuer_not_accredited" => Answer::Fatal(refusal),
        _ => Answer::Refused(refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_sorted_into_offers_refusals_retries_and_stops() {
        let offer = br#"{"id":"c1","created":false,"offer_link":"openid-credential-offer://x","tx_code":"123456","expires_at":9}"#;
        assert!(matches!(classify(200, offer), Answer::Offer(o) if o.id == "c1" && !o.created));
        let violation = br#"{"type":"urn:sigillum:problem:schema_violation","title":"Unprocessable Entity","status":422,"code":"schema_violation","detail":"2 fields","errors":[{"pointer":"/sex","code":"schema_violation","detail":"not one of F, M, X"}]}"#;
        let Answer::Refused(r) = classify(422, violation) else {
            panic!()
        };
        assert_eq!((r.status, r.code.as_str()), (Some(422), "schema_violation"));
        assert_eq!(r.errors[0].pointer, "/sex");
        assert!(matches!(
            classify(409, br#"{"code":"application_conflict","detail":"d"}"#),
            Answer::Refused(_)
        ));
        assert!(matches!(
            classify(409, br#"{"code":"issuer_not_accredited","detail":"d"}"#),
            Answer::Fatal(_)
        ));
        assert!(matches!(classify(401, b""), Answer::Fatal(r) if r.code == "http_401"));
        assert!(matches!(classify(503, b"oops"), Answer::Unavailable(_)));
        assert!(matches!(classify(408, b""), Answer::Unavailable(_)));
        assert!(matches!(classify(201, b"{}"), Answer::Fatal(_)));
        assert!(matches!(classify(400, b"<html>"), Answer::Refused(r) if r.code == "http_400"));
    }
}
