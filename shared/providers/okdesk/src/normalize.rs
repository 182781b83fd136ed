//! Okdesk webhook → canonical events, so Okdesk can be the source of a
//! flow. The webhook's issue snapshot becomes the canonical ticket; Ponte's
//! link markers (written in the description, Okdesk has no tags) read as
//! its tags, so the router recognises a counterpart Ponte created.

use chrono::{DateTime, Utc};
use ponte_core::{Action, BaseStatus, Change, Person, Ticket, Visibility};
use serde_json::Value;

use crate::model::{Hook, HookComment, HookIssue, HookPerson};
use crate::webhook::{WebhookError, parse};

/// Okdesk's system status codes onto the canonical stages.
pub fn base_status(code: Option<&str>) -> BaseStatus {
    match code {
        None | Some("opened") => BaseStatus::New,
        Some("in_progress") | Some("inprogress") => BaseStatus::InAttendance,
        Some("delayed") => BaseStatus::Stopped,
        Some("completed") => BaseStatus::Resolved,
        Some("closed") => BaseStatus::Closed,
        Some(other) => BaseStatus::Other(other.to_string()),
    }
}

fn person(p: &HookPerson) -> Person {
    Person {
        id: p.id.clone(),
        name: p.name(),
        ..Person::default()
    }
}

/// `ponte-…` markers Ponte wrote into a text.
pub fn markers(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';'))
        .map(|w| w.trim_end_matches(['.', ':']))
        .filter(|w| w.starts_with("ponte-") && w.len() > "ponte-".len())
        .map(str::to_string)
        .collect()
}

/// Text of an HTML fragment: tags dropped, line breaks kept.
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let t = tag.trim_start_matches('/').to_ascii_lowercase();
                if t.starts_with("br") || t.starts_with('p') || t.starts_with("div") {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s?.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The webhook's issue snapshot as a canonical ticket. Its description is
/// its first action.
pub fn ticket(i: &HookIssue) -> Ticket {
    let description = i.description.clone().unwrap_or_default();
    let status = i
        .status
        .as_ref()
        .and_then(|s| s.code.clone())
        .unwrap_or_default();
    let author = i.author.as_ref().map(person);
    let actions = if description.trim().is_empty() {
        vec![]
    } else {
        vec![Action {
            id: "description".into(),
            visibility: Visibility::Public,
            text: plain(&description),
            html: Some(description.clone()),
            author: author.clone().unwrap_or_default(),
            created_at: parse_time(i.created_at.as_deref()),
            attachments: vec![],
        }]
    };
    Ticket {
        id: i.id.clone(),
        subject: i.title.clone().unwrap_or_default(),
        visibility: Visibility::Public,
        base_status: base_status(Some(status.as_str()).filter(|s| !s.is_empty())),
        status,
        category: i.issue_type.as_ref().and_then(|t| t.code.clone()),
        urgency: i.priority.as_ref().and_then(|p| p.code.clone()),
        owner: i
            .assignee
            .as_ref()
            .and_then(|a| a.employee.as_ref())
            .map(person),
        owner_team: i
            .assignee
            .as_ref()
            .and_then(|a| a.group.as_ref())
            .and_then(|g| g.id.clone()),
        services: vec![],
        clients: i
            .client
            .as_ref()
            .and_then(|c| c.contact.as_ref())
            .map(person)
            .into_iter()
            .collect(),
        created_by: author,
        tags: markers(&description),
        custom_fields: vec![],
        actions,
        created_at: parse_time(i.created_at.as_deref()),
        updated_at: None,
        origin: None,
        justification: None,
    }
}

fn comment_action(c: &HookComment, author: Option<&HookPerson>) -> Action {
    let html = c.content.clone().unwrap_or_default();
    Action {
        id: c.id.clone().unwrap_or_default(),
        visibility: if c.is_public.unwrap_or(false) {
            Visibility::Public
        } else {
            Visibility::Internal
        },
        text: plain(&html),
        html: Some(html),
        author: author.map(person).unwrap_or_default(),
        created_at: None,
        attachments: vec![],
    }
}

/// Reads a webhook body into the canonical change it reports: a new issue,
/// a new comment, a status change; any other event as "the issue changed".
pub fn read(body: &Value) -> Result<Change, WebhookError> {
    parse(body).map(|hook| change(&hook))
}

/// The canonical change a parsed webhook reports.
pub(crate) fn change(hook: &Hook) -> Change {
    let t = Box::new(ticket(&hook.issue));
    let ev = &hook.event;
    match ev.event_type.as_deref().unwrap_or_default() {
        "new_ticket" => Change::TicketCreated { ticket: t },
        "new_comment" => match &ev.comment {
            Some(c) => Change::ActionAdded {
                action: comment_action(c, ev.author.as_ref()),
                ticket: t,
            },
            None => Change::TicketUpdated { ticket: t },
        },
        "new_ticket_status" => {
            let from = ev.old_status.as_ref().and_then(|s| s.code.clone());
            let to = ev
                .new_status
                .as_ref()
                .and_then(|s| s.code.clone())
                .unwrap_or_else(|| t.status.clone());
            let reopened = base_status(from.as_deref()).is_finished()
                && !base_status(Some(to.as_str())).is_finished();
            Change::StatusChanged {
                from,
                to,
                changed_at: None,
                changed_by: ev.author.as_ref().and_then(|a| a.id.clone()),
                reopened,
                ticket: t,
            }
        }
        _ => Change::TicketUpdated { ticket: t },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issue() -> Value {
        json!({
            "id": "153", "title": "Не работает принтер",
            "description": "<p>Помогите</p><p><small>via Ponte · ponte-blip-okdesk-42</small></p>",
            "status": {"code": "opened", "name": "Открыта"},
            "client": {"contact": {"id": "9", "first_name": "Пётр", "last_name": "Петров"}},
            "assignee": {"employee": {"id": "3", "first_name": "Анна", "last_name": "Иванова"}, "group": null},
            "created_at": "2026-05-04T10:15:30.000+03:00"
        })
    }

    #[test]
    fn a_new_issue_reads_with_client_owner_and_marker() {
        let change =
            read(&json!({"event": {"event_type": "new_ticket"}, "issue": issue()})).expect("reads");
        let Change::TicketCreated { ticket } = change else {
            panic!("{change:?}")
        };
        assert_eq!(ticket.id, "153");
        assert_eq!(ticket.base_status, BaseStatus::New);
        assert_eq!(
            ticket.client().and_then(|c| c.name.as_deref()),
            Some("Петров Пётр")
        );
        assert_eq!(ticket.owner.and_then(|o| o.id).as_deref(), Some("3"));
        assert_eq!(ticket.tags, ["ponte-blip-okdesk-42"]);
        assert_eq!(
            ticket.actions[0].text,
            "Помогите\n\nvia Ponte · ponte-blip-okdesk-42"
        );
    }

    #[test]
    fn comments_and_statuses_become_changes() {
        let c = read(&json!({"event": {"event_type": "new_comment", "author": {"id": "3", "type": "employee"},
            "comment": {"id": "77", "is_public": "true", "content": "Готово &amp; проверено"}}, "issue": issue()}))
        .expect("reads");
        let Change::ActionAdded { action, .. } = c else {
            panic!("{c:?}")
        };
        assert_eq!(action.id, "77");
        assert_eq!(action.visibility, Visibility::Public);
        assert_eq!(action.text, "Готово & проверено");
        let s = read(&json!({"event": {"event_type": "new_ticket_status",
            "old_status": {"code": "completed"}, "new_status": {"code": "opened"}}, "issue": issue()}))
        .expect("reads");
        let Change::StatusChanged { to, reopened, .. } = s else {
            panic!("{s:?}")
        };
        assert_eq!(to, "opened");
        assert!(reopened);
        let other = read(&json!({"event": {"event_type": "new_deadline"}, "issue": issue()}))
            .expect("reads");
        assert!(matches!(other, Change::TicketUpdated { .. }));
    }
}
