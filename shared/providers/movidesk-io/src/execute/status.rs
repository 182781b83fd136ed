//! Movidesk's part of setting the status the other side changed to (the
//! sequence is [`ponte_worker::effect::set_status`]).

use ponte_worker::effect::{Reading, StatusChange, StatusDesk, set_status};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{MovideskExecutor, justify};
use crate::client::Client;

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

/// Movidesk's part of setting a status: the ticket's status by name, and
/// a PATCH with the first justification Movidesk accepts.
struct Statuses<'a> {
    client: Client<'a>,
    /// The justifications to try, per status, built from the correlation.
    correlation: &'a ponte_core::correlation::Correlation,
    /// The source ticket's own justification, when it has one.
    justification: Option<&'a str>,
}

impl StatusDesk for Statuses<'_> {
    type Plan = ();

    fn name(&self, ticket_id: &str) -> String {
        format!("#{ticket_id}")
    }

    async fn read(&self, ticket_id: &str, status: &str) -> Result<Reading<()>, ExecError> {
        Ok(match self.client.ticket(ticket_id).await? {
            None => Reading::Gone,
            Some(t) if t.status.as_deref() == Some(status) => Reading::Already,
            Some(_) => Reading::Write(()),
        })
    }

    async fn write(
        &self,
        ticket_id: &str,
        status: &str,
        (): (),
    ) -> Result<Option<String>, ExecError> {
        // The source's justification, the table's, none, the default: the
        // first Movidesk accepts.
        let candidates = justify::candidates(self.correlation, status, self.justification);
        let sent = patch_status(&self.client, ticket_id, status, candidates).await?;
        Ok(sent.map(|j| format!("justification `{j}`")))
    }
}

impl MovideskExecutor {
    pub(super) async fn set_status(
        &self,
        ctx: &Ctx<'_>,
        change: StatusChange<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Statuses {
            client: self.client(ctx, change.side)?,
            correlation: &ctx.integration.correlation,
            justification: change.justification,
        };
        set_status(ctx, &desk, change).await
    }
}
