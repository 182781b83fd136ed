//! Canonical events: what happened at a provider, in Ponte's words.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Action, Call, CustomField, Provider, Side, Ticket};

/// A ticket at one side of one integration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TicketRef {
    pub integration: String,
    pub side: Side,
    pub provider: Provider,
    pub ticket_id: String,
}

impl TicketRef {
    /// Stable key for sharding and storage.
    pub fn key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.integration,
            self.side.as_str(),
            self.ticket_id
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonicalEvent {
    pub ticket: TicketRef,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// A webhook that only says "this ticket changed": the ticket must be
    /// re-read from the provider to know what changed.
    Hint,
    /// First time Ponte sees this ticket (created, or older and newly seen).
    TicketCreated {
        ticket: Box<Ticket>,
    },
    ActionAdded {
        action: Action,
        ticket: Box<Ticket>,
    },
    StatusChanged {
        from: Option<String>,
        to: String,
        changed_at: Option<DateTime<Utc>>,
        /// Who changed it, when the provider says.
        #[serde(default)]
        changed_by: Option<String>,
        /// From a finished base status (resolved, closed, canceled) back to
        /// an open one.
        #[serde(default)]
        reopened: bool,
        ticket: Box<Ticket>,
    },
    CustomFieldsChanged {
        fields: Vec<CustomField>,
        ticket: Box<Ticket>,
    },
    /// Other fields changed (category, urgency, tags, owner, service...):
    /// an unlinked ticket may now meet the integration's conditions.
    TicketUpdated {
        ticket: Box<Ticket>,
    },
    /// Ponte created this ticket as the counterpart of `link_id`'s source
    /// (so a channel can be told who attends).
    CounterpartCreated {
        link_id: String,
        ticket: Box<Ticket>,
        /// The source ticket's number (empty in events of older versions).
        #[serde(default)]
        source_ticket: String,
    },
    /// A call waits for an employee to answer.
    CallRinging {
        call: Box<Call>,
    },
    /// A call was talked and recorded.
    CallRecorded {
        call: Box<Call>,
    },
    /// Nobody answered the call.
    CallLost {
        call: Box<Call>,
    },
    /// The call session ended (answered or not).
    CallFinished {
        call: Box<Call>,
    },
}

impl Change {
    pub fn name(&self) -> &'static str {
        match self {
            Change::Hint => "hint",
            Change::TicketCreated { .. } => "ticket_created",
            Change::ActionAdded { .. } => "action_added",
            Change::StatusChanged { .. } => "status_changed",
            Change::CustomFieldsChanged { .. } => "custom_fields_changed",
            Change::TicketUpdated { .. } => "ticket_updated",
            Change::CounterpartCreated { .. } => "counterpart_created",
            Change::CallRinging { .. } => "call_ringing",
            Change::CallRecorded { .. } => "call_recorded",
            Change::CallLost { .. } => "call_lost",
            Change::CallFinished { .. } => "call_finished",
        }
    }

    /// The ticket as the change left it, when the change carries it.
    pub fn ticket(&self) -> Option<&Ticket> {
        match self {
            Change::Hint
            | Change::CallRinging { .. }
            | Change::CallRecorded { .. }
            | Change::CallLost { .. }
            | Change::CallFinished { .. } => None,
            Change::TicketCreated { ticket }
            | Change::ActionAdded { ticket, .. }
            | Change::StatusChanged { ticket, .. }
            | Change::CustomFieldsChanged { ticket, .. }
            | Change::TicketUpdated { ticket }
            | Change::CounterpartCreated { ticket, .. } => Some(ticket),
        }
    }
}

/// A canonical event derived from a provider's reading (by the snapshot
/// diff or an executor), with its deterministic id.
#[derive(Debug, Clone)]
pub struct Emitted {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub event: CanonicalEvent,
}
