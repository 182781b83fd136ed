//! Taking Ponte's marker off a ticket of a link an agent removed, once,
//! whatever happens to the provider's answers: the ticket's tags are read
//! and written without the marker; a ticket that no longer carries it (an
//! earlier try's write went through) or no longer exists is already done.

use std::future::Future;

use ponte_core::Side;
use ponte_store::HistoryKind;
use serde_json::json;

use crate::effect::history;
use crate::{Ctx, ExecError, Outcome};

/// A desk that keeps Ponte's marker as a tag on its tickets.
pub trait TagDesk: Send + Sync {
    /// The ticket's tags; `None` when the ticket does not exist.
    fn tags(
        &self,
        ticket_id: &str,
    ) -> impl Future<Output = Result<Option<Vec<String>>, ExecError>> + Send;

    /// Replaces the ticket's tags with `tags`.
    fn set_tags(
        &self,
        ticket_id: &str,
        tags: &[String],
    ) -> impl Future<Output = Result<(), ExecError>> + Send;
}

/// The ticket of a removed link whose marker is taken off.
#[derive(Debug, Clone, Copy)]
pub struct Marked<'a> {
    pub link_id: &'a str,
    pub side: Side,
    pub ticket_id: &'a str,
    pub marker: &'a str,
}

impl<'a> Marked<'a> {
    pub fn new(link_id: &'a str, side: Side, ticket_id: &'a str, marker: &'a str) -> Self {
        Marked {
            link_id,
            side,
            ticket_id,
            marker,
        }
    }
}

/// Removes `marked.marker` from the ticket's tags and says so in the
/// link's history.
pub async fn remove_marker<D: TagDesk>(
    ctx: &Ctx<'_>,
    desk: &D,
    marked: Marked<'_>,
) -> Result<Outcome, ExecError> {
    let Marked {
        link_id,
        side,
        ticket_id,
        marker,
    } = marked;
    let removed = match desk.tags(ticket_id).await? {
        Some(tags) if tags.iter().any(|t| t == marker) => {
            let kept: Vec<String> = tags.into_iter().filter(|t| t != marker).collect();
            desk.set_tags(ticket_id, &kept).await?;
            true
        }
        _ => false,
    };
    let detail = if removed {
        format!(
            "marker {marker} taken off #{ticket_id} on the {} side",
            side.as_str()
        )
    } else {
        format!(
            "#{ticket_id} on the {} side carries no marker {marker} any more",
            side.as_str()
        )
    };
    Ok(Outcome {
        result: json!({"ticket": ticket_id, "marker": marker, "removed": removed}),
        history: vec![(
            link_id.to_string(),
            history(ctx, HistoryKind::Removed, detail),
        )],
        ..Outcome::default()
    })
}
