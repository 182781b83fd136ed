//! Persons (`/persons`, §1.6): agents, clients, companies and departments, kept in the API's camelCase
//! shape. Writes are liberal (any key case, ids as numbers), lists sent on PATCH replace stored lists,
//! read-only fields are ignored and the password is write-only.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::input::{as_bool, as_date, as_id, as_int, as_text, camelize_keys, field, string_list};
use super::model::PersonRef;
use crate::common::time::format_movidesk;

#[derive(Clone, Copy)]
enum Kind {
    Id,
    Text,
    Bool(bool),
    Int(i64),
    Date,
    List,
    TextList,
    ReadOnly,
    Password,
}

const FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Id),
    ("codeReferenceAdditional", Kind::Text),
    ("isActive", Kind::Bool(true)),
    ("personType", Kind::Int(1)),
    ("profileType", Kind::Int(2)),
    ("accessProfile", Kind::Text),
    ("corporateName", Kind::Text),
    ("businessName", Kind::Text),
    ("businessBranch", Kind::Text),
    ("cpfCnpj", Kind::Text),
    ("userName", Kind::Text),
    ("password", Kind::Password),
    ("role", Kind::Text),
    ("classification", Kind::Text),
    ("bossId", Kind::Text),
    ("bossName", Kind::ReadOnly),
    ("cultureId", Kind::Text),
    ("timeZoneId", Kind::Text),
    ("authenticateOn", Kind::Text),
    ("createdDate", Kind::Date),
    ("createdBy", Kind::ReadOnly),
    ("changedDate", Kind::ReadOnly),
    ("changedBy", Kind::ReadOnly),
    ("observations", Kind::Text),
    ("addresses", Kind::List),
    ("contacts", Kind::List),
    ("emails", Kind::List),
    ("teams", Kind::TextList),
    ("relationships", Kind::List),
    ("customFieldValues", Kind::List),
    ("atAssets", Kind::List),
];

/// Every property of the person model (for `$select`, `$filter` and `$orderby` checks).
pub fn person_properties() -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|(_, k)| !matches!(k, Kind::Password))
        .map(|(n, _)| *n)
        .collect()
}

/// A stored person: the rendered API object (never holding the password).
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub data: Map<String, Value>,
}

impl Person {
    pub fn id(&self) -> &str {
        self.data.get("id").and_then(Value::as_str).unwrap_or("")
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.data.get(name).and_then(Value::as_str)
    }

    pub fn int(&self, name: &str) -> i64 {
        self.data.get(name).and_then(Value::as_i64).unwrap_or(0)
    }

    fn list(&self, name: &str) -> &[Value] {
        self.data
            .get(name)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Team names of an agent.
    pub fn teams(&self) -> Vec<String> {
        self.list("teams")
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect()
    }

    /// Ids of the organizations the person belongs to (`relationships[].id`).
    pub fn organization_ids(&self) -> Vec<String> {
        self.list("relationships")
            .iter()
            .filter_map(|r| r.get("id").and_then(as_id))
            .collect()
    }

    /// True for agents (profile 1 or 3).
    pub fn is_agent(&self) -> bool {
        matches!(self.int("profileType"), 1 | 3)
    }

    fn default_of(&self, list: &str, key: &str) -> Option<String> {
        let items = self.list(list);
        items
            .iter()
            .find(|i| i.get("isDefault").and_then(as_bool) == Some(true))
            .or_else(|| items.first())
            .and_then(|i| i.get(key))
            .and_then(as_text)
    }

    /// The reference embedded in tickets.
    pub fn to_ref(&self) -> PersonRef {
        PersonRef {
            id: self.id().to_owned(),
            business_name: self
                .text("businessName")
                .or_else(|| self.text("corporateName"))
                .map(str::to_owned),
            email: self.default_of("emails", "email"),
            phone: self.default_of("contacts", "contact"),
            person_type: self.int("personType"),
            profile_type: self.int("profileType"),
        }
    }
}

fn blank(now: &DateTime<Utc>) -> Map<String, Value> {
    let mut data = Map::new();
    for (name, kind) in FIELDS {
        let v = match kind {
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::from(*i),
            Kind::List | Kind::TextList => Value::Array(Vec::new()),
            Kind::Date => Value::String(format_movidesk(now)),
            Kind::Password => continue,
            _ => Value::Null,
        };
        data.insert((*name).to_owned(), v);
    }
    data
}

fn check_list(name: &str, items: &[Value]) -> Result<(), String> {
    let required = match name {
        "emails" => Some("email"),
        "contacts" => Some("contact"),
        "relationships" => Some("id"),
        _ => None,
    };
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(format!("{name}[{i}] must be an object"));
        };
        if let Some(key) = required
            && o.get(key).and_then(as_id).is_none()
        {
            return Err(format!("{name}[{i}].{key} is required"));
        }
    }
    Ok(())
}

fn apply(
    data: &mut Map<String, Value>,
    input: &Map<String, Value>,
    creating: bool,
) -> Result<(), String> {
    for (name, kind) in FIELDS {
        let Some(v) = field(input, name) else {
            continue;
        };
        let stored = match kind {
            Kind::Id => {
                if !creating {
                    continue;
                }
                if v.is_null() {
                    continue;
                }
                let id = as_id(v).ok_or("id must be a non-empty string")?;
                if id.len() > 64 {
                    return Err("id must have at most 64 characters".to_owned());
                }
                Value::String(id)
            }
            Kind::Text => match v {
                Value::Null => Value::Null,
                other => Value::String(as_text(other).ok_or(format!("{name} must be a string"))?),
            },
            Kind::Bool(_) => Value::Bool(as_bool(v).ok_or(format!("{name} must be a boolean"))?),
            Kind::Int(_) => Value::from(as_int(v).ok_or(format!("{name} must be an integer"))?),
            Kind::Date => match v {
                Value::Null => continue,
                other => Value::String(format_movidesk(
                    &as_date(other).ok_or(format!("{name} is not a valid date: {other}"))?,
                )),
            },
            Kind::List => match v {
                Value::Null => Value::Array(Vec::new()),
                Value::Array(items) => {
                    let items: Vec<Value> = items.iter().map(camelize_keys).collect();
                    check_list(name, &items)?;
                    Value::Array(items)
                }
                _ => return Err(format!("{name} must be a list")),
            },
            Kind::TextList => Value::Array(
                string_list(v, name)?
                    .into_iter()
                    .map(Value::String)
                    .collect(),
            ),
            Kind::ReadOnly => continue,
            Kind::Password => {
                if let Some(p) = v.as_str()
                    && p.chars().count() < 8
                {
                    return Err("password must have at least 8 characters".to_owned());
                }
                continue;
            }
        };
        data.insert((*name).to_owned(), stored);
    }
    let person_type = data.get("personType").and_then(Value::as_i64).unwrap_or(0);
    if !matches!(person_type, 1 | 2 | 4) {
        return Err(format!(
            "personType must be 1 (person), 2 (company) or 4 (department), got {person_type}"
        ));
    }
    let profile_type = data.get("profileType").and_then(Value::as_i64).unwrap_or(0);
    if !matches!(profile_type, 1..=3) {
        return Err(format!(
            "profileType must be 1 (agent), 2 (client) or 3 (agent and client), got {profile_type}"
        ));
    }
    let named = ["businessName", "corporateName"].iter().any(|k| {
        data.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty())
    });
    if !named {
        return Err("BusinessName is required".to_owned());
    }
    Ok(())
}

/// Builds a new person from a POST body. `id` is taken from the body or from `generate_id`.
pub fn create(
    input: &Value,
    now: &DateTime<Utc>,
    generate_id: impl FnOnce() -> String,
) -> Result<Person, String> {
    let Value::Object(input) = input else {
        return Err("The request body must be a person object".to_owned());
    };
    let mut data = blank(now);
    apply(&mut data, input, true)?;
    if data.get("id").is_none_or(Value::is_null) {
        data.insert("id".into(), Value::String(generate_id()));
    }
    Ok(Person { data })
}

/// Applies a PATCH body to a person: scalars merged, lists replaced, `id` unchanged.
pub fn patch(existing: &Person, input: &Value, now: &DateTime<Utc>) -> Result<Person, String> {
    let Value::Object(input) = input else {
        return Err("The request body must be a person object".to_owned());
    };
    let mut data = existing.data.clone();
    apply(&mut data, input, false)?;
    data.insert("changedDate".into(), Value::String(format_movidesk(now)));
    Ok(Person { data })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creates_with_defaults_and_reads_liberally() {
        let now = crate::common::time::now();
        let p = create(
            &json!({"Id": 77, "BusinessName": "Ana", "Emails": [{"Email": "ana@x.com", "IsDefault": true}], "password": "12345678", "junk": 1}),
            &now,
            || "gen".into(),
        )
        .unwrap();
        assert_eq!(p.id(), "77");
        assert_eq!(p.data["isActive"], json!(true));
        assert_eq!(p.data["profileType"], json!(2));
        assert!(p.data.get("password").is_none());
        assert!(p.data.get("junk").is_none());
        assert_eq!(p.to_ref().email.as_deref(), Some("ana@x.com"));
    }

    #[test]
    fn validation_messages() {
        let now = crate::common::time::now();
        let err = create(&json!({"id": "x"}), &now, || "g".into()).unwrap_err();
        assert_eq!(err, "BusinessName is required");
        let err = create(
            &json!({"businessName": "a", "profileType": 9}),
            &now,
            || "g".into(),
        )
        .unwrap_err();
        assert!(err.contains("profileType"));
    }
}
