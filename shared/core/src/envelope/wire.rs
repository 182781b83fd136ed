//! The envelope's JSON: the fields of the envelope with the message as
//! `kind` and `body` beside them, exactly as versions before decision 90
//! wrote it (they kept the body as untyped JSON).
//!
//! Reading decodes the body straight into its type when `kind` comes
//! first, as Ponte always writes it: one pass, no intermediate
//! `serde_json::Value`. A body before its kind (hand-written JSON) is kept
//! as a value and read once the kind is known.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Envelope, Message, MessageKind, WebhookBody};
use crate::{CanonicalEvent, Command, Provider};

const FIELDS: &[&str] = &[
    "id",
    "kind",
    "integration",
    "provider",
    "shard_key",
    "occurred_at",
    "received_at",
    "attempt",
    "body",
];

impl Serialize for Envelope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Envelope", FIELDS.len())?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("kind", &self.message.kind())?;
        st.serialize_field("integration", &self.integration)?;
        st.serialize_field("provider", &self.provider)?;
        st.serialize_field("shard_key", &self.shard_key)?;
        st.serialize_field("occurred_at", &self.occurred_at)?;
        st.serialize_field("received_at", &self.received_at)?;
        st.serialize_field("attempt", &self.attempt)?;
        match &self.message {
            Message::Webhook(body) => st.serialize_field("body", body)?,
            Message::Event(event) => st.serialize_field("body", event)?,
            Message::Command(command) => st.serialize_field("body", command)?,
        }
        st.end()
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Envelope", FIELDS, EnvelopeVisitor)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Id,
    Kind,
    Integration,
    Provider,
    ShardKey,
    OccurredAt,
    ReceivedAt,
    Attempt,
    Body,
    /// Fields of other versions are ignored, as the derived reader did.
    #[serde(other)]
    Other,
}

/// Reads a body as the message of `kind`.
struct BodySeed(MessageKind);

impl<'de> DeserializeSeed<'de> for BodySeed {
    type Value = Message;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Message, D::Error> {
        let kind = self.0;
        let read = match kind {
            MessageKind::Webhook => WebhookBody::deserialize(d).map(Message::Webhook),
            MessageKind::Event => CanonicalEvent::deserialize(d).map(Message::Event),
            MessageKind::Command => Command::deserialize(d).map(Message::Command),
        };
        read.map_err(|e| wrong_body(kind, &e))
    }
}

/// The error for a body that does not match its kind. The reader's
/// position is added once, by the outer reader.
fn wrong_body<E: de::Error>(kind: MessageKind, e: &impl fmt::Display) -> E {
    let text = e.to_string();
    let cause = match text.rsplit_once(" at line ") {
        Some((head, tail)) if tail.contains(" column ") => head,
        _ => text.as_str(),
    };
    E::custom(format_args!(
        "the body of a `{kind}` envelope is not a valid {kind}: {cause}"
    ))
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Ponte envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        fn set<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
            map: &mut A,
            slot: &mut Option<T>,
            name: &'static str,
        ) -> Result<(), A::Error> {
            if slot.is_some() {
                return Err(de::Error::duplicate_field(name));
            }
            *slot = Some(map.next_value()?);
            Ok(())
        }
        let mut id: Option<String> = None;
        let mut kind: Option<MessageKind> = None;
        let mut integration: Option<String> = None;
        let mut provider: Option<Provider> = None;
        let mut shard_key: Option<String> = None;
        let mut occurred_at: Option<DateTime<Utc>> = None;
        let mut received_at: Option<DateTime<Utc>> = None;
        let mut attempt: Option<u32> = None;
        // The body: typed when the kind came first, else kept as JSON.
        let mut body: Option<Message> = None;
        let mut raw_body: Option<serde_json::Value> = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => set(&mut map, &mut id, "id")?,
                Field::Kind => set(&mut map, &mut kind, "kind")?,
                Field::Integration => set(&mut map, &mut integration, "integration")?,
                Field::Provider => set(&mut map, &mut provider, "provider")?,
                Field::ShardKey => set(&mut map, &mut shard_key, "shard_key")?,
                Field::OccurredAt => set(&mut map, &mut occurred_at, "occurred_at")?,
                Field::ReceivedAt => set(&mut map, &mut received_at, "received_at")?,
                Field::Attempt => set(&mut map, &mut attempt, "attempt")?,
                Field::Body => {
                    if body.is_some() || raw_body.is_some() {
                        return Err(de::Error::duplicate_field("body"));
                    }
                    match kind {
                        Some(k) => body = Some(map.next_value_seed(BodySeed(k))?),
                        None => raw_body = Some(map.next_value()?),
                    }
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
        let message = match (body, raw_body) {
            (Some(m), _) => m,
            (None, Some(v)) => BodySeed(kind).deserialize(v).map_err(de::Error::custom)?,
            (None, None) => return Err(de::Error::missing_field("body")),
        };
        Ok(Envelope {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            integration: integration.ok_or_else(|| de::Error::missing_field("integration"))?,
            provider: provider.ok_or_else(|| de::Error::missing_field("provider"))?,
            shard_key: shard_key.ok_or_else(|| de::Error::missing_field("shard_key"))?,
            occurred_at: occurred_at.ok_or_else(|| de::Error::missing_field("occurred_at"))?,
            received_at: received_at.ok_or_else(|| de::Error::missing_field("received_at"))?,
            attempt: attempt.ok_or_else(|| de::Error::missing_field("attempt"))?,
            message,
        })
    }
}
