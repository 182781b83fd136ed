//! Conversation events (`{"domain": "chat", "event": "room.after-…",
//! "data": <room>}`, §2.5) read as they come: a room is a ticket with the
//! id `chat-<room id>`; its contact is the client, its agent the owner.
//!
//! | event | change |
//! |---|---|
//! | `room.after-insert-message` | `action_added` (the newest message; `internal` messages stay internal) |
//! | `room.after-close` | `status_changed` to `closed` (base status closed) |
//! | `room.after-set-agent` | `ticket_updated` (the new owner) |
//! | anything else | nothing |

use chrono::Utc;
use ponte_core::{Action, Attachment, BaseStatus, Change, Person, Ticket, Visibility};
use serde_json::Value;

use super::ticket::person;
use crate::de::{date, text};
use crate::model::PersonRef;
use crate::webhook::{CHAT_PREFIX, last_message};

pub(super) fn change(event: &str, room: &str, data: &Value) -> Option<Change> {
    let ticket = room_ticket(room, data);
    match event {
        "room.after-insert-message" => {
            let m = last_message(data)?;
            let action = message(m, &ticket)?;
            Some(Change::ActionAdded {
                action,
                ticket: Box::new(ticket),
            })
        }
        "room.after-close" => {
            let at = date(
                data,
                &["closedAt", "closeDate", "lastMessageDate", "updatedAt"],
            )
            .unwrap_or_else(Utc::now);
            Some(Change::StatusChanged {
                from: None,
                to: "closed".into(),
                changed_at: Some(at),
                changed_by: ticket.owner.as_ref().and_then(|o| o.id.clone()),
                reopened: false,
                ticket: Box::new(Ticket {
                    status: "closed".into(),
                    base_status: BaseStatus::Closed,
                    updated_at: Some(at),
                    ..ticket
                }),
            })
        }
        "room.after-set-agent" => Some(Change::TicketUpdated {
            ticket: Box::new(ticket),
        }),
        _ => None,
    }
}

fn room_ticket(room: &str, data: &Value) -> Ticket {
    let contact = data.get("contact").and_then(PersonRef::from_value);
    let label = contact
        .as_ref()
        .and_then(|c| c.name.clone().or(c.phone.clone()).or(c.email.clone()))
        .unwrap_or_else(|| room.to_string());
    let number = text(data, &["number"]);
    let status = text(data, &["status"]).unwrap_or_else(|| "open".into());
    let closed = status.to_lowercase().contains("clos") || status.to_lowercase().contains("fech");
    Ticket {
        id: format!("{CHAT_PREFIX}{room}"),
        subject: match number {
            Some(n) => format!("Octadesk chat #{n} — {label}"),
            None => format!("Octadesk chat — {label}"),
        },
        visibility: Visibility::Public,
        base_status: if closed {
            BaseStatus::Closed
        } else {
            BaseStatus::InAttendance
        },
        status,
        owner: data
            .get("agent")
            .and_then(PersonRef::from_value)
            .map(|p| person(&p)),
        owner_team: text(data, &["group.name", "group.id"]),
        clients: contact.iter().map(person).collect(),
        tags: crate::de::tags(data),
        updated_at: date(data, &["lastMessageDate", "updatedAt"]),
        origin: text(data, &["origin", "channel"]).or_else(|| Some("octadesk-chat".into())),
        ..Ticket::default()
    }
}

fn message(m: &Value, room: &Ticket) -> Option<Action> {
    let id = text(m, &["id", "_id", "key"])?;
    let sender = text(m, &["sentBy.type", "sender.type", "from.type"])
        .unwrap_or_default()
        .to_lowercase();
    let author = match m.get("sentBy").and_then(PersonRef::from_value) {
        Some(p) if p.id.is_some() || p.name.is_some() || p.email.is_some() => person(&p),
        _ if sender.contains("contact")
            || sender.contains("customer")
            || sender.contains("client") =>
        {
            room.client().cloned().unwrap_or_default()
        }
        _ => Person {
            name: (!sender.is_empty()).then(|| sender.clone()),
            ..Person::default()
        },
    };
    let internal = text(m, &["type", "visibility"])
        .is_some_and(|t| t.eq_ignore_ascii_case("internal"))
        || m.get("isInternal").and_then(Value::as_bool) == Some(true);
    let attachments = match m.get("attachments") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|f| Attachment {
                name: text(f, &["name", "fileName", "title"]).unwrap_or_else(|| "file".into()),
                url: text(f, &["url", "link", "uri"]),
            })
            .collect(),
        _ => vec![],
    };
    Some(Action {
        id,
        visibility: if internal {
            Visibility::Internal
        } else {
            Visibility::Public
        },
        text: text(m, &["body", "content", "text", "message"]).unwrap_or_default(),
        html: None,
        author,
        created_at: date(m, &["time", "createdAt", "date", "sentAt"]),
        attachments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn room() -> Value {
        json!({"id": "r1", "number": 321, "status": "started", "agent": {"id": "ag1", "name": "Bia"},
            "contact": {"id": "c1", "name": "Ana", "phoneContacts": [{"countryCode": "55", "number": "11999990001"}]},
            "messages": [{"id": "m1", "body": "oi", "sentBy": {"type": "contact"}},
                         {"id": "m2", "body": "nota", "type": "internal", "sentBy": {"type": "agent", "id": "ag1"}}]})
    }

    #[test]
    fn a_message_is_an_action_of_the_room() {
        let Some(Change::ActionAdded { action, ticket }) =
            change("room.after-insert-message", "r1", &room())
        else {
            panic!("action")
        };
        assert_eq!(ticket.id, "chat-r1");
        assert!(ticket.subject.contains("#321"));
        assert_eq!(
            ticket.client().and_then(|c| c.phone.as_deref()),
            Some("5511999990001")
        );
        assert_eq!(
            (action.id.as_str(), action.visibility),
            ("m2", Visibility::Internal)
        );
        assert_eq!(action.author.id.as_deref(), Some("ag1"));
    }

    #[test]
    fn the_customer_wrote_and_the_room_closed() {
        let mut r = room();
        r["messages"] = json!([{"id": "m1", "body": "oi", "sentBy": {"type": "contact"}}]);
        let Some(Change::ActionAdded { action, .. }) =
            change("room.after-insert-message", "r1", &r)
        else {
            panic!("action")
        };
        assert_eq!(action.author.id.as_deref(), Some("c1"));
        assert_eq!(action.visibility, Visibility::Public);
        let Some(Change::StatusChanged { ticket, .. }) = change("room.after-close", "r1", &r)
        else {
            panic!("closed")
        };
        assert_eq!(ticket.base_status, BaseStatus::Closed);
        assert!(change("room.after-whatever", "r1", &r).is_none());
        assert!(matches!(
            change("room.after-set-agent", "r1", &r),
            Some(Change::TicketUpdated { .. })
        ));
    }
}
