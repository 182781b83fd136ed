//! `ponte-worker-movidesk`: carries out canonical commands against Movidesk,
//! and reconciles changes whose webhook was lost.

mod hints;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ponte_movidesk_io::reconcile::{self, ReconcileSettings};
use ponte_movidesk_io::{MovideskExecutor, RateLimit};
use ponte_worker::{Started, bootstrap, run_worker};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Started {
        app,
        source,
        telemetry: _telemetry,
    } = bootstrap("ponte-worker-movidesk", "127.0.0.1:9102").await?;
    let rate = RateLimit {
        per_minute: source.parse("PONTE_MOVIDESK_RATE_PER_MINUTE", 10)?,
        max_wait: Duration::from_secs(source.parse("PONTE_MOVIDESK_MAX_WAIT_SECS", 1)?),
    };
    let reconcile_settings = ReconcileSettings {
        overlap: Duration::from_secs(source.parse("PONTE_RECONCILE_OVERLAP_SECS", 1800)?),
        max_pages: source.parse("PONTE_RECONCILE_MAX_PAGES", 5)?,
    };
    tracing::info!(addr = %app.local_addr()?, rate_per_minute = rate.per_minute, "ponte-worker-movidesk running");
    let shutdown = CancellationToken::new();
    ponte_http::shutdown_on_signal(shutdown.clone());
    let search_lag = Duration::from_secs(source.parse("PONTE_MOVIDESK_SEARCH_LAG_SECS", 300)?);
    let executor = Arc::new(
        MovideskExecutor::new(rate)
            .context("cannot build the HTTP client")?
            .with_search_lag(search_lag),
    );
    let reconciler = tokio::spawn(reconcile::run(
        executor.clone(),
        app.store.clone(),
        hints::BusHints(app.bus.clone()),
        reconcile_settings,
        shutdown.clone(),
    ));
    run_worker(app, executor, shutdown).await?;
    let _ = reconciler.await;
    Ok(())
}
