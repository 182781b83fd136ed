//! How a UIS (CoMagic platform) PBX account of the sandbox is registered: its employees and the HTTP
//! notifications configured in the LK ("Уведомления"), each a user-written body template.

use serde::{Deserialize, Deserializer, Serialize};

use crate::common::config::validate_name;
use crate::common::zones::parse_zone;

/// Accepts `"101"` or `101`.
pub fn string_or_int<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        N(u64),
    }
    Ok(match Raw::deserialize(de)? {
        Raw::S(s) => s,
        Raw::N(n) => n.to_string(),
    })
}

/// The notification events the simulator raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// "Ожидание ответа": one per employee being rung (per leg).
    WaitingForAnswer,
    /// "Завершение звонка": the call session ended (answered calls).
    CallFinished,
    /// "Записанный разговор": the recording is ready.
    RecordedConversation,
    /// "Потерянный звонок": nobody answered.
    LostCall,
}

impl EventKind {
    pub const ALL: [Self; 4] = [
        Self::WaitingForAnswer,
        Self::CallFinished,
        Self::RecordedConversation,
        Self::LostCall,
    ];

    /// The key used in the API and as `notification_mnemonic` (UIS's own mnemonics are undocumented).
    pub fn key(self) -> &'static str {
        match self {
            Self::WaitingForAnswer => "waiting_for_answer",
            Self::CallFinished => "call_finished",
            Self::RecordedConversation => "recorded_conversation",
            Self::LostCall => "lost_call",
        }
    }

    /// The event type's name in the LK, the default `notification_name`.
    pub fn default_name(self) -> &'static str {
        match self {
            Self::WaitingForAnswer => "Ожидание ответа",
            Self::CallFinished => "Завершение звонка",
            Self::RecordedConversation => "Записанный разговор",
            Self::LostCall => "Потерянный звонок",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.key() == s)
    }
}

/// How placeholders are replaced outside JSON strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Substitution {
    /// JSON literals: numbers bare, strings quoted, arrays as arrays, `null` (the seed's templates).
    #[default]
    Literal,
    /// Every value as a JSON string: numbers and arrays JSON-encoded inside a string, null as `""`.
    String,
}

/// How date-time variables are written (in the account's zone).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampFormat {
    /// `YYYY-MM-DD HH:MM:SS.ffffff`
    #[default]
    Microseconds,
    /// `YYYY-MM-DD HH:MM:SS`
    Seconds,
}

/// HTTP method of a notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotifyMethod {
    #[default]
    #[serde(rename = "POST", alias = "post")]
    Post,
    #[serde(rename = "GET", alias = "get")]
    Get,
}

/// An employee of the PBX.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeeSpec {
    pub id: u64,
    pub full_name: String,
    /// Internal number (`extension_phone_number`, at most 5 characters).
    #[serde(deserialize_with = "string_or_int")]
    pub extension: String,
}

/// A known client (gives `contact_id` and `contact_full_name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactSpec {
    pub id: u64,
    pub full_name: String,
    pub phone_number: String,
}

/// One HTTP notification configured in the LK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationSpec {
    pub event: EventKind,
    /// Target URL; `{{variable}}` placeholders in it are replaced too (URL-encoded).
    pub url: String,
    #[serde(default)]
    pub method: NotifyMethod,
    /// The body template with `{{variable}}` placeholders (ignored for GET).
    #[serde(default)]
    pub template: String,
    /// The name the admin gave the notification (`notification_name`); default: the event's LK name.
    #[serde(default)]
    pub name: Option<String>,
}

fn default_timezone() -> String {
    "Europe/Moscow".to_owned()
}

fn default_delay() -> u64 {
    20
}

fn default_wait() -> u64 {
    5
}

/// A PBX account as registered by `POST /_sandbox/uis/accounts` or listed in the seed file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    pub name: String,
    /// `app_id` of the notifications (the UIS account number).
    pub app_id: u64,
    #[serde(default)]
    pub employees: Vec<EmployeeSpec>,
    #[serde(default)]
    pub contacts: Vec<ContactSpec>,
    #[serde(default)]
    pub notifications: Vec<NotificationSpec>,
    #[serde(default)]
    pub substitution: Substitution,
    #[serde(default)]
    pub timestamp_format: TimestampFormat,
    /// The account's zone: date-time variables are written in it.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// The account's virtual numbers (when non-empty, calls must use one of them).
    #[serde(default)]
    pub virtual_numbers: Vec<String>,
    /// Real-time gap between two notifications of a call (the call's own clock is simulated).
    #[serde(default = "default_delay")]
    pub notification_delay_ms: u64,
    /// Extra attempts for a notification answered non-2xx or not answered (UIS's policy is unknown).
    #[serde(default)]
    pub notification_retries: u32,
    /// Ringing time of a call when the call does not say (`wait_seconds`).
    #[serde(default = "default_wait")]
    pub default_wait_seconds: u64,
    /// Base of `file_link` (default: the address the call simulator was called on).
    #[serde(default)]
    pub media_base_url: Option<String>,
}

impl AccountSpec {
    /// Checks what serde cannot; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        validate_name("name", &self.name, "accounts")?;
        parse_zone(&self.timezone).map_err(|e| format!("timezone: {e}"))?;
        for (i, e) in self.employees.iter().enumerate() {
            let ext = e.extension.trim();
            if ext.is_empty() || ext.len() > 5 || !ext.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!(
                    "employees[{i}].extension must be 1 to 5 digits, got '{}'",
                    e.extension
                ));
            }
            if self.employees[..i].iter().any(|o| o.id == e.id) {
                return Err(format!("employees[{i}]: id {} is listed twice", e.id));
            }
            if self.employees[..i]
                .iter()
                .any(|o| o.extension == e.extension)
            {
                return Err(format!(
                    "employees[{i}]: extension {} is listed twice",
                    e.extension
                ));
            }
        }
        for (i, n) in self.notifications.iter().enumerate() {
            // Placeholders may stand anywhere in the URL: check it with them blanked out.
            let probe = super::template::blank_placeholders(&n.url);
            let url = url::Url::parse(&probe)
                .map_err(|e| format!("notifications[{i}].url is not a valid URL: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!("notifications[{i}].url must be http or https"));
            }
        }
        if let Some(base) = &self.media_base_url {
            url::Url::parse(base).map_err(|e| format!("media_base_url: {e}"))?;
        }
        Ok(())
    }
}

/// `PATCH /_sandbox/uis/accounts/{name}`: replaces what is given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    pub notifications: Option<Vec<NotificationSpec>>,
    pub substitution: Option<Substitution>,
    pub timestamp_format: Option<TimestampFormat>,
    pub notification_delay_ms: Option<u64>,
    pub notification_retries: Option<u32>,
}
