//! Per-provider webhook checks: what makes a body acceptable, which ticket
//! (or call, or conversation) it is about, and the delivery's own id when
//! the provider gives one.

use ponte_core::Provider;
use serde_json::Value;

/// A webhook body the provider's rules accept.
pub(crate) struct Accepted {
    /// The provider's ticket (or call, or conversation) the body is about.
    pub subject_id: String,
    /// The delivery's identity when the provider gives one; else the body
    /// itself identifies it.
    pub dedupe_key: Option<String>,
}

pub(crate) enum Refused {
    /// The body is wrong; the message names the field.
    Invalid(String),
}

pub(crate) fn accept(provider: Provider, body: &Value) -> Result<Accepted, Refused> {
    match provider {
        Provider::Movidesk => ponte_movidesk::webhook::accept(body)
            .map(|a| Accepted {
                subject_id: a.ticket_id,
                dedupe_key: None,
            })
            .map_err(|e| {
                Refused::Invalid(format!(
                    "Movidesk trigger body: `{}` {}",
                    e.field, e.message
                ))
            }),
        Provider::Blip => ponte_blip::webhook::accept(body)
            .map(|a| Accepted {
                subject_id: a.ticket_id,
                dedupe_key: Some(a.envelope_id),
            })
            .map_err(|e| Refused::Invalid(format!("Blip envelope: `{}` {}", e.field, e.message))),
        Provider::Uis => ponte_uis::webhook::accept(body)
            .map(|a| Accepted {
                dedupe_key: Some(format!("{}:{}", a.call_id, a.event)),
                subject_id: a.call_id,
            })
            .map_err(|e| {
                Refused::Invalid(format!("UIS notification: `{}` {}", e.field, e.message))
            }),
        Provider::Okdesk => ponte_okdesk::webhook::accept(body)
            .map(|a| Accepted {
                subject_id: a.issue_id,
                dedupe_key: None,
            })
            .map_err(|e| Refused::Invalid(format!("Okdesk webhook: `{}` {}", e.field, e.message))),
        Provider::Octadesk => ponte_octadesk::webhook::accept(body)
            .map(|a| Accepted {
                subject_id: a.ticket_id,
                dedupe_key: a.dedupe_key,
            })
            .map_err(|e| {
                Refused::Invalid(format!("Octadesk webhook: `{}` {}", e.field, e.message))
            }),
        Provider::Warehouse => Err(Refused::Invalid(
            "a warehouse sends no webhooks; point Movidesk's trigger at /hooks/movidesk/<integration>"
                .to_string(),
        )),
    }
}
