//! The customer's side, driven by the control API (and by the desk's ticket-creation commands):
//! a conversation handed over to attendance becomes a `Waiting` ticket (new-ticket webhook), the
//! customer writes (forwarded once the ticket is Open, queued before), the customer closes.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::contract::Contract;
use super::envelope::validate_content;
use super::ids::guid;
use super::ticket::{Delivery, Direction, Status, ThreadMessage, Ticket};
use crate::common::error::ControlError;

/// What a new ticket starts with.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub customer: String,
    pub customer_name: Option<String>,
    pub team: Option<String>,
    /// `customerInput`: content type and value.
    pub input: Option<(String, Value)>,
    /// Assigned at creation (desk `set /tickets` with `agentIdentity`); checked by the caller.
    pub agent: Option<String>,
}

fn customer_message(
    type_: &str,
    content: Value,
    delivery: Delivery,
    now: DateTime<Utc>,
) -> ThreadMessage {
    ThreadMessage {
        id: format!("fwd:fwd:{}", guid()),
        direction: Direction::Received,
        type_: type_.to_owned(),
        content,
        date: now,
        delivery,
    }
}

fn closed_error(t: &Ticket) -> ControlError {
    ControlError::conflict(format!(
        "ticket {} is {}: in Blip the customer's next message goes back to the bot, not to this ticket",
        t.id,
        t.status.as_str()
    ))
}

impl Contract {
    /// Creates a ticket, fires the new-ticket webhook and returns the ticket id.
    pub fn open_ticket(&mut self, new: NewTicket, now: DateTime<Utc>) -> String {
        let id = guid();
        let seq = self.next_sequential_id;
        self.next_sequential_id += 1;
        let mut t = Ticket::new_waiting(
            id.clone(),
            seq,
            self.bot_identity.clone(),
            new.customer.trim().to_owned(),
            now,
        );
        t.customer_name = new.customer_name;
        t.team = new.team;
        if let Some((type_, value)) = new.input {
            t.thread.push(customer_message(
                &type_,
                value.clone(),
                Delivery::Input,
                now,
            ));
            t.customer_input = Some((type_, value));
        }
        if let Some(agent) = new.agent {
            t.agent_identity = Some(agent);
            t.set_status(Status::Open, None, now);
        }
        self.insert_ticket(t);
        self.fire_new_ticket(&id);
        tracing::info!(contract = %self.name, ticket = %id, sequential_id = seq, "blip ticket created");
        id
    }

    /// A message from the customer: forwarded at once when the ticket is Open, queued while it waits.
    pub fn customer_writes(
        &mut self,
        ticket_id: &str,
        type_: &str,
        content: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, ControlError> {
        validate_content(type_, &content).map_err(ControlError::validation)?;
        let t = self
            .ticket_mut(ticket_id)
            .ok_or_else(|| unknown_ticket(ticket_id))?;
        if t.status.is_closed() {
            return Err(closed_error(t));
        }
        let open = t.status == Status::Open;
        t.thread
            .push(customer_message(type_, content, Delivery::Queued, now));
        t.unread_messages += 1;
        let index = t.thread.len() - 1;
        let id = t.id.clone();
        if open {
            self.forward(&id, index);
        }
        self.ticket(&id)
            .and_then(|t| t.thread.get(index))
            .map(ThreadMessage::inspect)
            .ok_or_else(|| unknown_ticket(ticket_id))
    }

    /// The customer ends the conversation: `ClosedClient`, and the status envelope is pushed.
    pub fn customer_closes(
        &mut self,
        ticket_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ControlError> {
        let t = self
            .ticket_mut(ticket_id)
            .ok_or_else(|| unknown_ticket(ticket_id))?;
        if t.status.is_closed() {
            return Err(ControlError::conflict(format!(
                "ticket {} is already {}",
                t.id,
                t.status.as_str()
            )));
        }
        t.set_status(Status::ClosedClient, None, now);
        let id = t.id.clone();
        self.fire_status(&id);
        Ok(())
    }
}

pub fn unknown_ticket(id: &str) -> ControlError {
    ControlError::not_found(format!("no Blip ticket '{id}'"))
}
