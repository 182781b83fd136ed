//! Employees, contacts and companies: their REST shapes, their webhook shapes (ids as strings), creation
//! from API bodies and the phone search.

use serde_json::{Map, Value, json};

use super::account::Account;
use super::config::{CompanySpec, ContactSpec, EmployeeSpec};
use super::errors::{FieldErrors, NOT_FOUND, OkError, REQUIRED};
use super::input::{opt_id, opt_nonblank, opt_text, phone_matches};

/// "Фамилия Имя Отчество", skipping empty parts.
pub fn full_name(last: &str, first: &str, patronymic: Option<&str>) -> String {
    [Some(last), Some(first), patronymic]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An employee of the account.
#[derive(Debug, Clone)]
pub struct Employee {
    pub id: u64,
    pub data: EmployeeSpec,
}

impl Employee {
    pub fn name(&self) -> String {
        full_name(
            &self.data.last_name,
            &self.data.first_name,
            self.data.patronymic.as_deref(),
        )
    }

    /// The item of `GET /employees/list`.
    pub fn render(&self, account: &Account) -> Value {
        let d = &self.data;
        let groups: Vec<Value> = d
            .group_ids
            .iter()
            .filter_map(|g| account.groups.get(g))
            .map(|g| json!({"id": g.id, "name": g.name}))
            .collect();
        let roles: Vec<Value> = d
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| json!({"id": i + 1, "name": r}))
            .collect();
        json!({
            "id": self.id,
            "last_name": d.last_name,
            "first_name": d.first_name,
            "patronymic": d.patronymic,
            "position": d.position,
            "active": d.active,
            "email": d.email,
            "login": d.login,
            "phone": d.phone,
            "telephony_number": d.telephony_number,
            "comment": d.comment,
            "groups": groups,
            "roles": roles,
        })
    }

    /// A person in a webhook body.
    pub fn webhook_ref(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "first_name": self.data.first_name,
            "last_name": self.data.last_name,
            "patronymic": self.data.patronymic,
        })
    }
}

/// A contact person.
#[derive(Debug, Clone)]
pub struct Contact {
    pub id: u64,
    pub data: ContactSpec,
}

impl Contact {
    pub fn name(&self) -> String {
        full_name(
            &self.data.last_name,
            &self.data.first_name,
            self.data.patronymic.as_deref(),
        )
    }

    pub fn render(&self) -> Value {
        let d = &self.data;
        json!({
            "id": self.id,
            "name": self.name(),
            "first_name": d.first_name,
            "last_name": d.last_name,
            "patronymic": d.patronymic,
            "position": d.position,
            "company_id": d.company_id,
            "email": d.email,
            "phone": d.phone,
            "mobile_phone": d.mobile_phone,
            "comment": d.comment,
            "active": true,
        })
    }

    pub fn webhook_ref(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "first_name": self.data.first_name,
            "last_name": self.data.last_name,
            "patronymic": self.data.patronymic,
        })
    }

    /// Whether one of the contact's phones matches (see `phone_matches`).
    pub fn has_phone(&self, wanted_digits: &str, n: Option<usize>) -> bool {
        phone_matches(self.data.phone.as_deref(), wanted_digits, n)
            || phone_matches(self.data.mobile_phone.as_deref(), wanted_digits, n)
    }
}

/// A client company.
#[derive(Debug, Clone)]
pub struct Company {
    pub id: u64,
    pub data: CompanySpec,
}

impl Company {
    pub fn render(&self) -> Value {
        let d = &self.data;
        json!({
            "id": self.id,
            "name": d.name,
            "additional_name": d.additional_name,
            "site": d.site,
            "email": d.email,
            "phone": d.phone,
            "address": d.address,
            "coordinates": null,
            "comment": d.comment,
            "crm_1c_id": d.crm_1c_id,
            "active": true,
            "category": d.category_code.as_ref().map(|c| json!({"code": c})),
            "default_assignee": null,
            "observers": [],
        })
    }

    pub fn has_phone(&self, wanted_digits: &str, n: Option<usize>) -> bool {
        phone_matches(self.data.phone.as_deref(), wanted_digits, n)
    }
}

/// Reads the `contact` object of `POST /contacts/`.
pub fn contact_from_input(
    o: &Map<String, Value>,
    account: &Account,
) -> Result<ContactSpec, OkError> {
    let mut errs = FieldErrors::default();
    let first_name = opt_nonblank(o, "first_name", &mut errs);
    let last_name = opt_nonblank(o, "last_name", &mut errs);
    if first_name.is_none() {
        errs.add("first_name", REQUIRED);
    }
    if last_name.is_none() {
        errs.add("last_name", REQUIRED);
    }
    let company_id = opt_id(o, "company_id", &mut errs);
    if let Some(c) = company_id
        && !account.companies.contains_key(&c)
    {
        errs.add("company_id", NOT_FOUND);
    }
    let spec = ContactSpec {
        id: None,
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
        patronymic: opt_text(o, "patronymic", &mut errs),
        position: opt_text(o, "position", &mut errs),
        company_id,
        email: opt_text(o, "email", &mut errs),
        phone: opt_text(o, "phone", &mut errs),
        mobile_phone: opt_text(o, "mobile_phone", &mut errs),
        comment: opt_text(o, "comment", &mut errs),
    };
    errs.finish()?;
    Ok(spec)
}

/// Reads the `company` object of `POST /companies/`.
pub fn company_from_input(o: &Map<String, Value>) -> Result<CompanySpec, OkError> {
    let mut errs = FieldErrors::default();
    let name = opt_nonblank(o, "name", &mut errs);
    if name.is_none() {
        errs.add("name", REQUIRED);
    }
    let spec = CompanySpec {
        id: None,
        name: name.unwrap_or_default(),
        additional_name: opt_text(o, "additional_name", &mut errs),
        site: opt_text(o, "site", &mut errs),
        email: opt_text(o, "email", &mut errs),
        phone: opt_text(o, "phone", &mut errs),
        address: opt_text(o, "address", &mut errs),
        comment: opt_text(o, "comment", &mut errs),
        crm_1c_id: opt_text(o, "crm_1c_id", &mut errs),
        category_code: opt_text(o, "category_code", &mut errs),
    };
    errs.finish()?;
    Ok(spec)
}
