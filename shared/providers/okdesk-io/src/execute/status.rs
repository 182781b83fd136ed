//! Setting the status the other side changed to, per the correlation, with
//! `skip_options: ["skip_webhooks"]` so Okdesk does not echo it back. A
//! late change never overwrites a newer one; the status Ponte sets is also
//! marked so a webhook about it (from an Okdesk that ignores the skip) is
//! recognised as Ponte's own.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_core::ids::status_echo;
use ponte_core::{Side, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{OkdeskExecutor, history, unmapped};
use ponte_okdesk::model::NewStatus;

/// How long Ponte's own status change is recognised in a webhook.
const ECHO_WINDOW: Duration = Duration::from_secs(600);

/// What `change_status` sets, where.
pub(super) struct Change<'a> {
    pub link_id: &'a str,
    pub issue_id: &'a str,
    pub origin: &'a TicketRef,
    pub status: &'a str,
    pub changed_at: DateTime<Utc>,
}

impl OkdeskExecutor {
    pub(super) async fn change_status(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        change: Change<'_>,
    ) -> Result<Outcome, ExecError> {
        let Change {
            link_id,
            issue_id,
            origin,
            status,
            changed_at,
        } = change;
        let integration = ctx.integration;
        let mapped = integration
            .correlation
            .status(origin.side, status)
            .map_err(unmapped)?;
        let side_key = side.as_str();
        if let Some(applied) = ctx.store.applied_at(link_id, side_key, "status").await?
            && applied > changed_at
        {
            let detail = format!(
                "status `{status}` from #{} (changed {changed_at}) not applied: a newer change (from {applied}) already was",
                origin.ticket_id
            );
            tracing::info!(%detail, "stale status dropped");
            return Ok(Outcome {
                result: json!({"ticket": issue_id, "stale": true}),
                history: vec![(
                    link_id.to_string(),
                    history(ctx, HistoryKind::Dropped, detail),
                )],
                ..Outcome::default()
            });
        }
        let client = self.client(ctx, side)?;
        let current = client
            .issue(issue_id)
            .await?
            .ok_or_else(|| ExecError::Permanent {
                reason: format!("linked Okdesk issue #{issue_id} does not exist (deleted?)"),
                status: Some("404".into()),
            })?;
        // Okdesk refuses a change to the status the issue already has.
        if current.status_code() != Some(mapped.as_str()) {
            ctx.store
                .mark_echo(
                    &status_echo(&integration.id, side_key, issue_id, &mapped),
                    ECHO_WINDOW,
                )
                .await?;
            client
                .change_status(
                    issue_id,
                    &NewStatus {
                        code: mapped.clone(),
                        skip_options: vec!["skip_webhooks"],
                    },
                )
                .await?;
        }
        ctx.store
            .set_applied_at(link_id, side_key, "status", changed_at)
            .await?;
        let detail = format!(
            "status `{status}` on the {} side #{} → `{mapped}` on Okdesk issue #{issue_id}",
            origin.side.as_str(),
            origin.ticket_id
        );
        Ok(Outcome {
            result: json!({"ticket": issue_id, "status": mapped}),
            history: vec![(
                link_id.to_string(),
                history(ctx, HistoryKind::StatusMirrored, detail),
            )],
            ..Outcome::default()
        })
    }
}
