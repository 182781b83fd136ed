//! How Ponte writes values into Okdesk: phones, times in the account's
//! zone, the missed-call templates, HTML text and integer ids.

use chrono::{DateTime, FixedOffset, Utc};
use ponte_core::Call;
use ponte_core::call::Direction;
use ponte_worker::{Ctx, ExecError};

/// A phone as Okdesk stores it: `+` and the digits of an international
/// number (11 digits or more), the bare digits of a short one.
pub(crate) fn okdesk_phone(digits: &str) -> String {
    if digits.len() >= 11 {
        format!("+{digits}")
    } else {
        digits.to_string()
    }
}

/// The client's number of a call (the caller of an incoming call, the
/// callee of an outgoing one), when known.
pub(crate) fn client_phone(call: &Call) -> Option<&str> {
    let p = match call.direction {
        Direction::In => Some(call.caller.as_str()),
        Direction::Out => call.callee.as_deref(),
    };
    p.filter(|p| !p.is_empty())
}

/// The client's name as the PBX knows it (incoming calls only: the name of
/// an outgoing call's caller is the employee's).
pub(crate) fn client_name(call: &Call) -> Option<&str> {
    match call.direction {
        Direction::In => call.caller_name.as_deref().filter(|n| !n.trim().is_empty()),
        Direction::Out => None,
    }
}

/// The desk account's zone from `telephony.utc_offset`.
pub(crate) fn desk_zone(ctx: &Ctx<'_>) -> Result<FixedOffset, ExecError> {
    let minutes = ctx
        .integration
        .telephony
        .offset_minutes()
        .map_err(|e| ExecError::permanent(e.within("telephony").to_string()))?;
    FixedOffset::east_opt(minutes * 60).ok_or_else(|| {
        ExecError::permanent(format!(
            "`telephony.utc_offset` {} is out of range",
            ctx.integration.telephony.utc_offset
        ))
    })
}

/// `YYYY-MM-DD HH:MM` in the desk's zone, as `/phone_calls` wants it.
pub(crate) fn minutes_in(t: DateTime<Utc>, zone: FixedOffset) -> String {
    t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

/// Replaces `{name}` placeholders; unknown ones stay as they are.
pub(crate) fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (name, value) in vars {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Plain text as HTML: escaped, line breaks kept.
pub(crate) fn html_lines(s: &str) -> String {
    html_escape(s).replace('\n', "<br>")
}

/// An Okdesk id (integers in every write) read from text, or a permanent
/// error naming where the value came from.
pub(crate) fn int_id(value: &str, what: &str) -> Result<i64, ExecError> {
    value.trim().parse().map_err(|_| {
        ExecError::permanent(format!("{what} `{value}` is not an Okdesk id (an integer)"))
    })
}

/// Text cut to `max` characters (Okdesk titles are limited).
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_times_are_written_the_okdesk_way() {
        assert_eq!(okdesk_phone("79991234567"), "+79991234567");
        assert_eq!(okdesk_phone("101"), "101");
        let t = DateTime::parse_from_rfc3339("2026-05-04T07:15:30Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        let msk = FixedOffset::east_opt(3 * 3600).expect("zone");
        assert_eq!(minutes_in(t, msk), "2026-05-04 10:15");
    }

    #[test]
    fn templates_fill_and_text_is_escaped() {
        assert_eq!(
            fill(
                "От {caller} ({caller_name}) {x}",
                &[("caller", "+7".into()), ("caller_name", "Пётр".into())]
            ),
            "От +7 (Пётр) {x}"
        );
        assert_eq!(html_lines("a <b>\nc"), "a &lt;b&gt;<br>c");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert!(int_id("12x", "assignee").is_err());
        assert_eq!(int_id(" 12 ", "assignee").ok(), Some(12));
    }

    #[test]
    fn the_client_is_the_caller_of_an_incoming_call() {
        let mut call = Call {
            caller: "79991234567".into(),
            callee: Some("101".into()),
            caller_name: Some("Пётр".into()),
            ..Call::default()
        };
        assert_eq!(client_phone(&call), Some("79991234567"));
        assert_eq!(client_name(&call), Some("Пётр"));
        call.direction = Direction::Out;
        assert_eq!(client_phone(&call), Some("101"));
        assert_eq!(client_name(&call), None);
    }
}
