//! Reconciliation: Movidesk does not document retries of trigger webhooks,
//! so a periodic, rate-limited poll by `lastUpdate` finds tickets whose
//! change Ponte has not seen and feeds a hint for each through the same
//! path as a webhook. One replica runs each integration side's pass (a
//! lock in Redis); the cursor is kept in Redis. The hints go to a [`Hints`]
//! the worker service provides (the broker): provider code never names it.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ponte_core::{Envelope, Integration, Provider, Side, Ticket, TicketRef};
use ponte_store::Store;
use ponte_telemetry::catalog;
use ponte_worker::Priority;
use ponte_worker::{Ctx, ExecError};
use tokio_util::sync::CancellationToken;

use crate::client::PAGE;
use crate::execute::MovideskExecutor;
use ponte_movidesk::de::parse_date;

/// Where a pass's hints go, one at a time as they are found: the worker
/// service publishes each to the events exchange by its shard key.
pub trait Hints: Send + Sync {
    /// Sends one hint (an event envelope whose change is `Change::Hint`).
    /// When it fails the pass stops and its cursor stays where it was.
    fn send(&self, hint: &Envelope) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// Why a hint could not be sent (the broker's error).
pub type SendError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone, Copy)]
pub struct ReconcileSettings {
    /// How far before the cursor each pass looks again: Movidesk can take
    /// minutes to show a change in searches.
    pub overlap: Duration,
    /// Pages read per pass at most (the rate budget is shared).
    pub max_pages: usize,
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        ReconcileSettings {
            overlap: Duration::from_secs(30 * 60),
            max_pages: 5,
        }
    }
}

/// Runs passes until `shutdown`, each integration at its own interval.
pub async fn run(
    executor: Arc<MovideskExecutor>,
    store: Store,
    hints: impl Hints,
    settings: ReconcileSettings,
    shutdown: CancellationToken,
) {
    let mut last_run: BTreeMap<String, Instant> = BTreeMap::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let integrations = match store.integrations().await {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(error = %e, "reconciliation cannot read integrations");
                continue;
            }
        };
        for integration in integrations
            .iter()
            .filter(|i| i.enabled && i.reconcile_every_secs > 0)
        {
            let every = Duration::from_secs(integration.reconcile_every_secs);
            if last_run
                .get(&integration.id)
                .is_some_and(|t| t.elapsed() < every)
            {
                continue;
            }
            last_run.insert(integration.id.clone(), Instant::now());
            for side in [Side::Source, Side::Target] {
                if integration.endpoint(side).provider != Provider::Movidesk {
                    continue;
                }
                if let Err(e) = pass(
                    &executor,
                    &store,
                    &hints,
                    integration,
                    side,
                    every,
                    settings,
                )
                .await
                {
                    tracing::warn!(integration = %integration.id, side = side.as_str(), error = %e, "reconciliation pass failed; the next one tries again");
                }
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum PassError {
    #[error(transparent)]
    Provider(#[from] ExecError),
    #[error(transparent)]
    Store(#[from] ponte_store::StoreError),
    #[error(transparent)]
    Send(SendError),
}

async fn pass(
    executor: &MovideskExecutor,
    store: &Store,
    hints: &impl Hints,
    integration: &Integration,
    side: Side,
    every: Duration,
    settings: ReconcileSettings,
) -> Result<(), PassError> {
    let name = format!("movidesk:{}:{}", integration.id, side.as_str());
    if !store
        .try_lock(
            &name,
            every
                .saturating_sub(Duration::from_millis(200))
                .max(Duration::from_millis(500)),
        )
        .await?
    {
        return Ok(());
    }
    let Some(cursor) = store
        .cursor(&name)
        .await?
        .and_then(|c| DateTime::parse_from_rfc3339(&c).ok())
    else {
        // First pass: start from now; history before the integration
        // existed is not imported.
        store.set_cursor(&name, &Utc::now().to_rfc3339()).await?;
        return Ok(());
    };
    let since = cursor.with_timezone(&Utc)
        - chrono::Duration::from_std(settings.overlap).unwrap_or_default();
    let ctx = Ctx::new(store, integration, "reconcile", 0, false).at(Priority::Poll);
    let client = executor.client(&ctx, side)?;
    let mut newest = cursor.with_timezone(&Utc);
    let mut hinted = 0;
    for page in 0..settings.max_pages {
        let changed = client.changed_since(since, page * PAGE).await?;
        for t in &changed {
            let Some(updated) = t.last_update.as_deref().and_then(parse_date) else {
                continue;
            };
            newest = newest.max(updated);
            let at = TicketRef {
                integration: integration.id.clone(),
                side,
                provider: Provider::Movidesk,
                ticket_id: t.id.clone(),
            };
            // On the integrated side only linked tickets matter.
            if side == Side::Target && store.link_of(&integration.id, side, &t.id).await?.is_none()
            {
                continue;
            }
            let seen: Option<DateTime<Utc>> = store
                .snapshot(&at.key())
                .await?
                .and_then(|v| serde_json::from_value::<Ticket>(v).ok())
                .and_then(|s| s.updated_at);
            if seen.is_some_and(|s| s >= updated) {
                continue;
            }
            let envelope = Envelope::reconcile_hint(at, updated);
            hints.send(&envelope).await.map_err(PassError::Send)?;
            hinted += 1;
        }
        if changed.len() < PAGE {
            break;
        }
    }
    store.set_cursor(&name, &newest.to_rfc3339()).await?;
    if hinted > 0 {
        tracing::info!(integration = %integration.id, side = side.as_str(), hinted, "reconciliation found changes no webhook carried");
        catalog::RECONCILED.add(&["movidesk"], hinted);
    }
    Ok(())
}
