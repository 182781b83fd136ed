//! Calls from a telephony source: the call history record each command
//! adds to (`/api/v1/calls`), the client's number, times in the desk's
//! zone, and the missed-call templates. A later event never takes an
//! outcome back (a card popped after the call was lost leaves it lost).

use chrono::{DateTime, FixedOffset, Utc};
use ponte_core::call::Direction;
use ponte_core::{Call, Person};
use ponte_store::{CallOutcome, CallRecord};
use ponte_worker::{Ctx, ExecError};

/// What one command learnt about a call.
#[derive(Debug, Default)]
pub(crate) struct Update {
    pub outcome: Option<CallOutcome>,
    pub contact: Option<String>,
    pub issue_id: Option<String>,
}

fn rank(o: CallOutcome) -> u8 {
    match o {
        CallOutcome::Ringing => 0,
        CallOutcome::Answered => 1,
        CallOutcome::Recorded | CallOutcome::Lost => 2,
    }
}

pub(crate) fn merge(
    existing: Option<CallRecord>,
    call: &Call,
    update: Update,
    now: DateTime<Utc>,
) -> CallRecord {
    let mut r = existing.unwrap_or_else(|| CallRecord {
        call_id: call.id.clone(),
        caller: call.caller.clone(),
        caller_name: None,
        contact_id: None,
        started_at: None,
        outcome: update.outcome.unwrap_or(CallOutcome::Ringing),
        recording_url: None,
        issue_id: None,
        popped_for: vec![],
        notes: vec![],
        updated_at: now,
    });
    if r.caller.is_empty() {
        r.caller = call.caller.clone();
    }
    r.caller_name = r.caller_name.or_else(|| call.caller_name.clone());
    r.started_at = match (r.started_at, call.started_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(o) = update.outcome
        && rank(o) >= rank(r.outcome)
    {
        r.outcome = o;
    }
    r.contact_id = update.contact.or(r.contact_id);
    r.recording_url = call.recording_url.clone().or(r.recording_url);
    r.issue_id = update.issue_id.or(r.issue_id);
    r.updated_at = now;
    r
}

/// Merges `update` into the call's record and stores it.
pub(crate) async fn save(
    ctx: &Ctx<'_>,
    call: &Call,
    update: Update,
) -> Result<CallRecord, ExecError> {
    let existing = ctx.store.call(&ctx.integration.id, &call.id).await?;
    let record = merge(existing, call, update, Utc::now());
    ctx.store.put_call(&ctx.integration.id, &record).await?;
    Ok(record)
}

/// The client's number (the caller of an incoming call, the callee of an
/// outgoing one), when known.
pub(crate) fn client_phone(call: &Call) -> Option<&str> {
    let p = match call.direction {
        Direction::In => Some(call.caller.as_str()),
        Direction::Out => call.callee.as_deref(),
    };
    p.filter(|p| !p.is_empty())
}

/// The client's name as the PBX knows it (incoming calls only).
pub(crate) fn client_name(call: &Call) -> Option<&str> {
    match call.direction {
        Direction::In => call.caller_name.as_deref().filter(|n| !n.trim().is_empty()),
        Direction::Out => None,
    }
}

/// What the call says about a caller Octadesk already has: the name the
/// telephony gives (never a placeholder), so a changed name is written.
pub(crate) fn known_caller(call: &Call) -> Person {
    Person {
        name: client_name(call).map(|n| n.trim().to_string()),
        ..Person::default()
    }
}

/// `+` and the digits of an international number.
pub(crate) fn shown_phone(digits: &str) -> String {
    if digits.len() >= 11 {
        format!("+{digits}")
    } else {
        digits.to_string()
    }
}

/// The desk's zone from `telephony.utc_offset`.
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

/// `YYYY-MM-DD HH:MM` in the desk's zone.
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
            client_phone(call).map_or_else(|| "?".to_string(), shown_phone),
        ),
        (
            "caller_name",
            known_name
                .or_else(|| client_name(call))
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

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("time")
    }

    #[test]
    fn records_grow_and_never_go_back() {
        let call = Call {
            id: "9".into(),
            caller: "5511999990001".into(),
            ..Call::default()
        };
        let now = Utc::now();
        let lost = merge(
            None,
            &call,
            Update {
                outcome: Some(CallOutcome::Lost),
                issue_id: Some("77".into()),
                contact: Some("p1".into()),
            },
            now,
        );
        let later = merge(
            Some(lost),
            &call,
            Update {
                outcome: Some(CallOutcome::Ringing),
                ..Update::default()
            },
            now,
        );
        assert_eq!(later.outcome, CallOutcome::Lost);
        assert_eq!(later.issue_id.as_deref(), Some("77"));
        assert_eq!(later.contact_id.as_deref(), Some("p1"));
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
