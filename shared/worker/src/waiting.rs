//! A busy integration's commands wait in its own list in Redis (decision
//! 113), not in the shard queues every tenant shares: set aside once when
//! refused, and sent back to their shard queue by [`Sender`] as the
//! integration's commands in hand finish, as many as it has room for.

use std::sync::Arc;
use std::time::Duration;

use ponte_bus::{Bus, Headers, Route};
use ponte_core::{Envelope, Provider};
use ponte_store::{Store, StoreError};
use ponte_telemetry::catalog;
use tokio_util::sync::CancellationToken;

use crate::busy::Busy;
use crate::order::HeldMessage;

/// How long a sender may take to send a claimed head on before another
/// process may send it again.
const CLAIM: Duration = Duration::from_secs(10);
/// How often the sender asks Redis which integrations have commands waiting
/// (set aside by another process, or before a restart).
const LOOK: Duration = Duration::from_secs(1);

/// A command set aside, as stored: the queue it goes back to, and the
/// command as a held one is kept (envelope, trace context, priority).
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct WaitingCommand {
    queue: String,
    command: HeldMessage,
}

impl WaitingCommand {
    pub(crate) fn encode(queue: &str, envelope: &Envelope, headers: &Headers) -> String {
        let waiting = WaitingCommand {
            queue: queue.to_string(),
            command: HeldMessage::new(envelope, headers),
        };
        // Owned JSON values and string maps always serialise.
        serde_json::to_string(&waiting).unwrap_or_default()
    }
}

/// Sends waiting commands back to their shard queues as their integration
/// has room.
pub(crate) struct Sender {
    bus: Arc<Bus>,
    store: Store,
    busy: Busy,
    provider: Provider,
    /// This process's name on a claim.
    id: String,
}

impl Sender {
    pub(crate) fn new(bus: Arc<Bus>, store: Store, busy: Busy, provider: Provider) -> Sender {
        Sender {
            bus,
            store,
            busy,
            provider,
            id: format!("{:016x}", rand::random::<u64>()),
        }
    }

    /// Until `shutdown`: a pass whenever a waiting integration's slot comes
    /// free, and every [`LOOK`] for commands set aside elsewhere.
    pub(crate) async fn run(self, shutdown: CancellationToken) {
        let mut look = tokio::time::interval(LOOK);
        look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.busy.freed().notified() => {}
                _ = look.tick() => {
                    match self.store.waiting_integrations(self.provider.as_str()).await {
                        Ok(found) => self.busy.add_all_waiting(found),
                        Err(e) => tracing::warn!(error = %e, "cannot read which integrations have commands waiting"),
                    }
                }
            }
            for integration in self.busy.waiting_now() {
                match self.send_on(&integration).await {
                    Ok(0) => self.busy.remove_waiting(&integration),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, integration, "cannot send waiting commands back yet");
                    }
                }
            }
        }
    }

    /// Sends back as many of `integration`'s waiting commands as it has
    /// room for. Returns how many still wait (the claimed ones included
    /// when they could not be sent).
    pub(crate) async fn send_on(&self, integration: &str) -> Result<u64, StoreError> {
        let provider = self.provider.as_str();
        let room = self.busy.room(integration);
        if room == 0 {
            // Nothing leaves; the list is known non-empty until a pass says not.
            return Ok(1);
        }
        let claimed = self
            .store
            .claim_waiting(provider, integration, room, &self.id, CLAIM)
            .await?;
        if claimed.entries.is_empty() {
            catalog::COMMANDS_WAITING.set(&[provider, integration], claimed.waiting as f64);
            return Ok(claimed.waiting);
        }
        let mut sent = 0;
        for raw in &claimed.entries {
            if !self.send_one(integration, raw).await {
                break;
            }
            sent += 1;
        }
        let left = self
            .store
            .sent_waiting(provider, integration, sent, &self.id)
            .await?;
        catalog::COMMANDS_WAITING.set(&[provider, integration], left as f64);
        Ok(left)
    }

    /// True when `raw` left the list: sent back, or unreadable (dropped).
    async fn send_one(&self, integration: &str, raw: &str) -> bool {
        let waiting: WaitingCommand = match serde_json::from_str(raw) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, integration, "a waiting command cannot be read; it is dropped");
                return true;
            }
        };
        let HeldMessage {
            envelope,
            mut headers,
        } = waiting.command;
        headers.insert(ponte_bus::SENT_BACK_HEADER.to_string(), "1".to_string());
        self.busy.sent_back(integration, &envelope.id);
        match self
            .bus
            .publish(&Route::Queue(waiting.queue), &envelope, &headers)
            .await
        {
            Ok(()) => {
                catalog::COMMANDS_SENT_BACK.inc(&[self.provider.as_str()]);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot send a waiting command back; it stays first in line");
                false
            }
        }
    }
}
