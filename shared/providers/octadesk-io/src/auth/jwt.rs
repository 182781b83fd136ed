//! What an access token says about its own life: `exp` (and `iat`) from a
//! JWT's payload, when the token is a JWT that carries them. Octadesk's
//! legacy tokens seen in public code are JWTs — some without `exp`, some of
//! the form `OCTADESK.<jwt>` with a ten-year `exp` — so neither is assumed.
//! The signature is not checked: Ponte only reads when to renew.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The times a token's payload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Claims {
    pub expires_at: Option<DateTime<Utc>>,
    pub issued_at: Option<DateTime<Utc>>,
}

/// The claims of `token`, or `None` when it is not a readable JWT.
pub fn claims(token: &str) -> Option<Claims> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    // `header.payload.signature`, possibly behind a prefix (`OCTADESK.`).
    if parts.len() < 3 {
        return None;
    }
    let payload = parts[parts.len() - 2];
    let bytes = base64url_decode(payload)?;
    let json: Value = serde_json::from_slice(&bytes).ok()?;
    Some(Claims {
        expires_at: seconds(json.get("exp")),
        issued_at: seconds(json.get("iat")).or_else(|| seconds(json.get("nbf"))),
    })
}

fn seconds(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let n = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !n.is_finite() {
        return None;
    }
    DateTime::from_timestamp(n as i64, 0)
}

/// Base64url (or standard base64), with or without padding.
fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'-' | b'+' => Some(62),
            b'_' | b'/' => Some(63),
            _ => None,
        }
    }
    let data = input.trim_end_matches('=').as_bytes();
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in data {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// A JWT with the given payload (unsigned), for tests of the cache and of
/// clients.
#[doc(hidden)]
pub fn unsigned(payload: &Value) -> String {
    fn encode(bytes: &[u8]) -> String {
        const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }
    format!(
        "{}.{}.sig",
        encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        encode(payload.to_string().as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_exp_and_iat_and_round_trips() {
        let t = unsigned(&json!({"exp": 1_900_000_000, "iat": 1_800_000_000, "sub": "ana"}));
        let c = claims(&t).expect("claims");
        assert_eq!(c.expires_at.map(|d| d.timestamp()), Some(1_900_000_000));
        assert_eq!(c.issued_at.map(|d| d.timestamp()), Some(1_800_000_000));
    }

    #[test]
    fn tokens_without_exp_or_not_jwts() {
        let t = unsigned(&json!({"subdomain": "acme", "role": 1}));
        assert_eq!(claims(&t), Some(Claims::default()));
        assert_eq!(claims("opaque-token"), None);
        assert_eq!(claims("a.!!!.c"), None);
    }

    #[test]
    fn a_prefixed_token_and_string_claims() {
        let t = format!(
            "OCTADESK.{}",
            unsigned(&json!({"exp": "1900000000", "nbf": 1_700_000_000}))
        );
        let c = claims(&t).expect("claims");
        assert_eq!(c.expires_at.map(|d| d.timestamp()), Some(1_900_000_000));
        assert_eq!(c.issued_at.map(|d| d.timestamp()), Some(1_700_000_000));
    }

    #[test]
    fn decodes_standard_base64_with_padding() {
        assert_eq!(base64url_decode("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64url_decode("aGk").as_deref(), Some(&b"hi"[..]));
    }
}
