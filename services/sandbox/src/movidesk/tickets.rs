//! Ticket writes (§1.5): creation with Movidesk's validations, and PATCH with its semantics — scalars
//! partial, lists sent replace stored lists, actions without an id (or id 0) appended, existing action
//! ids left as they are, a status change recorded in `statusHistories` with the matching dates.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::config::{BaseStatus, OriginOnCreate, StatusSpec};
use super::domain::{Domain, WriteError};
use super::input::{
    as_id, as_int, as_text, camelize_keys, field, html_to_text, opt_date, opt_text, present,
    ref_id, string_list,
};
use super::model::{
    Action, Attachment, ClientRef, CustomFieldItem, CustomFieldValue, OwnerHistory, PersonRef,
    StatusHistory, Ticket, origin,
};
use super::webhooks::{Change, WebhookEvent};

/// Who writes: the public API (token) or an agent in the web UI (the control API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Api,
    AgentUi,
}

impl Channel {
    /// Ticket and action origin of writes through this channel.
    pub fn origin(self) -> i64 {
        match self {
            Self::Api => origin::WEB_API,
            Self::AgentUi => origin::WEB_AGENT,
        }
    }
}

fn invalid(msg: impl Into<String>) -> WriteError {
    WriteError::Invalid(msg.into())
}

const MAX_SUBJECT: usize = 350;

fn set<T: PartialEq>(slot: &mut T, value: T, changed: &mut bool) {
    if *slot != value {
        *slot = value;
        *changed = true;
    }
}

fn dedupe(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for item in list {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&item)) {
            out.push(item);
        }
    }
    out
}

fn ticket_type(v: &Value) -> Result<i64, WriteError> {
    as_int(v)
        .filter(|t| matches!(t, 1 | 2))
        .ok_or_else(|| invalid(format!("Invalid type {v}: use 1 (internal) or 2 (public)")))
}

fn opt_int(obj: &Map<String, Value>, name: &str) -> Result<Option<Option<i64>>, WriteError> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => as_int(v)
            .map(|i| Some(Some(i)))
            .ok_or_else(|| invalid(format!("{name} must be an integer"))),
    }
}

fn text_field(o: &Map<String, Value>, name: &str) -> Option<String> {
    present(o, name).and_then(as_id)
}

fn parse_custom_fields(v: &Value) -> Result<Vec<CustomFieldValue>, WriteError> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(invalid("customFieldValues must be a list")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(o) = item else {
                return Err(invalid(format!("customFieldValues[{i}] must be an object")));
            };
            let int = |name: &str| -> Result<i64, WriteError> {
                present(o, name).and_then(as_int).ok_or_else(|| {
                    invalid(format!(
                        "customFieldValues[{i}].{name} is required and must be an integer"
                    ))
                })
            };
            let items = match present(o, "items") {
                None => Vec::new(),
                Some(Value::Array(list)) => list
                    .iter()
                    .enumerate()
                    .map(|(j, it)| {
                        let Value::Object(it) = it else {
                            return Err(invalid(format!(
                                "customFieldValues[{i}].items[{j}] must be an object"
                            )));
                        };
                        Ok(CustomFieldItem {
                            person_id: text_field(it, "personId"),
                            client_id: text_field(it, "clientId"),
                            team: text_field(it, "team"),
                            custom_field_item: present(it, "customFieldItem").and_then(as_text),
                            storage_file_guid: present(it, "storageFileGuid").and_then(as_text),
                            file_name: present(it, "fileName").and_then(as_text),
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => {
                    return Err(invalid(format!(
                        "customFieldValues[{i}].items must be a list"
                    )));
                }
            };
            Ok(CustomFieldValue {
                custom_field_id: int("customFieldId")?,
                custom_field_rule_id: int("customFieldRuleId")?,
                line: present(o, "line").and_then(as_int).unwrap_or(1),
                value: present(o, "value").and_then(as_text),
                items,
            })
        })
        .collect()
}

/// Applies a status change with its history entry and dates.
fn apply_status(
    t: &mut Ticket,
    spec: &StatusSpec,
    justification: Option<String>,
    changed_by: Option<PersonRef>,
    now: DateTime<Utc>,
) {
    let previous = t.base_status;
    t.status = spec.name.clone();
    t.base_status = spec.base;
    t.justification = justification.clone();
    t.status_histories.push(StatusHistory {
        status: spec.name.clone(),
        justification,
        changed_by,
        changed_date: now,
    });
    match spec.base {
        BaseStatus::Resolved => {
            t.resolved_in = Some(now);
            t.closed_in = None;
        }
        BaseStatus::Closed => {
            t.resolved_in = t.resolved_in.or(Some(now));
            t.closed_in = Some(now);
        }
        BaseStatus::Canceled => t.canceled_in = Some(now),
        BaseStatus::New | BaseStatus::InAttendance | BaseStatus::Stopped => {
            if previous.is_finished() {
                t.reopened_in = Some(now);
                t.resolved_in = None;
                t.closed_in = None;
                t.canceled_in = None;
            }
        }
    }
}

impl Domain {
    /// The origin of a new ticket: the channel's, or the one the body sends, as the domain's
    /// `origin_on_create` says (the field is documented read-only).
    fn origin_on_create(&self, sent: Option<&Value>, channel: Channel) -> Result<i64, WriteError> {
        let Some(v) = sent.filter(|v| !v.is_null()) else {
            return Ok(channel.origin());
        };
        match self.origin_on_create {
            OriginOnCreate::Ignore => Ok(channel.origin()),
            OriginOnCreate::Refuse => Err(invalid(
                "The field origin is read-only and cannot be informed",
            )),
            OriginOnCreate::Accept => as_int(v)
                .filter(|o| (1..=25).contains(o))
                .ok_or_else(|| invalid(format!("origin {v} is not a ticket origin (1 to 25)"))),
        }
    }

    /// Person- and client-list items must name persons of the domain.
    fn checked_items(
        &self,
        values: Vec<CustomFieldValue>,
    ) -> Result<Vec<CustomFieldValue>, WriteError> {
        for (i, v) in values.iter().enumerate() {
            for (j, item) in v.items.iter().enumerate() {
                for (name, id) in [("personId", &item.person_id), ("clientId", &item.client_id)] {
                    if let Some(id) = id
                        && self.person(id).is_none()
                    {
                        return Err(invalid(format!(
                            "customFieldValues[{i}].items[{j}].{name}: there is no person with Ref. code '{id}'"
                        )));
                    }
                }
            }
        }
        Ok(values)
    }

    fn person_ref(&self, id: &str, what: &str) -> Result<PersonRef, WriteError> {
        self.person(id).map(|p| p.to_ref()).ok_or_else(|| {
            invalid(format!(
                "Person not found: there is no person with Ref. code '{id}' ({what})"
            ))
        })
    }

    fn client_refs(&self, v: &Value) -> Result<Vec<ClientRef>, WriteError> {
        let items = match v {
            Value::Array(items) if !items.is_empty() => items,
            Value::Array(_) | Value::Null => return Err(invalid("Customers is required")),
            _ => return Err(invalid("clients must be a list of persons")),
        };
        let mut out: Vec<ClientRef> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let id = ref_id(item).ok_or_else(|| {
                invalid(format!("Customers is required (clients[{i}] has no id)"))
            })?;
            let person = self.person_ref(&id, &format!("clients[{i}]"))?;
            // An organization sent explicitly must exist; otherwise the person's first one, if any.
            let sent = item
                .as_object()
                .and_then(|o| present(o, "organization"))
                .and_then(ref_id);
            let organization = match sent {
                Some(org) => Some(self.person_ref(&org, &format!("clients[{i}].organization"))?),
                None => self
                    .person(&id)
                    .and_then(|p| p.organization_ids().into_iter().next())
                    .and_then(|org| self.person(&org))
                    .map(|org| org.to_ref()),
            };
            if !out.iter().any(|c| c.person.id == person.id) {
                out.push(ClientRef {
                    person,
                    organization,
                });
            }
        }
        Ok(out)
    }

    /// The canonical name of a category or urgency (any value when the domain has no list).
    fn listed(list: &[String], value: &str, what: &str) -> Result<String, WriteError> {
        if list.is_empty() {
            return Ok(value.to_owned());
        }
        list.iter()
            .find(|c| c.eq_ignore_ascii_case(value))
            .cloned()
            .ok_or_else(|| invalid(format!("{what} '{value}' does not exist")))
    }

    fn checked_status(
        &self,
        name: &str,
        justification: Option<String>,
    ) -> Result<(StatusSpec, Option<String>), WriteError> {
        let spec = self
            .status(name)
            .cloned()
            .ok_or_else(|| invalid(format!("Status '{name}' does not exist")))?;
        let justification = match justification {
            None if spec.justifications.is_empty() => None,
            None => {
                return Err(invalid(format!(
                    "Status '{}' requires a justification: one of {}",
                    spec.name,
                    spec.justifications.join(", ")
                )));
            }
            Some(j) => Some(
                spec.justifications
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(&j))
                    .cloned()
                    .ok_or_else(|| {
                        invalid(format!(
                            "Justification '{j}' does not belong to status '{}'",
                            spec.name
                        ))
                    })?,
            ),
        };
        Ok((spec, justification))
    }

    fn owner_pair(&self, owner: &Value, team: &Value) -> Result<(PersonRef, String), WriteError> {
        let id = ref_id(owner).ok_or_else(|| invalid("owner.id is required"))?;
        let person = self.person(&id).ok_or_else(|| {
            invalid(format!(
                "Person not found: there is no person with Ref. code '{id}' (owner)"
            ))
        })?;
        if !person.is_agent() {
            return Err(invalid(format!(
                "Person '{id}' is not an agent and cannot own tickets (owner)"
            )));
        }
        let team = as_text(team).ok_or_else(|| invalid("ownerTeam must be a team name"))?;
        let teams = person.teams();
        let team = if teams.is_empty() {
            team
        } else {
            teams
                .into_iter()
                .find(|t| t.eq_ignore_ascii_case(&team))
                .ok_or_else(|| {
                    invalid(format!(
                        "Team '{team}' is not a team of agent '{id}' (ownerTeam)"
                    ))
                })?
        };
        Ok((person.to_ref(), team))
    }

    fn related_ids(&self, v: &Value, what: &str, this: u64) -> Result<Vec<u64>, WriteError> {
        let items = match v {
            Value::Null => return Ok(Vec::new()),
            Value::Array(items) => items,
            _ => return Err(invalid(format!("{what} must be a list of tickets"))),
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let id = ref_id(item)
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or_else(|| invalid(format!("{what}[{i}].id is required")))?;
                if id == this || !self.tickets.contains_key(&id) {
                    return Err(invalid(format!("{what}[{i}]: ticket {id} not found")));
                }
                Ok(id)
            })
            .collect()
    }

    /// Parses a new action (ids, origin and status are filled by the caller).
    fn new_action(
        &self,
        item: &Map<String, Value>,
        at: &str,
        default_type: i64,
        channel: Channel,
        creating: bool,
        now: DateTime<Utc>,
    ) -> Result<Action, WriteError> {
        let by = match present(item, "createdBy").and_then(ref_id) {
            Some(id) => id,
            None if creating || channel == Channel::AgentUi => {
                return Err(invalid(format!("Ref. code is required ({at}.createdBy)")));
            }
            None => {
                return Err(WriteError::Generic(format!(
                    "{at}: a new action needs createdBy.id"
                )));
            }
        };
        let created_by = self.person_ref(&by, &format!("{at}.createdBy"))?;
        let html = present(item, "description")
            .and_then(as_text)
            .ok_or_else(|| invalid(format!("{at}.description is required")))?;
        let kind = match present(item, "type") {
            None => default_type,
            Some(v) => as_int(v).filter(|t| matches!(t, 1 | 2)).ok_or_else(|| {
                invalid(format!(
                    "Invalid {at}.type {v}: use 1 (internal) or 2 (public)"
                ))
            })?,
        };
        let tags = match present(item, "tags") {
            Some(v) => dedupe(string_list(v, &format!("{at}.tags")).map_err(invalid)?),
            None => Vec::new(),
        };
        let list = |name: &str| -> Vec<Value> {
            present(item, name)
                .and_then(Value::as_array)
                .map(|l| l.iter().map(camelize_keys).collect())
                .unwrap_or_default()
        };
        // Attachments are uploaded separately in the real API; only the agent UI can attach here.
        let attachments = if channel == Channel::AgentUi {
            list("attachments")
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let file_name = a.get("fileName").and_then(as_text).ok_or_else(|| {
                        invalid(format!("{at}.attachments[{i}].fileName is required"))
                    })?;
                    let path = a
                        .get("path")
                        .and_then(as_text)
                        .unwrap_or_else(|| format!("{:032X}", rand::random::<u128>()));
                    Ok(Attachment {
                        file_name,
                        path,
                        created_by: created_by.clone(),
                        created_date: now,
                    })
                })
                .collect::<Result<Vec<_>, WriteError>>()?
        } else {
            Vec::new()
        };
        let created_date = opt_date(item, "createdDate")
            .map_err(invalid)?
            .flatten()
            .unwrap_or(now);
        Ok(Action {
            id: 0,
            kind,
            origin: channel.origin(),
            description: html_to_text(&html),
            html_description: html,
            status: String::new(),
            justification: None,
            created_date,
            created_by,
            tags,
            attachments,
            time_appointments: list("timeAppointments"),
            expenses: list("expenses"),
        })
    }

    /// `POST /tickets` (or the agent UI's "new ticket").
    pub fn create_ticket(
        &mut self,
        body: &Value,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<Change, WriteError> {
        let Value::Object(b) = body else {
            return Err(invalid("The request body must be a ticket object"));
        };
        let created_by_id = present(b, "createdBy")
            .and_then(ref_id)
            .ok_or_else(|| invalid("Ref. code is required"))?;
        let clients_v = present(b, "clients").ok_or_else(|| invalid("Customers is required"))?;
        let actions_v = match present(b, "actions") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            _ => {
                return Err(invalid(
                    "Actions is required: a ticket needs at least one action",
                ));
            }
        };
        let kind = match present(b, "type") {
            Some(v) => ticket_type(v)?,
            None => {
                return Err(invalid("Type is required: use 1 (internal) or 2 (public)"));
            }
        };
        let created_by = self.person_ref(&created_by_id, "createdBy")?;
        let clients = self.client_refs(clients_v)?;
        let subject = opt_text(b, "subject").map_err(invalid)?.flatten();
        if subject
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_SUBJECT)
        {
            return Err(invalid(format!(
                "Subject must have at most {MAX_SUBJECT} characters"
            )));
        }
        let category = match opt_text(b, "category").map_err(invalid)?.flatten() {
            Some(c) => Some(Self::listed(&self.categories, &c, "Category")?),
            None => None,
        };
        let urgency = match opt_text(b, "urgency").map_err(invalid)?.flatten() {
            Some(u) => Some(Self::listed(&self.urgencies, &u, "Urgency")?),
            None => None,
        };
        let justification = opt_text(b, "justification").map_err(invalid)?.flatten();
        let (status, justification) = match opt_text(b, "status").map_err(invalid)?.flatten() {
            Some(name) => self.checked_status(&name, justification)?,
            None => {
                let first_new = self
                    .statuses
                    .iter()
                    .find(|s| s.base == BaseStatus::New)
                    .cloned()
                    .ok_or_else(|| invalid("The domain has no status whose base is New"))?;
                (first_new, None)
            }
        };
        let (owner, owner_team) = match (present(b, "owner"), present(b, "ownerTeam")) {
            (Some(o), Some(t)) => {
                let (o, t) = self.owner_pair(o, t)?;
                (Some(o), Some(t))
            }
            (None, None) => (None, None),
            _ => {
                return Err(invalid("owner and ownerTeam must be informed together"));
            }
        };
        let tags = match present(b, "tags") {
            Some(v) => dedupe(string_list(v, "tags").map_err(invalid)?),
            None => Vec::new(),
        };
        let custom_field_values = match present(b, "customFieldValues") {
            Some(v) => self.checked_items(parse_custom_fields(v)?)?,
            None => Vec::new(),
        };
        let origin = self.origin_on_create(present(b, "origin"), channel)?;
        let created_date = opt_date(b, "createdDate")
            .map_err(invalid)?
            .flatten()
            .unwrap_or(now);
        let id = self.next_ticket_number;
        let parents = match present(b, "parentTickets") {
            Some(v) => self.related_ids(v, "parentTickets", id)?,
            None => Vec::new(),
        };
        let children = match present(b, "childrenTickets") {
            Some(v) => self.related_ids(v, "childrenTickets", id)?,
            None => Vec::new(),
        };
        let mut actions = Vec::with_capacity(actions_v.len());
        for (i, item) in actions_v.iter().enumerate() {
            let at = format!("actions[{i}]");
            let Value::Object(item) = item else {
                return Err(invalid(format!("{at} must be an object")));
            };
            let mut action = self.new_action(item, &at, kind, channel, true, now)?;
            action.id = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if i == 0 {
                action.origin = origin::FIRST_ACTION;
            }
            action.status = status.name.clone();
            action.justification = justification.clone();
            actions.push(action);
        }
        let mut t = Ticket {
            id,
            protocol: None,
            kind,
            subject,
            category,
            urgency,
            status: status.name.clone(),
            base_status: BaseStatus::New,
            justification: None,
            origin,
            created_date,
            owner_histories: owner
                .iter()
                .map(|o| OwnerHistory {
                    owner_team: owner_team.clone(),
                    owner: Some(o.clone()),
                    changed_by: Some(created_by.clone()),
                    changed_date: now,
                })
                .collect(),
            owner,
            owner_team,
            created_by: created_by.clone(),
            service_first_level_id: opt_int(b, "serviceFirstLevelId")?.flatten(),
            tags,
            cc: opt_text(b, "cc").map_err(invalid)?.flatten(),
            resolved_in: None,
            closed_in: None,
            reopened_in: None,
            canceled_in: None,
            sla_solution_date: opt_date(b, "slaSolutionDate").map_err(invalid)?.flatten(),
            last_action_date: actions.iter().map(|a| a.created_date).max(),
            last_update: now,
            clients,
            actions,
            status_histories: Vec::new(),
            custom_field_values,
            read_only: Map::new(),
        };
        apply_status(&mut t, &status, justification, Some(created_by), now);
        if let Some(d) = opt_date(b, "resolvedIn").map_err(invalid)?.flatten() {
            t.resolved_in = Some(d);
        }
        if let Some(d) = opt_date(b, "closedIn").map_err(invalid)?.flatten() {
            t.closed_in = Some(d);
        }
        let action_ids = t.actions.iter().map(|a| a.id).collect();
        self.next_ticket_number += 1;
        self.tickets.insert(id, t);
        self.relations.extend(parents.into_iter().map(|p| (p, id)));
        self.relations.extend(children.into_iter().map(|c| (id, c)));
        Ok(Change {
            ticket_id: id,
            events: vec![WebhookEvent::TICKET_CREATED],
            action_ids,
        })
    }

    /// `PATCH /tickets?id=` (or an agent's edit). `Ok(None)` when nothing changed.
    pub fn patch_ticket(
        &mut self,
        id: u64,
        body: &Value,
        channel: Channel,
        changed_by: Option<PersonRef>,
        now: DateTime<Utc>,
    ) -> Result<Option<Change>, WriteError> {
        let Value::Object(b) = body else {
            return Err(invalid("The request body must be a ticket object"));
        };
        let original = self
            .tickets
            .get(&id)
            .ok_or_else(|| WriteError::NotFound(format!("Ticket {id} not found")))?;
        let mut t = original.clone();
        let mut other = false;

        if let Some(v) = opt_text(b, "subject").map_err(invalid)? {
            if v.as_ref().is_some_and(|s| s.chars().count() > MAX_SUBJECT) {
                return Err(invalid(format!(
                    "Subject must have at most {MAX_SUBJECT} characters"
                )));
            }
            set(&mut t.subject, v, &mut other);
        }
        if let Some(v) = present(b, "type") {
            set(&mut t.kind, ticket_type(v)?, &mut other);
        }
        if let Some(v) = opt_text(b, "category").map_err(invalid)? {
            let v = match v {
                Some(c) => Some(Self::listed(&self.categories, &c, "Category")?),
                None => None,
            };
            set(&mut t.category, v, &mut other);
        }
        if let Some(v) = opt_text(b, "urgency").map_err(invalid)? {
            let v = match v {
                Some(u) => Some(Self::listed(&self.urgencies, &u, "Urgency")?),
                None => None,
            };
            set(&mut t.urgency, v, &mut other);
        }
        if let Some(v) = opt_text(b, "cc").map_err(invalid)? {
            set(&mut t.cc, v, &mut other);
        }
        if let Some(v) = opt_int(b, "serviceFirstLevelId")? {
            set(&mut t.service_first_level_id, v, &mut other);
        }
        if let Some(v) = field(b, "tags") {
            let tags = dedupe(string_list(v, "tags").map_err(invalid)?);
            set(&mut t.tags, tags, &mut other);
        }
        if let Some(v) = field(b, "clients") {
            let clients = self.client_refs(v)?;
            set(&mut t.clients, clients, &mut other);
        }
        if let Some(v) = field(b, "customFieldValues") {
            set(
                &mut t.custom_field_values,
                self.checked_items(parse_custom_fields(v)?)?,
                &mut other,
            );
        }

        // owner and ownerTeam go together; Movidesk answers a bare 500 when one comes alone.
        let (owner_v, team_v) = (field(b, "owner"), field(b, "ownerTeam"));
        let given = |v: Option<&Value>| v.is_some_and(|v| !v.is_null());
        let new_owner = match (given(owner_v), given(team_v)) {
            (true, true) => match (owner_v, team_v) {
                (Some(o), Some(tm)) => {
                    let (o, tm) = self.owner_pair(o, tm)?;
                    Some((Some(o), Some(tm)))
                }
                _ => None,
            },
            (false, false) if owner_v.is_some() && team_v.is_some() => Some((None, None)),
            (false, false) => None,
            _ if channel == Channel::AgentUi => {
                return Err(invalid("owner and ownerTeam must be informed together"));
            }
            _ => {
                return Err(WriteError::Generic(
                    "owner and ownerTeam must be sent together".to_owned(),
                ));
            }
        };
        if let Some((owner, team)) = new_owner
            && (owner != t.owner || team != t.owner_team)
        {
            t.owner = owner.clone();
            t.owner_team = team.clone();
            t.owner_histories.push(OwnerHistory {
                owner_team: team,
                owner,
                changed_by: changed_by.clone(),
                changed_date: now,
            });
            other = true;
        }

        let mut status_changed = false;
        let status_v = opt_text(b, "status").map_err(invalid)?.flatten();
        let justification_v = opt_text(b, "justification").map_err(invalid)?;
        if status_v.is_some() || justification_v.is_some() {
            let name = status_v.unwrap_or_else(|| t.status.clone());
            let (spec, justification) = self.checked_status(&name, justification_v.flatten())?;
            if spec.name != t.status || justification != t.justification {
                apply_status(&mut t, &spec, justification, changed_by.clone(), now);
                status_changed = true;
            }
        }
        for (name, slot) in [
            ("resolvedIn", &mut t.resolved_in),
            ("closedIn", &mut t.closed_in),
            ("slaSolutionDate", &mut t.sla_solution_date),
        ] {
            if let Some(v) = opt_date(b, name).map_err(invalid)? {
                set(slot, v, &mut other);
            }
        }

        let mut relations = self.relations.clone();
        if let Some(v) = field(b, "parentTickets") {
            let parents = self.related_ids(v, "parentTickets", id)?;
            relations.retain(|(_, c)| *c != id);
            relations.extend(parents.into_iter().map(|p| (p, id)));
        }
        if let Some(v) = field(b, "childrenTickets") {
            let children = self.related_ids(v, "childrenTickets", id)?;
            relations.retain(|(p, _)| *p != id);
            relations.extend(children.into_iter().map(|c| (id, c)));
        }
        let relations_changed = relations != self.relations;

        let mut new_ids = Vec::new();
        match field(b, "actions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("actions[{i}]");
                    let Value::Object(item) = item else {
                        return Err(invalid(format!("{at} must be an object")));
                    };
                    let action_id = match present(item, "id") {
                        None => 0,
                        Some(v) => as_int(v)
                            .ok_or_else(|| invalid(format!("{at}.id must be an integer")))?,
                    };
                    if action_id == 0 {
                        let mut action = self.new_action(item, &at, t.kind, channel, false, now)?;
                        action.id = t.actions.iter().map(|a| a.id).max().unwrap_or(0) + 1;
                        action.status = t.status.clone();
                        action.justification = t.justification.clone();
                        t.last_action_date = Some(action.created_date.max(now));
                        new_ids.push(action.id);
                        t.actions.push(action);
                    } else if !t.actions.iter().any(|a| i64::from(a.id) == action_id) {
                        return Err(invalid(format!(
                            "{at}: action {action_id} does not exist in ticket {id}"
                        )));
                    }
                }
            }
            Some(_) => return Err(invalid("actions must be a list")),
        }

        let mut events = Vec::new();
        if !new_ids.is_empty() {
            events.push(WebhookEvent::ACTION_ADDED);
        }
        if status_changed {
            events.push(WebhookEvent::STATUS_CHANGED);
        }
        if other || relations_changed {
            events.push(WebhookEvent::TICKET_CHANGED);
        }
        if events.is_empty() {
            return Ok(None);
        }
        t.last_update = now;
        self.tickets.insert(id, t);
        self.relations = relations;
        Ok(Some(Change {
            ticket_id: id,
            events,
            action_ids: new_ids,
        }))
    }

    /// Who an API write is attributed to in histories (the token's agent, when configured).
    pub fn api_author(&self) -> Option<PersonRef> {
        self.api_person_id
            .as_deref()
            .and_then(|id| self.person(id))
            .map(|p| p.to_ref())
    }

    /// Tickets in the list window: `recent` = lastUpdate within 90 days (`/tickets`), else `/tickets/past`,
    /// rendered with the collections `reads` names.
    pub fn tickets_in_window(
        &self,
        recent: bool,
        now: &DateTime<Utc>,
        reads: &dyn Fn(&str) -> bool,
        tagged: Option<&str>,
    ) -> Vec<Value> {
        let cutoff = *now - chrono::Duration::days(90);
        // The search index has not seen tickets newer than the lag yet.
        let indexed_until =
            *now - chrono::Duration::from_std(self.search_lag).unwrap_or(chrono::Duration::zero());
        // The filter compares strings without case.
        let tagged = tagged.map(str::to_lowercase);
        self.tickets
            .values()
            .filter(|t| (t.last_update >= cutoff) == recent)
            .filter(|t| t.created_date <= indexed_until)
            .filter(|t| {
                tagged
                    .as_ref()
                    .is_none_or(|tag| t.tags.iter().any(|x| x.to_lowercase() == *tag))
            })
            .map(|t| self.render_ticket_reading(t, now, reads))
            .collect()
    }
}

/// A patch body holding one new action (used by the agent UI).
pub fn action_patch(action: &Value) -> Value {
    let mut action = action.clone();
    if let Value::Object(o) = &mut action {
        o.insert("id".into(), json!(0));
    }
    json!({ "actions": [action] })
}
