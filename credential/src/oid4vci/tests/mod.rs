//! Tests for the OpenID4VCI module: the 1.0 spec's examples (OpenID Foundation,
//! see `shared/vectors/openid4vc/SOURCES.md`), round trips, and every refusal.
#![allow(clippy::indexing_slicing, clippy::panic)]

mod credential;
mod metadata;
mod offer;
mod proof;
mod token;

use serde_json::Value;

/// A file from the OpenID4VCI 1.0 vectors, e.g. `examples/credential_offer_pre-authz_code.json`.
fn vector(path: &str) -> String {
    let full = format!(
        "{}/../../shared/vectors/openid4vc/openid4vci-1.0/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The body of an HTTP example (start line, headers, a blank line, the body), or the
/// whole text when it is not an HTTP message.
fn http_body(text: &str) -> &str {
    let trimmed = text.trim_start();
    if !["HTTP/", "POST ", "GET "]
        .iter()
        .any(|p| trimmed.starts_with(p))
    {
        return trimmed.trim_end();
    }
    let mut offset = text.len() - trimmed.len();
    for line in trimmed.split_inclusive('\n') {
        offset += line.len();
        if line.trim().is_empty() {
            return text[offset..].trim();
        }
    }
    ""
}

/// Undoes the spec's "line breaks within values for display purposes only": a line
/// break and the indentation after it are removed inside JSON strings.
fn unwrap_json_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped, mut skipping) = (false, false, false);
    for c in text.chars() {
        if skipping && c.is_whitespace() {
            continue;
        }
        skipping = false;
        match c {
            '\n' if in_string => skipping = true,
            '"' if !escaped => {
                in_string = !in_string;
                out.push(c);
            }
            _ => out.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

/// Joins a wrapped link or form body: each line trimmed, then concatenated.
fn join_lines(text: &str) -> String {
    text.lines().map(str::trim).collect()
}

/// Parses JSON text for comparisons in tests.
fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn unwrap_json_strings_joins_only_inside_strings() {
    assert_eq!(
        unwrap_json_strings("{\n  \"a\": \"xy\n     z\",\n  \"b\": 1\n}"),
        "{\n  \"a\": \"xyz\",\n  \"b\": 1\n}"
    );
}
