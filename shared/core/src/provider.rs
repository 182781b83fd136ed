use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Every system Ponte talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Movidesk,
    Octadesk,
    Okdesk,
    Uis,
    Blip,
    /// Not a desk: a PostgreSQL database Movidesk tickets are copied into
    /// (a target only).
    Warehouse,
}

impl Provider {
    pub const ALL: [Provider; 6] = [
        Provider::Movidesk,
        Provider::Octadesk,
        Provider::Okdesk,
        Provider::Uis,
        Provider::Blip,
        Provider::Warehouse,
    ];

    /// A conversation channel: the customer talks through it and a desk
    /// serves them (Take Blip's custom attendance channel).
    pub fn is_channel(self) -> bool {
        matches!(self, Provider::Blip)
    }

    /// A telephony source: it reports calls, not tickets.
    pub fn is_telephony(self) -> bool {
        matches!(self, Provider::Uis)
    }

    /// Ponte's marker is a tag on its tickets, which Ponte can take off
    /// again when a link is removed (Okdesk keeps it in the description,
    /// which stays; a channel or a warehouse carries none).
    pub fn marks_with_tags(self) -> bool {
        matches!(self, Provider::Movidesk | Provider::Octadesk)
    }

    /// A data warehouse: it stores what the source holds, it has no
    /// tickets of its own and sends no webhooks.
    pub fn is_warehouse(self) -> bool {
        matches!(self, Provider::Warehouse)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Movidesk => "movidesk",
            Provider::Octadesk => "octadesk",
            Provider::Okdesk => "okdesk",
            Provider::Uis => "uis",
            Provider::Blip => "blip",
            Provider::Warehouse => "warehouse",
        }
    }

    /// The provider as people name it, in reasons and history lines.
    pub fn title(self) -> &'static str {
        match self {
            Provider::Movidesk => "Movidesk",
            Provider::Octadesk => "Octadesk",
            Provider::Okdesk => "Okdesk",
            Provider::Uis => "UIS",
            Provider::Blip => "Blip",
            Provider::Warehouse => "the warehouse",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "provider",
                    format!("unknown provider `{s}`; expected one of movidesk, octadesk, okdesk, uis, blip, warehouse"),
                )
            })
    }
}
