//! Movidesk ticket → canonical ticket (two readings are compared by
//! `ponte_core::diff` in the worker). Trigger webhooks are partial,
//! so every event Ponte acts on comes from a full re-read compared with the
//! last snapshot.

use ponte_core::{
    Action, Attachment, BaseStatus, CustomField, FieldFile, Person, Ticket, Visibility,
};

use crate::de::parse_date;
use crate::model;

/// Files are served from here, by the attachment's `path` hash.
pub const FILES_BASE: &str = "https://s3.amazonaws.com/movidesk-files/";

pub fn visibility(kind: Option<i64>) -> Visibility {
    match kind {
        Some(1) => Visibility::Internal,
        _ => Visibility::Public,
    }
}

pub fn kind_of(v: Visibility) -> i64 {
    match v {
        Visibility::Internal => 1,
        Visibility::Public => 2,
    }
}

fn base_status(s: Option<&str>) -> BaseStatus {
    match s {
        Some("New") | None => BaseStatus::New,
        Some("InAttendance") | Some("InAttention") => BaseStatus::InAttendance,
        Some("Stopped") => BaseStatus::Stopped,
        Some("Canceled") => BaseStatus::Canceled,
        Some("Resolved") => BaseStatus::Resolved,
        Some("Closed") => BaseStatus::Closed,
        Some(other) => BaseStatus::Other(other.to_string()),
    }
}

fn person(p: &model::PersonRef) -> Person {
    Person {
        id: p.id.clone(),
        name: p.business_name.clone(),
        email: p.email.clone(),
        phone: p.phone.clone(),
        document: None,
        code_reference: None,
        organization: p
            .organization
            .as_ref()
            .and_then(|o| o.business_name.clone())
            .filter(|n| !n.trim().is_empty()),
    }
}

fn by_id(id: &str) -> Person {
    Person {
        id: Some(id.to_string()),
        ..Person::default()
    }
}

/// Every kind of item a custom field holds: options by name, persons and
/// clients by id, teams by name, files by storage id and name.
fn custom_field(c: &model::CustomFieldValue) -> CustomField {
    let texts = |pick: fn(&model::CustomFieldItem) -> Option<&String>| {
        c.items
            .iter()
            .filter_map(pick)
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect::<Vec<_>>()
    };
    CustomField {
        id: c.custom_field_id.clone(),
        value: c.value.clone(),
        items: texts(|i| i.custom_field_item.as_ref()),
        persons: texts(|i| i.person_id.as_ref())
            .iter()
            .map(|id| by_id(id))
            .collect(),
        clients: texts(|i| i.client_id.as_ref())
            .iter()
            .map(|id| by_id(id))
            .collect(),
        teams: texts(|i| i.team.as_ref()),
        files: c
            .items
            .iter()
            .filter_map(|i| {
                let guid = i.storage_file_guid.clone().filter(|g| !g.trim().is_empty());
                let name = i.file_name.clone().filter(|n| !n.trim().is_empty());
                (guid.is_some() || name.is_some()).then(|| FieldFile {
                    url: guid.as_ref().map(|g| format!("{FILES_BASE}{g}")),
                    name: name.or(guid.clone()).unwrap_or_default(),
                    guid,
                })
            })
            .collect(),
    }
}

pub fn ticket(t: &model::Ticket) -> Ticket {
    Ticket {
        id: t.id.clone(),
        subject: t.subject.clone().unwrap_or_default(),
        visibility: visibility(t.ticket_type),
        status: t.status.clone().unwrap_or_default(),
        base_status: base_status(t.base_status.as_deref()),
        category: t.category.clone(),
        urgency: t.urgency.clone(),
        owner: t.owner.as_ref().map(person),
        owner_team: t.owner_team.clone(),
        services: if t.service_full.is_empty() {
            [
                &t.service_first_level,
                &t.service_second_level,
                &t.service_third_level,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
        } else {
            t.service_full.clone()
        },
        clients: t.clients.iter().map(person).collect(),
        created_by: t.created_by.as_ref().map(person),
        tags: t.tags.clone(),
        custom_fields: t.custom_field_values.iter().map(custom_field).collect(),
        actions: t
            .actions
            .iter()
            .filter(|a| !a.is_deleted)
            .map(|a| Action {
                id: a.id.clone(),
                visibility: visibility(a.action_type),
                text: a.description.clone().unwrap_or_default(),
                html: a.html_description.clone(),
                author: a.created_by.as_ref().map(person).unwrap_or_default(),
                created_at: a.created_date.as_deref().and_then(parse_date),
                attachments: a
                    .attachments
                    .iter()
                    .map(|f| Attachment {
                        name: f.file_name.clone().unwrap_or_default(),
                        url: f.path.as_ref().map(|p| format!("{FILES_BASE}{p}")),
                    })
                    .collect(),
            })
            .collect(),
        created_at: t.created_date.as_deref().and_then(parse_date),
        updated_at: t.last_update.as_deref().and_then(parse_date),
        origin: t.origin.map(|o| o.to_string()),
        justification: t.justification.clone().filter(|j| !j.trim().is_empty()),
    }
}

/// Who made the ticket's latest status change, per its status history.
pub fn status_changed_by(t: &model::Ticket) -> Option<String> {
    t.status_histories
        .iter()
        .max_by_key(|h| h.changed_date.as_deref().and_then(parse_date))
        .and_then(|h| h.changed_by.as_ref())
        .and_then(|p| p.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::diff::diff;
    use ponte_core::{Change, Provider, Side, TicketRef};

    fn at() -> TicketRef {
        TicketRef {
            integration: "mm".into(),
            side: Side::Source,
            provider: Provider::Movidesk,
            ticket_id: "5".into(),
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
    fn every_client_and_every_kind_of_field_item_is_read() {
        let t: model::Ticket = serde_json::from_value(serde_json::json!({
            "id": 7, "clients": [{"id": "ana", "email": "ana@x.test"}, {"id": "rui"}],
            "customFieldValues": [
                {"customFieldId": 1, "customFieldRuleId": 9, "line": 1, "items": [{"personId": "carla", "customFieldItem": null}]},
                {"customFieldId": 2, "customFieldRuleId": 9, "line": 1, "items": [{"clientId": "acme"}, {"clientId": "ana"}]},
                {"customFieldId": 3, "customFieldRuleId": 9, "line": 1, "items": [{"team": "Suporte N1"}]},
                {"customFieldId": 4, "customFieldRuleId": 9, "line": 1, "items": [{"storageFileGuid": "ab12", "fileName": "nota.pdf"}]},
                {"customFieldId": 5, "customFieldRuleId": 9, "line": 1, "items": [{"customFieldItem": "Sim", "storageFileGuid": ""}]}
            ]
        }))
        .expect("ticket");
        let n = ticket(&t);
        let ids: Vec<_> = n.clients.iter().filter_map(|c| c.id.as_deref()).collect();
        assert_eq!(ids, ["ana", "rui"]);
        let f = |id: &str| {
            n.custom_fields
                .iter()
                .find(|f| f.id == id)
                .cloned()
                .expect("field")
        };
        assert_eq!(f("1").persons[0].id.as_deref(), Some("carla"));
        let clients: Vec<_> = f("2").clients.iter().filter_map(|c| c.id.clone()).collect();
        assert_eq!(clients, ["acme", "ana"]);
        assert_eq!(f("3").teams, ["Suporte N1"]);
        assert_eq!(
            f("4").files,
            [FieldFile {
                name: "nota.pdf".into(),
                guid: Some("ab12".into()),
                url: Some(format!("{FILES_BASE}ab12")),
            }]
        );
        assert_eq!(f("5").items, ["Sim"]);
        assert!(f("5").files.is_empty(), "an empty storage id is no file");
    }

    #[test]
    fn first_reading_is_a_creation_only() {
        let t = Ticket {
            id: "5".into(),
            actions: vec![action("1")],
            ..Ticket::default()
        };
        let events = diff(None, &t, &at(), None);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event.change.name(), "ticket_created");
    }

    #[test]
    fn new_actions_and_status_are_reported_with_stable_ids() {
        let before = Ticket {
            id: "5".into(),
            status: "Novo".into(),
            actions: vec![action("1")],
            ..Ticket::default()
        };
        let after = Ticket {
            status: "Resolvido".into(),
            actions: vec![action("1"), action("2")],
            ..before.clone()
        };
        let events = diff(Some(&before), &after, &at(), None);
        let names: Vec<_> = events.iter().map(|e| e.event.change.name()).collect();
        assert_eq!(names, ["action_added", "status_changed"]);
        let again = diff(Some(&before), &after, &at(), None);
        assert_eq!(events[0].id, again[0].id);
        assert!(diff(Some(&after), &after, &at(), None).is_empty());
    }

    #[test]
    fn reopen_and_routing_changes_are_told() {
        let before = Ticket {
            id: "5".into(),
            status: "Resolvido".into(),
            base_status: BaseStatus::Resolved,
            ..Ticket::default()
        };
        let after = Ticket {
            status: "Novo".into(),
            base_status: BaseStatus::New,
            category: Some("Rede".into()),
            ..before.clone()
        };
        let events = diff(Some(&before), &after, &at(), Some("ana".into()));
        let Change::StatusChanged {
            reopened,
            changed_by,
            ..
        } = &events[0].event.change
        else {
            panic!("status first")
        };
        assert!(*reopened);
        assert_eq!(changed_by.as_deref(), Some("ana"));
        assert_eq!(events[1].event.change.name(), "ticket_updated");
    }
}
