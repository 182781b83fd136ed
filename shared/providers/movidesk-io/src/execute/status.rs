//! Setting the status the other side changed to, per the correlation.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_core::ids::status_echo;
use ponte_core::{Side, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::justify;
use super::{MovideskExecutor, history, side_name, unmapped};
use crate::client::Client;

/// How long Ponte's own status change is recognised in a webhook.
const ECHO_WINDOW: Duration = Duration::from_secs(600);

/// The other side's status change, as the command carries it.
pub(super) struct StatusChange<'a> {
    pub status: &'a str,
    pub changed_at: DateTime<Utc>,
    /// The source ticket's own justification, when it has one.
    pub justification: Option<&'a str>,
}

/// PATCHes `status` with the first justification Movidesk accepts (see
/// [`justify`]); answers the one sent.
async fn patch_status(
    client: &Client<'_>,
    ticket_id: &str,
    status: &str,
    candidates: Vec<Option<String>>,
) -> Result<Option<String>, ExecError> {
    let mut last = None;
    for justification in candidates {
        let mut patch = json!({"status": status});
        if let Some(j) = &justification {
            patch["justification"] = json!(j);
        }
        match client.patch_ticket(ticket_id, &patch).await {
            Ok(()) => return Ok(justification),
            Err(e) if justify::refused_for_justification(&e) => {
                tracing::info!(reason = %e, "justification refused; trying the next one");
                last = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| ExecError::permanent("no justification to try")))
}

impl MovideskExecutor {
    pub(super) async fn change_status(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        ticket_id: &str,
        origin: &TicketRef,
        change: StatusChange<'_>,
    ) -> Result<Outcome, ExecError> {
        let StatusChange {
            status,
            changed_at,
            justification,
        } = change;
        let integration = ctx.integration;
        let mapped = integration
            .correlation
            .status(origin.side, status)
            .map_err(unmapped)?;
        let side_key = side.as_str();
        // A late or retried change never overwrites a newer one.
        if let Some(applied) = ctx.store.applied_at(link_id, side_key, "status").await?
            && applied > changed_at
        {
            let detail = format!(
                "status `{status}` from #{} (changed {changed_at}) not applied: a newer change (from {applied}) already was",
                origin.ticket_id
            );
            tracing::info!(%detail, "stale status dropped");
            return Ok(Outcome {
                result: json!({"ticket": ticket_id, "stale": true}),
                history: vec![(
                    link_id.to_string(),
                    history(ctx, HistoryKind::Dropped, detail),
                )],
                ..Outcome::default()
            });
        }
        let client = self.client(ctx, side)?;
        let current = client
            .ticket(ticket_id)
            .await?
            .ok_or_else(|| ExecError::Permanent {
                reason: format!(
                    "linked ticket #{ticket_id} does not exist on the {side_key} side (deleted?)"
                ),
                status: Some("404".into()),
            })?;
        let mut sent = None;
        if current.status.as_deref() != Some(mapped.as_str()) {
            // Marked first: the provider's webhook may arrive before the
            // PATCH returns.
            ctx.store
                .mark_echo(
                    &status_echo(&integration.id, side_key, ticket_id, &mapped),
                    ECHO_WINDOW,
                )
                .await?;
            // The source's justification, the table's, none, the default:
            // the first Movidesk accepts.
            let candidates = justify::candidates(&integration.correlation, &mapped, justification);
            sent = patch_status(&client, ticket_id, &mapped, candidates).await?;
        }
        ctx.store
            .set_applied_at(link_id, side_key, "status", changed_at)
            .await?;
        let with = sent
            .as_deref()
            .map(|j| format!(" (justification `{j}`)"))
            .unwrap_or_default();
        let detail = format!(
            "status `{status}` on the {} side #{} → `{mapped}`{with} on #{ticket_id}",
            side_name(origin.side),
            origin.ticket_id
        );
        Ok(Outcome {
            result: json!({"ticket": ticket_id, "status": mapped, "justification": sent}),
            history: vec![(
                link_id.to_string(),
                history(ctx, HistoryKind::StatusMirrored, detail),
            )],
            ..Outcome::default()
        })
    }
}
