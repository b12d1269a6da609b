//! Presenting, end to end over real credentials: SD-JWT VCs and VC-JWTs issued with
//! `credential`'s issuing functions, held in a real vault, asked for by a request
//! object signed with a `did:key`, answered, and verified with the verification
//! pipeline a checkpoint runs.
#![allow(clippy::indexing_slicing, clippy::panic)]

use serde_json::{Map, Value, json};
use sigillum_credential::did::key::did_for;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::oid4vp::{
    AuthorizationRequest, DID_CLIENT_PREFIX, DcqlQuery, client_metadata, sign_request_object,
};
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::sd_jwt::{IssueOptions, SdJwt};
use sigillum_credential::seal::KdfParams;
use sigillum_credential::time::{FixedClock, Timestamp};
use sigillum_credential::vc::{jwt_vc, sd_jwt_vc};
use sigillum_credential::verify::{IssuerKey, Report, VerifyInput, VerifyPolicy, verify};
use zeroize::Zeroizing;

use crate::vault::{StoredCredential, Vault, VaultConfig};

mod answers;
mod http;
mod offline;
mod sets;

pub(super) const NOW: Timestamp = Timestamp::from_unix(1_800_000_000);
const YEAR: i64 = 365 * 24 * 3600;

pub(super) fn open_vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let config = VaultConfig {
        kdf: KdfParams {
            m_kib: 256,
            t: 1,
            p: 1,
        },
        ..VaultConfig::default()
    };
    let vault = Vault::create(dir.path(), "246810", &config).unwrap();
    (dir, vault)
}

pub(super) struct Issuer {
    pub key: SigningKey,
    pub did: String,
    pub kid: String,
}

pub(super) fn issuer() -> Issuer {
    let key = SigningKey::generate(Alg::Es256);
    let did = did_for(&key.public_key());
    let kid = format!("{}#{}", did.as_str(), did.method_specific_id());
    Issuer {
        did: did.as_str().to_owned(),
        kid,
        key,
    }
}

pub(super) fn sample(type_name: &str) -> Map<String, Value> {
    let spec = CredentialTypes::builtin()
        .unwrap()
        .get(type_name)
        .unwrap()
        .spec();
    spec.samples[0].as_object().unwrap().clone()
}

/// An SD-JWT VC of the built-in type `type_name`, bound to `holder`, valid until `exp`.
pub(super) fn issue_sd(
    issuer: &Issuer,
    type_name: &str,
    holder: &SigningKey,
    exp: Timestamp,
) -> String {
    let spec = CredentialTypes::builtin()
        .unwrap()
        .get(type_name)
        .unwrap()
        .spec();
    let claims = sample(type_name);
    let holder_public = holder.public_key();
    let request = sd_jwt_vc::SdJwtVcRequest {
        vct: &spec.vct,
        issuer: &issuer.did,
        kid: Some(&issuer.kid),
        issued_at: NOW.plus(-YEAR),
        valid_from: None,
        valid_until: Some(exp),
        holder: Some(&holder_public),
        status: None,
        claims: &claims,
        disclosable: &spec.selectively_disclosable,
    };
    sd_jwt_vc::issue(&request, &issuer.key, IssueOptions::default()).unwrap()
}

/// Stores `copies` copies of a `type_name` SD-JWT VC, each with its own holder key,
/// under one group; returns the group.
pub(super) fn hold(
    vault: &Vault,
    issuer: &Issuer,
    type_name: &str,
    copies: usize,
    exp: Timestamp,
) -> String {
    let group = format!("{type_name}-{}", rand_suffix());
    for _ in 0..copies {
        let holder = SigningKey::generate(Alg::Es256);
        let credential = issue_sd(issuer, type_name, &holder, exp);
        store(vault, &group, credential, &holder, type_name);
    }
    group
}

pub(super) fn store(
    vault: &Vault,
    group: &str,
    credential: String,
    holder: &SigningKey,
    type_name: &str,
) {
    vault
        .put(&StoredCredential {
            group: group.to_owned(),
            credential,
            holder_jwk: Zeroizing::new(holder.to_private_jwk().to_value().to_string()),
            issuer: "http://127.0.0.1:7401".into(),
            configuration_id: format!("{type_name}_dc_sd_jwt"),
            received_at: NOW.plus(-1000).unix(),
            used: false,
        })
        .unwrap();
}

/// A business licence as a VC 2.0 `vc+jwt` (no holder binding in this codebase).
pub(super) fn hold_vc_jwt(vault: &Vault, issuer: &Issuer) -> String {
    let subject = sample("business_license");
    let types = vec!["BusinessLicenseCredential".to_owned()];
    let credential = jwt_vc::issue(
        &jwt_vc::JwtVcRequest {
            id: None,
            types: &types,
            issuer: &issuer.did,
            kid: Some(&issuer.kid),
            valid_from: NOW.plus(-YEAR),
            valid_until: Some(NOW.plus(YEAR)),
            subject: &subject,
            status: None,
            schema_id: None,
        },
        &issuer.key,
    )
    .unwrap();
    let group = format!("licence-{}", rand_suffix());
    store(
        vault,
        &group,
        credential,
        &SigningKey::generate(Alg::Es256),
        "business_license",
    );
    group
}

fn rand_suffix() -> u64 {
    let mut bytes = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    u64::from_le_bytes(bytes)
}

pub(super) struct Verifier {
    pub key: SigningKey,
    pub client_id: String,
    pub kid: String,
}

pub(super) fn verifier() -> Verifier {
    let key = SigningKey::generate(Alg::Es256);
    let did = did_for(&key.public_key());
    Verifier {
        client_id: format!("{DID_CLIENT_PREFIX}{}", did.as_str()),
        kid: format!("{}#{}", did.as_str(), did.method_specific_id()),
        key,
    }
}

/// The DCQL query of one of the checkpoint profiles in `specs/profiles/`.
pub(super) fn profile(name: &str) -> Value {
    let path = format!(
        "{}/../specs/profiles/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["dcql"].clone()
}

pub(super) fn request_to(v: &Verifier, dcql: &Value, response_uri: &str) -> AuthorizationRequest {
    AuthorizationRequest {
        client_id: v.client_id.clone(),
        response_uri: response_uri.to_owned(),
        nonce: format!("n-{}", rand_suffix()),
        state: Some(format!("st-{}", rand_suffix())),
        dcql_query: DcqlQuery::from_value(dcql).unwrap(),
        client_metadata: Some(client_metadata(&[Alg::Es256])),
    }
}

pub(super) fn request(v: &Verifier, dcql: &Value) -> AuthorizationRequest {
    request_to(v, dcql, "https://verifier.example/response/1")
}

pub(super) fn signed(v: &Verifier, request: &AuthorizationRequest) -> String {
    sign_request_object(request, &v.kid, &v.key, NOW).unwrap()
}

/// Verifies a presentation as a checkpoint does, with this request's nonce and
/// audience, and key binding required when `bound`.
pub(super) fn check(
    presentation: &str,
    request: &AuthorizationRequest,
    aud: &str,
    issuer: &Issuer,
    bound: bool,
) -> Report {
    let clock = FixedClock(NOW);
    let input = VerifyInput {
        presented: presentation,
        issuer_key: IssuerKey::Given(issuer.key.public_key()),
        status_lists: &[],
        status_list_keys: &[],
        list_cache: None,
        clock: &clock,
    };
    let policy = VerifyPolicy {
        require_key_binding: bound,
        nonce: Some(request.nonce.clone()),
        aud: Some(aud.to_owned()),
        ..VerifyPolicy::default()
    };
    verify(&input, &policy).unwrap()
}

/// The claim names the Disclosures of a presentation reveal.
pub(super) fn disclosed_names(presentation: &str) -> Vec<String> {
    let parsed = SdJwt::parse(presentation, 1 << 20).unwrap();
    let mut names: Vec<String> = parsed
        .disclosures()
        .iter()
        .map(|d| d.name().unwrap_or("[element]").to_owned())
        .collect();
    names.sort();
    names
}

pub(super) fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

pub(super) fn passport_only(claims: &[&str]) -> Value {
    let claims: Vec<Value> = claims.iter().map(|c| json!({ "path": [c] })).collect();
    json!({
        "credentials": [{
            "id": "passport",
            "format": "dc+sd-jwt",
            "meta": { "vct_values": ["urn:sigillum:vct:passport:1"] },
            "claims": claims
        }]
    })
}
