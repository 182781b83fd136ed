//! `ponte-worker-octadesk`: carries out canonical commands against
//! Octadesk — either public API, with the access tokens of the legacy
//! logins cached and shared by every task of the process.

use std::sync::Arc;

use anyhow::Context;
use ponte_octadesk_io::OctadeskExecutor;
use ponte_worker::{Started, bootstrap, run_worker};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Started {
        app,
        source: _source,
        telemetry: _telemetry,
    } = bootstrap("ponte-worker-octadesk", "127.0.0.1:9105").await?;
    tracing::info!(addr = %app.local_addr()?, "ponte-worker-octadesk running");
    let shutdown = CancellationToken::new();
    ponte_http::shutdown_on_signal(shutdown.clone());
    let executor = Arc::new(OctadeskExecutor::new().context("cannot build the HTTP client")?);
    run_worker(app, executor, shutdown).await?;
    Ok(())
}
