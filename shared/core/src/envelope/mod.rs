//! The wrapper around every message on the bus: who it is for, where it
//! runs in order, and a typed [`Message`] (a webhook, a canonical event or a
//! command).
//!
//! Envelopes are made only by the constructors in `build` (webhook, event,
//! command), which own the id and shard-key rules. On the wire the message
//! is the `kind` and `body` fields of the envelope, as before decision 90
//! (see `wire`), so what older versions queued or spooled still reads.

mod build;
mod wire;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CanonicalEvent, Change, Command, Provider, Side};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A provider's webhook as the ingress accepted it.
    Webhook,
    /// A canonical event derived by a worker.
    Event,
    /// A command for a provider worker.
    Command,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Webhook => "webhook",
            MessageKind::Event => "event",
            MessageKind::Command => "command",
        }
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an envelope carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A provider's webhook as the ingress accepted it.
    Webhook(WebhookBody),
    /// A canonical event derived by a worker (or a reconciliation hint).
    Event(CanonicalEvent),
    /// A command for a provider worker.
    Command(Command),
}

impl Message {
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::Webhook(_) => MessageKind::Webhook,
            Message::Event(_) => MessageKind::Event,
            Message::Command(_) => MessageKind::Command,
        }
    }
}

/// Built only by the constructors ([`Envelope::webhook`],
/// [`Envelope::event`], [`Envelope::reconcile_hint`],
/// [`Envelope::command`]): outside this crate the fields are read, and
/// `attempt` counted up, but an envelope is never written by hand.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Envelope {
    /// `event_id` or `command_id`: deterministic, see [`crate::ids`].
    pub id: String,
    pub integration: String,
    pub provider: Provider,
    /// Messages with the same key are handled in order.
    pub shard_key: String,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// 0 on the first delivery; each scheduled retry adds one.
    pub attempt: u32,
    pub message: Message,
}

/// The body of a webhook envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookBody {
    pub side: Side,
    /// The provider's ticket (or call, or conversation) the webhook is
    /// about, as the ingress read it. `None` only in webhooks accepted by a
    /// version before decision 90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What the body means, as the ingress read it (a bare [`Change::Hint`]
    /// when the body only names its subject), so the router does not parse
    /// it again. `None` only in webhooks accepted by a version before
    /// decision 99.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Change>>,
    pub payload: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not an envelope, or a body that does not match its `kind` (the
    /// message names the kind).
    #[error("message is not a valid envelope: {0}")]
    Malformed(#[source] serde_json::Error),
}

impl Envelope {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        serde_json::from_slice(bytes).map_err(EnvelopeError::Malformed)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising owned JSON-compatible values cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn kind(&self) -> MessageKind {
        self.message.kind()
    }
}
