//! Setting the status the other side changed to, mapped by the
//! correlation. Octadesk sets a status by id (`idCurrentStatus`); the
//! mapped name is looked up in the account's statuses (`GET
//! /tickets/status`), a mapped value that is already an id is used as it
//! is; where the account cannot list its statuses (the legacy API) the
//! system statuses' known ids are used, else the name is sent as
//! `status: {name}` and Octadesk says whether it knows it.

use ponte_worker::effect::{Reading, StatusChange, StatusDesk, set_status};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{OctadeskExecutor, agent_email};
use crate::client::Client;
use ponte_octadesk::model::SYSTEM_STATUSES;

/// Octadesk's part of setting a status.
struct Statuses<'a> {
    client: Client<'a>,
    /// The agent the edit is made as, when configured.
    agent: Option<&'a str>,
}

impl StatusDesk for Statuses<'_> {
    type Plan = Target;

    fn name(&self, ticket_id: &str) -> String {
        format!("Octadesk ticket #{ticket_id}")
    }

    async fn read(&self, ticket_id: &str, status: &str) -> Result<Reading<Target>, ExecError> {
        let Some(current) = self.client.ticket(ticket_id).await? else {
            return Ok(Reading::Gone);
        };
        let target = target(&self.client, status).await?;
        Ok(if target.is(&current, status) {
            Reading::Already
        } else {
            Reading::Write(target)
        })
    }

    async fn write(
        &self,
        ticket_id: &str,
        _status: &str,
        target: Target,
    ) -> Result<Option<String>, ExecError> {
        self.client
            .update_ticket(ticket_id, &target.body(), self.agent)
            .await?;
        Ok(None)
    }
}

impl OctadeskExecutor {
    pub(super) async fn set_status(
        &self,
        ctx: &Ctx<'_>,
        change: StatusChange<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Statuses {
            client: self.client(ctx, change.side)?,
            agent: agent_email(ctx, change.side),
        };
        set_status(ctx, &desk, change).await
    }
}

fn looks_like_id(s: &str) -> bool {
    s.len() == 36
        && s.chars().filter(|c| *c == '-').count() == 4
        && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// How the edit names the status.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Id(String),
    /// The account cannot list its statuses and the name is not a system
    /// one: the name is sent, and Octadesk says whether it knows it.
    Name(String),
}

impl Target {
    fn body(&self) -> serde_json::Value {
        match self {
            Target::Id(id) => json!({"idCurrentStatus": id}),
            Target::Name(n) => json!({"status": {"name": n}}),
        }
    }

    fn is(&self, current: &ponte_octadesk::model::Ticket, name: &str) -> bool {
        let by_name = current
            .status_name
            .as_deref()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()));
        match self {
            Target::Id(id) => by_name || current.status_id.as_deref() == Some(id.as_str()),
            Target::Name(_) => by_name,
        }
    }
}

/// The status Octadesk calls `name`.
async fn target(client: &Client<'_>, name: &str) -> Result<Target, ExecError> {
    if looks_like_id(name) {
        return Ok(Target::Id(name.to_string()));
    }
    let statuses = client.statuses().await?;
    if let Some(s) = statuses
        .iter()
        .find(|s| s.name.trim().eq_ignore_ascii_case(name.trim()))
    {
        return Ok(Target::Id(s.id.clone()));
    }
    if statuses.is_empty() {
        return Ok(SYSTEM_STATUSES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map_or_else(
                || Target::Name(name.trim().to_string()),
                |(_, id)| Target::Id((*id).to_string()),
            ));
    }
    let known: Vec<&str> = statuses.iter().map(|s| s.name.as_str()).collect();
    Err(ExecError::permanent(format!(
        "Octadesk has no status named `{name}` (it has: {}); fix the integration's status correlation",
        known.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_told_from_names() {
        assert!(looks_like_id("b2c80a95-840c-4cd0-baa3-f266f303d626"));
        assert!(!looks_like_id("Resolvido"));
    }
}
