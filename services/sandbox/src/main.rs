//! `ponte-sandbox` binary: serves the provider simulators until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use ponte_sandbox::{Sandbox, SeedConfig};
use tracing_subscriber::EnvFilter;

/// Faithful simulators of the help-desk provider APIs (Movidesk…), for demos, tests and benchmarks.
#[derive(Debug, Parser)]
#[command(name = "ponte-sandbox", version, about)]
struct Args {
    /// Listen address (IP:PORT).
    #[arg(long, env = "PONTE_SANDBOX_ADDR", default_value = "127.0.0.1:8090")]
    addr: String,
    /// Seed file (.json or .toml) with tenants to register at start.
    #[arg(long, env = "PONTE_SANDBOX_SEED")]
    seed: Option<PathBuf>,
    /// Log format: text or json (filter with RUST_LOG).
    #[arg(long, env = "PONTE_LOG_FORMAT", default_value = "text")]
    log_format: String,
}

fn init_tracing(format: &str) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format.to_ascii_lowercase().as_str() {
        "text" => builder.init(),
        "json" => builder.json().init(),
        other => anyhow::bail!(
            "invalid log format '{other}' (--log-format / PONTE_LOG_FORMAT): use text or json"
        ),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Writes the bound address where the launcher asked (`PONTE_ADDR_FILE`;
/// with `PONTE_SANDBOX_ADDR=…:0` it is the only way to learn the port):
/// a temporary file renamed into place, so a reader never sees half of it.
fn write_addr_file(path: &Path, addr: SocketAddr) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, addr.to_string())?;
    std::fs::rename(&tmp, path)
}

async fn run(args: Args) -> anyhow::Result<()> {
    init_tracing(&args.log_format)?;
    let addr: SocketAddr = args.addr.parse().with_context(|| {
        format!(
            "invalid listen address '{}' (--addr / PONTE_SANDBOX_ADDR): expected IP:PORT such as 127.0.0.1:8090",
            args.addr
        )
    })?;
    let seed = match &args.seed {
        Some(path) => {
            Some(SeedConfig::from_file(path).context("bad seed (--seed / PONTE_SANDBOX_SEED)")?)
        }
        None => None,
    };
    let sandbox = Sandbox::start(addr, seed)
        .await
        .context("cannot start the sandbox")?;
    tracing::info!(
        base_url = %sandbox.base_url(),
        movidesk = %sandbox.movidesk_api_url(),
        "ponte-sandbox ready; listening on {}",
        sandbox.local_addr()
    );
    if let Some(path) = std::env::var_os("PONTE_ADDR_FILE").filter(|p| !p.is_empty()) {
        write_addr_file(Path::new(&path), sandbox.local_addr()).with_context(|| {
            format!(
                "cannot write PONTE_ADDR_FILE {}",
                Path::new(&path).display()
            )
        })?;
    }
    sandbox.run_until(shutdown_signal()).await?;
    tracing::info!("ponte-sandbox stopped");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ponte-sandbox: {e:#}");
            ExitCode::FAILURE
        }
    }
}
