//! Persons (v1: contacts) and organizations: reading them from bodies, finding them, rendering them.
//!
//! A person needs an e-mail or a phone; e-mails are unique per tenant (409 otherwise), compared without
//! case. Phones are kept as `phoneContacts: [{countryCode, number}]`, digits only, the number without
//! the country code as Octadesk stores it; a phone search compares the number's digits exactly (so a
//! client that searches with the country code glued to the number finds nothing, as octaplus learned).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::errors::OctaError;
use super::input::{digits, integer, opt_string, reference, text};
use super::model::{Api, Organization, Person, Phone, new_uuid};
use super::tenant::Tenant;
use crate::common::time;

fn fmt(t: &DateTime<Utc>) -> String {
    time::format_rfc3339(t)
}

/// Reads `phoneContacts` (or a lone `phone`/`phoneNumber` string).
fn phones(o: &Map<String, Value>) -> Result<Option<Vec<Phone>>, OctaError> {
    let bad = || {
        OctaError::bad_request("The phoneContacts field must be an array of {countryCode, number}")
    };
    if let Some(v) = o.get("phoneContacts") {
        let Value::Array(items) = v else {
            return if v.is_null() {
                Ok(Some(Vec::new()))
            } else {
                Err(bad())
            };
        };
        let mut out = Vec::new();
        for item in items {
            let phone = match item {
                Value::Object(p) => {
                    let number = text(p.get("number"))
                        .map(|n| digits(&n))
                        .unwrap_or_default();
                    Phone {
                        country_code: text(p.get("countryCode"))
                            .map(|c| digits(&c))
                            .filter(|c| !c.is_empty()),
                        number,
                        kind: integer(p.get("type")),
                    }
                }
                Value::String(s) => Phone {
                    country_code: None,
                    number: digits(s),
                    kind: None,
                },
                _ => return Err(bad()),
            };
            if phone.number.is_empty() {
                return Err(OctaError::bad_request(
                    "The phoneContacts number must have digits",
                ));
            }
            out.push(phone);
        }
        return Ok(Some(out));
    }
    let lone = text(o.get("phone")).or_else(|| text(o.get("phoneNumber")));
    Ok(lone.map(|n| {
        vec![Phone {
            country_code: None,
            number: digits(&n),
            kind: None,
        }]
    }))
}

/// `customField` as a map or as `[{key, value}]`.
pub fn custom_map(v: Option<&Value>) -> Result<Option<Map<String, Value>>, OctaError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(Value::Array(items)) => {
            let mut m = Map::new();
            for i in items {
                let key = i
                    .get("key")
                    .and_then(|k| text(Some(k)))
                    .ok_or_else(|| OctaError::bad_request(super::errors::BAD_CUSTOM_FIELDS))?;
                m.insert(key, i.get("value").cloned().unwrap_or(Value::Null));
            }
            Ok(Some(m))
        }
        Some(_) => Err(OctaError::bad_request(super::errors::BAD_CUSTOM_FIELDS)),
    }
}

fn phone_matches(p: &Phone, wanted: &str, country: Option<&str>) -> bool {
    p.number == wanted && country.is_none_or(|c| p.country_code.as_deref() == Some(c))
}

impl Tenant {
    fn organization_ref(
        &self,
        o: &Map<String, Value>,
    ) -> Result<Option<Option<String>>, OctaError> {
        let given = o.contains_key("organization")
            || o.contains_key("idOrganization")
            || o.contains_key("organizations");
        if !given {
            return Ok(None);
        }
        let id = reference(o, "organization", "idOrganization").or_else(|| {
            o.get("organizations")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|first| match first {
                    Value::Object(f) => text(f.get("id")),
                    other => text(Some(other)),
                })
        });
        match id {
            None => Ok(Some(None)),
            Some(id) if self.organizations.iter().any(|x| x.id == id) => Ok(Some(Some(id))),
            Some(id) => Err(OctaError::bad_request(format!(
                "The organization '{id}' was not found"
            ))),
        }
    }

    fn check_email(&self, email: &str, except: Option<&str>) -> Result<(), OctaError> {
        if !super::config::looks_like_email(email) {
            return Err(OctaError::bad_request(format!(
                "The email '{email}' is not a valid e-mail address"
            )));
        }
        if self.persons.iter().any(|p| {
            Some(p.id.as_str()) != except
                && p.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        }) {
            return Err(OctaError::conflict(format!(
                "There is already a person with the email '{email}'"
            )));
        }
        Ok(())
    }

    /// Creates a person from a body (`keep_id`: the seed may fix the id). Returns its id.
    pub fn create_person(
        &mut self,
        o: &Map<String, Value>,
        keep_id: bool,
    ) -> Result<String, OctaError> {
        let email = opt_string(o, "email")?
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if let Some(e) = &email {
            self.check_email(e, None)?;
        }
        let phones = phones(o)?.unwrap_or_default();
        if email.is_none() && phones.is_empty() {
            return Err(OctaError::bad_request(
                "A person needs an email or a phoneContacts number",
            ));
        }
        let organization_id = self.organization_ref(o)?.flatten();
        let id = match text(o.get("id")).filter(|_| keep_id) {
            Some(id) if self.persons.iter().any(|p| p.id == id) => {
                return Err(OctaError::conflict(format!(
                    "There is already a person with the id '{id}'"
                )));
            }
            Some(id) => id,
            None => new_uuid(),
        };
        let name = text(o.get("name"))
            .or_else(|| email.clone())
            .or_else(|| phones.first().map(|p| p.number.clone()))
            .unwrap_or_default();
        let now = time::now();
        self.persons.push(Person {
            id: id.clone(),
            name,
            email,
            phones,
            organization_id,
            person_type: integer(o.get("type")).unwrap_or(2),
            custom_fields: custom_map(o.get("customField"))?.unwrap_or_default(),
            created_at: now,
            updated_at: now,
        });
        Ok(id)
    }

    /// Updates the fields present in the body (`phoneContacts` replaced, `customField` merged).
    pub fn update_person(&mut self, id: &str, o: &Map<String, Value>) -> Result<(), OctaError> {
        if !self.persons.iter().any(|p| p.id == id) {
            return Err(person_not_found(id));
        }
        let email = if o.contains_key("email") {
            let e = opt_string(o, "email")?
                .map(|e| e.trim().to_owned())
                .filter(|e| !e.is_empty());
            if let Some(e) = &e {
                self.check_email(e, Some(id))?;
            }
            Some(e)
        } else {
            None
        };
        let phones = phones(o)?;
        let organization = self.organization_ref(o)?;
        let custom = custom_map(o.get("customField"))?;
        let name = text(o.get("name"));
        let kind = integer(o.get("type"));
        let Some(p) = self.persons.iter_mut().find(|p| p.id == id) else {
            return Err(person_not_found(id));
        };
        let new_email = email.unwrap_or_else(|| p.email.clone());
        let new_phones = phones.unwrap_or_else(|| p.phones.clone());
        if new_email.is_none() && new_phones.is_empty() {
            return Err(OctaError::bad_request(
                "A person needs an email or a phoneContacts number",
            ));
        }
        p.email = new_email;
        p.phones = new_phones;
        if let Some(n) = name {
            p.name = n;
        }
        if let Some(org) = organization {
            p.organization_id = org;
        }
        if let Some(c) = custom {
            p.custom_fields.extend(c);
        }
        if let Some(k) = kind {
            p.person_type = k;
        }
        p.updated_at = time::now();
        Ok(())
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.persons.iter().find(|p| p.id == id)
    }

    pub fn person_by_email(&self, email: &str) -> Option<&Person> {
        let email = email.trim();
        self.persons.iter().find(|p| {
            p.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// Persons with a phone whose number has exactly these digits (and this country code, if given).
    pub fn persons_by_phone(&self, number: &str, country: Option<&str>) -> Vec<&Person> {
        let wanted = digits(number);
        let country = country.map(digits);
        self.persons
            .iter()
            .filter(|p| {
                p.phones
                    .iter()
                    .any(|ph| phone_matches(ph, &wanted, country.as_deref()))
            })
            .collect()
    }

    /// Creates an organization. Returns its id.
    pub fn create_organization(
        &mut self,
        o: &Map<String, Value>,
        keep_id: bool,
    ) -> Result<String, OctaError> {
        let name = text(o.get("name"))
            .ok_or_else(|| OctaError::bad_request("The name field is required"))?;
        if self
            .organizations
            .iter()
            .any(|x| x.name.eq_ignore_ascii_case(&name))
        {
            return Err(OctaError::conflict(format!(
                "There is already an organization named '{name}'"
            )));
        }
        let domains = match o.get("domains") {
            Some(v) => super::input::string_list(v, "domains")?,
            None => Vec::new(),
        };
        let id = match text(o.get("id")).filter(|_| keep_id) {
            Some(id) if self.organizations.iter().any(|x| x.id == id) => {
                return Err(OctaError::conflict(format!(
                    "There is already an organization with the id '{id}'"
                )));
            }
            Some(id) => id,
            None => new_uuid(),
        };
        let now = time::now();
        self.organizations.push(Organization {
            id: id.clone(),
            name,
            domains,
            custom_fields: custom_map(o.get("customField"))?.unwrap_or_default(),
            created_at: now,
            updated_at: now,
        });
        Ok(id)
    }

    /// Updates an organization's name, domains or custom fields.
    pub fn update_organization(
        &mut self,
        id: &str,
        o: &Map<String, Value>,
    ) -> Result<(), OctaError> {
        let name = text(o.get("name"));
        if let Some(n) = &name
            && self
                .organizations
                .iter()
                .any(|x| x.id != id && x.name.eq_ignore_ascii_case(n))
        {
            return Err(OctaError::conflict(format!(
                "There is already an organization named '{n}'"
            )));
        }
        let domains = match o.get("domains") {
            Some(v) => Some(super::input::string_list(v, "domains")?),
            None => None,
        };
        let custom = custom_map(o.get("customField"))?;
        let org = self
            .organizations
            .iter_mut()
            .find(|x| x.id == id)
            .ok_or_else(|| organization_not_found(id))?;
        if let Some(n) = name {
            org.name = n;
        }
        if let Some(d) = domains {
            org.domains = d;
        }
        if let Some(c) = custom {
            org.custom_fields.extend(c);
        }
        org.updated_at = time::now();
        Ok(())
    }

    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|x| x.id == id)
    }

    fn organization_brief(&self, id: Option<&str>) -> Value {
        id.and_then(|id| self.organization(id))
            .map_or(Value::Null, |o| json!({"id": o.id, "name": o.name}))
    }

    pub fn render_person(&self, p: &Person, api: Api) -> Value {
        let phones: Vec<Value> = p
            .phones
            .iter()
            .map(|ph| json!({"countryCode": ph.country_code, "number": ph.number, "type": ph.kind}))
            .collect();
        let mut v = json!({
            "id": p.id,
            "name": p.name,
            "email": p.email,
            "type": p.person_type,
            "roleType": 5,
            "phoneContacts": phones,
            "organization": self.organization_brief(p.organization_id.as_deref()),
            "customField": p.custom_fields,
        });
        if let Value::Object(o) = &mut v {
            match api {
                Api::Legacy => {
                    o.insert("idOrganization".into(), json!(p.organization_id));
                    o.insert("dateCreation".into(), json!(fmt(&p.created_at)));
                    o.insert("lastUpdate".into(), json!(fmt(&p.updated_at)));
                }
                Api::V1 => {
                    o.insert("createdAt".into(), json!(fmt(&p.created_at)));
                    o.insert("updatedAt".into(), json!(fmt(&p.updated_at)));
                }
            }
        }
        v
    }

    pub fn render_organization(&self, org: &Organization, api: Api) -> Value {
        let mut v = json!({
            "id": org.id,
            "name": org.name,
            "domains": org.domains,
            "customField": org.custom_fields,
        });
        if let Value::Object(o) = &mut v {
            match api {
                Api::Legacy => {
                    o.insert("dateCreation".into(), json!(fmt(&org.created_at)));
                }
                Api::V1 => {
                    o.insert("createdAt".into(), json!(fmt(&org.created_at)));
                    o.insert("updatedAt".into(), json!(fmt(&org.updated_at)));
                }
            }
        }
        v
    }

    /// `{id, name, email}` of a person (a ticket's requester).
    pub fn person_brief(&self, id: &str) -> Value {
        self.person(id).map_or_else(
            || json!({"id": id}),
            |p| json!({"id": p.id, "name": p.name, "email": p.email}),
        )
    }
}

pub fn person_not_found(id: &str) -> OctaError {
    OctaError::not_found(format!("Person '{id}' not found"))
}

pub fn organization_not_found(id: &str) -> OctaError {
    OctaError::not_found(format!("Organization '{id}' not found"))
}
