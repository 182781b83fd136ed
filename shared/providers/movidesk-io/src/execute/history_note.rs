//! `history_in_ticket`: Ponte's link history lines also written as internal
//! actions on the linked Movidesk tickets, once each (decision 75).
//!
//! A line is written after the command's own effect, by the integration's
//! agent on that side, with a reference derived from the line's cause: a
//! try that may follow an earlier one (a retry, a redelivery) looks for the
//! reference on the ticket before writing, so a line is never written twice.

use ponte_core::ids::{derive, reference};
use ponte_core::{Link, Provider, Side};
use ponte_store::{HistoryEntry, HistoryKind};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{MovideskExecutor, html_escape};

/// Lines not copied: a mirrored action is on the ticket already.
fn copied(kind: &HistoryKind) -> bool {
    !matches!(kind, HistoryKind::ActionMirrored)
}

fn label(kind: &HistoryKind) -> &'static str {
    match kind {
        HistoryKind::CreatedAutomatically => "integrated ticket created automatically",
        HistoryKind::CreatedManually => "integrated ticket created by an agent",
        HistoryKind::Associated => "ticket associated",
        HistoryKind::Removed => "link removed",
        HistoryKind::ActionMirrored => "action mirrored",
        HistoryKind::StatusMirrored => "status mirrored",
        HistoryKind::FieldsMirrored => "fields mirrored",
        HistoryKind::Failed => "failed",
        HistoryKind::Dropped => "not mirrored",
    }
}

/// The internal action's text: what happened, and Ponte's reference.
fn note_html(kind: &HistoryKind, detail: &str, reference: &str) -> String {
    format!(
        "<p><b>Ponte · {}</b></p><p>{}</p><p><small>via Ponte · {reference}</small></p>",
        label(kind),
        html_escape(detail)
    )
}

/// The reference of `kind`'s line caused by `cause` on `side` of `link`.
fn note_reference(link_id: &str, side: Side, kind: &HistoryKind, cause: &str) -> String {
    reference(&derive(&[
        "history-note",
        link_id,
        side.as_str(),
        &format!("{kind:?}"),
        cause,
    ]))
}

/// The Movidesk sides of `integration` that want history lines.
fn sides(ctx: &Ctx<'_>) -> Vec<Side> {
    [Side::Source, Side::Target]
        .into_iter()
        .filter(|s| {
            let e = ctx.integration.endpoint(*s);
            e.provider == Provider::Movidesk && e.view.history_in_ticket
        })
        .collect()
}

impl MovideskExecutor {
    /// Writes the outcome's history lines on the linked tickets whose side
    /// asks for them (`only` that side's, when the line is about one
    /// ticket). No call at all when no side does.
    pub(super) async fn history_in_ticket(
        &self,
        ctx: &Ctx<'_>,
        outcome: &Outcome,
        only: Option<Side>,
    ) -> Result<(), ExecError> {
        let mut sides = sides(ctx);
        if let Some(only) = only {
            sides.retain(|s| *s == only);
        }
        if sides.is_empty() {
            return Ok(());
        }
        for (link_id, entry) in outcome.history.iter().filter(|(_, e)| copied(&e.kind)) {
            let Some(link) = self.link_or_removed(ctx, link_id).await? else {
                continue;
            };
            for side in &sides {
                self.note(ctx, *side, link.ticket_on(*side), link_id, entry)
                    .await?;
            }
        }
        Ok(())
    }

    async fn link_or_removed(
        &self,
        ctx: &Ctx<'_>,
        link_id: &str,
    ) -> Result<Option<Link>, ExecError> {
        Ok(match ctx.links().link(link_id).await? {
            Some(link) => Some(link),
            None => ctx.links().removed_link(link_id).await?,
        })
    }

    async fn note(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket_id: &str,
        link_id: &str,
        entry: &HistoryEntry,
    ) -> Result<(), ExecError> {
        let Some(author) = ctx.integration.agent(side).filter(|a| !a.is_empty()) else {
            return Err(ExecError::permanent(format!(
                "{}.history_in_ticket needs an agent to write as on that side",
                side.as_str()
            )));
        };
        let client = self.client(ctx, side)?;
        let reference = note_reference(link_id, side, &entry.kind, &entry.cause);
        // Only a try that may follow an earlier one can find its line
        // written: the first try saves the read.
        if (ctx.resumed || ctx.attempt > 0)
            && let Some(current) = client.ticket(ticket_id).await?
            && current
                .actions
                .iter()
                .any(|a| super::action::carries(a, &reference))
        {
            tracing::info!(ticket = %ticket_id, "the history line is on the ticket already");
            return Ok(());
        }
        let patch = json!({
            "actions": [{
                "type": 1,
                "description": note_html(&entry.kind, &entry.detail, &reference),
                "createdBy": {"id": author},
            }]
        });
        client.patch_ticket(ticket_id, &patch).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_as_what_happened_with_its_own_reference() {
        let html = note_html(
            &HistoryKind::StatusMirrored,
            "status <Novo> → Resolvido",
            "ponte ref abc",
        );
        assert!(html.contains("status mirrored"));
        assert!(html.contains("status &lt;Novo&gt; → Resolvido"));
        assert!(html.contains("ponte ref abc"));
    }

    #[test]
    fn each_side_and_cause_has_its_reference_and_a_repeat_the_same() {
        let k = HistoryKind::CreatedAutomatically;
        let a = note_reference("mm:1", Side::Source, &k, "cmd-1");
        assert_eq!(a, note_reference("mm:1", Side::Source, &k, "cmd-1"));
        assert_ne!(a, note_reference("mm:1", Side::Target, &k, "cmd-1"));
        assert_ne!(a, note_reference("mm:1", Side::Source, &k, "cmd-2"));
        assert!(!copied(&HistoryKind::ActionMirrored));
        assert!(copied(&HistoryKind::StatusMirrored));
    }
}
