//! What a provider's webhook means, before any rule applies.

use ponte_core::{Change, Provider};
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
