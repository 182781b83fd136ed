//! A new link starts with both sides' status as Ponte last read them, so the
//! admin API, the CLI and the console show the counterpart's status from the
//! first moment; the router keeps it current from each side's events.

use chrono::Utc;
use ponte_core::{Side, Ticket, TicketRef};

use crate::{Ctx, ExecError};

/// Records the source's status (from its snapshot, when Ponte keeps one)
/// and the counterpart's (as read at link time). Older than what the router
/// already recorded, a reading is dropped by the store.
pub async fn record_link_statuses(
    ctx: &Ctx<'_>,
    link_id: &str,
    source: &TicketRef,
    counterpart_side: Side,
    counterpart: Option<&Ticket>,
) -> Result<(), ExecError> {
    let source_reading: Option<Ticket> = ctx
        .store
        .snapshot(&source.key())
        .await?
        .and_then(|v| serde_json::from_value(v).ok());
    for (side, ticket) in [
        (source.side, source_reading.as_ref()),
        (counterpart_side, counterpart),
    ] {
        if let Some(t) = ticket {
            ctx.store
                .set_link_status(
                    link_id,
                    side,
                    &t.status,
                    t.updated_at.unwrap_or_else(Utc::now),
                )
                .await?;
        }
    }
    Ok(())
}
