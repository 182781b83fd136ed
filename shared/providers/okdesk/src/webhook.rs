//! Okdesk's outgoing webhooks: `{"event": {"event_type": …}, "issue": {…}}`,
//! ids as strings, unsigned (the ingress URL carries the secret). Unlike
//! Movidesk's, the body says what happened, so it is read as it is.

use serde::Deserialize;
use serde_json::Value;

use crate::model::Hook;

/// What the ingress needs from a webhook body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub issue_id: String,
    /// What happened, stable across Okdesk's resends of the same webhook:
    /// `new_comment:<comment id>`, `new_ticket`, or the event type with a
    /// digest of the body for events without an id of their own.
    pub event: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WebhookError {
    pub field: &'static str,
    pub message: String,
}

fn error(field: &'static str, message: impl Into<String>) -> WebhookError {
    WebhookError {
        field,
        message: message.into(),
    }
}

/// Reads the body (shared with the normaliser).
pub(crate) fn parse(body: &Value) -> Result<Hook, WebhookError> {
    let o = body
        .as_object()
        .ok_or_else(|| error("body", "an Okdesk webhook body must be a JSON object"))?;
    let event = o.get("event").filter(|e| e.is_object()).ok_or_else(|| {
        error(
            "event",
            "is missing: Okdesk webhooks carry `event` and `issue`",
        )
    })?;
    if event
        .get("event_type")
        .and_then(Value::as_str)
        .is_none_or(|t| t.trim().is_empty())
    {
        return Err(error("event.event_type", "is missing or not text"));
    }
    let issue = o.get("issue").filter(|i| i.is_object()).ok_or_else(|| {
        error(
            "issue",
            "is missing: Okdesk webhooks carry `event` and `issue`",
        )
    })?;
    let id_ok = match issue.get("id") {
        Some(Value::Number(n)) => n.as_u64().is_some_and(|n| n > 0),
        Some(Value::String(s)) => {
            let s = s.trim();
            !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    };
    if !id_ok {
        return Err(error("issue.id", "is missing or not an issue number"));
    }
    Hook::deserialize(body).map_err(|e| error("body", e.to_string()))
}

/// Checks a webhook body and says which issue and event it is about.
pub fn accept(body: &Value) -> Result<Accepted, WebhookError> {
    accepted(body, parse(body)?)
}

/// [`accept`] and [`crate::normalize::read`] in one reading of the body.
pub fn reading(body: &Value) -> Result<(Accepted, ponte_core::Change), WebhookError> {
    let hook = parse(body)?;
    let change = crate::normalize::change(&hook);
    Ok((accepted(body, hook)?, change))
}

fn accepted(body: &Value, hook: Hook) -> Result<Accepted, WebhookError> {
    let kind = hook.event.event_type.clone().unwrap_or_default();
    let event = match kind.as_str() {
        "new_ticket" => kind,
        "new_comment" => {
            let id = hook
                .event
                .comment
                .as_ref()
                .and_then(|c| c.id.clone())
                .ok_or_else(|| error("event.comment.id", "is missing in a new_comment webhook"))?;
            format!("new_comment:{id}")
        }
        "new_ticket_status"
            if hook
                .event
                .new_status
                .as_ref()
                .and_then(|s| s.code.as_ref())
                .is_none() =>
        {
            return Err(error(
                "event.new_status.code",
                "is missing in a new_ticket_status webhook",
            ));
        }
        _ => {
            let text = serde_json::to_string(body).unwrap_or_default();
            format!("{kind}:{}", ponte_core::ids::derive(&[&text]))
        }
    };
    Ok(Accepted {
        issue_id: hook.issue.id,
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_okdesk_bodies() {
        let comment = json!({"event": {"event_type": "new_comment", "comment": {"id": "7", "is_public": true, "content": "hi"}},
                             "issue": {"id": "153", "title": "x"}});
        assert_eq!(
            accept(&comment),
            Ok(Accepted {
                issue_id: "153".into(),
                event: "new_comment:7".into()
            })
        );
        let status = json!({"event": {"event_type": "new_ticket_status", "new_status": {"code": "completed"}},
                            "issue": {"id": 153}});
        let a = accept(&status).expect("accepted");
        assert!(a.event.starts_with("new_ticket_status:"), "{}", a.event);
        assert_eq!(accept(&status).expect("again").event, a.event, "stable");
    }

    #[test]
    fn names_what_is_wrong() {
        let field = |v: Value| accept(&v).unwrap_err().field;
        assert_eq!(field(json!([1])), "body");
        assert_eq!(field(json!({"issue": {"id": 1}})), "event");
        assert_eq!(
            field(json!({"event": {}, "issue": {"id": 1}})),
            "event.event_type"
        );
        assert_eq!(
            field(json!({"event": {"event_type": "new_ticket"}})),
            "issue"
        );
        assert_eq!(
            field(json!({"event": {"event_type": "new_ticket"}, "issue": {"id": "x"}})),
            "issue.id"
        );
        assert_eq!(
            field(json!({"event": {"event_type": "new_comment"}, "issue": {"id": "1"}})),
            "event.comment.id"
        );
    }
}
