//! `ponte-worker-okdesk`: carries out canonical commands against Okdesk —
//! the telephony commands of a UIS source (screen-pop, call list,
//! missed-call issue) and the desk commands of a ticket source. Okdesk's
//! webhooks say what changed, so there is no reconciler.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ponte_bus::{Bus, BusConfig};
use ponte_config::{Common, Source, listen_addr};
use ponte_okdesk_io::{OkdeskExecutor, RateLimit};
use ponte_store::Store;
use ponte_worker::{WorkerApp, run_worker};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let source = Source::from_env()?;
    let common = Common::load(&source).context("invalid configuration")?;
    let addr = listen_addr(&source, "PONTE_WORKER_ADDR", "127.0.0.1:9104")?;
    let rate = RateLimit {
        per_second: source.parse("PONTE_OKDESK_RATE_PER_SECOND", 5)?,
        max_wait: Duration::from_secs(source.parse("PONTE_OKDESK_MAX_WAIT_SECS", 15)?),
    };
    let refresh = Duration::from_secs(source.parse("PONTE_OKDESK_EMPLOYEES_REFRESH_SECS", 300)?);
    let _telemetry = ponte_http::init_telemetry("ponte-worker-okdesk", &common)?;
    let store = Store::from_common(&common)?;
    store.check_secrets_at_start().await?;
    let app = WorkerApp {
        bus: Bus::new(BusConfig::from_common(&common, "ponte-worker-okdesk")),
        store,
        prefetch: common.prefetch,
        listener: tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?,
    };
    tracing::info!(
        addr = %app.local_addr()?,
        rate_per_second = rate.per_second,
        employees_refresh_secs = refresh.as_secs(),
        "ponte-worker-okdesk running"
    );
    let shutdown = CancellationToken::new();
    ponte_http::shutdown_on_signal(shutdown.clone());
    let executor = Arc::new(OkdeskExecutor::with_employee_refresh(rate, refresh)?);
    run_worker(app, executor, shutdown).await?;
    Ok(())
}
