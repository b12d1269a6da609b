//! The registry over real HTTP on 127.0.0.1: an issuer DID is created, accredited,
//! rotates its key and publishes and updates a status list; every read is verified by
//! the client against the node's checkpoint; refusals come back as RFC 9457 problem
//! details with their codes.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use rand_core::OsRng;
use serde_json::{Value, json};
use sigillum_credential::jws;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::bundle::{Bundle, verify_bundle};
use sigillum_credential::ledger::merkle::verify_consistency;
use sigillum_credential::ledger::operation::{OpType, Operation, derive_did, sign};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_credential::ledger::read::{ReadProof, verify_read};
use sigillum_credential::ledger::{Checkpoint, Hash, KeyName, Policy, SignedNote, SignerKey};
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_registry::node::Node;
use sigillum_registry::state::Genesis;
use sigillum_registry::store::SledStore;

const ORIGIN: &str = "registry.test/http/1";

struct Server {
    base: String,
    client: reqwest::Client,
    policy: Policy,
    gov: SigningKey,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let gov = SigningKey::generate(Alg::EdDsa);
    let mut jwk = gov.public_key().to_jwk();
    jwk.kid = Some("gov-0".into());
    let genesis = Genesis {
        origin: ORIGIN.into(),
        governance_keys: vec![jwk],
        governance_threshold: 1,
        nodes: vec![],
        cosign_threshold: 0,
    };
    let signer = SignerKey::generate(KeyName::new(ORIGIN).unwrap(), &mut OsRng);
    let policy = Policy::new(ORIGIN, signer.verifier_key(), vec![], 0).unwrap();
    let node = Arc::new(
        Node::open(
            Arc::new(SledStore::open(dir.path()).unwrap()),
            &genesis,
            signer,
            Arc::new(SystemClock),
        )
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(sigillum_registry::http::run(listener, node, async {
        let _ = rx.await;
    }));
    Server {
        base,
        client: reqwest::Client::new(),
        policy,
        gov,
        _dir: dir,
        stop: Some(tx),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

impl Server {
    async fn post(&self, body: String) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}/v1/operations", self.base))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let v: Value = r.json().await.unwrap();
        if status >= 400 {
            assert_eq!(content_type, "application/problem+json");
            assert_eq!(
                v["type"],
                format!("urn:sigillum:problem:{}", v["code"].as_str().unwrap())
            );
        }
        (status, v)
    }

    /// GETs a read proof and verifies it as a client would.
    async fn read(&self, path: &str, id: &str) -> Value {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let proof: ReadProof = r.json().await.unwrap();
        verify_read(id, &proof, &self.policy).unwrap().object
    }

    async fn prev(&self, path: &str) -> Option<String> {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let proof: ReadProof = r.json().await.unwrap();
        let bytes =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &proof.entry)
                .unwrap();
        Some(sigillum_credential::ledger::operation::hash_text(
            &sigillum_credential::ledger::merkle::leaf_hash(&bytes),
        ))
    }
}

fn now() -> i64 {
    SystemClock.now().unix()
}

fn document(control: &SigningKey, signing: (&str, &SigningKey)) -> Value {
    json!({"verificationMethod": [
              {"id": "#control", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": control.public_key().to_jwk()},
              {"id": format!("#{}", signing.0), "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": signing.1.public_key().to_jwk()}],
           "assertionMethod": [format!("#{}", signing.0)], "capabilityInvocation": ["#control"]})
}

fn checkpoint(note: &str) -> Checkpoint {
    Checkpoint::parse(
        SignedNote::parse(note.as_bytes())
            .unwrap()
            .unverified_text(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issuer_lifecycle_over_http_with_verified_reads() {
    let s = start().await;
    let (control, signing) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::Es256),
    );
    let body = document(&control, ("sign-1", &signing));
    let did =
        derive_did(&serde_json::from_value::<LedgerDidDocument>(body.clone()).unwrap()).unwrap();
    let create = sign(
        &Operation {
            v: 1,
            op_type: OpType::DidCreate,
            id: did.clone(),
            prev: None,
            time: now(),
            body,
        },
        &[(&control, "#control")],
    );
    let (status, receipt) = s.post(create.clone()).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["leaf_index"], 0);
    let cp1 = s
        .client
        .get(format!("{}/v1/checkpoint", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = s.read(&format!("/v1/dids/{did}"), &did).await;
    assert_eq!(
        doc["document"]["assertionMethod"][0],
        format!("{did}#sign-1")
    );

    // Refusals, each with its status and code.
    assert_eq!(s.post(create).await.0, 409, "replay");
    let (status, problem) = s.post("{not json".into()).await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (400, "operation_malformed")
    );
    let pii = Operation {
        v: 1,
        op_type: OpType::AccreditationGrant,
        id: format!("accreditation:{did}:passport"),
        prev: None,
        time: now(),
        body: json!({"issuer": did, "credential_type": "passport", "valid_from": now(), "contact_person": "Erika Mustermann, +49 221 1234"}),
    };
    let (status, problem) = s.post(sign(&pii, &[(&s.gov, "gov-0")])).await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (422, "operation_field_forbidden")
    );
    let intruder = SigningKey::generate(Alg::EdDsa);
    let grant = Operation {
        v: 1,
        op_type: OpType::AccreditationGrant,
        id: format!("accreditation:{did}:passport"),
        prev: None,
        time: now(),
        body: json!({"issuer": did, "credential_type": "passport", "valid_from": now()}),
    };
    let (status, problem) = s.post(sign(&grant, &[(&intruder, "gov-9")])).await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (403, "operation_unauthorized")
    );

    // Accreditation by governance.
    assert_eq!(s.post(sign(&grant, &[(&s.gov, "gov-0")])).await.0, 201);
    let acc = s
        .read(
            &format!("/v1/accreditations/{did}/passport"),
            &format!("accreditation:{did}:passport"),
        )
        .await;
    assert_eq!(acc["credential_type"], "passport");

    // Key rotation, signed by the control key.
    let new_signing = SigningKey::generate(Alg::Es256);
    let rotate = Operation {
        v: 1,
        op_type: OpType::DidUpdate,
        id: did.clone(),
        prev: s.prev(&format!("/v1/dids/{did}")).await,
        time: now(),
        body: document(&control, ("sign-2", &new_signing)),
    };
    assert_eq!(
        s.post(sign(&rotate, &[(&control, "#control")])).await.0,
        201
    );
    assert_eq!(
        s.read(&format!("/v1/dids/{did}"), &did).await["document"]["assertionMethod"][0],
        format!("{did}#sign-2")
    );

    // A status list, then an update.
    let list_id = format!("status-list:{did}:1");
    let token = |n: i64| {
        jws::sign_claims(
            "statuslist+jwt",
            None,
            json!({"sub": "x", "iat": n}).as_object().unwrap(),
            &new_signing,
        )
    };
    let create_list = Operation {
        v: 1,
        op_type: OpType::StatusListCreate,
        id: list_id.clone(),
        prev: None,
        time: now(),
        body: json!({"format": "token", "token": token(1)}),
    };
    assert_eq!(
        s.post(sign(&create_list, &[(&new_signing, "#sign-2")]))
            .await
            .0,
        201
    );
    // ES256 signatures are randomized (ring): keep the token to compare with.
    let second = token(2);
    let update = Operation {
        v: 1,
        op_type: OpType::StatusListUpdate,
        id: list_id.clone(),
        prev: s.prev(&format!("/v1/status-lists/{did}/1")).await,
        time: now(),
        body: json!({"format": "token", "token": second}),
    };
    // Signed by the rotated-out key: refused.
    assert_eq!(s.post(sign(&update, &[(&signing, "#sign-1")])).await.0, 403);
    assert_eq!(
        s.post(sign(&update, &[(&new_signing, "#sign-2")])).await.0,
        201
    );
    let list = s.read(&format!("/v1/status-lists/{did}/1"), &list_id).await;
    assert_eq!(list["token"], second);

    // The log only grew: consistency from the first checkpoint to now.
    let cp2 = s
        .client
        .get(format!("{}/v1/checkpoint", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (a, b) = (checkpoint(&cp1), checkpoint(&cp2));
    let r: Value = s
        .client
        .get(format!(
            "{}/v1/proofs/consistency?old={}&new={}",
            s.base,
            a.size().get(),
            b.size().get()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let proof: Vec<Hash> = r["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            Hash::from_slice(
                &base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    h.as_str().unwrap(),
                )
                .unwrap(),
            )
            .unwrap()
        })
        .collect();
    verify_consistency(a.size(), b.size(), a.root(), b.root(), &proof).unwrap();

    // The offline bundle: every object, verified against one checkpoint, with its age.
    let bytes = s
        .client
        .get(format!("{}/v1/bundle", s.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let verified = verify_bundle(&bytes, &s.policy).unwrap();
    assert_eq!(
        verified.objects.len(),
        3,
        "the DID, the accreditation, the status list"
    );
    assert_eq!(verified.objects[&list_id].0["token"], second);
    let age = verified.age_secs(sigillum_credential::time::Timestamp::from_unix(now()));
    assert!((0..60).contains(&age), "{age}");
    // Tampered: an object's value changed, a foreign checkpoint, or garbage.
    let mut bundle = Bundle::decode(&bytes).unwrap();
    bundle.objects[0].proof.object["deactivated"] = json!(true);
    assert_eq!(
        verify_bundle(&bundle.encode().unwrap(), &s.policy)
            .unwrap_err()
            .code(),
        "state_proof_invalid"
    );
    let other = Policy::new(
        ORIGIN,
        SignerKey::generate(KeyName::new(ORIGIN).unwrap(), &mut OsRng).verifier_key(),
        vec![],
        0,
    )
    .unwrap();
    assert_eq!(
        verify_bundle(&bytes, &other).unwrap_err().code(),
        "checkpoint_invalid"
    );
    assert_eq!(
        verify_bundle(b"not a bundle", &s.policy)
            .unwrap_err()
            .code(),
        "bundle_malformed"
    );

    // An inclusion proof of the first entry in the current tree, checked against the checkpoint.
    let r: Value = s
        .client
        .get(format!(
            "{}/v1/proofs/inclusion?index=0&size={}",
            s.base,
            b.size().get()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path: Vec<Hash> = r["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            Hash::from_slice(
                &base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    h.as_str().unwrap(),
                )
                .unwrap(),
            )
            .unwrap()
        })
        .collect();
    let first: Value = s
        .client
        .get(format!("{}/v1/log/entries?start=0&end=1", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let leaf = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        first["entries"][0].as_str().unwrap(),
    )
    .unwrap();
    sigillum_credential::ledger::merkle::verify_inclusion(
        &sigillum_credential::ledger::merkle::leaf_hash(&leaf),
        sigillum_credential::ledger::LeafIndex::new(0),
        b.size(),
        &path,
        b.root(),
    )
    .unwrap();
    let beyond = s
        .client
        .get(format!("{}/v1/proofs/inclusion?index=0&size=999", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status().as_u16(), 400);
    let out_of_range = s
        .client
        .get(format!("{}/v1/proofs/inclusion?index=9&size=2", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(out_of_range.status().as_u16(), 400);

    // Misc endpoints.
    let entries: Value = s
        .client
        .get(format!("{}/v1/log/entries?start=0&end=2", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(entries["entries"].as_array().unwrap().len(), 2);
    let missing = s
        .client
        .get(format!("{}/v1/dids/did:sigillum:nobody", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let bad_query = s
        .client
        .get(format!("{}/v1/proofs/consistency?old=x", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_query.status().as_u16(), 400);
    let huge = s
        .client
        .post(format!("{}/v1/operations", s.base))
        .body(vec![b'x'; 10 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status().as_u16(), 413);
    let metrics = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("registry_log_size 5"), "{metrics}");
}

/// reqwest as the client's `HttpGet` (what a service plugs in).
struct Http(reqwest::Client);

impl sigillum_credential::did::web::HttpGet for Http {
    fn get<'a>(
        &'a self,
        url: &'a str,
        max: usize,
    ) -> sigillum_credential::did::BoxFuture<'a, Result<Vec<u8>, String>> {
        Box::pin(async move {
            let r = self.0.get(url).send().await.map_err(|e| e.to_string())?;
            if !r.status().is_success() {
                return Err(format!("HTTP {}", r.status()));
            }
            let bytes = r.bytes().await.map_err(|e| e.to_string())?;
            if bytes.len() > max {
                Err("too large".into())
            } else {
                Ok(bytes.to_vec())
            }
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_client_resolves_did_sigillum_and_only_moves_forward() {
    use sigillum_credential::did::{Did, DidResolver, Relationship};
    use sigillum_credential::ledger::client::RegistryClient;
    use sigillum_credential::ledger::tracker::CheckpointTracker;

    let s = start().await;
    let (control, signing) = (
        SigningKey::generate(Alg::EdDsa),
        SigningKey::generate(Alg::Es256),
    );
    let body = document(&control, ("sign-1", &signing));
    let did =
        derive_did(&serde_json::from_value::<LedgerDidDocument>(body.clone()).unwrap()).unwrap();
    let create = sign(
        &Operation {
            v: 1,
            op_type: OpType::DidCreate,
            id: did.clone(),
            prev: None,
            time: now(),
            body,
        },
        &[(&control, "#control")],
    );
    assert_eq!(s.post(create).await.0, 201);
    let client = RegistryClient::new(
        s.base.clone(),
        Http(reqwest::Client::new()),
        s.policy.clone(),
        CheckpointTracker::new(),
    );
    let parsed = Did::parse(&did).unwrap();
    let doc = client.resolve(&parsed).await.unwrap();
    assert_eq!(
        doc.key_for(None, Relationship::AssertionMethod).unwrap(),
        signing.public_key()
    );
    assert_eq!(client.tracker().latest().unwrap().0.get(), 1);

    // The issuer rotates; the client moves to the larger checkpoint through a consistency proof.
    let new_signing = SigningKey::generate(Alg::Es256);
    let rotate = Operation {
        v: 1,
        op_type: OpType::DidUpdate,
        id: did.clone(),
        prev: s.prev(&format!("/v1/dids/{did}")).await,
        time: now(),
        body: document(&control, ("sign-2", &new_signing)),
    };
    assert_eq!(
        s.post(sign(&rotate, &[(&control, "#control")])).await.0,
        201
    );
    let doc = client.resolve(&parsed).await.unwrap();
    assert_eq!(
        doc.key_for(None, Relationship::AssertionMethod).unwrap(),
        new_signing.public_key()
    );
    assert_eq!(client.tracker().latest().unwrap().0.get(), 2);

    // Deactivated DIDs do not resolve; unknown ones are a fetch failure (404).
    let deactivate = Operation {
        v: 1,
        op_type: OpType::DidDeactivate,
        id: did.clone(),
        prev: s.prev(&format!("/v1/dids/{did}")).await,
        time: now(),
        body: json!({}),
    };
    assert_eq!(
        s.post(sign(&deactivate, &[(&control, "#control")])).await.0,
        201
    );
    assert_eq!(
        client.resolve(&parsed).await.unwrap_err().code(),
        "did_deactivated"
    );
    let ghost = Did::parse("did:sigillum:ghost").unwrap();
    assert_eq!(
        client.resolve(&ghost).await.unwrap_err().code(),
        "did_resolution_failed"
    );
    // A client pinned to a checkpoint from another history refuses this registry's answers.
    let forked = RegistryClient::new(
        s.base.clone(),
        Http(reqwest::Client::new()),
        s.policy.clone(),
        CheckpointTracker::starting_at(
            sigillum_credential::ledger::TreeSize::new(3),
            Hash::from_bytes([1; 32]),
        ),
    );
    assert!(
        forked
            .resolve(&parsed)
            .await
            .unwrap_err()
            .to_string()
            .contains("checkpoint_split_view")
    );
}
