//! The automations' webhook: `POST webhook_url` with `{"domain", "event", "data"}` (§2.5), unsigned and
//! without an auth header. The documented events are the chat's (`room.after-close`,
//! `room.after-set-agent`, `room.after-insert-message`); ticket events are not documented, so the sandbox
//! follows the same naming with `domain: "ticket"`:
//!
//! | event | when |
//! |---|---|
//! | `ticket.after-create` | a ticket is created |
//! | `ticket.after-update` | a ticket field changes (status, summary, tags, custom fields, group) |
//! | `ticket.after-insert-interaction` | a public or internal comment is added |
//!
//! `data` is the ticket as `GET /v1/tickets/{number}` shows it plus `interactions[]` (the new one last),
//! as the chat events carry the room with its `messages[]`.

use tokio::time::Instant;

use serde_json::json;

use super::model::{Api, Origin};
use super::tenant::Tenant;
use crate::common::delivery::WebhookJob;

/// A ticket event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Created,
    Updated,
    InteractionAdded,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Created => "ticket.after-create",
            Event::Updated => "ticket.after-update",
            Event::InteractionAdded => "ticket.after-insert-interaction",
        }
    }
}

impl Tenant {
    /// Queues the webhooks of events on a ticket (agent-UI changes always; API changes when
    /// `webhook_on_api_changes`).
    pub fn fire(&mut self, number: u64, events: &[Event], origin: Origin) {
        if events.is_empty() || (origin != Origin::AgentUi && !self.webhook_on_api_changes) {
            return;
        }
        let Some(url) = self.webhook_url.clone() else {
            return;
        };
        let Some(ticket) = self.tickets.get(&number) else {
            return;
        };
        let data = self.render_ticket_full(ticket, Api::V1);
        for event in events {
            let body = json!({"domain": "ticket", "event": event.name(), "data": data});
            self.outbox.enqueue(WebhookJob {
                url: url.clone(),
                body,
                due: Instant::now() + self.webhook_delay,
                retries: self.webhook_retries,
                order_key: Some(number.to_string()),
            });
        }
    }
}
