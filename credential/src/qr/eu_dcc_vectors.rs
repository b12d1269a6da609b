//! Interop vectors: the EU Digital COVID Certificate test suite
//! (eu-digital-green-certificates/dgc-testdata, Apache-2.0; see
//! `shared/vectors/eu-dcc/SOURCES.md`), run through the layers we share with `HC1:`.
//!
//! A DCC is `"HC1:" + Base45(zlib(COSE_Sign1(CWT(CBOR))))`. Our QR text is the same
//! down to zlib, with our own prefixes, so our Base45 decoder and our bounded inflater
//! must agree with every case on these layers:
//!
//! * `EXPECTEDUNPREFIX` (H1 `HL0:`, H2 `HC2:`, H3 none; true elsewhere): the case's
//!   `HC1:` check, done here by hand — and our own [`decode`] refuses every DCC string
//!   as `qr_prefix_unknown`, since `HC1:` is not one of our payload kinds.
//! * `EXPECTEDB45DECODE` (B1 has `=` padding; true for CO1–CO3, CO28, DE/1–2):
//!   our [`base45::decode`] of `BASE45` succeeds and equals `COMPRESSED`, or fails.
//! * `EXPECTEDCOMPRESSION` (Z1 broken stream, Z2 not compressed): our inflater on
//!   `COMPRESSED` yields `COSE`, or fails with `qr_decompression_failed`.
//! * `EXPECTEDPICTUREDECODE` with a `2DCODE` PNG (CO28, DE/1–2; Q1 is not a PNG):
//!   our [`scan_png`] reads exactly `PREFIX`, or fails.
//! * Every other case fails (if at all) in a later layer — COSE signature, key usage,
//!   expiry, CBOR/CWT structure, DGC schema (CO*, CBO*, DGC*) — which this codec does
//!   not have: its payloads are JWTs verified elsewhere. For those the common layers
//!   must *succeed*: the whole `PREFIX` after `HC1:` Base45-decodes and inflates, to
//!   exactly `COSE` where the case gives it.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

use super::payload::{decode_body, inflate};
use super::{base45, decode, scan_png};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/eu-dcc/");

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn cases() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for sub in ["common-2DCode-raw", "DE-2DCode-raw"] {
        for entry in std::fs::read_dir(Path::new(DIR).join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            let json: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            out.push((name, json));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// How many cases asserted each layer, so a missing or renamed vector file fails.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    unprefix: (usize, usize),
    base45: (usize, usize),
    compression: (usize, usize),
    picture: (usize, usize),
    later_layers: usize,
}

fn count(pair: &mut (usize, usize), expected: bool) {
    if expected { pair.0 += 1 } else { pair.1 += 1 }
}

#[test]
fn eu_dcc_common_layers_agree() {
    let mut tally = Tally::default();
    for (name, case) in cases() {
        let field = |key: &str| case.get(key).and_then(Value::as_str);
        let expected = |key: &str| case["EXPECTEDRESULTS"].get(key).and_then(Value::as_bool);
        let prefixed = field("PREFIX").unwrap();

        // Our decoder never takes a DCC for one of our payloads.
        assert_eq!(
            decode(prefixed).map_err(|e| e.code()),
            Err("qr_prefix_unknown"),
            "{name}"
        );

        if let Some(ok) = expected("EXPECTEDUNPREFIX") {
            let unprefixed = prefixed.strip_prefix("HC1:");
            assert_eq!(
                unprefixed.is_some() && unprefixed == field("BASE45"),
                ok,
                "{name}"
            );
            count(&mut tally.unprefix, ok);
        }
        if let Some(ok) = expected("EXPECTEDB45DECODE") {
            let decoded = base45::decode(field("BASE45").unwrap());
            match ok {
                true => assert_eq!(
                    decoded.unwrap(),
                    hex(field("COMPRESSED").unwrap()),
                    "{name}"
                ),
                false => assert_eq!(
                    decoded.map_err(|e| e.code()),
                    Err("qr_base45_invalid"),
                    "{name}"
                ),
            }
            count(&mut tally.base45, ok);
        }
        if let Some(ok) = expected("EXPECTEDCOMPRESSION") {
            let inflated = inflate(&hex(field("COMPRESSED").unwrap()));
            match ok {
                true => assert_eq!(inflated.unwrap(), hex(field("COSE").unwrap()), "{name}"),
                false => {
                    assert_eq!(
                        inflated.map_err(|e| e.code()),
                        Err("qr_decompression_failed"),
                        "{name}"
                    );
                }
            }
            count(&mut tally.compression, ok);
        }
        if let (Some(ok), Some(png)) = (expected("EXPECTEDPICTUREDECODE"), field("2DCODE")) {
            let png = base64::engine::general_purpose::STANDARD
                .decode(png)
                .unwrap();
            let scanned = scan_png(&png);
            match ok {
                true => assert_eq!(scanned.unwrap(), prefixed, "{name}"),
                false => assert!(scanned.is_err(), "{name}: {scanned:?}"),
            }
            count(&mut tally.picture, ok);
        }
        let fails_in_our_layers = [
            "EXPECTEDUNPREFIX",
            "EXPECTEDB45DECODE",
            "EXPECTEDCOMPRESSION",
        ]
        .iter()
        .any(|key| expected(key) == Some(false));
        if !fails_in_our_layers {
            let body = prefixed.strip_prefix("HC1:").unwrap();
            let cose = decode_body(body).unwrap_or_else(|e| panic!("{name}: {e}"));
            if let Some(want) = field("COSE") {
                assert_eq!(cose, hex(want), "{name}");
            }
            tally.later_layers += 1;
        }
    }
    assert_eq!(
        tally,
        Tally {
            unprefix: (7, 3),
            base45: (6, 1),
            compression: (6, 2),
            picture: (3, 1),
            later_layers: 34,
        }
    );
}

/// B1 pads its Base45 with `=`: refused at the first one, offset 591.
#[test]
fn eu_dcc_b1_reports_the_first_bad_character() {
    let b1 = &cases()
        .into_iter()
        .find(|(n, _)| n.ends_with("/B1.json"))
        .unwrap()
        .1;
    assert_eq!(
        base45::decode(b1["BASE45"].as_str().unwrap()),
        Err(super::QrError::Base45Invalid {
            offset: 591,
            fault: super::Base45Fault::BadCharacter { byte: b'=' },
        })
    );
}
