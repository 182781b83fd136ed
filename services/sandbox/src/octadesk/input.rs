//! Liberal readers of request bodies and query strings: ids and numbers as strings or numbers, blank
//! strings as absent, unknown fields ignored (the APIs add fields over time, clients echo whole objects).

use serde_json::{Map, Value};

use super::errors::OctaError;

/// Parses a body that must be a JSON object (an empty body reads as `{}`).
pub fn object(bytes: &[u8]) -> Result<Map<String, Value>, OctaError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(OctaError::bad_request(
            "The request body must be a JSON object",
        )),
        Err(e) => Err(OctaError::bad_request(format!(
            "Unexpected token in JSON: {e}"
        ))),
    }
}

/// A non-blank string (numbers are accepted and written out).
pub fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string field that, when present and not null, must be a string.
pub fn opt_string(o: &Map<String, Value>, key: &str) -> Result<Option<String>, OctaError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(OctaError::bad_request(format!(
            "The {key} field must be a string"
        ))),
    }
}

/// An id given as `"key": "id"`, `"key": {"id": "…"}` or `"idKey": "…"`.
pub fn reference(o: &Map<String, Value>, key: &str, id_key: &str) -> Option<String> {
    match o.get(key) {
        Some(Value::Object(inner)) => text(inner.get("id")),
        Some(v @ (Value::String(_) | Value::Number(_))) => text(Some(v)),
        _ => None,
    }
    .or_else(|| text(o.get(id_key)))
}

/// An integer given as a number or a numeric string.
pub fn integer(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The digits of a phone number.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A list of strings (`tags`); a single string is one item.
pub fn string_list(v: &Value, field: &str) -> Result<Vec<String>, OctaError> {
    let bad = || OctaError::bad_request(format!("The {field} field must be an array of strings"));
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Object(o) => text(o.get("name")).ok_or_else(bad),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

/// Decoded query pairs.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of a query parameter (case-insensitive name).
pub fn query_get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
