//! Tests of the W3C bitstring against the REC's `encodedList`, the test-suite
//! PR #38 fixtures, and hostile inputs.

use std::io::Write;

use serde_json::Value;

use super::*;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/");
const MIB: usize = 1 << 20;

pub(crate) fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{VECTORS}bitstring-status-list/{path}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The PR #38 fixtures predate the REC's multibase prefix: their `encodedList`
/// is bare base64url of the GZIP stream. Strict decoding requires the `u` (REC
/// §2.2), so the tests add it to reach the payload, and separately check that the
/// bare form is refused.
pub(crate) fn pr38_encoded_list(name: &str) -> String {
    let credential = fixture(&format!(
        "test-suite-pr38-fixtures/status-credentials/{name}"
    ));
    let bare = credential["credentialSubject"]["encodedList"]
        .as_str()
        .unwrap();
    assert!(
        !bare.starts_with('u'),
        "{name} already has a multibase prefix"
    );
    format!("u{bare}")
}

fn size(n: u64) -> StatusSize {
    StatusSize::try_from(n).unwrap()
}

#[test]
fn the_recs_all_zero_encoded_list() {
    let vector = fixture("encodedList-all-zero-16KiB.json");
    let encoded = vector["encodedList"].as_str().unwrap();
    let list = BitstringStatusList::decode(encoded, StatusSize::ONE, MIB).unwrap();
    assert_eq!(list.as_bytes().len(), 16_384);
    assert_eq!(list.len(), MIN_ENTRIES);
    assert!(list.as_bytes().iter().all(|&b| b == 0));
    // The REC's revocable credential points at index 94567: not revoked.
    assert_eq!(list.get(94_567).unwrap(), 0);
    assert_eq!(list.get(MIN_ENTRIES - 1).unwrap(), 0);
    assert_eq!(
        list.get(MIN_ENTRIES),
        Err(StatusError::IndexOutOfRange {
            index: MIN_ENTRIES,
            len: MIN_ENTRIES
        })
    );
    // Our own encoding of an empty minimum list decodes to the same bitstring.
    let ours = BitstringStatusList::new(MIN_ENTRIES, StatusSize::ONE).unwrap();
    let encoded_ours = ours.encode().unwrap();
    assert!(encoded_ours.starts_with("uH4sI"), "{encoded_ours}");
    assert_eq!(
        BitstringStatusList::decode(&encoded_ours, StatusSize::ONE, MIB).unwrap(),
        list
    );

    // The same value in the REC's status list credential examples.
    for example in [
        "rec-2025-examples/a-status-list-verifiable-credential.0-unsecured.json",
        "rec-2025-examples/example-bitstringstatuslistcredential.0-unsecured.json",
    ] {
        let credential = fixture(example);
        assert_eq!(
            credential["credentialSubject"]["encodedList"], encoded,
            "{example}"
        );
    }
}

#[test]
fn pr38_fixture_bits_201_57444_94023() {
    let list = BitstringStatusList::decode(
        &pr38_encoded_list("single-purpose-ok.jsonld"),
        StatusSize::ONE,
        MIB,
    )
    .unwrap();
    assert_eq!(list.as_bytes().len(), 25_000);
    assert_eq!(list.len(), 200_000);
    let set: Vec<usize> = (0..list.len())
        .filter(|&i| list.get(i).unwrap() == 1)
        .collect();
    assert_eq!(set, [201, 57_444, 94_023]);
    // MSB first: bit 201 is 0x40 of byte 25.
    assert_eq!(list.as_bytes()[25], 0x40);

    // Round trip through our encoder.
    let again = BitstringStatusList::decode(&list.encode().unwrap(), StatusSize::ONE, MIB).unwrap();
    assert_eq!(again, list);
    // Building the same list by index gives the same bytes.
    let mut built = BitstringStatusList::new(200_000, StatusSize::ONE).unwrap();
    for index in [201, 57_444, 94_023] {
        built.set(index, 1).unwrap();
    }
    assert_eq!(built.as_bytes(), list.as_bytes());
}

#[test]
fn pr38_fixture_without_the_multibase_prefix_is_refused() {
    let credential =
        fixture("test-suite-pr38-fixtures/status-credentials/single-purpose-ok.jsonld");
    let bare = credential["credentialSubject"]["encodedList"]
        .as_str()
        .unwrap();
    let error = BitstringStatusList::decode(bare, StatusSize::ONE, MIB).unwrap_err();
    assert_eq!(error, StatusError::MultibasePrefixMissing);
    assert_eq!(error.code(), "status_list_malformed");
    // Other multibase prefixes (here `z`, base58btc) are not base64url.
    assert_eq!(
        BitstringStatusList::decode(&format!("z{bare}"), StatusSize::ONE, MIB),
        Err(StatusError::MultibasePrefixMissing)
    );
}

#[test]
fn short_encoded_list_fail_fixture() {
    let encoded = pr38_encoded_list("short-encoded-list-fail.jsonld");
    let error = BitstringStatusList::decode(&encoded, StatusSize::ONE, MIB).unwrap_err();
    assert_eq!(
        error,
        StatusError::ListTooShort {
            entries: 200,
            min: MIN_ENTRIES
        }
    );
    assert_eq!(error.code(), "status_list_too_short");
}

#[test]
fn length_is_counted_in_entries_of_status_size() {
    // 16 KiB is 131,072 one-bit entries but only 65,536 two-bit ones (REC §3.2 step 9).
    let vector = fixture("encodedList-all-zero-16KiB.json");
    let encoded = vector["encodedList"].as_str().unwrap();
    assert_eq!(
        BitstringStatusList::decode(encoded, size(2), MIB),
        Err(StatusError::ListTooShort {
            entries: 65_536,
            min: MIN_ENTRIES
        })
    );
    assert_eq!(
        BitstringStatusList::new(MIN_ENTRIES - 1, StatusSize::ONE),
        Err(StatusError::ListTooShort {
            entries: MIN_ENTRIES - 1,
            min: MIN_ENTRIES
        })
    );
    assert_eq!(
        BitstringStatusList::from_bytes(vec![0; 16_383], StatusSize::ONE),
        Err(StatusError::ListTooShort {
            entries: 131_064,
            min: MIN_ENTRIES
        })
    );
}

#[test]
fn gzip_bomb_is_refused_under_the_cap() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; MIB];
    for _ in 0..64 {
        encoder.write_all(&chunk).unwrap();
    }
    let bomb = format!("u{}", crate::b64::encode(encoder.finish().unwrap()));
    let error = BitstringStatusList::decode(&bomb, StatusSize::ONE, MIB).unwrap_err();
    assert_eq!(error, StatusError::DecompressedTooLarge { max: MIB });
    assert_eq!(error.code(), "status_list_too_large");
}

#[test]
fn non_canonical_base64_and_bad_gzip_are_refused() {
    let reason = "encodedList is not canonical unpadded base64url";
    let short = pr38_encoded_list("short-encoded-list-fail.jsonld");
    // Same bytes, non-zero trailing bits in the last character.
    let trailing = format!("{}B", &short[..short.len() - 1]);
    let padded = format!("{short}=");
    let vector = fixture("encodedList-all-zero-16KiB.json");
    let zero = vector["encodedList"].as_str().unwrap();
    let standard_alphabet = zero.replace('-', "+");
    for bad in [trailing, padded, standard_alphabet] {
        assert_eq!(
            BitstringStatusList::decode(&bad, StatusSize::ONE, MIB),
            Err(StatusError::Malformed { reason }),
            "{bad}"
        );
    }
    // Valid base64url of something that is not GZIP.
    assert_eq!(
        BitstringStatusList::decode("uAAAA", StatusSize::ONE, MIB),
        Err(StatusError::Malformed {
            reason: "encodedList is not a valid GZIP stream"
        })
    );
    // Too much text for the cap is refused before decoding.
    let long = format!("u{}", "A".repeat(100_000));
    assert!(matches!(
        BitstringStatusList::decode(&long, StatusSize::ONE, 16_384),
        Err(StatusError::EncodedTooLarge { len: 100_000, .. })
    ));
}

#[test]
fn msb_first_packing() {
    let mut list = BitstringStatusList::new(MIN_ENTRIES, StatusSize::ONE).unwrap();
    list.set(0, 1).unwrap();
    list.set(9, 1).unwrap();
    list.set(MIN_ENTRIES - 1, 1).unwrap();
    assert_eq!(&list.as_bytes()[..2], [0x80, 0x40]);
    assert_eq!(list.as_bytes()[16_383], 0x01);
    list.set(0, 0).unwrap();
    assert_eq!(list.as_bytes()[0], 0x00);

    // Two bits: entry 0 is bits 0-1, entry 1 bits 2-3, each read left to right.
    let mut two = BitstringStatusList::new(MIN_ENTRIES, size(2)).unwrap();
    assert_eq!(two.as_bytes().len(), 32_768);
    two.set(0, 0b10).unwrap();
    two.set(1, 0b01).unwrap();
    assert_eq!(two.as_bytes()[0], 0b1001_0000);
    assert_eq!(
        (
            two.get(0).unwrap(),
            two.get(1).unwrap(),
            two.get(2).unwrap()
        ),
        (2, 1, 0)
    );

    // Three bits straddle bytes: entry 2 is bits 6, 7 and 8.
    let mut three = BitstringStatusList::new(MIN_ENTRIES, size(3)).unwrap();
    assert_eq!(three.as_bytes().len(), 49_152);
    three.set(2, 0b101).unwrap();
    assert_eq!(&three.as_bytes()[..2], [0b0000_0010, 0b1000_0000]);
    assert_eq!(three.get(2).unwrap(), 0b101);
    three.set(2, 0b010).unwrap();
    assert_eq!(&three.as_bytes()[..2], [0b0000_0001, 0b0000_0000]);
    assert_eq!((three.get(1).unwrap(), three.get(3).unwrap()), (0, 0));

    let mut eight = BitstringStatusList::new(MIN_ENTRIES, size(8)).unwrap();
    eight.set(5, 0xA5).unwrap();
    assert_eq!(eight.as_bytes()[5], 0xA5);
    let decoded = BitstringStatusList::decode(&eight.encode().unwrap(), size(8), 2 * MIB).unwrap();
    assert_eq!(decoded.get(5).unwrap(), 0xA5);
}

#[test]
fn index_and_value_bounds() {
    let mut list = BitstringStatusList::new(MIN_ENTRIES + 3, size(3)).unwrap();
    assert_eq!(list.len(), MIN_ENTRIES + 3);
    list.set(MIN_ENTRIES + 2, 7).unwrap();
    assert_eq!(list.get(MIN_ENTRIES + 2).unwrap(), 7);
    let out = StatusError::IndexOutOfRange {
        index: MIN_ENTRIES + 3,
        len: MIN_ENTRIES + 3,
    };
    assert_eq!(list.get(MIN_ENTRIES + 3), Err(out.clone()));
    assert_eq!(list.set(MIN_ENTRIES + 3, 1), Err(out));
    assert_eq!(
        list.get(usize::MAX),
        Err(StatusError::IndexOutOfRange {
            index: usize::MAX,
            len: MIN_ENTRIES + 3
        })
    );
    assert_eq!(
        list.set(0, 8),
        Err(StatusError::ValueTooWide { value: 8, bits: 3 })
    );
    let mut one = BitstringStatusList::new(MIN_ENTRIES, StatusSize::ONE).unwrap();
    assert_eq!(
        one.set(0, 2),
        Err(StatusError::ValueTooWide { value: 2, bits: 1 })
    );
}

#[test]
fn status_size_is_1_to_8() {
    assert_eq!(StatusSize::default(), StatusSize::ONE);
    assert_eq!(size(8).max_value(), 0xFF);
    assert_eq!(size(2).values(), 4);
    for bad in [0, 9, 256, u64::MAX] {
        let error = StatusSize::try_from(bad).unwrap_err();
        assert_eq!(error, StatusError::InvalidStatusSize { found: bad });
        assert_eq!(error.code(), "status_size_invalid");
    }
}
