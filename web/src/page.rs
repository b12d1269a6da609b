//! The response side every page service shares: the security headers, HTML and
//! redirect responses, a boxed notice, times and links written for people, the
//! request's origin (for CSRF checks) and a cookie's value.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigillum_credential::time::Timestamp;

use crate::html::Html;

/// The Content-Security-Policy of every page: inline style, `data:` images, forms
/// posted only here, never framed; no script, font, frame or fetch from anywhere.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                       form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to a page response (redirects and errors included):
/// [`CSP`], `nosniff`, no framing, `same-origin` referrers and `no-store`.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not no-referrer: with it, browsers send `Origin: null` on form posts, and the
    // origin check would refuse the site's own forms.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages hold PINs and personal data: never cached.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An HTML response.
#[must_use]
pub fn page(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// `303 See Other` to `location` (a path of ours).
#[must_use]
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A boxed message: `ok` or an error, with its code when there is one.
pub fn notice(h: &mut Html, ok: bool, code: &str, sentence: &str) {
    h.tag("div")
        .attr("class", if ok { "notice ok" } else { "notice error" })
        .attr("role", if ok { "status" } else { "alert" })
        .body(|h| {
            h.tag("p").body(|h| {
                if !code.is_empty() {
                    h.tag("code").text(code);
                    h.text(" ");
                }
                h.text(sentence);
            });
        });
}

/// RFC 3986 §2.1 percent-encoding of everything but the unreserved characters, for a
/// path segment or a query value.
#[must_use]
pub fn percent_encode(text: &str) -> String {
    const HEX: [u8; 16] = *b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

/// Unix seconds as `2026-05-01 14:03 UTC`.
#[must_use]
pub fn when(unix: i64) -> String {
    let text = Timestamp::from_unix(unix).to_rfc3339();
    match (text.get(..10), text.get(11..16)) {
        (Some(day), Some(time)) if text.len() >= 20 => format!("{day} {time} UTC"),
        _ => text,
    }
}

/// `scheme://host[:port]` in lower case without a default port (RFC 6454 §6.1), from
/// a URL or an `Origin` header; `None` for `null` or anything without a host.
#[must_use]
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let authority = authority
        .rsplit_once('@')
        .map_or(authority.as_str(), |(_, a)| a);
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host,
        _ => authority,
    };
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

/// Whether a request's headers say it came from `ours` (an origin, see
/// [`origin_of`]): no `Origin` header (not a browser, or an old one; a SameSite
/// cookie still holds) or exactly ours, and not marked `Sec-Fetch-Site:
/// cross-site`/`same-site` (Fetch Metadata).
#[must_use]
pub fn same_origin(headers: &HeaderMap, ours: Option<&str>) -> bool {
    let origin_ok = match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => origin
            .to_str()
            .ok()
            .and_then(origin_of)
            .is_some_and(|theirs| Some(theirs.as_str()) == ours),
    };
    let fetch_ok = headers
        .get("sec-fetch-site")
        .is_none_or(|site| !matches!(site.as_bytes(), b"cross-site" | b"same-site"));
    origin_ok && fetch_ok
}

/// The value of cookie `name` (RFC 6265 §5.4 `Cookie` header), if present, not
/// empty and at most `max_len` bytes.
#[must_use]
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str, max_len: usize) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty() && value.len() <= max_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("case-1_a.b~"), "case-1_a.b~");
        assert_eq!(percent_encode("a b&c=<é>/"), "a%20b%26c%3D%3C%C3%A9%3E%2F");
    }

    #[test]
    fn times_read_as_utc_minutes() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_777_000_000), "2026-04-24 03:06 UTC");
    }

    #[test]
    fn origins_are_compared_in_their_serialized_form() {
        let ours = origin_of("http://127.0.0.1:7401");
        assert_eq!(ours.as_deref(), Some("http://127.0.0.1:7401"));
        assert_eq!(
            origin_of("HTTPS://Issuer.Example:443/base/"),
            origin_of("https://issuer.example")
        );
        assert_eq!(
            origin_of("http://a.example:80"),
            origin_of("http://a.example")
        );
        assert_ne!(
            origin_of("https://a.example:8443"),
            origin_of("https://a.example")
        );
        assert_ne!(
            origin_of("http://a.example"),
            origin_of("https://a.example")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("http://"), None);
    }

    #[test]
    fn a_cross_site_post_is_not_same_origin() {
        let mut headers = HeaderMap::new();
        assert!(same_origin(&headers, Some("http://127.0.0.1:1")));
        headers.insert(header::ORIGIN, HeaderValue::from_static("http://evil.test"));
        assert!(!same_origin(&headers, Some("http://127.0.0.1:1")));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:1"),
        );
        assert!(same_origin(&headers, Some("http://127.0.0.1:1")));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&headers, Some("http://127.0.0.1:1")));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sid=\"xyz\"; b=2"),
        );
        assert_eq!(cookie(&headers, "sid", 10), Some("xyz"));
        assert_eq!(cookie(&headers, "sid", 2), None);
        assert_eq!(cookie(&headers, "none", 10), None);
    }
}
