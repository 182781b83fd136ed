//! Date handling. Movidesk writes dates as UTC without an offset and with 7 fractional digits
//! (`2025-12-04T00:21:12.5903668`, .NET ticks); readers accept a few more shapes.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};

/// The current time truncated to .NET tick precision (100 ns), so that what we store is exactly what we
/// print and parse back.
pub fn now() -> DateTime<Utc> {
    truncate_to_ticks(Utc::now())
}

/// Truncates a time to 100 ns precision.
pub fn truncate_to_ticks(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.nanosecond() % 1_000_000_000;
    t.with_nanosecond(nanos / 100 * 100).unwrap_or(t)
}

/// Formats like Movidesk's API: `YYYY-MM-DDTHH:MM:SS.fffffff` (UTC, 7 digits, no offset).
pub fn format_movidesk(t: &DateTime<Utc>) -> String {
    let ticks = (t.nanosecond() % 1_000_000_000) / 100;
    format!("{}.{ticks:07}", t.format("%Y-%m-%dT%H:%M:%S"))
}

/// RFC 3339 with a `Z`, used by the control API records.
pub fn format_rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Parses a date the way a liberal Movidesk reader would: an ISO date-time with or without fraction, with
/// or without `Z`/`z` or an offset (a missing offset means UTC), or a bare date (midnight UTC).
pub fn parse_liberal(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(truncate_to_ticks(t.with_timezone(&Utc)));
    }
    let bare = s.strip_suffix(['z', 'Z']).unwrap_or(s);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(bare, fmt) {
            return Some(truncate_to_ticks(t.and_utc()));
        }
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(truncate_to_ticks(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(bare, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_seven_digits_and_no_offset() {
        let t = parse_liberal("2025-12-04T00:21:12.5903668").unwrap();
        assert_eq!(format_movidesk(&t), "2025-12-04T00:21:12.5903668");
        let t = parse_liberal("2026-01-01T00:00:00.00z").unwrap();
        assert_eq!(format_movidesk(&t), "2026-01-01T00:00:00.0000000");
    }

    #[test]
    fn parses_offsets_and_bare_dates() {
        let t = parse_liberal("2026-01-01T03:00:00-03:00").unwrap();
        assert_eq!(format_movidesk(&t), "2026-01-01T06:00:00.0000000");
        assert!(parse_liberal("2026-01-01").is_some());
        assert!(parse_liberal("yesterday").is_none());
    }
}
