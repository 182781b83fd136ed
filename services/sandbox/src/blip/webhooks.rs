//! What Blip POSTs to the custom attendance channel URL, in the documented shapes, with the channel's
//! authentication key in the configured header; and the `failed` notifications sent to the bot's
//! notification URL.
//!
//! * new ticket: `{"type": "application/vnd.iris.ticket+json", "content": {ticket…}, "id":
//!   "Ticket:{TICKET_ID}:Waiting", "from": "{TICKET_ID}@desk.msging.net/Webhook"}`;
//! * customer message (only once the ticket is Open): `{"type", "content", "id": "fwd:fwd:{MESSAGE_ID}",
//!   "from": "{TICKET_ID}@desk.msging.net/Webhook"}`;
//! * customer closed the ticket (sandbox assumption, not documented): the ticket envelope again with
//!   status `ClosedClient` and id `Ticket:{TICKET_ID}:ClosedClient`.

use serde_json::{Value, json};
use tokio::time::Instant;

use super::contract::Contract;
use super::envelope::TICKET_TYPE;
use super::reason::Reason;
use super::ticket::{Delivery, ThreadMessage, Ticket};
use crate::common::delivery::WebhookJob;

/// The ticket's node on the custom channel.
pub fn ticket_channel(ticket_id: &str) -> String {
    format!("{ticket_id}@desk.msging.net/Webhook")
}

/// The new-ticket envelope.
pub fn new_ticket_body(t: &Ticket) -> Value {
    json!({
        "type": TICKET_TYPE,
        "content": t.render_new_ticket(),
        "id": format!("Ticket:{}:{}", t.id, t.status.as_str()),
        "from": ticket_channel(&t.id),
    })
}

/// A ticket envelope after a status change (the full ticket document).
pub fn status_body(t: &Ticket) -> Value {
    json!({
        "type": TICKET_TYPE,
        "content": t.render(),
        "id": format!("Ticket:{}:{}", t.id, t.status.as_str()),
        "from": ticket_channel(&t.id),
    })
}

/// A customer message forwarded to the channel (its id is already `fwd:fwd:{MESSAGE_ID}`).
pub fn customer_message_body(t: &Ticket, m: &ThreadMessage) -> Value {
    json!({
        "type": m.type_,
        "content": m.content,
        "id": m.id,
        "from": ticket_channel(&t.id),
    })
}

/// The notification Blip's server sends when a message cannot be delivered.
pub fn failed_notification(message_id: &str, bot_identity: &str, reason: &Reason) -> Value {
    json!({
        "id": message_id,
        "from": "postmaster@msging.net/sandbox",
        "to": bot_identity,
        "event": "failed",
        "reason": reason.to_json(),
    })
}

impl Contract {
    fn auth_headers(&self) -> Vec<(String, String)> {
        self.webhook_auth_key
            .iter()
            .map(|k| (self.webhook_auth_header.clone(), k.clone()))
            .collect()
    }

    /// Queues a POST about a ticket to the custom channel URL (nothing when the contract has none).
    fn push_webhook(&mut self, ticket_id: &str, body: Value) {
        let Some(url) = self.webhook_url.clone() else {
            return;
        };
        let headers = self.auth_headers();
        self.outbox.enqueue_with_headers(
            WebhookJob {
                url,
                body,
                due: Instant::now() + self.webhook_delay,
                retries: self.webhook_retries,
                order_key: Some(ticket_id.to_owned()),
            },
            headers,
        );
    }

    pub fn fire_new_ticket(&mut self, ticket_id: &str) {
        if let Some(body) = self.ticket(ticket_id).map(new_ticket_body) {
            self.push_webhook(ticket_id, body);
        }
    }

    pub fn fire_status(&mut self, ticket_id: &str) {
        if let Some(body) = self.ticket(ticket_id).map(status_body) {
            self.push_webhook(ticket_id, body);
        }
    }

    /// Forwards the thread message at `index` and marks it forwarded.
    pub fn forward(&mut self, ticket_id: &str, index: usize) {
        let Some(t) = self.ticket_mut(ticket_id) else {
            return;
        };
        let Some(m) = t.thread.get_mut(index) else {
            return;
        };
        m.delivery = Delivery::Forwarded;
        let body = t.thread.get(index).map(|m| customer_message_body(t, m));
        if let Some(body) = body {
            self.push_webhook(ticket_id, body);
        }
    }

    /// Forwards, in order, the customer messages queued while the ticket waited for an agent.
    pub fn flush_queue(&mut self, ticket_id: &str) {
        let queued = self
            .ticket(ticket_id)
            .map(Ticket::queued)
            .unwrap_or_default();
        for index in queued {
            self.forward(ticket_id, index);
        }
    }

    /// Builds the `failed` notification of a message sent `to` a node and POSTs it to the notification
    /// URL, if any (in order per node).
    pub fn notify_failed(&mut self, message_id: &str, to: &str, reason: &Reason) -> Value {
        let body = failed_notification(message_id, &self.bot_identity, reason);
        if let Some(url) = self.notifications_url.clone() {
            self.notify_outbox.enqueue(WebhookJob {
                url,
                body: body.clone(),
                due: Instant::now() + self.webhook_delay,
                retries: self.webhook_retries,
                order_key: Some(to.to_owned()),
            });
        }
        body
    }
}
