//! The wrapper around every message on the bus.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Provider, Side};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// `event_id` or `command_id`: deterministic, see [`crate::ids`].
    pub id: String,
    pub kind: MessageKind,
    pub integration: String,
    pub provider: Provider,
    /// Messages with the same key are handled in order.
    pub shard_key: String,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// 0 on the first delivery; each scheduled retry adds one.
    pub attempt: u32,
    pub body: serde_json::Value,
}

/// The body of a [`MessageKind::Webhook`] envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookBody {
    pub side: Side,
    pub payload: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("message is not a valid envelope: {0}")]
    Malformed(#[source] serde_json::Error),
    #[error("envelope body is not a valid {kind}: {source}")]
    Body {
        kind: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

impl Envelope {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        serde_json::from_slice(bytes).map_err(EnvelopeError::Malformed)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a struct of owned JSON-compatible values cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn body_as<T: DeserializeOwned>(&self, kind: &'static str) -> Result<T, EnvelopeError> {
        serde_json::from_value(self.body.clone())
            .map_err(|source| EnvelopeError::Body { kind, source })
    }
}
