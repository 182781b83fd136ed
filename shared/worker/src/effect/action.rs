//! Mirroring an action from the other side onto the linked ticket, once,
//! whatever happens to the provider's answers.
//!
//! The sequence every desk shares: every write carries Ponte's reference
//! (derived from the command id, so each try of one command writes the
//! same); before writing, the ticket is searched for it when an earlier try
//! may have written (the command is resumed), when the desk reads the
//! ticket anyway, or, for a desk that asks, unless Redis proves this is the
//! first try (`first_try`); found → nothing is written again. Then the
//! history line names the action, its author and where it went.

use std::future::Future;

use ponte_core::ids::reference;
use ponte_core::{Action, CustomField, Person, Side, TicketRef};
use ponte_store::{HistoryEntry, HistoryKind};
use serde_json::json;

use crate::effect::{first_try, history};
use crate::{Ctx, ExecError, Outcome};

/// The action to mirror, and where.
#[derive(Debug, Clone, Copy)]
pub struct Mirror<'a> {
    pub link_id: &'a str,
    /// The side the action is written on.
    pub side: Side,
    pub ticket_id: &'a str,
    /// The ticket the action was added to.
    pub origin: &'a TicketRef,
    pub action: &'a Action,
    /// A channel customer's own message (written as theirs, public).
    pub from_customer: bool,
    /// The other side's custom fields, for a desk that carries them.
    pub fields: &'a [CustomField],
}

/// A desk's part of mirroring an action.
pub trait ActionDesk: Send + Sync {
    /// How the history line names the ticket, e.g. `Okdesk issue #7`.
    fn name(&self, ticket_id: &str) -> String;

    /// What the action becomes on this desk, e.g. `internal comment`.
    fn written_as(&self, from_customer: bool) -> &'static str;

    /// When to look for the reference before writing, besides when the
    /// command is resumed.
    fn looks(&self, _mirror: &Mirror<'_>) -> Looks {
        Looks::WhenResumed
    }

    /// Whether the ticket carries an action with `reference`; `None` when
    /// this desk cannot be searched (the documented cost: a lost answer
    /// may then be written twice).
    fn find(
        &self,
        mirror: &Mirror<'_>,
        reference: &str,
    ) -> impl Future<Output = Result<Option<bool>, ExecError>> + Send;

    /// Writes the action carrying `reference`; answers further history
    /// lines (e.g. fields that could not be mirrored with it).
    fn write(
        &self,
        mirror: &Mirror<'_>,
        reference: &str,
    ) -> impl Future<Output = Result<Vec<HistoryEntry>, ExecError>> + Send;
}

/// When a desk looks for an earlier try's action before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looks {
    /// Only when Redis remembers an unfinished try of the command.
    WhenResumed,
    /// Also when Redis cannot prove there was no earlier try (it may have
    /// lost the record): for desks whose every write counts.
    UnlessProvenFirst,
    /// Always: the write reads the ticket anyway, so the look costs no call.
    Always,
}

/// Who wrote an action, as history lines name them.
pub fn who(p: &Person) -> &str {
    p.name
        .as_deref()
        .or(p.email.as_deref())
        .or(p.phone.as_deref())
        .or(p.id.as_deref())
        .unwrap_or("?")
}

/// Mirrors `mirror.action`; see the module.
pub async fn mirror_action<D: ActionDesk>(
    ctx: &Ctx<'_>,
    desk: &D,
    mirror: Mirror<'_>,
) -> Result<Outcome, ExecError> {
    let reference = reference(ctx.command_id);
    let look = ctx.resumed
        || match desk.looks(&mirror) {
            Looks::WhenResumed => false,
            Looks::Always => true,
            Looks::UnlessProvenFirst => !first_try::proven(ctx, mirror.action.created_at).await?,
        };
    let found = if look {
        match desk.find(&mirror, &reference).await? {
            Some(found) => found,
            None => {
                tracing::warn!(
                    "this ticket cannot be searched; cannot check for the action an earlier try may have written"
                );
                false
            }
        }
    } else {
        false
    };
    let extra = if found {
        tracing::warn!("the action an earlier try wrote is there; not writing it again");
        Vec::new()
    } else {
        desk.write(&mirror, &reference).await?
    };
    let Mirror {
        link_id,
        ticket_id,
        origin,
        action,
        from_customer,
        ..
    } = mirror;
    let detail = format!(
        "action {} by {} on the {} side #{} → {} on {}",
        action.id,
        who(&action.author),
        origin.side.as_str(),
        origin.ticket_id,
        desk.written_as(from_customer),
        desk.name(ticket_id)
    );
    let mut lines = vec![history(ctx, HistoryKind::ActionMirrored, detail)];
    lines.extend(extra);
    Ok(Outcome {
        result: json!({"ticket": ticket_id, "mirrored_action": action.id, "found_after_crash": found}),
        history: lines
            .into_iter()
            .map(|l| (link_id.to_string(), l))
            .collect(),
        ..Outcome::default()
    })
}
