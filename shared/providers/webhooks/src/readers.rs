//! Each provider's reader: its parsing crate's `webhook::accept`,
//! `webhook::reading` (both in one pass over the body) and
//! `normalize::read`, in the registry's terms.

use ponte_core::Change;
use serde_json::Value;

use crate::{Accepted, Invalid, Meaning, Reading, WebhookReader};

pub(crate) struct Movidesk;
pub(crate) struct Blip;
pub(crate) struct Uis;
pub(crate) struct Okdesk;
pub(crate) struct Octadesk;
pub(crate) struct Warehouse;

/// A body read whole.
fn reading(accepted: Accepted, changes: impl IntoIterator<Item = Change>) -> Reading {
    Reading {
        accepted,
        changes: changes.into_iter().collect(),
    }
}

fn movidesk_invalid(e: ponte_movidesk::webhook::WebhookError) -> Invalid {
    Invalid(format!(
        "Movidesk trigger body: `{}` {}",
        e.field, e.message
    ))
}

impl WebhookReader for Movidesk {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_movidesk::webhook::accept(payload)
            .map(|a| Accepted {
                subject_id: a.ticket_id,
                dedupe_key: None,
            })
            .map_err(movidesk_invalid)
    }

    /// A trigger only names its ticket (the subject): a hint.
    fn read(&self, _subject: &str, _payload: &Value) -> Result<Meaning, Invalid> {
        Ok(Meaning::Hint)
    }

    fn reading(&self, payload: &Value) -> Result<Reading, Invalid> {
        Ok(reading(self.accept(payload)?, [Change::Hint]))
    }

    fn written_by(&self, payload: &Value, agent: &str) -> bool {
        ponte_movidesk::webhook::written_by(payload, agent)
    }

    fn quiet_status<'a>(&self, payload: &'a Value) -> Option<&'a str> {
        ponte_movidesk::webhook::quiet_status(payload)
    }
}

fn blip_accepted(a: ponte_blip::webhook::Accepted) -> Accepted {
    Accepted {
        subject_id: a.ticket_id,
        dedupe_key: Some(a.envelope_id),
    }
}

fn blip_invalid(e: ponte_blip::webhook::WebhookError) -> Invalid {
    Invalid(format!("Blip envelope: `{}` {}", e.field, e.message))
}

impl WebhookReader for Blip {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_blip::webhook::accept(payload)
            .map(blip_accepted)
            .map_err(blip_invalid)
    }

    fn read(&self, _subject: &str, payload: &Value) -> Result<Meaning, Invalid> {
        ponte_blip::normalize::read(payload)
            .map(|c| Meaning::Changes(c.into_iter().collect()))
            .map_err(blip_invalid)
    }

    fn reading(&self, payload: &Value) -> Result<Reading, Invalid> {
        let (a, change) = ponte_blip::webhook::reading(payload).map_err(blip_invalid)?;
        Ok(reading(blip_accepted(a), change))
    }
}

fn uis_accepted(a: ponte_uis::webhook::Accepted) -> Accepted {
    Accepted {
        dedupe_key: Some(format!("{}:{}", a.call_id, a.event)),
        subject_id: a.call_id,
    }
}

fn uis_invalid(e: ponte_uis::webhook::WebhookError) -> Invalid {
    Invalid(format!("UIS notification: `{}` {}", e.field, e.message))
}

impl WebhookReader for Uis {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_uis::webhook::accept(payload)
            .map(uis_accepted)
            .map_err(uis_invalid)
    }

    fn read(&self, _subject: &str, payload: &Value) -> Result<Meaning, Invalid> {
        ponte_uis::normalize::read(payload)
            .map(|c| Meaning::Changes(vec![c]))
            .map_err(uis_invalid)
    }

    fn reading(&self, payload: &Value) -> Result<Reading, Invalid> {
        let (a, change) = ponte_uis::webhook::reading(payload).map_err(uis_invalid)?;
        Ok(reading(uis_accepted(a), [change]))
    }
}

fn okdesk_accepted(a: ponte_okdesk::webhook::Accepted) -> Accepted {
    Accepted {
        subject_id: a.issue_id,
        dedupe_key: None,
    }
}

fn okdesk_invalid(e: ponte_okdesk::webhook::WebhookError) -> Invalid {
    Invalid(format!("Okdesk webhook: `{}` {}", e.field, e.message))
}

impl WebhookReader for Okdesk {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_okdesk::webhook::accept(payload)
            .map(okdesk_accepted)
            .map_err(okdesk_invalid)
    }

    fn read(&self, _subject: &str, payload: &Value) -> Result<Meaning, Invalid> {
        ponte_okdesk::normalize::read(payload)
            .map(|c| Meaning::Changes(vec![c]))
            .map_err(okdesk_invalid)
    }

    fn reading(&self, payload: &Value) -> Result<Reading, Invalid> {
        let (a, change) = ponte_okdesk::webhook::reading(payload).map_err(okdesk_invalid)?;
        Ok(reading(okdesk_accepted(a), [change]))
    }
}

fn octadesk_accepted(a: ponte_octadesk::webhook::Accepted) -> Accepted {
    Accepted {
        subject_id: a.ticket_id,
        dedupe_key: a.dedupe_key,
    }
}

fn octadesk_invalid(e: ponte_octadesk::webhook::WebhookError) -> Invalid {
    Invalid(format!("Octadesk webhook: `{}` {}", e.field, e.message))
}

impl WebhookReader for Octadesk {
    fn accept(&self, payload: &Value) -> Result<Accepted, Invalid> {
        ponte_octadesk::webhook::accept(payload)
            .map(octadesk_accepted)
            .map_err(octadesk_invalid)
    }

    fn read(&self, _subject: &str, payload: &Value) -> Result<Meaning, Invalid> {
        ponte_octadesk::normalize::read(payload)
            .map(|c| Meaning::Changes(c.into_iter().collect()))
            .map_err(octadesk_invalid)
    }

    fn reading(&self, payload: &Value) -> Result<Reading, Invalid> {
        let (a, change) = ponte_octadesk::webhook::reading(payload).map_err(octadesk_invalid)?;
        Ok(reading(octadesk_accepted(a), change))
    }
}

/// Why a warehouse's "webhook" is refused.
const NO_WAREHOUSE_WEBHOOKS: &str =
    "a warehouse sends no webhooks; point Movidesk's trigger at /hooks/movidesk/<integration>";

impl WebhookReader for Warehouse {
    fn accept(&self, _payload: &Value) -> Result<Accepted, Invalid> {
        Err(Invalid(NO_WAREHOUSE_WEBHOOKS.to_string()))
    }

    fn read(&self, _subject: &str, _payload: &Value) -> Result<Meaning, Invalid> {
        Err(Invalid(NO_WAREHOUSE_WEBHOOKS.to_string()))
    }

    fn reading(&self, _payload: &Value) -> Result<Reading, Invalid> {
        Err(Invalid(NO_WAREHOUSE_WEBHOOKS.to_string()))
    }
}
