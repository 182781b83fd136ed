//! Which side of an integration a webhook comes from, told by the secret it
//! presents: `Authorization: Bearer`, `X-Ponte-Token`, or `?token=` (for
//! providers that can only put it in the URL).

use axum::http::HeaderMap;
use ponte_core::{Integration, Provider, Side};

pub(crate) fn presented(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(v) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(token) = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    {
        return Some(token.trim().to_string());
    }
    if let Some(v) = headers.get("x-ponte-token").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| percent_decode(v))
}

/// The side whose provider is `provider` and whose secret matches. Every
/// candidate is compared, in constant time, whatever matched first.
pub(crate) fn side_for(
    integration: &Integration,
    provider: Provider,
    secret: &str,
) -> Option<Side> {
    let mut found = None;
    for side in [Side::Source, Side::Target] {
        let endpoint = integration.endpoint(side);
        let matches = endpoint.inbound_secret.matches(secret);
        if endpoint.provider == provider && matches && found.is_none() {
            found = Some(side);
        }
    }
    found
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn three_ways_to_present_the_secret() {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("Bearer abc"));
        assert_eq!(presented(&h, None).as_deref(), Some("abc"));
        let mut h = HeaderMap::new();
        h.insert("x-ponte-token", HeaderValue::from_static("def"));
        assert_eq!(presented(&h, None).as_deref(), Some("def"));
        assert_eq!(
            presented(&HeaderMap::new(), Some("a=1&token=g%2Fh")).as_deref(),
            Some("g/h")
        );
        assert_eq!(presented(&HeaderMap::new(), Some("a=1")), None);
    }
}
