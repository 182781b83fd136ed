//! Tenant ("domain") settings: how a Movidesk account of the sandbox is registered, seeded and changed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::config::{double_option, validate_name, validate_named_url};
use crate::common::limits::LimitSettings;

/// Movidesk's fixed base statuses (`baseStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BaseStatus {
    New,
    InAttendance,
    Stopped,
    Canceled,
    Resolved,
    Closed,
}

impl BaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::InAttendance => "InAttendance",
            Self::Stopped => "Stopped",
            Self::Canceled => "Canceled",
            Self::Resolved => "Resolved",
            Self::Closed => "Closed",
        }
    }

    /// Resolved, closed or canceled: the ticket is finished.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Canceled | Self::Resolved | Self::Closed)
    }
}

/// A tenant-defined status: its name (used by the API) and its base status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    pub name: String,
    pub base: BaseStatus,
    /// Justifications of this status. When non-empty, changing to this status requires one of them.
    #[serde(default)]
    pub justifications: Vec<String>,
}

impl StatusSpec {
    pub fn new(name: &str, base: BaseStatus) -> Self {
        Self {
            name: name.to_owned(),
            base,
            justifications: Vec::new(),
        }
    }
}

/// The default Portuguese status set.
pub fn default_statuses() -> Vec<StatusSpec> {
    vec![
        StatusSpec::new("Novo", BaseStatus::New),
        StatusSpec::new("Em atendimento", BaseStatus::InAttendance),
        StatusSpec::new("Parado", BaseStatus::Stopped),
        StatusSpec::new("Cancelado", BaseStatus::Canceled),
        StatusSpec::new("Resolvido", BaseStatus::Resolved),
        StatusSpec::new("Fechado", BaseStatus::Closed),
    ]
}

/// What `POST /tickets` does with an `origin` the body sends (documented read-only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginOnCreate {
    /// Kept, when it is a ticket origin (1 to 25).
    #[default]
    Accept,
    /// Left out: the ticket gets the channel's origin.
    Ignore,
    /// Answered 400, naming the field.
    Refuse,
}

pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 10;
pub const DEFAULT_LOCKOUT_AFTER_FAILURES: u32 = 3;
pub const DEFAULT_LOCKOUT_SECONDS: u64 = 60;
pub const DEFAULT_WEBHOOK_DELAY_MS: u64 = 50;

fn default_rate() -> u32 {
    DEFAULT_RATE_LIMIT_PER_MINUTE
}
fn default_lockout_after() -> u32 {
    DEFAULT_LOCKOUT_AFTER_FAILURES
}
fn default_lockout_seconds() -> u64 {
    DEFAULT_LOCKOUT_SECONDS
}
fn default_webhook_delay() -> u64 {
    DEFAULT_WEBHOOK_DELAY_MS
}

/// A domain as registered by `POST /_sandbox/movidesk/domains` or listed in the seed file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    /// Domain name, used in control paths (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// API token; the public API picks the domain by the `token` query parameter.
    pub token: String,
    /// Where trigger webhooks are POSTed (none: no webhooks).
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Requests per rolling minute (0 = unlimited).
    #[serde(default = "default_rate")]
    pub rate_limit_per_minute: u32,
    /// Consecutive failed requests that lock the token (0 = never).
    #[serde(default = "default_lockout_after")]
    pub lockout_after_failures: u32,
    /// Length of a lockout.
    #[serde(default = "default_lockout_seconds")]
    pub lockout_seconds: u64,
    /// Delay between a change and its webhook.
    #[serde(default = "default_webhook_delay")]
    pub webhook_delay_ms: u64,
    /// Extra attempts for a webhook answered non-2xx or not answered.
    #[serde(default)]
    pub webhook_retries: u32,
    /// How long a new ticket stays out of list and search answers (the
    /// search index lags behind writes; reading by id is always current).
    #[serde(default)]
    pub search_lag_ms: u64,
    /// Status set (default: the Portuguese set Novo…Fechado).
    #[serde(default)]
    pub statuses: Option<Vec<StatusSpec>>,
    /// Accepted category names (empty: any).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Accepted urgency names (empty: any).
    #[serde(default)]
    pub urgencies: Vec<String>,
    /// Persons (agents, clients, companies) in the API's camelCase shape.
    #[serde(default)]
    pub persons: Vec<Value>,
    /// Number of the first ticket (default 1001 for the first domain, 11001 for the second…).
    #[serde(default)]
    pub first_ticket_number: Option<u64>,
    /// The agent the token belongs to: recorded as `changedBy` of status changes made through the API.
    #[serde(default)]
    pub api_person_id: Option<String>,
    /// What a new ticket's `origin` does.
    #[serde(default)]
    pub origin_on_create: OriginOnCreate,
    /// The tenant requires client persons created through the API to belong to an organization
    /// (`relationships`).
    #[serde(default)]
    pub clients_need_organization: bool,
}

impl DomainSpec {
    /// A domain with default settings.
    pub fn new(name: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            token: token.into(),
            webhook_url: None,
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            lockout_after_failures: DEFAULT_LOCKOUT_AFTER_FAILURES,
            lockout_seconds: DEFAULT_LOCKOUT_SECONDS,
            webhook_delay_ms: DEFAULT_WEBHOOK_DELAY_MS,
            webhook_retries: 0,
            search_lag_ms: 0,
            statuses: None,
            categories: Vec::new(),
            urgencies: Vec::new(),
            persons: Vec::new(),
            first_ticket_number: None,
            api_person_id: None,
            origin_on_create: OriginOnCreate::Accept,
            clients_need_organization: false,
        }
    }

    pub fn limits(&self) -> LimitSettings {
        LimitSettings {
            rate_limit_per_minute: self.rate_limit_per_minute,
            lockout_after_failures: self.lockout_after_failures,
            lockout_seconds: self.lockout_seconds,
        }
    }

    /// Checks the settings that serde cannot; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        validate_name("name", &self.name, "domains")?;
        validate_token(&self.token)?;
        if let Some(url) = &self.webhook_url {
            validate_named_url("webhook_url", url)?;
        }
        if let Some(statuses) = &self.statuses {
            validate_statuses(statuses)?;
        }
        Ok(())
    }
}

pub fn validate_token(token: &str) -> Result<(), String> {
    if token.trim().is_empty() {
        return Err("token must not be empty".to_owned());
    }
    if token
        .chars()
        .any(|c| c.is_whitespace() || c == '&' || c == '#')
    {
        return Err("token must not contain spaces, '&' or '#'".to_owned());
    }
    Ok(())
}

pub fn validate_statuses(statuses: &[StatusSpec]) -> Result<(), String> {
    if !statuses.iter().any(|s| s.base == BaseStatus::New) {
        return Err("statuses must contain at least one status whose base is New".to_owned());
    }
    for (i, s) in statuses.iter().enumerate() {
        if s.name.trim().is_empty() {
            return Err(format!("statuses[{i}].name must not be empty"));
        }
        if statuses[..i]
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&s.name))
        {
            return Err(format!(
                "statuses[{i}]: status '{}' is listed twice",
                s.name
            ));
        }
    }
    Ok(())
}

/// `PATCH /_sandbox/movidesk/domains/{name}`: every field optional; `webhook_url: null` removes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainPatch {
    pub token: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub webhook_url: Option<Option<String>>,
    pub rate_limit_per_minute: Option<u32>,
    pub lockout_after_failures: Option<u32>,
    pub lockout_seconds: Option<u64>,
    pub webhook_delay_ms: Option<u64>,
    pub webhook_retries: Option<u32>,
    pub search_lag_ms: Option<u64>,
    pub statuses: Option<Vec<StatusSpec>>,
    pub categories: Option<Vec<String>>,
    pub urgencies: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub api_person_id: Option<Option<String>>,
    pub origin_on_create: Option<OriginOnCreate>,
    pub clients_need_organization: Option<bool>,
    /// `true` lifts a current lockout and empties the rate-limit window.
    #[serde(default)]
    pub reset_limits: bool,
}
