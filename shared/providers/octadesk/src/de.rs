//! Liberal reading of Octadesk JSON: field names differ between the two
//! APIs and between accounts, ids come as numbers or strings, lists come
//! bare or wrapped, dates with or without an offset.
//! Public for `ponte-octadesk-io`, whose client reads the same JSON.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

/// A scalar as text: strings trimmed, numbers printed; `None` for empty,
/// null or structured values.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first of `keys` (dot paths allowed) that holds a scalar.
pub fn text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| at(v, k).and_then(scalar))
}

/// The value at a dot path (`comments.internal.content`).
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, part| cur.get(part))
}

/// The first of `keys` holding an object.
pub fn object<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| at(v, k).filter(|o| o.is_object()))
}

/// The first of `keys` holding a date.
pub fn date(v: &Value, keys: &[&str]) -> Option<DateTime<Utc>> {
    keys.iter().find_map(|k| at(v, k).and_then(parse_date))
}

pub fn parse_date(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => parse_date_text(s.trim()),
        // Epoch milliseconds (or seconds, for small numbers).
        Value::Number(n) => {
            let n = n.as_i64()?;
            if n > 100_000_000_000 {
                DateTime::from_timestamp_millis(n)
            } else {
                DateTime::from_timestamp(n, 0)
            }
        }
        _ => None,
    }
}

fn parse_date_text(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(d.and_utc());
        }
    }
    None
}

/// The items of a list answer: a bare array, or one wrapped in `results`,
/// `items`, `data`… A single object is a list of one.
pub fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => {
            for k in [
                "results",
                "items",
                "data",
                "tickets",
                "interactions",
                "persons",
                "contacts",
                "organizations",
                "statuses",
                "rows",
            ] {
                if let Some(inner) = o.get(k)
                    && (inner.is_array() || inner.is_object())
                {
                    return list(inner);
                }
            }
            if o.is_empty() {
                vec![]
            } else {
                vec![v.clone()]
            }
        }
        _ => vec![],
    }
}

/// Tags as a list of names (strings, or objects with `name`).
pub fn tags(v: &Value) -> Vec<String> {
    match v.get("tags") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| scalar(t).or_else(|| text(t, &["name", "tag", "value"])))
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ';'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}

/// Digits only.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_in_every_shape() {
        let want = "2024-01-01T03:00:00Z";
        for v in [
            json!("2024-01-01T03:00:00Z"),
            json!("2024-01-01T00:00:00-0300"),
            json!("2024-01-01T00:00:00.000-03:00"),
            json!("2024-01-01T03:00:00"),
            json!(1_704_078_000_000_i64),
        ] {
            assert_eq!(
                parse_date(&v).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                Some(want.to_string()),
                "{v}"
            );
        }
    }

    #[test]
    fn lists_and_scalars() {
        assert_eq!(list(&json!([1, 2])).len(), 2);
        assert_eq!(list(&json!({"results": [1]})).len(), 1);
        assert_eq!(list(&json!({"number": 5})).len(), 1);
        assert_eq!(list(&json!({})).len(), 0);
        assert_eq!(
            text(&json!({"a": {"b": 7}}), &["x", "a.b"]).as_deref(),
            Some("7")
        );
        assert_eq!(
            tags(&json!({"tags": ["a", {"name": "b"}]})),
            vec!["a".to_string(), "b".to_string()]
        );
    }
}
