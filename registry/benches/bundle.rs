//! The offline bundle at the size the registry issue names: 1,000 issuer DIDs and 100
//! status lists of 131,072 entries (2-bit, 1% set), built by a node (every object's
//! log inclusion proof and state proof, zlib) and verified by a client.
//!
//! Run: `cargo bench -p sigillum-registry --bench bundle`

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rand_core::OsRng;
use serde_json::json;
use sigillum_credential::jws;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::bundle::verify_bundle;
use sigillum_credential::ledger::operation::{OpType, Operation, derive_did, sign};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_credential::ledger::{KeyName, Policy, SignerKey};
use sigillum_credential::status::{Bits, StatusList, StatusListTokenClaims};
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_registry::node::Node;
use sigillum_registry::state::Genesis;
use sigillum_registry::store::MemoryStore;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ORIGIN: &str = "bench.example/registry";

fn populated() -> (Node, Policy) {
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
    let signer = SignerKey::generate(
        KeyName::new(ORIGIN).unwrap_or_else(|_| unreachable!()),
        &mut OsRng,
    );
    let policy =
        Policy::new(ORIGIN, signer.verifier_key(), vec![], 0).unwrap_or_else(|_| unreachable!());
    let node = Node::open(
        Arc::new(MemoryStore::new()),
        &genesis,
        signer,
        Arc::new(SystemClock),
    )
    .unwrap_or_else(|_| unreachable!());
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|_| unreachable!());
    runtime.block_on(async {
        for i in 0..1000usize {
            let key = SigningKey::generate(Alg::Es256);
            let body = json!({"verificationMethod": [{"id": "#k", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": key.public_key().to_jwk()}],
                              "assertionMethod": ["#k"], "capabilityInvocation": ["#k"]});
            let did = serde_json::from_value::<LedgerDidDocument>(body.clone()).ok().and_then(|d| derive_did(&d).ok()).unwrap_or_default();
            let now = SystemClock.now().unix();
            let op = Operation { v: 1, op_type: OpType::DidCreate, id: did.clone(), prev: None, time: now, body };
            let _ = node.submit(sign(&op, &[(&key, "#k")]).into_bytes()).await;
            if i < 100 {
                let mut list = StatusList::new(131_072, Bits::Two);
                for j in 0..1311usize {
                    let _ = list.set((j * 100_003 + i * 7) % 131_072, 1 + (j % 2) as u8);
                }
                let uri = format!("https://{ORIGIN}/v1/status-lists/{did}/1");
                let claims = StatusListTokenClaims { sub: uri, iat: now as u64, exp: Some(now as u64 + 86_400), ttl: Some(300), status_list: list };
                let payload = claims.to_payload().ok().and_then(|v| v.as_object().cloned()).unwrap_or_default();
                let token = jws::sign_claims("statuslist+jwt", Some("#k"), &payload, &key);
                let op = Operation { v: 1, op_type: OpType::StatusListCreate, id: format!("status-list:{did}:1"), prev: None, time: now,
                                     body: json!({"format": "token", "token": token}) };
                let _ = node.submit(sign(&op, &[(&key, "#k")]).into_bytes()).await;
            }
        }
    });
    (node, policy)
}

fn benches(c: &mut Criterion) {
    let (node, policy) = populated();
    let bytes = node
        .bundle()
        .and_then(|b| b.encode().map_err(|_| unreachable!()))
        .unwrap_or_default();
    let verified = verify_bundle(&bytes, &policy)
        .map(|v| v.objects.len())
        .unwrap_or(0);
    println!(
        "bundle: {} objects, {} bytes compressed, {} objects verified",
        node.size(),
        bytes.len(),
        verified
    );
    let mut group = c.benchmark_group("offline_bundle_1000_issuers_100_lists");
    group.sample_size(10);
    group.bench_function("build_and_compress", |b| {
        b.iter(|| black_box(node.bundle().map(|b| b.encode().map(|e| e.len()))))
    });
    group.bench_function("decompress_and_verify", |b| {
        b.iter(|| black_box(verify_bundle(black_box(&bytes), &policy).map(|v| v.objects.len())))
    });
    group.finish();
}

criterion_group! {
    name = group;
    config = Criterion::default().measurement_time(Duration::from_secs(8)).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(group);
