//! Setting the status the other side changed to, mapped by the
//! correlation. Octadesk sets a status by id (`idCurrentStatus`); the
//! mapped name is looked up in the account's statuses (`GET
//! /tickets/status`), a mapped value that is already an id is used as it
//! is; where the account cannot list its statuses (the legacy API) the
//! system statuses' known ids are used, else the name is sent as
//! `status: {name}` and Octadesk says whether it knows it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_core::ids::status_echo;
use ponte_core::{Side, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{OctadeskExecutor, agent_email, history, unmapped};
use crate::client::Client;
use ponte_octadesk::model::SYSTEM_STATUSES;

/// How long Ponte's own status change is recognised in a webhook.
const ECHO_WINDOW: Duration = Duration::from_secs(600);

pub(super) struct Change<'a> {
    pub link_id: &'a str,
    pub ticket_id: &'a str,
    pub origin: &'a TicketRef,
    pub status: &'a str,
    pub changed_at: DateTime<Utc>,
}

impl OctadeskExecutor {
    pub(super) async fn change_status(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        c: Change<'_>,
    ) -> Result<Outcome, ExecError> {
        let integration = ctx.integration;
        let mapped = integration
            .correlation
            .status(c.origin.side, c.status)
            .map_err(unmapped)?;
        let side_key = side.as_str();
        // A late or retried change never overwrites a newer one.
        if let Some(applied) = ctx.store.applied_at(c.link_id, side_key, "status").await?
            && applied > c.changed_at
        {
            let detail = format!(
                "status `{}` from #{} (changed {}) not applied: a newer change (from {applied}) already was",
                c.status, c.origin.ticket_id, c.changed_at
            );
            tracing::info!(%detail, "stale status dropped");
            return Ok(Outcome {
                result: json!({"ticket": c.ticket_id, "stale": true}),
                history: vec![(
                    c.link_id.to_string(),
                    history(ctx, HistoryKind::Dropped, detail),
                )],
                ..Outcome::default()
            });
        }
        let client = self.client(ctx, side)?;
        let current = client
            .ticket(c.ticket_id)
            .await?
            .ok_or_else(|| ExecError::Permanent {
                reason: format!(
                    "linked Octadesk ticket #{} does not exist on the {side_key} side (deleted?)",
                    c.ticket_id
                ),
                status: Some("404".into()),
            })?;
        let target = target(&client, &mapped).await?;
        let already = target.is(&current, &mapped);
        if !already {
            // Marked first: Octadesk's webhook may arrive before the PUT
            // returns.
            ctx.store
                .mark_echo(
                    &status_echo(&integration.id, side_key, c.ticket_id, &mapped),
                    ECHO_WINDOW,
                )
                .await?;
            client
                .update_ticket(c.ticket_id, &target.body(), agent_email(ctx, side))
                .await?;
        }
        ctx.store
            .set_applied_at(c.link_id, side_key, "status", c.changed_at)
            .await?;
        let detail = format!(
            "status `{}` on the {} side #{} → `{mapped}` on Octadesk #{}",
            c.status,
            c.origin.side.as_str(),
            c.origin.ticket_id,
            c.ticket_id
        );
        Ok(Outcome {
            result: json!({"ticket": c.ticket_id, "status": mapped, "already": already}),
            history: vec![(
                c.link_id.to_string(),
                history(ctx, HistoryKind::StatusMirrored, detail),
            )],
            ..Outcome::default()
        })
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
