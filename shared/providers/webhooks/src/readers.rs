//! Each provider's reader: its parsing crate's `webhook::accept` and
//! `normalize::read`, in the registry's terms.

use serde_json::Value;

use crate::{Accepted, Invalid, Meaning, WebhookReader};

pub(crate) struct Movidesk;
pub(crate) struct Blip;
pub(crate) struct Uis;
pub(crate) struct Okdesk;
pub(crate) struct Octadesk;
pub(crate) struct Warehouse;

impl WebhookReader for Movidesk {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_movidesk::webhook::accept(payload)
            .map(|a| Accepted {
                subject_id: a.ticket_id,
                dedupe_key: None,
            })
            .map_err(|e| {
                Invalid(format!(
                    "Movidesk trigger body: `{}` {}",
                    e.field, e.message
                ))
            })
    }

    /// A trigger only names its ticket (the subject): a hint.
    fn read(&self, _subject: &str, _payload: &Value) -> Result<Meaning, Invalid> {
        Ok(Meaning::Hint)
    }

    fn written_by(&self, payload: &Value, agent: &str) -> bool {
        ponte_movidesk::webhook::written_by(payload, agent)
    }
}

impl WebhookReader for Blip {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_blip::webhook::accept(payload)
            .map(|a| Accepted {
                subject_id: a.ticket_id,
                dedupe_key: Some(a.envelope_id),
            })
            .map_err(|e| Invalid(format!("Blip envelope: `{}` {}", e.field, e.message)))
    }

    fn read(&self, _subject: &str, payload: &Value) -> Result<Meaning, Invalid> {
        ponte_blip::normalize::read(payload)
            .map(|c| Meaning::Changes(c.into_iter().collect()))
            .map_err(|e| Invalid(e.to_string()))
    }
}

impl WebhookReader for Uis {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_uis::webhook::accept(payload)
            .map(|a| Accepted {
                dedupe_key: Some(format!("{}:{}", a.call_id, a.event)),
                subject_id: a.call_id,
            })
            .map_err(|e| Invalid(format!("UIS notification: `{}` {}", e.field, e.message)))
    }

    fn read(&self, _subject: &str, payload: &Value) -> Result<Meaning, Invalid> {
        ponte_uis::normalize::read(payload)
            .map(|c| Meaning::Changes(vec![c]))
            .map_err(|e| Invalid(e.to_string()))
    }
}

impl WebhookReader for Okdesk {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_okdesk::webhook::accept(payload)
            .map(|a| Accepted {
                subject_id: a.issue_id,
                dedupe_key: None,
            })
            .map_err(|e| Invalid(format!("Okdesk webhook: `{}` {}", e.field, e.message)))
    }

    fn read(&self, _subject: &str, payload: &Value) -> Result<Meaning, Invalid> {
        ponte_okdesk::normalize::read(payload)
            .map(|c| Meaning::Changes(vec![c]))
            .map_err(|e| Invalid(e.to_string()))
    }
}

impl WebhookReader for Octadesk {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_octadesk::webhook::accept(payload)
            .map(|a| Accepted {
                subject_id: a.ticket_id,
                dedupe_key: a.dedupe_key,
            })
            .map_err(|e| Invalid(format!("Octadesk webhook: `{}` {}", e.field, e.message)))
    }

    fn read(&self, _subject: &str, payload: &Value) -> Result<Meaning, Invalid> {
        ponte_octadesk::normalize::read(payload)
            .map(|c| Meaning::Changes(c.into_iter().collect()))
            .map_err(|e| Invalid(e.to_string()))
    }
}

impl WebhookReader for Warehouse {
    fn accept(&self, _payload: &Value) -> Result<Accepted, Invalid> {
        Err(Invalid(
            "a warehouse sends no webhooks; point Movidesk's trigger at /hooks/movidesk/<integration>"
                .to_string(),
        ))
    }

    fn read(&self, _subject: &str, _payload: &Value) -> Result<Meaning, Invalid> {
        Err(Invalid("a warehouse sends no webhooks".to_string()))
    }
}
