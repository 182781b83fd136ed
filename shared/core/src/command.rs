//! Canonical commands: what a provider worker must make happen.

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::{Action, BaseStatus, Call, CustomField, Provider, Side, Ticket, TicketRef};

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
    /// Add `action`, which happened on the other side, to this side's
    /// linked ticket as an internal action.
    /// The receiving ticket is read from the link when the command runs:
    /// commands of a pair share its shard, so they run after the create.
    AddAction {
        link_id: String,
        origin: TicketRef,
        action: Box<Action>,
        /// The other side's custom fields, brought back with the action
        /// (only from the target to the source).
        #[serde(default)]
        fields: Vec<CustomField>,
        /// The action is the customer's own message from a channel: write
        /// it as a public action from the ticket's client, not as an
        /// internal one.
        #[serde(default)]
        from_customer: bool,
    },
    /// Set this side's linked ticket to the status the other side changed
    /// to (mapped by the correlation when executed).
    ChangeStatus {
        link_id: String,
        origin: TicketRef,
        status: String,
        /// The base status the other side's ticket reached (a channel only
        /// closes, whatever the desk calls its statuses).
        #[serde(default)]
        base_status: BaseStatus,
        changed_at: DateTime<Utc>,
        /// The source ticket's justification for its new status, carried
        /// to a desk that shares the value.
        #[serde(default)]
        justification: Option<String>,
    },
    /// Tell a channel who attends its ticket: the desk counterpart's owner,
    /// mapped through the correlation, or the default agent.
    AssignAgent {
        link_id: String,
        /// The desk owner's person id, if the counterpart has one.
        desk_owner: Option<String>,
    },
    /// A call waits: open the caller's card for the employees whose
    /// internal number rings (finding or creating the caller first).
    PopCallerCard { call: Box<Call> },
    /// Record the call in the desk's call list (with its recording).
    LogCall { call: Box<Call> },
    /// Open a ticket for a call nobody answered, with the call linked.
    OpenMissedCallTicket { call: Box<Call> },
    /// Link `source` with an existing ticket on this side (manual mode's
    /// "associate").
    LinkTickets {
        link_id: String,
        source: TicketRef,
        ticket_id: String,
    },
    /// Take Ponte's marker (`ponte-<integration>-<number>`) off a ticket of
    /// a link an agent removed, so that nothing (a later create looking for
    /// its counterpart, `ponte links rebuild`) reads the pair as linked.
    RemoveMarker {
        link_id: String,
        ticket_id: String,
        marker: String,
    },
    /// Show on this side's ticket that it is linked to `counterpart` (the
    /// other side's number): Ponte's marker and what the endpoint's desk
    /// view asks for. Sent when another provider's worker created the
    /// counterpart and cannot write on this desk.
    MarkLinked {
        link_id: String,
        ticket_id: String,
        counterpart: String,
    },
}

impl Operation {
    /// Every [`Operation::name`], for metrics registered before the first
    /// command (keep in step with `name`).
    pub const NAMES: [&'static str; 11] = [
        "sync_ticket",
        "create_ticket",
        "add_action",
        "change_status",
        "link_tickets",
        "assign_agent",
        "pop_caller_card",
        "log_call",
        "open_missed_call_ticket",
        "remove_marker",
        "mark_linked",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Operation::SyncTicket { .. } => "sync_ticket",
            Operation::CreateTicket { .. } => "create_ticket",
            Operation::AddAction { .. } => "add_action",
            Operation::ChangeStatus { .. } => "change_status",
            Operation::LinkTickets { .. } => "link_tickets",
            Operation::AssignAgent { .. } => "assign_agent",
            Operation::PopCallerCard { .. } => "pop_caller_card",
            Operation::LogCall { .. } => "log_call",
            Operation::OpenMissedCallTicket { .. } => "open_missed_call_ticket",
            Operation::RemoveMarker { .. } => "remove_marker",
            Operation::MarkLinked { .. } => "mark_linked",
        }
    }
}

impl Command {
    /// A command for `side` of `integration`, executed by that side's
    /// provider worker.
    pub fn new(
        integration: &crate::Integration,
        side: Side,
        cause: &str,
        op: Operation,
    ) -> Command {
        Command {
            integration: integration.id.clone(),
            side,
            provider: integration.endpoint(side).provider,
            cause: cause.to_string(),
            op,
        }
    }

    /// What the source side needs once its counterpart `counterpart` exists
    /// on `side`, if anything: a Movidesk source whose counterpart another
    /// desk's worker created is marked by its own worker (the creator cannot
    /// write there); a channel source is told who attends. Other desks need
    /// nothing (the creator already wrote on a source of its own provider).
    /// Sent by the worker that created the counterpart (decision 99).
    pub fn after_created(
        integration: &crate::Integration,
        side: Side,
        cause: &str,
        link_id: &str,
        counterpart: &Ticket,
        source_ticket: &str,
    ) -> Option<Command> {
        if side != Side::Target {
            return None;
        }
        let (source, target) = (integration.source.provider, integration.target.provider);
        let op = if source == Provider::Movidesk
            && target != Provider::Movidesk
            && !source_ticket.is_empty()
        {
            Operation::MarkLinked {
                link_id: link_id.to_string(),
                ticket_id: source_ticket.to_string(),
                counterpart: counterpart.id.clone(),
            }
        } else if source.is_channel() {
            Operation::AssignAgent {
                link_id: link_id.to_string(),
                desk_owner: counterpart.owner.as_ref().and_then(|o| o.id.clone()),
            }
        } else {
            return None;
        };
        Some(Command::new(integration, Side::Source, cause, op))
    }

    /// The link this command is about, when it is about one.
    pub fn link_id(&self) -> Option<&str> {
        match &self.op {
            Operation::SyncTicket { .. }
            | Operation::PopCallerCard { .. }
            | Operation::LogCall { .. }
            | Operation::OpenMissedCallTicket { .. } => None,
            Operation::AssignAgent { link_id, .. } => Some(link_id),
            Operation::CreateTicket { link_id, .. }
            | Operation::AddAction { link_id, .. }
            | Operation::ChangeStatus { link_id, .. }
            | Operation::LinkTickets { link_id, .. }
            | Operation::RemoveMarker { link_id, .. }
            | Operation::MarkLinked { link_id, .. } => Some(link_id),
        }
    }
}

#[cfg(test)]
mod names_tests {
    use super::Operation;

    /// `NAMES` holds exactly the names `name` gives (read from the source,
    /// so a new operation cannot be forgotten there).
    #[test]
    fn names_list_every_operation_name() {
        let src = include_str!("command.rs");
        let start = src.find("pub fn name(&self)").expect("name() is here");
        let body = &src[start..];
        let body = &body[..body.find("\n    }\n").expect("name() ends")];
        let mut found: Vec<&str> = body
            .split("=> \"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        let mut listed = Operation::NAMES.to_vec();
        found.sort_unstable();
        listed.sort_unstable();
        assert_eq!(found, listed);
    }
}
