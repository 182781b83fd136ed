//! UIS date-times. Notifications write them in the UIS account's zone
//! without an offset (`2026-05-04 10:15:30.123456`, or without the
//! fraction). The integration's `telephony.utc_offset` is the *desk's*
//! zone and the UIS account's zone is not configured anywhere, so Ponte
//! reads a time without an offset as Moscow time (UTC+3, where UIS
//! accounts live); a time with an offset (`…+05:00`, `…Z`) or a Unix
//! timestamp (seconds, or milliseconds when it is that large) is exact.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

use crate::fields::Field;
use crate::webhook::WebhookError;

/// The zone of UIS times written without an offset: UTC+3.
pub const UIS_UTC_OFFSET_SECS: i32 = 3 * 3600;

/// Above this a Unix timestamp is in milliseconds (year 5138 in seconds).
const MILLIS_FROM: f64 = 1.0e11;

const NAIVE: [&str; 6] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d.%m.%Y %H:%M:%S%.f",
    "%d.%m.%Y %H:%M",
];

const WITH_OFFSET: [&str; 3] = [
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f %z",
];

fn unix(x: f64) -> Option<DateTime<Utc>> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let ms = if x >= MILLIS_FROM { x } else { x * 1000.0 };
    DateTime::from_timestamp_millis(ms.round() as i64)
}

/// Reads a UIS date-time (see the module documentation).
pub fn parse(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return s.parse::<f64>().ok().and_then(unix);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in WITH_OFFSET {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    if let Some(naive) = s.strip_suffix('Z').or_else(|| s.strip_suffix(" UTC")) {
        return NAIVE
            .iter()
            .find_map(|fmt| NaiveDateTime::parse_from_str(naive, fmt).ok())
            .map(|t| t.and_utc());
    }
    let zone = FixedOffset::east_opt(UIS_UTC_OFFSET_SECS)?;
    NAIVE
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
        .and_then(|t| zone.from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc))
}

/// A date-time field: a string in one of the accepted forms, or a Unix
/// timestamp as a number.
pub(crate) fn field(f: Field<'_>) -> Result<DateTime<Utc>, WebhookError> {
    let parsed = match f.value {
        Value::Number(n) => n.as_f64().and_then(unix),
        Value::String(s) => parse(s.trim().trim_matches('"')),
        _ => None,
    };
    parsed.ok_or_else(|| {
        let shown = match f.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        WebhookError::new(
            f.name,
            format!(
                "`{shown}` is not a date-time (expected `YYYY-MM-DD HH:MM:SS[.ffffff]` in UIS time, UTC+3, with an optional offset, or Unix seconds)"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Option<String> {
        parse(s).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }

    #[test]
    fn naive_times_are_moscow_time() {
        assert_eq!(
            utc("2026-05-04 10:15:30.123456").as_deref(),
            Some("2026-05-04T07:15:30.123456Z")
        );
        assert_eq!(
            utc("2026-05-04 10:15:30").as_deref(),
            Some("2026-05-04T07:15:30.000000Z")
        );
        assert_eq!(
            utc("04.05.2026 10:15").as_deref(),
            Some("2026-05-04T07:15:00.000000Z")
        );
    }

    #[test]
    fn offsets_and_unix_times_are_exact() {
        assert_eq!(
            utc("2026-05-04 10:15:30.5+05:00").as_deref(),
            Some("2026-05-04T05:15:30.500000Z")
        );
        assert_eq!(
            utc("2026-05-04T10:15:30Z").as_deref(),
            Some("2026-05-04T10:15:30.000000Z")
        );
        assert_eq!(
            utc("2026-05-04 10:15:30Z").as_deref(),
            Some("2026-05-04T10:15:30.000000Z")
        );
        assert_eq!(
            utc("1777875330").as_deref(),
            Some("2026-05-04T06:15:30.000000Z")
        );
        assert_eq!(utc("1777875330000"), utc("1777875330"));
        assert!(parse("yesterday").is_none());
        assert!(parse("2026-13-40 10:00:00").is_none());
    }
}
