//! Messages the bot (the agent, through the custom channel) sends on `/messages`, and notifications it
//! sends on `/notifications`. Both are answered `202 Accepted` before any delivery: a message to an
//! unknown, unassigned or closed ticket is accepted and then fails — recorded as failed, with a
//! `failed` notification (sent to the contract's `notifications_url` when set).

use chrono::{DateTime, Utc};

use super::contract::{Contract, MessageRecord, NotificationRecord, push_capped};
use super::envelope::{Message, Notification};
use super::ids::{guid, parse_node};
use super::reason::{AUTHORIZATION_UNAUTHORIZED_SENDER, ROUTING_DESTINATION_NOT_FOUND, Reason};
use super::ticket::{Delivery, Direction, Status, ThreadMessage};
use crate::common::time::format_rfc3339;

/// The ticket id a message is addressed to (`{TICKET_ID}@desk.msging.net[/instance]`).
pub fn ticket_of(to: &str) -> Option<&str> {
    parse_node(to)
        .filter(|n| n.domain.eq_ignore_ascii_case("desk.msging.net") && !n.name.is_empty())
        .map(|n| n.name)
}

impl Contract {
    /// Takes an accepted message to its destination (or fails it).
    pub fn deliver_message(&mut self, msg: &Message, now: DateTime<Utc>) {
        let ticket =
            ticket_of(&msg.to).and_then(|id| self.ticket(id).map(|t| (t.id.clone(), t.status)));
        let outcome = match &ticket {
            None => Err(Reason::new(
                ROUTING_DESTINATION_NOT_FOUND,
                "Destination not found",
            )),
            Some((_, Status::Open)) => Ok(()),
            Some((id, Status::Waiting)) => Err(Reason::new(
                AUTHORIZATION_UNAUTHORIZED_SENDER,
                format!("The ticket '{id}' is not assigned to an agent yet"),
            )),
            Some((id, status)) => Err(Reason::new(
                AUTHORIZATION_UNAUTHORIZED_SENDER,
                format!(
                    "The ticket '{id}' is {} and accepts no more messages",
                    status.as_str()
                ),
            )),
        };
        let ticket_id = ticket.map(|(id, _)| id);
        let message_id = msg.id.clone().unwrap_or_else(guid);
        if let Some(t) = ticket_id.as_deref().and_then(|id| self.ticket_mut(id)) {
            t.thread.push(ThreadMessage {
                id: message_id.clone(),
                direction: Direction::Sent,
                type_: msg.type_.clone(),
                content: msg.content.clone(),
                date: now,
                delivery: match &outcome {
                    Ok(()) => Delivery::Delivered,
                    Err(r) => Delivery::Failed(r.clone()),
                },
            });
            if outcome.is_ok() {
                t.unread_messages = 0;
                if t.first_response_date.is_none() {
                    t.first_response_date = Some(now);
                }
            }
        }
        let notification = match &outcome {
            Err(reason) => {
                tracing::info!(contract = %self.name, to = %msg.to, code = reason.code, "blip message not delivered");
                // Without an id the sender asked for no notification.
                msg.id
                    .as_deref()
                    .map(|id| self.notify_failed(id, &msg.to, reason))
            }
            Ok(()) => None,
        };
        push_capped(
            &mut self.messages,
            MessageRecord {
                at: format_rfc3339(&now),
                id: msg.id.clone(),
                to: msg.to.clone(),
                type_: msg.type_.clone(),
                content: msg.content.clone(),
                ticket_id,
                delivered: outcome.is_ok(),
                reason: outcome.err(),
                notification,
            },
        );
    }

    /// Records a notification from the bot (e.g. `consumed`). A `consumed`/`received` notification
    /// about a ticket's customer message clears the ticket's unread count.
    pub fn receive_notification(&mut self, n: &Notification, now: DateTime<Utc>) {
        if matches!(n.event.as_str(), "consumed" | "received") {
            let id = n.id.clone();
            for t in self.tickets.values_mut() {
                if t.thread
                    .iter()
                    .any(|m| m.id == id && m.direction == Direction::Received)
                {
                    t.unread_messages = 0;
                }
            }
        }
        push_capped(
            &mut self.notifications,
            NotificationRecord {
                at: format_rfc3339(&now),
                notification: n.raw.clone(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_desk_nodes_name_a_ticket() {
        assert_eq!(ticket_of("abc@desk.msging.net/Webhook"), Some("abc"));
        assert_eq!(ticket_of("abc@desk.msging.net"), Some("abc"));
        assert_eq!(ticket_of("5511@wa.gw.msging.net"), None);
    }
}
