//! Liberal readers for write bodies: keys matched without regard to case (`createdBy` or `CreatedBy`),
//! ids as numbers or strings, numbers as numeric strings. Unknown keys are ignored by the callers.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::common::time;

/// A field by name: exact match first, then case-insensitive. `Some(Value::Null)` when sent as null.
pub fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// A field that is present and not null.
pub fn present<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    field(obj, name).filter(|v| !v.is_null())
}

/// An id written as a string or a number; empty strings are no id.
pub fn as_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id of a person reference: `{"id": …}` or a bare id.
pub fn ref_id(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => present(o, "id").and_then(as_id),
        other => as_id(other),
    }
}

/// An integer written as a number or a numeric string.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A string; numbers and booleans are turned into their text.
pub fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A boolean, also from `"true"`/`"false"`.
pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// A date in any of the shapes Movidesk clients send.
pub fn as_date(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(time::parse_liberal)
}

/// Reads an optional text field: `Ok(None)` when absent, `Ok(Some(None))` when null.
pub fn opt_text(obj: &Map<String, Value>, name: &str) -> Result<Option<Option<String>>, String> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => as_text(v)
            .map(|s| Some(Some(s)))
            .ok_or_else(|| format!("{name} must be a string")),
    }
}

/// Reads an optional date field: `Ok(None)` when absent, `Ok(Some(None))` when null.
pub fn opt_date(
    obj: &Map<String, Value>,
    name: &str,
) -> Result<Option<Option<DateTime<Utc>>>, String> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => as_date(v)
            .map(|d| Some(Some(d)))
            .ok_or_else(|| format!("{name} is not a valid date: {v}")),
    }
}

/// A list of strings (`tags`, `teams`); `null` is an empty list.
pub fn string_list(v: &Value, name: &str) -> Result<Vec<String>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| as_text(i).ok_or_else(|| format!("{name} must be a list of strings")))
            .collect(),
        _ => Err(format!("{name} must be a list of strings")),
    }
}

/// Rewrites every key of a JSON tree to camelCase (first letter lowercase), so `Email` reads as `email`.
pub fn camelize_keys(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (camel(k), camelize_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(camelize_keys).collect()),
        other => other.clone(),
    }
}

fn camel(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The plain text of an HTML fragment, as Movidesk returns in `description` while the HTML written goes
/// to `htmlDescription`: tags removed, block ends and `<br>` become new lines, common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            out.push_str(after);
            rest = "";
            break;
        };
        let tag = after[1..end].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let is_close = tag.starts_with('/');
        if name == "br"
            || (is_close && matches!(name, "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3"))
        {
            out.push('\n');
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.trim().to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_liberally() {
        let o = json!({"CreatedBy": {"Id": 42}, "type": "2"});
        let o = o.as_object().unwrap();
        assert_eq!(
            present(o, "createdBy").and_then(ref_id).as_deref(),
            Some("42")
        );
        let by = camelize_keys(present(o, "createdBy").unwrap());
        assert_eq!(by, json!({"id": 42}));
        assert_eq!(present(o, "type").and_then(as_int), Some(2));
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text("<p>Hello&nbsp;<b>world</b></p><p>a &amp; b<br/>c</p>"),
            "Hello world\na & b\nc"
        );
        assert_eq!(html_to_text("plain"), "plain");
    }
}
