//! `ponte-worker-movidesk`: carries out canonical commands against Movidesk.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ponte_bus::{Bus, BusConfig};
use ponte_config::{Common, Source, listen_addr};
use ponte_movidesk::reconcile::{self, ReconcileSettings};
use ponte_movidesk::{MovideskExecutor, RateLimit};
use ponte_store::Store;
use ponte_worker::{WorkerApp, run_worker};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let source = Source::from_env()?;
    let common = Common::load(&source).context("invalid configuration")?;
    let addr = listen_addr(&source, "PONTE_WORKER_ADDR", "127.0.0.1:9102")?;
    let rate = RateLimit {
        per_minute: source.parse("PONTE_MOVIDESK_RATE_PER_MINUTE", 10)?,
        max_wait: Duration::from_secs(source.parse("PONTE_MOVIDESK_MAX_WAIT_SECS", 15)?),
    };
    let reconcile_settings = ReconcileSettings {
        overlap: Duration::from_secs(source.parse("PONTE_RECONCILE_OVERLAP_SECS", 1800)?),
        max_pages: source.parse("PONTE_RECONCILE_MAX_PAGES", 5)?,
    };
    let _telemetry = ponte_http::init_telemetry("ponte-worker-movidesk", &common)?;
    let app = WorkerApp {
        bus: Bus::new(BusConfig::from_common(&common, "ponte-worker-movidesk")),
        store: Store::from_common(&common)?,
        prefetch: common.prefetch,
        listener: tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?,
    };
    tracing::info!(addr = %app.local_addr()?, rate_per_minute = rate.per_minute, "ponte-worker-movidesk running");
    let shutdown = CancellationToken::new();
    ponte_http::shutdown_on_signal(shutdown.clone());
    let executor = Arc::new(MovideskExecutor::new(rate)?);
    let reconciler = tokio::spawn(reconcile::run(
        executor.clone(),
        app.store.clone(),
        app.bus.clone(),
        reconcile_settings,
        shutdown.clone(),
    ));
    run_worker(app, executor, shutdown).await?;
    let _ = reconciler.await;
    Ok(())
}
