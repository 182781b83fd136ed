//! How tickets and interactions are written in each API.
//!
//! Both: `id` (uuid), `number`, `summary`, `description`, `numberChannel`, `requester {id, name, email}`,
//! `organization {id, name}|null`, `status {id, name}`, `tags`, `form {id}|null`, `group {id}|null`,
//! `createdBy {id, name, email}`. Legacy adds `idRequester`, `idOrganization`, `idCurrentStatus`,
//! `currentStatusName`, `customField` as a map, `inbox`, `openDate`, `lastDateUpdate`; v1 has
//! `customField: [{key, value}]`, `createdAt`, `updatedAt` and `lastHumanInteraction`.
//! Interactions: `{id, createdBy, origin, comments: {description?|public?|internal?: {content}},
//! propertiesChanges: {status?: {old: {id, name}, new: {id, name}}}}` plus `dateCreation` (legacy) or
//! `createdAt` (v1).

use serde_json::{Map, Value, json};

use super::model::{Api, Interaction, Ticket};
use super::tenant::Tenant;
use crate::common::time;

impl Tenant {
    fn user_brief(&self, id: &str) -> Value {
        self.user(id).map_or_else(
            || json!({"id": id}),
            |u| json!({"id": u.id, "name": u.name, "email": u.email, "type": 1}),
        )
    }

    fn status_brief(&self, id: &str) -> Value {
        self.statuses.iter().find(|s| s.id == id).map_or_else(
            || json!({"id": id}),
            |s| json!({"id": s.id, "name": s.name}),
        )
    }

    pub fn render_interaction(&self, i: &Interaction, api: Api) -> Value {
        let mut comments = Map::new();
        for (key, content) in [
            ("description", &i.description),
            ("public", &i.public),
            ("internal", &i.internal),
        ] {
            if let Some(c) = content {
                comments.insert(key.into(), json!({"content": c}));
            }
        }
        let mut changes = Map::new();
        if let Some((old, new)) = &i.status_change {
            changes.insert(
                "status".into(),
                json!({"old": self.status_brief(old), "new": self.status_brief(new)}),
            );
        }
        let date_key = match api {
            Api::Legacy => "dateCreation",
            Api::V1 => "createdAt",
        };
        let mut v = json!({
            "id": i.id,
            "createdBy": self.user_brief(&i.author_id),
            "origin": i.origin.as_str(),
            "comments": comments,
            "propertiesChanges": changes,
        });
        if let Value::Object(o) = &mut v {
            o.insert(date_key.into(), json!(time::format_rfc3339(&i.created_at)));
        }
        v
    }

    pub fn render_ticket(&self, t: &Ticket, api: Api) -> Value {
        let status = self.statuses.iter().find(|s| s.id == t.status_id);
        let mut v = json!({
            "id": t.id,
            "number": t.number,
            "summary": t.summary,
            "description": t.description(),
            "numberChannel": t.number_channel,
            "requester": self.person_brief(&t.requester_id),
            "organization": t.organization_id.as_deref().and_then(|o| self.organization(o)).map(|o| json!({"id": o.id, "name": o.name})),
            "status": self.status_brief(&t.status_id),
            "tags": t.tags,
            "form": t.form_id.as_ref().map(|id| json!({"id": id})),
            "group": t.group_id.as_ref().map(|id| json!({"id": id})),
            "createdBy": self.user_brief(&t.created_by),
        });
        let Value::Object(o) = &mut v else {
            return v;
        };
        match api {
            Api::Legacy => {
                let custom: Map<String, Value> = t.custom_fields.iter().cloned().collect();
                o.insert("idRequester".into(), json!(t.requester_id));
                o.insert("idOrganization".into(), json!(t.organization_id));
                o.insert("idCurrentStatus".into(), json!(t.status_id));
                o.insert("currentStatusName".into(), json!(status.map(|s| &s.name)));
                o.insert("customField".into(), Value::Object(custom));
                o.insert("inbox".into(), t.inbox.clone().unwrap_or(Value::Null));
                o.insert(
                    "openDate".into(),
                    json!(time::format_rfc3339(&t.created_at)),
                );
                o.insert(
                    "lastDateUpdate".into(),
                    json!(time::format_rfc3339(&t.updated_at)),
                );
            }
            Api::V1 => {
                let custom: Vec<Value> = t
                    .custom_fields
                    .iter()
                    .map(|(k, v)| json!({"key": k, "value": v}))
                    .collect();
                o.insert("customField".into(), Value::Array(custom));
                o.insert(
                    "createdAt".into(),
                    json!(time::format_rfc3339(&t.created_at)),
                );
                o.insert(
                    "updatedAt".into(),
                    json!(time::format_rfc3339(&t.updated_at)),
                );
                o.insert(
                    "lastHumanInteraction".into(),
                    t.interactions
                        .last()
                        .map_or(Value::Null, |i| self.render_interaction(i, api)),
                );
            }
        }
        v
    }

    /// A ticket with its interactions (control API, webhooks).
    pub fn render_ticket_full(&self, t: &Ticket, api: Api) -> Value {
        let mut v = self.render_ticket(t, api);
        if let Value::Object(o) = &mut v {
            o.insert(
                "interactions".into(),
                t.interactions
                    .iter()
                    .map(|i| self.render_interaction(i, api))
                    .collect(),
            );
        }
        v
    }
}
