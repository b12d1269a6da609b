//! The registry as an operator runs it: `sigillum registry init`, `serve` as its own
//! process on a loopback port, operations built with `op` and sent with `submit`, and
//! objects fetched with `get`, which verifies every proof against the genesis keys.
//! The server is killed with SIGKILL and restarted: what was acknowledged is still
//! there and still verifies.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Work, serve};
use serde_json::{Value, json};

fn payload_id(op: &str) -> String {
    use base64::Engine as _;
    let v: Value = serde_json::from_str(op).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(v["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn init_serve_submit_get_and_survive_kill_9() {
    let w = Work::new("registry-cli");
    w.ok(&[
        "registry",
        "init",
        "--dir",
        "registry",
        "--governance",
        "3",
        "--threshold",
        "2",
    ]);
    let (mut server, url) = serve(&w);
    let summary: Value = serde_json::from_str(&w.ok(&[
        "key",
        "generate",
        "--alg",
        "EdDSA",
        "--out",
        "ministry.jwk",
    ]))
    .unwrap();
    let doc = json!({"verificationMethod": [{"id": "#key-1", "type": "JsonWebKey2020", "controller": "", "publicKeyJwk": summary["public_jwk"]}],
                     "assertionMethod": ["#key-1"], "capabilityInvocation": ["#key-1"]});
    w.write("doc.json", &doc.to_string());
    let create = w.save(
        "create.json",
        &[
            "registry",
            "op",
            "--type",
            "did.create",
            "--body",
            "doc.json",
            "--key",
            "ministry.jwk",
            "--kid",
            "#key-1",
        ],
    );
    let did = payload_id(&std::fs::read_to_string(&create).unwrap());
    w.ok(&["registry", "submit", &create, "--url", &url]);
    let grant = json!({"issuer": did, "credential_type": "passport", "valid_from": 0});
    w.write("grant.json", &grant.to_string());
    let acc = format!("accreditation:{did}:passport");
    let one = w.save(
        "g1.json",
        &[
            "registry",
            "op",
            "--type",
            "accreditation.grant",
            "--id",
            &acc,
            "--body",
            "grant.json",
            "--key",
            "registry/governance-0.jwk",
            "--kid",
            "gov-0",
        ],
    );
    let (code, out, _) = w.run(&["registry", "submit", &one, "--url", &url]);
    assert_eq!(code, 1);
    assert!(out.contains("operation_unauthorized"), "{out}");
    let two = w.save(
        "g2.json",
        &[
            "registry",
            "op",
            "--type",
            "accreditation.grant",
            "--id",
            &acc,
            "--body",
            "grant.json",
            "--key",
            "registry/governance-0.jwk",
            "--kid",
            "gov-0",
            "--key",
            "registry/governance-2.jwk",
            "--kid",
            "gov-2",
        ],
    );
    w.ok(&["registry", "submit", &two, "--url", &url]);
    let got: Value =
        serde_json::from_str(&w.ok(&["registry", "get", &acc, "--url", &url])).unwrap();
    assert_eq!(
        (
            got["verified"].clone(),
            got["object"]["credential_type"].clone()
        ),
        (json!(true), json!("passport"))
    );

    // kill -9 and restart: the acknowledged operations are there and verify.
    server.kill_9();
    let (mut server, url) = serve(&w);
    let got: Value =
        serde_json::from_str(&w.ok(&["registry", "get", &did, "--url", &url])).unwrap();
    assert_eq!(got["verified"], true);
    assert_eq!(got["leaf_index"], 0);
    let got: Value =
        serde_json::from_str(&w.ok(&["registry", "get", &acc, "--url", &url])).unwrap();
    assert_eq!(got["leaf_index"], 1);
    // A genesis file with other keys does not accept this node's answers.
    w.ok(&["registry", "init", "--dir", "other"]);
    let (code, out, _) = w.run(&[
        "registry",
        "get",
        &did,
        "--url",
        &url,
        "--genesis",
        "other/genesis.json",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("\"verified\":false") && out.contains("checkpoint_invalid"),
        "{out}"
    );
    server.kill_9();
}

/// A service whose standard error was closed (its supervisor gone, the reader of
/// its pipe exited) loses log lines, never requests: found when a test stopped
/// reading and every request after failed.
#[test]
fn a_closed_standard_error_loses_log_lines_not_requests() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    let w = Work::new("registry-stderr");
    w.ok(&["registry", "init", "--dir", "registry"]);
    let child = Command::new(env!("CARGO_BIN_EXE_sigillum"))
        .args(["registry", "serve", "--listen", "127.0.0.1:0"])
        .current_dir(w.path("."))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = common::Server::new(child);
    let mut line = String::new();
    BufReader::new(server.stderr().unwrap())
        .read_line(&mut line)
        .unwrap();
    // The reader is dropped here: the pipe is closed under the server.
    let addr = line.trim().rsplit_once("http://").unwrap().1.to_owned();
    for _ in 0..3 {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: registry\r\nconnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    }
    server.kill_9();
}

/// Slowloris against the real registry process: a request head never finished is
/// dropped at the header-read timeout (`sigillum_web::serve::LIMITS`, 10 s), and
/// the node answers an honest client meanwhile.
#[test]
fn the_registry_drops_a_request_head_that_never_ends() {
    use std::io::{Read, Write};
    let w = Work::new("registry-slowloris");
    w.ok(&["registry", "init", "--dir", "registry"]);
    let (mut server, url) = serve(&w);
    let addr = url.trim_start_matches("http://").to_owned();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: regi")
        .unwrap();
    let mut honest = std::net::TcpStream::connect(&addr).unwrap();
    honest
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: registry\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    honest.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    // Well past the 10 s timeout, the server has closed it: EOF, no response.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(40)))
        .unwrap();
    let mut rest = Vec::new();
    match slow.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest)),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the registry still held a slowloris connection after 40 s: {e}"),
    }
    server.kill_9();
}
