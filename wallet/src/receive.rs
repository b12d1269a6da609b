//! Receiving a credential over OpenID4VCI 1.0, pre-authorized code flow, as a
//! phone would: parse the offer (§4.1), read the issuer's metadata (§12.2.2) and
//! its authorization server's (RFC 8414, the issuer itself when it names none),
//! redeem the code with the PIN at the token endpoint (§6), get a `c_nonce`
//! (§7), make one fresh P-256 holder key per copy and prove possession of each
//! with a proof JWT (Appendix F.1), and collect the credentials (§8), each paired
//! with its key.

use std::time::Duration;

use serde::Deserialize;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::oid4vci::CredentialResponse;
use sigillum_credential::oid4vci::NonceResponse;
use sigillum_credential::oid4vci::SecretString;
use sigillum_credential::oid4vci::build_proof_jwt;
use sigillum_credential::oid4vci::{CredentialIssuerMetadata, metadata_url};
use sigillum_credential::oid4vci::{CredentialOffer, OfferLink};
use sigillum_credential::oid4vci::{CredentialRequest, Proofs, RequestedCredential};
use sigillum_credential::oid4vci::{TokenRequest, TokenResponse};
use sigillum_credential::time::Timestamp;

/// Largest answer read from an issuer.
const MAX_ANSWER: usize = 2 * 1024 * 1024;

/// Why receiving failed. Issuer refusals keep the issuer's `error` and `code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// The offer (link, QR text) is not a credential offer we can use.
    #[error("the credential offer is not usable: {0}")]
    Offer(String),
    /// The issuer could not be reached.
    #[error("the issuer at {url} could not be reached: {why}")]
    Unreachable {
        /// What we called.
        url: String,
        /// Why.
        why: String,
    },
    /// The issuer refused, with its OAuth `error` and our specific `code`.
    #[error("the issuer refused ({error}, {code}): {description}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// `error` (`invalid_grant`, `invalid_proof`, …).
        error: String,
        /// The specific code (`tx_code_wrong`, …), if the issuer gave one.
        code: String,
        /// `error_description`.
        description: String,
    },
    /// An answer that does not follow the protocol.
    #[error("the issuer's answer is malformed: {0}")]
    Malformed(String),
    /// The offer needs a PIN and none was given.
    #[error("this offer needs the PIN the office gave separately")]
    PinRequired,
}

impl ReceiveError {
    /// The stable code: the issuer's specific code for a refusal.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            ReceiveError::Offer(_) => "offer_invalid",
            ReceiveError::Unreachable { .. } => "issuer_unreachable",
            ReceiveError::Refused { code, .. } => code,
            ReceiveError::Malformed(_) => "issuer_answer_malformed",
            ReceiveError::PinRequired => "tx_code_missing",
        }
    }
}

/// One received copy and the holder key it is bound to.
#[derive(Debug, Clone)]
pub struct Received {
    /// The credential as issued (SD-JWT VC or VC-JWT compact form).
    pub credential: String,
    /// Its holder key (private; the wallet's vault keeps it).
    pub holder: SigningKey,
    /// The configuration it was issued under.
    pub configuration_id: String,
    /// The issuer identifier.
    pub issuer: String,
}

impl Received {
    /// The copy as the vault keeps it: copies of one issuance share `group`, so
    /// each is shown once and then the next.
    #[must_use]
    pub fn to_stored(&self, group: &str, received_at: i64) -> crate::vault::StoredCredential {
        crate::vault::StoredCredential {
            group: group.to_owned(),
            credential: self.credential.clone(),
            holder_jwk: zeroize::Zeroizing::new(
                self.holder.to_private_jwk().to_value().to_string(),
            ),
            issuer: self.issuer.clone(),
            configuration_id: self.configuration_id.clone(),
            received_at,
            used: false,
        }
    }
}

#[derive(Deserialize)]
struct AuthorizationServer {
    token_endpoint: String,
}

#[derive(Deserialize)]
struct OAuthError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    code: String,
}

/// A wallet's HTTP side of OpenID4VCI.
#[derive(Debug, Clone)]
pub struct Receiver {
    http: reqwest::Client,
}

impl Default for Receiver {
    fn default() -> Self {
        Self::new()
    }
}

impl Receiver {
    /// A receiver with a 10 s timeout that follows no redirects.
    #[must_use]
    pub fn new() -> Self {
        Receiver {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }

    async fn call(
        &self,
        request: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<String, ReceiveError> {
        let unreachable = |why: String| ReceiveError::Unreachable {
            url: url.to_owned(),
            why,
        };
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        if bytes.len() > MAX_ANSWER {
            return Err(ReceiveError::Malformed(format!(
                "{url}: {} bytes",
                bytes.len()
            )));
        }
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ReceiveError::Malformed(format!("{url}: not UTF-8")))?;
        if status.is_success() {
            return Ok(text);
        }
        let refusal: OAuthError = serde_json::from_str(&text).unwrap_or(OAuthError {
            error: String::new(),
            error_description: text.chars().take(200).collect(),
            code: String::new(),
        });
        Err(ReceiveError::Refused {
            status: status.as_u16(),
            code: if refusal.code.is_empty() {
                refusal.error.clone()
            } else {
                refusal.code
            },
            error: refusal.error,
            description: refusal.error_description,
        })
    }

    /// Resolves an offer link (by value, or fetched by reference).
    ///
    /// # Errors
    /// [`ReceiveError::Offer`] or the fetch's error.
    pub async fn offer(&self, link: &str) -> Result<CredentialOffer, ReceiveError> {
        match CredentialOffer::parse_link(link.trim())
            .map_err(|e| ReceiveError::Offer(e.to_string()))?
        {
            OfferLink::ByValue(offer) => Ok(offer),
            OfferLink::ByReference(uri) => {
                let text = self.call(self.http.get(&uri), &uri).await?;
                CredentialOffer::from_json(&text).map_err(|e| ReceiveError::Offer(e.to_string()))
            }
        }
    }

    /// Runs the whole pre-authorized flow for `copies` copies (clamped to the
    /// issuer's batch size), each bound to its own fresh P-256 key.
    ///
    /// # Errors
    /// [`ReceiveError`] for the first step that fails.
    pub async fn receive(
        &self,
        link: &str,
        pin: Option<&str>,
        copies: usize,
        now: Timestamp,
    ) -> Result<Vec<Received>, ReceiveError> {
        let offer = self.offer(link).await?;
        let issuer = offer.credential_issuer.clone();
        let grant = offer.pre_authorized_grant().ok_or_else(|| {
            ReceiveError::Offer("the offer has no pre-authorized code grant".into())
        })?;
        if grant.tx_code.is_some() && pin.is_none() {
            return Err(ReceiveError::PinRequired);
        }
        let configuration_id = offer
            .credential_configuration_ids
            .first()
            .cloned()
            .ok_or_else(|| ReceiveError::Offer("the offer names no credential".into()))?;
        let url = metadata_url(&issuer).map_err(|e| ReceiveError::Offer(e.to_string()))?;
        let text = self.call(self.http.get(&url), &url).await?;
        let metadata = CredentialIssuerMetadata::from_json(&text, &issuer)
            .map_err(|e| ReceiveError::Malformed(e.to_string()))?;
        if !metadata
            .credential_configurations_supported
            .contains_key(&configuration_id)
        {
            return Err(ReceiveError::Malformed(format!(
                "the metadata does not list the offered {configuration_id}"
            )));
        }
        let as_url = format!(
            "{}/.well-known/oauth-authorization-server",
            issuer.trim_end_matches('/')
        );
        let text = self.call(self.http.get(&as_url), &as_url).await?;
        let server: AuthorizationServer =
            serde_json::from_str(&text).map_err(|e| ReceiveError::Malformed(e.to_string()))?;
        let token_request = TokenRequest {
            pre_authorized_code: grant.pre_authorized_code.clone(),
            tx_code: pin.map(SecretString::new),
            client_id: None,
            authorization_details: None,
        };
        let text = self
            .call(
                self.http
                    .post(&server.token_endpoint)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(token_request.to_form()),
                &server.token_endpoint,
            )
            .await?;
        let token =
            TokenResponse::from_json(&text).map_err(|e| ReceiveError::Malformed(e.to_string()))?;
        let nonce_url = metadata
            .nonce_endpoint
            .clone()
            .ok_or_else(|| ReceiveError::Malformed("the issuer has no nonce endpoint".into()))?;
        let text = self.call(self.http.post(&nonce_url), &nonce_url).await?;
        let nonce =
            NonceResponse::from_json(&text).map_err(|e| ReceiveError::Malformed(e.to_string()))?;
        let copies = copies.clamp(1, metadata.max_proofs().max(1));
        let holders: Vec<SigningKey> = (0..copies)
            .map(|_| SigningKey::generate(Alg::Es256))
            .collect();
        let proofs = holders
            .iter()
            .map(|h| build_proof_jwt(h, &issuer, &nonce.c_nonce, now, None))
            .collect();
        let request = CredentialRequest {
            credential: RequestedCredential::ConfigurationId(configuration_id.clone()),
            proofs: Some(Proofs { jwt: proofs }),
        };
        let text = self
            .call(
                self.http
                    .post(&metadata.credential_endpoint)
                    .bearer_auth(token.access_token.expose_secret())
                    .header("content-type", "application/json")
                    .body(request.to_json()),
                &metadata.credential_endpoint,
            )
            .await?;
        let CredentialResponse::Immediate { credentials, .. } =
            CredentialResponse::from_json(&text)
                .map_err(|e| ReceiveError::Malformed(e.to_string()))?
        else {
            return Err(ReceiveError::Malformed(
                "deferred issuance is not supported".into(),
            ));
        };
        if credentials.len() != holders.len() {
            return Err(ReceiveError::Malformed(format!(
                "{} credentials for {} proofs",
                credentials.len(),
                holders.len()
            )));
        }
        credentials
            .into_iter()
            .zip(holders)
            .map(|(c, holder)| {
                let credential = c
                    .credential
                    .as_compact()
                    .ok_or_else(|| {
                        ReceiveError::Malformed("a credential is not a compact string".into())
                    })?
                    .to_owned();
                Ok(Received {
                    credential,
                    holder,
                    configuration_id: configuration_id.clone(),
                    issuer: issuer.clone(),
                })
            })
            .collect()
    }
}

/// `kind` of a history line for a credential received.
pub const HISTORY_RECEIVE: &str = "receive";

/// Keeps the copies of one issuance in `vault` as one new group, and logs the
/// receipt in the history (which issuer, which claims it holds). Returns the group.
///
/// # Errors
/// The vault's errors; nothing is logged unless every copy was stored.
pub fn keep(
    vault: &crate::vault::Vault,
    received: &[Received],
    now: Timestamp,
) -> Result<String, crate::vault::VaultError> {
    let mut id = [0u8; 12];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
    let group = sigillum_credential::b64::encode(id);
    for copy in received {
        vault.put(&copy.to_stored(&group, now.unix()))?;
    }
    let held = received
        .first()
        .and_then(|r| crate::present::held::Held::read(&r.to_stored(&group, now.unix())).ok());
    vault.log(&crate::vault::HistoryEntry {
        time: now.unix(),
        kind: HISTORY_RECEIVE.into(),
        counterparty: received
            .first()
            .map(|r| r.issuer.clone())
            .unwrap_or_default(),
        requested: Vec::new(),
        shared: held.map(|h| h.claim_order()).unwrap_or_default(),
        group: group.clone(),
    })?;
    Ok(group)
}
