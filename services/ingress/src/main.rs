use anyhow::Context;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let source = ponte_config::Source::from_env()?;
    let settings = ponte_ingress::Settings::load(&source).context("invalid configuration")?;
    let _telemetry = ponte_http::init_telemetry("ponte-ingress", &settings.common)?;
    let app = ponte_ingress::Ingress::build(settings).await?;
    tracing::info!(addr = %app.local_addr()?, "ponte-ingress listening");
    let shutdown = CancellationToken::new();
    ponte_http::shutdown_on_signal(shutdown.clone());
    app.run(shutdown).await?;
    Ok(())
}
