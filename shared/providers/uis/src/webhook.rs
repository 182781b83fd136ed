//! What the ingress accepts from UIS: a notification body rendered from one
//! of Ponte's templates. The event id is derived from `(call_id, event)`,
//! so a notification UIS sends again is recognised as a repeat whatever
//! else changed in its body.

use serde_json::Value;

use crate::model::Notification;

/// What the ingress needs from a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// UIS's `call_session_id`.
    pub call_id: String,
    /// `wait:<extension>` (UIS notifies "waiting for answer" once per
    /// employee rung), `wait:employee-<UIS employee id>` when the template
    /// names the employee only by id, `wait` when neither, `history`,
    /// `lost` or `finished`.
    pub event: String,
}

/// A body Ponte cannot accept, naming the field (as the template spells it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WebhookError {
    pub field: &'static str,
    pub message: String,
}

impl WebhookError {
    pub(crate) fn new(field: &'static str, message: impl Into<String>) -> Self {
        WebhookError {
            field,
            message: message.into(),
        }
    }
}

/// Checks a notification body completely (every field Ponte reads must be
/// readable) and says which call and event it is about.
pub fn accept(body: &Value) -> Result<Accepted, WebhookError> {
    Notification::read(body).map(|n| accepted(&n))
}

/// [`accept`] and [`crate::normalize::read`] in one reading of the body.
pub fn reading(body: &Value) -> Result<(Accepted, ponte_core::Change), WebhookError> {
    let n = Notification::read(body)?;
    Ok((accepted(&n), crate::normalize::change(&n)))
}

fn accepted(n: &Notification) -> Accepted {
    Accepted {
        event: n.event_key(),
        call_id: n.call_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_event_key_tells_repeats_from_other_employees() {
        let wait = |ext: Value| json!({"call_id": 237859081, "action": "wait", "phone": "79991234567", "extension_phone_number": ext});
        let a = accept(&wait(json!("101"))).expect("accepted");
        assert_eq!(a.call_id, "237859081");
        assert_eq!(a.event, "wait:101");
        assert_eq!(
            accept(&wait(json!(101))).expect("accepted"),
            a,
            "number or string"
        );
        assert_eq!(
            accept(&wait(json!(102))).expect("accepted").event,
            "wait:102"
        );
        assert_eq!(accept(&wait(Value::Null)).expect("accepted").event, "wait");
        let by_id =
            json!({"call_id": 1, "action": "wait", "phone": "79991234567", "employee_id": 502});
        assert_eq!(accept(&by_id).expect("accepted").event, "wait:employee-502");
        let lost = json!({"call_id": "237859081", "action": "lost", "phone_call": {"source_phone": 79991234567_u64}});
        assert_eq!(accept(&lost).expect("accepted").event, "lost");
    }

    #[test]
    fn errors_display_the_field() {
        let e = accept(&json!({"action": "wait"})).unwrap_err();
        assert_eq!(e.field, "call_id");
        assert!(e.to_string().starts_with("call_id: "), "{e}");
    }
}
