use anyhow::Context;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let source = ponte_config::Source::from_env()?;
    let settings = ponte_admin::Settings::load(&source).context("invalid configuration")?;
    let _telemetry = ponte_http::init_telemetry("ponte-admin", &settings.common)?;
    let app = ponte_admin::Admin::build(settings).await?;
    tracing::info!(addr = %app.local_addr()?, "ponte-admin listening");
    let shutdown = CancellationToken::new();
    ponte_http::shutdown_on_signal(shutdown.clone());
    app.run(shutdown).await?;
    Ok(())
}
