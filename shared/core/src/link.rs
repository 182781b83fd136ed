use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a link came to be, as the Movidesk history shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkOrigin {
    Automatic,
    Manual,
    Associated,
}

/// Two tickets that are the same case on both sides of an integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub id: String,
    pub integration: String,
    pub source_ticket: String,
    pub target_ticket: String,
    pub origin: LinkOrigin,
    pub created_at: DateTime<Utc>,
}

/// The marker Ponte writes on both tickets of a pair (as a tag where the
/// provider has tags): it names the other ticket, so a person sees the
/// link, a counterpart can be found again after a crash, and links can be
/// rebuilt from the providers alone.
pub fn marker(integration: &str, other_ticket: &str) -> String {
    format!("ponte-{integration}-{other_ticket}")
}

/// The other ticket a marker names, if `tag` is this integration's marker.
pub fn marker_target<'a>(integration: &str, tag: &'a str) -> Option<&'a str> {
    tag.strip_prefix("ponte-")?
        .strip_prefix(integration)?
        .strip_prefix('-')
        .filter(|t| !t.is_empty())
}

impl Link {
    /// The ticket on `side`, and the one on the other side.
    pub fn ticket_on(&self, side: crate::Side) -> &str {
        match side {
            crate::Side::Source => &self.source_ticket,
            crate::Side::Target => &self.target_ticket,
        }
    }

    /// The link id is known before the counterpart exists, so that every
    /// command about the pair shares one shard from the start.
    pub fn id_for(integration: &str, source_ticket: &str) -> String {
        format!("{integration}:{source_ticket}")
    }
}
