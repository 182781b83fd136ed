//! Liberal readers of request bodies and query values (ids as numbers or strings, extra fields ignored),
//! phone normalisation and Okdesk's date formats.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use super::errors::{BAD_DATE, FieldErrors, MUST_BE_INTEGER, MUST_BE_STRING, OkError};

/// Parses a JSON body; an empty body reads as `{}`.
pub fn parse_json(bytes: &[u8]) -> Result<Value, OkError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| OkError::bad_request(format!("Неверный формат JSON: {e}")))
}

/// The object under `key` of a wrapped body (`{"issue": {...}}`), like Rails' `params.require(:issue)`.
pub fn wrapped<'a>(body: &'a Value, key: &str) -> Result<&'a Map<String, Value>, OkError> {
    body.get(key)
        .and_then(Value::as_object)
        .filter(|o| !o.is_empty())
        .ok_or_else(|| {
            OkError::bad_request(format!("param is missing or the value is empty: {key}"))
        })
}

/// The body as an object (for bodies that are not wrapped, like `/statuses`).
pub fn object(body: &Value) -> Result<&Map<String, Value>, OkError> {
    body.as_object()
        .ok_or_else(|| OkError::bad_request("Тело запроса должно быть JSON-объектом"))
}

/// A non-negative integer given as a number or a string of digits.
pub fn as_id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// True when the key is absent or null.
fn absent(o: &Map<String, Value>, key: &str) -> bool {
    o.get(key).is_none_or(Value::is_null)
}

/// An optional id; a wrong type is recorded as an error of that field.
pub fn opt_id(o: &Map<String, Value>, key: &str, errs: &mut FieldErrors) -> Option<u64> {
    if absent(o, key) {
        return None;
    }
    let v = o.get(key).and_then(as_id);
    if v.is_none() {
        errs.add(key, MUST_BE_INTEGER);
    }
    v
}

/// An optional integer (number or numeric string).
pub fn opt_int(o: &Map<String, Value>, key: &str, errs: &mut FieldErrors) -> Option<i64> {
    if absent(o, key) {
        return None;
    }
    let v = o.get(key).and_then(|v| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    if v.is_none() {
        errs.add(key, MUST_BE_INTEGER);
    }
    v
}

/// Optional text; numbers are accepted and written as text.
pub fn opt_text(o: &Map<String, Value>, key: &str, errs: &mut FieldErrors) -> Option<String> {
    match o.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errs.add(key, MUST_BE_STRING);
            None
        }
    }
}

/// Optional non-blank text.
pub fn opt_nonblank(o: &Map<String, Value>, key: &str, errs: &mut FieldErrors) -> Option<String> {
    opt_text(o, key, errs).filter(|s| !s.trim().is_empty())
}

/// An optional boolean (`true`/`false`, `"true"`/`"false"`, `1`/`0`).
pub fn opt_bool(o: &Map<String, Value>, key: &str, errs: &mut FieldErrors) -> Option<bool> {
    let v = o.get(key)?;
    let b = match v {
        Value::Null => return None,
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    };
    if b.is_none() {
        errs.add(key, "должно иметь тип boolean");
    }
    b
}

/// An optional list of ids.
pub fn opt_ids(o: &Map<String, Value>, key: &str, errs: &mut FieldErrors) -> Vec<u64> {
    match o.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let id = as_id(v);
                if id.is_none() {
                    errs.add(&format!("{key}.{i}"), MUST_BE_INTEGER);
                }
                id
            })
            .collect(),
        Some(_) => {
            errs.add(key, "должно иметь тип array");
            Vec::new()
        }
    }
}

/// The digits of a phone number (`+7 (999) 123-45-67` → `79991234567`).
pub fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// True when both phones have digits and their last `n` digits are equal (all digits when `n` is None).
pub fn phone_matches(stored: Option<&str>, wanted_digits: &str, n: Option<usize>) -> bool {
    let Some(stored) = stored else { return false };
    let stored = digits(stored);
    if stored.is_empty() || wanted_digits.is_empty() {
        return false;
    }
    match n {
        None => stored == wanted_digits,
        Some(n) => tail(&stored, n) == tail(wanted_digits, n),
    }
}

fn tail(s: &str, n: usize) -> &str {
    s.get(s.len().saturating_sub(n)..).unwrap_or(s)
}

/// Formats like Okdesk's answers: `2016-03-15T18:05:17.568+03:00` in the account's zone.
pub fn format_time(t: &DateTime<Utc>, tz: &FixedOffset) -> String {
    t.with_timezone(tz)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// Parses an input date: `YYYY-MM-DD HH:MM[:SS]` (the account's zone, as `phone_calls` and
/// `deadline_at` are sent), `DD-MM-YYYY[ HH:MM]`, or ISO 8601 with or without an offset.
pub fn parse_time(raw: &str, tz: &FixedOffset) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%d-%m-%Y %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return tz
                .from_local_datetime(&t)
                .single()
                .map(|t| t.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%d", "%d-%m-%Y"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, fmt) {
            return d
                .and_hms_opt(0, 0, 0)
                .and_then(|t| tz.from_local_datetime(&t).single())
                .map(|t| t.with_timezone(&Utc));
        }
    }
    None
}

/// An optional date field; a bad one is recorded as an error of that field.
pub fn opt_time(
    o: &Map<String, Value>,
    key: &str,
    tz: &FixedOffset,
    errs: &mut FieldErrors,
) -> Option<DateTime<Utc>> {
    let raw = opt_text(o, key, errs)?;
    let t = parse_time(&raw, tz);
    if t.is_none() {
        errs.add(key, BAD_DATE);
    }
    t
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_the_account_zone() {
        let msk = FixedOffset::east_opt(3 * 3600).unwrap();
        let t = parse_time("2026-09-30 07:16", &msk).unwrap();
        assert_eq!(format_time(&t, &msk), "2026-09-30T07:16:00.000+03:00");
        assert_eq!(t.to_rfc3339(), "2026-09-30T04:16:00+00:00");
        let t = parse_time("2026-09-30T07:16:00+05:00", &msk).unwrap();
        assert_eq!(format_time(&t, &msk), "2026-09-30T05:16:00.000+03:00");
        assert!(parse_time("30/09/2026", &msk).is_none());
    }

    #[test]
    fn phones_match_on_trailing_digits() {
        assert!(phone_matches(
            Some("+7 (999) 123-45-67"),
            "79991234567",
            None
        ));
        assert!(phone_matches(
            Some("8 999 123 45 67"),
            "79991234567",
            Some(10)
        ));
        assert!(!phone_matches(Some("8 999 123 45 67"), "79991234567", None));
        assert!(!phone_matches(None, "1", Some(10)));
    }
}
