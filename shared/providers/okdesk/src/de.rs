//! Liberal parsing: Okdesk's REST answers carry ids as integers, its
//! webhooks carry them (and every number) as strings; lists may be null.
//! Public for `ponte-okdesk-io`, whose client reads the same shapes.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_id(d)?.ok_or_else(|| serde::de::Error::custom("id is missing or empty"))
}

/// Text that may arrive as a number (phones, extension numbers).
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// `true`/`false`, `"true"`/`"false"`, `1`/`0`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::Number(n)) => n.as_i64().map(|n| n != 0),
        Some(Value::String(s)) => match s.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// An object Okdesk answers either as the root, wrapped under `key`
/// (`{"contact": {...}}`), or as the first item of a list (`[...]`,
/// `{"contacts": [...]}`).
pub fn first_of(value: Value, key: &str, plural: &str) -> Option<Value> {
    match value {
        Value::Array(items) => items.into_iter().next(),
        Value::Object(mut o) => {
            if let Some(inner @ Value::Object(_)) = o.remove(key) {
                return Some(inner);
            }
            if let Some(Value::Array(items)) = o.remove(plural) {
                return items.into_iter().next();
            }
            (!o.is_empty()).then_some(Value::Object(o))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_object_however_it_is_wrapped() {
        let c = json!({"id": 12});
        assert_eq!(first_of(c.clone(), "contact", "contacts"), Some(c.clone()));
        assert_eq!(
            first_of(json!({"contact": c}), "contact", "contacts"),
            Some(c.clone())
        );
        assert_eq!(
            first_of(json!({"contacts": [c, {"id": 9}]}), "contact", "contacts"),
            Some(c.clone())
        );
        assert_eq!(first_of(json!([c]), "contact", "contacts"), Some(c));
        assert_eq!(first_of(json!([]), "contact", "contacts"), None);
        assert_eq!(first_of(json!({}), "contact", "contacts"), None);
    }
}
