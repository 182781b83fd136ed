//! Setting the status the other side changed to, per the correlation.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_core::ids::status_echo;
use ponte_core::{Side, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{MovideskExecutor, history, side_name, unmapped};

/// How long Ponte's own status change is recognised in a webhook.
const ECHO_WINDOW: Duration = Duration::from_secs(600);

impl MovideskExecutor {
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn change_status(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        ticket_id: &str,
        origin: &TicketRef,
        status: &str,
        changed_at: DateTime<Utc>,
    ) -> Result<Outcome, ExecError> {
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
        if current.status.as_deref() != Some(mapped.as_str()) {
            // Marked first: the provider's webhook may arrive before the
            // PATCH returns.
            ctx.store
                .mark_echo(
                    &status_echo(&integration.id, side_key, ticket_id, &mapped),
                    ECHO_WINDOW,
                )
                .await?;
            // A status the desk requires a justification for gets the
            // correlated one (table, else default).
            let mut patch = json!({"status": mapped});
            if let Some(j) = integration.correlation.justification(&mapped) {
                patch["justification"] = json!(j);
            }
            client.patch_ticket(ticket_id, &patch).await?;
        }
        ctx.store
            .set_applied_at(link_id, side_key, "status", changed_at)
            .await?;
        let detail = format!(
            "status `{status}` on the {} side #{} → `{mapped}` on #{ticket_id}",
            side_name(origin.side),
            origin.ticket_id
        );
        Ok(Outcome {
            result: json!({"ticket": ticket_id, "status": mapped}),
            history: vec![(
                link_id.to_string(),
                history(ctx, HistoryKind::StatusMirrored, detail),
            )],
            ..Outcome::default()
        })
    }
}
