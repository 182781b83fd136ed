use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ponte_bus::{Bus, BusConfig, run_consumer};
use ponte_config::{Common, ConfigError, Source, listen_addr};
use ponte_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::handler::EventHandler;

#[derive(Debug, Clone)]
pub struct Settings {
    pub common: Common,
    /// Ops endpoints (`PONTE_ROUTER_ADDR`).
    pub addr: SocketAddr,
}

impl Settings {
    pub fn load(source: &Source) -> Result<Settings, ConfigError> {
        Ok(Settings {
            common: Common::load(source)?,
            addr: listen_addr(source, "PONTE_ROUTER_ADDR", "127.0.0.1:9101")?,
        })
    }
}

pub struct Router {
    listener: TcpListener,
    bus: Arc<Bus>,
    store: Store,
    prefetch: u16,
}

const DRAIN_DEADLINE: Duration = Duration::from_secs(20);

impl Router {
    pub async fn build(settings: Settings) -> std::io::Result<Router> {
        crate::metrics::register();
        let bus = Bus::new(BusConfig::from_common(&settings.common, "ponte-router"));
        let store = Store::from_common(&settings.common).map_err(std::io::Error::other)?;
        store
            .check_secrets_at_start()
            .await
            .map_err(std::io::Error::other)?;
        Ok(Router {
            listener: TcpListener::bind(settings.addr).await?,
            bus,
            store,
            prefetch: settings.common.prefetch,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Consumes every event shard until `shutdown`, then finishes the event
    /// in hand on each shard.
    pub async fn run(self, shutdown: CancellationToken) -> std::io::Result<()> {
        let handler = Arc::new(EventHandler {
            bus: self.bus.clone(),
            store: self.store.clone(),
            integrations: ponte_store::IntegrationCache::default(),
        });
        let mut consumers = tokio::task::JoinSet::new();
        for queue in self.bus.topology().events_queues() {
            consumers.spawn(run_consumer(
                self.bus.clone(),
                queue,
                self.prefetch,
                handler.clone(),
                shutdown.clone(),
            ));
        }
        let ready = ponte_http::bus_and_store_ready(self.bus.clone(), self.store.clone());
        let server = tokio::spawn(ponte_http::serve(
            self.listener,
            ponte_http::ops_router(ready),
            shutdown.clone(),
        ));
        shutdown.cancelled().await;
        if tokio::time::timeout(DRAIN_DEADLINE, async {
            while consumers.join_next().await.is_some() {}
        })
        .await
        .is_err()
        {
            tracing::warn!("drain deadline passed; unfinished events return to their queues");
        }
        self.bus.close().await;
        server.await.map_err(std::io::Error::other)?
    }
}
