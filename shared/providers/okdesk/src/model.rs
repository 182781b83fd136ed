//! The Okdesk API's JSON (snake_case), read liberally and written
//! minimally. REST answers carry integer ids; webhook bodies carry every id
//! as a string and people as `{id, first_name, last_name, patronymic}`.
//! Create bodies are wrapped (`{"issue": {...}}`); status changes and
//! screen-pops are not.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::de;

/// "Last First Patronymic", skipping empty parts.
pub fn full_name(last: Option<&str>, first: Option<&str>, patronymic: Option<&str>) -> String {
    [last, first, patronymic]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An item of `GET /employees/list`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Employee {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub patronymic: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub active: Option<bool>,
    /// The internal number ("Добавочный номер") UIS rings.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub telephony_number: Option<String>,
}

impl Employee {
    pub fn name(&self) -> String {
        full_name(
            self.last_name.as_deref(),
            self.first_name.as_deref(),
            self.patronymic.as_deref(),
        )
    }
}

/// A contact as `GET /contacts/` and `POST /contacts/` answer it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Contact {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    pub company_id: Option<String>,
    #[serde(default)]
    pub company: Option<IdRef>,
}

impl Contact {
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| {
                full_name(self.last_name.as_deref(), self.first_name.as_deref(), None)
            })
    }

    pub fn company(&self) -> Option<&str> {
        self.company_id
            .as_deref()
            .or_else(|| self.company.as_ref().and_then(|c| c.id.as_deref()))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct IdRef {
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    pub name: Option<String>,
}

/// A company as `GET /companies/` answers it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Company {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodeName {
    pub code: Option<String>,
    pub name: Option<String>,
}

/// An issue as `GET /issues/{id}` and `GET /issues/list` answer it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Issue {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<CodeName>,
    #[serde(default)]
    pub contact: Option<IdRef>,
    #[serde(default, deserialize_with = "de::opt_id")]
    pub company_id: Option<String>,
}

impl Issue {
    pub fn status_code(&self) -> Option<&str> {
        self.status.as_ref().and_then(|s| s.code.as_deref())
    }

    /// Whether Ponte's `needle` (a reference or a link marker) is in it.
    pub fn mentions(&self, needle: &str) -> bool {
        [&self.title, &self.description]
            .into_iter()
            .flatten()
            .any(|t| t.contains(needle))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Comment {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub content: Option<String>,
}

/// `POST /contacts/` (wrapped in `contact`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewContact {
    pub first_name: String,
    pub last_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `POST /issues/` (wrapped in `issue`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewIssue {
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}

/// `POST /issues/{id}/comments` (wrapped in `comment`).
#[derive(Debug, Clone, Serialize)]
pub struct NewComment {
    pub content: String,
    pub author_id: i64,
    pub author_type: &'static str,
    pub public: bool,
}

/// `POST /issues/{id}/statuses` (not wrapped).
#[derive(Debug, Clone, Serialize)]
pub struct NewStatus {
    pub code: String,
    pub skip_options: Vec<&'static str>,
}

/// `POST /telephony/messages` (not wrapped): pops the caller's card on the
/// screens of the employees with these internal numbers.
#[derive(Debug, Clone, Serialize)]
pub struct TelephonyMessage {
    pub telephony_numbers: Vec<Value>,
    pub search_numbers_count: u8,
    pub phone: String,
}

/// `POST /phone_calls` (wrapped in `phone_call`): an entry of the call list.
/// Times are `YYYY-MM-DD HH:MM` in the Okdesk account's zone.
#[derive(Debug, Clone, Serialize)]
pub struct NewPhoneCall {
    pub call_id: String,
    pub started_at: String,
    pub finished_at: String,
    pub duration: u64,
    /// 0 incoming, 1 outgoing.
    pub direction: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver_phone: Option<String>,
    pub search_numbers_count: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_id: Option<i64>,
}

/// A person in a webhook body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookPerson {
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub patronymic: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

impl HookPerson {
    pub fn name(&self) -> Option<String> {
        Some(full_name(
            self.last_name.as_deref(),
            self.first_name.as_deref(),
            self.patronymic.as_deref(),
        ))
        .filter(|n| !n.is_empty())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookClient {
    #[serde(default)]
    pub company: Option<IdRef>,
    #[serde(default)]
    pub contact: Option<HookPerson>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookAssignee {
    #[serde(default)]
    pub group: Option<IdRef>,
    #[serde(default)]
    pub employee: Option<HookPerson>,
}

/// The issue snapshot of a webhook.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookIssue {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<CodeName>,
    #[serde(default)]
    pub priority: Option<CodeName>,
    #[serde(rename = "type", default)]
    pub issue_type: Option<CodeName>,
    #[serde(default)]
    pub client: Option<HookClient>,
    #[serde(default)]
    pub author: Option<HookPerson>,
    #[serde(default)]
    pub assignee: Option<HookAssignee>,
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookComment {
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_public: Option<bool>,
    pub content: Option<String>,
}

/// The `event` part of a webhook.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookEvent {
    pub event_type: Option<String>,
    #[serde(default)]
    pub author: Option<HookPerson>,
    #[serde(default)]
    pub old_status: Option<CodeName>,
    #[serde(default)]
    pub new_status: Option<CodeName>,
    #[serde(default)]
    pub comment: Option<HookComment>,
}

/// `{"event": {...}, "issue": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Hook {
    pub event: HookEvent,
    pub issue: HookIssue,
}
