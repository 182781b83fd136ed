//! Per-provider webhook checks: what makes a body acceptable, and which
//! ticket it is about (for ordering).

use ponte_core::Provider;
use serde_json::Value;

/// A webhook body the provider's rules accept.
pub(crate) struct Accepted {
    /// The provider's ticket (or call, or conversation) the body is about.
    pub subject_id: String,
}

pub(crate) enum Refused {
    /// The body is wrong; the message names the field.
    Invalid(String),
    /// Ponte cannot read this provider's webhooks yet.
    Unsupported,
}

pub(crate) fn accept(provider: Provider, body: &Value) -> Result<Accepted, Refused> {
    match provider {
        Provider::Movidesk => ponte_movidesk::webhook::accept(body)
            .map(|a| Accepted {
                subject_id: a.ticket_id,
            })
            .map_err(|e| {
                Refused::Invalid(format!(
                    "Movidesk trigger body: `{}` {}",
                    e.field, e.message
                ))
            }),
        Provider::Octadesk | Provider::Okdesk | Provider::Uis | Provider::Blip => {
            Err(Refused::Unsupported)
        }
    }
}
