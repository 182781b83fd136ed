//! What the ingress accepts from Blip's custom channel: a ticket envelope
//! or a customer message, each with an id and a ticket address.

use serde::Deserialize;
use serde_json::Value;

use crate::model::{Envelope, TICKET_TYPE, ticket_of};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub ticket_id: String,
    /// Blip's envelope id (`Ticket:{id}:Waiting`, `fwd:fwd:{msg}`): a
    /// repeated delivery carries the same one.
    pub envelope_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WebhookError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> WebhookError {
    WebhookError {
        field,
        message: message.into(),
    }
}

pub fn accept(body: &Value) -> Result<Accepted, WebhookError> {
    accepted(&envelope(body)?)
}

/// [`accept`] and [`crate::normalize::read`] in one reading of the body.
pub fn reading(body: &Value) -> Result<(Accepted, Option<ponte_core::Change>), WebhookError> {
    let env = envelope(body)?;
    let accepted = accepted(&env)?;
    Ok((accepted, crate::normalize::meaning(&env)?))
}

/// The body as a Blip envelope (shared with the normaliser).
pub(crate) fn envelope(body: &Value) -> Result<Envelope, WebhookError> {
    if !body.is_object() {
        return Err(err("body", "a Blip envelope must be a JSON object"));
    }
    Envelope::deserialize(body).map_err(|e| err("body", e.to_string()))
}

fn accepted(env: &Envelope) -> Result<Accepted, WebhookError> {
    let id = env
        .id
        .clone()
        .filter(|i| !i.is_empty())
        .ok_or_else(|| err("id", "is missing: every Blip envelope has an id"))?;
    let kind = env
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| err("type", "is missing: Blip envelopes say their content type"))?;
    let ticket_id = match env.from.as_deref().and_then(ticket_of) {
        Some(t) => t.to_string(),
        // A ticket envelope names its ticket in the content too.
        None if kind == TICKET_TYPE => env
            .content
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| err("content.id", "a ticket envelope needs the ticket id"))?,
        None => {
            return Err(err(
                "from",
                "must be the ticket's address, {TICKET_ID}@desk.msging.net/Webhook",
            ));
        }
    };
    if kind == TICKET_TYPE && env.content.get("status").and_then(Value::as_str).is_none() {
        return Err(err(
            "content.status",
            "a ticket envelope needs the ticket's status",
        ));
    }
    Ok(Accepted {
        ticket_id,
        envelope_id: id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_the_documented_envelopes() {
        let ticket = json!({"type": TICKET_TYPE, "content": {"id": "t1", "status": "Waiting"}, "id": "Ticket:t1:Waiting", "from": "t1@desk.msging.net/Webhook"});
        assert_eq!(accept(&ticket).map(|a| a.ticket_id), Ok("t1".into()));
        let msg = json!({"type": "text/plain", "content": "Oi", "id": "fwd:fwd:m1", "from": "t1@desk.msging.net/Webhook"});
        assert_eq!(accept(&msg).map(|a| a.envelope_id), Ok("fwd:fwd:m1".into()));
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            accept(&json!({"type": "text/plain", "from": "t@desk.msging.net/Webhook"}))
                .unwrap_err()
                .field,
            "id"
        );
        assert_eq!(
            accept(&json!({"id": "x", "type": "text/plain", "from": "5511@wa.gw.msging.net"}))
                .unwrap_err()
                .field,
            "from"
        );
        assert_eq!(
            accept(&json!({"id": "x", "from": "t@desk.msging.net/Webhook"}))
                .unwrap_err()
                .field,
            "type"
        );
        assert_eq!(accept(&json!({"id": "x", "type": TICKET_TYPE, "content": {"id": "t"}, "from": "t@desk.msging.net/Webhook"})).unwrap_err().field, "content.status");
    }
}
