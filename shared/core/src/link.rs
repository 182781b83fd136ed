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

impl Link {
    /// The link id is known before the counterpart exists, so that every
    /// command about the pair shares one shard from the start.
    pub fn id_for(integration: &str, source_ticket: &str) -> String {
        format!("{integration}:{source_ticket}")
    }
}
