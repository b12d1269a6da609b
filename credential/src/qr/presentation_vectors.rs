//! `SG2P:` against real presentations made by our own issuer and holder code, the
//! fall-back to `SG1P:`, and a golden vector that pins the wire format (dictionary
//! included). Refusals are in `presentation_refusals`.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use serde_json::{Map, Value, json};

use super::frame::{self, SD_HASH};
use super::*;
use crate::b64;
use crate::did;
use crate::key::{Alg, SigningKey};
use crate::schema::CredentialTypes;
use crate::sd_jwt::{self, ClaimPath, IssueOptions};
use crate::time::Timestamp;
use crate::vc::{jwt_vc, sd_jwt_vc};

const NOW: i64 = 1_780_000_000;
const AUD: &str =
    "decentralized_identifier:did:key:zDnaeWgbpcUat3VPa1GvpW3M6RXsFnL8avLMyvGMfJUDwVLpM";
const NONCE: &str = "bH6T9QqGmq5bd1AN7cGKhw";

/// What the `border` profile asks of a passport (specs/profiles/border.json).
const BORDER: &[&str] = &[
    "family_name",
    "given_names",
    "nationality",
    "birth_date",
    "document_number",
    "portrait_digest",
];

fn spec_of(kind: &str) -> (String, Vec<String>, Map<String, Value>) {
    let types = CredentialTypes::builtin().unwrap();
    let spec = types.get(kind).unwrap().spec();
    let sample = spec.samples[0].as_object().unwrap().clone();
    (
        spec.vct.clone(),
        spec.selectively_disclosable.clone(),
        sample,
    )
}

/// An SD-JWT VC of a built-in type, shaped as the issuer's mint writes it.
fn issue(kind: &str, issuer: &SigningKey, holder: &SigningKey) -> String {
    let (vct, disclosable, claims) = spec_of(kind);
    let did = did::key::did_for(&issuer.public_key()).to_string();
    let kid = format!("{did}#key-1");
    let uri = format!("https://registry.example.gov/v1/status-lists/{did}/0");
    let holder_pub = holder.public_key();
    let request = sd_jwt_vc::SdJwtVcRequest {
        vct: &vct,
        issuer: &did,
        kid: Some(&kid),
        issued_at: Timestamp::from_unix(NOW - 86_400),
        valid_from: None,
        valid_until: Some(Timestamp::from_unix(NOW + 10 * 365 * 86_400)),
        holder: Some(&holder_pub),
        status: Some((&uri, 36_027)),
        claims: &claims,
        disclosable: &disclosable,
    };
    sd_jwt_vc::issue(&request, issuer, IssueOptions::default()).unwrap()
}

fn present(sd_jwt: &str, holder: &SigningKey, claims: &[&str], bind: bool) -> String {
    let paths: Vec<ClaimPath> = claims.iter().map(|c| ClaimPath::dotted(c)).collect();
    let binding = bind.then(|| (holder, AUD, NONCE, Timestamp::from_unix(NOW)));
    sd_jwt::present(sd_jwt, &paths, binding).unwrap()
}

/// Encodes, checks the prefix and the exact way back, and returns the text.
fn round_trip(presentation: &str, prefix: &str) -> String {
    let text = encode(PayloadKind::Presentation, presentation.as_bytes()).unwrap();
    assert!(text.starts_with(prefix), "{text}");
    assert!(base45::is_alphanumeric_set(&text), "{text}");
    assert_eq!(
        decode(&text).unwrap(),
        (PayloadKind::Presentation, presentation.as_bytes().to_vec())
    );
    assert_eq!(
        decode_as(PayloadKind::Presentation, &text).unwrap(),
        presentation.as_bytes()
    );
    text
}

/// The `SG1P:` text of a payload, as every version so far has written it.
fn sg1p(payload: &[u8]) -> String {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::best());
    enc.write_all(payload).unwrap();
    format!("SG1P:{}", base45::encode(&enc.finish().unwrap()))
}

#[test]
fn sd_jwt_kb_presentations_of_every_built_in_type_round_trip() {
    for alg in [Alg::Es256, Alg::EdDsa] {
        let issuer = SigningKey::generate(alg);
        let holder = SigningKey::generate(alg);
        for kind in ["passport", "residence_permit", "business_license"] {
            let sd_jwt = issue(kind, &issuer, &holder);
            let (_, disclosable, _) = spec_of(kind);
            let all: Vec<&str> = disclosable.iter().map(String::as_str).collect();
            for claims in [&[][..], BORDER, &all] {
                let shown = present(&sd_jwt, &holder, claims, true);
                let text = round_trip(&shown, "SG2P:");
                let old = sg1p(shown.as_bytes());
                assert!(
                    text.len() * 10 < old.len() * 7,
                    "{kind}: SG2P {} vs SG1P {} characters",
                    text.len(),
                    old.len()
                );
            }
        }
    }
}

#[test]
fn a_border_passport_fits_version_25_at_level_m() {
    let issuer = SigningKey::generate(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let shown = present(&issue("passport", &issuer, &holder), &holder, BORDER, true);
    let text = round_trip(&shown, "SG2P:");
    // did:key issuers (longer than did:sigillum) and sorted members: a harder case
    // than the office's, which examples/qr_versions.rs measures.
    assert!(
        qr_version(&text).unwrap() <= 25,
        "{} characters",
        text.len()
    );
}

#[test]
fn an_sd_jwt_without_key_binding_round_trips() {
    let issuer = SigningKey::generate(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let sd_jwt = issue("passport", &issuer, &holder);
    round_trip(&sd_jwt, "SG2P:");
    let shown = present(&sd_jwt, &holder, BORDER, false);
    assert!(shown.ends_with('~'));
    round_trip(&shown, "SG2P:");
}

#[test]
fn a_vc_jwt_round_trips() {
    let issuer = SigningKey::generate(Alg::Es256);
    let did = did::key::did_for(&issuer.public_key()).to_string();
    let kid = format!("{did}#key-1");
    let (_, _, subject) = spec_of("passport");
    let types = vec!["PassportCredential".to_owned()];
    let request = jwt_vc::JwtVcRequest {
        id: None,
        types: &types,
        issuer: &did,
        kid: Some(&kid),
        valid_from: Timestamp::from_unix(NOW),
        valid_until: Some(Timestamp::from_unix(NOW + 86_400)),
        subject: &subject,
        status: Some(json!([{
            "id": "https://registry.example.gov/v1/status-lists/x/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://registry.example.gov/v1/status-lists/x/1",
        }])),
        schema_id: Some("urn:sigillum:schema:passport:1"),
    };
    let vc = jwt_vc::issue(&request, &issuer).unwrap();
    assert_eq!(vc.matches('.').count(), 2);
    let text = round_trip(&vc, "SG2P:");
    assert!(text.len() < sg1p(vc.as_bytes()).len());
}

#[test]
fn empty_segments_and_disclosures_round_trip() {
    for text in [
        "..",
        "e30.e30.",
        "e30.e30.~",
        "e30.e30.~~",
        "e30.e30.~~..",
        "..~e30~..",
    ] {
        round_trip(text, "SG2P:");
    }
}

#[test]
fn what_the_frame_cannot_reproduce_falls_back_to_sg1p() {
    let issuer = SigningKey::generate(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let shown = present(&issue("passport", &issuer, &holder), &holder, BORDER, true);
    // The KB-JWT signature's last character with a non-zero trailing bit: it decodes
    // (leniently) to the same bytes, which would re-encode differently.
    let mut bumped = shown.clone();
    let last = bumped.pop().unwrap();
    let value = b64::decode(&format!("AAA{last}")).unwrap()[2];
    assert_eq!(
        value % 16,
        0,
        "a canonical last character carries 4 zero bits"
    );
    bumped.push_str(&b64::encode([0, 0, value | 1])[3..]);
    let padded = shown.replacen('.', "=.", 1);
    let vp_token = json!({ "passport": [shown] }).to_string();
    let cases = [
        bumped,
        padded,
        format!("{shown}\n"),
        vp_token,
        "a.b.c.d".to_owned(),
        "e30.e30".to_owned(),
        "not a presentation".to_owned(),
        String::new(),
    ];
    for case in cases {
        round_trip(&case, "SG1P:");
    }
    // Non-UTF-8 bytes are not a presentation either.
    let text = encode(PayloadKind::Presentation, &[0xFF, 0xFE]).unwrap();
    assert!(text.starts_with("SG1P:"));
    assert_eq!(decode(&text).unwrap().1, [0xFF, 0xFE]);
}

#[test]
fn random_values_go_to_the_blob_and_sd_hash_is_recomputed() {
    let issuer = SigningKey::generate(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let sd_jwt = issue("passport", &issuer, &holder);
    let shown = present(&sd_jwt, &holder, BORDER, true);
    let frame = frame::split(shown.as_bytes()).unwrap();
    // Two ES256 signatures, 10 digests (the passport's 10 concealed claims, no decoy
    // needed), the holder's x and y, 6 salts and the nonce — unless a salt happens to
    // look like a word (about 1 in 100 000), which only costs size.
    let expected = 2 * 64 + 10 * 32 + 64 + 6 * 16 + 16;
    assert!(
        frame.blob.len() == expected || frame.blob.len() == expected - 16,
        "{}",
        frame.blob.len()
    );
    assert_eq!(frame.structure.iter().filter(|&&b| b == SD_HASH).count(), 1);
    let sd_hash = sd_jwt::sd_hash(shown.rsplit_once('~').unwrap().0);
    let structure = String::from_utf8_lossy(&frame.structure);
    assert!(!structure.contains(&sd_hash[..]));
    assert!(structure.contains("\"sd_hash\":\""));
    assert_eq!(frame::join(&frame.structure, &frame.blob).unwrap(), shown);
}

/// Decoded only: the encoder may get better, the meaning of these bytes may not change.
#[test]
fn golden_sg2p_text_decodes_to_its_presentation() {
    assert_eq!(
        decode(GOLDEN_TEXT).unwrap(),
        (
            PayloadKind::Presentation,
            GOLDEN_PRESENTATION.as_bytes().to_vec()
        )
    );
    assert_eq!(
        round_trip(GOLDEN_PRESENTATION, "SG2P:").len(),
        GOLDEN_TEXT.len()
    );
}

#[test]
fn sg1p_texts_still_decode() {
    assert_eq!(
        decode("SG1P:NCFKVPV0QSIP600GP5L0").unwrap(),
        (PayloadKind::Presentation, b"hello".to_vec())
    );
    let old = sg1p(GOLDEN_PRESENTATION.as_bytes());
    assert_eq!(
        decode_as(PayloadKind::Presentation, &old).unwrap(),
        GOLDEN_PRESENTATION.as_bytes()
    );
}

/// A passport presentation (ES256, two of its claims, KB-JWT), made once with this
/// module's encoder.
pub(super) const GOLDEN_PRESENTATION: &str = concat!(
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImRpZDprZXk6ekRuYWVlMzFONWY4aEhGNDhSOGtGZmltYzg0dTQ2cDJraWRl",
    "dFd1R3dKcDZuelB4WCNrZXktMSIsInR5cCI6ImRjK3NkLWp3dCJ9.eyJfc2QiOlsiNWwxd2RueXhNOEswbXlhTDc",
    "5RF90R0Y0NUI2RnhFaWxpakh2a2tXdGstOCIsIkJJYWc2d040Tm1ia2laR2o3MDByY0xpT180eFNISHhjTDlKMFB",
    "ZZGljUmMiLCJDYm5GaE1yLUhlejhLUTJkbG9QZDd3SjBkOEt3MUI4c2luUWVnM3FMZFd3IiwiSGhkelJveWxsV2l",
    "IX0VoNXl2MEM0bm45c0hab254VkxkYU13RmVwTGtrdyIsIkpTMmhhMXlfVk1ZV3dqN2d2MjduM2RlS3BsOHhocWN",
    "jTFkxbDF6c3V1QlkiLCJVdDc3MmpwcVpxWkRqY3hTdkU4SWtQZUxtT3plZ0VEQ0ZZVGw4TTd0dVlBIiwiV0FMSlY",
    "tcGlNT25MOV9CZVJiejRtTHdhanlpZWo5MjRSRGp4MldCcEFVRSIsIlk5LV8zUGl1UnpRdUQ3NjFEdzRreVNpRzN",
    "TazB3YW9kSzFZTERlT1R2anciLCJkd0UwZjBHSUlRVkFpaHA4azRBZ3VoTE0yZkhpTzZRb0twb0stMzNNSGVjIiw",
    "id2o2OHBpZ0VJdk0xVFI2dGZsNE84MmN2S2E5RUFHdU1pRnljcl9sZGsyUSJdLCJfc2RfYWxnIjoic2hhLTI1NiI",
    "sImNuZiI6eyJqd2siOnsiY3J2IjoiUC0yNTYiLCJrdHkiOiJFQyIsIngiOiJEVTB4ZWFUZnhHeXVvdEI1SEpQQzR",
    "jMTc5dkRqckd0YVdYZ0ZXQmZvbU8wIiwieSI6ImJXeW5jNHBZT1hCQUpWNUgwR1NlZTR2dm5WNEt5MUY2MHVidTh",
    "rWnFPRVEifX0sImRvY3VtZW50X3R5cGUiOiJQIiwiZXhwIjoyMDk1MzYwMDAwLCJleHBpcnlfZGF0ZSI6IjIwMzQ",
    "tMDQtMTUiLCJpYXQiOjE3Nzk5MTM2MDAsImlzcyI6ImRpZDprZXk6ekRuYWVlMzFONWY4aEhGNDhSOGtGZmltYzg",
    "0dTQ2cDJraWRldFd1R3dKcDZuelB4WCIsImlzc3Vpbmdfc3RhdGUiOiJVVE8iLCJzdGF0dXMiOnsic3RhdHVzX2x",
    "pc3QiOnsiaWR4IjozNjAyNywidXJpIjoiaHR0cHM6Ly9yZWdpc3RyeS5leGFtcGxlLmdvdi92MS9zdGF0dXMtbGl",
    "zdHMvZGlkOmtleTp6RG5hZWUzMU41ZjhoSEY0OFI4a0ZmaW1jODR1NDZwMmtpZGV0V3VHd0pwNm56UHhYLzAifX0",
    "sInZjdCI6InVybjpzaWdpbGx1bTp2Y3Q6cGFzc3BvcnQ6MSJ9.GKjZQQ9w49QjmFedvVpIGmalLQPt_Y5TnAw9wc",
    "3hR9NYFrGOUt-GYtkOH_GzwPhjt0CSSpKPrVIJAYPirTK51w~WyJIQmJTS0tPSXJ0OE5yd1NRaEFzeFhBIiwiZmF",
    "taWx5X25hbWUiLCJFUklLU1NPTiJd~WyJEX3NwVVFjTWtyS19Ha0NjeE9Tb29RIiwibmF0aW9uYWxpdHkiLCJVVE",
    "8iXQ~eyJhbGciOiJFUzI1NiIsInR5cCI6ImtiK2p3dCJ9.eyJhdWQiOiJkZWNlbnRyYWxpemVkX2lkZW50aWZpZX",
    "I6ZGlkOmtleTp6RG5hZVdnYnBjVWF0M1ZQYTFHdnBXM002UlhzRm5MOGF2TE15dkdNZkpVRHdWTHBNIiwiaWF0Ij",
    "oxNzgwMDAwMDAwLCJub25jZSI6ImJINlQ5UXFHbXE1YmQxQU43Y0dLaHciLCJzZF9oYXNoIjoiR01tLUdZQ04wSE",
    "9yX1VlMFFhVUV0WkJjVk1Sby1EUms0ZVVFQ1l5Ymx5dyJ9.rXQ4XASFlGeEXRRY2A1YFGQgpJGh6D-FDfDWNxukp",
    "RrwTLD5Jbm0zV2ruG4COM1sepVdMoCtLCvpgzmJuot57w",
);

/// Its `SG2P:` text.
pub(super) const GOLDEN_TEXT: &str = concat!(
    "SG2P:M.LZIPSKGEP2MJ2X:OLG3.W02:BIA0MAKFFHTR4N.8D$4UWVPE6JTKV34-.29:NH-FFD7PUGC1LWRHAAGPV",
    "QNJ7HGFLVCCPSVUM/D4A48NOAZ:MQQD122 D63 71JMP3V7F8W1MZASJ566S81/0UE4:D36S8SRTEI07-4GDJ.L5",
    "TEB$ZSZYL7FVP6KZOD K9K4EV DZ7LJRAT15-.STXID%LNCE70RT77LEME2VX+9VNFI/DPE88KKE5UKAG+SUP:M%",
    "*D+%C  QVR5J$7FKKOHPBXJU$6MTO/UT054I32C68NYCT4QOE4CH8KH9XD8N8JTR6NX860OA-21/OJVIEB1P B2:",
    "E3IMTROSRJ3VH/IQ7 MXCFS%3S OX-K3E65MIK.LX9U*0H/VT*8FF0DRHHRWK0Y9BBEM3ICXH2R3JTBBRQ1Z71KC",
    "2-2$LNJZGS5W8/TO85M-J7UGV9UPWEPROX QHS5QUE/RGGSH3UDI/2F-8:-KT9D9+V%HFF:VHSS93WR/E05KCO9G",
    "SKUY2-O98S9QY5YPDK8O+1P1POPIS-0E12SYNHO1C11HDP3H*HJ9RZ+5: 2N8SLQRDKD%0LU-HUKAR:9VEI6THN.",
    "TR9G5OO1 G-JUH2U6AG%F065BQIC1PTMFVD-B1+N+DJ4G3365J8ICDN.87SLRGCD:B8*CS3.RK1M%Q6P:11+MKZ1",
    "GJPA2HI95XLO.U3M*A0Y1MUI:S7%60.3GJ9H*T0TKHVXF+8GONNG+P2QUDO7M35ELJVZV8 PKDT+-7B0LNN0QXUW",
    "X9:-L3+BVYUD/537MH20LYH%VB4BMF$B8TC6Y90HF:CSCXDAQK:DFQUIPOS9UFHKU*ZL:IBZ7F66B9ITV0U5XDDR",
    "E+6BQ8EQW4O39IWC$RF6DU:*BTVPWNFX8TCSUCJDHR8PFL5A89CE$ QTBJG.JRIB8F3U*KFM0K2WTPASO1NMOQLS",
    "EWQ4*2T:HRBSFMCFZ10PUZHOCRCF78AJ9G7IVGAR80OTSPI6X8R$*2865PCH-8ST5M6CIUI1WSB$XV/AANQ1*QMF",
    "E3$ J +SEIK30G0:UX0H+1MY3FAY11LO%6H7VELSB-*G+3DNYBJAB-U10Q2V54LIIAGT- G4KUM/6T KBI3CV9GM",
    "VKLND/P+VL$+D6875WDW*IDH67+L O5NQGNIHKSHE5",
);
