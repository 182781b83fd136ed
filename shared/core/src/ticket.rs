//! The canonical ticket: what every desk provider reads into and writes from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Public (the customer sees it) or internal (agents only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Public,
    Internal,
}

/// The life-cycle stage every desk maps its own statuses onto.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BaseStatus {
    #[default]
    New,
    InAttendance,
    Stopped,
    Canceled,
    Resolved,
    Closed,
    /// A value the provider sent that Ponte does not know.
    Other(String),
}

impl BaseStatus {
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            BaseStatus::Resolved | BaseStatus::Closed | BaseStatus::Canceled
        )
    }
}

/// A person as far as routing needs: ids are the provider's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Person {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// CPF or CNPJ, digits only.
    pub document: Option<String>,
    /// Movidesk "Cód. Ref. adicional" or another secondary key.
    pub code_reference: Option<String>,
    /// The organization (company) the person belongs to, by name.
    #[serde(default)]
    pub organization: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// The provider's id of the action within the ticket.
    pub id: String,
    pub visibility: Visibility,
    /// Plain text of the action.
    pub text: String,
    /// HTML where the provider has it.
    pub html: Option<String>,
    pub author: Person,
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: String,
    pub value: Option<String>,
    /// Selected options of list fields.
    #[serde(default)]
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Ticket {
    pub id: String,
    pub subject: String,
    pub visibility: Visibility,
    pub status: String,
    pub base_status: BaseStatus,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub owner: Option<Person>,
    pub owner_team: Option<String>,
    /// Service path, first level first.
    #[serde(default)]
    pub services: Vec<String>,
    pub client: Option<Person>,
    pub created_by: Option<Person>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom_fields: Vec<CustomField>,
    #[serde(default)]
    pub actions: Vec<Action>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The provider's origin/channel code, as text.
    pub origin: Option<String>,
    /// Why the ticket is in its status, where the provider has it
    /// (Movidesk's status justification).
    #[serde(default)]
    pub justification: Option<String>,
}

impl Ticket {
    pub fn first_action(&self) -> Option<&Action> {
        self.actions.first()
    }
}
