//! Contract settings: how a Blip bot ("contract") of the sandbox is registered, seeded and changed.

use axum::http::{HeaderName, HeaderValue};
use serde::Deserialize;

use crate::common::config::{double_option, validate_name, validate_named_url};

/// Free plan throughput (docs: messages 3/s, notifications 6/s, commands 48/s).
pub const DEFAULT_MESSAGES_PER_SECOND: u32 = 3;
pub const DEFAULT_NOTIFICATIONS_PER_SECOND: u32 = 6;
pub const DEFAULT_COMMANDS_PER_SECOND: u32 = 48;
pub const DEFAULT_WEBHOOK_DELAY_MS: u64 = 50;
pub const DEFAULT_WEBHOOK_AUTH_HEADER: &str = "Authorization";

fn default_messages() -> u32 {
    DEFAULT_MESSAGES_PER_SECOND
}
fn default_notifications() -> u32 {
    DEFAULT_NOTIFICATIONS_PER_SECOND
}
fn default_commands() -> u32 {
    DEFAULT_COMMANDS_PER_SECOND
}
fn default_delay() -> u64 {
    DEFAULT_WEBHOOK_DELAY_MS
}
fn default_auth_header() -> String {
    DEFAULT_WEBHOOK_AUTH_HEADER.to_owned()
}

/// A contract as registered by `POST /_sandbox/blip/contracts` or listed in the seed file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractSpec {
    /// Contract name, used in control paths (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// The Authorization Key token: requests carry `Authorization: Key <key>`.
    pub key: String,
    /// The bot's identity (default `{name}@msging.net`): `ownerIdentity` of tickets, `to` of responses.
    #[serde(default)]
    pub bot_identity: Option<String>,
    /// The custom attendance channel URL (none: no webhooks).
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Header carrying `webhook_auth_key` on every webhook (default `Authorization`).
    #[serde(default = "default_auth_header")]
    pub webhook_auth_header: String,
    /// The channel's optional authentication key, sent verbatim in `webhook_auth_header`.
    #[serde(default)]
    pub webhook_auth_key: Option<String>,
    /// The bot's notification URL: `failed` notifications of undelivered messages are POSTed there.
    #[serde(default)]
    pub notifications_url: Option<String>,
    /// Known agent identities (`agent%40dominio.com@blip.ai`). Empty: any identity with an `@` is accepted.
    #[serde(default)]
    pub agents: Vec<String>,
    /// Throughput limits per rolling second (0 = off).
    #[serde(default = "default_messages")]
    pub messages_per_second: u32,
    #[serde(default = "default_notifications")]
    pub notifications_per_second: u32,
    #[serde(default = "default_commands")]
    pub commands_per_second: u32,
    /// Delay between an event and its webhook.
    #[serde(default = "default_delay")]
    pub webhook_delay_ms: u64,
    /// Extra attempts for a webhook answered non-2xx or not answered.
    #[serde(default)]
    pub webhook_retries: u32,
}

impl ContractSpec {
    /// A contract with default settings and no webhook.
    pub fn new(name: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            key: key.into(),
            bot_identity: None,
            webhook_url: None,
            webhook_auth_header: default_auth_header(),
            webhook_auth_key: None,
            notifications_url: None,
            agents: Vec::new(),
            messages_per_second: DEFAULT_MESSAGES_PER_SECOND,
            notifications_per_second: DEFAULT_NOTIFICATIONS_PER_SECOND,
            commands_per_second: DEFAULT_COMMANDS_PER_SECOND,
            webhook_delay_ms: DEFAULT_WEBHOOK_DELAY_MS,
            webhook_retries: 0,
        }
    }

    /// Checks what serde cannot; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        validate_name("name", &self.name, "contracts")?;
        validate_key(&self.key)?;
        if let Some(bot) = &self.bot_identity {
            validate_identity("bot_identity", bot)?;
        }
        if let Some(url) = &self.webhook_url {
            validate_named_url("webhook_url", url)?;
        }
        if let Some(url) = &self.notifications_url {
            validate_named_url("notifications_url", url)?;
        }
        validate_auth_header(&self.webhook_auth_header)?;
        if let Some(key) = &self.webhook_auth_key {
            validate_auth_key(key)?;
        }
        validate_agents(&self.agents)
    }
}

pub fn validate_key(key: &str) -> Result<(), String> {
    if key.trim().is_empty() {
        return Err("key must not be empty".to_owned());
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("key must not contain spaces or control characters".to_owned());
    }
    Ok(())
}

pub fn validate_auth_header(name: &str) -> Result<(), String> {
    HeaderName::from_bytes(name.as_bytes())
        .map(|_| ())
        .map_err(|_| format!("webhook_auth_header '{name}' is not a valid HTTP header name"))
}

pub fn validate_auth_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("webhook_auth_key must not be empty (omit it or use null for none)".to_owned());
    }
    HeaderValue::from_str(key)
        .map(|_| ())
        .map_err(|_| "webhook_auth_key is not a valid HTTP header value".to_owned())
}

pub fn validate_identity(field: &str, identity: &str) -> Result<(), String> {
    match crate::blip::ids::parse_node(identity) {
        Some(n) if !n.name.is_empty() && n.instance.is_none() => Ok(()),
        _ => Err(format!(
            "{field}: '{identity}' is not a LIME identity (name@domain)"
        )),
    }
}

pub fn validate_agents(agents: &[String]) -> Result<(), String> {
    for (i, a) in agents.iter().enumerate() {
        validate_identity(&format!("agents[{i}]"), a)?;
    }
    Ok(())
}

/// `PATCH /_sandbox/blip/contracts/{name}`: every field optional; `null` removes the optional ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    pub key: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub webhook_url: Option<Option<String>>,
    pub webhook_auth_header: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub webhook_auth_key: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub notifications_url: Option<Option<String>>,
    pub agents: Option<Vec<String>>,
    pub messages_per_second: Option<u32>,
    pub notifications_per_second: Option<u32>,
    pub commands_per_second: Option<u32>,
    pub webhook_delay_ms: Option<u64>,
    pub webhook_retries: Option<u32>,
}

impl ContractPatch {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(key) = &self.key {
            validate_key(key)?;
        }
        if let Some(Some(url)) = &self.webhook_url {
            validate_named_url("webhook_url", url)?;
        }
        if let Some(Some(url)) = &self.notifications_url {
            validate_named_url("notifications_url", url)?;
        }
        if let Some(h) = &self.webhook_auth_header {
            validate_auth_header(h)?;
        }
        if let Some(Some(k)) = &self.webhook_auth_key {
            validate_auth_key(k)?;
        }
        if let Some(agents) = &self.agents {
            validate_agents(agents)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_free_plan_and_validation_names_fields() {
        let spec: ContractSpec = serde_json::from_str(r#"{"name":"demo","key":"k1"}"#).unwrap();
        assert_eq!(spec.messages_per_second, 3);
        assert_eq!(spec.commands_per_second, 48);
        assert_eq!(spec.webhook_auth_header, "Authorization");
        assert!(spec.validate().is_ok());
        let mut bad = spec.clone();
        bad.agents = vec!["agent@blip.ai".into(), "nobody".into()];
        assert!(bad.validate().unwrap_err().contains("agents[1]"));
        let mut bad = spec;
        bad.webhook_auth_header = "bad header".into();
        assert!(bad.validate().unwrap_err().contains("webhook_auth_header"));
        assert!(
            serde_json::from_str::<ContractSpec>(r#"{"name":"a","key":"k","agent":[]}"#).is_err()
        );
    }
}
