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

/// Why no side matched.
pub(crate) enum Refusal {
    /// Nothing that could be a secret was presented.
    Missing,
    /// Something was presented and matched no side.
    Mismatch,
}

/// The side whose provider is `provider` and whose secret the request
/// presents: the standard ways, or the header the side names (its value
/// with or without a `Key`/`Bearer` scheme). The side's previous secret
/// counts too until its overlap ends. Every candidate is compared, in
/// constant time, whatever matched first.
pub(crate) fn side_for(
    integration: &Integration,
    provider: Provider,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Side, Refusal> {
    let standard = presented(headers, query);
    let mut any = standard.is_some();
    let mut found = None;
    for side in [Side::Source, Side::Target] {
        let endpoint = integration.endpoint(side);
        if endpoint.provider != provider {
            continue;
        }
        let mut values: Vec<String> = standard.iter().cloned().collect();
        if let Some(name) = &endpoint.inbound_header
            && let Some(raw) = headers.get(name.as_str()).and_then(|v| v.to_str().ok())
        {
            any = true;
            let raw = raw.trim();
            values.push(raw.to_string());
            for scheme in ["Key ", "Bearer ", "key ", "bearer "] {
                if let Some(rest) = raw.strip_prefix(scheme) {
                    values.push(rest.trim().to_string());
                }
            }
        }
        let now = chrono::Utc::now();
        let mut matched = false;
        for v in &values {
            matched |= endpoint.accepts_inbound(v, now);
        }
        if matched && found.is_none() {
            found = Some(side);
        }
    }
    match (found, any) {
        (Some(side), _) => Ok(side),
        (None, false) => Err(Refusal::Missing),
        (None, true) => Err(Refusal::Mismatch),
    }
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
