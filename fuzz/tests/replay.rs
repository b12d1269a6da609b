//! Replays every fuzz target's inputs through its harness, without libFuzzer: the
//! seeds (built and from `../shared/vectors`) and each crash or hang fuzzing
//! found, kept in `fuzz/regressions/<target>/`. A harness that panics on any of
//! them fails here.

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn every_target_survives_its_seeds_and_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vectors = root.join("../../shared/vectors");
    let vectors = vectors.is_dir().then_some(vectors.as_path());
    let mut total = 0;
    for (target, run) in sigillum_fuzz::TARGETS {
        let seeds = sigillum_fuzz::seeds::seeds(target, vectors);
        assert!(!seeds.is_empty(), "{target} has no seeds");
        for seed in &seeds {
            run(seed);
        }
        let mut replayed = 0;
        for file in files(&root.join("regressions").join(target)) {
            let bytes = std::fs::read(&file).expect("read a regression");
            run(&bytes);
            replayed += 1;
        }
        println!("{target}: {} seeds, {replayed} regressions", seeds.len());
        total += seeds.len() + replayed;
    }
    println!("fuzz replay: {total} inputs, no panic");
}

/// The forged seeds reach past the signatures: the verifier accepts them, so the
/// fuzzer starts from inputs that exercise what lies behind (a seed refused at
/// the signature would leave everything after it unfuzzed).
#[test]
fn forged_seeds_verify() {
    use sigillum_credential::key::Alg;
    use sigillum_credential::sd_jwt::{KbPolicy, SdJwt};
    use sigillum_fuzz::{forge, kb_jwt};

    let sd_jwt = &sigillum_fuzz::seeds::built("sd_jwt")[0];
    let presented =
        sigillum_fuzz::sd_jwt::forge_presentation(&sd_jwt[1..]).expect("a presentation");
    let parsed = SdJwt::parse(&presented, 64 * 1024).expect("parse");
    let verified = parsed
        .verify(
            &forge::issuer().public_key(),
            Alg::ALL,
            &KbPolicy::required(kb_jwt::NONCE, kb_jwt::AUD, forge::now()),
        )
        .expect("the forged seed verifies, key binding included");
    assert_eq!(verified.processed().claims["family_name"], "Mustermann");
    assert_eq!(verified.processed().claims["nationalities"][0], "DE");
}

/// The other forged seeds reach past their signatures too: the registry applies
/// every operation of the seeded sequence, the issuer accepts the proof JWT, the
/// wallet the Request Object, and a status list signed for the credential is read.
#[test]
fn forged_seeds_of_every_kind_are_accepted() {
    use sigillum_credential::key::Alg;
    use sigillum_credential::ledger::operation;
    use sigillum_credential::oid4vci::{ProofPolicy, verify_proof_jwt};
    use sigillum_credential::oid4vp::verify_request_object;
    use sigillum_fuzz::{forge, openid4vc, registry_op};
    use sigillum_registry::state::State;

    let ops = &sigillum_fuzz::seeds::built("registry_op")[0];
    let mut state = State::from_genesis(registry_op::genesis()).expect("genesis");
    for (leaf, part) in forge::parts(&ops[1..]).into_iter().enumerate() {
        let envelope = registry_op::forge_operation(part, &state).expect("an envelope");
        let op = operation::parse(envelope.as_bytes()).expect("parse");
        let effect = state
            .check(&op, forge::NOW)
            .unwrap_or_else(|e| panic!("operation {leaf} refused: {e}"));
        state.apply(effect, leaf as u64, op.leaf_hash());
    }

    let seeds = sigillum_fuzz::seeds::built("openid4vc");
    let parts = |seed: &[u8]| -> (Vec<u8>, Vec<u8>) {
        let p = forge::parts(&seed[1..]);
        (p[0].to_vec(), p[1].to_vec())
    };
    let (header, payload) = parts(&seeds[0]);
    let header = forge::substitute(&header, &[("$HOLDER_JWK", forge::holder_jwk())]);
    let proof = forge::sign_raw(&header, &payload, forge::holder());
    let policy = ProofPolicy {
        audience: openid4vc::ISSUER,
        allowed_algs: Alg::ALL,
        now: forge::now(),
        max_age_secs: 300,
        leeway_secs: 60,
    };
    verify_proof_jwt(&proof, &policy).expect("the seeded proof JWT verifies");
    let (header, payload) = parts(&seeds[1]);
    let object = forge::sign_raw(&header, &payload, forge::party());
    verify_request_object(&object, openid4vc::link(), Alg::ALL)
        .expect("the seeded Request Object verifies");
}

/// The witness seeds reach a cosignature: the checkpoints of the seeded log, in
/// order, move the witness to the largest, and the envelope seed opens.
#[test]
fn witness_seeds_are_cosigned() {
    use sigillum_fuzz::witness;

    for seed in sigillum_fuzz::seeds::built("witness") {
        witness::run(&seed);
    }
    assert_eq!(witness::witnessed_size(), Some(37));
    let envelope = sigillum_fuzz::seeds::built("witness")
        .into_iter()
        .find(|s| s.first() == Some(&b'E'))
        .expect("an envelope seed");
    let voters =
        std::collections::BTreeMap::from([(1, witness::log_key().expect("key").verifier_key())]);
    let header = std::str::from_utf8(&envelope[1..]).expect("text");
    let opened = sigillum_registry::raft::network::Envelope::open(
        header,
        &voters,
        2,
        "/raft/v1/append",
        sigillum_fuzz::forge::NOW,
    )
    .expect("the seeded envelope opens");
    assert_eq!(opened.admits(b"{}"), Ok(1));
}
