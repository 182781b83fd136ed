use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use ponte_bus::{Bus, BusConfig};
use ponte_config::{Common, ConfigError, Source, listen_addr};
use ponte_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::heard::LastHeard;
use crate::hooks;
use crate::integrations::Integrations;
use crate::spool::Spool;

#[derive(Debug, Clone)]
pub struct Settings {
    pub common: Common,
    pub addr: SocketAddr,
    /// Largest webhook body accepted (`PONTE_INGRESS_BODY_LIMIT`, bytes).
    pub body_limit: usize,
    /// Where webhooks wait while the broker cannot confirm, and how much.
    pub spool: crate::spool_ready::SpoolSettings,
}

impl Settings {
    pub fn load(source: &Source) -> Result<Settings, ConfigError> {
        Ok(Settings {
            common: Common::load(source)?,
            addr: listen_addr(source, "PONTE_INGRESS_ADDR", "127.0.0.1:8080")?,
            body_limit: source.parse("PONTE_INGRESS_BODY_LIMIT", 1024 * 1024)?,
            spool: crate::spool_ready::SpoolSettings::load(source)?,
        })
    }
}

pub(crate) struct State {
    pub bus: Arc<Bus>,
    pub store: Store,
    pub integrations: Arc<Integrations>,
    pub body_limit: usize,
    pub spool: Option<Arc<Spool>>,
    pub last_heard: LastHeard,
}

pub struct Ingress {
    listener: TcpListener,
    router: Router,
    bus: Arc<Bus>,
    spool: Option<Arc<Spool>>,
    integrations: Arc<Integrations>,
}

impl Ingress {
    /// Binds the listener (port 0 picks a free one) and wires the routes.
    /// Neither the broker nor Redis needs to be up yet.
    pub async fn build(settings: Settings) -> std::io::Result<Ingress> {
        crate::metrics::register();
        let bus = Bus::new(BusConfig::from_common(&settings.common, "ponte-ingress"));
        let store = Store::from_common(&settings.common).map_err(std::io::Error::other)?;
        store
            .check_secrets_at_start()
            .await
            .map_err(std::io::Error::other)?;
        let spool = settings
            .spool
            .open(&settings.common.namespace)
            .map_err(std::io::Error::other)?;
        let integrations = Arc::new(Integrations::new(store.clone()));
        let state = Arc::new(State {
            bus: bus.clone(),
            store: store.clone(),
            integrations: integrations.clone(),
            body_limit: settings.body_limit,
            spool: spool.clone(),
            last_heard: LastHeard::default(),
        });
        let ready = crate::spool_ready::report(bus.clone(), store.clone(), spool.clone());
        let hooks = Router::new()
            .route(crate::metrics::HOOK_ROUTE, post(hooks::receive))
            .with_state(state);
        let router = ponte_http::timed(hooks).merge(ponte_http::ops_router_reporting(ready));
        let router = ponte_http::with_json_errors(router);
        let listener = TcpListener::bind(settings.addr).await?;
        Ok(Ingress {
            listener,
            router,
            bus,
            spool,
            integrations,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run(self, shutdown: CancellationToken) -> std::io::Result<()> {
        // Connect early so the first webhook does not pay for it; failure
        // here is fine, the bus reconnects on demand.
        if let Err(e) = self.bus.check().await {
            tracing::warn!(error = %e, "broker not reachable yet; webhooks get 503 until it is");
        }
        let forwarder = self.spool.clone().map(|spool| {
            tokio::spawn(crate::spool_forward::forward(
                spool,
                self.bus.clone(),
                shutdown.child_token(),
            ))
        });
        let watcher = tokio::spawn(self.integrations.clone().watch(shutdown.clone()));
        let result = ponte_http::serve(self.listener, self.router, shutdown).await;
        watcher.abort();
        if let Some(f) = forwarder {
            let _ = f.await;
        }
        self.bus.close().await;
        result
    }
}
