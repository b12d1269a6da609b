//! Tests for `note`. Fixed vectors transcribed from Go's
//! golang.org/x/mod/sumdb/note/note_test.go (TestNewVerifier, TestNewSigner,
//! TestSign, TestOpen; BSD-3-Clause) and the c2sp.org/signed-note example.
// Tests may index and panic; the code under test may not.
#![allow(clippy::indexing_slicing, clippy::panic)]

use ed25519_dalek::{Signature, SigningKey};
use rand_core::OsRng;

use super::*;
use crate::ledger::keys::{KeyId, KeyName, KeyType, MAX_KEY_NAME_LEN, SignerKey};

// --- golang.org/x/mod/sumdb/note/note_test.go --------------------------------
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
// -----------------------------------------------------------------------------

// c2sp.org/signed-note: the example at the top of the spec (key not published).
const SPEC_EXAMPLE: &str = "Ognuno sta solo sul cuor della terra\n\
trafitto da un raggio di sole:\n\
\n\
ed è subito sera.\n\
\n\
\u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

fn peter() -> VerifierKey {
    VerifierKey::parse(PETER_VKEY).unwrap()
}

fn enoch() -> VerifierKey {
    VerifierKey::parse(ENOCH_VKEY).unwrap()
}

fn names(sigs: &[VerifiedSignature]) -> Vec<&str> {
    sigs.iter().map(|s| s.name().as_str()).collect()
}

/// Splices "ABCD" into a signature line's base64 at byte 60, as the Go test does.
fn corrupt(line: &str) -> String {
    format!("{}ABCD{}", &line[..60], &line[60..])
}

#[test]
fn go_verifier_key_parses_and_prints_back() {
    let k = peter();
    assert_eq!(k.name().as_str(), "PeterNeumann");
    assert_eq!(k.id(), KeyId::new(0xc74f_20a3));
    assert_eq!(k.key_type(), KeyType::Ed25519);
    assert_eq!(k.to_string(), PETER_VKEY);
}

#[test]
fn go_verifier_key_manglings_are_rejected() {
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i != 0 || j != b.len() {
                let s = std::str::from_utf8(&b[i..j]).unwrap();
                assert!(VerifierKey::parse(s).is_err(), "substring {s:?} accepted");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let s = String::from_utf8(m).unwrap();
        assert!(VerifierKey::parse(&s).is_err(), "mangled {s:?} accepted");
    }
    // Wrong-length key with adjusted hash, unknown algorithm with adjusted hash.
    assert!(matches!(
        VerifierKey::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        Err(NoteError::KeyMalformed { .. })
    ));
    assert_eq!(
        VerifierKey::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(NoteError::KeyTypeUnsupported { key_type: 0x65 })
    );
}

#[test]
fn go_signer_key_parses_and_manglings_are_rejected() {
    let s = SignerKey::parse_private(PETER_SKEY).unwrap();
    assert_eq!(s.verifier_key(), peter());
    assert_eq!(s.expose_private_key_text(), PETER_SKEY);
    let b = PETER_SKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i != 0 || j != b.len() {
                let t = std::str::from_utf8(&b[i..j]).unwrap();
                assert!(
                    SignerKey::parse_private(t).is_err(),
                    "substring {t:?} accepted"
                );
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let t = String::from_utf8(m).unwrap();
        assert!(
            SignerKey::parse_private(&t).is_err(),
            "mangled {t:?} accepted"
        );
    }
}

#[test]
fn go_sign_vector_is_reproduced_byte_for_byte() {
    let s = SignerKey::parse_private(PETER_SKEY).unwrap();
    let signed = sign(TEXT, &[&s]).unwrap();
    assert_eq!(signed, format!("{TEXT}\n{PETER_SIG}"));
    assert_eq!(sign("abc", &[&s]), Err(NoteError::TextMalformed));
}

#[test]
fn go_open_one_known_one_unknown() {
    let note = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let n = open(&note, &[peter()]).unwrap();
    assert_eq!(n.text(), TEXT);
    assert_eq!(names(n.verified()), ["PeterNeumann"]);
    assert_eq!(n.verified()[0].id(), KeyId::new(0xc74f_20a3));
    assert_eq!(n.verified()[0].timestamp(), None);
    assert_eq!(n.unverified().len(), 1);
    assert_eq!(n.unverified()[0].name().as_str(), "EnochRoot");
    assert_eq!(n.unverified()[0].id(), KeyId::new(0xaf0c_fe78));

    let both = open(&note, &[peter(), enoch()]).unwrap();
    assert_eq!(names(both.verified()), ["PeterNeumann", "EnochRoot"]);
    assert!(both.unverified().is_empty());

    assert_eq!(open(&note, &[]), Err(NoteError::Unverified { unknown: 2 }));
}

#[test]
fn go_open_duplicate_verifier_entries_of_one_key_are_harmless() {
    // Go reports "ambiguous key" for a list holding the same key twice; here
    // only two *different* keys under one name and id are ambiguous.
    let n = open(format!("{TEXT}\n{ENOCH_SIG}"), &[enoch(), peter(), enoch()]).unwrap();
    assert_eq!(names(n.verified()), ["EnochRoot"]);
}

#[test]
fn two_different_keys_with_one_name_and_id_are_ambiguous() {
    let mut forged = VerifierKey::new(
        KeyName::new("EnochRoot").unwrap(),
        KeyType::Ed25519,
        SigningKey::generate(&mut OsRng).verifying_key(),
    );
    forged = forged.with_forged_id(enoch().id()); // a 32-bit id collision, as could be ground
    assert_eq!(
        open(format!("{TEXT}\n{ENOCH_SIG}"), &[enoch(), forged]),
        Err(NoteError::AmbiguousKey {
            name: KeyName::new("EnochRoot").unwrap(),
            id: KeyId::new(0xaf0c_fe78)
        })
    );
}

#[test]
fn go_open_too_many_signatures() {
    let note = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
    let want = Err(NoteError::TooManySignatures { max: 100 });
    assert_eq!(open(&note, &[peter()]), want);
    assert_eq!(open(&note, &[]), want);
    // 100 lines are fine; the repeats of one key count once.
    let n = open(format!("{TEXT}\n{}", PETER_SIG.repeat(100)), &[peter()]).unwrap();
    assert_eq!(n.verified().len(), 1);
}

#[test]
fn go_open_invalid_signature_rejects_the_note() {
    let note = format!("{TEXT}\n{}", corrupt(PETER_SIG));
    assert_eq!(
        open(&note, &[peter()]),
        Err(NoteError::SignatureInvalid {
            name: KeyName::new("PeterNeumann").unwrap(),
            id: KeyId::new(0xc74f_20a3)
        })
    );
}

#[test]
fn go_open_duplicates_are_dropped() {
    let bad_enoch = corrupt(ENOCH_SIG);
    let note = format!("{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{bad_enoch}");
    let n = open(&note, &[peter()]).unwrap();
    assert_eq!(names(n.verified()), ["PeterNeumann"]);
    assert_eq!(n.unverified().len(), 2);
    assert_ne!(n.unverified()[0], n.unverified()[1]);
}

#[test]
fn go_open_malformed_notes() {
    let no_newline = &PETER_SIG[..PETER_SIG.len() - 1];
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (TEXT.into(), "note_signature_block_missing"),
        (format!("{TEXT}\n").into(), "note_signature_block_missing"),
        (format!("{TEXT}\n{no_newline}").into(), "note_signature_block_missing"),
        (format!("\x01{TEXT}\n{PETER_SIG}").into(), "note_control_character"),
        (
            [b"\xff".as_slice(), format!("{TEXT}\n{PETER_SIG}").as_bytes()].concat(),
            "note_not_utf8",
        ),
        (
            format!("{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=").into(),
            "note_signature_block_missing",
        ),
        (
            format!("{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n").into(),
            "note_signature_line_malformed",
        ),
        (
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n").into(),
            "note_signature_line_malformed",
        ),
    ];
    for (note, code) in cases {
        let got = open(&note, &[peter()]).unwrap_err();
        assert_eq!(got.code(), code, "{:?}", String::from_utf8_lossy(&note));
    }
}

#[test]
fn go_open_changed_key_id_is_an_unknown_key() {
    let wrong_id = PETER_SIG.replace("x08g", "xxxx");
    assert_eq!(
        open(format!("{TEXT}\n{wrong_id}"), &[peter()]),
        Err(NoteError::Unverified { unknown: 1 })
    );
}

#[test]
fn signature_line_rules() {
    let cases = [
        // Hyphen instead of em dash.
        "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        // Em dash without its space.
        "\u{2014}PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        // Unpadded base64.
        "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",
        // Only a key id, no signature bytes.
        "\u{2014} PeterNeumann x08gow==\n",
        // '+' in the name.
        "\u{2014} Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
    ];
    for line in cases {
        assert_eq!(
            SignedNote::parse(format!("{TEXT}\n{line}").as_bytes()),
            Err(NoteError::SignatureLineMalformed { line: 1 }),
            "{line:?}"
        );
    }
}

#[test]
fn spec_example_splits_at_the_last_blank_line() {
    let n = SignedNote::parse(SPEC_EXAMPLE.as_bytes()).unwrap();
    assert_eq!(
        n.unverified_text(),
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    );
    assert_eq!(n.signatures().len(), 1);
    assert_eq!(
        n.signatures()[0].name().as_str(),
        "quasimodo.example/salvatore"
    );
    assert_eq!(n.encode(), SPEC_EXAMPLE);
    assert_eq!(
        open(SPEC_EXAMPLE, &[peter()]),
        Err(NoteError::Unverified { unknown: 1 })
    );
}

#[test]
fn signed_bytes_are_the_text_with_its_newline_and_without_the_separator() {
    let s = SignerKey::generate(KeyName::new("example.com/log").unwrap(), &mut OsRng);
    for text in [
        "a\n",
        "\n",
        "a\n\nb\n",
        "ends in a blank line\n\n",
        "two\n\n\nblank\n",
    ] {
        let note = sign(text, &[&s]).unwrap();
        let parsed = SignedNote::parse(note.as_bytes()).unwrap();
        assert_eq!(parsed.unverified_text(), text);
        let sig = Signature::from_slice(parsed.signatures()[0].signature()).unwrap();
        s.verifier_key()
            .public_key()
            .verify_strict(text.as_bytes(), &sig)
            .unwrap();
        let n = open(&note, &[s.verifier_key()]).unwrap();
        assert_eq!(n.text(), text);
    }
}

#[test]
fn sign_rejects_bad_input() {
    let s = SignerKey::generate(KeyName::new("k").unwrap(), &mut OsRng);
    assert_eq!(sign("", &[&s]), Err(NoteError::TextMalformed));
    assert_eq!(sign("no newline", &[&s]), Err(NoteError::TextMalformed));
    assert_eq!(
        sign("tab\there\n", &[&s]),
        Err(NoteError::ControlCharacter { offset: 3 })
    );
    assert_eq!(
        sign("x\n", &[&s, &s]),
        Err(NoteError::DuplicateSigner {
            name: KeyName::new("k").unwrap(),
            id: s.key_id()
        })
    );
    let big = format!("{}\n", "a".repeat(MAX_NOTE_LEN));
    assert!(matches!(sign(&big, &[&s]), Err(NoteError::TooLarge { .. })));
    assert!(matches!(
        open(big.as_bytes(), &[]),
        Err(NoteError::TooLarge { .. })
    ));
}

#[test]
fn key_name_rules() {
    for bad in [
        "",
        "a b",
        "a+b",
        "a\tb",
        "a\u{a0}b",
        "a\u{2003}b",
        "a\u{1}b",
    ] {
        assert_eq!(KeyName::new(bad), Err(NoteError::KeyNameInvalid), "{bad:?}");
    }
    assert!(KeyName::new("a".repeat(MAX_KEY_NAME_LEN)).is_ok());
    assert!(KeyName::new("a".repeat(MAX_KEY_NAME_LEN + 1)).is_err());
    assert!(KeyName::new("oid/1.3.6.1.4.1").is_ok());
    assert!(KeyName::new("ministère.example/journal").is_ok());
}

#[test]
fn add_signature_replaces_the_same_key_and_encodes() {
    let a = SignerKey::generate(KeyName::new("a").unwrap(), &mut OsRng);
    let b = SignerKey::generate(KeyName::new("b").unwrap(), &mut OsRng);
    let mut note = SignedNote::parse(sign("t\n", &[&a]).unwrap().as_bytes()).unwrap();
    let sig_b = b.sign_note_text("t\n").unwrap();
    note.add_signature(NoteSignature::new(b.key_name().clone(), b.key_id(), sig_b).unwrap())
        .unwrap();
    let again = a.sign_note_text("t\n").unwrap();
    note.add_signature(NoteSignature::new(a.key_name().clone(), a.key_id(), again).unwrap())
        .unwrap();
    assert_eq!(note.signatures().len(), 2);
    let n = open(note.encode(), &[a.verifier_key(), b.verifier_key()]).unwrap();
    assert_eq!(names(n.verified()), ["b", "a"]);
}

#[test]
fn secrets_do_not_print_and_round_trip() {
    let s = SignerKey::generate(KeyName::new("k").unwrap(), &mut OsRng);
    let text = s.expose_private_key_text();
    let debug = format!("{s:?}");
    // The key material is standard base64, which may itself contain '+',
    // so take everything after the fourth separator, not the last piece.
    let material = text.splitn(5, '+').nth(4).unwrap();
    assert!(material.len() >= 40, "{text}");
    assert!(!debug.contains(material), "{debug}");
    assert!(debug.contains("SignerKey"));
    let back = SignerKey::parse_private(&text).unwrap();
    assert_eq!(back.verifier_key(), s.verifier_key());
}

#[test]
fn signer_key_text_must_be_type_0x01() {
    let cosigner_text =
        "PRIVATE+KEY+witness.example/w1+20324abe+BCAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/";
    assert_eq!(
        SignerKey::parse_private(cosigner_text).unwrap_err(),
        NoteError::KeyTypeUnsupported { key_type: 4 }
    );
}

#[test]
fn error_codes_are_distinct() {
    let name = KeyName::new("n").unwrap();
    let id = KeyId::new(1);
    let all = [
        NoteError::TooLarge { len: 0, max: 0 },
        NoteError::NotUtf8,
        NoteError::ControlCharacter { offset: 0 },
        NoteError::TextMalformed,
        NoteError::SignatureBlockMissing,
        NoteError::SignatureLineMalformed { line: 1 },
        NoteError::TooManySignatures { max: 1 },
        NoteError::SignatureInvalid {
            name: name.clone(),
            id,
        },
        NoteError::Unverified { unknown: 0 },
        NoteError::AmbiguousKey {
            name: name.clone(),
            id,
        },
        NoteError::DuplicateSigner { name, id },
        NoteError::KeyNameInvalid,
        NoteError::KeyMalformed { reason: "" },
        NoteError::KeyIdMismatch {
            stated: id,
            computed: id,
        },
        NoteError::KeyTypeUnsupported { key_type: 0 },
        NoteError::SigningFailed {
            reason: String::new(),
        },
    ];
    let mut codes: Vec<&str> = all.iter().map(NoteError::code).collect();
    assert!(codes.iter().all(|c| c.starts_with("note_")));
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
}
