//! Manual mode's "associate": linking a source ticket with a ticket that
//! already exists on the other side, once, whatever happens to the
//! provider's answers.
//!
//! The sequence every desk shares: the pair already linked → nothing to
//! do (a retry after a lost answer lands here); the source linked to
//! another ticket, or the chosen ticket to another source → a permanent
//! failure naming the link to remove; the chosen ticket gone → a permanent
//! failure naming it. Otherwise link both ways, show the link on the
//! provider's tickets (marker, counterpart field) where it keeps one, start
//! the link with both sides' status, and keep what the ticket holds now as
//! its baseline: its past does not cross, only what happens from now on.

use std::future::Future;

use chrono::Utc;
use ponte_core::{Link, LinkOrigin, Provider, Side, Ticket, TicketRef};
use ponte_store::HistoryKind;
use serde_json::json;

use crate::effect::history;
use crate::{Ctx, Deferred, ExecError, Outcome};

/// What a desk found when it read the ticket to associate.
#[derive(Debug)]
pub enum Existing {
    /// The ticket does not exist.
    Missing,
    /// The ticket exists; `baseline` is its state for providers whose
    /// webhooks are hints to re-read (Ponte keeps a snapshot of them).
    Found { baseline: Option<Box<Ticket>> },
}

/// A desk's part of associating.
pub trait AssociateDesk: Send + Sync {
    fn provider(&self) -> Provider;

    /// How errors and the history line name the ticket, e.g. `Okdesk issue #7`.
    fn name(&self, ticket_id: &str) -> String;

    /// Why this ticket cannot be associated at all (a conversation is
    /// not a ticket), before anything is read.
    fn refusal(&self, _ticket_id: &str) -> Option<String> {
        None
    }

    /// Reads the ticket to associate.
    fn read(&self, ticket_id: &str) -> impl Future<Output = Result<Existing, ExecError>> + Send;

    /// Shows the link on this provider's tickets: the associated ticket,
    /// and the source when this desk holds it too. Called on every try,
    /// so it must find its own earlier write.
    fn mark(
        &self,
        ticket_id: &str,
        source: &TicketRef,
    ) -> impl Future<Output = Result<(), ExecError>> + Send;
}

/// The pair an agent asked to associate.
#[derive(Debug, Clone, Copy)]
pub struct Association<'a> {
    pub link_id: &'a str,
    /// The side of the existing ticket.
    pub side: Side,
    pub source: &'a TicketRef,
    pub ticket_id: &'a str,
}

impl<'a> Association<'a> {
    pub fn new(link_id: &'a str, side: Side, source: &'a TicketRef, ticket_id: &'a str) -> Self {
        Association {
            link_id,
            side,
            source,
            ticket_id,
        }
    }
}

/// Links the pair; see the module.
pub async fn associate<D: AssociateDesk>(
    ctx: &Ctx<'_>,
    desk: &D,
    pair: Association<'_>,
) -> Result<Outcome, ExecError> {
    let Association {
        link_id,
        side,
        source,
        ticket_id,
    } = pair;
    let integration = ctx.integration;
    if let Some(reason) = desk.refusal(ticket_id) {
        return Err(ExecError::permanent(reason));
    }
    if let Some(existing) = ctx
        .store
        .link_of(&integration.id, source.side, &source.ticket_id)
        .await?
    {
        if existing.target_ticket == ticket_id {
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
    if let Some(other) = ctx.store.link_of(&integration.id, side, ticket_id).await? {
        return Err(ExecError::permanent(format!(
            "{} on the {} side is already linked to #{}",
            desk.name(ticket_id),
            side.as_str(),
            other.source_ticket
        )));
    }
    let baseline = match desk.read(ticket_id).await? {
        Existing::Missing => {
            return Err(ExecError::Permanent {
                reason: format!(
                    "{} does not exist on the {} side",
                    desk.name(ticket_id),
                    side.as_str()
                ),
                status: Some(404),
            });
        }
        Existing::Found { baseline } => baseline,
    };
    let link = Link {
        id: link_id.to_string(),
        integration: integration.id.clone(),
        source_ticket: source.ticket_id.clone(),
        target_ticket: ticket_id.to_string(),
        origin: LinkOrigin::Associated,
        created_at: Utc::now(),
    };
    ctx.store.put_link(&link).await?;
    ctx.store
        .remove_eligible(&integration.id, &source.ticket_id)
        .await?;
    desk.mark(ticket_id, source).await?;
    crate::record_link_statuses(ctx, &link.id, source, side, baseline.as_deref()).await?;
    let at = TicketRef {
        integration: integration.id.clone(),
        side,
        provider: desk.provider(),
        ticket_id: ticket_id.to_string(),
    };
    let deferred = baseline
        .map(|t| Deferred::Snapshot {
            ticket_key: at.key(),
            value: serde_json::to_value(&t).unwrap_or_default(),
        })
        .into_iter()
        .collect();
    let detail = format!(
        "#{} associated with the existing {} by an agent",
        source.ticket_id,
        desk.name(ticket_id)
    );
    Ok(Outcome {
        result: json!({"link": link.id}),
        history: vec![(
            link.id.clone(),
            history(ctx, HistoryKind::Associated, detail),
        )],
        deferred,
        ..Outcome::default()
    })
}
