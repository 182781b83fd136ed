//! LIME envelopes and the desk extension's ticket, read liberally.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const TICKET_TYPE: &str = "application/vnd.iris.ticket+json";
pub const MEDIA_LINK_TYPE: &str = "application/vnd.lime.media-link+json";
pub const DESK: &str = "postmaster@desk.msging.net";

/// A message, notification or command as Blip sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub content: Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInput {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub value: Value,
}

/// `application/vnd.iris.ticket+json`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub id: String,
    #[serde(default)]
    pub sequential_id: Option<Value>,
    #[serde(default)]
    pub customer_identity: Option<String>,
    #[serde(default)]
    pub agent_identity: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub storage_date: Option<String>,
    #[serde(default)]
    pub status_date: Option<String>,
    #[serde(default)]
    pub close_date: Option<String>,
    #[serde(default)]
    pub closed: Option<bool>,
    #[serde(default)]
    pub customer_input: Option<CustomerInput>,
    /// The attendance team (queue) Blip routed the ticket to.
    #[serde(default)]
    pub team: Option<String>,
    /// The bot that routed the ticket (router sub-bots differ from the
    /// owner).
    #[serde(default)]
    pub routing_owner_identity: Option<String>,
    #[serde(default)]
    pub priority: Option<Value>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Ticket {
    pub fn is_closed(&self) -> bool {
        self.closed.unwrap_or(false)
            || matches!(
                self.status.as_deref(),
                Some("ClosedAttendant" | "ClosedClient")
            )
    }
}

/// `application/vnd.lime.media-link+json`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaLink {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reason {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A command's synchronous answer (HTTP 200 even when it failed).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CommandResponse {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reason: Option<Reason>,
    #[serde(default)]
    pub resource: Value,
}

/// The ticket id of a `{TICKET_ID}@desk.msging.net/Webhook` address.
pub fn ticket_of(address: &str) -> Option<&str> {
    let (local, domain) = address.split_once('@')?;
    (domain.starts_with("desk.msging.net") && !local.is_empty()).then_some(local)
}

/// The address agent messages for a ticket go to.
pub fn ticket_address(ticket: &str) -> String {
    format!("{ticket}@desk.msging.net/Webhook")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_addresses() {
        assert_eq!(ticket_of("abc-1@desk.msging.net/Webhook"), Some("abc-1"));
        assert_eq!(ticket_of("5511@wa.gw.msging.net"), None);
        assert_eq!(ticket_address("t1"), "t1@desk.msging.net/Webhook");
    }
}
