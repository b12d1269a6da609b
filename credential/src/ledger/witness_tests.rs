//! Tests for `witness`: k-of-n checkpoint verification.
// Tests may index and panic; the code under test may not.
#![allow(clippy::indexing_slicing, clippy::panic)]

use ed25519_dalek::SigningKey;
use rand_core::OsRng;

use super::*;
use crate::ledger::cosignature::{CosignerKey, TimedCosigner};
use crate::ledger::keys::SignerKey;
use crate::ledger::merkle::{Hash, TreeSize};
use crate::ledger::note::{NoteSignature, NoteSigner, SignedNote, sign};

const ORIGIN: &str = "registry.sigillum.example/log";

struct Fixture {
    log: SignerKey,
    cosigners: Vec<CosignerKey>,
    policy: Policy,
    body: String,
}

fn name(s: &str) -> KeyName {
    KeyName::new(s).unwrap()
}

/// A log and three consortium cosigners; 2 of 3 required.
fn fixture() -> Fixture {
    let log = SignerKey::generate(name(ORIGIN), &mut OsRng);
    let cosigners: Vec<CosignerKey> = ["ministry.example/w", "bank.example/w", "court.example/w"]
        .iter()
        .map(|n| CosignerKey::generate(name(n), &mut OsRng))
        .collect();
    let policy = Policy::new(
        ORIGIN,
        log.verifier_key(),
        cosigners.iter().map(CosignerKey::verifier_key).collect(),
        2,
    )
    .unwrap();
    let body = Checkpoint::new(ORIGIN, TreeSize::new(42), Hash::from_bytes([9; 32]))
        .unwrap()
        .with_extension("sigillum-state sha256:0123")
        .unwrap()
        .to_body();
    Fixture {
        log,
        cosigners,
        policy,
        body,
    }
}

fn at(c: &CosignerKey, t: u64) -> TimedCosigner<'_> {
    c.at(t)
}

#[test]
fn log_plus_threshold_cosigners_verifies() {
    let f = fixture();
    let (a, b) = (at(&f.cosigners[0], 100), at(&f.cosigners[1], 101));
    let note = sign(&f.body, &[&f.log, &a, &b]).unwrap();
    let v = verify_checkpoint(&note, &f.policy).unwrap();
    assert_eq!(v.checkpoint().size(), TreeSize::new(42));
    assert_eq!(v.checkpoint().extensions(), ["sigillum-state sha256:0123"]);
    let got: Vec<(&str, u64)> = v
        .cosignatures()
        .iter()
        .map(|c| (c.name().as_str(), c.timestamp()))
        .collect();
    assert_eq!(got, [("ministry.example/w", 100), ("bank.example/w", 101)]);

    let c = at(&f.cosigners[2], 102);
    let all = sign(&f.body, &[&f.log, &a, &b, &c]).unwrap();
    assert_eq!(
        verify_checkpoint(&all, &f.policy)
            .unwrap()
            .cosignatures()
            .len(),
        3
    );
}

#[test]
fn too_few_cosignatures_reports_the_count() {
    let f = fixture();
    let a = at(&f.cosigners[0], 100);
    let note = sign(&f.body, &[&f.log, &a]).unwrap();
    assert_eq!(
        verify_checkpoint(&note, &f.policy),
        Err(CheckpointError::TooFewCosignatures {
            valid: 1,
            required: 2
        })
    );
}

#[test]
fn one_cosigner_signing_twice_counts_once() {
    let f = fixture();
    let first = at(&f.cosigners[0], 100);
    let note = sign(&f.body, &[&f.log, &first]).unwrap();
    // A second, different, valid cosignature by the same key (a later time).
    let later = at(&f.cosigners[0], 200).sign_note_text(&f.body).unwrap();
    let line = NoteSignature::new(first.key_name().clone(), first.key_id(), later).unwrap();
    let doubled = format!("{note}{}", line.to_line());
    assert_eq!(
        SignedNote::parse(doubled.as_bytes())
            .unwrap()
            .signatures()
            .len(),
        3
    );
    assert_eq!(
        verify_checkpoint(&doubled, &f.policy),
        Err(CheckpointError::TooFewCosignatures {
            valid: 1,
            required: 2
        })
    );
}

#[test]
fn unknown_cosigners_do_not_count() {
    let f = fixture();
    let stranger = CosignerKey::generate(name("stranger.example/w"), &mut OsRng);
    let (a, s) = (at(&f.cosigners[0], 100), at(&stranger, 100));
    let note = sign(&f.body, &[&f.log, &a, &s]).unwrap();
    assert_eq!(
        verify_checkpoint(&note, &f.policy),
        Err(CheckpointError::TooFewCosignatures {
            valid: 1,
            required: 2
        })
    );
}

#[test]
fn a_cosigner_key_used_as_a_plain_signer_does_not_count() {
    // Same name and Ed25519 key, but type 0x01: another key id, so unknown here.
    let f = fixture();
    let rogue_key = SigningKey::generate(&mut OsRng);
    let cosigner = CosignerKey::from_signing_key(name("ministry.example/w"), rogue_key.clone());
    let plain = SignerKey::from_signing_key(name("ministry.example/w"), rogue_key);
    assert_ne!(cosigner.id(), plain.key_id());
    let policy = Policy::new(
        ORIGIN,
        f.log.verifier_key(),
        vec![cosigner.verifier_key()],
        1,
    )
    .unwrap();
    let note = sign(&f.body, &[&f.log, &plain]).unwrap();
    assert_eq!(
        verify_checkpoint(&note, &policy),
        Err(CheckpointError::TooFewCosignatures {
            valid: 0,
            required: 1
        })
    );
}

#[test]
fn log_signature_is_required() {
    let f = fixture();
    let (a, b, c) = (
        at(&f.cosigners[0], 1),
        at(&f.cosigners[1], 1),
        at(&f.cosigners[2], 1),
    );
    let want = Err(CheckpointError::LogSignatureMissing { log: name(ORIGIN) });
    let cosigned_only = sign(&f.body, &[&a, &b, &c]).unwrap();
    assert_eq!(verify_checkpoint(&cosigned_only, &f.policy), want);
    let other_log = SignerKey::generate(name(ORIGIN), &mut OsRng);
    let foreign = sign(&f.body, &[&other_log]).unwrap();
    assert_eq!(verify_checkpoint(&foreign, &f.policy), want);
}

#[test]
fn origin_must_match() {
    let f = fixture();
    let body = Checkpoint::new(
        "other.example/log",
        TreeSize::new(1),
        Hash::from_bytes([0; 32]),
    )
    .unwrap()
    .to_body();
    let (a, b) = (at(&f.cosigners[0], 1), at(&f.cosigners[1], 1));
    let note = sign(&body, &[&f.log, &a, &b]).unwrap();
    assert_eq!(
        verify_checkpoint(&note, &f.policy),
        Err(CheckpointError::OriginMismatch {
            expected: ORIGIN.to_owned(),
            found: "other.example/log".to_owned()
        })
    );
}

#[test]
fn signed_text_that_is_not_a_checkpoint_is_rejected() {
    let f = fixture();
    let note = sign("hello\n", &[&f.log]).unwrap();
    let err = verify_checkpoint(&note, &f.policy).unwrap_err();
    assert_eq!(err.code(), "checkpoint_too_few_lines");
}

#[test]
fn a_bad_signature_from_a_pinned_cosigner_rejects_the_note() {
    let f = fixture();
    let (a, b) = (at(&f.cosigners[0], 100), at(&f.cosigners[1], 100));
    let note = sign(&f.body, &[&f.log, &a, &b]).unwrap();
    let mut parsed = SignedNote::parse(note.as_bytes()).unwrap();
    let mut sig = parsed.signatures()[2].signature().to_vec();
    sig[20] ^= 1;
    let bad = NoteSignature::new(b.key_name().clone(), b.key_id(), sig).unwrap();
    parsed.add_signature(bad).unwrap();
    let err = verify_checkpoint(parsed.encode(), &f.policy).unwrap_err();
    assert_eq!(
        err,
        CheckpointError::Note(NoteError::SignatureInvalid {
            name: name("bank.example/w"),
            id: b.key_id()
        })
    );
    assert_eq!(err.code(), "note_signature_invalid");
}

#[test]
fn interop_vector_verifies_under_a_one_of_one_policy() {
    use crate::ledger::cosignature::tests::{INTEROP_NOTE, LOG_VKEY, WITNESS_VKEY};
    let policy = Policy::new(
        "sigillum.example/registry",
        VerifierKey::parse(LOG_VKEY).unwrap(),
        vec![VerifierKey::parse(WITNESS_VKEY).unwrap()],
        1,
    )
    .unwrap();
    let v = verify_checkpoint(INTEROP_NOTE, &policy).unwrap();
    assert_eq!(v.cosignatures()[0].timestamp(), 1_700_000_000);
    assert_eq!(
        v.into_checkpoint().extensions(),
        ["sigillum-state sha256:00ff"]
    );
}

#[test]
fn threshold_zero_trusts_the_log_alone() {
    let f = fixture();
    let policy = Policy::new(ORIGIN, f.log.verifier_key(), vec![], 0).unwrap();
    let note = sign(&f.body, &[&f.log]).unwrap();
    assert!(
        verify_checkpoint(&note, &policy)
            .unwrap()
            .cosignatures()
            .is_empty()
    );
}

#[test]
fn policy_rejects_misconfiguration() {
    let f = fixture();
    let log = f.log.verifier_key();
    let cos: Vec<VerifierKey> = f.cosigners.iter().map(CosignerKey::verifier_key).collect();
    assert_eq!(
        Policy::new(ORIGIN, log.clone(), cos.clone(), 4),
        Err(PolicyError::ThresholdTooHigh {
            threshold: 4,
            cosigners: 3
        })
    );
    assert_eq!(
        Policy::new("", log.clone(), cos.clone(), 1),
        Err(PolicyError::OriginInvalid)
    );
    assert_eq!(
        Policy::new(ORIGIN, cos[0].clone(), cos.clone(), 1),
        Err(PolicyError::LogKeyType {
            name: cos[0].name().clone(),
            found: KeyType::Cosignature
        })
    );
    assert_eq!(
        Policy::new(ORIGIN, log.clone(), vec![log.clone()], 1),
        Err(PolicyError::CosignerKeyType {
            name: log.name().clone(),
            found: KeyType::Ed25519
        })
    );
    assert_eq!(
        Policy::new(ORIGIN, log.clone(), vec![cos[0].clone(), cos[0].clone()], 1),
        Err(PolicyError::DuplicateKey {
            name: cos[0].name().clone(),
            id: cos[0].id()
        })
    );
    let renamed = VerifierKey::new(
        name("alias.example/w"),
        KeyType::Cosignature,
        *cos[0].public_key(),
    );
    assert_eq!(
        Policy::new(ORIGIN, log, vec![cos[0].clone(), renamed], 1),
        Err(PolicyError::DuplicateCosignerKey {
            name: name("alias.example/w")
        })
    );
}

#[test]
fn error_codes_are_distinct() {
    let codes = [
        CheckpointError::LogSignatureMissing { log: name("l") }.code(),
        CheckpointError::OriginMismatch {
            expected: String::new(),
            found: String::new(),
        }
        .code(),
        CheckpointError::TooFewCosignatures {
            valid: 0,
            required: 1,
        }
        .code(),
        CheckpointError::Format(CheckpointFormatError::SizeInvalid).code(),
        CheckpointError::Note(NoteError::NotUtf8).code(),
    ];
    assert_eq!(
        codes,
        [
            "checkpoint_log_signature_missing",
            "checkpoint_origin_mismatch",
            "checkpoint_too_few_cosignatures",
            "checkpoint_size_invalid",
            "note_not_utf8"
        ]
    );
    let policy_codes = [
        PolicyError::OriginInvalid.code(),
        PolicyError::ThresholdTooHigh {
            threshold: 1,
            cosigners: 0,
        }
        .code(),
    ];
    assert_eq!(
        policy_codes,
        ["policy_origin_invalid", "policy_threshold_too_high"]
    );
}

/// A replicated log: whichever node leads signs as the log, so any one of the
/// pinned log keys will do — and none of the others, and cosigners count as before.
#[test]
fn any_one_of_several_log_keys_signs_as_the_log() {
    let f = fixture();
    let second = SignerKey::generate(name(ORIGIN), &mut OsRng);
    let cos: Vec<VerifierKey> = f.cosigners.iter().map(CosignerKey::verifier_key).collect();
    let policy = Policy::with_log_keys(
        ORIGIN,
        vec![f.log.verifier_key(), second.verifier_key()],
        cos,
        2,
    )
    .unwrap();
    assert_eq!(policy.log_keys().len(), 2);
    let (a, b) = (at(&f.cosigners[0], 7), at(&f.cosigners[1], 8));
    for log in [&f.log, &second] {
        let note = sign(&f.body, &[log, &a, &b]).unwrap();
        let v = verify_checkpoint(&note, &policy).unwrap();
        assert_eq!(v.cosignatures().len(), 2);
    }
    let one = sign(&f.body, &[&second, &a]).unwrap();
    assert_eq!(
        verify_checkpoint(&one, &policy).map(|_| ()),
        Err(CheckpointError::TooFewCosignatures {
            valid: 1,
            required: 2
        })
    );
    let stranger = SignerKey::generate(name(ORIGIN), &mut OsRng);
    let foreign = sign(&f.body, &[&stranger, &a, &b]).unwrap();
    assert_eq!(
        verify_checkpoint(&foreign, &policy).map(|_| ()),
        Err(CheckpointError::LogSignatureMissing { log: name(ORIGIN) })
    );
    // The single-key policy still refuses the second node's signature.
    let second_only = sign(&f.body, &[&second, &a, &b]).unwrap();
    assert!(verify_checkpoint(&second_only, &f.policy).is_err());
}

#[test]
fn a_multi_key_policy_refuses_no_key_a_repeated_key_and_a_wrong_type() {
    let f = fixture();
    let log = f.log.verifier_key();
    let cos: Vec<VerifierKey> = f.cosigners.iter().map(CosignerKey::verifier_key).collect();
    assert_eq!(
        Policy::with_log_keys(ORIGIN, vec![], cos.clone(), 1),
        Err(PolicyError::NoLogKey)
    );
    assert_eq!(
        Policy::with_log_keys(ORIGIN, vec![log.clone(), log.clone()], cos.clone(), 1),
        Err(PolicyError::DuplicateKey {
            name: log.name().clone(),
            id: log.id()
        })
    );
    assert_eq!(
        Policy::with_log_keys(ORIGIN, vec![log.clone(), cos[1].clone()], cos.clone(), 1),
        Err(PolicyError::LogKeyType {
            name: cos[1].name().clone(),
            found: KeyType::Cosignature
        })
    );
    assert_eq!(PolicyError::NoLogKey.code(), "policy_log_key_missing");
}
