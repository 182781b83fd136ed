//! `ponte-worker-warehouse`: copies Movidesk tickets into a PostgreSQL warehouse as they change
//! (one read of the ticket per change, within the account's shared budget), and refreshes persons
//! and surveys on a schedule.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ponte_movidesk_io::RateLimit;
use ponte_warehouse::{WarehouseExecutor, refresh};
use ponte_worker::{Started, bootstrap, run_worker};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Started {
        app,
        source,
        telemetry: _telemetry,
    } = bootstrap("ponte-worker-warehouse", "127.0.0.1:9106").await?;
    let rate = RateLimit {
        per_minute: source.parse("PONTE_MOVIDESK_RATE_PER_MINUTE", 10)?,
        max_wait: Duration::from_secs(source.parse("PONTE_MOVIDESK_MAX_WAIT_SECS", 15)?),
    };
    let refresh_every = Duration::from_secs(source.parse("PONTE_WAREHOUSE_REFRESH_SECS", 3600u64)?);
    tracing::info!(addr = %app.local_addr()?, rate_per_minute = rate.per_minute, refresh_secs = refresh_every.as_secs(), "ponte-worker-warehouse running");
    let shutdown = CancellationToken::new();
    ponte_http::shutdown_on_signal(shutdown.clone());
    let executor = Arc::new(WarehouseExecutor::new(rate).context("cannot build the HTTP client")?);
    let refresher = (!refresh_every.is_zero()).then(|| {
        tokio::spawn(refresh::run(
            executor.clone(),
            app.store.clone(),
            refresh_every,
            shutdown.clone(),
        ))
    });
    run_worker(app, executor, shutdown).await?;
    if let Some(r) = refresher {
        let _ = r.await;
    }
    Ok(())
}
