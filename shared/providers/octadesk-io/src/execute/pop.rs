//! "Waiting for answer". Octadesk's public APIs have no screen-pop (no
//! call or agent-screen endpoint is documented), so nothing is sent: the
//! command succeeds, the call's ringing goes into Ponte's call history,
//! and the result says why no card was shown. Failing would park every
//! ringing call in the dead-letter queue for something no replay can fix;
//! the call's lasting effects — the missed-call ticket, the note on the
//! caller's ticket — come from the later events.

use ponte_core::Call;
use ponte_store::CallOutcome;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::calls::{self, Update};

pub(crate) const NO_SCREEN_POP: &str =
    "Octadesk has no screen-pop API: no card was shown; the call is in Ponte's call history";

pub(super) async fn pop_caller_card(ctx: &Ctx<'_>, call: &Call) -> Result<Outcome, ExecError> {
    calls::save(
        ctx,
        call,
        Update {
            outcome: Some(CallOutcome::Ringing),
            ..Update::default()
        },
    )
    .await?;
    tracing::info!(call = %call.id, extensions = ?call.extensions, "{NO_SCREEN_POP}");
    Ok(Outcome {
        result: json!({"call": call.id, "popped_for": [], "note": NO_SCREEN_POP}),
        ..Outcome::default()
    })
}
