//! The variables a notification template can use, per event, with UIS's types (§2.1): ids and durations
//! are integers, phone numbers are digit strings without `+`, `direction` is `in`, lists are arrays,
//! date-times are `YYYY-MM-DD HH:MM:SS.ffffff` (or without the fraction) in the account's zone.
//!
//! | Variable | waiting_for_answer | call_finished | recorded_conversation | lost_call |
//! |---|---|---|---|---|
//! | app_id, call_session_id, communication_id, communication_type, notification_name, notification_mnemonic, notification_time, notification_timestamp, start_time, direction, contact_phone_number, calling_phone_number, virtual_phone_number, called_phone_number, contact_id, contact_full_name, is_internal, external_id, scenario_id, scenario_name | ✓ | ✓ | ✓ | ✓ |
//! | employee_id, employee_full_name, extension_phone_number, leg_id | the rung employee | who answered | who answered | null |
//! | employee_ids, leg_ids, noanswered_employee_full_names | all rung / all legs / rung but not answering | ✓ | ✓ | ✓ |
//! | wait_time_duration, talk_time_duration, total_time_duration, finish_time | – | ✓ | ✓ | ✓ (talk 0) |
//! | file_link, file_duration, record_file_links | – | ✓ (null if not recorded) | ✓ | null / [] |
//! | lost_reason | – | – | – | ✓ |
//! | tag_ids, tag_names | [] | [] | [] | [] |
//!
//! Anything else is an unknown placeholder.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Value, json};

use super::calls::{Call, Outcome};
use super::config::{EventKind, TimestampFormat};
use super::template::Vars;

/// Formats a date-time variable.
pub fn format_time(t: &DateTime<Utc>, tz: &FixedOffset, f: TimestampFormat) -> String {
    let local = t.with_timezone(tz);
    match f {
        TimestampFormat::Microseconds => local.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        TimestampFormat::Seconds => local.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

/// What a notification is about.
pub struct Context<'a> {
    pub app_id: u64,
    pub tz: FixedOffset,
    pub format: TimestampFormat,
    pub call: &'a Call,
    pub event: EventKind,
    /// The leg of a `waiting_for_answer`, or the answered leg.
    pub leg: Option<usize>,
    pub notification_name: &'a str,
    pub at: DateTime<Utc>,
}

/// The variables of one notification.
pub fn variables(cx: &Context<'_>) -> Vars {
    let call = cx.call;
    let time = |t: &DateTime<Utc>| Value::String(format_time(t, &cx.tz, cx.format));
    let mut v = Vars::new();
    v.insert("app_id", json!(cx.app_id));
    v.insert("call_session_id", json!(call.call_session_id));
    v.insert("communication_id", json!(call.call_session_id));
    v.insert("communication_type", json!("call"));
    v.insert("notification_name", json!(cx.notification_name));
    v.insert("notification_mnemonic", json!(cx.event.key()));
    v.insert("notification_time", time(&cx.at));
    v.insert("notification_timestamp", json!(cx.at.timestamp()));
    v.insert("start_time", time(&call.start));
    v.insert("direction", json!("in"));
    v.insert("contact_phone_number", json!(call.contact_phone_number));
    v.insert("calling_phone_number", json!(call.contact_phone_number));
    v.insert("virtual_phone_number", json!(call.virtual_phone_number));
    v.insert("called_phone_number", json!(call.virtual_phone_number));
    v.insert("contact_id", json!(call.contact_id));
    v.insert("contact_full_name", json!(call.contact_full_name));
    v.insert("is_internal", json!(false));
    v.insert("external_id", Value::Null);
    v.insert("scenario_id", json!(1));
    v.insert("scenario_name", json!("Основной сценарий"));
    v.insert("tag_ids", json!([]));
    v.insert("tag_names", json!([]));
    v.insert(
        "employee_ids",
        json!(call.legs.iter().map(|l| l.employee_id).collect::<Vec<_>>()),
    );
    v.insert(
        "leg_ids",
        json!(call.legs.iter().map(|l| l.leg_id).collect::<Vec<_>>()),
    );
    v.insert(
        "noanswered_employee_full_names",
        json!(
            call.legs
                .iter()
                .filter(|l| !l.answered)
                .map(|l| l.employee_full_name.as_str())
                .collect::<Vec<_>>()
        ),
    );
    let leg = cx.leg.and_then(|i| call.legs.get(i));
    v.insert("employee_id", json!(leg.map(|l| l.employee_id)));
    v.insert(
        "employee_full_name",
        json!(leg.map(|l| l.employee_full_name.as_str())),
    );
    v.insert(
        "extension_phone_number",
        json!(leg.map(|l| l.extension_phone_number.as_str())),
    );
    v.insert("leg_id", json!(leg.map(|l| l.leg_id)));
    if cx.event == EventKind::WaitingForAnswer {
        return v;
    }
    let talk = if call.outcome == Outcome::Answered {
        call.talk_seconds
    } else {
        0
    };
    v.insert("wait_time_duration", json!(call.wait_seconds));
    v.insert("talk_time_duration", json!(talk));
    v.insert("total_time_duration", json!(call.wait_seconds + talk));
    v.insert("finish_time", time(&call.finish()));
    let recorded = call.outcome == Outcome::Answered && call.file_link.is_some();
    v.insert(
        "file_link",
        json!(call.file_link.as_deref().filter(|_| recorded)),
    );
    v.insert("file_duration", json!(recorded.then_some(talk)));
    v.insert(
        "record_file_links",
        json!(
            call.file_link
                .iter()
                .filter(|_| recorded)
                .collect::<Vec<_>>()
        ),
    );
    if cx.event == EventKind::LostCall {
        v.insert(
            "lost_reason",
            json!(call.lost_reason.as_deref().unwrap_or("no_answer")),
        );
    }
    v
}
