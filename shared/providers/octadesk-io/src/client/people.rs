//! Persons (v1: contacts), organizations, and conversation messages.
//!
//! | | legacy | v1 |
//! |---|---|---|
//! | person by e-mail | `GET /persons?email=` | `GET /contacts?filters[0][property]=email…` |
//! | person by phone | `POST /persons/filter` `{phone}` | `GET /contacts?filters[0][property]=phoneContacts.number…` |
//! | create a person | `POST /persons` | `POST /contacts` |
//! | read / edit a person | `GET` / `PUT /persons/{id}` | `GET` / `PUT /contacts/{id}` |
//! | organization | `GET /organizations/{id}`, `?name=`, `POST /organizations` | same, `filters[…]` by name |
//! | chat message | — | `POST /chat/{id}/messages` |
//!
//! Octadesk stores phones without the country code (§2.4), so a number is
//! looked for with and without Brazil's `55`; answers are filtered again
//! here.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Client, Request};
use crate::auth::Api;
use ponte_octadesk::de::{self, digits};
use ponte_octadesk::model::{OrgRef, PersonRef};
use ponte_worker::ExecError;

/// A person to create.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub name: String,
    pub email: Option<String>,
    /// Digits, with the country code.
    pub phone: Option<String>,
    pub organization: Option<String>,
}

/// What changed about a person Octadesk already has (`None`: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonChange {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Digits, with the country code.
    pub phone: Option<String>,
    /// The id of the organization the person now belongs to.
    pub organization: Option<String>,
}

impl PersonChange {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.email.is_none()
            && self.phone.is_none()
            && self.organization.is_none()
    }
}

/// `(country code, number)` as Octadesk stores a phone.
pub(crate) fn split_phone(phone: &str) -> (Option<String>, String) {
    let d = digits(phone);
    if d.starts_with("55") && (12..=13).contains(&d.len()) {
        (Some("55".into()), d[2..].to_string())
    } else {
        (None, d)
    }
}

/// Whether a stored phone is the one looked for.
fn same_phone(stored: &str, wanted: &str) -> bool {
    let (a, b) = (digits(stored), digits(wanted));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    short.len() >= 8 && long.ends_with(short.as_str())
}

fn v1_filter<'b>(req: Request<'b>, property: &str, value: &str) -> Request<'b> {
    req.query("filters[0][property]", property)
        .query("filters[0][operator]", "eq")
        .query("filters[0][value]", value)
}

impl Client<'_> {
    pub async fn person_by_email(&self, email: &str) -> Result<Option<PersonRef>, ExecError> {
        let req = match self.api() {
            Api::Legacy => Request::get("/persons").query("email", email),
            Api::V1 => v1_filter(Request::get("/contacts"), "email", email),
        };
        let found = self.send_opt(req).await?.unwrap_or(Value::Null);
        Ok(de::list(&found)
            .iter()
            .filter_map(PersonRef::from_value)
            .find(|p| {
                p.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email.trim()))
            }))
    }

    pub async fn person_by_phone(&self, phone: &str) -> Result<Option<PersonRef>, ExecError> {
        let full = digits(phone);
        let (_, national) = split_phone(&full);
        let mut candidates = vec![national.clone()];
        if full != national {
            candidates.push(full.clone());
        }
        for number in candidates {
            let found = match self.api() {
                Api::Legacy => {
                    let body = json!({"phone": number});
                    self.send_opt(Request::with_body(Method::POST, "/persons/filter", &body))
                        .await?
                }
                Api::V1 => {
                    self.send_opt(v1_filter(
                        Request::get("/contacts"),
                        "phoneContacts.number",
                        &number,
                    ))
                    .await?
                }
            };
            let hit = de::list(&found.unwrap_or(Value::Null))
                .iter()
                .filter_map(PersonRef::from_value)
                .find(|p| p.phone.as_deref().is_some_and(|s| same_phone(s, &full)));
            if hit.is_some() {
                return Ok(hit);
            }
        }
        Ok(None)
    }

    pub async fn create_person(&self, new: &NewPerson) -> Result<PersonRef, ExecError> {
        let mut body = json!({"name": new.name});
        if let Some(e) = &new.email {
            body["email"] = json!(e);
        }
        if let Some(p) = &new.phone {
            let (country, number) = split_phone(p);
            let mut contact = json!({"number": number});
            if let Some(c) = country {
                contact["countryCode"] = json!(c);
            }
            body["phoneContacts"] = json!([contact]);
        }
        if let Some(o) = &new.organization {
            body["organization"] = json!({"id": o});
        }
        let path = match self.api() {
            Api::Legacy => {
                // Customer (type 2), client role (5): php-m's enums.
                body["type"] = json!(2);
                body["roleType"] = json!(5);
                "/persons"
            }
            Api::V1 => "/contacts",
        };
        let answer = self
            .send(Request::with_body(Method::POST, path, &body))
            .await?;
        let created = PersonRef::from_value(&answer)
            .filter(|p| p.id.is_some())
            .ok_or_else(|| ExecError::Permanent {
                reason: format!("Octadesk POST {path} answered without the new person's id"),
                status: None,
            })?;
        Ok(PersonRef {
            email: created.email.or_else(|| new.email.clone()),
            phone: created.phone.or_else(|| new.phone.clone()),
            name: created.name.or_else(|| Some(new.name.clone())),
            ..created
        })
    }

    /// The person with this id (legacy `GET /persons/{id}`, v1
    /// `GET /contacts/{id}`); `None` when Octadesk has no such person.
    pub async fn person(&self, id: &str) -> Result<Option<PersonRef>, ExecError> {
        let Some(path) = self.person_path(id) else {
            return Ok(None);
        };
        let found = self.send_opt(Request::get(path)).await?;
        Ok(found
            .as_ref()
            .and_then(PersonRef::from_value)
            .filter(|p| p.id.is_some()))
    }

    /// Edits a person (legacy `PUT /persons/{id}`, v1 `PUT /contacts/{id}`)
    /// with the fields given; answers the person as Octadesk now has it.
    pub async fn update_person(
        &self,
        id: &str,
        change: &PersonChange,
    ) -> Result<PersonRef, ExecError> {
        let path = self
            .person_path(id)
            .ok_or_else(|| ExecError::permanent(format!("`{id}` is not an Octadesk person id")))?;
        let mut body = json!({});
        if let Some(n) = &change.name {
            body["name"] = json!(n);
        }
        if let Some(e) = &change.email {
            body["email"] = json!(e);
        }
        if let Some(p) = &change.phone {
            let (country, number) = split_phone(p);
            let mut contact = json!({"number": number});
            if let Some(c) = country {
                contact["countryCode"] = json!(c);
            }
            body["phoneContacts"] = json!([contact]);
        }
        if let Some(o) = &change.organization {
            body["organization"] = json!({"id": o});
        }
        let answer = self
            .send(Request::with_body(Method::PUT, path.clone(), &body))
            .await?;
        Ok(PersonRef::from_value(&answer)
            .filter(|p| p.id.is_some())
            .unwrap_or_else(|| PersonRef {
                id: Some(id.to_string()),
                name: change.name.clone(),
                email: change.email.clone(),
                phone: change.phone.clone(),
                organization: change.organization.as_ref().map(|id| OrgRef {
                    id: Some(id.clone()),
                    name: None,
                }),
            }))
    }

    fn person_path(&self, id: &str) -> Option<String> {
        let safe: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if safe.is_empty() || safe != id {
            return None;
        }
        Some(match self.api() {
            Api::Legacy => format!("/persons/{safe}"),
            Api::V1 => format!("/contacts/{safe}"),
        })
    }

    pub async fn organization(&self, id: &str) -> Result<Option<OrgRef>, ExecError> {
        let safe: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if safe.is_empty() {
            return Ok(None);
        }
        let found = self
            .send_opt(Request::get(format!("/organizations/{safe}")))
            .await?;
        Ok(found
            .as_ref()
            .and_then(OrgRef::from_value)
            .filter(|o| o.id.is_some()))
    }

    pub async fn organization_named(&self, name: &str) -> Result<Option<OrgRef>, ExecError> {
        let req = match self.api() {
            Api::Legacy => Request::get("/organizations").query("name", name),
            Api::V1 => v1_filter(Request::get("/organizations"), "name", name),
        };
        let found = self.send_opt(req).await?.unwrap_or(Value::Null);
        Ok(de::list(&found)
            .iter()
            .filter_map(OrgRef::from_value)
            .find(|o| {
                o.id.is_some()
                    && o.name
                        .as_deref()
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
            }))
    }

    pub async fn create_organization(&self, name: &str) -> Result<OrgRef, ExecError> {
        let body = json!({"name": name});
        let answer = self
            .send(Request::with_body(Method::POST, "/organizations", &body))
            .await?;
        let created = OrgRef::from_value(&answer)
            .filter(|o| o.id.is_some())
            .ok_or_else(|| ExecError::Permanent {
                reason: "Octadesk POST /organizations answered without the new organization's id"
                    .into(),
                status: None,
            })?;
        Ok(OrgRef {
            name: created.name.or_else(|| Some(name.to_string())),
            ..created
        })
    }

    /// A message in a conversation (v1 only): `public` reaches the
    /// customer, `internal` stays with the agents.
    pub async fn chat_message(
        &self,
        room: &str,
        internal: bool,
        body: &str,
        agent: Option<&str>,
    ) -> Result<(), ExecError> {
        if self.api() == Api::Legacy {
            return Err(ExecError::permanent(
                "the legacy Octadesk API has no conversation (chat) endpoints; configure an `api_key` to write into conversations",
            ));
        }
        let safe: String = room
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let message = json!({
            "type": if internal { "internal" } else { "public" },
            "body": body,
        });
        self.send(
            Request::with_body(Method::POST, format!("/chat/{safe}/messages"), &message)
                .by_agent(agent),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_with_and_without_the_country_code() {
        assert_eq!(
            split_phone("+55 (11) 99999-0001"),
            (Some("55".into()), "11999990001".into())
        );
        assert_eq!(split_phone("79991234567"), (None, "79991234567".into()));
        assert!(same_phone("11999990001", "5511999990001"));
        assert!(!same_phone("0001", "5511999990001"));
        assert!(!same_phone("", "1"));
    }
}
