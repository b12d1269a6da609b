//! Tests for `checkpoint`, starting from the c2sp.org/tlog-checkpoint example.
// Tests may index and panic; the code under test may not.
#![allow(clippy::indexing_slicing, clippy::panic)]

use super::*;

const SPEC_BODY: &str =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const ROOT_B64: &str = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";

#[test]
fn spec_example_parses_and_round_trips() {
    let c = Checkpoint::parse(SPEC_BODY).unwrap();
    assert_eq!(c.origin(), "example.com/behind-the-sofa");
    assert_eq!(c.size(), TreeSize::new(20_852_163));
    assert_eq!(
        c.root().to_hex(),
        "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"
    );
    assert!(c.extensions().is_empty());
    assert_eq!(c.to_body(), SPEC_BODY);
    assert_eq!(c.to_string(), SPEC_BODY);
}

#[test]
fn extension_lines_round_trip() {
    let body = format!("{SPEC_BODY}sigillum-state sha256:00ff\nsecond extension\n");
    let c = Checkpoint::parse(&body).unwrap();
    assert_eq!(
        c.extensions(),
        ["sigillum-state sha256:00ff", "second extension"]
    );
    assert_eq!(c.to_body(), body);
    let built = Checkpoint::new(c.origin(), c.size(), *c.root())
        .unwrap()
        .with_extension("sigillum-state sha256:00ff")
        .unwrap()
        .with_extension("second extension")
        .unwrap();
    assert_eq!(built, c);
}

#[test]
fn sizes_are_canonical_decimal() {
    let root = Hash::from_bytes([0; 32]);
    for (line, want) in [
        ("0", Some(0)),
        ("1", Some(1)),
        ("18446744073709551615", Some(u64::MAX)),
        ("18446744073709551616", None),
        ("007", None),
        ("00", None),
        ("+5", None),
        ("-1", None),
        ("", None),
        (" 5", None),
        ("5 ", None),
        ("0x10", None),
        ("١٢", None), // Arabic-Indic digits are not ASCII decimal.
    ] {
        let body = format!("o\n{line}\n{ROOT_B64}\n");
        let got = Checkpoint::parse(&body).map(|c| c.size().get());
        match want {
            Some(n) => assert_eq!(got, Ok(n), "{line:?}"),
            None => assert_eq!(got, Err(CheckpointFormatError::SizeInvalid), "{line:?}"),
        }
        if let Some(n) = want {
            let c = Checkpoint::new("o", TreeSize::new(n), root).unwrap();
            assert_eq!(c.to_body().lines().nth(1), Some(line));
        }
    }
}

#[test]
fn roots_are_padded_base64_of_exactly_32_bytes() {
    for bad in [
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I", // unpadded
        "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=", // URL-safe alphabet
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=", // non-zero trailing bits
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==", // 31 bytes
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2IA", // 33 bytes
        "",
        " CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
    ] {
        assert_eq!(
            Checkpoint::parse(&format!("o\n1\n{bad}\n")),
            Err(CheckpointFormatError::RootInvalid),
            "{bad:?}"
        );
    }
}

#[test]
fn structural_errors() {
    let cases: [(&str, CheckpointFormatError); 7] = [
        (
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
            CheckpointFormatError::NotNewlineTerminated,
        ),
        ("o\n1\n", CheckpointFormatError::TooFewLines { lines: 2 }),
        ("\n", CheckpointFormatError::TooFewLines { lines: 1 }),
        (
            "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            CheckpointFormatError::OriginInvalid,
        ),
        (
            "o\r\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            CheckpointFormatError::OriginInvalid,
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
            CheckpointFormatError::ExtensionInvalid { line: 4 },
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\next\n\tx\n",
            CheckpointFormatError::ExtensionInvalid { line: 5 },
        ),
    ];
    for (body, want) in cases {
        assert_eq!(Checkpoint::parse(body), Err(want), "{body:?}");
    }
    let big = format!("{SPEC_BODY}{}\n", "x".repeat(MAX_BODY_LEN));
    assert!(matches!(
        Checkpoint::parse(&big),
        Err(CheckpointFormatError::TooLarge { .. })
    ));
}

#[test]
fn constructors_refuse_lines_that_would_not_parse() {
    let root = Hash::from_bytes([1; 32]);
    assert_eq!(
        Checkpoint::new("", TreeSize::new(1), root),
        Err(CheckpointFormatError::OriginInvalid)
    );
    assert_eq!(
        Checkpoint::new("a\nb", TreeSize::new(1), root),
        Err(CheckpointFormatError::OriginInvalid)
    );
    let c = Checkpoint::new("o", TreeSize::new(1), root).unwrap();
    assert_eq!(
        c.clone().with_extension(""),
        Err(CheckpointFormatError::ExtensionInvalid { line: 4 })
    );
    assert_eq!(
        c.with_extension("x\ny"),
        Err(CheckpointFormatError::ExtensionInvalid { line: 4 })
    );
}

#[test]
fn error_codes_are_distinct() {
    let all = [
        CheckpointFormatError::TooLarge { len: 0, max: 0 },
        CheckpointFormatError::NotNewlineTerminated,
        CheckpointFormatError::TooFewLines { lines: 0 },
        CheckpointFormatError::OriginInvalid,
        CheckpointFormatError::SizeInvalid,
        CheckpointFormatError::RootInvalid,
        CheckpointFormatError::ExtensionInvalid { line: 4 },
    ];
    let mut codes: Vec<&str> = all.iter().map(CheckpointFormatError::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
}
