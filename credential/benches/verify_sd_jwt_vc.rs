//! `verify_sd_jwt_vc`: verifying an SD-JWT VC presentation (ES256 issuer, 10
//! disclosures, ES256 KB-JWT) against the floor it cannot beat, the two bare P-256
//! signature verifications (issuer JWT and KB-JWT) on the same bytes.
//!
//! Besides criterion's statistics it prints `ratio full/floor`, measured with
//! interleaved batches in the same run so that machine noise hits both sides alike.
//! Also `es256_backends`: one P-256 verification with `ring` (used) and `p256`.
//!
//! Run: `cargo bench -p sigillum-credential --bench verify_sd_jwt_vc`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use serde_json::{Map, Value, json};
use sigillum_credential::b64;
use sigillum_credential::jws::{CompactJws, DEFAULT_MAX_LEN};
use sigillum_credential::key::{Alg, PublicKey, SigningKey};
use sigillum_credential::sd_jwt::{ClaimPath, IssueOptions, KbPolicy, SdJwt, present};
use sigillum_credential::status::signed::{ListSigning, sign_token_list};
use sigillum_credential::status::{Bits, StatusList};
use sigillum_credential::time::Timestamp;
use sigillum_credential::vc::sd_jwt_vc::{self, SdJwtVcRequest};
use sigillum_credential::verify::{IssuerKey, VerifiedLists, VerifyInput, VerifyPolicy, verify};

/// The same allocator as the `sigillum` binary, so the figures are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: i64 = 1_800_000_000;
const NONCE: &str = "bench-nonce-0123456789";
const AUD: &str = "https://border.example";

struct Fixture {
    presentation: String,
    /// The same credential with a Token Status List entry, presented the same way.
    presentation_with_status: String,
    /// Its signed 2-bit list of 131,072 entries (what a checkpoint caches).
    status_list: String,
    /// The checkpoint's cache of verified lists, holding that list after the first call.
    verified_lists: VerifiedLists,
    issuer: PublicKey,
    holder: PublicKey,
    /// (signing input, signature) of the issuer JWT and of the KB-JWT.
    signatures: [(String, Vec<u8>); 2],
}

fn fixture() -> Fixture {
    let issuer = SigningKey::generate(Alg::Es256);
    let holder = SigningKey::generate(Alg::Es256);
    let names = [
        "document_number",
        "nationality",
        "family_name",
        "given_names",
        "birth_date",
        "sex",
        "place_of_birth",
        "issue_date",
        "issuing_authority",
        "portrait_digest",
    ];
    let claims: Map<String, Value> = json!({
        "document_number": "L898902C3", "document_type": "P", "issuing_state": "UTO", "nationality": "UTO",
        "family_name": "ERIKSSON", "given_names": "ANNA MARIA", "birth_date": "1974-08-12", "sex": "F",
        "place_of_birth": "ZENITH", "issue_date": "2024-04-16", "expiry_date": "2034-04-15",
        "issuing_authority": "MINISTRY OF INTERIOR OF UTOPIA",
        "portrait_digest": "sha-256:jflaGb0KuypxSwnkk7sRjzJ4KJledPpz3FUrFdsOGyc"
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let disclosable: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    let issuer_did = sigillum_credential::did::key::did_for(&issuer.public_key()).to_string();
    let holder_public = holder.public_key();
    let request = SdJwtVcRequest {
        vct: "urn:sigillum:vct:passport:1",
        issuer: &issuer_did,
        kid: None,
        issued_at: Timestamp::from_unix(NOW - 1000),
        valid_from: None,
        valid_until: Some(Timestamp::from_unix(NOW + 1_000_000)),
        holder: Some(&holder_public),
        status: None,
        claims: &claims,
        disclosable: &disclosable,
    };
    let issued = sd_jwt_vc::issue(&request, &issuer, IssueOptions::default()).unwrap_or_default();
    let paths: Vec<ClaimPath> = names.iter().map(|n| ClaimPath::dotted(n)).collect();
    let presentation = present(
        &issued,
        &paths,
        Some((&holder, AUD, NONCE, Timestamp::from_unix(NOW))),
    )
    .unwrap_or_default();
    let list_uri = "https://registry.example/v1/status-lists/1";
    let with_status = SdJwtVcRequest {
        status: Some((list_uri, 4711)),
        ..request
    };
    let issued =
        sd_jwt_vc::issue(&with_status, &issuer, IssueOptions::default()).unwrap_or_default();
    let presentation_with_status = present(
        &issued,
        &paths,
        Some((&holder, AUD, NONCE, Timestamp::from_unix(NOW))),
    )
    .unwrap_or_default();
    let mut list = StatusList::new(131_072, Bits::Two);
    for i in (0..131_072).step_by(97) {
        let _ = list.set(i, 1);
    }
    let status_list = sign_token_list(
        &list,
        Some(300),
        &ListSigning {
            uri: list_uri,
            issuer: &issuer_did,
            kid: &issuer_did,
            issued_at: Timestamp::from_unix(NOW - 60),
            valid_until: Some(Timestamp::from_unix(NOW + 86_400)),
        },
        &issuer,
    )
    .unwrap_or_default();
    let split = |jws: &str| {
        let (input, sig) = jws.rsplit_once('.').unwrap_or_default();
        (input.to_owned(), b64::decode(sig).unwrap_or_default())
    };
    let jwt = presentation.split('~').next().unwrap_or_default();
    let kb = presentation.rsplit('~').next().unwrap_or_default();
    Fixture {
        signatures: [split(jwt), split(kb)],
        presentation,
        presentation_with_status,
        status_list,
        verified_lists: VerifiedLists::new(),
        issuer: issuer.public_key(),
        holder: holder.public_key(),
    }
}

fn kb_policy() -> KbPolicy {
    KbPolicy::required(NONCE, AUD, Timestamp::from_unix(NOW))
}

/// The library's full verification: parse, issuer signature, 10 disclosures, KB-JWT,
/// SD-JWT VC claim rules and the validity window.
fn verify_full(f: &Fixture) -> bool {
    let Ok(parsed) = SdJwt::parse(&f.presentation, DEFAULT_MAX_LEN) else {
        return false;
    };
    let Ok(verified) = parsed.verify(&f.issuer, &[Alg::Es256], &kb_policy()) else {
        return false;
    };
    sd_jwt_vc::check_claims(verified.processed()).is_ok_and(|c| {
        c.check_validity(Timestamp::from_unix(NOW), 60).is_ok()
            && verified.processed().disclosed.len() == 10
    })
}

/// The floor: the two P-256 verifications, nothing else.
fn verify_floor(f: &Fixture) -> bool {
    let [(jwt_input, jwt_sig), (kb_input, kb_sig)] = &f.signatures;
    f.issuer.verify_bytes(jwt_input.as_bytes(), jwt_sig).is_ok()
        && f.holder.verify_bytes(kb_input.as_bytes(), kb_sig).is_ok()
}

/// The report pipeline with the status check against a list already fetched: what
/// the checkpoint service runs per credential, its list verified and decoded once and
/// kept (`cached`), or verified and inflated again for every credential.
fn verify_with_status(f: &Fixture, cached: bool) -> bool {
    let clock = sigillum_credential::time::FixedClock(Timestamp::from_unix(NOW));
    let policy = VerifyPolicy {
        nonce: Some(NONCE.into()),
        aud: Some(AUD.into()),
        require_status: true,
        ..VerifyPolicy::default()
    };
    let input = VerifyInput {
        presented: &f.presentation_with_status,
        issuer_key: IssuerKey::ResolveLocal,
        status_lists: &[&f.status_list],
        status_list_keys: &[],
        list_cache: cached.then_some(&f.verified_lists),
        clock: &clock,
    };
    verify(&input, &policy).is_ok_and(|r| r.valid)
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    assert!(verify_full(&f) && verify_floor(&f), "fixture must verify");
    assert!(
        verify_with_status(&f, true),
        "fixture with status must verify"
    );
    let mut group = c.benchmark_group("verify_sd_jwt_vc");
    group.bench_function("floor_two_p256_verifies", |b| {
        b.iter(|| black_box(verify_floor(black_box(&f))))
    });
    group.bench_function("sd_jwt_vc_full", |b| {
        b.iter(|| black_box(verify_full(black_box(&f))))
    });
    group.bench_function("report_pipeline_with_schema", |b| {
        let clock = sigillum_credential::time::FixedClock(Timestamp::from_unix(NOW));
        let policy = VerifyPolicy {
            nonce: Some(NONCE.into()),
            aud: Some(AUD.into()),
            ..VerifyPolicy::default()
        };
        b.iter(|| {
            let input = VerifyInput {
                presented: &f.presentation,
                issuer_key: IssuerKey::ResolveLocal,
                status_lists: &[],
                status_list_keys: &[],
                list_cache: None,
                clock: &clock,
            };
            black_box(verify(&input, &policy).map(|r| r.valid).unwrap_or(false))
        });
    });
    group.bench_function("report_pipeline_with_status_cached_list", |b| {
        b.iter(|| black_box(verify_with_status(black_box(&f), true)))
    });
    group.bench_function("report_pipeline_with_status_list_verified_each_time", |b| {
        b.iter(|| black_box(verify_with_status(black_box(&f), false)))
    });
    group.finish();

    let mut group = c.benchmark_group("es256_backends");
    let (input, sig) = &f.signatures[0];
    group.bench_function("ring", |b| {
        b.iter(|| black_box(f.issuer.verify_bytes(input.as_bytes(), sig).is_ok()))
    });
    group.bench_function("p256", |b| {
        b.iter(|| {
            black_box(
                f.issuer
                    .verify_bytes_pure_rust(input.as_bytes(), sig)
                    .is_ok(),
            )
        })
    });
    group.finish();
    let parse_only = |b: &mut criterion::Bencher<'_>| {
        b.iter(|| black_box(CompactJws::parse(black_box(input), DEFAULT_MAX_LEN).is_ok()))
    };
    c.bench_function("jws_parse_only", parse_only);
}

/// Median of `rounds` interleaved batches of each function, in nanoseconds per call:
/// (full, floor, with status).
fn interleaved(f: &Fixture, rounds: usize, batch: u32) -> (f64, f64, f64) {
    let time = |op: &dyn Fn() -> bool| {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(op());
        }
        start.elapsed().as_nanos() as f64 / f64::from(batch)
    };
    let (mut full, mut floor) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    let mut status = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        floor.push(time(&|| verify_floor(f)));
        full.push(time(&|| verify_full(f)));
        status.push(time(&|| verify_with_status(f, true)));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    (median(&mut full), median(&mut floor), median(&mut status))
}

fn ratio_report() {
    let f = fixture();
    let (full, floor, status) = interleaved(&f, 41, 50);
    println!();
    println!(
        "verify_sd_jwt_vc: full {:.1} µs, floor (2 × P-256 verify) {:.1} µs, ratio full/floor {:.3} (target ≤ 1.15)",
        full / 1e3,
        floor / 1e3,
        full / floor
    );
    println!(
        "with status (report pipeline + verified list of 131,072 kept): {:.1} µs, ratio /floor {:.3} (target ≤ 1.2), {:.0} verifications/s per core",
        status / 1e3,
        status / floor,
        1e9 / status
    );
}

criterion_group! {
    name = group;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = benches
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs each benchmark once as a smoke test; the ratio needs `cargo bench`.
    if std::env::args().any(|a| a == "--bench") {
        ratio_report();
    }
}
