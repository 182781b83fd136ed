//! Trigger ("gatilho") webhooks, as Movidesk sends them (§1.8 of the provider notes).
//!
//! The body is the ticket in **PascalCase** and **partial**: null fields are omitted and value fields
//! (`Type`, `Origin`, `ActionCount`, `IsDeleted`, `ResolvedInFirstCall`, `SlaSolutionTime`) carry their
//! defaults, not the ticket's real values, exactly like the observed payload. `Id` is a number. `Actions`
//! holds only the actions the event is about. The receiver is expected to re-read the ticket.
//!
//! `WebhookEvents` codes are undocumented by Movidesk; the sandbox uses these stable codes:
//!
//! | Criteria | Meaning          | Operation |
//! |----------|------------------|-----------|
//! | 1        | ticket created   | 10 (insert) |
//! | 2        | action added     | 10 (insert) |
//! | 3        | status changed   | 20 (update) |
//! | 4        | other field edit | 20 (update) |
//!
//! One change (one API call or one agent edit) sends one webhook listing all its events.

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::domain::Domain;
use super::model::{Action, Attachment, CustomFieldValue, PersonRef, Ticket};
use crate::common::delivery::WebhookJob;
use crate::common::time::format_movidesk;

pub const CRITERIA_TICKET_CREATED: i64 = 1;
pub const CRITERIA_ACTION_ADDED: i64 = 2;
pub const CRITERIA_STATUS_CHANGED: i64 = 3;
pub const CRITERIA_TICKET_CHANGED: i64 = 4;
pub const OPERATION_INSERT: i64 = 10;
pub const OPERATION_UPDATE: i64 = 20;

/// One `WebhookEvents` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookEvent {
    pub criteria: i64,
    pub operation: i64,
}

impl WebhookEvent {
    pub const TICKET_CREATED: Self = Self {
        criteria: CRITERIA_TICKET_CREATED,
        operation: OPERATION_INSERT,
    };
    pub const ACTION_ADDED: Self = Self {
        criteria: CRITERIA_ACTION_ADDED,
        operation: OPERATION_INSERT,
    };
    pub const STATUS_CHANGED: Self = Self {
        criteria: CRITERIA_STATUS_CHANGED,
        operation: OPERATION_UPDATE,
    };
    pub const TICKET_CHANGED: Self = Self {
        criteria: CRITERIA_TICKET_CHANGED,
        operation: OPERATION_UPDATE,
    };
}

/// What one write did to one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub ticket_id: u64,
    pub events: Vec<WebhookEvent>,
    /// Actions created by the write (the `Actions` of the webhook).
    pub action_ids: Vec<u32>,
}

fn insert_opt(o: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        o.insert(key.to_owned(), Value::String(v.to_owned()));
    }
}

fn person(p: &PersonRef) -> Value {
    let mut o = Map::new();
    o.insert("Id".into(), json!(p.id));
    o.insert("PersonType".into(), json!(p.person_type));
    o.insert("ProfileType".into(), json!(p.profile_type));
    insert_opt(&mut o, "BusinessName", p.business_name.as_deref());
    insert_opt(&mut o, "Email", p.email.as_deref());
    insert_opt(&mut o, "Phone", p.phone.as_deref());
    Value::Object(o)
}

fn attachment(a: &Attachment) -> Value {
    json!({
        "FileName": a.file_name,
        "Path": a.path,
        "CreatedBy": person(&a.created_by),
        "CreatedDate": format_movidesk(&a.created_date),
    })
}

fn action(a: &Action) -> Value {
    json!({
        "Id": a.id,
        "Type": 0,
        "Origin": 0,
        "Description": a.description,
        "HtmlDescription": a.html_description,
        "CreatedBy": person(&a.created_by),
        "IsDeleted": false,
        "Attachments": a.attachments.iter().map(attachment).collect::<Vec<_>>(),
    })
}

fn custom_field(c: &CustomFieldValue) -> Value {
    let mut o = Map::new();
    o.insert("CustomFieldId".into(), json!(c.custom_field_id));
    o.insert("CustomFieldRuleId".into(), json!(c.custom_field_rule_id));
    o.insert("Line".into(), json!(c.line));
    insert_opt(&mut o, "Value", c.value.as_deref());
    let items: Vec<Value> = c
        .items
        .iter()
        .map(|i| {
            let mut it = Map::new();
            insert_opt(&mut it, "PersonId", i.person_id.as_deref());
            insert_opt(&mut it, "ClientId", i.client_id.as_deref());
            insert_opt(&mut it, "Team", i.team.as_deref());
            insert_opt(&mut it, "CustomFieldItem", i.custom_field_item.as_deref());
            it.insert(
                "StorageFileGuid".into(),
                json!(i.storage_file_guid.as_deref().unwrap_or("")),
            );
            insert_opt(&mut it, "FileName", i.file_name.as_deref());
            Value::Object(it)
        })
        .collect();
    o.insert("Items".into(), Value::Array(items));
    Value::Object(o)
}

/// The trigger body for a change of `ticket`.
pub fn trigger_body(ticket: &Ticket, change: &Change) -> Value {
    let mut o = Map::new();
    o.insert("Id".into(), json!(ticket.id));
    o.insert("Type".into(), json!(0));
    insert_opt(&mut o, "Subject", ticket.subject.as_deref());
    insert_opt(&mut o, "Category", ticket.category.as_deref());
    insert_opt(&mut o, "Urgency", ticket.urgency.as_deref());
    o.insert("Status".into(), json!(ticket.status));
    insert_opt(&mut o, "Justification", ticket.justification.as_deref());
    o.insert("Origin".into(), json!(0));
    o.insert("IsDeleted".into(), json!(false));
    o.insert("ActionCount".into(), json!(0));
    o.insert("ResolvedInFirstCall".into(), json!(false));
    o.insert("SlaSolutionTime".into(), json!(0));
    let actions: Vec<Value> = ticket
        .actions
        .iter()
        .filter(|a| change.action_ids.contains(&a.id))
        .map(action)
        .collect();
    o.insert("Actions".into(), Value::Array(actions));
    o.insert(
        "CustomFieldValues".into(),
        Value::Array(
            ticket
                .custom_field_values
                .iter()
                .map(custom_field)
                .collect(),
        ),
    );
    o.insert(
        "WebhookEvents".into(),
        Value::Array(
            change
                .events
                .iter()
                .map(|e| json!({"Criteria": e.criteria, "Operation": e.operation}))
                .collect(),
        ),
    );
    Value::Object(o)
}

impl Domain {
    /// Queues the trigger webhook of a change (when the domain has a webhook URL).
    pub fn fire(&mut self, change: &Change) {
        let Some(url) = self.webhook_url.clone() else {
            return;
        };
        let Some(ticket) = self.tickets.get(&change.ticket_id) else {
            return;
        };
        let body = trigger_body(ticket, change);
        self.outbox.enqueue(WebhookJob {
            url,
            body,
            due: Instant::now() + self.webhook_delay,
            retries: self.webhook_retries,
            order_key: Some(change.ticket_id.to_string()),
        });
    }
}
