//! The Movidesk API's JSON (camelCase), read liberally and written
//! minimally.

use serde::{Deserialize, Serialize};

use crate::de;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonRef {
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub person_type: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub profile_type: Option<i64>,
    /// A ticket client's organization (itself a person reference).
    #[serde(default, deserialize_with = "de::opt_object")]
    pub organization: Option<Box<PersonRef>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub file_name: Option<String>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(rename = "type", default, deserialize_with = "de::opt_int")]
    pub action_type: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub origin: Option<i64>,
    pub description: Option<String>,
    pub html_description: Option<String>,
    pub created_date: Option<String>,
    pub created_by: Option<PersonRef>,
    #[serde(default)]
    pub is_deleted: bool,
    #[serde(default, deserialize_with = "de::list")]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_field_item: Option<String>,
    /// A file field's file: its storage id and name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_file_guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldValue {
    #[serde(deserialize_with = "de::id")]
    pub custom_field_id: String,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub custom_field_rule_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub line: Option<i64>,
    pub value: Option<String>,
    #[serde(default, deserialize_with = "de::list")]
    pub items: Vec<CustomFieldItem>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusHistory {
    pub status: Option<String>,
    pub changed_by: Option<PersonRef>,
    pub changed_date: Option<String>,
}

/// `GET /tickets?id=` — the fields Ponte uses; everything else is ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(rename = "type", default, deserialize_with = "de::opt_int")]
    pub ticket_type: Option<i64>,
    pub subject: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub status: Option<String>,
    pub base_status: Option<String>,
    /// The status's justification (must belong to the status).
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub origin: Option<i64>,
    pub created_date: Option<String>,
    pub last_update: Option<String>,
    pub owner: Option<PersonRef>,
    pub owner_team: Option<String>,
    pub created_by: Option<PersonRef>,
    #[serde(default, deserialize_with = "de::list")]
    pub service_full: Vec<String>,
    pub service_first_level: Option<String>,
    pub service_second_level: Option<String>,
    pub service_third_level: Option<String>,
    #[serde(default, deserialize_with = "de::list")]
    pub status_histories: Vec<StatusHistory>,
    #[serde(default, deserialize_with = "de::list")]
    pub clients: Vec<PersonRef>,
    #[serde(default, deserialize_with = "de::list")]
    pub actions: Vec<Action>,
    #[serde(default, deserialize_with = "de::list")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "de::list")]
    pub custom_field_values: Vec<CustomFieldValue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub contact: Option<String>,
}

/// `GET /persons` — the fields used to match a client.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub business_name: Option<String>,
    pub cpf_cnpj: Option<String>,
    pub code_reference_additional: Option<String>,
    #[serde(default, deserialize_with = "de::list")]
    pub emails: Vec<Email>,
    #[serde(default, deserialize_with = "de::list")]
    pub contacts: Vec<Contact>,
}

/// Id and last change, as the reconciliation poll selects them.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Changed {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub last_update: Option<String>,
}

/// Only the id, as list queries with `$select=id` return it.
#[derive(Debug, Clone, Deserialize)]
pub struct IdOnly {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ref {
    pub id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAction {
    #[serde(rename = "type")]
    pub action_type: i64,
    pub description: String,
    pub created_by: Ref,
}

/// `POST /tickets` body: only what Ponte sets.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTicket {
    #[serde(rename = "type")]
    pub ticket_type: i64,
    pub subject: String,
    pub created_by: Ref,
    pub clients: Vec<Ref>,
    pub actions: Vec<NewAction>,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// Owner and team go together (Movidesk answers 500 otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Ref>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_team: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_field_values: Vec<NewCustomFieldValue>,
    /// Documented read-only; sent as 19 (MovideskIntegration) where the
    /// account accepts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<i64>,
}

/// Ticket origin "MovideskIntegration".
pub const ORIGIN_INTEGRATION: i64 = 19;

/// A custom field value as written: ids as numbers where they are numeric.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomFieldValue {
    pub custom_field_id: serde_json::Value,
    pub custom_field_rule_id: Option<i64>,
    pub line: i64,
    pub value: Option<String>,
    pub items: Vec<CustomFieldItem>,
}

impl NewCustomFieldValue {
    pub fn id_value(id: &str) -> serde_json::Value {
        id.parse::<i64>()
            .map(serde_json::Value::from)
            .unwrap_or_else(|_| serde_json::Value::from(id))
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewEmail {
    pub email_type: String,
    pub email: String,
    pub is_default: bool,
}

/// `POST /persons` body for a client Ponte creates.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPerson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub person_type: i64,
    pub profile_type: i64,
    pub business_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<NewEmail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpf_cnpj: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_reference_additional: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<NewContact>,
    /// The organizations the person belongs to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Ref>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    pub contact_type: String,
    pub contact: String,
    pub is_default: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_string_ids_nulls_and_unknown_fields() {
        let t: Ticket = serde_json::from_value(serde_json::json!({
            "id": "45127", "type": 2, "subject": "s", "status": "Novo", "baseStatus": "New",
            "tags": null, "clients": [{"id": 77, "businessName": "Ana", "email": "ana@x.com"}],
            "actions": [{"id": 1, "type": 2, "description": "hi", "createdBy": {"id": "a1"}, "attachments": null}],
            "somethingNew": {"x": 1}
        }))
        .expect("liberal parse");
        assert_eq!(t.id, "45127");
        assert!(t.tags.is_empty());
        assert_eq!(t.clients[0].id.as_deref(), Some("77"));
        assert_eq!(t.actions[0].id, "1");
    }
}
