//! The URL rules OpenID4VCI places on identifiers and endpoints, checked without a
//! general URL parser: we only need to know that a URL is `https`, has a plain host,
//! and (for a Credential Issuer Identifier) no query or fragment.
//!
//! Loopback exception: `http://localhost`, `http://127.0.0.1` and `http://[::1]`
//! (any port) are accepted in place of `https`, so our end-to-end tests can run an
//! issuer on `127.0.0.1:0` without certificates. Such a URL can only reach the
//! device it is used on, so the exception gives a remote attacker nothing.

/// Longest URL accepted anywhere in these messages.
pub const MAX_URL_LEN: usize = 2048;

/// Why a URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not `https` (and not a loopback `http` URL).
    #[error("the scheme is not https (http is accepted only for a loopback host)")]
    NotHttps,
    /// The authority has no host.
    #[error("the URL has no host")]
    NoHost,
    /// The host has characters no host name or IP literal has.
    #[error("the host is not a DNS name or IP literal")]
    BadHost,
    /// `user:password@` in the authority.
    #[error("user information (\"user@\") is not allowed")]
    UserInfo,
    /// The port is empty, not a number, 0, or over 65535.
    #[error("the port is not a number from 1 to 65535")]
    BadPort,
    /// A query where none is allowed (a Credential Issuer Identifier, §12.2.1).
    #[error("a query component is not allowed here")]
    Query,
    /// A fragment (never allowed).
    #[error("a fragment component is not allowed")]
    Fragment,
    /// Whitespace, control or non-ASCII characters.
    #[error("whitespace, control or non-ASCII characters")]
    BadCharacter,
    /// Longer than [`MAX_URL_LEN`].
    #[error("longer than {MAX_URL_LEN} bytes")]
    TooLong,
}

/// A Credential Issuer Identifier (§12.2.1): "a case sensitive URL using the `https`
/// scheme that contains scheme, host and, optionally, port number and path
/// components, but no query or fragment components". Also used for Authorization
/// Server issuer identifiers (RFC 8414 §2, the same rule).
pub(crate) fn check_identifier(url: &str) -> Result<(), UrlError> {
    check(url, false)
}

/// An endpoint URL (§12.2.4: "MUST use the `https` scheme and MAY contain port,
/// path, and query parameter components") or a `credential_offer_uri` (§4.1).
pub(crate) fn check_endpoint(url: &str) -> Result<(), UrlError> {
    check(url, true)
}

/// The scheme-and-authority part and the path (without query) of a checked URL.
pub(crate) fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url
        .get(after_scheme..)
        .and_then(|rest| rest.find(['/', '?', '#']))
        .map_or(url.len(), |i| i + after_scheme);
    let path_end = url.find(['?', '#']).unwrap_or(url.len()).max(path_start);
    (
        url.get(..path_start).unwrap_or(url),
        url.get(path_start..path_end).unwrap_or_default(),
    )
}

fn check(url: &str, allow_query: bool) -> Result<(), UrlError> {
    if url.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(UrlError::BadCharacter);
    }
    // Lower-case schemes only: the identifier is compared as a string (§12.2.4).
    let (secure, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return Err(UrlError::NotHttps),
    };
    if rest.contains('#') {
        return Err(UrlError::Fragment);
    }
    if rest.contains('?') && !allow_query {
        return Err(UrlError::Query);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    let host = check_authority(authority)?;
    if !secure && !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        return Err(UrlError::NotHttps);
    }
    Ok(())
}

/// Checks `host[:port]` and returns the host (an IPv6 literal keeps its brackets).
fn check_authority(authority: &str) -> Result<&str, UrlError> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']').ok_or(UrlError::BadHost)? + 1;
        let (host, after) = authority.split_at_checked(end).ok_or(UrlError::BadHost)?;
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if literal.is_empty()
            || !literal
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(UrlError::BadHost);
        }
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(after.strip_prefix(':').ok_or(UrlError::BadPort)?),
            ),
        }
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(UrlError::BadHost);
        }
        (host, port)
    };
    match port.map(str::parse::<u16>) {
        None | Some(Ok(1..)) => Ok(host),
        Some(_) => Err(UrlError::BadPort),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_https_without_query_or_fragment() {
        for ok in [
            "https://credential-issuer.example.com",
            "https://issuer.example.com:8443/tenant",
            "http://127.0.0.1:39123",
            "http://localhost/tenant",
            "http://[::1]:8080",
            "https://[2001:db8::1]",
        ] {
            assert_eq!(check_identifier(ok), Ok(()), "{ok}");
        }
        let refused = [
            ("http://issuer.example.com", UrlError::NotHttps),
            ("HTTPS://issuer.example.com", UrlError::NotHttps),
            ("ftp://issuer.example.com", UrlError::NotHttps),
            ("http://127.0.0.1.example.com", UrlError::NotHttps),
            ("https://issuer.example.com?tenant=1", UrlError::Query),
            ("https://issuer.example.com#x", UrlError::Fragment),
            ("https://user@issuer.example.com", UrlError::UserInfo),
            ("https://", UrlError::NoHost),
            ("https:///path", UrlError::NoHost),
            ("https://iss_uer.example.com", UrlError::BadHost),
            ("https://[::1", UrlError::BadHost),
            ("https://issuer.example.com:", UrlError::BadPort),
            ("https://issuer.example.com:0", UrlError::BadPort),
            ("https://issuer.example.com:70000", UrlError::BadPort),
            ("https://[::1]x", UrlError::BadPort),
            ("https://issuer.example.com/a b", UrlError::BadCharacter),
            ("https://issuér.example.com", UrlError::BadCharacter),
        ];
        for (url, error) in refused {
            assert_eq!(check_identifier(url), Err(error), "{url}");
        }
        let long = format!("https://a.example/{}", "p".repeat(MAX_URL_LEN));
        assert_eq!(check_identifier(&long), Err(UrlError::TooLong));
    }

    #[test]
    fn endpoints_may_have_a_query() {
        assert_eq!(
            check_endpoint("https://issuer.example.com/credential?v=1"),
            Ok(())
        );
        assert_eq!(
            check_endpoint("https://issuer.example.com/credential#f"),
            Err(UrlError::Fragment)
        );
    }

    #[test]
    fn split_origin_separates_authority_and_path() {
        assert_eq!(
            split_origin("https://issuer.example.com/tenant/a"),
            ("https://issuer.example.com", "/tenant/a")
        );
        assert_eq!(
            split_origin("https://issuer.example.com"),
            ("https://issuer.example.com", "")
        );
        assert_eq!(
            split_origin("http://127.0.0.1:80/x?y"),
            ("http://127.0.0.1:80", "/x")
        );
    }
}
