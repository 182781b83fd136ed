//! The scheduled refresh of objects Movidesk sends no webhook for: persons changed since the last
//! pass (by `changedDate`, looking back an overlap because searches lag), survey responses given
//! since then, and the (few) survey questions. One replica runs each integration's pass (a lock
//! in Redis); the cursor lives in the warehouse.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ponte_core::{Integration, Provider};
use ponte_movidesk_io::Client;
use ponte_store::Store;
use ponte_worker::Accounts;
use ponte_worker::Priority;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::backfill::{BackfillError, Counts};
use crate::db::{Warehouse, Written};
use crate::execute::WarehouseExecutor;
use crate::map::{self, Reader};
use crate::source::{self, PAGE, Survey};

/// How far before the last pass each pass looks again (Movidesk's searches lag by minutes).
pub const OVERLAP: Duration = Duration::from_secs(30 * 60);

const CURSOR: &str = "refresh:since";

async fn store_all(
    wh: &Warehouse,
    items: &[Value],
    read: Reader,
    c: &mut Counts,
) -> Result<(), BackfillError> {
    for item in items {
        match read(item) {
            Ok(m) => match wh.write(&m).await? {
                Written::Stored { rows } => {
                    c.stored += 1;
                    c.rows += rows as u64;
                }
                Written::Stale => c.stale += 1,
            },
            Err(e) => {
                tracing::warn!(error = %e, "object refused by the refresh");
                c.refused += 1;
            }
        }
    }
    Ok(())
}

/// One refresh pass of one warehouse.
pub async fn pass(client: &Client<'_>, wh: &Warehouse) -> Result<Counts, BackfillError> {
    let started = Utc::now();
    let since: Option<DateTime<Utc>> = wh
        .cursor(CURSOR)
        .await?
        .and_then(|c| DateTime::parse_from_rfc3339(&c).ok())
        .map(|d| d.with_timezone(&Utc) - chrono::Duration::from_std(OVERLAP).unwrap_or_default());
    let mut counts = Counts::default();
    let mut skip = 0;
    loop {
        let page = source::persons_page(client, skip, since.as_ref()).await?;
        store_all(wh, &page, map::person, &mut counts).await?;
        skip += page.len();
        if page.len() < PAGE {
            break;
        }
    }
    for (survey, read) in [
        (Survey::Questions, map::survey_question as Reader),
        (Survey::Responses, map::survey_response),
    ] {
        let mut after: Option<String> = None;
        loop {
            let (page, more) =
                source::survey_page(client, survey, after.as_deref(), since.as_ref()).await?;
            store_all(wh, &page, read, &mut counts).await?;
            after = page
                .last()
                .and_then(|v| v.get("id"))
                .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_string));
            if !more || page.is_empty() {
                break;
            }
        }
    }
    wh.set_cursor(CURSOR, &started.to_rfc3339()).await?;
    Ok(counts)
}

/// Runs passes until `shutdown`: every warehouse integration every `every`.
pub async fn run(
    executor: Arc<WarehouseExecutor>,
    store: Store,
    every: Duration,
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
                tracing::warn!(error = %e, "warehouse refresh cannot read integrations");
                continue;
            }
        };
        for integration in integrations.iter().filter(|i| {
            i.enabled
                && i.target.provider == Provider::Warehouse
                && i.source.provider == Provider::Movidesk
        }) {
            if last_run
                .get(&integration.id)
                .is_some_and(|t| t.elapsed() < every)
            {
                continue;
            }
            last_run.insert(integration.id.clone(), Instant::now());
            if let Err(e) = one(&executor, &store, integration, every).await {
                tracing::warn!(integration = %integration.id, error = %e, "warehouse refresh failed; the next pass tries again");
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum OneError {
    #[error(transparent)]
    Pass(#[from] BackfillError),
    #[error(transparent)]
    Store(#[from] ponte_store::StoreError),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Movidesk(#[from] ponte_worker::ExecError),
}

async fn one(
    executor: &WarehouseExecutor,
    store: &Store,
    integration: &Integration,
    every: Duration,
) -> Result<(), OneError> {
    let lock = format!("warehouse-refresh:{}", integration.id);
    if !store
        .try_lock(
            &lock,
            every
                .saturating_sub(Duration::from_millis(200))
                .max(Duration::from_millis(500)),
        )
        .await?
    {
        return Ok(());
    }
    let wh = executor.targets().for_integration(integration).await?;
    let client = Client::new(
        executor.http(),
        &integration.source,
        Accounts::new(store, Priority::Poll),
        executor.rate(),
    )?;
    let c = pass(&client, &wh).await?;
    tracing::info!(integration = %integration.id, stored = c.stored, stale = c.stale, refused = c.refused, "warehouse refresh done");
    Ok(())
}
