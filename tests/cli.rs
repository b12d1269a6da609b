//! The `sigillum` toolkit as a person uses it: every credential type in both formats,
//! presenting, verifying (text, QR text, QR image), status lists in both forms, and
//! the exit codes (0 valid, 1 invalid, 2 usage or input error).

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::Work;

use serde_json::Value;

const NOW: &str = "1800000000";
const NONCE: &str = "n-77";
const AUD: &str = "https://bank.example";

fn spec(kind: &str) -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("specs/credential-types/{kind}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn keys(w: &Work) -> (String, String, String) {
    let issuer = w.path("issuer.jwk");
    w.ok(&["key", "generate", "--alg", "ES256", "--out", &issuer]);
    let holder = w.path("holder.jwk");
    let summary: Value =
        serde_json::from_str(&w.ok(&["key", "generate", "--alg", "EdDSA", "--out", &holder]))
            .unwrap();
    assert!(
        summary["did_key"]
            .as_str()
            .unwrap()
            .starts_with("did:key:z6Mk")
    );
    assert!(summary["did_jwk"].as_str().unwrap().starts_with("did:jwk:"));
    let holder_pub = w.write("holder.pub.jwk", &summary["public_jwk"].to_string());
    (issuer, holder, holder_pub)
}

fn report(w: &Work, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let (code, out, err) = w.run(&all);
    assert!(
        code == 0 || code == 1,
        "verify {args:?} exited {code}: {err}"
    );
    (code, serde_json::from_str(&out).unwrap())
}

fn codes(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn every_type_issues_presents_and_verifies_in_both_formats() {
    let w = Work::new("types");
    let (issuer, holder, holder_pub) = keys(&w);
    for (kind, disclose) in [
        ("passport", "family_name,birth_date"),
        ("residence_permit", "family_name,valid_until"),
        ("business_license", "registration_number,representatives"),
    ] {
        let spec = spec(kind);
        for (i, sample) in spec["samples"].as_array().unwrap().iter().enumerate() {
            let subject = w.write(&format!("{kind}-{i}.json"), &sample.to_string());
            let sd = w.save(
                &format!("{kind}-{i}.sdjwt"),
                &[
                    "credential",
                    "issue",
                    "--type",
                    kind,
                    "--subject",
                    &subject,
                    "--issuer-key",
                    &issuer,
                    "--holder-jwk",
                    &holder_pub,
                    "--now",
                    NOW,
                ],
            );
            let shown = w.save(
                &format!("{kind}-{i}.shown"),
                &[
                    "credential",
                    "present",
                    &sd,
                    "--holder-key",
                    &holder,
                    "--disclose",
                    disclose,
                    "--nonce",
                    NONCE,
                    "--aud",
                    AUD,
                    "--now",
                    NOW,
                ],
            );
            let (code, r) = report(
                &w,
                &[
                    "verify", &shown, "--nonce", NONCE, "--aud", AUD, "--now", NOW,
                ],
            );
            assert_eq!(code, 0, "{kind} sd-jwt: {r:#}");
            assert_eq!(r["credential_type"], spec["vct"]);
            for claim in disclose.split(',') {
                assert_eq!(r["claims"][claim], sample[claim], "{kind}: {claim}");
            }
            let vc = w.save(
                &format!("{kind}-{i}.vcjwt"),
                &[
                    "credential",
                    "issue",
                    "--type",
                    kind,
                    "--format",
                    "vc-jwt",
                    "--subject",
                    &subject,
                    "--issuer-key",
                    &issuer,
                    "--now",
                    NOW,
                ],
            );
            let (code, r) = report(&w, &["verify", &vc, "--now", NOW]);
            assert_eq!(code, 0, "{kind} vc-jwt: {r:#}");
            assert_eq!(r["format"], "vc_jwt");
        }
    }
}

#[test]
fn status_lists_in_both_forms_revoke_and_suspend() {
    let w = Work::new("status");
    let (issuer, holder, holder_pub) = keys(&w);
    let subject = w.write(
        "subject.json",
        &spec("residence_permit")["samples"][0].to_string(),
    );
    let uri = "https://registry.example/v1/status-lists/3";
    // SD-JWT VC with a Token Status List.
    let sd = w.save(
        "permit.sdjwt",
        &[
            "credential",
            "issue",
            "--type",
            "residence_permit",
            "--subject",
            &subject,
            "--issuer-key",
            &issuer,
            "--holder-jwk",
            &holder_pub,
            "--status-uri",
            uri,
            "--status-index",
            "90210",
            "--now",
            NOW,
        ],
    );
    let shown = w.save(
        "shown",
        &[
            "credential",
            "present",
            &sd,
            "--holder-key",
            &holder,
            "--disclose",
            "valid_until",
            "--nonce",
            NONCE,
            "--aud",
            AUD,
            "--now",
            NOW,
        ],
    );
    let list = w.save(
        "list.jwt",
        &[
            "status-list",
            "build",
            "--uri",
            uri,
            "--issuer-key",
            &issuer,
            "--now",
            NOW,
        ],
    );
    let verify = |list: &str| {
        report(
            &w,
            &[
                "verify",
                &shown,
                "--nonce",
                NONCE,
                "--aud",
                AUD,
                "--now",
                NOW,
                "--status-list",
                list,
            ],
        )
    };
    assert_eq!(verify(&list).0, 0);
    let suspended = w.save(
        "suspended.jwt",
        &[
            "status-list",
            "set",
            &list,
            "--index",
            "90210",
            "--value",
            "2",
            "--issuer-key",
            &issuer,
            "--now",
            NOW,
        ],
    );
    assert_eq!(codes(&verify(&suspended).1), ["credential_suspended"]);
    let reinstated = w.save(
        "reinstated.jwt",
        &[
            "status-list",
            "set",
            &suspended,
            "--index",
            "90210",
            "--value",
            "0",
            "--issuer-key",
            &issuer,
            "--now",
            NOW,
        ],
    );
    assert_eq!(verify(&reinstated).0, 0);
    let revoked = w.save(
        "revoked.jwt",
        &[
            "status-list",
            "set",
            &list,
            "--index",
            "90210",
            "--value",
            "1",
            "--issuer-key",
            &issuer,
            "--now",
            NOW,
        ],
    );
    assert_eq!(codes(&verify(&revoked).1), ["credential_revoked"]);
    let got: Value =
        serde_json::from_str(&w.ok(&["status-list", "get", &revoked, "--index", "90210"])).unwrap();
    assert_eq!(got["value"], 1);
    assert_eq!(got["signature_verified"], true);
    // A list signed by someone else is refused, not read.
    let other = w.path("other.jwk");
    w.ok(&["key", "generate", "--out", &other]);
    let forged = w.save(
        "forged.jwt",
        &[
            "status-list",
            "build",
            "--uri",
            uri,
            "--issuer-key",
            &other,
            "--now",
            NOW,
        ],
    );
    assert_eq!(codes(&verify(&forged).1), ["status_list_invalid"]);
    // An expired list is stale.
    let old = w.save(
        "old.jwt",
        &[
            "status-list",
            "build",
            "--uri",
            uri,
            "--issuer-key",
            &issuer,
            "--now",
            "1799000000",
            "--valid-hours",
            "1",
        ],
    );
    assert_eq!(codes(&verify(&old).1), ["status_list_stale"]);

    // VC-JWT with a Bitstring Status List.
    let vc = w.save(
        "permit.vcjwt",
        &[
            "credential",
            "issue",
            "--type",
            "residence_permit",
            "--format",
            "vc-jwt",
            "--subject",
            &subject,
            "--issuer-key",
            &issuer,
            "--status-uri",
            uri,
            "--status-index",
            "77",
            "--now",
            NOW,
        ],
    );
    let bits = w.save(
        "bits.jwt",
        &[
            "status-list",
            "build",
            "--format",
            "bitstring",
            "--uri",
            uri,
            "--issuer-key",
            &issuer,
            "--now",
            NOW,
        ],
    );
    assert_eq!(
        report(&w, &["verify", &vc, "--now", NOW, "--status-list", &bits]).0,
        0
    );
    let bits_revoked = w.save(
        "bits-revoked.jwt",
        &[
            "status-list",
            "set",
            &bits,
            "--index",
            "77",
            "--value",
            "1",
            "--issuer-key",
            &issuer,
            "--now",
            NOW,
        ],
    );
    assert_eq!(
        codes(
            &report(
                &w,
                &["verify", &vc, "--now", NOW, "--status-list", &bits_revoked]
            )
            .1
        ),
        ["credential_revoked"]
    );
}

#[test]
fn presentations_verify_from_qr_text_and_qr_images() {
    let w = Work::new("qr");
    let (issuer, holder, holder_pub) = keys(&w);
    let subject = w.write("subject.json", &spec("passport")["samples"][1].to_string());
    let sd = w.save(
        "p.sdjwt",
        &[
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
            "--now",
            NOW,
        ],
    );
    let shown = w.save(
        "shown",
        &[
            "credential",
            "present",
            &sd,
            "--holder-key",
            &holder,
            "--disclose",
            "family_name,given_names,nationality,birth_date,document_number",
            "--nonce",
            NONCE,
            "--aud",
            AUD,
            "--now",
            NOW,
        ],
    );
    let png = w.path("shown.png");
    let qr_text = w.save("shown.qr", &["qr", "encode", &shown, "--png", &png]);
    assert!(
        std::fs::read_to_string(&qr_text)
            .unwrap()
            .starts_with("SG2P:")
    );
    for input in [&shown, &qr_text, &png] {
        let (code, r) = report(
            &w,
            &[
                "verify", input, "--nonce", NONCE, "--aud", AUD, "--now", NOW,
            ],
        );
        assert_eq!(code, 0, "{input}: {r:#}");
        assert_eq!(
            r["claims"]["document_number"],
            spec("passport")["samples"][1]["document_number"]
        );
    }
    assert_eq!(
        w.ok(&["qr", "decode", &png]),
        std::fs::read_to_string(&shown).unwrap()
    );
    // Garbage QR text and a PNG without a QR code are input errors (exit 2) with the code named.
    let bad = w.write("bad.qr", "SG1P:!!!");
    let (code, _, err) = w.run(&["verify", &bad]);
    assert_eq!(
        (code, err.contains("qr_base45_invalid")),
        (2, true),
        "{err}"
    );
    let wrong_prefix = w.write("wrong.qr", "HC1:6BFOXN");
    let (code, _, err) = w.run(&["qr", "decode", &wrong_prefix]);
    assert_eq!(
        (code, err.contains("qr_prefix_unknown")),
        (2, true),
        "{err}"
    );
}

#[test]
fn bad_input_gets_a_clear_message_and_exit_code_2() {
    let w = Work::new("errors");
    let (issuer, _, _) = keys(&w);
    let subject = w.write(
        "subject.json",
        r#"{"family_name": 7, "eye_colour": "green"}"#,
    );
    let (code, _, err) = w.run(&[
        "credential",
        "issue",
        "--type",
        "passport",
        "--subject",
        &subject,
        "--issuer-key",
        &issuer,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/family_name") && err.contains("/eye_colour") && err.contains("/birth_date"),
        "{err}"
    );
    let (code, _, err) = w.run(&[
        "credential",
        "issue",
        "--type",
        "driving_licence",
        "--subject",
        &subject,
        "--issuer-key",
        &issuer,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("known types:")
            && ["passport", "residence_permit", "business_license"]
                .iter()
                .all(|t| err.contains(t)),
        "{err}"
    );
    let (code, _, err) = w.run(&["verify", "does-not-exist.txt"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot open does-not-exist.txt"), "{err}");
    let valid = w.write("valid.json", &spec("passport")["samples"][0].to_string());
    let public = w.write("pub.jwk", r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#);
    let (code, _, err) = w.run(&[
        "credential",
        "issue",
        "--type",
        "passport",
        "--subject",
        &valid,
        "--issuer-key",
        &public,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("expected a private JWK"), "{err}");
    let (code, out, _) = w.run(&["verify", &w.write("junk.txt", "not a credential")]);
    assert_eq!(code, 1);
    assert!(
        out.contains("INVALID") && out.contains("jws_malformed"),
        "{out}"
    );
}
