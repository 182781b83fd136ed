//! UIS notification → canonical call event. A notification says exactly
//! what happened, so nothing is re-read: "waiting for answer" →
//! `CallRinging`, "recorded conversation" → `CallRecorded`, "lost call" →
//! `CallLost`, "call finished" → `CallFinished`.

use chrono::Duration;
use ponte_core::call::Direction;
use ponte_core::{Call, Change};
use serde_json::Value;

use crate::model::{Event, Notification};
use crate::webhook::WebhookError;

/// Reads a notification body into the canonical change it reports.
pub fn read(body: &Value) -> Result<Change, WebhookError> {
    Notification::read(body).map(|n| change(&n))
}

/// The canonical change a read notification reports.
pub fn change(n: &Notification) -> Change {
    let call = Box::new(call(n));
    match n.event {
        Event::Waiting => Change::CallRinging { call },
        Event::Recorded => Change::CallRecorded { call },
        Event::Lost => Change::CallLost { call },
        Event::Finished => Change::CallFinished { call },
    }
}

/// The canonical call. For an incoming call the caller is the client and
/// the callee the dialled virtual number (else the extension rung); for an
/// outgoing one the caller is the employee's extension and the callee the
/// client. A hidden number reads as an empty caller.
pub fn call(n: &Notification) -> Call {
    let (caller, callee, caller_name) = match n.direction {
        Direction::In => (
            n.contact_phone.clone(),
            n.virtual_phone.clone().or_else(|| n.extension.clone()),
            n.contact_name.clone(),
        ),
        Direction::Out => (
            n.extension.clone(),
            n.contact_phone.clone(),
            n.employee_name.clone(),
        ),
    };
    let employees = match n.event {
        Event::Lost if !n.noanswered_names.is_empty() => n.noanswered_names.clone(),
        _ => n
            .employee_name
            .iter()
            .cloned()
            .chain(n.noanswered_names.iter().cloned())
            .collect(),
    };
    let mut employees_unique: Vec<String> = Vec::with_capacity(employees.len());
    for e in employees {
        if !employees_unique.contains(&e) {
            employees_unique.push(e);
        }
    }
    // The recording's length is the talk when UIS does not say.
    let talk_secs = n.talk_secs.or(match n.event {
        Event::Recorded => n.file_secs,
        Event::Lost => Some(0),
        _ => None,
    });
    let length = n.total_secs.or(match (n.wait_secs, talk_secs) {
        (Some(w), Some(t)) => Some(w + t),
        (None, Some(t)) if n.event == Event::Recorded => Some(t),
        (Some(w), None) if n.event == Event::Lost => Some(w),
        _ => None,
    });
    // Many published templates carry only the notification's own time:
    // "waiting" is sent as the phone starts ringing, the other events once
    // the call is over.
    let (started, finished) = match n.event {
        Event::Waiting => (n.started_at.or(n.notified_at), n.finished_at),
        _ => (n.started_at, n.finished_at.or(n.notified_at)),
    };
    let span = length
        .and_then(|l| i64::try_from(l).ok())
        .and_then(Duration::try_seconds);
    let finished_at = finished.or_else(|| Some(started? + span?));
    let started_at = started.or_else(|| Some(finished? - span?)).or(finished);
    Call {
        id: n.call_id.clone(),
        direction: n.direction,
        caller: caller.unwrap_or_default(),
        callee,
        caller_name,
        extensions: n.extension.iter().cloned().collect(),
        employees: employees_unique,
        employee_ids: n.employee_ids.clone(),
        started_at,
        finished_at,
        talk_secs,
        wait_secs: n.wait_secs,
        recording_url: n.file_url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn waiting_rings_the_extension() {
        let change = read(&json!({
            "app_id": 1, "call_id": 237859081, "action": "wait",
            "extension_phone_number": "101", "phone": "79991234567", "direction": "in",
            "contact_full_name": "Пётр Петров", "employee_full_name": "Анна Иванова"
        }))
        .expect("reads");
        let Change::CallRinging { call } = change else {
            panic!("not ringing: {change:?}")
        };
        assert_eq!(call.caller, "79991234567");
        assert_eq!(call.callee.as_deref(), Some("101"));
        assert_eq!(call.caller_name.as_deref(), Some("Пётр Петров"));
        assert_eq!(call.extensions, vec!["101"]);
        assert_eq!(call.employees, vec!["Анна Иванова"]);
    }

    #[test]
    fn recorded_call_has_times_talk_and_recording() {
        let change = read(&json!({
            "action": "history", "call_id": "9", "started_at": "2026-05-04 10:15:30.000000",
            "direction": "in", "file_url": "https://media.uiscom.ru/9/1",
            "phone_call": {"duration": 95, "receiver_phone": 101, "source_phone": 79991234567_u64}
        }))
        .expect("reads");
        let Change::CallRecorded { call } = change else {
            panic!("not recorded: {change:?}")
        };
        assert_eq!(call.talk_secs, Some(95));
        assert_eq!(
            call.recording_url.as_deref(),
            Some("https://media.uiscom.ru/9/1")
        );
        assert_eq!(
            call.finished_at.map(|t| t.to_rfc3339()),
            Some("2026-05-04T07:17:05+00:00".into())
        );
    }

    #[test]
    fn lost_call_names_who_did_not_answer() {
        let change = read(&json!({
            "action": "lost", "call_id": "9", "started_at": "2026-05-04 10:15:30",
            "noanswered_employee_full_names": "[\"Анна\",\"Борис\"]", "wait_time_duration": "20",
            "phone_call": {"duration": null, "receiver_phone": null, "source_phone": "79991234567"}
        }))
        .expect("reads");
        let Change::CallLost { call } = change else {
            panic!("not lost: {change:?}")
        };
        assert_eq!(call.employees, vec!["Анна", "Борис"]);
        assert!(call.extensions.is_empty());
        assert_eq!(call.wait_secs, Some(20));
        assert_eq!(call.talk_secs, Some(0));
        assert!(call.finished_at.is_some());
    }

    #[test]
    fn the_notification_time_dates_a_call_whose_template_has_no_other() {
        let lost = read(&json!({
            "notification_mnemonic": "lost_call", "call_session_id": 9,
            "contact_phone_number": "79991234567", "wait_time_duration": 20,
            "notification_time": "2026-05-04 10:16:00.000000", "employee_ids": [501, 502]
        }))
        .expect("reads");
        let Change::CallLost { call } = lost else {
            panic!("not lost: {lost:?}")
        };
        assert_eq!(
            call.finished_at.map(|t| t.to_rfc3339()),
            Some("2026-05-04T07:16:00+00:00".into()),
            "a lost call is notified when it ends"
        );
        assert_eq!(
            call.started_at.map(|t| t.to_rfc3339()),
            Some("2026-05-04T07:15:40+00:00".into()),
            "it started the wait before"
        );
        assert_eq!(call.employee_ids, ["501", "502"]);
        let waiting = read(&json!({
            "notification_mnemonic": "waiting_for_answer", "call_session_id": 9,
            "contact_phone_number": "79991234567", "notification_timestamp": 1777878940,
            "employee_id": 502
        }))
        .expect("reads");
        let Change::CallRinging { call } = waiting else {
            panic!("not ringing: {waiting:?}")
        };
        assert_eq!(
            call.started_at.map(|t| t.to_rfc3339()),
            Some("2026-05-04T07:15:40+00:00".into()),
            "waiting is notified as the phone starts ringing"
        );
        assert!(call.extensions.is_empty());
        assert_eq!(call.employee_ids, ["502"]);
    }

    #[test]
    fn outgoing_calls_are_made_by_the_employee() {
        let change = read(&json!({
            "action": "finished", "call_id": "9", "direction": "out",
            "phone": "79991234567", "extension_phone_number": "101", "employee_full_name": "Анна"
        }))
        .expect("reads");
        let Change::CallFinished { call } = change else {
            panic!("not finished: {change:?}")
        };
        assert_eq!(call.caller, "101");
        assert_eq!(call.callee.as_deref(), Some("79991234567"));
        assert_eq!(call.caller_name.as_deref(), Some("Анна"));
    }
}
