//! How an Okdesk account of the sandbox is registered (`POST /_sandbox/okdesk/accounts`, seed file).

use serde::{Deserialize, Deserializer, Serialize};

use crate::common::config::{double_option, validate_name, validate_url};
use crate::common::zones::parse_zone;

/// Accepts `"101"` or `101` (extension numbers are strings in the API, integers in some clients).
fn string_or_int<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        N(i64),
    }
    Ok(Option::<Raw>::deserialize(de)?.map(|r| match r {
        Raw::S(s) => s,
        Raw::N(n) => n.to_string(),
    }))
}

fn default_true() -> bool {
    true
}

fn default_timezone() -> String {
    "Europe/Moscow".to_owned()
}

fn default_webhook_delay() -> u64 {
    50
}

/// An employee ("сотрудник").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeeSpec {
    /// Id; assigned when absent.
    #[serde(default)]
    pub id: Option<u64>,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub patronymic: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default = "default_true")]
    pub active: bool,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The internal number ("Добавочный номер") that `/telephony/messages` targets.
    #[serde(default, deserialize_with = "string_or_int")]
    pub telephony_number: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// Ids of the account's groups the employee belongs to.
    #[serde(default)]
    pub group_ids: Vec<u64>,
    /// Role names.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// A contact person of a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactSpec {
    #[serde(default)]
    pub id: Option<u64>,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub patronymic: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub company_id: Option<u64>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub mobile_phone: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A client company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanySpec {
    #[serde(default)]
    pub id: Option<u64>,
    pub name: String,
    #[serde(default)]
    pub additional_name: Option<String>,
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub crm_1c_id: Option<String>,
    #[serde(default)]
    pub category_code: Option<String>,
}

/// An employee group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub id: u64,
    pub name: String,
}

/// A status or a priority: a code (used by the API) and a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeName {
    pub code: String,
    pub name: String,
}

impl CodeName {
    pub fn new(code: &str, name: &str) -> Self {
        Self {
            code: code.to_owned(),
            name: name.to_owned(),
        }
    }
}

/// An issue type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueTypeSpec {
    #[serde(default)]
    pub id: Option<u64>,
    pub code: String,
    pub name: String,
    /// Internal type (not visible to clients).
    #[serde(default)]
    pub inner: bool,
}

/// The system statuses of a new account.
pub fn default_statuses() -> Vec<CodeName> {
    vec![
        CodeName::new("opened", "Открыта"),
        CodeName::new("in_progress", "В работе"),
        CodeName::new("delayed", "Отложена"),
        CodeName::new("completed", "Решена"),
        CodeName::new("closed", "Закрыта"),
    ]
}

/// Priorities of a new account; the first one is the default of new issues unless `normal` exists.
pub fn default_priorities() -> Vec<CodeName> {
    vec![
        CodeName::new("low", "Низкий"),
        CodeName::new("normal", "Обычный"),
        CodeName::new("high", "Высокий"),
    ]
}

/// Issue types of a new account; the first one is the default of new issues.
pub fn default_issue_types() -> Vec<IssueTypeSpec> {
    vec![
        IssueTypeSpec {
            id: Some(1),
            code: "service".to_owned(),
            name: "Обслуживание".to_owned(),
            inner: false,
        },
        IssueTypeSpec {
            id: Some(2),
            code: "incident".to_owned(),
            name: "Инцидент".to_owned(),
            inner: false,
        },
    ]
}

/// An account as registered by `POST /_sandbox/okdesk/accounts` or listed in the seed file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// Account name (the `{account}` of `https://{account}.okdesk.ru`), used in control paths.
    pub name: String,
    /// The API key; the public API picks the account by the `api_token` query parameter.
    pub api_token: String,
    /// The account's time zone: `phone_calls` times are read in it, answers are written in it.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    #[serde(default)]
    pub employees: Vec<EmployeeSpec>,
    #[serde(default)]
    pub contacts: Vec<ContactSpec>,
    #[serde(default)]
    pub companies: Vec<CompanySpec>,
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
    /// Statuses (default: opened, in_progress, delayed, completed, closed). The first is the initial one.
    #[serde(default)]
    pub statuses: Option<Vec<CodeName>>,
    #[serde(default)]
    pub priorities: Option<Vec<CodeName>>,
    #[serde(default)]
    pub issue_types: Option<Vec<IssueTypeSpec>>,
    /// Where Okdesk's outgoing webhooks are POSTed (none: no webhooks).
    #[serde(default)]
    pub webhook_url: Option<String>,
    #[serde(default = "default_webhook_delay")]
    pub webhook_delay_ms: u64,
    #[serde(default)]
    pub webhook_retries: u32,
    /// Requests per rolling minute (0, the default, switches the limit off: Okdesk's limits are
    /// undocumented).
    #[serde(default)]
    pub rate_limit_per_minute: u32,
    /// The employee the API key belongs to (default: the first employee): author of status changes and
    /// of issues created through the API.
    #[serde(default)]
    pub api_employee_id: Option<u64>,
    /// Id of the first issue (default 1).
    #[serde(default)]
    pub first_issue_id: Option<u64>,
}

impl AccountSpec {
    /// Checks what serde cannot; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        validate_name("name", &self.name, "accounts")?;
        validate_token(&self.api_token)?;
        parse_zone(&self.timezone).map_err(|e| format!("timezone: {e}"))?;
        if let Some(url) = &self.webhook_url {
            validate_url(url).map_err(|e| format!("webhook_url: {e}"))?;
        }
        for (field, list) in [
            ("statuses", self.statuses.as_deref()),
            ("priorities", self.priorities.as_deref()),
        ] {
            if let Some(list) = list {
                validate_codes(field, list.iter().map(|c| c.code.as_str()))?;
            }
        }
        if let Some(types) = &self.issue_types {
            validate_codes("issue_types", types.iter().map(|t| t.code.as_str()))?;
        }
        Ok(())
    }
}

fn validate_codes<'a>(field: &str, codes: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let codes: Vec<&str> = codes.collect();
    if codes.is_empty() {
        return Err(format!("{field} must not be empty"));
    }
    for (i, c) in codes.iter().enumerate() {
        if c.trim().is_empty() {
            return Err(format!("{field}[{i}].code must not be empty"));
        }
        if codes[..i].contains(c) {
            return Err(format!("{field}[{i}]: code '{c}' is listed twice"));
        }
    }
    Ok(())
}

pub fn validate_token(token: &str) -> Result<(), String> {
    if token.trim().is_empty() {
        return Err("api_token must not be empty".to_owned());
    }
    if token
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '&' | '#' | '+' | '%'))
    {
        return Err("api_token must not contain spaces, '&', '#', '+' or '%'".to_owned());
    }
    Ok(())
}

/// `PATCH /_sandbox/okdesk/accounts/{name}`: every field optional; `webhook_url: null` removes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    #[serde(default, deserialize_with = "double_option")]
    pub webhook_url: Option<Option<String>>,
    pub webhook_delay_ms: Option<u64>,
    pub webhook_retries: Option<u32>,
    pub rate_limit_per_minute: Option<u32>,
    /// `true` empties the rate-limit window.
    #[serde(default)]
    pub reset_limits: bool,
}
