//! The records of an Octadesk tenant: agents, persons (contacts), organizations, ticket statuses, tickets
//! and their interactions. Rendering is in `render`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

/// A random version-4 UUID, the id format of every Octadesk record.
pub fn new_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An agent of the account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    pub name: String,
    pub role: String,
    pub role_type: u8,
}

/// A phone of a person: Octadesk keeps the number without the country code (§2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub country_code: Option<String>,
    pub number: String,
    pub kind: Option<i64>,
}

/// A person (v1: a contact).
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phones: Vec<Phone>,
    pub organization_id: Option<String>,
    /// `type` code (2 Customer).
    pub person_type: i64,
    pub custom_fields: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An organization.
#[derive(Debug, Clone)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub domains: Vec<String>,
    pub custom_fields: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A ticket status: its id (used by the v1 API), display name, and the lowercase name of the v0 search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub id: String,
    pub name: String,
    pub slug: String,
}

/// The system statuses. Ids of novo, pendente, em espera, resolvido, rejeitado and cancelado are the ones
/// seen in public clients (php-m `TicketsApi`, VeloHub); `andamento` is php-m's `TICKET_STATUS_OPEN_UUID`.
pub fn default_statuses() -> Vec<Status> {
    [
        ("ab59f270-ccb3-4eac-b4e3-5f2d23961dba", "Novo", "novo"),
        (
            "09350a7d-886d-4490-ae88-f3a3605ff587",
            "Pendente",
            "pendente",
        ),
        (
            "18d082d0-4a24-4620-9d96-a827323dfc8b",
            "Em andamento",
            "andamento",
        ),
        (
            "8543caa3-23d2-47f0-bb60-7ccfba62e7b4",
            "Em espera",
            "em espera",
        ),
        (
            "b2c80a95-840c-4cd0-baa3-f266f303d626",
            "Resolvido",
            "resolvido",
        ),
        (
            "62c696e4-ef22-314a-9f84-5c09153db659",
            "Rejeitado",
            "rejeitado",
        ),
        (
            "0cac3ff6-6039-4581-a727-c4dff94d5367",
            "Cancelado",
            "cancelado",
        ),
    ]
    .into_iter()
    .map(|(id, name, slug)| Status {
        id: id.to_owned(),
        name: name.to_owned(),
        slug: slug.to_owned(),
    })
    .collect()
}

/// Which API a rendering is for: the legacy API (`openDate`, `customField` as a map) or v1 (`createdAt`,
/// `customField` as `[{key, value}]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Legacy,
    V1,
}

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    LegacyApi,
    V1Api,
    AgentUi,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::LegacyApi => "api",
            Origin::V1Api => "api-v1",
            Origin::AgentUi => "web",
        }
    }
}

/// One entry of a ticket's history: comments (description, public, internal) and property changes.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// The agent (user id) who wrote it.
    pub author_id: String,
    pub origin: Origin,
    pub description: Option<String>,
    pub public: Option<String>,
    pub internal: Option<String>,
    /// `(old status id, new status id)`.
    pub status_change: Option<(String, String)>,
}

/// A ticket.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: String,
    pub number: u64,
    pub summary: String,
    pub requester_id: String,
    pub organization_id: Option<String>,
    pub status_id: String,
    pub tags: Vec<String>,
    /// Custom-field values in the order first set.
    pub custom_fields: Vec<(String, Value)>,
    pub form_id: Option<String>,
    pub group_id: Option<String>,
    pub number_channel: i64,
    pub inbox: Option<Value>,
    pub created_by: String,
    pub origin: Origin,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub interactions: Vec<Interaction>,
}

impl Ticket {
    pub fn description(&self) -> Option<&str> {
        self.interactions
            .iter()
            .find_map(|i| i.description.as_deref())
    }

    pub fn set_custom_field(&mut self, key: &str, value: Value) {
        match self.custom_fields.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.custom_fields.push((key.to_owned(), value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, new_uuid());
    }
}
