//! The stored ticket model and its rendering in the API's camelCase shape (§1.4 of the provider notes):
//! `id` as a string, dates as `2025-12-04T00:21:12.5903668`, read-only fields present with their
//! usual values.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::config::BaseStatus;
use crate::common::time::format_movidesk;

/// Ticket and action origins used by the sandbox (Movidesk codes).
pub mod origin {
    /// Action origin of a ticket's first action.
    pub const FIRST_ACTION: i64 = 0;
    /// Web, by an agent (the sandbox's "agent UI", i.e. the control API).
    pub const WEB_AGENT: i64 = 2;
    /// Web API (the public API).
    pub const WEB_API: i64 = 9;
}

/// A person reference as embedded in tickets (`owner`, `createdBy`, `changedBy`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub id: String,
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub person_type: i64,
    pub profile_type: i64,
}

impl PersonRef {
    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "personType": self.person_type,
            "profileType": self.profile_type,
            "businessName": self.business_name,
            "email": self.email,
            "phone": self.phone,
        })
    }
}

/// A ticket client: a person reference plus its organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRef {
    pub person: PersonRef,
    pub organization: Option<PersonRef>,
}

impl ClientRef {
    fn render(&self) -> Value {
        let mut v = self.person.render();
        if let Value::Object(o) = &mut v {
            o.insert("isDeleted".into(), Value::Bool(false));
            o.insert(
                "organization".into(),
                self.organization
                    .as_ref()
                    .map_or(Value::Null, PersonRef::render),
            );
            for k in [
                "address",
                "complement",
                "cep",
                "city",
                "bairro",
                "number",
                "reference",
            ] {
                o.insert(k.into(), Value::Null);
            }
        }
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub path: String,
    pub created_by: PersonRef,
    pub created_date: DateTime<Utc>,
}

impl Attachment {
    fn render(&self) -> Value {
        json!({
            "fileName": self.file_name,
            "path": self.path,
            "createdBy": self.created_by.render(),
            "createdDate": format_movidesk(&self.created_date),
        })
    }
}

/// One action (reply or note) of a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// 1, 2, 3… within the ticket.
    pub id: u32,
    /// 1 internal, 2 public.
    pub kind: i64,
    pub origin: i64,
    /// Plain text (what GET returns in `description`).
    pub description: String,
    /// The HTML as written.
    pub html_description: String,
    /// Ticket status when the action was created.
    pub status: String,
    pub justification: Option<String>,
    pub created_date: DateTime<Utc>,
    pub created_by: PersonRef,
    pub tags: Vec<String>,
    pub attachments: Vec<Attachment>,
    pub time_appointments: Vec<Value>,
    pub expenses: Vec<Value>,
}

impl Action {
    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.kind,
            "origin": self.origin,
            "description": self.description,
            "htmlDescription": self.html_description,
            "status": self.status,
            "justification": self.justification,
            "createdDate": format_movidesk(&self.created_date),
            "createdBy": self.created_by.render(),
            "createdByTeam": Value::Null,
            "isDeleted": false,
            "timeAppointments": self.time_appointments,
            "expenses": self.expenses,
            "attachments": self.attachments.iter().map(Attachment::render).collect::<Vec<_>>(),
            "tags": self.tags,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusHistory {
    pub status: String,
    pub justification: Option<String>,
    pub changed_by: Option<PersonRef>,
    pub changed_date: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerHistory {
    pub owner_team: Option<String>,
    pub owner: Option<PersonRef>,
    pub changed_by: Option<PersonRef>,
    pub changed_date: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomFieldItem {
    pub person_id: Option<String>,
    pub client_id: Option<String>,
    pub team: Option<String>,
    pub custom_field_item: Option<String>,
    pub storage_file_guid: Option<String>,
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomFieldValue {
    pub custom_field_id: i64,
    pub custom_field_rule_id: i64,
    pub line: i64,
    pub value: Option<String>,
    pub items: Vec<CustomFieldItem>,
}

impl CustomFieldValue {
    fn render(&self) -> Value {
        json!({
            "customFieldId": self.custom_field_id,
            "customFieldRuleId": self.custom_field_rule_id,
            "line": self.line,
            "value": self.value,
            "items": self.items.iter().map(|i| json!({
                "personId": i.person_id,
                "clientId": i.client_id,
                "team": i.team,
                "customFieldItem": i.custom_field_item,
                "storageFileGuid": i.storage_file_guid,
                "fileName": i.file_name,
            })).collect::<Vec<_>>(),
        })
    }
}

/// A stored ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: u64,
    pub protocol: Option<String>,
    /// 1 internal, 2 public.
    pub kind: i64,
    pub subject: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub status: String,
    pub base_status: BaseStatus,
    pub justification: Option<String>,
    pub origin: i64,
    pub created_date: DateTime<Utc>,
    pub owner: Option<PersonRef>,
    pub owner_team: Option<String>,
    pub created_by: PersonRef,
    pub service_first_level_id: Option<i64>,
    pub tags: Vec<String>,
    pub cc: Option<String>,
    pub resolved_in: Option<DateTime<Utc>>,
    pub closed_in: Option<DateTime<Utc>>,
    pub reopened_in: Option<DateTime<Utc>>,
    pub canceled_in: Option<DateTime<Utc>>,
    pub sla_solution_date: Option<DateTime<Utc>>,
    pub last_action_date: Option<DateTime<Utc>>,
    pub last_update: DateTime<Utc>,
    pub clients: Vec<ClientRef>,
    pub actions: Vec<Action>,
    pub status_histories: Vec<StatusHistory>,
    pub owner_histories: Vec<OwnerHistory>,
    pub custom_field_values: Vec<CustomFieldValue>,
    /// Read-only fields Movidesk computes (SLA, time metrics, channel metadata…), set through the
    /// control API; rendered over the defaults. A key the model does not know is rendered too, like
    /// a field Movidesk adds later.
    pub read_only: Map<String, Value>,
}

/// A parent or child ticket as listed in `parentTickets`/`childrenTickets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedTicket {
    pub id: u64,
    pub subject: Option<String>,
}

fn date(d: Option<&DateTime<Utc>>) -> Value {
    d.map_or(Value::Null, |d| Value::String(format_movidesk(d)))
}

fn seconds_between(from: &DateTime<Utc>, to: &DateTime<Utc>) -> f64 {
    (*to - *from).num_milliseconds().max(0) as f64 / 1000.0
}

fn opt_ref(r: Option<&PersonRef>) -> Value {
    r.map_or(Value::Null, PersonRef::render)
}

impl Ticket {
    /// Finds a status history entry's permanency: until the next entry or now.
    fn status_histories_json(&self, now: &DateTime<Utc>) -> Vec<Value> {
        self.status_histories
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let until = self
                    .status_histories
                    .get(i + 1)
                    .map_or(*now, |n| n.changed_date);
                let secs = seconds_between(&h.changed_date, &until);
                json!({
                    "status": h.status,
                    "justification": h.justification,
                    "permanencyTimeFullTime": secs,
                    "permanencyTimeWorkingTime": secs,
                    "changedBy": opt_ref(h.changed_by.as_ref()),
                    "changedDate": format_movidesk(&h.changed_date),
                })
            })
            .collect()
    }

    fn owner_histories_json(&self, now: &DateTime<Utc>) -> Vec<Value> {
        self.owner_histories
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let until = self
                    .owner_histories
                    .get(i + 1)
                    .map_or(*now, |n| n.changed_date);
                let secs = seconds_between(&h.changed_date, &until);
                json!({
                    "ownerTeam": h.owner_team,
                    "owner": opt_ref(h.owner.as_ref()),
                    "permanencyTimeFullTime": secs,
                    "permanencyTimeWorkingTime": secs,
                    "changedBy": opt_ref(h.changed_by.as_ref()),
                    "changedDate": format_movidesk(&h.changed_date),
                })
            })
            .collect()
    }

    /// The API model of the ticket. The collections (actions, clients,
    /// histories, custom fields, related tickets) are rendered only when
    /// `reads` names them: a list query that reads none of them does not pay
    /// for rendering every ticket's actions. Everything else always is.
    pub fn render(
        &self,
        parents: &[RelatedTicket],
        children: &[RelatedTicket],
        now: &DateTime<Utc>,
        reads: &dyn Fn(&str) -> bool,
    ) -> Value {
        let related = |list: &[RelatedTicket]| -> Vec<Value> {
            list.iter()
                .map(|r| json!({"id": r.id, "subject": r.subject, "isDeleted": false}))
                .collect()
        };
        let lifetime_end = self.closed_in.or(self.resolved_in).unwrap_or(*now);
        let lifetime_minutes = (lifetime_end - self.created_date).num_minutes().max(0);
        let mut o = Map::new();
        let mut put = |k: &str, v: Value| {
            o.insert(k.to_owned(), v);
        };
        put("id", Value::String(self.id.to_string()));
        put("protocol", json!(self.protocol));
        put("type", json!(self.kind));
        put("subject", json!(self.subject));
        put("category", json!(self.category));
        put("urgency", json!(self.urgency));
        put("status", json!(self.status));
        put("baseStatus", json!(self.base_status.as_str()));
        put("justification", json!(self.justification));
        put("origin", json!(self.origin));
        put("createdDate", date(Some(&self.created_date)));
        put("isDeleted", json!(false));
        put("originEmailAccount", Value::Null);
        put("owner", opt_ref(self.owner.as_ref()));
        put("ownerTeam", json!(self.owner_team));
        put("createdBy", self.created_by.render());
        put("serviceFull", json!([]));
        put("serviceFirstLevelId", json!(self.service_first_level_id));
        put("serviceFirstLevel", Value::Null);
        put("serviceSecondLevel", Value::Null);
        put("serviceThirdLevel", Value::Null);
        put("contactForm", Value::Null);
        put("tags", json!(self.tags));
        put("cc", json!(self.cc));
        put("resolvedIn", date(self.resolved_in.as_ref()));
        put("closedIn", date(self.closed_in.as_ref()));
        put("canceledIn", date(self.canceled_in.as_ref()));
        put("reopenedIn", date(self.reopened_in.as_ref()));
        put("actionCount", json!(self.actions.len()));
        put("lifeTimeWorkingTime", json!(lifetime_minutes));
        put("stoppedTime", json!(0));
        put("stoppedTimeWorkingTime", json!(0));
        put("resolvedInFirstCall", json!(false));
        put("chatWidget", Value::Null);
        put("chatGroup", Value::Null);
        put("chatTalkTime", Value::Null);
        put("chatWaitingTime", Value::Null);
        put("sequence", Value::Null);
        put("slaAgreement", Value::Null);
        put("slaAgreementRule", Value::Null);
        put("slaSolutionTime", Value::Null);
        put("slaResponseTime", Value::Null);
        put("slaSolutionChangedByUser", json!(false));
        put("slaSolutionChangedBy", Value::Null);
        put("slaSolutionDate", date(self.sla_solution_date.as_ref()));
        put("slaSolutionDateIsPaused", json!(false));
        put("slaResponseDate", Value::Null);
        put("slaRealResponseDate", Value::Null);
        put("jiraIssueKey", Value::Null);
        put("redmineIssueId", Value::Null);
        put("movideskTicketNumber", Value::Null);
        put("linkedToIntegratedTicketNumber", Value::Null);
        put("lastActionDate", date(self.last_action_date.as_ref()));
        put("lastUpdate", date(Some(&self.last_update)));
        let mut put_read = |k: &str, v: &dyn Fn() -> Value| {
            if reads(k) {
                put(k, v());
            }
        };
        put_read("clients", &|| {
            Value::Array(self.clients.iter().map(ClientRef::render).collect())
        });
        put_read("actions", &|| {
            Value::Array(self.actions.iter().map(Action::render).collect())
        });
        put_read("parentTickets", &|| Value::Array(related(parents)));
        put_read("childrenTickets", &|| Value::Array(related(children)));
        put_read("ownerHistories", &|| {
            Value::Array(self.owner_histories_json(now))
        });
        put_read("statusHistories", &|| {
            Value::Array(self.status_histories_json(now))
        });
        put_read("satisfactionSurveyResponses", &|| json!([]));
        put_read("customFieldValues", &|| {
            Value::Array(
                self.custom_field_values
                    .iter()
                    .map(CustomFieldValue::render)
                    .collect(),
            )
        });
        put("assets", json!([]));
        put("webhookEvents", Value::Null);
        for (k, v) in &self.read_only {
            o.insert(k.clone(), v.clone());
        }
        Value::Object(o)
    }
}

/// Every top-level property of the ticket model (for `$select`, `$filter` and `$orderby` checks).
pub const TICKET_PROPERTIES: &[&str] = &[
    "id",
    "protocol",
    "type",
    "subject",
    "category",
    "urgency",
    "status",
    "baseStatus",
    "justification",
    "origin",
    "createdDate",
    "isDeleted",
    "originEmailAccount",
    "owner",
    "ownerTeam",
    "createdBy",
    "serviceFull",
    "serviceFirstLevelId",
    "serviceFirstLevel",
    "serviceSecondLevel",
    "serviceThirdLevel",
    "contactForm",
    "tags",
    "cc",
    "resolvedIn",
    "closedIn",
    "canceledIn",
    "reopenedIn",
    "actionCount",
    "lifeTimeWorkingTime",
    "stoppedTime",
    "stoppedTimeWorkingTime",
    "resolvedInFirstCall",
    "chatWidget",
    "chatGroup",
    "chatTalkTime",
    "chatWaitingTime",
    "sequence",
    "slaAgreement",
    "slaAgreementRule",
    "slaSolutionTime",
    "slaResponseTime",
    "slaSolutionChangedByUser",
    "slaSolutionChangedBy",
    "slaSolutionDate",
    "slaSolutionDateIsPaused",
    "slaResponseDate",
    "slaRealResponseDate",
    "jiraIssueKey",
    "redmineIssueId",
    "movideskTicketNumber",
    "linkedToIntegratedTicketNumber",
    "lastActionDate",
    "lastUpdate",
    "clients",
    "actions",
    "parentTickets",
    "childrenTickets",
    "ownerHistories",
    "statusHistories",
    "satisfactionSurveyResponses",
    "customFieldValues",
    "assets",
    "webhookEvents",
];

/// Ticket collections that a list returns only when `$expand`-ed or `$select`-ed.
pub const TICKET_COLLECTIONS: &[&str] = &[
    "clients",
    "actions",
    "parentTickets",
    "childrenTickets",
    "ownerHistories",
    "statusHistories",
    "satisfactionSurveyResponses",
    "customFieldValues",
    "assets",
];
