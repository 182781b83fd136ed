//! The canonical ticket: what every desk provider reads into and writes from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

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

/// A file held by a file custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldFile {
    pub name: String,
    /// The provider's storage id of the file (Movidesk `storageFileGuid`).
    #[serde(default)]
    pub guid: Option<String>,
    /// Where the file can be downloaded.
    #[serde(default)]
    pub url: Option<String>,
}

/// A custom field's value. A field is of one kind, so at most one of the
/// item lists is filled; the lists Ponte learned to carry later are left
/// out of the JSON when empty, so older snapshots read the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CustomField {
    pub id: String,
    pub value: Option<String>,
    /// Selected options of list fields.
    #[serde(default)]
    pub items: Vec<String>,
    /// Persons chosen in a person-list field (the reading side's ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persons: Vec<Person>,
    /// Clients chosen in a client-list field (the reading side's ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<Person>,
    /// Teams chosen in an agent-list (team) field, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    /// Files of a file field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FieldFile>,
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
    /// Every client of the ticket, in the provider's order; the first is
    /// the one desks with a single requester use. Snapshots written before
    /// tickets carried every client hold `client` (one or null).
    #[serde(default, alias = "client", deserialize_with = "one_or_many")]
    pub clients: Vec<Person>,
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
    /// The first client: the requester of desks that have only one.
    pub fn client(&self) -> Option<&Person> {
        self.clients.first()
    }

    pub fn first_action(&self) -> Option<&Action> {
        self.actions.first()
    }
}

/// A list written as a list, or (older snapshots) one value or null.
fn one_or_many<'de, D, T>(de: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(de)? {
        None => Vec::new(),
        Some(OneOrMany::Many(v)) => v,
        Some(OneOrMany::One(v)) => vec![v],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_with_one_client_or_none_still_read() {
        let one: Ticket = serde_json::from_value(serde_json::json!({
            "id": "1", "subject": "s", "visibility": "public", "status": "Novo", "base_status": "new",
            "category": null, "urgency": null, "owner": null, "owner_team": null,
            "client": {"id": "ana", "name": "Ana", "email": "ana@x.test", "phone": null,
                       "document": null, "code_reference": null},
            "created_by": null, "created_at": null, "updated_at": null, "origin": null
        }))
        .expect("an old snapshot");
        assert_eq!(one.client().and_then(|c| c.id.as_deref()), Some("ana"));
        let none: Ticket =
            serde_json::from_value(serde_json::json!({"id": "1", "subject": "s", "visibility": "public",
                "status": "Novo", "base_status": "new", "category": null, "urgency": null, "owner": null,
                "owner_team": null, "client": null, "created_by": null, "created_at": null,
                "updated_at": null, "origin": null}))
            .expect("an old snapshot without a client");
        assert!(none.clients.is_empty());
        let many = Ticket {
            clients: vec![
                Person {
                    id: Some("a".into()),
                    ..Person::default()
                },
                Person {
                    id: Some("b".into()),
                    ..Person::default()
                },
            ],
            ..Ticket::default()
        };
        let back: Ticket =
            serde_json::from_value(serde_json::to_value(&many).expect("json")).expect("read back");
        assert_eq!(back.clients, many.clients, "order kept");
    }

    #[test]
    fn option_fields_serialize_as_before() {
        let f = CustomField {
            id: "1".into(),
            value: None,
            items: vec!["Sim".into()],
            ..CustomField::default()
        };
        assert_eq!(
            serde_json::to_value(&f).expect("json"),
            serde_json::json!({"id": "1", "value": null, "items": ["Sim"]})
        );
    }
}
