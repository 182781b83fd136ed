//! What a provider's webhook means, before any rule applies.

use ponte_core::envelope::WebhookBody;
use ponte_core::{Change, Envelope, Integration, MessageKind, Provider};
use serde_json::Value;

/// A webhook body read into canonical terms.
pub(crate) enum Meaning {
    /// The ticket changed in some way; re-read it to know how.
    Hint { ticket_id: String },
    /// The body said exactly what happened (possibly nothing to act on).
    Changes(Vec<Change>),
}

pub(crate) fn read(provider: Provider, payload: &Value) -> Result<Meaning, String> {
    match provider {
        Provider::Movidesk => ponte_movidesk::webhook::accept(payload)
            .map(|a| Meaning::Hint {
                ticket_id: a.ticket_id,
            })
            .map_err(|e| e.to_string()),
        Provider::Blip => ponte_blip::normalize::read(payload)
            .map(|c| Meaning::Changes(c.into_iter().collect()))
            .map_err(|e| e.to_string()),
        Provider::Uis => ponte_uis::normalize::read(payload)
            .map(|c| Meaning::Changes(vec![c]))
            .map_err(|e| e.to_string()),
        Provider::Okdesk => ponte_okdesk::normalize::read(payload)
            .map(|c| Meaning::Changes(vec![c]))
            .map_err(|e| e.to_string()),
        Provider::Octadesk => ponte_octadesk::normalize::read(payload)
            .map(|c| Meaning::Changes(c.into_iter().collect()))
            .map_err(|e| e.to_string()),
        Provider::Warehouse => Err("a warehouse sends no webhooks".to_string()),
    }
}

/// A Movidesk webhook reporting only Ponte's own write on a linked desk:
/// the re-read it would cost finds nothing to carry (see
/// `ponte_movidesk::webhook::written_by`). A warehouse copies every change,
/// Ponte's included, so its webhooks are always read.
pub(crate) fn own_write(env: &Envelope, integration: &Integration, body: &WebhookBody) -> bool {
    env.kind == MessageKind::Webhook
        && env.provider == Provider::Movidesk
        && integration.target.provider != Provider::Warehouse
        && integration
            .agent(body.side)
            .is_some_and(|agent| ponte_movidesk::webhook::written_by(&body.payload, agent))
}
