//! What the ingress accepts from Octadesk. Octadesk signs nothing (the
//! secret travels in the URL) and documents no ticket webhook; two shapes
//! are known (§2.5):
//!
//! * an automation ("ação automática") calling Ponte's URL for a ticket:
//!   `{"domain": "ticket", "event": "…", "data": {"number": …}}`, or the
//!   ticket number at the JSON root (`number` / `Number`, as VeloHub saw).
//!   It is a hint: the worker re-reads the ticket (`sync_ticket`).
//! * a conversation event `{"domain": "chat", "event": "room.after-…",
//!   "data": <room>}`, which says what happened (see `normalize`). A room
//!   is a ticket for Ponte with the id `chat-<room id>`.

use serde_json::Value;

use crate::de::text;

/// Prefix of the ticket id Ponte gives a conversation (chat room).
pub const CHAT_PREFIX: &str = "chat-";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The ticket number, or `chat-<room id>` for a conversation.
    pub ticket_id: String,
    /// The delivery's identity when the body names one (a conversation
    /// message's id); otherwise the body itself identifies it.
    pub dedupe_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WebhookError {
    pub field: &'static str,
    pub message: String,
}

pub(crate) fn err(field: &'static str, message: impl Into<String>) -> WebhookError {
    WebhookError {
        field,
        message: message.into(),
    }
}

/// What kind of body this is.
pub(crate) enum Body<'a> {
    Ticket {
        number: String,
    },
    Chat {
        event: String,
        room: String,
        data: &'a Value,
    },
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(crate) fn classify(body: &Value) -> Result<Body<'_>, WebhookError> {
    if !body.is_object() {
        return Err(err(
            "body",
            "an Octadesk webhook body must be a JSON object",
        ));
    }
    let domain = text(body, &["domain"]).map(|d| d.to_lowercase());
    let data = body.get("data").filter(|d| d.is_object());
    if domain.as_deref() == Some("chat") {
        let data =
            data.ok_or_else(|| err("data", "a conversation event carries the room in `data`"))?;
        let room = text(data, &["id", "roomKey", "key", "_id"])
            .ok_or_else(|| err("data.id", "is missing: the room's id (key) is needed"))?;
        if !valid_id(&room) {
            return Err(err("data.id", format!("`{room}` is not a room id")));
        }
        let event = text(body, &["event"])
            .ok_or_else(|| err("event", "is missing: e.g. room.after-insert-message"))?;
        return Ok(Body::Chat { event, room, data });
    }
    let number = data
        .and_then(|d| text(d, &["number", "ticketNumber", "Number", "ticket.number"]))
        .or_else(|| text(body, &["number", "Number", "ticketNumber", "ticket.number"]))
        .ok_or_else(|| {
            err(
                "number",
                "is missing: an Octadesk ticket webhook carries the ticket number in `data.number` or `number`",
            )
        })?;
    if !valid_id(&number) || number.chars().all(|c| c == '0') {
        return Err(err("number", format!("`{number}` is not a ticket number")));
    }
    Ok(Body::Ticket { number })
}

/// Checks a webhook body and says which ticket (or conversation) it is
/// about.
pub fn accept(body: &Value) -> Result<Accepted, WebhookError> {
    classify(body).map(|b| accepted(&b))
}

/// [`accept`] and [`crate::normalize::read`] in one reading of the body.
pub fn reading(body: &Value) -> Result<(Accepted, Option<ponte_core::Change>), WebhookError> {
    let body = classify(body)?;
    Ok((accepted(&body), crate::normalize::meaning(&body)))
}

fn accepted(body: &Body<'_>) -> Accepted {
    match body {
        Body::Ticket { number } => Accepted {
            ticket_id: number.clone(),
            dedupe_key: None,
        },
        Body::Chat { event, room, data } => {
            let detail = match event.as_str() {
                "room.after-insert-message" => last_message(data)
                    .and_then(|m| text(m, &["id", "_id", "key"]))
                    .unwrap_or_default(),
                "room.after-set-agent" => {
                    text(data, &["agent.id", "agent.email"]).unwrap_or_default()
                }
                _ => String::new(),
            };
            Accepted {
                ticket_id: format!("{CHAT_PREFIX}{room}"),
                dedupe_key: (!detail.is_empty()).then(|| format!("chat:{room}:{event}:{detail}")),
            }
        }
    }
}

/// The newest message a room event carries.
pub(crate) fn last_message(data: &Value) -> Option<&Value> {
    match data.get("messages") {
        Some(Value::Array(m)) if !m.is_empty() => m.last(),
        _ => ["message", "lastMessage"]
            .iter()
            .find_map(|k| data.get(*k).filter(|m| m.is_object())),
    }
}

/// The room's own id from a `chat-<id>` ticket id.
pub fn room_of(ticket_id: &str) -> Option<&str> {
    ticket_id
        .strip_prefix(CHAT_PREFIX)
        .filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ticket_hints_in_both_shapes() {
        let a = accept(
            &json!({"domain": "ticket", "event": "ticket.updated", "data": {"number": 1042}}),
        );
        assert_eq!(a.map(|a| a.ticket_id), Ok("1042".into()));
        let a = accept(&json!({"Number": "77", "cpf_do_titular": "1"})).expect("root number");
        assert_eq!((a.ticket_id.as_str(), a.dedupe_key), ("77", None));
    }

    #[test]
    fn conversation_events_carry_their_message_id() {
        let body = json!({"domain": "chat", "event": "room.after-insert-message",
            "data": {"id": "room-1", "messages": [{"id": "m1", "body": "oi"}, {"id": "m2", "body": "tudo bem?"}]}});
        let a = accept(&body).expect("accepted");
        assert_eq!(a.ticket_id, "chat-room-1");
        assert_eq!(
            a.dedupe_key.as_deref(),
            Some("chat:room-1:room.after-insert-message:m2")
        );
        assert_eq!(room_of(&a.ticket_id), Some("room-1"));
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(accept(&json!([1])).unwrap_err().field, "body");
        assert_eq!(
            accept(&json!({"summary": "x"})).unwrap_err().field,
            "number"
        );
        assert_eq!(
            accept(&json!({"number": "1/2"})).unwrap_err().field,
            "number"
        );
        assert_eq!(accept(&json!({"number": 0})).unwrap_err().field, "number");
        assert_eq!(
            accept(&json!({"domain": "chat", "event": "room.after-close", "data": {}}))
                .unwrap_err()
                .field,
            "data.id"
        );
        assert_eq!(
            accept(&json!({"domain": "chat", "data": {"id": "r"}}))
                .unwrap_err()
                .field,
            "event"
        );
    }
}
