//! The API's base URL, checked before anything is sent: http(s) with a host, no credentials
//! inside (they would be printed wherever the URL is), and a warning when the token would cross
//! a network in clear text.

use crate::ApiError;
use url::{Host, Url};

/// The URL as it may be shown: anything before an `@` in the authority replaced by `***`.
pub fn redacted(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else { return raw.to_string() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => raw.to_string(),
    }
}

fn loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

pub(crate) fn checked(raw: &str, with_token: bool) -> Result<Url, ApiError> {
    let bad = |reason: &str| ApiError::BadUrl { url: redacted(raw), reason: reason.to_string() };
    let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "it carries credentials (user:password@); give the token with --token or STRAPI_TOKEN instead",
        ));
    }
    let Some(host) = url.host().filter(|_| matches!(url.scheme(), "http" | "https")) else {
        return Err(bad("expected http://host[:port] or https://host[:port]"));
    };
    if with_token && url.scheme() == "http" && !loopback(&host) {
        tracing::warn!(
            host = %host,
            "the API token is sent over plain http:// to another machine, readable on the way: use https://"
        );
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_refused_and_never_shown() {
        let err = checked("http://user:s3cr3t@cms.example:1337", false).unwrap_err().to_string();
        assert!(err.contains("credentials") && err.contains("http://***@cms.example:1337"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = checked("http://tok3n@[bad", false).unwrap_err().to_string();
        assert!(!err.contains("tok3n"), "{err}");
        assert_eq!(redacted("https://a:b@h/x@y"), "https://***@h/x@y");
        assert_eq!(redacted("http://h:1/p"), "http://h:1/p");
    }

    #[test]
    fn loopback_hosts() {
        for ok in ["http://127.0.0.1:1337", "http://localhost", "http://[::1]:8080", "http://api.localhost"] {
            assert!(loopback(&checked(ok, false).unwrap().host().unwrap()), "{ok}");
        }
        assert!(!loopback(&checked("http://10.0.0.5", false).unwrap().host().unwrap()));
        assert!(checked("ftp://h", false).is_err());
    }
}
