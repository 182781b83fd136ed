//! The desk extension (`postmaster@desk.msging.net`): ticket commands, answered synchronously with a
//! command response envelope. Every failure is still HTTP 200, with `status: failure` and a LIME
//! `reason` (codes in `reason.rs`).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::contract::{CommandRecord, Contract, push_capped};
use super::customer::NewTicket;
use super::envelope::{COLLECTION_TYPE, Command, THREAD_MESSAGE_TYPE, TICKET_TYPE};
use super::ids::{parse_node, percent_decode};
use super::reason::{
    COMMAND_INVALID_ARGUMENT, COMMAND_METHOD_NOT_SUPPORTED, COMMAND_NOT_ALLOWED,
    COMMAND_RESOURCE_NOT_FOUND, COMMAND_RESOURCE_NOT_SUPPORTED, Reason,
};
use super::ticket::{Status, ThreadMessage, Ticket};
use crate::common::time::format_rfc3339;

pub const DESK_POSTMASTER: &str = "postmaster@desk.msging.net";
/// `from` of the responses (Blip adds its server instance, e.g. `/#az-iris2`).
const RESPONSE_FROM: &str = "postmaster@desk.msging.net/#sandbox";
/// Most items a collection answers.
const MAX_TAKE: usize = 100;

type Answer = Result<Option<(&'static str, Value)>, Reason>;

fn invalid(description: impl Into<String>) -> Reason {
    Reason::new(COMMAND_INVALID_ARGUMENT, description)
}

fn not_found(id: &str) -> Reason {
    Reason::new(
        COMMAND_RESOURCE_NOT_FOUND,
        format!("Ticket '{id}' not found"),
    )
}

fn closed(t: &Ticket) -> Reason {
    Reason::new(
        COMMAND_NOT_ALLOWED,
        format!(
            "The ticket '{}' is {} and cannot be updated",
            t.id,
            t.status.as_str()
        ),
    )
}

fn method_not_supported(method: &str, path: &str) -> Reason {
    Reason::new(
        COMMAND_METHOD_NOT_SUPPORTED,
        format!("The method '{method}' is not supported for '{path}'"),
    )
}

fn str_field<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    o.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Splits a command URI (relative `/tickets/…` or absolute `lime://bot@msging.net/tickets/…`) into
/// decoded path segments and the raw query.
fn split_uri(uri: &str) -> (Vec<String>, String) {
    let rest = uri
        .strip_prefix("lime://")
        .map_or(uri, |r| r.find('/').map_or("", |i| &r[i..]));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let segments = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    (segments, query.to_owned())
}

/// `$skip`, `$take` and `$ascending` of a collection query.
struct Paging {
    skip: usize,
    take: usize,
    ascending: bool,
    params: Vec<(String, String)>,
}

fn paging(query: &str) -> Result<Paging, Reason> {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let number = |name: &str, default: usize| -> Result<usize, Reason> {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or(Ok(default), |(_, v)| {
                v.trim().parse::<usize>().map_err(|_| {
                    invalid(format!("{name} must be a non-negative number, got '{v}'"))
                })
            })
    };
    let skip = number("$skip", 0)?;
    let take = number("$take", MAX_TAKE)?.min(MAX_TAKE);
    let ascending = params
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("$ascending") && v.eq_ignore_ascii_case("true"));
    Ok(Paging {
        skip,
        take,
        ascending,
        params,
    })
}

fn collection(item_type: &str, total: usize, items: Vec<Value>) -> Value {
    json!({"total": total, "itemType": item_type, "items": items})
}

/// One clause of a `$filter`: `Property eq 'value'`.
fn filter_clauses(filter: &str) -> Result<Vec<(String, String)>, Reason> {
    let mut clauses = Vec::new();
    let lower = filter.to_ascii_lowercase();
    let mut rest = filter;
    let mut rest_lower = lower.as_str();
    loop {
        let (clause, next) = match rest_lower.find(" and ") {
            Some(i) => (&rest[..i], Some(i + 5)),
            None => (rest, None),
        };
        let clause = clause
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        let (prop, value) = clause
            .split_once(" eq ")
            .or_else(|| clause.split_once(" EQ "))
            .ok_or_else(|| invalid(format!("Unsupported $filter clause '{clause}' (the sandbox supports `Property eq 'value'` joined by `and`)")))?;
        let value = value.trim().trim_matches('\'').to_owned();
        clauses.push((prop.trim().to_ascii_lowercase(), value));
        match next {
            Some(i) => {
                rest = &rest[i..];
                rest_lower = &rest_lower[i..];
            }
            None => break,
        }
    }
    Ok(clauses)
}

fn matches_clause(t: &Ticket, prop: &str, value: &str) -> Result<bool, Reason> {
    let eq = |v: Option<&str>| v.is_some_and(|v| v.eq_ignore_ascii_case(value));
    Ok(match prop {
        "id" => eq(Some(&t.id)),
        "status" => eq(Some(t.status.as_str())),
        "customeridentity" => eq(Some(&t.customer_identity)),
        "agentidentity" => eq(t.agent_identity.as_deref()),
        "team" => eq(t.team.as_deref()),
        "sequentialid" => t.sequential_id.to_string() == value,
        other => {
            return Err(invalid(format!(
                "Unsupported $filter property '{other}' (id, status, customerIdentity, agentIdentity, team, sequentialId)"
            )));
        }
    })
}

impl Contract {
    /// Processes a command and returns the response envelope (always answered HTTP 200).
    pub fn process_command(&mut self, cmd: &Command, now: DateTime<Utc>) -> Value {
        let (answer, ticket_id) = self.dispatch(cmd, now);
        let mut o = Map::new();
        if let Some(id) = &cmd.id {
            o.insert("id".into(), json!(id));
        }
        o.insert("from".into(), json!(RESPONSE_FROM));
        o.insert(
            "to".into(),
            json!(
                cmd.from
                    .clone()
                    .unwrap_or_else(|| self.bot_identity.clone())
            ),
        );
        o.insert("method".into(), json!(cmd.method));
        match answer {
            Ok(resource) => {
                o.insert("status".into(), json!("success"));
                if let Some((type_, resource)) = resource {
                    o.insert("type".into(), json!(type_));
                    o.insert("resource".into(), resource);
                }
            }
            Err(reason) => {
                tracing::info!(contract = %self.name, uri = %cmd.uri, code = reason.code, "blip command failed");
                o.insert("status".into(), json!("failure"));
                o.insert("reason".into(), reason.to_json());
            }
        }
        let response = Value::Object(o);
        push_capped(
            &mut self.commands,
            CommandRecord {
                at: format_rfc3339(&now),
                ticket_id,
                command: cmd.raw.clone(),
                response: response.clone(),
            },
        );
        response
    }

    /// Runs a command. Returns the answer and the ticket it is about (for the record).
    fn dispatch(&mut self, cmd: &Command, now: DateTime<Utc>) -> (Answer, Option<String>) {
        let (segments, query) = split_uri(&cmd.uri);
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        let resource_id = cmd
            .resource
            .as_ref()
            .and_then(Value::as_object)
            .and_then(|o| str_field(o, "id"))
            .map(str::to_owned);
        let ticket_id = match seg.as_slice() {
            ["tickets", "change-status"] => resource_id,
            ["ticket" | "tickets", id, ..] if !id.contains('@') => Some((*id).to_owned()),
            _ => None,
        };
        let to_desk = cmd.to.as_deref().and_then(parse_node).is_some_and(|n| {
            n.name.eq_ignore_ascii_case("postmaster")
                && n.domain.eq_ignore_ascii_case("desk.msging.net")
        });
        if !to_desk {
            let to = cmd.to.as_deref().unwrap_or("postmaster@msging.net");
            let reason = Reason::new(
                COMMAND_RESOURCE_NOT_SUPPORTED,
                format!(
                    "The sandbox simulates only the desk extension ({DESK_POSTMASTER}), not '{to}'"
                ),
            );
            return (Err(reason), ticket_id);
        }
        if let Some(failure) = self.command_failure.as_mut()
            && let Some((reason, spent)) = failure.take(&cmd.method, &cmd.uri)
        {
            if spent {
                self.command_failure = None;
            }
            return (Err(reason), ticket_id);
        }
        let path = format!("/{}", seg.join("/"));
        let m = cmd.method.as_str();
        let answer = match seg.as_slice() {
            ["tickets", "change-status"] if m == "set" => {
                self.change_status(cmd.resource.as_ref(), now)
            }
            ["tickets"] if m == "set" => self.create_ticket(cmd.resource.as_ref(), now),
            ["tickets"] if m == "get" => self.list_tickets(&query),
            ["tickets", customer] if m == "set" && customer.contains('@') => {
                self.create_for_customer(customer, cmd, now)
            }
            ["ticket" | "tickets", id] if m == "get" => self
                .ticket(id)
                .map(|t| Some((TICKET_TYPE, t.render())))
                .ok_or_else(|| not_found(id)),
            ["tickets", id, "messages"] if m == "get" => self.ticket_messages(id, &query),
            ["tickets", id, "change-tags"] if m == "set" => {
                self.change_tags(id, cmd.resource.as_ref())
            }
            ["tickets", id, "close"] if m == "set" => self.finalize(id, cmd.resource.as_ref(), now),
            ["tickets", "change-status"]
            | ["tickets"]
            | ["ticket" | "tickets", _]
            | ["tickets", _, "messages" | "change-tags" | "close"] => {
                Err(method_not_supported(m, &path))
            }
            _ => Err(Reason::new(
                COMMAND_RESOURCE_NOT_SUPPORTED,
                format!("The resource '{path}' is not supported by the sandbox's desk"),
            )),
        };
        (answer, ticket_id)
    }

    fn change_status(&mut self, resource: Option<&Value>, now: DateTime<Utc>) -> Answer {
        let r = resource.and_then(Value::as_object).ok_or_else(|| {
            invalid("The resource must be a ticket document with 'id' and 'status'")
        })?;
        let id = str_field(r, "id").ok_or_else(|| invalid("The ticket 'id' is required"))?;
        let raw_status =
            str_field(r, "status").ok_or_else(|| invalid("The ticket 'status' is required"))?;
        let agent = str_field(r, "agentIdentity").map(str::to_owned);
        let closed_by = str_field(r, "closedBy").map(str::to_owned);
        let t = self.ticket(id).ok_or_else(|| not_found(id))?;
        if t.status.is_closed() {
            return Err(closed(t));
        }
        let status = Status::parse(raw_status)
            .filter(|s| *s != Status::Waiting)
            .ok_or_else(|| {
                invalid(format!(
                    "Invalid status '{raw_status}' for change-status (Open, ClosedAttendant or ClosedClient)"
                ))
            })?;
        if status == Status::Open {
            let agent = agent
                .as_deref()
                .ok_or_else(|| invalid("'agentIdentity' is required to open a ticket"))?;
            if !self.agent_known(agent) {
                return Err(invalid(format!(
                    "The agent '{agent}' is not an attendant of this bot"
                )));
            }
        }
        let ticket_id = t.id.clone();
        let by = if status == Status::ClosedAttendant {
            closed_by
        } else {
            None
        };
        if let Some(t) = self.ticket_mut(&ticket_id) {
            if status == Status::Open {
                t.agent_identity = agent;
            }
            t.set_status(status, by, now);
        }
        if status == Status::Open {
            self.flush_queue(&ticket_id);
        }
        tracing::info!(contract = %self.name, ticket = %ticket_id, status = status.as_str(), "blip ticket status changed");
        Ok(None)
    }

    fn new_ticket_from(
        &mut self,
        mut new: NewTicket,
        resource: Option<&Map<String, Value>>,
        now: DateTime<Utc>,
    ) -> Answer {
        if let Some(r) = resource {
            new.team = str_field(r, "team").map(str::to_owned);
            if let Some(agent) = str_field(r, "agentIdentity") {
                if !self.agent_known(agent) {
                    return Err(invalid(format!(
                        "The agent '{agent}' is not an attendant of this bot"
                    )));
                }
                new.agent = Some(agent.to_owned());
            }
        }
        let id = self.open_ticket(new, now);
        Ok(self.ticket(&id).map(|t| (TICKET_TYPE, t.render())))
    }

    /// `set /tickets` with `{customerIdentity, team?, agentIdentity?}`.
    fn create_ticket(&mut self, resource: Option<&Value>, now: DateTime<Utc>) -> Answer {
        let r = resource.and_then(Value::as_object).ok_or_else(|| {
            invalid("The resource must be a ticket document with 'customerIdentity'")
        })?;
        let customer = str_field(r, "customerIdentity")
            .ok_or_else(|| invalid("'customerIdentity' is required"))?;
        super::config::validate_identity("customerIdentity", customer).map_err(invalid)?;
        let new = NewTicket {
            customer: customer.to_owned(),
            ..NewTicket::default()
        };
        self.new_ticket_from(new, Some(r), now)
    }

    /// `set /tickets/{customerIdentity}` with any content as the ticket's context.
    fn create_for_customer(&mut self, customer: &str, cmd: &Command, now: DateTime<Utc>) -> Answer {
        super::config::validate_identity("customerIdentity", customer).map_err(invalid)?;
        let input = match (&cmd.type_, &cmd.resource) {
            (Some(t), Some(r)) => Some((t.clone(), r.clone())),
            _ => None,
        };
        let new = NewTicket {
            customer: customer.to_owned(),
            input,
            ..NewTicket::default()
        };
        self.new_ticket_from(new, None, now)
    }

    fn list_tickets(&self, query: &str) -> Answer {
        let p = paging(query)?;
        let mut clauses = Vec::new();
        for (k, v) in &p.params {
            if k.eq_ignore_ascii_case("$filter") {
                clauses.extend(filter_clauses(v)?);
            }
        }
        let closed_only = p
            .params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("$closed"))
            .map(|(_, v)| v.eq_ignore_ascii_case("true"));
        let mut selected = Vec::new();
        for t in self.tickets.values().rev() {
            if closed_only.is_some_and(|c| c != t.status.is_closed()) {
                continue;
            }
            let mut keep = true;
            for (prop, value) in &clauses {
                keep &= matches_clause(t, prop, value)?;
            }
            if keep {
                selected.push(t);
            }
        }
        let total = selected.len();
        let items = selected
            .into_iter()
            .skip(p.skip)
            .take(p.take)
            .map(Ticket::render)
            .collect();
        Ok(Some((
            COLLECTION_TYPE,
            collection(TICKET_TYPE, total, items),
        )))
    }

    /// `get /tickets/{id}/messages`: newest first unless `$ascending=true`.
    fn ticket_messages(&self, id: &str, query: &str) -> Answer {
        let p = paging(query)?;
        let t = self.ticket(id).ok_or_else(|| not_found(id))?;
        let mut thread = t.public_thread();
        if !p.ascending {
            thread.reverse();
        }
        let total = thread.len();
        let items = thread
            .into_iter()
            .skip(p.skip)
            .take(p.take)
            .map(ThreadMessage::render)
            .collect();
        Ok(Some((
            COLLECTION_TYPE,
            collection(THREAD_MESSAGE_TYPE, total, items),
        )))
    }

    fn change_tags(&mut self, id: &str, resource: Option<&Value>) -> Answer {
        let r = resource
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("The resource must be a ticket document with 'tags'"))?;
        if let Some(rid) = str_field(r, "id")
            && !rid.eq_ignore_ascii_case(id)
        {
            return Err(invalid(format!(
                "The resource id '{rid}' differs from the ticket '{id}' of the URI"
            )));
        }
        let tags = r
            .get("tags")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("'tags' must be a list of strings"))?
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| invalid("'tags' must be a list of strings"))?;
        let t = self.ticket_mut(id).ok_or_else(|| not_found(id))?;
        if t.status.is_closed() {
            return Err(closed(t));
        }
        t.tags = tags;
        Ok(None)
    }

    /// `set /tickets/{id}/close`: finalizes a ticket the customer closed (`ClosedClient`).
    fn finalize(&mut self, id: &str, resource: Option<&Value>, now: DateTime<Utc>) -> Answer {
        let r = resource.and_then(Value::as_object);
        let tags = match r.and_then(|r| r.get("tags")) {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(
                a.iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<String>>>()
                    .ok_or_else(|| invalid("'tags' must be a list of strings"))?,
            ),
            Some(_) => return Err(invalid("'tags' must be a list of strings")),
        };
        let closed_by = r.and_then(|r| str_field(r, "closedBy")).map(str::to_owned);
        let t = self.ticket_mut(id).ok_or_else(|| not_found(id))?;
        if t.status != Status::ClosedClient || t.closed {
            if t.status.is_closed() {
                return Err(closed(t));
            }
            return Err(Reason::new(
                COMMAND_NOT_ALLOWED,
                format!(
                    "The ticket '{}' is {}: only a ticket closed by the customer (ClosedClient) can be finalized",
                    t.id,
                    t.status.as_str()
                ),
            ));
        }
        t.closed = true;
        t.status_date = Some(now);
        if closed_by.is_some() {
            t.closed_by = closed_by;
        }
        if let Some(tags) = tags {
            t.tags = tags;
        }
        Ok(None)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uris_split_into_decoded_segments() {
        let (s, q) = split_uri("/tickets/abc/messages?$take=5");
        assert_eq!(s, ["tickets", "abc", "messages"]);
        assert_eq!(q, "$take=5");
        let (s, _) = split_uri("lime://bot@msging.net/tickets/a%40b.io");
        assert_eq!(s, ["tickets", "a@b.io"]);
    }

    #[test]
    fn filters_parse_eq_clauses() {
        let c = filter_clauses("(Status eq 'Open') and (CustomerIdentity eq 'x@y')").unwrap();
        assert_eq!(
            c,
            [
                ("status".to_owned(), "Open".to_owned()),
                ("customeridentity".to_owned(), "x@y".to_owned())
            ]
        );
        assert!(filter_clauses("status gt 'x'").is_err());
    }
}
