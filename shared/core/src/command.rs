//! Canonical commands: what a provider worker must make happen.

use serde::{Deserialize, Serialize};

use crate::{Provider, Side, Ticket, TicketRef};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub integration: String,
    /// The side whose provider executes the command.
    pub side: Side,
    pub provider: Provider,
    /// The event this command answers, for history and tracing.
    pub cause: String,
    pub op: Operation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Operation {
    /// Re-read the ticket, compare it with the last snapshot and publish what
    /// changed as canonical events.
    SyncTicket { ticket_id: String },
    /// Create the counterpart of `source` on this command's side and link
    /// the two.
    CreateTicket {
        link_id: String,
        source: TicketRef,
        ticket: Box<Ticket>,
        how: crate::LinkOrigin,
    },
}

impl Operation {
    pub fn name(&self) -> &'static str {
        match self {
            Operation::SyncTicket { .. } => "sync_ticket",
            Operation::CreateTicket { .. } => "create_ticket",
        }
    }
}

impl Command {
    /// The link this command is about, when it is about one.
    pub fn link_id(&self) -> Option<&str> {
        match &self.op {
            Operation::SyncTicket { .. } => None,
            Operation::CreateTicket { link_id, .. } => Some(link_id),
        }
    }
}
