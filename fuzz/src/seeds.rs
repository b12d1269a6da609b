//! The seed corpus: well-formed inputs each harness's parsers accept (built here
//! with the forge's keys, so they reach past every signature), and the public
//! test vectors in `../shared/vectors` (see its SOURCES.md), whole files and every
//! string inside their JSON, in the form each target reads.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use sigillum_credential::key::Alg;
use sigillum_credential::ledger::Checkpoint;
use sigillum_credential::ledger::merkle::{LeafIndex, TreeSize};
use sigillum_credential::ledger::tree;
use sigillum_credential::oid4vp::{AuthorizationRequest, DcqlQuery, client_metadata};
use sigillum_credential::qr::{self, PayloadKind};
use sigillum_credential::sd_jwt::Disclosure;
use sigillum_credential::status::{Bits, BitstringStatusList, StatusList, StatusSize};

use crate::forge::{self, SEPARATOR};
use crate::{checkpoint, kb_jwt, openid4vc, registry_op, status_list, witness};

/// Most seeds taken from the vectors for one target.
pub const MAX_VECTOR_SEEDS: usize = 400;
/// Largest vector file or string used as a seed.
pub const MAX_SEED_BYTES: usize = 64 * 1024;

/// Every seed for `target`: built ones first, then those from `vectors` (when given).
#[must_use]
pub fn seeds(target: &str, vectors: Option<&Path>) -> Vec<Vec<u8>> {
    let mut out = built(target);
    if let Some(dir) = vectors {
        out.extend(from_vectors(target, dir));
    }
    let mut seen = BTreeSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

fn join(prefix: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut out = prefix.to_vec();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.extend_from_slice(p);
    }
    out
}

fn issuer_did() -> String {
    forge::did_and_kid(&forge::issuer().public_key()).0
}

/// The seeds built from the forge's keys for `target`.
#[must_use]
pub fn built(target: &str) -> Vec<Vec<u8>> {
    match target {
        "jws" => jws(),
        "sd_jwt" => sd_jwt(),
        "kb_jwt" => kb_jwt(),
        "status_list" => status_lists(),
        "did" => did(),
        "registry_op" => registry_ops(),
        "checkpoint" => checkpoints(),
        "qr" => qr_payloads(),
        "openid4vc" => openid4vc_messages(),
        "witness" => witness_requests(),
        _ => Vec::new(),
    }
}

fn vc_jwt_claims() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "PassportCredential"],
        "issuer": issuer_did(),
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2036-01-01T00:00:00Z",
        "credentialSubject": { "id": "did:example:holder", "family_name": "Mustermann" },
    })
}

fn jws() -> Vec<Vec<u8>> {
    let header = forge::header("vc+jwt", None);
    let payload = vc_jwt_claims().to_string();
    let token = forge::sign_raw(&header, payload.as_bytes(), forge::issuer());
    vec![
        join(b"F", &[&header, payload.as_bytes()]),
        join(
            b"F",
            &[
                &forge::header("JWT", None),
                br#"{"iss":"x","exp":1,"nbf":"2"}"#,
            ],
        ),
        token.into_bytes(),
    ]
}

fn sd_jwt() -> Vec<Vec<u8>> {
    let d1 = json!(["2GLC42sKQveCfGfryNRN9w", "family_name", "Mustermann"]).to_string();
    let d2 = json!(["eluV5Og3gSNII8EYnsxA_A", "DE"]).to_string();
    let d3 = json!(["6Ij7tM-a5iVPGboS5tmvVA", "address", {"_sd": []}]).to_string();
    let digest = |d: &str| {
        Disclosure::parse(&forge::b64(d.as_bytes()), 0)
            .map(|d| d.digest().to_owned())
            .unwrap_or_default()
    };
    let payload = format!(
        r#"{{"iss":"{}","iat":{},"vct":"urn:sigillum:vct:passport:1","_sd_alg":"sha-256","_sd":["{}","{}"],"nationalities":[{{"...":"{}"}}],"cnf":{{"jwk":$HOLDER_JWK}}}}"#,
        issuer_did(),
        forge::NOW - 60,
        digest(&d1),
        digest(&d3),
        digest(&d2),
    );
    let kb = format!("KB:{}", kb_jwt::seed_payload());
    let with_kb = join(
        b"F",
        &[
            payload.as_bytes(),
            d1.as_bytes(),
            d2.as_bytes(),
            d3.as_bytes(),
            kb.as_bytes(),
        ],
    );
    let mut seeds = vec![
        with_kb.clone(),
        join(
            b"F",
            &[
                payload.as_bytes(),
                d1.as_bytes(),
                d2.as_bytes(),
                d3.as_bytes(),
            ],
        ),
    ];
    if let Some(text) = crate::sd_jwt::forge_presentation(&with_kb[1..]) {
        seeds.push(text.into_bytes());
    }
    seeds
}

fn kb_jwt() -> Vec<Vec<u8>> {
    let header = forge::header("kb+jwt", None);
    let payload = kb_jwt::seed_payload();
    let sd_hash = sigillum_credential::sd_jwt::sd_hash(kb_jwt::credential());
    let real = forge::substitute(payload.as_bytes(), &[("$SD_HASH", &sd_hash)]);
    vec![
        join(b"F", &[&header, payload.as_bytes()]),
        forge::sign_raw(&header, &real, forge::holder()).into_bytes(),
    ]
}

fn status_lists() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let mut list = StatusList::new(1024, Bits::Two);
    let _ = list.set(status_list::INDEX as usize, 1);
    let _ = list.set(7, 2);
    if let Ok(lst) = list.encode_lst() {
        let claims = json!({
            "sub": status_list::URI,
            "iat": forge::NOW - 60,
            "exp": forge::NOW + 3600,
            "ttl": 300,
            "status_list": { "bits": 2, "lst": lst },
        })
        .to_string();
        seeds.push(join(b"T", &[claims.as_bytes(), b"7"]));
        seeds.push(join(b"S", &[claims.as_bytes()]));
        seeds.push(join(b"L", &[lst.as_bytes()]));
        seeds.push(
            forge::sign_raw(
                &forge::header("statuslist+jwt", None),
                claims.as_bytes(),
                forge::issuer(),
            )
            .into_bytes(),
        );
    }
    if let Ok(mut bits) = BitstringStatusList::new(131_072, StatusSize::ONE) {
        let _ = bits.set(status_list::INDEX as usize, 1);
        if let Ok(encoded) = bits.encode() {
            let credential = json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": status_list::URI,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": issuer_did(),
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {
                    "id": format!("{}#list", status_list::URI),
                    "type": "BitstringStatusList",
                    "statusPurpose": "revocation",
                    "encodedList": encoded,
                },
            })
            .to_string();
            seeds.push(join(b"B", &[credential.as_bytes()]));
            seeds.push(join(b"E", &[encoded.as_bytes()]));
        }
    }
    seeds
}

fn did() -> Vec<Vec<u8>> {
    let (did, kid) = forge::did_and_kid(&forge::issuer().public_key());
    let jwk = forge::holder_jwk();
    let did_jwk = format!("did:jwk:{}", forge::b64(jwk.as_bytes()));
    let document = json!({
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": "did:web:ministry.example",
        "verificationMethod": [{
            "id": "did:web:ministry.example#sign-1",
            "type": "JsonWebKey",
            "controller": "did:web:ministry.example",
            "publicKeyJwk": forge::issuer().public_key().to_jwk(),
        }],
        "assertionMethod": ["did:web:ministry.example#sign-1"],
    })
    .to_string();
    vec![
        did.into_bytes(),
        kid.into_bytes(),
        format!("{did_jwk}#0").into_bytes(),
        join(
            b"",
            &[b"did:web:ministry.example#sign-1", document.as_bytes()],
        ),
        jwk.as_bytes().to_vec(),
    ]
}

fn registry_ops() -> Vec<Vec<u8>> {
    let document = json!({
        "verificationMethod": [
            {"id": "#control", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": forge::holder().public_key().to_jwk()},
            {"id": "#sign-1", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": forge::issuer().public_key().to_jwk()},
        ],
        "assertionMethod": ["#control", "#sign-1"],
        "capabilityInvocation": ["#control"],
    });
    let Some(did) = registry_op::derived_did(&document) else {
        return Vec::new();
    };
    let body = document
        .to_string()
        .replace(
            &serde_json::to_string(&forge::holder().public_key().to_jwk()).unwrap_or_default(),
            "$CONTROL_JWK",
        )
        .replace(
            &serde_json::to_string(&forge::issuer().public_key().to_jwk()).unwrap_or_default(),
            "$SIGN_JWK",
        );
    let op = |t: &str, id: &str, prev: bool, body: &str| {
        let prev = if prev { r#""$PREV""# } else { "null" };
        format!(r#"{{"v":1,"type":"{t}","id":"{id}","prev":{prev},"time":$NOW,"body":{body}}}"#)
    };
    let token = forge::sign_raw(
        &forge::header("statuslist+jwt", None),
        b"{}",
        forge::issuer(),
    );
    let ops = [
        format!("#control\n{}", op("did.create", &did, false, &body)),
        format!(
            "gov-1\n{}",
            op(
                "accreditation.grant",
                &format!("accreditation:{did}:passport"),
                false,
                &format!(r#"{{"issuer":"{did}","credential_type":"passport","valid_from":$NOW}}"#),
            )
        ),
        format!("#control\n{}", op("did.update", &did, true, &body)),
        format!(
            "#sign-1\n{}",
            op(
                "status_list.create",
                &format!("status-list:{did}:1"),
                false,
                &format!(r#"{{"format":"token","token":"{token}"}}"#),
            )
        ),
        format!(
            "gov-1\n{}",
            op(
                "accreditation.withdraw",
                &format!("accreditation:{did}:passport"),
                true,
                r#"{"since":$NOW}"#,
            )
        ),
        format!("#control\n{}", op("did.deactivate", &did, true, "{}")),
    ];
    let parts: Vec<&[u8]> = ops.iter().map(|o| o.as_bytes()).collect();
    let mut seeds = vec![join(b"F", &parts)];
    if let Ok(state) = sigillum_registry::state::State::from_genesis(registry_op::genesis())
        && let Some(envelope) = registry_op::forge_operation(ops[0].as_bytes(), &state)
    {
        seeds.push(envelope.into_bytes());
    }
    seeds
}

/// Checkpoints of a 37-leaf consortium log (signed, and as `S` bodies the harness
/// signs), an `add-checkpoint` request from size 0, and a Raft envelope by node 1.
fn witness_requests() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let t = checkpoint::tree();
    for size in [0, 20, 37] {
        if let Ok(root) = tree::root(TreeSize::new(size), t)
            && let Ok(body) = Checkpoint::new(witness::ORIGIN, TreeSize::new(size), root)
        {
            let body = body.to_body();
            seeds.push(join(b"S", &[body.as_bytes()]));
            if let Some(note) = witness::signed(&body) {
                seeds.push(
                    sigillum_registry::raft::cosign::AddCheckpoint::encode(0, &[], &note)
                        .into_bytes(),
                );
            }
        }
    }
    if let Some(key) = witness::log_key()
        && let Ok(header) = sigillum_registry::raft::network::sign_envelope(
            &key,
            1,
            2,
            "/raft/v1/append",
            b"{}",
            crate::forge::NOW,
        )
    {
        seeds.push(join(b"E", &[header.as_bytes()]));
    }
    seeds
}

fn checkpoints() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let t = checkpoint::tree();
    if let Ok(root) = tree::root(TreeSize::new(37), t)
        && let Ok(body) = Checkpoint::new(checkpoint::ORIGIN, TreeSize::new(37), root)
            .and_then(|c| c.with_extension("sigillum-state sha256:0123"))
    {
        let body = body.to_body();
        seeds.push(join(b"C", &[body.as_bytes()]));
        if let Some(note) = checkpoint::signed_note(&body) {
            seeds.push(join(b"N", &[note.as_bytes()]));
        }
        if let Some(key) = checkpoint::log_verifier_key() {
            seeds.push(join(b"K", &[key.as_bytes()]));
        }
    }
    let proof = |kind: u8, a: u64, b: u64, hashes: Vec<sigillum_credential::ledger::Hash>| {
        let mut s = vec![b'P', kind];
        s.extend_from_slice(&a.to_le_bytes());
        s.extend_from_slice(&b.to_le_bytes());
        for h in hashes {
            s.extend_from_slice(h.as_bytes());
        }
        s
    };
    for (a, b) in [(5, 37), (0, 1), (36, 37), (12, 64)] {
        if let Ok(p) = tree::inclusion_proof(LeafIndex::new(a), TreeSize::new(b), t) {
            seeds.push(proof(0, a, b, p));
        }
    }
    for (a, b) in [(5, 37), (1, 64), (32, 64), (37, 37)] {
        if let Ok(p) = tree::consistency_proof(TreeSize::new(a), TreeSize::new(b), t) {
            seeds.push(proof(1, a, b, p));
        }
    }
    seeds
}

fn qr_payloads() -> Vec<Vec<u8>> {
    let presentation = crate::sd_jwt::forge_presentation(&sd_jwt()[0][1..]).unwrap_or_default();
    let mut seeds = Vec::new();
    for (kind, payload) in [
        (PayloadKind::Presentation, presentation.as_bytes()),
        (PayloadKind::Credential, presentation.as_bytes()),
        (
            PayloadKind::CredentialOffer,
            &br#"{"credential_issuer":"https://issuer.example"}"#[..],
        ),
        (
            PayloadKind::PresentationRequest,
            b"openid4vp://?client_id=x&request_uri=https://v.example/r",
        ),
    ] {
        if let Ok(text) = qr::encode(kind, payload) {
            seeds.push(text.into_bytes());
        }
    }
    seeds
}

fn openid4vc_messages() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let proof_header = br#"{"alg":"EdDSA","typ":"openid4vci-proof+jwt","jwk":$HOLDER_JWK}"#;
    let proof_payload =
        json!({"aud": openid4vc::ISSUER, "iat": forge::NOW, "nonce": "c-nonce-1"}).to_string();
    seeds.push(join(b"P", &[proof_header, proof_payload.as_bytes()]));
    let query = json!({"credentials": [{
        "id": "passport", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["urn:sigillum:vct:passport:1"]},
        "claims": [{"path": ["family_name"]}, {"path": ["nationalities", null]}],
    }]});
    if let Ok(dcql_query) = DcqlQuery::from_value(&query) {
        let (_, kid) = forge::did_and_kid(&forge::party().public_key());
        let request = AuthorizationRequest {
            client_id: openid4vc::link().client_id.clone(),
            response_uri: "https://verifier.example/response/abc".into(),
            nonce: kb_jwt::NONCE.into(),
            state: Some("st-1".into()),
            dcql_query,
            client_metadata: Some(client_metadata(&[Alg::EdDsa])),
        };
        let claims = Value::Object(request.to_claims(forge::now())).to_string();
        let header = json!({"alg": "EdDSA", "typ": "oauth-authz-req+jwt", "kid": kid}).to_string();
        seeds.push(join(b"R", &[header.as_bytes(), claims.as_bytes()]));
    }
    let mut q = b"q".to_vec();
    q.extend_from_slice(query.to_string().as_bytes());
    seeds.push(q);
    seeds
}

/// The vector folders each target reads, and the mode prefixes its inputs take.
fn vector_sources(target: &str) -> (&'static [&'static str], &'static [&'static [u8]]) {
    match target {
        "jws" => (
            &[
                "jws",
                "wycheproof/testvectors_v1",
                "vc-jose-cose",
                "sd-jwt-vc",
            ],
            &[b""],
        ),
        "sd_jwt" => (&["sd-jwt", "sd-jwt-vc", "vc-jose-cose"], &[b""]),
        "kb_jwt" => (&["sd-jwt"], &[b""]),
        "status_list" => (
            &["status-list", "bitstring-status-list"],
            &[b"", b"T", b"B", b"L", b"E"],
        ),
        "did" => (&["did-key", "did-jwk"], &[b""]),
        "qr" => (&["eu-dcc"], &[b""]),
        "openid4vc" => (
            &["openid4vc"],
            &[
                b"o", b"l", b"m", b"t", b"n", b"c", b"r", b"p", b"q", b"L", b"w", b"j",
            ],
        ),
        _ => (&[], &[]),
    }
}

fn from_vectors(target: &str, vectors: &Path) -> Vec<Vec<u8>> {
    let (dirs, prefixes) = vector_sources(target);
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for dir in dirs {
        let mut files = Vec::new();
        walk(&vectors.join(dir), &mut files);
        files.sort();
        for file in files {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            if bytes.len() > MAX_SEED_BYTES {
                continue;
            }
            if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
                strings(&value, &mut texts);
            }
            texts.push(bytes);
        }
    }
    let mut seeds = Vec::new();
    'all: for text in &texts {
        for prefix in prefixes {
            if seeds.len() >= MAX_VECTOR_SEEDS {
                break 'all;
            }
            let mut seed = prefix.to_vec();
            seed.extend_from_slice(text);
            seeds.push(seed);
        }
    }
    seeds
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_none_or(|e| e != "md") {
            out.push(path);
        }
    }
}

/// Every string of 8 bytes or more inside `value`, and every object or array
/// inside it as JSON text: the tokens, links and messages a vector file holds.
fn strings(value: &Value, out: &mut Vec<Vec<u8>>) {
    match value {
        Value::String(s) if s.len() >= 8 && s.len() <= MAX_SEED_BYTES => {
            out.push(s.as_bytes().to_vec());
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(members) => {
            for v in members.values() {
                if v.is_object() {
                    out.push(v.to_string().into_bytes());
                }
                strings(v, out);
            }
        }
        _ => {}
    }
}
