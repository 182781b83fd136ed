use ponte_core::Side;

use crate::{Ctx, ExecError};

/// The pair's ticket on `side`, read from the link when a command runs.
/// Commands of a pair share its shard and run after its create; a link
/// that is not there yet (a create on another provider's queue) is worth
/// another try; a removed one is final.
pub async fn pair_ticket(ctx: &Ctx<'_>, link_id: &str, side: Side) -> Result<String, ExecError> {
    match ctx.store.link(link_id).await? {
        Some(link) => Ok(link.ticket_on(side).to_string()),
        None if ctx.store.link_removed(link_id).await? => Err(ExecError::permanent(format!(
            "link {link_id} was removed; nothing crosses any more"
        ))),
        None => Err(ExecError::Transient {
            reason: format!("link {link_id} does not exist yet (its create may still be running)"),
            status: None,
            retry_after: None,
        }),
    }
}
