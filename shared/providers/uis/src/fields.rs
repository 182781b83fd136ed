//! Liberal readers of single notification fields. UIS substitutes each
//! `{{variable}}` as a JSON literal (numbers bare, strings quoted, arrays as
//! arrays, `null`), or — depending on the template and the account — as a
//! string holding the value (`"123"`, `"[\"Anna\"]"`, `""`). Every reader
//! takes both; null and blank strings read as "not given". A value of
//! another kind is an error naming the field.

use serde_json::{Map, Value};

use crate::webhook::WebhookError;

/// A field found in the body, under the name the template used.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    pub name: &'static str,
    pub value: &'a Value,
}

fn lookup<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    match name.split_once('.') {
        Some((outer, inner)) => body.get(outer)?.as_object()?.get(inner),
        None => body.get(name),
    }
}

fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => {
            let t = s.trim();
            t.is_empty() || t == "null" || t == "\"\""
        }
        _ => false,
    }
}

/// The first of `names` the body gives a value for (`outer.inner` reads a
/// nested object, as the seed's `phone_call.duration`).
pub(crate) fn find<'a>(body: &'a Map<String, Value>, names: &[&'static str]) -> Option<Field<'a>> {
    names.iter().find_map(|name| {
        lookup(body, name)
            .filter(|v| !blank(v))
            .map(|value| Field { name, value })
    })
}

/// Like [`find`], but a missing value is an error naming the first name.
pub(crate) fn require<'a>(
    body: &'a Map<String, Value>,
    names: &[&'static str],
    why: &str,
) -> Result<Field<'a>, WebhookError> {
    find(body, names).ok_or_else(|| {
        WebhookError::new(
            names.first().copied().unwrap_or("body"),
            format!("is missing or empty: {why}"),
        )
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A number as text: integers without a fraction (`237859081.0` too).
fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_u64() {
        return i.to_string();
    }
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

/// Text without surrounding quotes a template may have added around a
/// substituted string.
fn unquote(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t)
        .trim()
}

/// A scalar as text.
pub(crate) fn text(f: Field<'_>) -> Result<String, WebhookError> {
    match f.value {
        Value::String(s) => Ok(unquote(s).to_string()),
        Value::Number(n) => Ok(number_text(n)),
        other => Err(WebhookError::new(
            f.name,
            format!("must be text or a number, got {}", kind(other)),
        )),
    }
}

/// A phone number's digits (`+7 (999) 123-45-67` → `79991234567`).
pub(crate) fn phone(f: Field<'_>) -> Result<String, WebhookError> {
    let raw = text(f)?;
    let ok = raw
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'));
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if !ok || digits.is_empty() {
        return Err(WebhookError::new(
            f.name,
            format!("`{raw}` is not a phone number"),
        ));
    }
    Ok(digits)
}

/// A non-negative whole number (seconds, counts).
pub(crate) fn count(f: Field<'_>) -> Result<u64, WebhookError> {
    let bad = |shown: String| {
        WebhookError::new(
            f.name,
            format!("`{shown}` is not a whole number of seconds"),
        )
    };
    match f.value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|x| *x >= 0.0 && x.is_finite())
                    .map(|x| x.round() as u64)
            })
            .ok_or_else(|| bad(n.to_string())),
        Value::String(s) => {
            let t = unquote(s);
            t.parse::<u64>()
                .ok()
                .or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|x| *x >= 0.0 && x.is_finite())
                        .map(|x| x.round() as u64)
                })
                .ok_or_else(|| bad(t.to_string()))
        }
        other => Err(WebhookError::new(
            f.name,
            format!("must be a number, got {}", kind(other)),
        )),
    }
}

/// A list: a JSON array, a JSON-encoded array in a string, or a plain
/// string (one item, or several separated by `,` or `;`).
pub(crate) fn list(f: Field<'_>) -> Result<Vec<String>, WebhookError> {
    let items: Vec<Value> = match f.value {
        Value::Array(a) => a.clone(),
        Value::String(s) => {
            let t = s.trim();
            if t.starts_with('[') {
                match serde_json::from_str::<Value>(t) {
                    Ok(Value::Array(a)) => a,
                    _ => {
                        return Err(WebhookError::new(
                            f.name,
                            format!("`{t}` looks like a JSON array but is not one"),
                        ));
                    }
                }
            } else {
                return Ok(unquote(t)
                    .split([',', ';'])
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect());
            }
        }
        Value::Number(n) => vec![Value::Number(n.clone())],
        other => {
            return Err(WebhookError::new(
                f.name,
                format!(
                    "must be a list (array or JSON-encoded array), got {}",
                    kind(other)
                ),
            ));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        if blank(item) {
            continue;
        }
        out.push(text(Field {
            name: f.name,
            value: item,
        })?);
    }
    Ok(out)
}

/// An http(s) URL; a list of URLs gives its first.
pub(crate) fn url(f: Field<'_>) -> Result<Option<String>, WebhookError> {
    let Some(first) = list(f)?.into_iter().next() else {
        return Ok(None);
    };
    match url::Url::parse(&first) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(Some(first)),
        _ => Err(WebhookError::new(
            f.name,
            format!("`{first}` is not an http(s) URL"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(v: &Value) -> Field<'_> {
        Field {
            name: "x",
            value: v,
        }
    }

    #[test]
    fn finds_aliases_and_nested_fields_skipping_blanks() {
        let body = json!({"a": null, "b": " ", "phone_call": {"c": 5}});
        let body = body.as_object().expect("object");
        assert!(find(body, &["a", "b"]).is_none());
        let f = find(body, &["a", "phone_call.c"]).expect("found");
        assert_eq!((f.name, f.value), ("phone_call.c", &json!(5)));
        assert_eq!(
            require(body, &["a"], "needed").unwrap_err().field,
            "a",
            "the first name is named"
        );
    }

    #[test]
    fn scalars_arrive_as_numbers_or_strings() {
        assert_eq!(text(field(&json!(237859081))).as_deref(), Ok("237859081"));
        assert_eq!(text(field(&json!(237859081.0))).as_deref(), Ok("237859081"));
        assert_eq!(text(field(&json!(" \"101\" "))).as_deref(), Ok("101"));
        assert_eq!(text(field(&json!({"a": 1}))).unwrap_err().field, "x");
        assert_eq!(
            phone(field(&json!("+7 (999) 123-45-67"))).as_deref(),
            Ok("79991234567")
        );
        assert_eq!(
            phone(field(&json!(79991234567_u64))).as_deref(),
            Ok("79991234567")
        );
        assert!(phone(field(&json!("anonymous"))).is_err());
        assert_eq!(count(field(&json!("90"))), Ok(90));
        assert_eq!(count(field(&json!(90.4))), Ok(90));
        assert!(count(field(&json!(-1))).is_err());
        assert!(count(field(&json!("soon"))).is_err());
    }

    #[test]
    fn lists_arrive_as_arrays_encoded_arrays_or_text() {
        let want = vec!["Анна".to_string(), "Борис".to_string()];
        assert_eq!(list(field(&json!(["Анна", "Борис"]))), Ok(want.clone()));
        assert_eq!(
            list(field(&json!("[\"Анна\",\"Борис\"]"))),
            Ok(want.clone())
        );
        assert_eq!(list(field(&json!("Анна, Борис"))), Ok(want));
        assert_eq!(
            list(field(&json!([501, null, "502"]))),
            Ok(vec!["501".into(), "502".into()])
        );
        assert!(list(field(&json!("[oops"))).is_err());
        assert!(list(field(&json!(true))).is_err());
    }

    #[test]
    fn urls_must_be_http() {
        assert_eq!(
            url(field(&json!(["https://media.uiscom.ru/1/2"]))),
            Ok(Some("https://media.uiscom.ru/1/2".into()))
        );
        assert!(url(field(&json!("ftp://x/y"))).is_err());
        assert_eq!(url(field(&json!([]))), Ok(None));
    }
}
