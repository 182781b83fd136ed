//! Manual mode's "associate": link a source ticket with an existing Okdesk
//! issue. Okdesk has no tags to write the marker on; the link lives in
//! Redis and its history.

use chrono::Utc;
use ponte_core::{Link, LinkOrigin, Side, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{OkdeskExecutor, history};

impl OkdeskExecutor {
    pub(super) async fn link(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        source: &TicketRef,
        issue_id: &str,
    ) -> Result<Outcome, ExecError> {
        let integration = ctx.integration;
        if let Some(existing) = ctx
            .store
            .link_of(&integration.id, source.side, &source.ticket_id)
            .await?
        {
            if existing.target_ticket == issue_id {
                return Ok(Outcome {
                    result: json!({"link": existing.id, "already": true}),
                    ..Outcome::default()
                });
            }
            return Err(ExecError::permanent(format!(
                "ticket #{} is already linked to #{}; remove that link first",
                source.ticket_id, existing.target_ticket
            )));
        }
        if let Some(other) = ctx.store.link_of(&integration.id, side, issue_id).await? {
            return Err(ExecError::permanent(format!(
                "Okdesk issue #{issue_id} is already linked to #{}",
                other.source_ticket
            )));
        }
        let client = self.client(ctx, side)?;
        if client.issue(issue_id).await?.is_none() {
            return Err(ExecError::Permanent {
                reason: format!("Okdesk issue #{issue_id} does not exist"),
                status: Some("404".into()),
            });
        }
        let link = Link {
            id: link_id.to_string(),
            integration: integration.id.clone(),
            source_ticket: source.ticket_id.clone(),
            target_ticket: issue_id.to_string(),
            origin: LinkOrigin::Associated,
            created_at: Utc::now(),
        };
        ctx.store.put_link(&link).await?;
        ctx.store
            .remove_eligible(&integration.id, &source.ticket_id)
            .await?;
        let detail = format!(
            "#{} associated with the existing Okdesk issue #{issue_id} by an agent",
            source.ticket_id
        );
        Ok(Outcome {
            result: json!({"link": link.id}),
            history: vec![(
                link.id.clone(),
                history(ctx, HistoryKind::Associated, detail),
            )],
            ..Outcome::default()
        })
    }
}
