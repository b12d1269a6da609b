//! The adversarial corpus (issue 8): one JSON file per hostile input under
//! `tests/adversarial/cases/`, each naming the one specific code Sigillum must refuse
//! it with (or `accept`). The model is BoringSSL's BoGo suite as rustls runs it: a
//! single runner, every expected failure mapped to one error, and a count at the end.
//!
//! A case file:
//!
//! ```json
//! { "description": "why this must fail, citing the spec",
//!   "kind": "jws",                       // which parser or pipeline runs it (kinds/)
//!   "input": { "header": {"alg": "none"}, "payload": {}, "sign": "issuer-es256" },
//!   "expect": "algorithm_not_allowed" }  // a code, or "accept"
//! ```
//!
//! Inputs are written as recipes (`build.rs`): the exact header and payload text, the
//! corpus key that signs them (`keys.json`), disclosures, placeholders such as
//! `{{did:issuer-es256}}` or `{{now-60}}`; or as literal text. The clock is fixed
//! ([`build::NOW`]). Run one case with `cargo test --test adversarial -- --nocapture`
//! and `ADVERSARIAL_ONLY=<part of its path>`.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "adversarial/build.rs"]
mod build;
#[path = "adversarial/case.rs"]
mod case;
#[path = "adversarial/kinds/mod.rs"]
mod kinds;

/// The most any one case may allocate at once (its input included): a bomb that
/// inflated would take hundreds of MiB to GiB.
const PEAK_BOUND: usize = 64 * 1024 * 1024;

/// The longest any one case may take: not a speed figure (those are benchmarks),
/// a bound far past any honest parse, so a bomb that did its work, a quadratic
/// blow-up or a loop fails the case instead of stalling the run.
const TIME_BOUND: std::time::Duration = std::time::Duration::from_secs(10);

/// Counts the bytes allocated, so each case's peak is measured (the cases run one
/// at a time on one thread; this binary holds no other test).
#[global_allocator]
static ALLOCATOR: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

/// Runs `f`, returning its result and the most it held allocated at once beyond
/// what was allocated before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let out = f();
    (out, ALLOCATOR.peak_usage().saturating_sub(base))
}

#[test]
fn every_case_is_refused_with_its_code() {
    let fixtures = build::Fixtures::load();
    let cases = case::load_all();
    let only = std::env::var("ADVERSARIAL_ONLY").ok();
    let mut passed = 0;
    let mut failed = Vec::new();
    let mut largest = ("", 0);
    let mut slowest = ("", std::time::Duration::ZERO);
    for case in &cases {
        if only.as_deref().is_some_and(|o| !case.path.contains(o)) {
            continue;
        }
        let started = std::time::Instant::now();
        let (got, peak) = peak_of(|| {
            std::panic::catch_unwind(|| kinds::run(case, &fixtures))
                .unwrap_or_else(|_| Err("the case panicked".into()))
        });
        let took = started.elapsed();
        if peak > largest.1 {
            largest = (case.path.as_str(), peak);
        }
        if took > slowest.1 {
            slowest = (case.path.as_str(), took);
        }
        if took > TIME_BOUND {
            failed.push(format!(
                "{}: took {took:?}, over the bound of {TIME_BOUND:?}",
                case.path
            ));
            continue;
        }
        if peak > PEAK_BOUND {
            failed.push(format!(
                "{}: held {} MiB at once, over the bound of {} MiB",
                case.path,
                peak >> 20,
                PEAK_BOUND >> 20
            ));
            continue;
        }
        match got {
            Ok(code) if code == case.expect => passed += 1,
            Ok(code) => failed.push(format!(
                "{}: expected {}, got {code}\n    ({})",
                case.path, case.expect, case.description
            )),
            Err(harness) => failed.push(format!("{}: {harness}", case.path)),
        }
    }
    // Straight to standard output, past the test harness's capture: the count
    // belongs in every run's log, passing or not.
    let mut report = format!(
        "adversarial corpus: {passed} passed, {} failed (largest peak {} KiB, {}; slowest {} ms, {})\n",
        failed.len(),
        largest.1 >> 10,
        largest.0,
        slowest.1.as_millis(),
        slowest.0
    );
    for f in &failed {
        report.push_str(&format!("  FAILED {f}\n"));
    }
    std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes()).unwrap();
    assert!(
        failed.is_empty(),
        "{} case(s) failed (see above)",
        failed.len()
    );
    if only.is_none() {
        assert!(
            cases.len() >= 150,
            "the corpus holds {} cases; issue 8 asks for at least 150",
            cases.len()
        );
    }
}
