//! The notification templates: `{{variable}}` placeholders replaced by the call's values.
//!
//! UIS templates are written with placeholders **unquoted** (`"call_id": {{call_session_id}}`), so UIS
//! substitutes JSON literals. The sandbox does this textually, keeping the rest of the template byte for
//! byte, and knows where it is in the JSON text:
//! * outside a JSON string, `literal` writes JSON literals (`123`, `"text"`, `[1,2]`, `null`) and
//!   `string` writes every value as a JSON string (`"123"`, `"[1,2]"`, null as `""`);
//! * inside a JSON string (`"Звонок от {{contact_phone_number}}"`) the value's text is written escaped,
//!   without quotes, so the string stays valid;
//! * in a URL the value's text is percent-encoded.
//!
//! An unknown placeholder is written as `null` (`""` in `string` style, nothing inside a string or a URL)
//! and reported as a warning. Spaces inside the braces are allowed (`{{ app_id }}`); a `{{` without a
//! closing `}}`, or with something other than a variable name inside, is left as it is.

use std::collections::BTreeMap;

use serde_json::Value;

use super::config::Substitution;

/// The values of one notification, by variable name.
pub type Vars = BTreeMap<&'static str, Value>;

/// A rendered text and the placeholders that had no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub unknown: Vec<String>,
}

/// A placeholder at the start of `s`: its name and its length, when `s` starts with `{{ name }}`.
fn placeholder(s: &str) -> Option<(&str, usize)> {
    let rest = s.strip_prefix("{{")?;
    let end = rest.find("}}")?;
    let name = rest[..end].trim();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    valid.then_some((name, end + 4))
}

/// The plain text of a value: strings as they are, null as nothing, the rest as JSON.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// JSON-escapes text for inclusion inside a JSON string (without the quotes).
fn escape_in_string(text: &str) -> String {
    let quoted = Value::String(text.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

fn literal(v: Option<&Value>, style: Substitution) -> String {
    match (style, v) {
        (Substitution::Literal, None) => "null".to_owned(),
        (Substitution::Literal, Some(v)) => v.to_string(),
        (Substitution::String, None | Some(Value::Null)) => "\"\"".to_owned(),
        (Substitution::String, Some(v)) => Value::String(text_of(v)).to_string(),
    }
}

/// Renders a body template.
pub fn render_body(template: &str, vars: &Vars, style: Substitution) -> Rendered {
    let mut out = String::with_capacity(template.len() + 64);
    let mut unknown = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '{'
            && let Some((name, len)) = placeholder(rest)
        {
            let value = vars.get(name);
            if value.is_none() && !unknown.iter().any(|u| u == name) {
                unknown.push(name.to_owned());
            }
            if in_string {
                out.push_str(&escape_in_string(&value.map(text_of).unwrap_or_default()));
            } else {
                out.push_str(&literal(value, style));
            }
            rest = &rest[len..];
            escaped = false;
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
    }
    Rendered { text: out, unknown }
}

/// Renders a URL: values percent-encoded.
pub fn render_url(url: &str, vars: &Vars) -> Rendered {
    let mut out = String::with_capacity(url.len());
    let mut unknown = Vec::new();
    let mut rest = url;
    while let Some(c) = rest.chars().next() {
        if c == '{'
            && let Some((name, len)) = placeholder(rest)
        {
            match vars.get(name) {
                Some(v) => out.extend(url::form_urlencoded::byte_serialize(text_of(v).as_bytes())),
                None => unknown.push(name.to_owned()),
            }
            rest = &rest[len..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Rendered { text: out, unknown }
}

/// The text with every placeholder removed (to validate a configured URL).
pub fn blank_placeholders(s: &str) -> String {
    render_url(s, &Vars::new()).text
}

/// The placeholder names a template uses.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        rest = &rest[i..];
        match placeholder(rest) {
            Some((name, len)) => {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_owned());
                }
                rest = &rest[len..];
            }
            None => rest = &rest[2..],
        }
    }
    names
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("app_id", json!(12345));
        v.insert("contact_phone_number", json!("79991234567"));
        v.insert("employee_ids", json!([501, 502]));
        v.insert("names", json!(["Анна \"А\"", "Борис"]));
        v.insert("file_link", Value::Null);
        v
    }

    #[test]
    fn literal_style_writes_json_literals() {
        let t = "{\"a\":{{app_id}}, \"p\": {{ contact_phone_number }}, \"e\": {{employee_ids}}, \"n\": {{names}}, \"f\": {{file_link}}, \"x\": {{nope}}}";
        let r = render_body(t, &vars(), Substitution::Literal);
        let v: Value = serde_json::from_str(&r.text).unwrap();
        assert_eq!(
            v,
            json!({"a": 12345, "p": "79991234567", "e": [501, 502], "n": ["Анна \"А\"", "Борис"], "f": null, "x": null})
        );
        assert_eq!(r.unknown, ["nope"]);
    }

    #[test]
    fn string_style_writes_strings() {
        let t = "{\"a\":{{app_id}}, \"e\": {{employee_ids}}, \"f\": {{file_link}}, \"p\": {{contact_phone_number}}}";
        let r = render_body(t, &vars(), Substitution::String);
        let v: Value = serde_json::from_str(&r.text).unwrap();
        assert_eq!(
            v,
            json!({"a": "12345", "e": "[501,502]", "f": "", "p": "79991234567"})
        );
    }

    #[test]
    fn inside_strings_and_urls_values_are_text() {
        let t = "{\"m\": \"from {{contact_phone_number}} \\\"{{names}}\\\" {{app_id}}\"}";
        let r = render_body(t, &vars(), Substitution::Literal);
        let v: Value = serde_json::from_str(&r.text).unwrap();
        assert_eq!(
            v["m"],
            "from 79991234567 \"[\"Анна \\\"А\\\"\",\"Борис\"]\" 12345"
        );
        let u = render_url("http://h/x?id={{app_id}}&n={{names}}&z={{nope}}", &vars());
        assert_eq!(
            u.text,
            "http://h/x?id=12345&n=%5B%22%D0%90%D0%BD%D0%BD%D0%B0+%5C%22%D0%90%5C%22%22%2C%22%D0%91%D0%BE%D1%80%D0%B8%D1%81%22%5D&z="
        );
        assert_eq!(u.unknown, ["nope"]);
    }

    #[test]
    fn unclosed_or_odd_braces_are_kept() {
        let r = render_body("{{app_id} {{ a b }} {{", &vars(), Substitution::Literal);
        assert_eq!(r.text, "{{app_id} {{ a b }} {{");
        assert_eq!(placeholders("{{a}} {{ b }} {{a}} {{"), ["a", "b"]);
    }
}
