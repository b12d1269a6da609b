//! Minting: turning an officer's application, a holder key and an allocated status
//! index into a signed credential, in either format.
//!
//! - SD-JWT VC (`dc+sd-jwt`, draft-ietf-oauth-sd-jwt-vc-18): the type's
//!   selectively-disclosable claims as disclosures, the holder key in `cnf.jwk`
//!   (RFC 7800 §3.2), and a Token Status List reference (`status.status_list`,
//!   draft-ietf-oauth-status-list §6.1) to a 2-bit list.
//! - VC 2.0 `vc+jwt` (W3C VC-JOSE-COSE §3.1.1): the holder as `did:jwk` in
//!   `credentialSubject.id`, and two `BitstringStatusListEntry` entries
//!   (Bitstring Status List v1.0 §2.1), revocation and suspension, at the same
//!   index of the two lists that share that index.
//!
//! Where a list lives: every list is a registry object `status-list:<did>:<n>` and
//! its `uri` is that object's path on the registry's public URL, which serves the
//! bare token to any verifier that asks for `application/statuslist+jwt` (or
//! `application/vc+jwt`). One issuer numbers its lists `n = 3k + 0` for token list
//! `k`, `3k + 1` / `3k + 2` for bitstring list `k`'s revocation / suspension halves.

use serde_json::{Map, Value, json};
use sigillum_credential::did;
use sigillum_credential::key::{JwsSigner, PublicKey};
use sigillum_credential::schema::CredentialSchema;
use sigillum_credential::sd_jwt::IssueOptions;
use sigillum_credential::time::Timestamp;
use sigillum_credential::vc::{jwt_vc, sd_jwt_vc};

/// The two credential formats, by their OpenID4VCI format identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `dc+sd-jwt` (OpenID4VCI 1.0 Appendix A.3).
    SdJwtVc,
    /// `jwt_vc_json` (OpenID4VCI 1.0 Appendix A.1.1), a VC 2.0 `vc+jwt`.
    JwtVc,
}

impl Format {
    /// The OpenID4VCI format identifier.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Format::SdJwtVc => "dc+sd-jwt",
            Format::JwtVc => "jwt_vc_json",
        }
    }

    /// Parses a format identifier (`sd-jwt` and `vc-jwt` are accepted as short names).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "dc+sd-jwt" | "sd-jwt" | "sd_jwt_vc" => Some(Format::SdJwtVc),
            "jwt_vc_json" | "vc-jwt" | "vc+jwt" => Some(Format::JwtVc),
            _ => None,
        }
    }
}

/// A status list of one kind, numbered per issuer from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListRef {
    /// Token status list `k` (2 bits per entry).
    Token(u32),
    /// Revocation half of bitstring list `k`.
    BitstringRevocation(u32),
    /// Suspension half of bitstring list `k`.
    BitstringSuspension(u32),
}

impl ListRef {
    /// The list's number on the registry (`status-list:<did>:<n>`).
    #[must_use]
    pub fn ledger_number(self) -> u64 {
        match self {
            ListRef::Token(k) => 3 * u64::from(k),
            ListRef::BitstringRevocation(k) => 3 * u64::from(k) + 1,
            ListRef::BitstringSuspension(k) => 3 * u64::from(k) + 2,
        }
    }

    /// The registry object id.
    #[must_use]
    pub fn ledger_id(self, did: &str) -> String {
        format!("status-list:{did}:{}", self.ledger_number())
    }

    /// The list's `uri`: its path on the registry's public URL.
    #[must_use]
    pub fn uri(self, registry_public_url: &str, did: &str) -> String {
        format!(
            "{}/v1/status-lists/{did}/{}",
            registry_public_url.trim_end_matches('/'),
            self.ledger_number()
        )
    }
}

/// Everything a credential is made from.
#[derive(Debug)]
pub struct MintRequest<'a> {
    /// The credential type.
    pub schema: &'a CredentialSchema,
    /// Which format.
    pub format: Format,
    /// The subject's claims, already validated against the type's schema.
    pub claims: &'a Map<String, Value>,
    /// The holder's key (from the wallet's proof of possession).
    pub holder: &'a PublicKey,
    /// Our DID.
    pub issuer: &'a str,
    /// The signing key's id, `did#key-N`.
    pub kid: &'a str,
    /// The status list (number `list` of the format's kind) and index.
    pub list: u32,
    /// The index in that list.
    pub index: u32,
    /// The registry's public URL, for status list URIs.
    pub registry_public_url: &'a str,
    /// Issuance time.
    pub now: Timestamp,
}

/// Why minting failed (a bug or a failing signer, never the applicant's data:
/// that was validated before).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("could not mint the credential: {0}")]
pub struct MintError(pub String);

/// The end of validity: the type's default lifetime, but never past the document's
/// own last valid day (a passport's `expiry_date`), so an expired document's
/// credential expires with it.
#[must_use]
pub fn valid_until(
    schema: &CredentialSchema,
    claims: &Map<String, Value>,
    now: Timestamp,
) -> Timestamp {
    let spec = schema.spec();
    let default = now.plus(i64::from(spec.default_validity_days) * 86_400);
    let document_end = spec
        .validity
        .as_ref()
        .and_then(|v| claims.get(&v.until))
        .and_then(Value::as_str)
        .and_then(|day| Timestamp::parse_rfc3339(&format!("{day}T23:59:59Z")).ok());
    match document_end {
        Some(end) if end.unix() < default.unix() => end,
        _ => default,
    }
}

/// Signs one credential.
///
/// # Errors
/// [`MintError`] when the signer fails or the type's claims collide with
/// registered JWT claims.
pub fn mint<K: JwsSigner + ?Sized>(
    request: &MintRequest<'_>,
    key: &K,
) -> Result<String, MintError> {
    let spec = request.schema.spec();
    let until = valid_until(request.schema, request.claims, request.now);
    match request.format {
        Format::SdJwtVc => {
            let uri = ListRef::Token(request.list).uri(request.registry_public_url, request.issuer);
            let sd = sd_jwt_vc::SdJwtVcRequest {
                vct: &spec.vct,
                issuer: request.issuer,
                kid: Some(request.kid),
                issued_at: request.now,
                valid_from: None,
                valid_until: Some(until),
                holder: Some(request.holder),
                status: Some((uri.as_str(), u64::from(request.index))),
                claims: request.claims,
                disclosable: &spec.selectively_disclosable,
            };
            sd_jwt_vc::issue(&sd, key, IssueOptions::default()).map_err(MintError)
        }
        Format::JwtVc => {
            let mut subject = request.claims.clone();
            subject.insert(
                "id".into(),
                json!(did::jwk::did_for(request.holder).to_string()),
            );
            let entry = |list: ListRef, purpose: &str| {
                let uri = list.uri(request.registry_public_url, request.issuer);
                json!({
                    "id": format!("{uri}#{}", request.index),
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": purpose,
                    "statusListIndex": request.index.to_string(),
                    "statusListCredential": uri,
                })
            };
            let status = json!([
                entry(ListRef::BitstringRevocation(request.list), "revocation"),
                entry(ListRef::BitstringSuspension(request.list), "suspension"),
            ]);
            let types: Vec<String> = spec
                .vc_type
                .iter()
                .filter(|t| *t != "VerifiableCredential")
                .cloned()
                .collect();
            let vc = jwt_vc::JwtVcRequest {
                id: None,
                types: &types,
                issuer: request.issuer,
                kid: Some(request.kid),
                valid_from: request.now,
                valid_until: Some(until),
                subject: &subject,
                status: Some(status),
                schema_id: spec.schema_id(),
            };
            jwt_vc::issue(&vc, key).map_err(|e| MintError(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigillum_credential::key::{Alg, SigningKey};
    use sigillum_credential::schema::CredentialTypes;
    use sigillum_credential::sd_jwt::SdJwt;

    fn sample(name: &str) -> (&'static CredentialSchema, Map<String, Value>) {
        let schema = CredentialTypes::builtin().unwrap().get(name).unwrap();
        let claims = schema.spec().samples[0].as_object().unwrap().clone();
        (schema, claims)
    }

    #[test]
    fn list_numbers_do_not_collide_and_uris_name_the_registry_object() {
        let numbers: Vec<u64> = (0..4)
            .flat_map(|k| {
                [
                    ListRef::Token(k),
                    ListRef::BitstringRevocation(k),
                    ListRef::BitstringSuspension(k),
                ]
            })
            .map(ListRef::ledger_number)
            .collect();
        let mut unique = numbers.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), numbers.len());
        assert_eq!(
            ListRef::BitstringSuspension(1).uri("http://r.example/", "did:sigillum:a"),
            "http://r.example/v1/status-lists/did:sigillum:a/5"
        );
        assert_eq!(
            ListRef::Token(2).ledger_id("did:sigillum:a"),
            "status-list:did:sigillum:a:6"
        );
    }

    #[test]
    fn sd_jwt_vc_carries_holder_status_and_disclosures() {
        let (schema, claims) = sample("passport");
        let issuer = SigningKey::generate(Alg::Es256);
        let holder = SigningKey::generate(Alg::Es256).public_key();
        let now = Timestamp::from_unix(1_800_000_000);
        let text = mint(
            &MintRequest {
                schema,
                format: Format::SdJwtVc,
                claims: &claims,
                holder: &holder,
                issuer: "did:sigillum:a",
                kid: "did:sigillum:a#key-1",
                list: 0,
                index: 4711,
                registry_public_url: "http://r.example",
                now,
            },
            &issuer,
        )
        .unwrap();
        let sd = SdJwt::parse(&text, 1 << 20).unwrap();
        let payload = sd.issuer_jwt().unverified_claims().unwrap();
        assert_eq!(payload["status"]["status_list"]["idx"], 4711);
        assert_eq!(
            payload["status"]["status_list"]["uri"],
            "http://r.example/v1/status-lists/did:sigillum:a/0"
        );
        assert_eq!(
            payload["cnf"]["jwk"],
            serde_json::to_value(holder.to_jwk()).unwrap()
        );
        assert_eq!(
            sd.disclosures().len(),
            schema
                .spec()
                .selectively_disclosable
                .iter()
                .filter(|c| claims.contains_key(*c))
                .count()
        );
        assert!(
            payload["exp"].as_i64().unwrap()
                <= now.unix() + i64::from(schema.spec().default_validity_days) * 86_400
        );
    }

    #[test]
    fn vc_jwt_has_two_status_entries_and_a_did_jwk_subject() {
        let (schema, claims) = sample("residence_permit");
        let issuer = SigningKey::generate(Alg::EdDsa);
        let holder = SigningKey::generate(Alg::Es256).public_key();
        let text = mint(
            &MintRequest {
                schema,
                format: Format::JwtVc,
                claims: &claims,
                holder: &holder,
                issuer: "did:sigillum:a",
                kid: "did:sigillum:a#key-1",
                list: 1,
                index: 9,
                registry_public_url: "http://r.example",
                now: Timestamp::from_unix(1_800_000_000),
            },
            &issuer,
        )
        .unwrap();
        let jws = sigillum_credential::jws::CompactJws::parse(&text, 1 << 20).unwrap();
        let vc = jws
            .clone()
            .verify(&issuer.public_key(), &[Alg::EdDsa])
            .unwrap()
            .claims()
            .unwrap();
        let status = vc["credentialStatus"].as_array().unwrap();
        assert_eq!(status[0]["statusPurpose"], "revocation");
        assert_eq!(
            status[0]["statusListCredential"],
            "http://r.example/v1/status-lists/did:sigillum:a/4"
        );
        assert_eq!(
            status[1]["statusListCredential"],
            "http://r.example/v1/status-lists/did:sigillum:a/5"
        );
        assert_eq!(status[1]["statusListIndex"], "9");
        assert!(
            vc["credentialSubject"]["id"]
                .as_str()
                .unwrap()
                .starts_with("did:jwk:")
        );
    }

    #[test]
    fn a_document_that_ends_sooner_bounds_the_credential() {
        let (schema, mut claims) = sample("passport");
        let now = Timestamp::from_unix(1_800_000_000);
        let until = schema.spec().validity.as_ref().unwrap().until.clone();
        claims.insert(until, json!("2027-01-31"));
        assert_eq!(
            valid_until(schema, &claims, now).unix(),
            Timestamp::parse_rfc3339("2027-01-31T23:59:59Z")
                .unwrap()
                .unix()
        );
    }
}
