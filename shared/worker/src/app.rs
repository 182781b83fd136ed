use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ponte_bus::{Bus, run_consumer};
use ponte_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::Executor;
use crate::handler::CommandHandler;

/// A provider worker process: consumers on every shard of the provider's
/// work queues and the ops endpoints.
pub struct WorkerApp {
    pub bus: Arc<Bus>,
    pub store: Store,
    pub prefetch: u16,
    pub listener: TcpListener,
}

impl WorkerApp {
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// How long in-flight commands may take to finish after shutdown begins.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);

/// Runs until `shutdown`, then drains: the command in hand on each shard is
/// finished (or the deadline passes) before the process stops.
pub async fn run_worker<E: Executor>(
    app: WorkerApp,
    executor: Arc<E>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let provider = executor.provider();
    crate::metrics::register(provider);
    let busy = crate::busy::Busy::new(usize::from(app.prefetch));
    let handler = Arc::new(CommandHandler {
        bus: app.bus.clone(),
        store: app.store.clone(),
        executor,
        busy: busy.clone(),
        integrations: ponte_store::IntegrationCache::default(),
    });
    let sender = crate::waiting::Sender::new(app.bus.clone(), app.store.clone(), busy, provider);
    let sender = tokio::spawn(sender.run(shutdown.clone()));
    watch_redis(&app.store).await;
    let mut consumers = tokio::task::JoinSet::new();
    for queue in app.bus.topology().work_queues(provider) {
        consumers.spawn(run_consumer(
            app.bus.clone(),
            queue,
            app.prefetch,
            handler.clone(),
            shutdown.clone(),
        ));
    }
    let ready = ponte_http::bus_and_store_ready(app.bus.clone(), app.store.clone());
    let server = ponte_http::serve(
        app.listener,
        ponte_http::ops_router(ready),
        shutdown.clone(),
    );
    let server = tokio::spawn(server);
    shutdown.cancelled().await;
    let drained = tokio::time::timeout(DRAIN_DEADLINE, async {
        while consumers.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("drain deadline passed; unfinished commands return to their queues");
    }
    let _ = sender.await;
    app.bus.close().await;
    server.await.map_err(std::io::Error::other)?
}

/// Starts Redis's watch (`effect::first_try`) before the first command, so
/// tickets born from now on may skip their look-ups; best effort: a Redis
/// that is down starts it at the first command that asks.
async fn watch_redis(store: &Store) {
    match store.writes_kept_since().await {
        Ok(Some(since)) => tracing::info!(%since, "Redis has kept every write since"),
        Ok(None) => tracing::warn!(
            "Redis may evict keys, or refuses or lacks what INFO should say (run_id, master_replid, maxmemory): every effect looks its earlier tries up at the provider"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot ask Redis since when it kept every write yet"),
    }
}

/// Why a worker could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ponte_config::ConfigError),
    #[error(transparent)]
    Telemetry(#[from] ponte_telemetry::TelemetryError),
    #[error(transparent)]
    Store(#[from] ponte_store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// What every worker binary starts with: its configuration source (for
/// provider settings), telemetry (keep it alive), and the app on
/// `PONTE_WORKER_ADDR`.
pub struct Started {
    pub app: WorkerApp,
    pub source: ponte_config::Source,
    pub telemetry: ponte_telemetry::Telemetry,
}

pub async fn bootstrap(service: &'static str, default_addr: &str) -> Result<Started, StartError> {
    let source = ponte_config::Source::from_env()?;
    let common = ponte_config::Common::load(&source)?;
    let addr = ponte_config::listen_addr(&source, "PONTE_WORKER_ADDR", default_addr)?;
    let telemetry = ponte_http::init_telemetry(service, &common)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let store = Store::from_common(&common)?;
    store.check_secrets_at_start().await?;
    let app = WorkerApp {
        bus: Bus::new(ponte_bus::BusConfig::from_common(&common, service)),
        store,
        prefetch: common.prefetch,
        listener,
    };
    Ok(Started {
        app,
        source,
        telemetry,
    })
}
