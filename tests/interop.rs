//! Interoperability with independent implementations, in both directions:
//! `@sd-jwt/sd-jwt-vc` 0.19.0 (OpenWallet Foundation) for SD-JWT VC and `jose` 6.2.18
//! (panva) for `vc+jwt`, driven through `tests/interop/sdjwt.mjs` (see its README).
//!
//! Ours → theirs: credentials and presentations made by the `sigillum` binary verify in
//! the JavaScript libraries; tampered and mis-bound ones are refused there.
//! Theirs → ours: what the JavaScript libraries issue verifies with `sigillum verify`;
//! forged, tampered and mis-bound ones are refused with the exact code.
//!
//! Needs Node.js ≥ 20 and the npm registry (or an installed `tests/interop/node_modules`);
//! `.ci/run` installs both on a fresh machine.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::Work;
use serde_json::{Value, json};

const NONCE: &str = "n-4711-border";
const AUD: &str = "https://border.example";

fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Installs the pinned npm packages once per test run (`npm ci`, no install scripts).
fn harness() -> &'static Path {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY.get_or_init(|| {
        let dir = harness_dir();
        if !dir.join("node_modules/@sd-jwt/sd-jwt-vc").exists() {
            let status = Command::new("npm")
                .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .status()
                .expect("npm is required for the interop tests (install Node.js ≥ 20)");
            assert!(status.success(), "npm ci failed in {}", dir.display());
        }
        dir
    })
}

struct Run {
    code: i32,
    stdout: String,
}

fn node(args: &[&str]) -> Run {
    let out = Command::new("node")
        .arg(harness().join("sdjwt.mjs"))
        .args(args)
        .output()
        .expect("node is required for the interop tests");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "node {args:?} failed ({code}): {stderr}"
    );
    Run {
        code,
        stdout: String::from_utf8(out.stdout).unwrap().trim().to_owned(),
    }
}

fn sigillum(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_sigillum"))
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "sigillum {args:?} failed ({code}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        code,
        stdout: String::from_utf8(out.stdout).unwrap().trim().to_owned(),
    }
}

fn passport_sample() -> Value {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/credential-types/passport.json"),
        )
        .unwrap(),
    )
    .unwrap();
    spec["samples"][0].clone()
}

fn public_jwk(dir: &Work, private_path: &str, name: &str) -> String {
    let jwk: Value = serde_json::from_str(&std::fs::read_to_string(private_path).unwrap()).unwrap();
    let mut public = jwk.as_object().unwrap().clone();
    public.remove("d");
    dir.write(name, &Value::Object(public).to_string())
}

/// Re-encodes the first Disclosure with a changed value: same salt and name, new digest.
fn tamper_first_disclosure(presentation: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts: Vec<String> = presentation.split('~').map(str::to_owned).collect();
    let mut array: Vec<Value> = serde_json::from_slice(&b64.decode(&parts[1]).unwrap()).unwrap();
    *array.last_mut().unwrap() = json!("MALLORY");
    parts[1] = b64.encode(serde_json::to_string(&array).unwrap());
    parts.join("~")
}

fn json_report(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap()
}

fn failure_codes(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn our_sd_jwt_vcs_verify_in_the_typescript_library_and_forgeries_do_not() {
    for alg in ["ES256", "EdDSA"] {
        let dir = Work::new("interop");
        let (issuer, holder) = (dir.path("issuer.jwk"), dir.path("holder.jwk"));
        sigillum(&["key", "generate", "--alg", alg, "--out", &issuer]);
        sigillum(&["key", "generate", "--alg", "ES256", "--out", &holder]);
        let issuer_pub = public_jwk(&dir, &issuer, "issuer.pub.jwk");
        let holder_pub = public_jwk(&dir, &holder, "holder.pub.jwk");
        let subject = dir.write("subject.json", &passport_sample().to_string());
        let issued = sigillum(&[
            "credential",
            "issue",
            "--type",
            "passport",
            "--subject",
            &subject,
            "--issuer-key",
            &issuer,
            "--holder-jwk",
            &holder_pub,
        ]);
        let issued = dir.write("issued.txt", &issued.stdout);
        let presented = sigillum(&[
            "credential",
            "present",
            &issued,
            "--holder-key",
            &holder,
            "--disclose",
            "family_name,birth_date,nationality",
            "--nonce",
            NONCE,
            "--aud",
            AUD,
        ]);
        let p = dir.write("presented.txt", &presented.stdout);

        for mode in [&[][..], &["--library-only"][..]] {
            let mut args = vec![
                "verify",
                "--sdjwt",
                &p,
                "--issuer-jwk",
                &issuer_pub,
                "--nonce",
                NONCE,
                "--aud",
                AUD,
            ];
            args.extend_from_slice(mode);
            let theirs = node(&args);
            assert_eq!(theirs.code, 0, "{alg} {mode:?}: {}", theirs.stdout);
            let claims = &json_report(&theirs)["claims"];
            assert_eq!(claims["family_name"], "ERIKSSON");
            assert_eq!(claims["vct"], "urn:sigillum:vct:passport:1");
            assert!(
                claims.get("given_names").is_none(),
                "only what was disclosed"
            );
        }
        // The issued SD-JWT (all disclosures, no KB) verifies too.
        assert_eq!(
            node(&["verify", "--sdjwt", &issued, "--issuer-jwk", &issuer_pub]).code,
            0,
            "{alg} issued"
        );

        // Forgeries: a tampered disclosure, a wrong nonce, a KB-JWT by another key, another issuer key.
        let tampered = dir.write("tampered.txt", &tamper_first_disclosure(&presented.stdout));
        assert_eq!(
            node(&[
                "verify",
                "--sdjwt",
                &tampered,
                "--issuer-jwk",
                &issuer_pub,
                "--nonce",
                NONCE,
                "--aud",
                AUD
            ])
            .code,
            1
        );
        assert_eq!(
            node(&[
                "verify",
                "--sdjwt",
                &p,
                "--issuer-jwk",
                &issuer_pub,
                "--nonce",
                "other",
                "--aud",
                AUD
            ])
            .code,
            1
        );
        let thief = dir.path("thief.jwk");
        sigillum(&["key", "generate", "--alg", "ES256", "--out", &thief]);
        let stolen = sigillum(&[
            "credential",
            "present",
            &issued,
            "--holder-key",
            &thief,
            "--disclose",
            "family_name",
            "--nonce",
            NONCE,
            "--aud",
            AUD,
        ]);
        let stolen = dir.write("stolen.txt", &stolen.stdout);
        assert_eq!(
            node(&[
                "verify",
                "--sdjwt",
                &stolen,
                "--issuer-jwk",
                &issuer_pub,
                "--nonce",
                NONCE,
                "--aud",
                AUD
            ])
            .code,
            1
        );
        let other_pub = public_jwk(&dir, &thief, "thief.pub.jwk");
        assert_eq!(
            node(&[
                "verify",
                "--sdjwt",
                &p,
                "--issuer-jwk",
                &other_pub,
                "--nonce",
                NONCE,
                "--aud",
                AUD
            ])
            .code,
            1
        );
    }
}

#[test]
fn our_vc_jwts_verify_with_jose_and_tampered_ones_do_not() {
    for alg in ["ES256", "EdDSA"] {
        let dir = Work::new("interop");
        let issuer = dir.path("issuer.jwk");
        sigillum(&["key", "generate", "--alg", alg, "--out", &issuer]);
        let issuer_pub = public_jwk(&dir, &issuer, "issuer.pub.jwk");
        let subject = dir.write("subject.json", &passport_sample().to_string());
        let vc = sigillum(&[
            "credential",
            "issue",
            "--type",
            "passport",
            "--format",
            "vc-jwt",
            "--subject",
            &subject,
            "--issuer-key",
            &issuer,
        ]);
        let path = dir.write("vc.jwt", &vc.stdout);
        let theirs = node(&["vcjwt-verify", "--jwt", &path, "--issuer-jwk", &issuer_pub]);
        assert_eq!(theirs.code, 0, "{alg}: {}", theirs.stdout);
        assert_eq!(
            json_report(&theirs)["payload"]["credentialSubject"]["document_number"],
            "L898902C3"
        );
        let mut parts: Vec<&str> = vc.stdout.split('.').collect();
        let forged_payload = {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let mut payload: Value =
                serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
            payload["credentialSubject"]["family_name"] = json!("MALLORY");
            b64.encode(payload.to_string())
        };
        parts[1] = &forged_payload;
        let forged = dir.write("forged.jwt", &parts.join("."));
        assert_eq!(
            node(&[
                "vcjwt-verify",
                "--jwt",
                &forged,
                "--issuer-jwk",
                &issuer_pub
            ])
            .code,
            1
        );
    }
}

#[test]
fn their_sd_jwt_vcs_verify_with_sigillum_and_forgeries_get_exact_codes() {
    for alg in ["ES256", "EdDSA"] {
        let dir = Work::new("interop");
        let issuer = dir.write("issuer.jwk", &node(&["keygen", "--alg", alg]).stdout);
        let holder = dir.write("holder.jwk", &node(&["keygen", "--alg", "ES256"]).stdout);
        let issuer_pub = dir.write(
            "issuer.pub.jwk",
            &node(&["pubjwk", "--jwk", &issuer]).stdout,
        );
        let holder_pub = dir.write(
            "holder.pub.jwk",
            &node(&["pubjwk", "--jwk", &holder]).stdout,
        );
        let mut claims = passport_sample();
        claims["exp"] = json!(4_102_444_800_i64); // 2100-01-01
        let claims = dir.write("claims.json", &claims.to_string());
        let frame = dir.write(
            "frame.json",
            &json!({"_sd": ["document_number", "nationality", "family_name", "given_names", "birth_date", "sex",
                             "place_of_birth", "issue_date", "issuing_authority", "portrait_digest"], "_sd_decoy": 2})
            .to_string(),
        );
        let issue = |key: &str| {
            node(&[
                "issue",
                "--issuer-jwk",
                key,
                "--claims",
                &claims,
                "--disclose-frame",
                &frame,
                "--vct",
                "urn:sigillum:vct:passport:1",
                "--iss",
                "https://ministry.example",
                "--holder-jwk",
                &holder_pub,
            ])
            .stdout
        };
        let issued = dir.write("issued.txt", &issue(&issuer));
        let disclose = dir.write(
            "disclose.json",
            &json!({"family_name": true, "birth_date": true}).to_string(),
        );
        let present = |sd: &str, holder_key: &str, name: &str| {
            let out = node(&[
                "present",
                "--sdjwt",
                sd,
                "--disclose",
                &disclose,
                "--holder-jwk",
                holder_key,
                "--nonce",
                NONCE,
                "--aud",
                AUD,
            ]);
            dir.write(name, &out.stdout)
        };
        let p = present(&issued, &holder, "p.txt");
        let verify = |file: &str, key: &str, nonce: &str| {
            sigillum(&[
                "verify",
                file,
                "--issuer-jwk",
                key,
                "--nonce",
                nonce,
                "--aud",
                AUD,
                "--json",
            ])
        };
        let ours = verify(&p, &issuer_pub, NONCE);
        let report = json_report(&ours);
        assert_eq!(ours.code, 0, "{alg}: {report:#}");
        assert_eq!(report["claims"]["family_name"], "ERIKSSON");
        assert!(report["claims"].get("given_names").is_none());
        assert!(
            report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["name"] == "schema" && c["ok"] == true && c.get("skipped").is_none())
        );

        let code_of = |run: Run| {
            assert_eq!(run.code, 1, "{}", run.stdout);
            failure_codes(&json_report(&run))
        };
        assert_eq!(
            code_of(verify(&p, &issuer_pub, "other")),
            ["key_binding_nonce_mismatch"]
        );
        let tampered = dir.write(
            "tampered.txt",
            &tamper_first_disclosure(&std::fs::read_to_string(&p).unwrap()),
        );
        assert_eq!(
            code_of(verify(&tampered, &issuer_pub, NONCE)),
            ["disclosure_digest_mismatch"]
        );
        let thief = dir.write("thief.jwk", &node(&["keygen", "--alg", "ES256"]).stdout);
        let stolen = present(&issued, &thief, "stolen.txt");
        assert_eq!(
            code_of(verify(&stolen, &issuer_pub, NONCE)),
            ["key_binding_signature_invalid"]
        );
        let forger = dir.write("forger.jwk", &node(&["keygen", "--alg", alg]).stdout);
        let forged = present(
            &dir.write("forged-issued.txt", &issue(&forger)),
            &holder,
            "forged.txt",
        );
        assert!(
            code_of(verify(&forged, &issuer_pub, NONCE)).contains(&"signature_invalid".to_owned())
        );
    }
}

#[test]
fn their_vc_jwts_verify_with_sigillum() {
    let dir = Work::new("interop");
    let issuer = dir.write("issuer.jwk", &node(&["keygen", "--alg", "ES256"]).stdout);
    let issuer_pub = dir.write(
        "issuer.pub.jwk",
        &node(&["pubjwk", "--jwk", &issuer]).stdout,
    );
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "PassportCredential"],
        "issuer": "https://ministry.example",
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2099-01-01T00:00:00Z",
        "credentialSubject": passport_sample(),
    });
    let credential = dir.write("credential.json", &credential.to_string());
    let jwt = dir.write(
        "vc.jwt",
        &node(&[
            "vcjwt-sign",
            "--issuer-jwk",
            &issuer,
            "--credential",
            &credential,
        ])
        .stdout,
    );
    let ours = sigillum(&["verify", &jwt, "--issuer-jwk", &issuer_pub, "--json"]);
    assert_eq!(ours.code, 0, "{}", ours.stdout);
    assert_eq!(json_report(&ours)["format"], "vc_jwt");
    let other = dir.write("other.jwk", &node(&["keygen", "--alg", "ES256"]).stdout);
    let other_pub = dir.write("other.pub.jwk", &node(&["pubjwk", "--jwk", &other]).stdout);
    let wrong = sigillum(&["verify", &jwt, "--issuer-jwk", &other_pub, "--json"]);
    assert_eq!(wrong.code, 1);
    assert_eq!(failure_codes(&json_report(&wrong)), ["signature_invalid"]);
}
