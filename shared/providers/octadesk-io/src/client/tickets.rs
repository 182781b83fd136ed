//! Tickets, their interactions and the account's statuses.
//!
//! | | legacy | v1 |
//! |---|---|---|
//! | read | `GET /tickets/{number}` | same |
//! | interactions | `GET /tickets/{number}/interactions` | same |
//! | create | `POST /tickets` → `number` | same |
//! | edit | `PUT /tickets/{number}` (partial) | same, `octa-agent-email` |
//! | by tag | `GET /tickets/search?tags=` (else the `GET /tickets` list) | `GET /tickets?filters[0][property]=tags…` |
//! | a requester's | `GET /tickets?idRequester=` | `GET /tickets?filters[0][property]=requester.id…` |
//! | statuses | `GET /tickets/status`, else `/workflow/available-status` | `GET /tickets/status` |
//!
//! Searches are filtered again here: an answer that ignores a filter
//! cannot make Ponte take another ticket for the one it looks for.

use reqwest::Method;
use serde_json::Value;

use super::{Client, Request};
use crate::auth::Api;
use ponte_octadesk::de::{self, text};
use ponte_octadesk::model::{Interaction, Status, Ticket};
use ponte_worker::ExecError;

fn v1_filter<'b>(req: Request<'b>, i: usize, property: &str, op: &str, value: &str) -> Request<'b> {
    req.query(format!("filters[{i}][property]"), property)
        .query(format!("filters[{i}][operator]"), op)
        .query(format!("filters[{i}][value]"), value)
}

impl Client<'_> {
    pub async fn ticket(&self, number: &str) -> Result<Option<Ticket>, ExecError> {
        let found = self
            .send_opt(Request::get(format!("/tickets/{}", path_part(number))))
            .await?;
        Ok(found.as_ref().and_then(Ticket::from_value))
    }

    /// The ticket's interactions, oldest first; a ticket whose
    /// interactions cannot be listed (404) has none to tell.
    pub async fn interactions(&self, number: &str) -> Result<Vec<Interaction>, ExecError> {
        let found = self
            .send_opt(Request::get(format!(
                "/tickets/{}/interactions",
                path_part(number)
            )))
            .await?;
        let mut list: Vec<Interaction> = found
            .as_ref()
            .map(de::list)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, v)| Interaction::from_value(v, i))
            .collect();
        // Oldest first, whatever order the API used (stable for equal
        // or missing dates).
        list.sort_by_key(|i| i.created_at);
        Ok(list)
    }

    /// Creates a ticket; its number and, when the answer is the ticket,
    /// the ticket as created.
    pub async fn create_ticket(&self, body: &Value) -> Result<(String, Option<Ticket>), ExecError> {
        let answer = self
            .send(Request::with_body(Method::POST, "/tickets", body))
            .await?;
        let number = text(
            &answer,
            &["number", "ticketNumber", "data.number", "ticket.number"],
        )
        .or_else(|| de::scalar(&answer))
        .ok_or_else(|| ExecError::Permanent {
            reason: "Octadesk POST /tickets answered without a ticket number".into(),
            status: None,
        })?;
        let full = Ticket::from_value(&answer).filter(|t| t.number == number);
        Ok((number, full))
    }

    /// A partial edit, attributed to `agent` where the API allows it.
    pub async fn update_ticket(
        &self,
        number: &str,
        body: &Value,
        agent: Option<&str>,
    ) -> Result<(), ExecError> {
        self.send(
            Request::with_body(Method::PUT, format!("/tickets/{}", path_part(number)), body)
                .by_agent(agent),
        )
        .await?;
        Ok(())
    }

    /// Numbers of the tickets carrying `tag`.
    pub async fn tickets_tagged(&self, tag: &str) -> Result<Vec<String>, ExecError> {
        let found = match self.api() {
            // Accounts without the search answer 404: their list is read.
            Api::Legacy => match self
                .send_opt(Request::get("/tickets/search").query("tags", tag))
                .await?
            {
                Some(v) => v,
                None => self
                    .send_opt(Request::get("/tickets"))
                    .await?
                    .unwrap_or(Value::Null),
            },
            Api::V1 => self
                .send_opt(
                    v1_filter(Request::get("/tickets"), 0, "tags", "eq", tag).query("limit", "100"),
                )
                .await?
                .unwrap_or(Value::Null),
        };
        Ok(de::list(&found)
            .iter()
            .filter_map(Ticket::from_value)
            .filter(|t| t.tags.iter().any(|x| x.eq_ignore_ascii_case(tag)))
            .map(|t| t.number)
            .collect())
    }

    /// Tickets of a requester, newest first.
    pub async fn tickets_of(&self, requester_id: &str) -> Result<Vec<Ticket>, ExecError> {
        let req = match self.api() {
            Api::Legacy => Request::get("/tickets").query("idRequester", requester_id),
            Api::V1 => v1_filter(
                Request::get("/tickets"),
                0,
                "requester.id",
                "eq",
                requester_id,
            )
            .query("sort[property]", "createdAt")
            .query("sort[direction]", "desc")
            .query("limit", "100"),
        };
        let found = self.send_opt(req).await?.unwrap_or(Value::Null);
        let mut tickets: Vec<Ticket> = de::list(&found)
            .iter()
            .filter_map(Ticket::from_value)
            .filter(|t| {
                t.requester
                    .as_ref()
                    .is_none_or(|r| r.id.as_deref().is_none_or(|id| id == requester_id))
            })
            .collect();
        tickets.sort_by_key(|t| std::cmp::Reverse(t.created_at));
        Ok(tickets)
    }

    /// The account's ticket statuses (`[]` when it cannot list them).
    pub async fn statuses(&self) -> Result<Vec<Status>, ExecError> {
        let mut paths = vec!["/tickets/status"];
        if self.api() == Api::Legacy {
            paths.push("/workflow/available-status");
        }
        for path in paths {
            if let Some(v) = self.send_opt(Request::get(path)).await? {
                let list: Vec<Status> =
                    de::list(&v).iter().filter_map(Status::from_value).collect();
                if !list.is_empty() {
                    return Ok(list);
                }
            }
        }
        Ok(vec![])
    }
}

/// A ticket number as a path segment: numbers and uuids pass, anything
/// that could change the path is dropped.
fn path_part(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}
