//! Blip envelopes → canonical changes. Blip says exactly what happened, so
//! no re-reading is needed.

use chrono::{DateTime, Utc};
use ponte_core::correlation::TEAM_PREFIX;
use ponte_core::{Action, Attachment, BaseStatus, Change, CustomField, Person, Ticket, Visibility};
use serde::Deserialize;
use serde_json::Value;

use crate::model::{Envelope, TICKET_TYPE, Ticket as BlipTicket};
use crate::webhook::WebhookError;

fn date(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// The customer as far as an identity tells: a phone for numeric
/// identities (WhatsApp and the like), an e-mail for e-mail-like ones.
pub fn customer(identity: &str) -> Person {
    let local = identity.split('@').next().unwrap_or(identity);
    let decoded = local.replace("%40", "@");
    Person {
        id: Some(identity.to_string()),
        name: None,
        email: decoded.contains('@').then(|| decoded.clone()),
        phone: (!local.is_empty() && local.chars().all(|c| c.is_ascii_digit()))
            .then(|| local.to_string()),
        document: None,
        code_reference: None,
        organization: None,
    }
}

/// Text and attachments of a message's content.
fn content(kind: &str, content: &Value) -> (String, Vec<Attachment>) {
    crate::content::render(kind, content)
}

/// What the envelope means; `None` when it needs nothing (a status Ponte
/// itself caused, or one a desk does not follow).
pub fn read(body: &Value) -> Result<Option<Change>, WebhookError> {
    meaning(&crate::webhook::envelope(body)?)
}

/// What a read envelope means (see [`read`]).
pub(crate) fn meaning(env: &Envelope) -> Result<Option<Change>, WebhookError> {
    let kind = env.kind.clone().unwrap_or_default();
    if kind == TICKET_TYPE {
        let t = BlipTicket::deserialize(&env.content).map_err(|e| WebhookError {
            field: "content",
            message: format!("not a ticket: {e}"),
        })?;
        return Ok(ticket_change(&t));
    }
    // "Typing…" and other chat states change nothing an agent reads.
    if crate::content::is_signal(&kind) {
        return Ok(None);
    }
    let ticket_id = env
        .from
        .as_deref()
        .and_then(crate::model::ticket_of)
        .unwrap_or_default()
        .to_string();
    let (text, attachments) = content(&kind, &env.content);
    let action = Action {
        id: env.id.clone().unwrap_or_default(),
        visibility: Visibility::Public,
        text,
        html: None,
        author: Person {
            name: Some("customer".into()),
            ..Person::default()
        },
        created_at: Some(Utc::now()),
        attachments,
    };
    Ok(Some(Change::ActionAdded {
        action,
        ticket: Box::new(Ticket {
            id: ticket_id,
            status: "Open".into(),
            base_status: BaseStatus::InAttendance,
            ..Ticket::default()
        }),
    }))
}

/// Custom-field ids under which a Blip ticket's routing reaches the desk
/// (map them to the desk's fields in `correlation.custom_fields`).
pub const TEAM_FIELD: &str = "blip.team";
pub const ROUTING_FIELD: &str = "blip.routing_owner";
pub const PRIORITY_FIELD: &str = "blip.priority";

fn team(t: &BlipTicket) -> Option<String> {
    t.team
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Who the ticket belongs to, for the agent correlation: its agent when
/// Blip assigned one, else its team as `team:<name>`.
fn owner(t: &BlipTicket) -> Option<Person> {
    let agent = t
        .agent_identity
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let (id, name) = match (agent, team(t)) {
        (Some(a), _) => (a.to_string(), None),
        (None, Some(team)) => (format!("{TEAM_PREFIX}{team}"), Some(team)),
        (None, None) => return None,
    };
    Some(Person {
        id: Some(id),
        name,
        ..Person::default()
    })
}

/// The team, routing bot and priority as custom fields.
fn routing_fields(t: &BlipTicket) -> Vec<CustomField> {
    let priority = t.priority.as_ref().and_then(|p| match p {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    });
    [
        (TEAM_FIELD, team(t)),
        (ROUTING_FIELD, t.routing_owner_identity.clone()),
        (PRIORITY_FIELD, priority),
    ]
    .into_iter()
    .filter_map(|(id, value)| {
        value.map(|v| CustomField {
            id: id.to_string(),
            value: Some(v),
            ..CustomField::default()
        })
    })
    .collect()
}

fn ticket_change(t: &BlipTicket) -> Option<Change> {
    let clients: Vec<Person> = t
        .customer_identity
        .as_deref()
        .map(customer)
        .into_iter()
        .collect();
    match t.status.as_deref() {
        Some("Waiting") => {
            let who = clients.first().cloned().unwrap_or_default();
            let label = who
                .phone
                .clone()
                .or(who.email.clone())
                .or(who.id.clone())
                .unwrap_or_default();
            let seq = t.sequential_id.as_ref().map(|s| match s {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            let first = t.customer_input.as_ref().map(|input| {
                let kind = input.kind.clone().unwrap_or_else(|| "text/plain".into());
                let (text, attachments) = content(&kind, &input.value);
                Action {
                    id: "input".into(),
                    visibility: Visibility::Public,
                    text,
                    html: None,
                    author: who.clone(),
                    created_at: date(t.storage_date.as_deref()),
                    attachments,
                }
            });
            Some(Change::TicketCreated {
                ticket: Box::new(Ticket {
                    owner: owner(t),
                    owner_team: team(t),
                    custom_fields: routing_fields(t),
                    tags: t.tags.clone(),
                    id: t.id.clone(),
                    subject: match seq {
                        Some(n) => format!("Blip #{n} — {label}"),
                        None => format!("Blip — {label}"),
                    },
                    visibility: Visibility::Public,
                    status: "Waiting".into(),
                    base_status: BaseStatus::New,
                    clients,
                    actions: first.into_iter().collect(),
                    created_at: date(t.storage_date.as_deref()),
                    origin: Some("blip".into()),
                    ..Ticket::default()
                }),
            })
        }
        Some("ClosedClient") => {
            let at = date(t.close_date.as_deref())
                .or(date(t.status_date.as_deref()))
                .unwrap_or_else(Utc::now);
            Some(Change::StatusChanged {
                from: None,
                to: "ClosedClient".into(),
                changed_at: Some(at),
                changed_by: t.customer_identity.clone(),
                reopened: false,
                ticket: Box::new(Ticket {
                    id: t.id.clone(),
                    status: "ClosedClient".into(),
                    base_status: BaseStatus::Closed,
                    clients,
                    updated_at: Some(at),
                    ..Ticket::default()
                }),
            })
        }
        // Open and ClosedAttendant are Ponte's own doing; the rest is not
        // followed by a desk.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MEDIA_LINK_TYPE;
    use serde_json::json;

    #[test]
    fn a_new_ticket_brings_the_customer_and_their_first_words() {
        let body = json!({"type": TICKET_TYPE, "id": "Ticket:t1:Waiting", "from": "t1@desk.msging.net/Webhook",
            "content": {"id": "t1", "sequentialId": 42, "customerIdentity": "5511999990001@wa.gw.msging.net", "status": "Waiting",
                        "customerInput": {"type": "text/plain", "value": "Olá, preciso de ajuda"}}});
        let Some(Change::TicketCreated { ticket }) = read(&body).unwrap() else {
            panic!("created")
        };
        assert_eq!(ticket.id, "t1");
        assert_eq!(
            ticket.client().and_then(|c| c.phone.as_deref()),
            Some("5511999990001")
        );
        assert_eq!(ticket.actions[0].text, "Olá, preciso de ajuda");
        assert!(ticket.subject.contains("#42"));
        assert!(ticket.owner.is_none() && ticket.custom_fields.is_empty());
    }

    #[test]
    fn the_team_and_routing_reach_the_desk_and_own_an_unassigned_ticket() {
        let body = json!({"type": TICKET_TYPE, "id": "Ticket:t2:Waiting", "from": "t2@desk.msging.net/Webhook",
            "content": {"id": "t2", "customerIdentity": "5511@wa.gw.msging.net", "status": "Waiting",
                        "team": "Financeiro", "routingOwnerIdentity": "router@msging.net", "priority": 2,
                        "customerInput": {"type": "application/vnd.lime.location+json", "value": {"latitude": -23.5, "longitude": -46.6}}}});
        let Some(Change::TicketCreated { ticket }) = read(&body).unwrap() else {
            panic!("created")
        };
        assert_eq!(
            ticket.owner.as_ref().and_then(|o| o.id.as_deref()),
            Some("team:Financeiro")
        );
        assert_eq!(ticket.owner_team.as_deref(), Some("Financeiro"));
        let fields: Vec<(&str, &str)> = ticket
            .custom_fields
            .iter()
            .map(|f| (f.id.as_str(), f.value.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            fields,
            [
                (TEAM_FIELD, "Financeiro"),
                (ROUTING_FIELD, "router@msging.net"),
                (PRIORITY_FIELD, "2")
            ]
        );
        assert!(ticket.actions[0].text.contains("-23.5, -46.6"));
    }

    #[test]
    fn messages_media_and_closing() {
        let media = json!({"type": MEDIA_LINK_TYPE, "id": "fwd:fwd:m2", "from": "t1@desk.msging.net/Webhook",
            "content": {"type": "image/jpeg", "uri": "https://x/y.jpg", "title": "foto.jpg", "text": "veja"}});
        let Some(Change::ActionAdded { action, ticket }) = read(&media).unwrap() else {
            panic!("action")
        };
        assert_eq!((ticket.id.as_str(), action.text.as_str()), ("t1", "veja"));
        assert_eq!(
            action.attachments[0].url.as_deref(),
            Some("https://x/y.jpg")
        );
        let closed = json!({"type": TICKET_TYPE, "id": "Ticket:t1:ClosedClient", "from": "t1@desk.msging.net/Webhook",
            "content": {"id": "t1", "status": "ClosedClient", "customerIdentity": "5511@wa.gw.msging.net"}});
        assert!(matches!(
            read(&closed).unwrap(),
            Some(Change::StatusChanged { .. })
        ));
        let ours = json!({"type": TICKET_TYPE, "id": "Ticket:t1:ClosedAttendant", "content": {"id": "t1", "status": "ClosedAttendant"}});
        assert!(read(&ours).unwrap().is_none());
        let typing = json!({"type": crate::content::CHAT_STATE, "id": "fwd:fwd:m3", "from": "t1@desk.msging.net/Webhook",
            "content": {"state": "composing"}});
        assert!(
            read(&typing).unwrap().is_none(),
            "a chat state is no action"
        );
    }
}
