//! The only ways to make an envelope. Each owns its message's id rule (so
//! a repeat anywhere in the chain gets the same id) and its shard key (so
//! the messages of one ticket, link or call run in order).

use chrono::{DateTime, Utc};

use super::{Envelope, Message, WebhookBody};
use crate::ids::{command_id, derive};
use crate::{CanonicalEvent, Change};
use crate::{Command, Emitted, Operation, TicketRef};

impl Envelope {
    /// A webhook the ingress accepted about `ticket` (its subject: the
    /// ticket, call or conversation the provider's body names).
    ///
    /// The same delivery from the same side always gets the same id, so a
    /// provider's retry is recognised: by the delivery's own id when the
    /// provider gives one (`dedupe_key`), else by the body's text as
    /// serde_json writes it (keys sorted; in the body's own order where
    /// `preserve_order` is on, which a provider's retry repeats). Keyed by
    /// the ticket.
    ///
    /// `changes` is what the body means (the ingress reads it once; see
    /// [`WebhookBody::changes`]).
    pub fn webhook(
        ticket: TicketRef,
        dedupe_key: Option<&str>,
        payload: serde_json::Value,
        changes: Vec<Change>,
    ) -> Envelope {
        let canonical;
        let identity = match dedupe_key {
            Some(key) => key,
            None => {
                canonical = serde_json::to_string(&payload).unwrap_or_default();
                canonical.as_str()
            }
        };
        let id = derive(&[
            "webhook",
            ticket.provider.as_str(),
            &ticket.integration,
            ticket.side.as_str(),
            identity,
        ]);
        let now = Utc::now();
        Envelope {
            id,
            shard_key: ticket.key(),
            integration: ticket.integration,
            provider: ticket.provider,
            occurred_at: now,
            received_at: now,
            attempt: 0,
            message: Message::Webhook(WebhookBody {
                side: ticket.side,
                subject: Some(ticket.ticket_id),
                changes: Some(changes),
                payload,
            }),
        }
    }

    /// A canonical event a worker derived, under the id its deriver gave
    /// it (see [`Emitted`]); keyed by its ticket.
    pub fn event(emitted: &Emitted) -> Envelope {
        let ticket = &emitted.event.ticket;
        Envelope {
            id: emitted.id.clone(),
            integration: ticket.integration.clone(),
            provider: ticket.provider,
            shard_key: ticket.key(),
            occurred_at: emitted.occurred_at,
            received_at: Utc::now(),
            attempt: 0,
            message: Message::Event(emitted.event.clone()),
        }
    }

    /// A hint that `ticket` changed at `updated_at` although no webhook
    /// said so (a reconciliation pass): one id per ticket and change time.
    pub fn reconcile_hint(ticket: TicketRef, updated_at: DateTime<Utc>) -> Envelope {
        let id = derive(&["reconcile", &ticket.key(), &updated_at.to_rfc3339()]);
        Envelope::event(&Emitted {
            id,
            occurred_at: updated_at,
            event: CanonicalEvent {
                ticket,
                change: Change::Hint,
            },
        })
    }

    /// A command for its provider's worker. Its id is derived from its
    /// cause (the event, or the operator's request), its subject and its
    /// operation, so the same cause never queues the same work twice.
    /// Keyed by the link when the command is about one (the commands of a
    /// pair run in order, after its create), else by its subject.
    /// `occurred_at` is the cause's time.
    pub fn command(command: Command, occurred_at: DateTime<Utc>) -> Envelope {
        let subject = subject_of(&command);
        let id = command_id(&command.cause, &subject, command.op.name());
        let shard_key = command
            .link_id()
            .map_or_else(|| subject.clone(), str::to_string);
        Envelope {
            id,
            integration: command.integration.clone(),
            provider: command.provider,
            shard_key,
            occurred_at,
            received_at: Utc::now(),
            attempt: 0,
            message: Message::Command(command),
        }
    }
}

/// What a command is about: its link; a ticket read's ticket; a call's
/// call (the events of one call run in order, on the call's shard).
fn subject_of(command: &Command) -> String {
    match (&command.op, command.link_id()) {
        (_, Some(link)) => link.to_string(),
        (Operation::SyncTicket { ticket_id }, None) => {
            format!(
                "{}:{}:{ticket_id}",
                command.integration,
                command.side.as_str()
            )
        }
        (
            Operation::PopCallerCard { call }
            | Operation::LogCall { call }
            | Operation::OpenMissedCallTicket { call },
            None,
        ) => format!("{}:call:{}", command.integration, call.id),
        (other, None) => other.name().to_string(),
    }
}
