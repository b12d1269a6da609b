//! Tests of the IETF Token Status List against draft-ietf-oauth-status-list-20's
//! own vectors (§4.1 examples, Appendix C) and hostile inputs.

use std::io::Write;

use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::*;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/");
const MIB: usize = 1 << 20;

fn vectors() -> Value {
    let path = format!("{VECTORS}status-list/ietf-token-status-list/test-vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn bits_of(value: &Value) -> Bits {
    Bits::try_from(value.as_u64().unwrap()).unwrap()
}

#[test]
fn section_4_1_examples_byte_for_byte() {
    let vectors = vectors();
    let examples = vectors["small_examples_section_4"].as_array().unwrap();
    assert_eq!(examples.len(), 2);
    for example in examples {
        let bits = bits_of(&example["bits"]);
        let statuses: Vec<u8> = example["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| u8::try_from(s.as_u64().unwrap()).unwrap())
            .collect();
        let expected = hex(example["byte_array_hex"].as_str().unwrap());

        // Building the list by index gives the published byte array (LSB first).
        let mut built = StatusList::new(statuses.len(), bits);
        for (index, &status) in statuses.iter().enumerate() {
            built.set(index, status).unwrap();
        }
        assert_eq!(built.as_bytes(), expected.as_slice());

        // Decoding the published JSON gives the same bytes and every status.
        let decoded = StatusList::from_json(&example["json"], MIB).unwrap();
        assert_eq!(decoded.as_bytes(), expected.as_slice());
        assert_eq!(decoded.bits(), bits);
        for (index, &status) in statuses.iter().enumerate() {
            assert_eq!(
                decoded.get(index).unwrap(),
                status,
                "bits {bits:?} index {index}"
            );
        }
        // The published compressed bytes decode too (any valid ZLIB stream is accepted).
        let compressed = hex(example["compressed_hex"].as_str().unwrap());
        assert_eq!(compress::unzlib_bounded(&compressed, 16).unwrap(), expected);

        // Our encoding round-trips to the same bytes (DEFLATE output itself is
        // implementation-dependent, so compressed strings are not compared).
        let again = StatusList::from_json(&built.to_json().unwrap(), MIB).unwrap();
        assert_eq!(again.as_bytes(), expected.as_slice());
    }
    // The 1-bit example, spelled out: 0xB9 = 1011_1001, index 0 is the lowest bit.
    let list = StatusList::from_bytes(Bits::One, vec![0xB9, 0xA3]);
    let firsts: Vec<u8> = (0..8).map(|i| list.get(i).unwrap()).collect();
    assert_eq!(firsts, [1, 0, 0, 1, 1, 1, 0, 1]);
}

#[test]
fn appendix_c_vectors_2_pow_20_entries() {
    let vectors = vectors();
    let size = usize::try_from(vectors["size"].as_u64().unwrap()).unwrap();
    assert_eq!(size, 1 << 20);
    let cases = vectors["vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let bits = bits_of(&case["bits"]);
        let list = StatusList::from_json(&case["json"], MIB).unwrap();
        let expected_bytes =
            usize::try_from(case["decoded_length_bytes"].as_u64().unwrap()).unwrap();
        assert_eq!(list.as_bytes().len(), expected_bytes, "bits {bits:?}");
        assert_eq!(list.len(), size, "bits {bits:?}");

        let statuses = case["statuses"].as_object().unwrap();
        let mut listed_non_zero = 0;
        for (index, status) in statuses {
            let index: usize = index.parse().unwrap();
            let status = u8::try_from(status.as_u64().unwrap()).unwrap();
            assert_eq!(
                list.get(index).unwrap(),
                status,
                "bits {bits:?} index {index}"
            );
            listed_non_zero += usize::from(status != 0);
        }
        // Every index not listed is VALID.
        let non_zero = (0..list.len())
            .filter(|&i| list.get(i).unwrap() != VALID)
            .count();
        assert_eq!(non_zero, listed_non_zero, "bits {bits:?}");

        // Re-encode and decode: the same bytes.
        let again = StatusList::from_json(&list.to_json().unwrap(), MIB).unwrap();
        assert_eq!(again, list);
        // A list built from the assignments alone encodes to the same bytes.
        let mut built = StatusList::new(size, bits);
        for (index, status) in statuses {
            let status = u8::try_from(status.as_u64().unwrap()).unwrap();
            built.set(index.parse().unwrap(), status).unwrap();
        }
        assert_eq!(built.as_bytes(), list.as_bytes(), "bits {bits:?}");
    }
}

#[test]
fn decompression_bomb_is_refused_under_the_cap() {
    // 64 MiB of zeros compress to ~64 KiB (DEFLATE tops out near 1032:1).
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; MIB];
    for _ in 0..64 {
        encoder.write_all(&chunk).unwrap();
    }
    let bomb = crate::b64::encode(encoder.finish().unwrap());
    assert!(bomb.len() < 100 * 1024, "{}", bomb.len());

    let error = StatusList::from_json(&json!({"bits": 1, "lst": bomb}), MIB).unwrap_err();
    assert_eq!(error, StatusError::DecompressedTooLarge { max: MIB });
    assert_eq!(error.code(), "status_list_too_large");
}

#[test]
fn encoded_text_over_the_cap_is_refused_before_decoding() {
    let lst = "A".repeat(10_000);
    let error = StatusList::decode_lst(&lst, Bits::One, 1024).unwrap_err();
    let max = compress::max_encoded_chars(1024);
    assert_eq!(error, StatusError::EncodedTooLarge { len: 10_000, max });
    assert_eq!(error.code(), "status_list_too_large");
}

#[test]
fn index_out_of_range() {
    let mut list = StatusList::new(10, Bits::Two);
    assert_eq!(list.as_bytes().len(), 3);
    assert_eq!(list.get(9).unwrap(), VALID);
    assert_eq!(
        list.get(10),
        Err(StatusError::IndexOutOfRange { index: 10, len: 10 })
    );
    assert_eq!(
        list.set(10, 1),
        Err(StatusError::IndexOutOfRange { index: 10, len: 10 })
    );
    assert_eq!(
        list.get(usize::MAX),
        Err(StatusError::IndexOutOfRange {
            index: usize::MAX,
            len: 10
        })
    );
    assert_eq!(
        list.get(10).unwrap_err().code(),
        "status_index_out_of_range"
    );
    let empty = StatusList::new(0, Bits::Eight);
    assert!(empty.is_empty());
    assert_eq!(
        empty.get(0),
        Err(StatusError::IndexOutOfRange { index: 0, len: 0 })
    );
}

#[test]
fn value_too_wide_for_bits() {
    let mut one = StatusList::new(8, Bits::One);
    assert_eq!(
        one.set(0, SUSPENDED),
        Err(StatusError::ValueTooWide { value: 2, bits: 1 })
    );
    let mut two = StatusList::new(8, Bits::Two);
    assert_eq!(
        two.set(0, 4),
        Err(StatusError::ValueTooWide { value: 4, bits: 2 })
    );
    two.set(0, 3).unwrap();
    let mut four = StatusList::new(8, Bits::Four);
    assert_eq!(
        four.set(1, 0x10),
        Err(StatusError::ValueTooWide {
            value: 0x10,
            bits: 4
        })
    );
    let mut eight = StatusList::new(8, Bits::Eight);
    eight.set(7, 0xFF).unwrap();
    assert_eq!(eight.get(7).unwrap(), 0xFF);
    // A refused write leaves the list untouched.
    assert_eq!(one.as_bytes(), [0]);
}

#[test]
fn set_overwrites_only_its_own_bits() {
    let mut list = StatusList::new(4, Bits::Two);
    for index in 0..4 {
        list.set(index, 3).unwrap();
    }
    assert_eq!(list.as_bytes(), [0xFF]);
    list.set(1, 0b01).unwrap();
    assert_eq!(list.as_bytes(), [0b1111_0111]);
    assert_eq!(list.status(1).unwrap(), StatusType::Invalid);
    assert_eq!(list.status(2).unwrap(), StatusType::ApplicationSpecific(3));
}

#[test]
fn matches_a_simple_model_under_random_writes() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(20);
    for bits in [Bits::One, Bits::Two, Bits::Four, Bits::Eight] {
        let len = 1000;
        let mut list = StatusList::new(len, bits);
        let mut model = vec![0u8; len];
        for _ in 0..5000 {
            let index = rng.gen_range(0..len);
            let value = rng.gen_range(0..=bits.max_value());
            list.set(index, value).unwrap();
            model[index] = value;
        }
        let decoded = StatusList::from_json(&list.to_json().unwrap(), MIB).unwrap();
        for (index, &value) in model.iter().enumerate() {
            assert_eq!(decoded.get(index).unwrap(), value);
        }
    }
}

#[test]
fn bits_must_be_1_2_4_or_8() {
    let lst = "eNrbuRgAAhcBXQ";
    for (bits, expected) in [
        (json!(3), StatusError::InvalidBits { found: 3 }),
        (json!(0), StatusError::InvalidBits { found: 0 }),
        (json!(16), StatusError::InvalidBits { found: 16 }),
        (
            json!("1"),
            StatusError::Malformed {
                reason: "bits is not a non-negative integer",
            },
        ),
        (
            json!(-1),
            StatusError::Malformed {
                reason: "bits is not a non-negative integer",
            },
        ),
        (
            json!(1.0),
            StatusError::Malformed {
                reason: "bits is not a non-negative integer",
            },
        ),
    ] {
        let result = StatusList::from_json(&json!({"bits": bits, "lst": lst}), MIB);
        assert_eq!(result, Err(expected), "bits {bits}");
    }
    assert_eq!(
        StatusError::InvalidBits { found: 3 }.code(),
        "status_bits_invalid"
    );
    assert_eq!(Bits::try_from(4).unwrap().max_value(), 0x0F);
}

#[test]
fn missing_and_mistyped_members() {
    for (value, reason) in [
        (json!({"lst": "eNrbuRgAAhcBXQ"}), "bits is missing"),
        (json!({"bits": 1}), "lst is missing"),
        (json!({"bits": 1, "lst": 7}), "lst is not a string"),
        (json!([1]), "status_list is not a JSON object"),
        (
            json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": 1}),
            "aggregation_uri is not a string",
        ),
        (
            json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": "not a uri"}),
            "aggregation_uri is not an absolute URI",
        ),
        (
            json!({"bits": 1, "lst": ""}),
            "lst is not a valid ZLIB stream",
        ),
        (
            json!({"bits": 1, "lst": "AAAA"}),
            "lst is not a valid ZLIB stream",
        ),
    ] {
        assert_eq!(
            StatusList::from_json(&value, MIB),
            Err(StatusError::Malformed { reason })
        );
    }
}

#[test]
fn non_canonical_base64_is_refused() {
    let reason = "lst is not canonical unpadded base64url";
    for lst in [
        "eNrbuRgAAhcBXQ==", // padding
        "eNrbuRgAAhcBXR",   // non-zero trailing bits, same bytes
        "eNrbuRgAAhcB+Q",   // standard alphabet
        "eNrbuRgAAhc BXQ",  // whitespace
    ] {
        let result = StatusList::from_json(&json!({"bits": 1, "lst": lst}), MIB);
        assert_eq!(result, Err(StatusError::Malformed { reason }), "{lst}");
    }
}

#[test]
fn duplicate_json_members_are_refused() {
    let text = br#"{"bits":1,"lst":"eNrbuRgAAhcBXQ","bits":2}"#;
    let error = StatusList::from_json_slice(text, MIB).unwrap_err();
    assert_eq!(
        error,
        StatusError::Json(crate::json::JsonError::DuplicateKey("bits".into()))
    );
    assert_eq!(error.code(), "status_json_duplicate_key");
    let list = StatusList::from_json_slice(br#"{"bits":1,"lst":"eNrbuRgAAhcBXQ"}"#, MIB).unwrap();
    assert_eq!(list.as_bytes(), [0xB9, 0xA3]);
}

#[test]
fn aggregation_uri_round_trips() {
    let list = StatusList::new(16, Bits::One)
        .with_aggregation_uri("https://example.com/statuslists/aggregation")
        .unwrap();
    let value = list.to_json().unwrap();
    assert_eq!(
        value["aggregation_uri"],
        "https://example.com/statuslists/aggregation"
    );
    assert_eq!(value["bits"], 1);
    let again = StatusList::from_json(&value, MIB).unwrap();
    assert_eq!(
        again.aggregation_uri(),
        Some("https://example.com/statuslists/aggregation")
    );
    assert_eq!(again.as_bytes(), [0, 0]);
}

#[test]
fn status_types_of_section_7() {
    assert_eq!(StatusType::from(0x00), StatusType::Valid);
    assert_eq!(StatusType::from(0x01), StatusType::Invalid);
    assert_eq!(StatusType::from(0x02), StatusType::Suspended);
    assert_eq!(StatusType::from(0x03), StatusType::ApplicationSpecific(3));
    assert_eq!(
        StatusType::from(0x0C),
        StatusType::ApplicationSpecific(0x0C)
    );
    assert_eq!(
        StatusType::from(0x0F),
        StatusType::ApplicationSpecific(0x0F)
    );
    assert_eq!(StatusType::from(0x04), StatusType::Unregistered(4));
    assert_eq!(StatusType::from(0x10), StatusType::Unregistered(0x10));
    for value in 0..=u8::MAX {
        assert_eq!(StatusType::from(value).value(), value);
    }
}
