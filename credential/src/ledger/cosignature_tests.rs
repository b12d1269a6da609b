//! Tests for `cosignature`.
//!
//! `INTEROP_NOTE` was produced independently of this crate, with Python's
//! `cryptography` package (Ed25519) and hashlib, following the C2SP texts:
//! log seed = bytes 0x00..=0x1f, cosigner seed = bytes 0x20..=0x3f, time
//! 1700000000. Ed25519 is deterministic, so this crate must reproduce it
//! byte for byte.
// Tests may index and panic; the code under test may not.
#![allow(clippy::indexing_slicing, clippy::panic)]

use ed25519_dalek::SigningKey;
use rand_core::OsRng;

use super::*;
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::keys::SignerKey;
use crate::ledger::note::{SignedNote, open, sign};

pub(crate) const LOG_VKEY: &str =
    "sigillum.example/registry+f6e31190+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
pub(crate) const LOG_SKEY: &str =
    "PRIVATE+KEY+sigillum.example/registry+f6e31190+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
pub(crate) const WITNESS_VKEY: &str =
    "witness.example/w1+20324abe+BCmsuuFBvMrwsi4alNNNC8c2HlJtC/4SyJeUvJMilm3X";
pub(crate) const WITNESS_SKEY: &str =
    "PRIVATE+KEY+witness.example/w1+20324abe+BCAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/";
pub(crate) const INTEROP_BODY: &str = "sigillum.example/registry\n5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\nsigillum-state sha256:00ff\n";
pub(crate) const INTEROP_NOTE: &str = "sigillum.example/registry\n5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\nsigillum-state sha256:00ff\n\n\u{2014} sigillum.example/registry 9uMRkPNwdWgecIDhTuhgnNpNt6ABcxxYp8p+kt7utdK508ySJAwg/MjCFFk5PiM6s4JPooRGOk6ho0LJO7XoDZIhkwk=\n\u{2014} witness.example/w1 IDJKvgAAAABlU/EAhGdSblica0Kwxnak7x+u35zgufF26OTJvWKaCMrFEmfSZZlohJXqGD8I708MuMai7owTWq5NuxBUGqXjVuwLCw==\n";
const TIME: u64 = 1_700_000_000;

#[test]
fn interop_vector_is_reproduced_and_verifies() {
    let log = SignerKey::parse_private(LOG_SKEY).unwrap();
    let witness = CosignerKey::parse_private(WITNESS_SKEY).unwrap();
    assert_eq!(log.verifier_key().to_string(), LOG_VKEY);
    assert_eq!(witness.verifier_key().to_string(), WITNESS_VKEY);
    assert_eq!(witness.expose_private_key_text(), WITNESS_SKEY);

    let signed = sign(INTEROP_BODY, &[&log, &witness.at(TIME)]).unwrap();
    assert_eq!(signed, INTEROP_NOTE);

    let keys = [
        VerifierKey::parse(LOG_VKEY).unwrap(),
        VerifierKey::parse(WITNESS_VKEY).unwrap(),
    ];
    let n = open(INTEROP_NOTE, &keys).unwrap();
    assert_eq!(n.verified().len(), 2);
    assert_eq!(n.verified()[0].timestamp(), None);
    assert_eq!(n.verified()[1].key_type(), KeyType::Cosignature);
    assert_eq!(n.verified()[1].timestamp(), Some(TIME));

    // `cosign` makes the same line as signing through the note.
    let checkpoint = Checkpoint::parse(INTEROP_BODY).unwrap();
    let line = witness.cosign(&checkpoint, TIME).unwrap().to_line();
    assert!(INTEROP_NOTE.ends_with(&line));
}

#[test]
fn one_key_has_different_ids_as_signer_and_cosigner() {
    let key = SigningKey::from_bytes(&core::array::from_fn(|i| i as u8));
    let name = KeyName::new("sigillum.example/registry").unwrap();
    let signer = SignerKey::from_signing_key(name.clone(), key.clone());
    let cosigner = CosignerKey::from_signing_key(name, key);
    assert_eq!(signer.key_id(), KeyId::new(0xf6e3_1190)); // type 0x01, from the Python vector
    assert_eq!(cosigner.id(), KeyId::new(0x2353_8a1c)); // type 0x04, same key and name
    assert_eq!(
        signer.verifier_key().public_key(),
        cosigner.verifier_key().public_key()
    );
}

#[test]
fn a_note_signature_is_not_a_cosignature() {
    // The log's 0x01 signature, relabelled with the key's 0x04 id, must not verify:
    // the two signed messages differ (domain separation by the header line).
    let key = SigningKey::from_bytes(&core::array::from_fn(|i| i as u8));
    let name = KeyName::new("sigillum.example/registry").unwrap();
    let cosigner = CosignerKey::from_signing_key(name.clone(), key.clone());
    let signer = SignerKey::from_signing_key(name, key);
    let sig = signer.sign_note_text(INTEROP_BODY).unwrap();
    let relabelled = NoteSignature::new(cosigner.name().clone(), cosigner.id(), sig).unwrap();
    let note = format!("{INTEROP_BODY}\n{}", relabelled.to_line());
    assert!(matches!(
        open(&note, &[cosigner.verifier_key()]),
        Err(NoteError::SignatureInvalid { .. })
    ));
}

#[test]
fn signed_message_matches_the_spec_example() {
    let body =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    assert_eq!(
        signed_message(body, 1_679_315_147),
        "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    );
    assert_eq!(signed_message(body, 0).lines().nth(1), Some("time 0"));
}

#[test]
fn spec_example_cosignature_carries_the_example_time() {
    // c2sp.org/tlog-cosignature example line: key id ‖ u64 time ‖ signature.
    let note = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\
\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
    let parsed = SignedNote::parse(note.as_bytes()).unwrap();
    let sig = parsed.signatures()[0].signature();
    assert_eq!(sig.len(), SIGNATURE_LEN);
    assert_eq!(
        u64::from_be_bytes(sig[..8].try_into().unwrap()),
        1_679_315_147
    );
    // transparency-dev/formats note_cosigv1_test.go TestCosignatureTimestamp.
    let td = "\u{2014} x ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n";
    let parsed = SignedNote::parse(format!("t\n\n{td}").as_bytes()).unwrap();
    let sig = parsed.signatures()[0].signature();
    assert_eq!(
        u64::from_be_bytes(sig[..8].try_into().unwrap()),
        1_727_964_367
    );
}

#[test]
fn transparency_dev_cosigner_vkeys() {
    // transparency-dev/formats note_cosigv1_test.go TestCoSigV1NewVerifier.
    let native =
        VerifierKey::parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
            .unwrap();
    assert_eq!(native.key_type(), KeyType::Cosignature);
    // A 0x01 key stays a 0x01 key here; as a cosigner it has another id.
    let plain =
        VerifierKey::parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6").unwrap();
    assert_eq!(plain.key_type(), KeyType::Ed25519);
    let as_cosigner = VerifierKey::new(
        plain.name().clone(),
        KeyType::Cosignature,
        *plain.public_key(),
    );
    assert_ne!(as_cosigner.id(), plain.id());
    assert_eq!(
        VerifierKey::parse("rekor.sigstore.dev+12345678+AwEB"),
        Err(NoteError::KeyTypeUnsupported { key_type: 3 })
    );
    assert!(VerifierKey::parse("bananas.sigstore.dev+12344556").is_err());
    assert!(VerifierKey::parse("rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!").is_err());
}

#[test]
fn extension_lines_are_covered() {
    let witness = CosignerKey::generate(KeyName::new("w").unwrap(), &mut OsRng);
    let line = witness
        .cosign(&Checkpoint::parse(INTEROP_BODY).unwrap(), TIME)
        .unwrap();
    let changed = INTEROP_BODY.replace("00ff", "00fe");
    assert_eq!(
        verify(
            witness.verifier_key().public_key(),
            &changed,
            line.signature()
        ),
        Err(CosignatureError::SignatureInvalid)
    );
    assert_eq!(
        verify(
            witness.verifier_key().public_key(),
            INTEROP_BODY,
            line.signature()
        ),
        Ok(TIME)
    );
}

#[test]
fn timestamps_and_lengths_are_checked() {
    let witness = CosignerKey::generate(KeyName::new("w").unwrap(), &mut OsRng);
    let checkpoint = Checkpoint::parse(INTEROP_BODY).unwrap();
    assert_eq!(
        witness.cosign(&checkpoint, MAX_TIMESTAMP + 1),
        Err(CosignatureError::TimestampOutOfRange {
            timestamp: MAX_TIMESTAMP + 1
        })
    );
    let ok = witness.cosign(&checkpoint, MAX_TIMESTAMP).unwrap();
    let key = witness.verifier_key();
    assert_eq!(
        verify(key.public_key(), INTEROP_BODY, ok.signature()),
        Ok(MAX_TIMESTAMP)
    );

    // A forged over-range timestamp is refused before any signature check.
    let mut forged = ok.signature().to_vec();
    forged[..8].copy_from_slice(&(MAX_TIMESTAMP + 1).to_be_bytes());
    assert_eq!(
        verify(key.public_key(), INTEROP_BODY, &forged),
        Err(CosignatureError::TimestampOutOfRange {
            timestamp: MAX_TIMESTAMP + 1
        })
    );
    for len in [0, 8, 71, 73] {
        assert_eq!(
            verify(key.public_key(), INTEROP_BODY, &vec![0; len]),
            Err(CosignatureError::LengthInvalid { len })
        );
    }
}

#[test]
fn timed_cosigner_refuses_text_that_is_not_a_checkpoint() {
    let witness = CosignerKey::generate(KeyName::new("w").unwrap(), &mut OsRng);
    let err = sign("just some text\n", &[&witness.at(TIME)]).unwrap_err();
    assert_eq!(err.code(), "note_signing_failed");
}

#[test]
fn cosigner_debug_hides_the_secret() {
    let witness = CosignerKey::parse_private(WITNESS_SKEY).unwrap();
    let debug = format!("{witness:?}");
    assert!(!debug.contains("BCAhIiMk"), "{debug}");
    assert_eq!(
        CosignerKey::parse_private(LOG_SKEY).unwrap_err(),
        NoteError::KeyTypeUnsupported { key_type: 1 }
    );
}
