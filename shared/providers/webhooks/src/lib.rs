//! The one registry of the providers' webhook readers: [`reader`] gives a
//! provider's. The ingress reads a body once ([`WebhookReader::reading`]):
//! it is accepted or refused whole, and what it is about (the ticket, call
//! or conversation, and the delivery id) and what it means travel in the
//! envelope's webhook body, so the router does not parse it again. The
//! router asks the same reader whether a body reports Ponte's own write,
//! and reads the bodies an ingress before decision 99 queued without
//! their meaning.

mod readers;

use ponte_core::{Change, Integration, Provider, Side};
use serde_json::Value;

/// A webhook body the provider's rules accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's ticket (or call, or conversation) the body is about.
    pub subject_id: String,
    /// The delivery's identity when the provider gives one; else the body
    /// itself identifies it.
    pub dedupe_key: Option<String>,
}

/// A body the provider's rules refuse; the text names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

/// An accepted webhook body read into canonical terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Meaning {
    /// The subject changed in some way; re-read it to know how.
    Hint,
    /// The body said exactly what happened (possibly nothing to act on).
    Changes(Vec<Change>),
}

impl Meaning {
    /// The changes to route: a hint is one [`Change::Hint`].
    pub fn into_changes(self) -> Vec<Change> {
        match self {
            Meaning::Hint => vec![Change::Hint],
            Meaning::Changes(changes) => changes,
        }
    }
}

/// A body read whole: what it is about and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub accepted: Accepted,
    pub changes: Vec<Change>,
}

/// One provider's webhooks.
pub trait WebhookReader: Sync {
    /// Checks a body and says what it is about.
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid>;

    /// What an accepted body about `subject` means (the router, for a
    /// webhook queued before decision 99 without its meaning).
    fn read(&self, subject: &str, payload: &Value) -> Result<Meaning, Invalid>;

    /// The one read of a body (the ingress), in one pass: accepted only
    /// when what it means can be read too, so a body is never queued
    /// half-understood. Gives what [`accept`](Self::accept) and
    /// [`read`](Self::read) give.
    fn reading(&self, payload: &Value) -> Result<Reading, Invalid>;

    /// The body reports only a change `agent` (Ponte's agent on that side)
    /// made: Ponte's own write, which needs no re-read.
    fn written_by(&self, _payload: &Value, _agent: &str) -> bool {
        false
    }

    /// The status a body shows when it reports no action: what the webhook
    /// about a write of Ponte's that adds none looks like (see
    /// [`quiet_echo`]). `None` where the provider's bodies cannot tell.
    fn quiet_status<'a>(&self, _payload: &'a Value) -> Option<&'a str> {
        None
    }
}

/// The reader of `provider`'s webhooks (a provider without webhooks has
/// one that refuses every body).
pub fn reader(provider: Provider) -> &'static dyn WebhookReader {
    match provider {
        Provider::Movidesk => &readers::Movidesk,
        Provider::Blip => &readers::Blip,
        Provider::Uis => &readers::Uis,
        Provider::Okdesk => &readers::Okdesk,
        Provider::Octadesk => &readers::Octadesk,
        Provider::Warehouse => &readers::Warehouse,
    }
}

/// Whether a webhook from `side` of `integration` reports only Ponte's own
/// write there (its agent's, with its reference): nothing is to be done
/// for it, so the ingress does not queue it (decision 108) and the router
/// drops one an older ingress queued. A warehouse copies every change,
/// Ponte's included, so its integrations' webhooks are never taken as such.
pub fn own_write(
    integration: &Integration,
    provider: Provider,
    side: Side,
    payload: &Value,
) -> bool {
    integration.target.provider != Provider::Warehouse
        && integration
            .agent(side)
            .is_some_and(|agent| reader(provider).written_by(payload, agent))
}

/// The mark ([`ponte_core::ids::quiet_echo`]) a webhook about `subject`
/// would take if it were the echo of a write of Ponte's that adds no
/// action: Ponte sets that mark before such a write (a marker tag), and a
/// webhook that lists no action and shows the status Ponte saw then takes
/// it once, instead of a re-read (decision 114). `None` for a body that
/// lists an action or names no status.
pub fn quiet_echo(
    integration: &str,
    provider: Provider,
    side: Side,
    subject: &str,
    payload: &Value,
) -> Option<String> {
    reader(provider)
        .quiet_status(payload)
        .map(|status| ponte_core::ids::quiet_echo(integration, side.as_str(), subject, status))
}

#[cfg(test)]
mod tests;
