//! `ponte-worker-blip`: serves Take Blip's custom attendance channel —
//! assigns tickets, sends the desk's public replies, closes tickets.

use std::sync::Arc;

use anyhow::Context;
use ponte_blip_io::{BlipExecutor, Throughput};
use ponte_worker::{Started, bootstrap, run_worker};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Started {
        app,
        source,
        telemetry: _telemetry,
    } = bootstrap("ponte-worker-blip", "127.0.0.1:9103").await?;
    let throughput = Throughput {
        messages_per_second: source.parse("PONTE_BLIP_MESSAGES_PER_SECOND", 3)?,
        commands_per_second: source.parse("PONTE_BLIP_COMMANDS_PER_SECOND", 48)?,
    };
    tracing::info!(addr = %app.local_addr()?, messages_per_second = throughput.messages_per_second, "ponte-worker-blip running");
    let shutdown = CancellationToken::new();
    ponte_http::shutdown_on_signal(shutdown.clone());
    let executor = Arc::new(BlipExecutor::new(throughput).context("cannot build the HTTP client")?);
    run_worker(app, executor, shutdown).await?;
    Ok(())
}
