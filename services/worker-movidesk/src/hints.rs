//! Reconciliation's hints onto the broker: each goes to the events exchange
//! by its shard key, confirmed, exactly as a webhook's event would.

use std::sync::Arc;

use ponte_bus::{Bus, Route};
use ponte_core::Envelope;
use ponte_movidesk_io::reconcile::{Hints, SendError};

pub struct BusHints(pub Arc<Bus>);

impl Hints for BusHints {
    async fn send(&self, hint: &Envelope) -> Result<(), SendError> {
        let route = Route::Events {
            shard_key: hint.shard_key.clone(),
        };
        self.0.publish(&route, hint, &Default::default()).await?;
        Ok(())
    }
}
