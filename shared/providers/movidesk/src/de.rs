//! Liberal parsing: Movidesk sends ids as strings in GET and numbers in
//! webhooks, lists as null, and dates without an offset.
//! Public for `ponte-movidesk-io`, whose client reads the same shapes.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_id(d)?.ok_or_else(|| serde::de::Error::custom("id is missing or empty"))
}

pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

pub fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An optional object, left out (not an error) when Movidesk sends
/// something of another shape: one odd field must not hide the ticket.
pub fn opt_object<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?
        .filter(Value::is_object)
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// `2025-12-04T00:21:12.5903668` (UTC without offset), or RFC 3339.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_organization_of_another_shape_is_left_out() {
        use crate::model::PersonRef;
        let read = |v: Value| serde_json::from_value::<PersonRef>(v).expect("person");
        let p = read(
            serde_json::json!({"id": "ana", "organization": {"id": "acme", "businessName": "ACME"}}),
        );
        let org = p.organization.expect("organization");
        assert_eq!(org.business_name.as_deref(), Some("ACME"));
        for odd in [
            serde_json::json!("acme"),
            serde_json::json!(null),
            serde_json::json!([1]),
        ] {
            let p = read(serde_json::json!({"id": "ana", "organization": odd}));
            assert!(p.organization.is_none());
        }
    }

    #[test]
    fn movidesk_dates_parse() {
        let d = parse_date("2025-12-04T00:21:12.5903668").expect("parses");
        assert_eq!(d.to_rfc3339(), "2025-12-04T00:21:12.590366800+00:00");
        assert!(parse_date("2016-08-24T00:00:00").is_some());
        assert!(parse_date("yesterday").is_none());
    }
}
