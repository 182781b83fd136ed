//! The difference between two readings of a ticket, as canonical events
//! whose ids depend only on the change: reading the same ticket twice
//! yields the same ids, and the router drops the repeats.

use chrono::{DateTime, Utc};
use ponte_core::ids::derive;
use ponte_core::{CanonicalEvent, Change, Ticket, TicketRef};
use ponte_worker::Emitted;

/// Fields whose change may make an unlinked ticket meet the conditions.
fn routing_fields_changed(a: &Ticket, b: &Ticket) -> bool {
    a.owner_team != b.owner_team
        || a.owner.as_ref().and_then(|o| o.id.as_ref())
            != b.owner.as_ref().and_then(|o| o.id.as_ref())
        || a.tags != b.tags
        || a.origin != b.origin
}

/// The first reading is a creation only: the interactions already on a
/// ticket when Ponte first sees it are its baseline.
pub fn diff(previous: Option<&Ticket>, current: &Ticket, at: &TicketRef) -> Vec<Emitted> {
    let key = at.key();
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
            derive(&["octadesk", &key, "created"]),
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
            derive(&["octadesk", &key, "action", &action.id]),
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
            derive(&["octadesk", &key, "status", &current.status, &stamp]),
            when,
            Change::StatusChanged {
                from: Some(prev.status.clone()),
                to: current.status.clone(),
                changed_at: Some(when),
                changed_by: None,
                reopened: prev.base_status.is_finished() && !current.base_status.is_finished(),
                ticket: Box::new(current.clone()),
            },
        ));
    }
    if prev.custom_fields != current.custom_fields {
        let fields = serde_json::to_string(&current.custom_fields).unwrap_or_default();
        out.push(emit(
            derive(&["octadesk", &key, "fields", &fields]),
            when,
            Change::CustomFieldsChanged {
                fields: current.custom_fields.clone(),
                ticket: Box::new(current.clone()),
            },
        ));
    }
    if routing_fields_changed(prev, current) {
        out.push(emit(
            derive(&["octadesk", &key, "updated", &when.to_rfc3339()]),
            when,
            Change::TicketUpdated {
                ticket: Box::new(current.clone()),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::{Action, BaseStatus, Person, Provider, Side, Visibility};

    fn at() -> TicketRef {
        TicketRef {
            integration: "od".into(),
            side: Side::Target,
            provider: Provider::Octadesk,
            ticket_id: "9".into(),
        }
    }

    fn action(id: &str) -> Action {
        Action {
            id: id.into(),
            visibility: Visibility::Public,
            text: format!("a{id}"),
            html: None,
            author: Person::default(),
            created_at: None,
            attachments: vec![],
        }
    }

    #[test]
    fn first_reading_then_new_interactions_and_status() {
        let before = Ticket {
            id: "9".into(),
            status: "Novo".into(),
            actions: vec![action("description")],
            ..Ticket::default()
        };
        assert_eq!(
            diff(None, &before, &at())[0].event.change.name(),
            "ticket_created"
        );
        let after = Ticket {
            status: "Resolvido".into(),
            base_status: BaseStatus::Resolved,
            actions: vec![action("description"), action("i1")],
            ..before.clone()
        };
        let events = diff(Some(&before), &after, &at());
        let names: Vec<_> = events.iter().map(|e| e.event.change.name()).collect();
        assert_eq!(names, ["action_added", "status_changed"]);
        assert_eq!(events[0].id, diff(Some(&before), &after, &at())[0].id);
        assert!(diff(Some(&after), &after, &at()).is_empty());
    }
}
