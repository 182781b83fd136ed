//! Account time zones as fixed offsets, without a time-zone database.
//!
//! Okdesk and UIS accounts live in one time zone each (Okdesk reads `phone_calls` times in it, UIS writes
//! its call times in it). Russia and its neighbours have had no daylight-saving time since 2011–2016, so an
//! IANA name of that region maps to one fixed offset; other zones are given as an offset (`+03:00`).

use chrono::FixedOffset;

/// IANA names known to the sandbox and their current offset in hours.
const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("Etc/UTC", 0),
    ("GMT", 0),
    ("Europe/Kaliningrad", 2),
    ("Europe/Moscow", 3),
    ("Europe/Simferopol", 3),
    ("Europe/Kirov", 3),
    ("Europe/Volgograd", 3),
    ("Europe/Minsk", 3),
    ("Europe/Istanbul", 3),
    ("Europe/Samara", 4),
    ("Europe/Ulyanovsk", 4),
    ("Europe/Astrakhan", 4),
    ("Europe/Saratov", 4),
    ("Asia/Baku", 4),
    ("Asia/Tbilisi", 4),
    ("Asia/Yerevan", 4),
    ("Asia/Yekaterinburg", 5),
    ("Asia/Tashkent", 5),
    ("Asia/Almaty", 5),
    ("Asia/Omsk", 6),
    ("Asia/Bishkek", 6),
    ("Asia/Novosibirsk", 7),
    ("Asia/Barnaul", 7),
    ("Asia/Tomsk", 7),
    ("Asia/Novokuznetsk", 7),
    ("Asia/Krasnoyarsk", 7),
    ("Asia/Irkutsk", 8),
    ("Asia/Chita", 9),
    ("Asia/Yakutsk", 9),
    ("Asia/Khandyga", 9),
    ("Asia/Vladivostok", 10),
    ("Asia/Ust-Nera", 10),
    ("Asia/Magadan", 11),
    ("Asia/Sakhalin", 11),
    ("Asia/Srednekolymsk", 11),
    ("Asia/Kamchatka", 12),
    ("Asia/Anadyr", 12),
];

/// Parses a zone: one of the IANA names above, or an offset `+HH:MM` / `-HH:MM` / `+HHMM` / `+HH`.
pub fn parse_zone(raw: &str) -> Result<FixedOffset, String> {
    let s = raw.trim();
    if let Some((_, hours)) = ZONES.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
        return FixedOffset::east_opt(hours * 3600).ok_or_else(|| format!("bad offset for {s}"));
    }
    parse_offset(s).ok_or_else(|| {
        format!(
            "unknown time zone '{raw}': use a fixed-offset zone such as Europe/Moscow or Asia/Yekaterinburg, or an offset such as +03:00"
        )
    })
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = digits.get(..2)?.parse().ok()?;
    let minutes: i32 = digits
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Some(0), |m| m.parse().ok())?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_and_offsets() {
        assert_eq!(
            parse_zone("Europe/Moscow").unwrap().local_minus_utc(),
            3 * 3600
        );
        assert_eq!(
            parse_zone("asia/yekaterinburg").unwrap().local_minus_utc(),
            5 * 3600
        );
        assert_eq!(
            parse_zone("+05:30").unwrap().local_minus_utc(),
            5 * 3600 + 1800
        );
        assert_eq!(parse_zone("-0300").unwrap().local_minus_utc(), -3 * 3600);
        let err = parse_zone("Europe/Berlin").unwrap_err();
        assert!(err.contains("Europe/Berlin"), "{err}");
        assert!(parse_zone("+25:00").is_err());
    }
}
