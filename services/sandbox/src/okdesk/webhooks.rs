//! Okdesk's outgoing webhooks (§1.6): `{"event": {...}, "issue": {...}}`, the issue snapshot in the
//! webhook shape — ids and numbers as strings, people as `{id, first_name, last_name, patronymic}`,
//! `client.{company, contact}`, `assignee.{group, employee}`, `observers.{employees, contacts, groups}`.
//!
//! Events sent: `new_ticket` (issue created), `new_ticket_status` (status changed, unless the API call
//! passed `skip_options: ["skip_webhooks"]`), `new_comment` (comment added).

use serde_json::{Value, json};
use tokio::time::Instant;

use super::account::Account;
use super::input::format_time;
use super::issues::{Issue, PersonKind, PersonRef, StatusChange};
use crate::common::delivery::WebhookJob;

/// What happened, for the `event` part.
#[derive(Debug, Clone)]
pub enum Event {
    NewTicket,
    NewStatus(StatusChange),
    NewComment { comment_id: u64 },
}

impl Account {
    fn person_hook(&self, p: &PersonRef) -> Value {
        let mut v = match p.kind {
            PersonKind::Employee => self
                .employees
                .get(&p.id)
                .map(super::people::Employee::webhook_ref),
            PersonKind::Contact => self
                .contacts
                .get(&p.id)
                .map(super::people::Contact::webhook_ref),
        }
        .unwrap_or_else(|| json!({"id": p.id.to_string()}));
        if let Value::Object(o) = &mut v {
            o.insert("type".into(), json!(p.kind.as_str()));
        }
        v
    }

    fn assignee_hook(&self, i: &Issue) -> Value {
        json!({
            "group": i.group_id.and_then(|g| self.groups.get(&g)).map(|g| json!({"id": g.id.to_string(), "name": g.name})),
            "employee": i.assignee_id.and_then(|e| self.employees.get(&e)).map(super::people::Employee::webhook_ref),
        })
    }

    /// The issue snapshot of a webhook.
    pub fn issue_hook(&self, i: &Issue) -> Value {
        let t = |d: &Option<chrono::DateTime<chrono::Utc>>| {
            d.as_ref().map(|d| format_time(d, &self.tz))
        };
        let ty = self.issue_type(&i.type_code);
        let parameters: Vec<Value> = i
            .parameters
            .iter()
            .map(|(code, value)| json!({"code": code, "name": code, "type": "ftstring", "value": value}))
            .collect();
        json!({
            "id": i.id.to_string(),
            "title": i.title,
            "description": i.description,
            "planned_execution_in_hours": i.planned_execution_in_minutes.map(|m| (m as f64 / 60.0).to_string()),
            "parent_id": i.parent_id.map(|p| p.to_string()),
            "child_ids": self.child_ids(i.id),
            "type": {"code": i.type_code, "name": ty.map(|t| t.name.clone()), "inner": ty.is_some_and(|t| t.inner)},
            "priority": self.priority_json(&i.priority),
            "status": self.status_json(&i.status),
            "old_status": i.old_status.as_deref().map(|s| self.status_json(s)),
            "rate": null,
            "client": {
                "company": i.company_id.and_then(|c| self.companies.get(&c)).map(|c| json!({"id": c.id.to_string(), "name": c.data.name})),
                "contact": i.contact_id.and_then(|c| self.contacts.get(&c)).map(super::people::Contact::webhook_ref),
            },
            "agreement": null,
            "maintenance_entity": null,
            "equipments": [],
            "author": i.author.map(|a| self.person_hook(&a)),
            "assignee": self.assignee_hook(i),
            "coexecutors": [],
            "observers": {
                "employees": i.observer_ids.iter().filter_map(|e| self.employees.get(e)).map(super::people::Employee::webhook_ref).collect::<Vec<_>>(),
                "contacts": [],
                "groups": [],
            },
            "created_at": format_time(&i.created_at, &self.tz),
            "deadline_at": t(&i.deadline_at),
            "planned_reaction_at": null,
            "start_execution_until": null,
            "completed_at": t(&i.completed_at),
            "reacted_at": null,
            "parameters": parameters,
            "attachments": [],
        })
    }

    fn comment_hook(&self, i: &Issue, comment_id: u64) -> Value {
        i.comments.iter().find(|c| c.id == comment_id).map_or(
            Value::Null,
            |c| json!({"id": c.id.to_string(), "is_public": c.public, "content": c.content}),
        )
    }

    /// The webhook body of an event on an issue.
    pub fn webhook_body(&self, i: &Issue, event: &Event, by: Option<PersonRef>) -> Value {
        let author = by.map(|p| self.person_hook(&p));
        let event = match event {
            Event::NewTicket => json!({
                "event_type": "new_ticket",
                "author": author,
                "source": i.source,
            }),
            Event::NewStatus(change) => json!({
                "event_type": "new_ticket_status",
                "author": author,
                "old_status": self.status_json(&change.old),
                "new_status": self.status_json(&change.new),
                "comment": change.comment_id.map(|c| self.comment_hook(i, c)),
                "attachments": [],
                "parameters": [],
                "time_entries": null,
                "old_assignee": self.assignee_hook(i),
                "new_assignee": self.assignee_hook(i),
            }),
            Event::NewComment { comment_id } => json!({
                "event_type": "new_comment",
                "author": author,
                "comment": self.comment_hook(i, *comment_id),
                "attachments": [],
            }),
        };
        json!({"event": event, "issue": self.issue_hook(i)})
    }

    /// Queues the webhook of an event (when the account has a webhook URL).
    pub fn fire(&mut self, issue_id: u64, event: &Event, by: Option<PersonRef>) {
        if let Event::NewStatus(change) = event
            && change.skip_webhooks
        {
            tracing::info!(account = %self.name, issue_id, "webhook skipped (skip_webhooks)");
            return;
        }
        let Some(url) = self.webhook_url.clone() else {
            return;
        };
        let Some(issue) = self.issues.get(&issue_id) else {
            return;
        };
        let body = self.webhook_body(issue, event, by);
        self.outbox.enqueue(WebhookJob {
            url,
            body,
            due: Instant::now()
                .checked_add(self.webhook_delay)
                .unwrap_or_else(Instant::now),
            retries: self.webhook_retries,
            order_key: Some(issue_id.to_string()),
        });
    }
}
