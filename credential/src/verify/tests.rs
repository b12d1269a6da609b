//! The whole pipeline on our own credential types, each outcome by its exact code.

use serde_json::{Map, Value, json};

use super::*;
use crate::did;
use crate::jws;
use crate::key::{Alg, SigningKey};
use crate::schema::CredentialTypes;
use crate::sd_jwt::{self, ClaimPath, IssueOptions};
use crate::status::{
    Bits, BitstringStatusList, StatusList, StatusListTokenClaims, StatusPurpose, StatusSize,
    credential_subject,
};
use crate::time::{FixedClock, Timestamp};
use crate::vc::{jwt_vc, sd_jwt_vc};

const NOW: i64 = 1_800_000_000;
const LIST_URI: &str = "https://registry.example/v1/status-lists/7";
const BANK: &str = "https://bank.example";
const NONCE: &str = "xyz-123";

struct Office {
    key: SigningKey,
    did: String,
}

fn office(alg: Alg) -> Office {
    let key = SigningKey::generate(alg);
    let did = did::key::did_for(&key.public_key()).to_string();
    Office { key, did }
}

fn passport_subject() -> Map<String, Value> {
    let types = CredentialTypes::builtin().unwrap();
    types.get("passport").unwrap().spec().samples[0]
        .as_object()
        .unwrap()
        .clone()
}

fn sd_jwt_passport(
    o: &Office,
    holder: &SigningKey,
    iat: i64,
    exp: i64,
    status_idx: Option<u64>,
) -> String {
    let types = CredentialTypes::builtin().unwrap();
    let spec = types.get("passport").unwrap().spec();
    let subject = passport_subject();
    let holder_pub = holder.public_key();
    let request = sd_jwt_vc::SdJwtVcRequest {
        vct: &spec.vct,
        issuer: &o.did,
        kid: None,
        issued_at: Timestamp::from_unix(iat),
        valid_from: None,
        valid_until: Some(Timestamp::from_unix(exp)),
        holder: Some(&holder_pub),
        status: status_idx.map(|i| (LIST_URI, i)),
        claims: &subject,
        disclosable: &spec.selectively_disclosable,
    };
    sd_jwt_vc::issue(&request, &o.key, IssueOptions::default()).unwrap()
}

fn present(sd_jwt: &str, holder: &SigningKey, claims: &[&str]) -> String {
    let paths: Vec<ClaimPath> = claims.iter().map(|c| ClaimPath::dotted(c)).collect();
    sd_jwt::present(
        sd_jwt,
        &paths,
        Some((holder, BANK, NONCE, Timestamp::from_unix(NOW))),
    )
    .unwrap()
}

fn policy() -> VerifyPolicy {
    VerifyPolicy {
        nonce: Some(NONCE.into()),
        aud: Some(BANK.into()),
        ..VerifyPolicy::default()
    }
}

fn run(presented: &str, list: Option<&str>, policy: &VerifyPolicy) -> Report {
    let clock = FixedClock(Timestamp::from_unix(NOW));
    let input = VerifyInput {
        presented,
        issuer_key: IssuerKey::ResolveLocal,
        status_lists: list.as_slice(),
        status_list_keys: &[],
        list_cache: None,
        clock: &clock,
    };
    verify(&input, policy).unwrap()
}

fn token_list(o: &Office, statuses: &[(usize, u8)], exp: Option<u64>) -> String {
    let mut list = StatusList::new(131_072, Bits::Two);
    for (i, v) in statuses {
        list.set(*i, *v).unwrap();
    }
    let iat = exp.map_or((NOW - 10) as u64, |e| e - 1000);
    let claims = StatusListTokenClaims {
        sub: LIST_URI.into(),
        iat,
        exp,
        ttl: Some(300),
        status_list: list,
    };
    let mut payload = claims.to_payload().unwrap().as_object().unwrap().clone();
    payload.insert("iss".into(), json!(o.did));
    jws::sign_claims("statuslist+jwt", None, &payload, &o.key)
}

#[test]
fn a_passport_presentation_verifies_with_every_check_reported() {
    let o = office(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let p = present(
        &sd_jwt_passport(&o, &holder, NOW - 100, NOW + 1000, Some(42)),
        &holder,
        &["family_name", "birth_date"],
    );
    let r = run(
        &p,
        Some(&token_list(&o, &[(41, 1), (43, 2)], None)),
        &policy(),
    );
    assert!(r.valid, "{:#?}", r.checks);
    assert_eq!(r.format, Format::SdJwtVc);
    assert_eq!(r.issuer.as_deref(), Some(o.did.as_str()));
    assert_eq!(
        r.credential_type.as_deref(),
        Some("urn:sigillum:vct:passport:1")
    );
    let names: Vec<&str> = r.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "format",
            "typ",
            "payload",
            "issuer_key",
            "issuer_signature",
            "disclosures",
            "credential_claims",
            "validity",
            "key_binding",
            "schema",
            "status"
        ]
    );
    assert!(r.checks.iter().all(|c| !c.skipped));
    assert_eq!(r.claims["family_name"], "ERIKSSON");
    assert_eq!(r.claims["expiry_date"], "2034-04-15", "always disclosed");
    assert!(
        r.claims.get("given_names").is_none(),
        "withheld claims stay withheld"
    );
}

#[test]
fn each_failure_is_reported_with_its_code() {
    let o = office(Alg::EdDsa);
    let holder = SigningKey::generate(Alg::Es256);
    let issued = sd_jwt_passport(&o, &holder, NOW - 100, NOW + 1000, Some(42));
    let good = present(&issued, &holder, &["family_name"]);
    let codes = |text: &str, list: Option<&str>, p: &VerifyPolicy| run(text, list, p).failures();

    // Status: revoked, suspended, unknown value, forged list, list of another issuer, stale list.
    assert_eq!(
        codes(&good, Some(&token_list(&o, &[(42, 1)], None)), &policy()),
        ["credential_revoked"]
    );
    assert_eq!(
        codes(&good, Some(&token_list(&o, &[(42, 2)], None)), &policy()),
        ["credential_suspended"]
    );
    assert_eq!(
        codes(&good, Some(&token_list(&o, &[(42, 3)], None)), &policy()),
        ["credential_status_unknown"]
    );
    let other = office(Alg::EdDsa);
    assert_eq!(
        codes(&good, Some(&token_list(&other, &[], None)), &policy()),
        ["status_list_invalid"]
    );
    assert_eq!(
        codes(
            &good,
            Some(&token_list(&o, &[], Some((NOW - 120) as u64))),
            &policy()
        ),
        ["status_list_stale"]
    );
    let strict = VerifyPolicy {
        require_status: true,
        ..policy()
    };
    assert_eq!(codes(&good, None, &strict), ["status_unavailable"]);
    // A profile's maximum staleness: the list was issued 10 s ago.
    let fresh_only = VerifyPolicy {
        max_status_age_secs: Some(5),
        ..policy()
    };
    assert_eq!(
        codes(&good, Some(&token_list(&o, &[], None)), &fresh_only),
        ["status_list_stale"]
    );
    let lenient = VerifyPolicy {
        max_status_age_secs: Some(60),
        ..policy()
    };
    assert!(codes(&good, Some(&token_list(&o, &[], None)), &lenient).is_empty());
    // Not checked without a list, and says so.
    let r = run(&good, None, &policy());
    assert!(r.valid);
    assert!(r.checks.iter().any(|c| c.name == "status" && c.skipped));

    // Validity window.
    let expired = present(
        &sd_jwt_passport(&o, &holder, NOW - 1000, NOW - 100, None),
        &holder,
        &[],
    );
    assert_eq!(codes(&expired, None, &policy()), ["credential_expired"]);
    let future = present(
        &sd_jwt_passport(&o, &holder, NOW + 1000, NOW + 5000, None),
        &holder,
        &[],
    );
    assert_eq!(
        codes(&future, None, &policy()),
        ["credential_not_yet_valid"]
    );

    // Key binding: cnf present means KB is required; wrong nonce; wrong audience.
    let unbound = sd_jwt::present(&issued, &[ClaimPath::dotted("family_name")], None).unwrap();
    assert_eq!(codes(&unbound, None, &policy()), ["key_binding_missing"]);
    let wrong_nonce = VerifyPolicy {
        nonce: Some("other".into()),
        ..policy()
    };
    assert_eq!(
        codes(&good, None, &wrong_nonce),
        ["key_binding_nonce_mismatch"]
    );
    let wrong_aud = VerifyPolicy {
        aud: Some("https://border.example".into()),
        ..policy()
    };
    assert_eq!(codes(&good, None, &wrong_aud), ["key_binding_aud_mismatch"]);

    // Algorithm pinned by policy: an EdDSA issuer is refused by an ES256-only verifier.
    let es_only = VerifyPolicy {
        algs: vec![Alg::Es256],
        ..policy()
    };
    assert_eq!(codes(&good, None, &es_only), ["algorithm_not_allowed"]);

    // A forged issuer signature: all other checks still reported, claims withheld.
    let mut parts: Vec<&str> = good.splitn(2, '~').collect();
    let forged_jwt = jws::sign_claims("dc+sd-jwt", None, &CompactJws_claims(parts[0]), &other.key);
    parts[0] = &forged_jwt;
    let forged = parts.join("~");
    let r = run(&forged, None, &policy());
    assert!(
        r.failures().contains(&"signature_invalid"),
        "{:?}",
        r.failures()
    );
    assert!(r.claims.is_empty());

    // Unknown format.
    assert_eq!(codes("hello", None, &policy()), ["jws_malformed"]);
}

#[allow(non_snake_case)]
fn CompactJws_claims(jwt: &str) -> Map<String, Value> {
    jws::CompactJws::parse(jwt, jws::DEFAULT_MAX_LEN)
        .unwrap()
        .unverified_claims()
        .unwrap()
}

#[test]
fn schema_and_never_disclosable_claims_are_enforced() {
    let o = office(Alg::Es256);
    let mut subject = passport_subject();
    subject.insert("birth_date".into(), json!("12.08.1974"));
    let types = CredentialTypes::builtin().unwrap();
    let spec = types.get("passport").unwrap().spec();
    let request = sd_jwt_vc::SdJwtVcRequest {
        vct: &spec.vct,
        issuer: &o.did,
        kid: None,
        issued_at: Timestamp::from_unix(NOW - 10),
        valid_from: None,
        valid_until: None,
        holder: None,
        status: None,
        claims: &subject,
        disclosable: &spec.selectively_disclosable,
    };
    let bad = sd_jwt_vc::issue(&request, &o.key, IssueOptions::default()).unwrap();
    let r = run(&bad, None, &VerifyPolicy::default());
    assert_eq!(r.failures(), ["schema_violation"]);
    assert!(r.checks.iter().any(|c| c.message.contains("/birth_date")));

    // `vct` concealed in a Disclosure: refused (SD-JWT VC §3.2.2.2).
    let mut claims = passport_subject();
    claims.insert("iss".into(), json!(o.did));
    claims.insert("vct".into(), json!(spec.vct));
    let hidden_vct = sd_jwt::issue(
        &claims,
        &json!({"_sd": ["vct"]}),
        IssueOptions::default(),
        "dc+sd-jwt",
        None,
        &o.key,
    )
    .unwrap();
    assert_eq!(
        run(&hidden_vct, None, &VerifyPolicy::default()).failures(),
        ["claim_selectively_disclosed"]
    );
    // Wrong typ.
    let wrong_typ = sd_jwt::issue(
        &claims,
        &json!({}),
        IssueOptions::default(),
        "JWT",
        None,
        &o.key,
    )
    .unwrap();
    assert_eq!(
        run(&wrong_typ, None, &VerifyPolicy::default()).failures(),
        ["typ_mismatch"]
    );
}

fn bitstring_list(o: &Office, purpose: StatusPurpose, set: &[usize]) -> String {
    let mut list = BitstringStatusList::new(131_072, StatusSize::ONE).unwrap();
    for i in set {
        list.set(*i, 1).unwrap();
    }
    let subject = credential_subject(&list, &format!("{LIST_URI}#list"), purpose, None).unwrap();
    let request = jwt_vc::JwtVcRequest {
        id: Some(LIST_URI),
        types: &["BitstringStatusListCredential".to_owned()],
        issuer: &o.did,
        kid: None,
        valid_from: Timestamp::from_unix(NOW - 60),
        valid_until: None,
        subject: subject.as_object().unwrap(),
        status: None,
        schema_id: None,
    };
    jwt_vc::issue(&request, &o.key).unwrap()
}

fn vc_jwt_passport(o: &Office, valid_until: i64, status_index: usize) -> String {
    let status = json!({"id": format!("{LIST_URI}#{status_index}"), "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": status_index.to_string(), "statusListCredential": LIST_URI});
    let request = jwt_vc::JwtVcRequest {
        id: Some("urn:uuid:0b5e3c1e-8d0a-4c8e-9b2e-2f5a1c7d9e11"),
        types: &["PassportCredential".to_owned()],
        issuer: &o.did,
        kid: None,
        valid_from: Timestamp::from_unix(NOW - 100_000),
        valid_until: Some(Timestamp::from_unix(valid_until)),
        subject: &passport_subject(),
        status: Some(status),
        schema_id: Some("urn:sigillum:schema:passport:1"),
    };
    jwt_vc::issue(&request, &o.key).unwrap()
}

#[test]
fn vc_jwt_passports_verify_and_revocation_is_read_from_the_bitstring_list() {
    let o = office(Alg::Es256);
    let vc = vc_jwt_passport(&o, NOW + 1000, 1234);
    let r = run(
        &vc,
        Some(&bitstring_list(
            &o,
            StatusPurpose::Revocation,
            &[1233, 1235],
        )),
        &VerifyPolicy::default(),
    );
    assert!(r.valid, "{:#?}", r.checks);
    assert_eq!(r.format, Format::VcJwt);
    assert_eq!(r.credential_type.as_deref(), Some("PassportCredential"));
    assert_eq!(r.claims["document_number"], "L898902C3");
    let revoked = run(
        &vc,
        Some(&bitstring_list(&o, StatusPurpose::Revocation, &[1234])),
        &VerifyPolicy::default(),
    );
    assert_eq!(revoked.failures(), ["credential_revoked"]);
    let purpose = run(
        &vc,
        Some(&bitstring_list(&o, StatusPurpose::Suspension, &[])),
        &VerifyPolicy::default(),
    );
    assert_eq!(purpose.failures(), ["status_purpose_mismatch"]);
    let expired = run(
        &vc_jwt_passport(&o, NOW - 100, 1),
        None,
        &VerifyPolicy::default(),
    );
    assert_eq!(expired.failures(), ["credential_expired"]);
}

#[test]
fn vc_data_model_1_1_jwts_verify() {
    let o = office(Alg::EdDsa);
    let claims = json!({
        "iss": o.did, "sub": "did:example:holder", "nbf": NOW - 100, "exp": NOW + 100, "jti": "urn:uuid:1",
        "vc": {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential", "UniversityDegreeCredential"],
               "credentialSubject": {"degree": {"type": "BachelorDegree", "name": "Bachelor of Science"}}}
    });
    let token = jws::sign_claims("JWT", None, claims.as_object().unwrap(), &o.key);
    let r = run(&token, None, &VerifyPolicy::default());
    assert!(r.valid, "{:#?}", r.checks);
    assert_eq!(r.format, Format::VcJwt11);
    assert_eq!(r.claims["id"], "did:example:holder");
    let mut late = claims.clone();
    late["exp"] = json!(NOW - 1000);
    let token = jws::sign_claims("JWT", None, late.as_object().unwrap(), &o.key);
    assert_eq!(
        run(&token, None, &VerifyPolicy::default()).failures(),
        ["credential_expired"]
    );
    let mut string_exp = claims;
    string_exp["exp"] = json!("never");
    let token = jws::sign_claims("JWT", None, string_exp.as_object().unwrap(), &o.key);
    assert_eq!(
        run(&token, None, &VerifyPolicy::default()).failures(),
        ["claim_type_invalid"]
    );
}

#[test]
fn a_kid_naming_another_did_than_the_issuer_is_refused() {
    let o = office(Alg::Es256);
    let mallory = office(Alg::Es256);
    let mut claims = passport_subject();
    claims.insert("iss".into(), json!(o.did));
    claims.insert("vct".into(), json!("urn:sigillum:vct:passport:1"));
    let kid = format!(
        "{}#{}",
        mallory.did,
        mallory.did.trim_start_matches("did:key:")
    );
    let token = sd_jwt::issue(
        &claims,
        &json!({}),
        IssueOptions::default(),
        "dc+sd-jwt",
        Some(&kid),
        &mallory.key,
    )
    .unwrap();
    assert_eq!(
        run(&token, None, &VerifyPolicy::default()).failures(),
        ["verification_method_not_found"]
    );
}

/// Deterministic xorshift, so a failing mutation is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mangles a presentation the way a damaged QR scan or an attacker might: flipped
/// characters, truncation, duplicated or dropped `~` segments, swapped dots.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    match rng.below(6) {
        0 => {
            let i = rng.below(bytes.len());
            bytes[i] = b"AZaz09-_.~{}\"\\\x00\xff"[rng.below(16)];
        }
        1 => bytes.truncate(rng.below(bytes.len())),
        2 => {
            let parts: Vec<&str> = text.split('~').collect();
            let dup = parts[rng.below(parts.len())];
            return format!("{text}{dup}~");
        }
        3 => {
            let mut parts: Vec<&str> = text.split('~').collect();
            parts.remove(rng.below(parts.len()));
            return parts.join("~");
        }
        4 => {
            let i = rng.below(bytes.len());
            bytes.insert(i, b'.');
        }
        _ => {
            let (i, j) = (rng.below(bytes.len()), rng.below(bytes.len()));
            bytes.swap(i, j);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn thousands_of_mutated_presentations_never_panic_and_never_verify() {
    let o = office(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let good = present(
        &sd_jwt_passport(&o, &holder, NOW - 100, NOW + 1000, Some(3)),
        &holder,
        &["family_name", "birth_date"],
    );
    let list = token_list(&o, &[], None);
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut rejected = 0;
    for round in 0..3000 {
        let text = mutate(&good, &mut rng);
        let report = run(&text, Some(&list), &policy());
        if text.trim() == good {
            continue;
        }
        assert!(
            !report.valid,
            "round {round}: a mutated presentation verified: {text}"
        );
        assert!(
            !report.failures().is_empty(),
            "round {round}: invalid without a reason"
        );
        rejected += 1;
        // The QR layer too: a mangled QR text is an error value, never a panic.
        let _ = crate::qr::decode(&format!("SG1P:{}", &text[..text.len().min(200)]));
    }
    assert!(rejected > 2500, "{rejected}");
}

#[test]
fn json_serialized_presentations_are_verified_too() {
    let o = office(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let p = present(
        &sd_jwt_passport(&o, &holder, NOW - 100, NOW + 1000, None),
        &holder,
        &["family_name"],
    );
    let parts: Vec<&str> = p.split('~').collect();
    let jwt: Vec<&str> = parts[0].split('.').collect();
    let json = json!({"protected": jwt[0], "payload": jwt[1], "signature": jwt[2],
        "header": {"disclosures": &parts[1..parts.len() - 1], "kb_jwt": parts[parts.len() - 1]}});
    let r = run(&json.to_string(), None, &policy());
    assert!(r.valid, "{:#?}", r.checks);
    assert_eq!(r.claims["family_name"], "ERIKSSON");
    assert_eq!(
        run(r#"{"payload": 5}"#, None, &policy()).failures(),
        ["sd_jwt_malformed"]
    );
}

fn run_cached(presented: &str, list: &str, cache: &VerifiedLists, now: i64) -> Report {
    let clock = FixedClock(Timestamp::from_unix(now));
    let input = VerifyInput {
        presented,
        issuer_key: IssuerKey::ResolveLocal,
        status_lists: &[list],
        status_list_keys: &[],
        list_cache: Some(cache),
        clock: &clock,
    };
    verify(&input, &policy()).unwrap()
}

#[test]
fn a_cached_list_is_verified_once_and_still_judged_for_each_credential_and_clock() {
    let o = office(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let list = token_list(&o, &[(43, 1), (44, 2)], Some((NOW + 100) as u64));
    let cache = VerifiedLists::new();
    let traveller = |idx| {
        present(
            &sd_jwt_passport(&o, &holder, NOW - 100, NOW + 1000, Some(idx)),
            &holder,
            &["family_name"],
        )
    };
    let first = run_cached(&traveller(42), &list, &cache, NOW);
    assert!(first.valid, "{:#?}", first.checks);
    assert_eq!(cache.len(), 1);
    // The same list, now from the cache: each index still read, each time.
    assert!(run_cached(&traveller(42), &list, &cache, NOW).valid);
    assert_eq!(
        run_cached(&traveller(43), &list, &cache, NOW).failures(),
        ["credential_revoked"]
    );
    assert_eq!(
        run_cached(&traveller(44), &list, &cache, NOW).failures(),
        ["credential_suspended"]
    );
    assert_eq!(cache.len(), 1);
    // Expiry is judged on the verifier's clock at every call, not when cached.
    assert_eq!(
        run_cached(&traveller(42), &list, &cache, NOW + 200).failures(),
        ["status_list_stale"]
    );
}

#[test]
fn a_cached_list_is_not_trusted_for_another_issuer_nor_under_an_altered_payload() {
    let o = office(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let list = token_list(&o, &[(42, 1)], None);
    let cache = VerifiedLists::new();
    let revoked = present(
        &sd_jwt_passport(&o, &holder, NOW - 100, NOW + 1000, Some(42)),
        &holder,
        &["family_name"],
    );
    assert_eq!(
        run_cached(&revoked, &list, &cache, NOW).failures(),
        ["credential_revoked"]
    );
    // Another office's credential cannot borrow the list verified with o's key.
    let other = office(Alg::Es256);
    let theirs = present(
        &sd_jwt_passport(&other, &holder, NOW - 100, NOW + 1000, Some(7)),
        &holder,
        &["family_name"],
    );
    assert_eq!(
        run_cached(&theirs, &list, &cache, NOW).failures(),
        ["status_list_invalid"]
    );
    // The cached list's signature under another payload (index 42 cleared): a miss,
    // verified afresh and refused, never answered from the entry it collides with.
    let cleared = token_list(&o, &[], None);
    let (_, signature) = list.rsplit_once('.').unwrap();
    let (cleared_input, _) = cleared.rsplit_once('.').unwrap();
    let forged = format!("{cleared_input}.{signature}");
    assert_eq!(
        run_cached(&revoked, &forged, &cache, NOW).failures(),
        ["status_list_invalid"]
    );
    assert_eq!(
        run_cached(&revoked, &list, &cache, NOW).failures(),
        ["credential_revoked"]
    );
}

#[test]
fn the_cache_keeps_at_most_its_bound_of_lists() {
    let o = office(Alg::EdDsa);
    let holder = SigningKey::generate(Alg::Es256);
    let p = present(
        &sd_jwt_passport(&o, &holder, NOW - 100, NOW + 1000, Some(1)),
        &holder,
        &["family_name"],
    );
    let cache = VerifiedLists::new();
    for i in 0..MAX_CACHED_LISTS + 3 {
        // Each list differs (one more revoked index), so each is a new entry.
        let list = token_list(&o, &[(1000 + i, 1)], None);
        assert!(run_cached(&p, &list, &cache, NOW).valid);
    }
    assert_eq!(cache.len(), MAX_CACHED_LISTS);
}
