//! A UIS notification as Ponte's templates (and the seed's) lay it out,
//! read liberally. Field names are the templates' own; the UIS variable
//! names are accepted as aliases (`call_session_id` for `call_id`,
//! `contact_phone_number` for `phone`, `start_time` for `started_at`,
//! `file_link` for `file_url`...), and the seed's nested `phone_call`
//! object is read as well as top-level fields.

use chrono::{DateTime, Utc};
use ponte_core::call::Direction;
use serde_json::{Map, Value};

use crate::fields::{self, Field, find, require};
use crate::time;
use crate::webhook::WebhookError;

/// Which notification this is: the `action` of the seed's templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// "Ожидание ответа": an employee's phone rings (one per employee).
    Waiting,
    /// "Записанный разговор": the recording of a talked call is ready.
    Recorded,
    /// "Потерянный звонок": nobody answered.
    Lost,
    /// "Завершение звонка": the call session ended.
    Finished,
}

impl Event {
    /// The `action` value Ponte's templates write.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Waiting => "wait",
            Event::Recorded => "history",
            Event::Lost => "lost",
            Event::Finished => "finished",
        }
    }

    /// The seed's `action` values, Ponte's, and UIS's event mnemonics.
    pub fn parse(s: &str) -> Option<Event> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wait" | "waiting" | "waiting_for_answer" | "ringing" => Some(Event::Waiting),
            "history" | "recorded" | "recorded_conversation" | "record" | "recording" => {
                Some(Event::Recorded)
            }
            "lost" | "lost_call" | "missed" | "missed_call" => Some(Event::Lost),
            "finished" | "finish" | "call_finished" | "end" | "ended" => Some(Event::Finished),
            _ => None,
        }
    }
}

/// Everything Ponte reads from a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub event: Event,
    /// `call_session_id`.
    pub call_id: String,
    pub app_id: Option<String>,
    pub direction: Direction,
    /// The client's number, digits (the caller of an incoming call).
    pub contact_phone: Option<String>,
    pub contact_name: Option<String>,
    /// The dialled virtual number, digits.
    pub virtual_phone: Option<String>,
    /// The internal number of the employee rung (waiting) or who talked.
    pub extension: Option<String>,
    pub employee_name: Option<String>,
    /// Employees rung who did not answer.
    pub noanswered_names: Vec<String>,
    /// UIS ids of the employees the notification names: `employee_id`
    /// (the one rung, or who talked) first, then `employee_ids`.
    pub employee_ids: Vec<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// When UIS sent the notification (`notification_time`, else
    /// `notification_timestamp`): the only time many published templates
    /// carry. "Waiting" is sent as the phone starts ringing, the other
    /// events when the call is over.
    pub notified_at: Option<DateTime<Utc>>,
    /// Length of the recording (`file_duration`), seconds.
    pub file_secs: Option<u64>,
    pub talk_secs: Option<u64>,
    pub wait_secs: Option<u64>,
    pub total_secs: Option<u64>,
    pub file_url: Option<String>,
}

const ACTION: &[&str] = &["action", "event", "notification_mnemonic"];
const CALL_ID: &[&str] = &["call_id", "call_session_id"];
const PHONE: &[&str] = &[
    "phone",
    "contact_phone_number",
    "phone_call.source_phone",
    "source_phone",
];
const EXTENSION: &[&str] = &[
    "extension_phone_number",
    "phone_call.receiver_phone",
    "receiver_phone",
    "extension",
];
const STARTED: &[&str] = &["started_at", "start_time", "phone_call.started_at"];
const FINISHED: &[&str] = &["finished_at", "finish_time", "phone_call.finished_at"];
const NOTIFIED: &[&str] = &["notification_time", "notification_timestamp"];
const FILE_SECS: &[&str] = &["phone_call.duration", "file_duration", "duration"];
const FILE_URL: &[&str] = &["file_url", "file_link", "record_file_links"];

fn opt<T>(
    body: &Map<String, Value>,
    names: &[&'static str],
    read: impl Fn(Field<'_>) -> Result<T, WebhookError>,
) -> Result<Option<T>, WebhookError> {
    find(body, names).map(read).transpose()
}

fn opt_text(
    body: &Map<String, Value>,
    names: &[&'static str],
) -> Result<Option<String>, WebhookError> {
    Ok(opt(body, names, fields::text)?.filter(|s| !s.is_empty()))
}

fn call_id(f: Field<'_>) -> Result<String, WebhookError> {
    let id = fields::text(f)?;
    let ok = id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    if ok && !id.is_empty() {
        Ok(id)
    } else {
        Err(WebhookError::new(
            f.name,
            format!("`{id}` is not a call session id"),
        ))
    }
}

fn direction(f: Field<'_>) -> Result<Direction, WebhookError> {
    let raw = fields::text(f)?;
    match raw.to_lowercase().as_str() {
        "in" | "incoming" | "inbound" | "0" | "входящий" => Ok(Direction::In),
        "out" | "outgoing" | "outbound" | "1" | "исходящий" => Ok(Direction::Out),
        _ => Err(WebhookError::new(
            f.name,
            format!("`{raw}` is not a call direction (in or out)"),
        )),
    }
}

fn extension(f: Field<'_>) -> Result<String, WebhookError> {
    let ext = fields::text(f)?;
    if ext.len() <= 16 && ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(ext)
    } else {
        Err(WebhookError::new(
            f.name,
            format!("`{ext}` is not an internal number"),
        ))
    }
}

/// `employee_id` first, then the rest of `employee_ids`, each once.
fn employee_ids(body: &Map<String, Value>) -> Result<Vec<String>, WebhookError> {
    let mut ids: Vec<String> = opt(body, &["employee_id"], fields::text)?
        .into_iter()
        .collect();
    for id in opt(body, &["employee_ids"], fields::list)?.unwrap_or_default() {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Both notification times are read (so a bad one is named); the textual
/// one wins, as it is what the template author chose to show.
fn notified_at(body: &Map<String, Value>) -> Result<Option<DateTime<Utc>>, WebhookError> {
    let mut found = None;
    for name in NOTIFIED {
        let t = opt(body, std::slice::from_ref(name), time::field)?;
        found = found.or(t);
    }
    Ok(found)
}

impl Notification {
    /// Reads a notification body; every field Ponte uses is checked, and
    /// the first one that cannot be read is named in the error.
    pub fn read(body: &Value) -> Result<Notification, WebhookError> {
        let body = body.as_object().ok_or_else(|| {
            WebhookError::new("body", "a UIS notification body must be a JSON object")
        })?;
        let action = require(
            body,
            ACTION,
            "Ponte's templates say which notification this is with \"action\": \"wait\" | \"history\" | \"lost\" | \"finished\"",
        )?;
        let action_text = fields::text(action)?;
        let event = Event::parse(&action_text).ok_or_else(|| {
            WebhookError::new(
                action.name,
                format!("`{action_text}` is not one of wait, history, lost, finished"),
            )
        })?;
        let call_id = call_id(require(
            body,
            CALL_ID,
            "the template must carry {{call_session_id}}",
        )?)?;
        let contact_phone = if event == Event::Waiting {
            Some(fields::phone(require(
                body,
                PHONE,
                "the caller's card cannot be found without {{contact_phone_number}}",
            )?)?)
        } else {
            opt(body, PHONE, fields::phone)?
        };
        Ok(Notification {
            event,
            call_id,
            app_id: opt_text(body, &["app_id"])?,
            direction: opt(body, &["direction"], direction)?.unwrap_or_default(),
            contact_phone,
            contact_name: opt_text(body, &["contact_full_name", "contact_name"])?,
            virtual_phone: opt(
                body,
                &["virtual_phone_number", "called_phone_number"],
                fields::phone,
            )?,
            extension: opt(body, EXTENSION, extension)?,
            employee_name: opt_text(body, &["employee_full_name", "employee_name"])?,
            noanswered_names: opt(body, &["noanswered_employee_full_names"], fields::list)?
                .unwrap_or_default(),
            employee_ids: employee_ids(body)?,
            started_at: opt(body, STARTED, time::field)?,
            finished_at: opt(body, FINISHED, time::field)?,
            notified_at: notified_at(body)?,
            file_secs: opt(body, FILE_SECS, fields::count)?,
            talk_secs: opt(
                body,
                &["talk_time_duration", "talk_duration"],
                fields::count,
            )?,
            wait_secs: opt(
                body,
                &["wait_time_duration", "wait_duration"],
                fields::count,
            )?,
            total_secs: opt(
                body,
                &["total_time_duration", "total_duration"],
                fields::count,
            )?,
            file_url: opt(body, FILE_URL, fields::url)?.flatten(),
        })
    }

    /// The event part of the notification's id: UIS sends "waiting for
    /// answer" once per employee rung, so it carries the extension — or,
    /// for templates without one, the UIS id of the employee rung.
    pub fn event_key(&self) -> String {
        match (self.event, &self.extension, self.employee_ids.first()) {
            (Event::Waiting, Some(ext), _) => format!("wait:{ext}"),
            (Event::Waiting, None, Some(id)) => format!("wait:employee-{id}"),
            (event, _, _) => event.as_str().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_top_level_and_nested_fields() {
        let n = Notification::read(&json!({
            "app_id": 12345, "action": "history", "call_id": 237859081,
            "started_at": "2026-05-04 10:15:30.123456", "direction": "in",
            "file_url": "https://media.uiscom.ru/237859081/5001",
            "phone_call": {"duration": "95", "receiver_phone": "101", "source_phone": "79991234567"}
        }))
        .expect("reads");
        assert_eq!(n.event, Event::Recorded);
        assert_eq!(n.call_id, "237859081");
        assert_eq!(n.app_id.as_deref(), Some("12345"));
        assert_eq!(n.contact_phone.as_deref(), Some("79991234567"));
        assert_eq!(n.extension.as_deref(), Some("101"));
        assert_eq!(n.file_secs, Some(95));
        assert_eq!(
            n.started_at.map(|t| t.to_rfc3339()),
            Some("2026-05-04T07:15:30.123456+00:00".into())
        );
    }

    #[test]
    fn uis_variable_names_are_aliases() {
        let n = Notification::read(&json!({
            "notification_mnemonic": "lost_call", "call_session_id": "42",
            "contact_phone_number": "79991234567", "start_time": 1777875330,
            "wait_time_duration": 12, "file_link": null, "direction": "out"
        }))
        .expect("reads");
        assert_eq!(n.event, Event::Lost);
        assert_eq!(n.direction, Direction::Out);
        assert_eq!(n.wait_secs, Some(12));
        assert!(n.file_url.is_none());
    }

    #[test]
    fn notification_times_and_employee_ids_are_read() {
        let n = Notification::read(&json!({
            "notification_mnemonic": "lost_call", "call_session_id": 42,
            "notification_time": "2026-05-04 10:16:00.000000",
            "notification_timestamp": 1777878960,
            "employee_ids": [501, 502], "employee_id": null
        }))
        .expect("reads");
        assert_eq!(
            n.notified_at.map(|t| t.to_rfc3339()),
            Some("2026-05-04T07:16:00+00:00".into())
        );
        assert_eq!(n.employee_ids, ["501", "502"]);
        let only_unix = Notification::read(&json!({
            "action": "wait", "call_id": 1, "phone": "79991234567",
            "notification_timestamp": 1777878960, "employee_id": 502, "employee_ids": "[501, 502]"
        }))
        .expect("reads");
        assert_eq!(
            only_unix.notified_at.map(|t| t.to_rfc3339()),
            Some("2026-05-04T07:16:00+00:00".into())
        );
        assert_eq!(only_unix.employee_ids, ["502", "501"]);
        let bad = Notification::read(&json!({
            "action": "lost", "call_id": 1, "notification_timestamp": "soon"
        }))
        .unwrap_err();
        assert_eq!(bad.field, "notification_timestamp");
    }

    #[test]
    fn names_the_field_it_cannot_read() {
        let field = |v: Value| Notification::read(&v).unwrap_err().field;
        assert_eq!(field(json!([])), "body");
        assert_eq!(field(json!({"call_id": 1})), "action");
        assert_eq!(field(json!({"call_id": 1, "action": "dance"})), "action");
        assert_eq!(field(json!({"action": "lost"})), "call_id");
        assert_eq!(
            field(json!({"action": "lost", "call_id": {"id": 1}})),
            "call_id"
        );
        assert_eq!(field(json!({"action": "wait", "call_id": 1})), "phone");
        assert_eq!(
            field(
                json!({"action": "wait", "call_id": 1, "phone": "79991234567", "direction": "sideways"})
            ),
            "direction"
        );
        assert_eq!(
            field(json!({"action": "lost", "call_id": 1, "started_at": "yesterday"})),
            "started_at"
        );
        assert_eq!(
            field(json!({"action": "history", "call_id": 1, "phone_call": {"duration": "long"}})),
            "phone_call.duration"
        );
        assert_eq!(
            field(json!({"action": "history", "call_id": 1, "file_url": "not a url"})),
            "file_url"
        );
        assert_eq!(
            field(
                json!({"action": "lost", "call_id": 1, "noanswered_employee_full_names": {"a": 1}})
            ),
            "noanswered_employee_full_names"
        );
    }
}
