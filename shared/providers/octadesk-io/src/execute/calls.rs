//! Calls from a telephony source as Octadesk shows them: the caller's
//! name, the missed-call templates' values and the tag that finds a call's
//! ticket after a crash. The call's record is
//! [`ponte_worker::effect::calls`].

use chrono::FixedOffset;
use ponte_core::{Call, Person};

pub(crate) use ponte_core::call::{fill, minutes_in, shown_phone};
pub(crate) use ponte_worker::effect::calls::{Update, desk_zone, save};

/// What the call says about a caller Octadesk already has: the name the
/// telephony gives (never a placeholder), so a changed name is written.
pub(crate) fn known_caller(call: &Call) -> Person {
    Person {
        name: call.client_name().map(|n| n.trim().to_string()),
        ..Person::default()
    }
}

/// `{caller}`, `{caller_name}`, `{time}`, `{missed_by}`, `{wait}`.
pub(crate) fn template_vars(
    call: &Call,
    known_name: Option<&str>,
    zone: FixedOffset,
) -> Vec<(&'static str, String)> {
    let missed_by = if !call.employees.is_empty() {
        call.employees.join(", ")
    } else if !call.extensions.is_empty() {
        call.extensions.join(", ")
    } else {
        "—".to_string()
    };
    vec![
        (
            "caller",
            call.client_phone()
                .map_or_else(|| "?".to_string(), shown_phone),
        ),
        (
            "caller_name",
            known_name
                .or_else(|| call.client_name())
                .unwrap_or("?")
                .to_string(),
        ),
        (
            "time",
            call.started_at
                .map_or_else(|| "—".to_string(), |t| minutes_in(t, zone)),
        ),
        ("missed_by", missed_by),
        (
            "wait",
            call.wait_secs
                .map_or_else(|| "?".to_string(), |w| w.to_string()),
        ),
    ]
}

/// A tag on the ticket opened for a call, to find it after a crash. Not
/// `ponte-…`: that prefix is the pair marker the router reads.
pub(crate) fn call_tag(call: &Call) -> String {
    let id: String = call
        .id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("ponte.call.{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("time")
    }

    #[test]
    fn templates_fill_in_the_desk_zone() {
        let call = Call {
            id: "237859081".into(),
            caller: "5511999990001".into(),
            caller_name: Some("Ana".into()),
            employees: vec!["Bia".into(), "Lia".into()],
            started_at: Some(at("2026-05-04T12:15:30Z")),
            wait_secs: Some(25),
            ..Call::default()
        };
        let zone = FixedOffset::west_opt(3 * 3600).expect("zone");
        let vars = template_vars(&call, None, zone);
        assert_eq!(
            fill(
                "{caller} ({caller_name}) {time}: {missed_by}, {wait}s {x}",
                &vars
            ),
            "+5511999990001 (Ana) 2026-05-04 09:15: Bia, Lia, 25s {x}"
        );
        assert_eq!(call_tag(&call), "ponte.call.237859081");
    }
}
