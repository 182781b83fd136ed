//! Octadesk → canonical. A ticket webhook is a hint (`Change::Hint`): the
//! worker re-reads the ticket with its interactions (`ticket`) and compares
//! it with the last snapshot (`ponte_core::diff`). A conversation event says what
//! happened and is read as it is (`chat`).

mod chat;
#[cfg(test)]
mod diff;
mod ticket;

use ponte_core::Change;
use serde_json::Value;

use crate::webhook::{Body, WebhookError, classify};

pub use ticket::{base_status, ticket};

/// What a webhook body means: `Hint` for a ticket (re-read it), the change
/// for a conversation event, `None` for an event that needs nothing.
pub fn read(body: &Value) -> Result<Option<Change>, WebhookError> {
    classify(body).map(|b| meaning(&b))
}

/// What a classified body means (see [`read`]).
pub(crate) fn meaning(body: &Body<'_>) -> Option<Change> {
    match body {
        Body::Ticket { .. } => Some(Change::Hint),
        Body::Chat { event, room, data } => chat::change(event, room, data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_ticket_webhook_is_a_hint() {
        assert_eq!(
            read(&json!({"domain": "ticket", "data": {"number": 5}})),
            Ok(Some(Change::Hint))
        );
        assert!(read(&json!({"x": 1})).is_err());
    }
}
