//! Ticket writes: create (`POST /tickets`) and edit (`PUT /tickets/{number}`, the agent UI), with the
//! validations of the docs' probes.
//!
//! * requester: `requester.id` (must exist), else `requester.email` (found or created), else a phone
//!   (`requester.phoneContacts`/`phone`, found or created); none → 400 "Value cannot be null…"; the
//!   legacy API also takes `idRequester`;
//! * `summary` is required; the description is the root `description` or `comments.description.content`;
//!   `comments.public` / `comments.internal` `{content}` add comments;
//! * status: `idCurrentStatus` (or `status` as id, name or `{id}`/`{name}`), default Novo;
//! * `customField`: v1 only `[{key, value}]`, the legacy API a map (or the array); a key the tenant's
//!   form does not have → 400 "The customFields must have a valid key". v1 accepts and ignores `idForm`
//!   and `customFields` (the probe "API aceita POST … customFields ignorados").

use serde_json::{Map, Value};

use super::errors::{self, OctaError};
use super::input::{integer, reference, string_list, text};
use super::model::{Api, Interaction, Origin, Ticket, new_uuid};
use super::tenant::Tenant;
use super::webhooks::Event;
use crate::common::time;

/// Who the ticket is for, before anything is written.
enum Requester {
    Existing(String),
    New(Map<String, Value>),
}

/// Comments of a body: `comments.{description,public,internal}.content` (a bare string is accepted).
#[derive(Debug, Default)]
struct Comments {
    description: Option<String>,
    public: Option<String>,
    internal: Option<String>,
}

fn comment_content(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => text(o.get("content")),
        other => text(Some(other)),
    }
}

fn comments(o: &Map<String, Value>) -> Result<Comments, OctaError> {
    match o.get("comments") {
        None | Some(Value::Null) => Ok(Comments::default()),
        Some(Value::Object(c)) => Ok(Comments {
            description: comment_content(c.get("description")),
            public: comment_content(c.get("public")),
            internal: comment_content(c.get("internal")),
        }),
        Some(_) => Err(OctaError::bad_request(
            "The comments field must be an object {description?, public?, internal?} of {content}",
        )),
    }
}

/// What a ticket edit changed, for the answer and the webhooks.
#[derive(Debug, Default)]
pub struct Edit {
    pub fields_changed: bool,
    pub interaction_added: bool,
}

impl Edit {
    pub fn events(&self) -> Vec<Event> {
        let mut v = Vec::new();
        if self.fields_changed {
            v.push(Event::Updated);
        }
        if self.interaction_added {
            v.push(Event::InteractionAdded);
        }
        v
    }
}

impl Tenant {
    fn requester(&self, o: &Map<String, Value>, api: Api) -> Result<Requester, OctaError> {
        let r = match o.get("requester") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(r)) => r.clone(),
            Some(_) => {
                return Err(OctaError::bad_request(
                    "The requester field must be an object {id?, email?, name?}",
                ));
            }
        };
        let id = text(r.get("id")).or_else(|| {
            (api == Api::Legacy)
                .then(|| text(o.get("idRequester")))
                .flatten()
        });
        if let Some(id) = id {
            return match self.person(&id) {
                Some(p) => Ok(Requester::Existing(p.id.clone())),
                None => Err(OctaError::bad_request(format!(
                    "The requester '{id}' was not found"
                ))),
            };
        }
        if let Some(email) = text(r.get("email")) {
            if !super::config::looks_like_email(&email) {
                return Err(OctaError::bad_request(format!(
                    "The requester email '{email}' is not a valid e-mail address"
                )));
            }
            return Ok(match self.person_by_email(&email) {
                Some(p) => Requester::Existing(p.id.clone()),
                None => Requester::New(r),
            });
        }
        let phone = r
            .get("phoneContacts")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|p| match p {
                Value::Object(p) => text(p.get("number")).map(|n| (n, text(p.get("countryCode")))),
                other => text(Some(other)).map(|n| (n, None)),
            })
            .or_else(|| text(r.get("phone")).map(|n| (n, None)));
        if let Some((number, country)) = phone {
            return Ok(
                match self.persons_by_phone(&number, country.as_deref()).first() {
                    Some(p) => Requester::Existing(p.id.clone()),
                    None => Requester::New(r),
                },
            );
        }
        Err(OctaError::bad_request(errors::REQUESTER_EMAIL_NULL))
    }

    fn status_of(&self, o: &Map<String, Value>) -> Result<Option<String>, OctaError> {
        let key = text(o.get("idCurrentStatus")).or_else(|| match o.get("status") {
            Some(Value::Object(s)) => text(s.get("id")).or_else(|| text(s.get("name"))),
            other => text(other),
        });
        match key {
            None => Ok(None),
            Some(k) => self
                .status(&k)
                .map(|s| Some(s.id.clone()))
                .ok_or_else(|| OctaError::bad_request(format!("The status '{k}' does not exist"))),
        }
    }

    fn custom_fields_of(
        &self,
        o: &Map<String, Value>,
        api: Api,
    ) -> Result<Vec<(String, Value)>, OctaError> {
        let bad = || OctaError::bad_request(errors::BAD_CUSTOM_FIELDS);
        let pairs: Vec<(String, Value)> = match (o.get("customField"), api) {
            (None | Some(Value::Null), _) => return Ok(Vec::new()),
            (Some(Value::Array(items)), _) => items
                .iter()
                .map(|i| {
                    let key = i.get("key").and_then(|k| text(Some(k))).ok_or_else(bad)?;
                    Ok((key, i.get("value").cloned().unwrap_or(Value::Null)))
                })
                .collect::<Result<_, OctaError>>()?,
            (Some(Value::Object(m)), Api::Legacy) => {
                m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
            }
            (Some(_), _) => return Err(bad()),
        };
        if pairs.iter().any(|(k, _)| !self.custom_fields.contains(k)) {
            return Err(bad());
        }
        Ok(pairs)
    }

    fn organization_of(&self, o: &Map<String, Value>) -> Result<Option<String>, OctaError> {
        match reference(o, "organization", "idOrganization") {
            None => Ok(None),
            Some(id) if self.organization(&id).is_some() => Ok(Some(id)),
            Some(id) => Err(OctaError::bad_request(format!(
                "The organization '{id}' was not found"
            ))),
        }
    }

    /// Creates a ticket; returns its number.
    pub fn create_ticket(
        &mut self,
        o: &Map<String, Value>,
        api: Api,
        origin: Origin,
        author_id: &str,
    ) -> Result<u64, OctaError> {
        let summary = text(o.get("summary"))
            .ok_or_else(|| OctaError::bad_request("The summary field is required"))?;
        let requester = self.requester(o, api)?;
        let c = comments(o)?;
        let description = text(o.get("description")).or(c.description);
        let status_id = match self.status_of(o)? {
            Some(s) => s,
            None => self
                .statuses
                .first()
                .map(|s| s.id.clone())
                .unwrap_or_default(),
        };
        let tags = match o.get("tags") {
            Some(v) => string_list(v, "tags")?,
            None => Vec::new(),
        };
        let custom_fields = self.custom_fields_of(o, api)?;
        let organization = self.organization_of(o)?;
        let form_id = match api {
            Api::V1 => reference(o, "form", "form"),
            Api::Legacy => reference(o, "form", "idForm"),
        };
        let group_id = reference(o, "group", "idGroup");
        let number_channel = integer(o.get("numberChannel")).unwrap_or(0);
        let inbox = o.get("inbox").filter(|v| v.is_object()).cloned();
        let requester_id = match requester {
            Requester::Existing(id) => id,
            Requester::New(r) => self.create_person(&r, false)?,
        };
        let organization_id = organization.or_else(|| {
            self.person(&requester_id)
                .and_then(|p| p.organization_id.clone())
        });
        let now = time::now();
        let number = self.next_number;
        self.next_number += 1;
        let first = Interaction {
            id: new_uuid(),
            created_at: now,
            author_id: author_id.to_owned(),
            origin,
            description,
            public: c.public,
            internal: c.internal,
            status_change: None,
        };
        self.tickets.insert(
            number,
            Ticket {
                id: new_uuid(),
                number,
                summary,
                requester_id,
                organization_id,
                status_id,
                tags,
                custom_fields,
                form_id,
                group_id,
                number_channel,
                inbox,
                created_by: author_id.to_owned(),
                origin,
                created_at: now,
                updated_at: now,
                interactions: vec![first],
            },
        );
        tracing::info!(tenant = %self.name, number, origin = origin.as_str(), "octadesk ticket created");
        Ok(number)
    }

    /// Edits a ticket (partial: only the fields present change). Comments and a status change become one
    /// new interaction. Fields the API does not edit (`number`, `id`, dates, `requester`…) are ignored, so
    /// a client may send back the whole object it read.
    pub fn edit_ticket(
        &mut self,
        number: u64,
        o: &Map<String, Value>,
        api: Api,
        origin: Origin,
        author_id: &str,
    ) -> Result<Edit, OctaError> {
        if !self.tickets.contains_key(&number) {
            return Err(ticket_not_found(number));
        }
        let summary = text(o.get("summary"));
        let status_id = self.status_of(o)?;
        let tags = match o.get("tags") {
            Some(v) => Some(string_list(v, "tags")?),
            None => None,
        };
        let custom_fields = self.custom_fields_of(o, api)?;
        let group_id = reference(o, "group", "idGroup");
        let c = comments(o)?;
        let Some(t) = self.tickets.get_mut(&number) else {
            return Err(ticket_not_found(number));
        };
        let mut edit = Edit::default();
        if let Some(s) = summary
            && s != t.summary
        {
            t.summary = s;
            edit.fields_changed = true;
        }
        let status_change = status_id
            .filter(|s| *s != t.status_id)
            .map(|s| (std::mem::replace(&mut t.status_id, s.clone()), s));
        if status_change.is_some() {
            edit.fields_changed = true;
        }
        if let Some(tags) = tags
            && tags != t.tags
        {
            t.tags = tags;
            edit.fields_changed = true;
        }
        for (k, v) in custom_fields {
            if t.custom_fields
                .iter()
                .all(|(key, old)| *key != k || *old != v)
            {
                t.set_custom_field(&k, v);
                edit.fields_changed = true;
            }
        }
        if let Some(g) = group_id
            && t.group_id.as_deref() != Some(g.as_str())
        {
            t.group_id = Some(g);
            edit.fields_changed = true;
        }
        let has_comment = c.public.is_some() || c.internal.is_some();
        if has_comment || status_change.is_some() {
            t.interactions.push(Interaction {
                id: new_uuid(),
                created_at: time::now(),
                author_id: author_id.to_owned(),
                origin,
                description: None,
                public: c.public,
                internal: c.internal,
                status_change,
            });
            edit.interaction_added = has_comment;
        }
        if edit.fields_changed || edit.interaction_added {
            t.updated_at = time::now();
        }
        Ok(edit)
    }
}

pub fn ticket_not_found(number: u64) -> OctaError {
    OctaError::not_found(format!("Ticket {number} not found"))
}

/// A ticket number from a path (numbers only; anything else is an unknown ticket).
pub fn parse_number(raw: &str) -> Result<u64, OctaError> {
    raw.trim()
        .parse()
        .map_err(|_| OctaError::not_found(format!("Ticket {raw} not found")))
}
