//! The difference between two readings of a ticket, as canonical events.
//! Shared by every provider whose webhooks are hints to re-read.

use crate::ids::derive;
use crate::{CanonicalEvent, Change, Emitted, Ticket, TicketRef};
use chrono::{DateTime, Utc};

/// Fields whose change may make an unlinked ticket meet the conditions.
fn routing_fields_changed(a: &Ticket, b: &Ticket) -> bool {
    a.category != b.category
        || a.urgency != b.urgency
        || a.owner_team != b.owner_team
        || a.owner.as_ref().and_then(|o| o.id.as_ref())
            != b.owner.as_ref().and_then(|o| o.id.as_ref())
        || a.tags != b.tags
        || a.services != b.services
        || a.visibility != b.visibility
        || a.origin != b.origin
}

/// What changed between the last snapshot and the current reading, as
/// events with ids that only depend on the change (and the provider), so a
/// repeated reading yields the same ids and the router drops the repeats.
/// The first reading is a creation only: what a ticket holds when Ponte
/// first sees it is its baseline.
pub fn diff(
    previous: Option<&Ticket>,
    current: &Ticket,
    at: &TicketRef,
    status_by: Option<String>,
) -> Vec<Emitted> {
    let key = at.key();
    let provider = at.provider.as_str();
    let when = current.updated_at.unwrap_or_else(Utc::now);
    let emit = |id: String, occurred_at: DateTime<Utc>, change: Change| Emitted {
        id,
        occurred_at,
        event: CanonicalEvent {
            ticket: at.clone(),
            change,
        },
    };
    let Some(prev) = previous else {
        return vec![emit(
            derive(&[provider, &key, "created"]),
            current.created_at.unwrap_or(when),
            Change::TicketCreated {
                ticket: Box::new(current.clone()),
            },
        )];
    };
    let mut out = Vec::new();
    for action in &current.actions {
        if prev.actions.iter().any(|a| a.id == action.id) {
            continue;
        }
        out.push(emit(
            derive(&[provider, &key, "action", &action.id]),
            action.created_at.unwrap_or(when),
            Change::ActionAdded {
                action: action.clone(),
                ticket: Box::new(current.clone()),
            },
        ));
    }
    if prev.status != current.status {
        let stamp = when.to_rfc3339();
        out.push(emit(
            derive(&[provider, &key, "status", &current.status, &stamp]),
            when,
            Change::StatusChanged {
                from: Some(prev.status.clone()),
                to: current.status.clone(),
                changed_at: Some(when),
                changed_by: status_by,
                reopened: prev.base_status.is_finished() && !current.base_status.is_finished(),
                ticket: Box::new(current.clone()),
            },
        ));
    }
    if prev.custom_fields != current.custom_fields {
        let fields = serde_json::to_string(&current.custom_fields).unwrap_or_default();
        out.push(emit(
            derive(&[provider, &key, "fields", &fields]),
            when,
            Change::CustomFieldsChanged {
                fields: current.custom_fields.clone(),
                ticket: Box::new(current.clone()),
            },
        ));
    }
    if routing_fields_changed(prev, current) {
        out.push(emit(
            derive(&[provider, &key, "updated", &when.to_rfc3339()]),
            when,
            Change::TicketUpdated {
                ticket: Box::new(current.clone()),
            },
        ));
    }
    out
}
