//! Starting, serving and stopping the sandbox.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::SandboxError;
use crate::blip;
use crate::common::error::ControlError;
use crate::common::tenants::Tenants;
use crate::movidesk;
use crate::seed::SeedConfig;
use crate::state::AppState;
use crate::{octadesk, okdesk, uis};

/// How long a shutdown waits for in-flight requests before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Entry point of the simulator.
pub struct Sandbox;

impl Sandbox {
    /// Registers the seed's tenants, binds `addr` (port 0 picks a free port) and serves in a background
    /// task until the returned handle is shut down or dropped. Must be called inside a Tokio runtime.
    pub async fn start(
        addr: SocketAddr,
        seed: Option<SeedConfig>,
    ) -> Result<RunningSandbox, SandboxError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("ponte-sandbox/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SandboxError::HttpClient(e.to_string()))?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let state = Arc::new(AppState::new(http, stop_rx.clone()));
        if let Some(seed) = seed {
            for (i, spec) in seed.movidesk.domains.into_iter().enumerate() {
                let name = spec.name.clone();
                state.movidesk.register(spec).map_err(|e| {
                    SandboxError::Seed(format!(
                        "movidesk.domains[{i}] (name '{name}'): {}",
                        e.message
                    ))
                })?;
            }
            for (i, spec) in seed.blip.contracts.into_iter().enumerate() {
                let name = spec.name.clone();
                state.blip.register(spec).map_err(|e| {
                    SandboxError::Seed(format!(
                        "blip.contracts[{i}] (name '{name}'): {}",
                        e.message
                    ))
                })?;
            }
            for (i, spec) in seed.okdesk.accounts.into_iter().enumerate() {
                let name = spec.name.clone();
                state.okdesk.register(spec).map_err(|e| {
                    SandboxError::Seed(format!(
                        "okdesk.accounts[{i}] (name '{name}'): {}",
                        e.message
                    ))
                })?;
            }
            for (i, spec) in seed.octadesk.tenants.into_iter().enumerate() {
                let name = spec.name.clone();
                state.octadesk.register(spec).map_err(|e| {
                    SandboxError::Seed(format!(
                        "octadesk.tenants[{i}] (name '{name}'): {}",
                        e.message
                    ))
                })?;
            }
            for (i, spec) in seed.uis.accounts.into_iter().enumerate() {
                let name = spec.name.clone();
                state.uis.register(spec).map_err(|e| {
                    SandboxError::Seed(format!("uis.accounts[{i}] (name '{name}'): {}", e.message))
                })?;
            }
        }
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|error| SandboxError::Bind { addr, error })?;
        let local_addr = listener
            .local_addr()
            .map_err(|error| SandboxError::Bind { addr, error })?;
        let app = router(Arc::clone(&state));
        let mut stop = stop_rx;
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
        });
        tracing::info!(addr = %local_addr, "sandbox listening");
        Ok(RunningSandbox {
            addr: local_addr,
            stop: stop_tx,
            task: Some(task),
        })
    }
}

/// A running sandbox. Dropping it stops the server.
pub struct RunningSandbox {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningSandbox {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, the root of every API of the sandbox.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://IP:PORT/movidesk/public/v1`, what a Movidesk client uses instead of
    /// `https://api.movidesk.com/public/v1`.
    pub fn movidesk_api_url(&self) -> String {
        format!("{}{}", self.base_url(), movidesk::API_PREFIX)
    }

    /// `http://IP:PORT/blip`, what a Blip client uses instead of `https://{contract}.http.msging.net`
    /// (the `Authorization: Key` picks the contract).
    pub fn blip_api_url(&self) -> String {
        format!("{}{}", self.base_url(), blip::API_PREFIX)
    }

    /// `http://IP:PORT/okdesk/api/v1`, what an Okdesk client uses instead of
    /// `https://{account}.okdesk.ru/api/v1` (the `api_token` picks the account).
    pub fn okdesk_api_url(&self) -> String {
        format!("{}{}", self.base_url(), okdesk::API_PREFIX)
    }

    /// `http://IP:PORT/octadesk`, what a client of Octadesk's legacy API uses instead of
    /// `https://api.octadesk.services` (login flows, then `Authorization: Bearer`).
    pub fn octadesk_api_url(&self) -> String {
        format!("{}{}", self.base_url(), octadesk::API_PREFIX)
    }

    /// `http://IP:PORT/octadesk/v1`, what a client of Octadesk's v1 API uses instead of
    /// `https://{account}.api00N.octadesk.services` (the `X-API-KEY` picks the tenant).
    pub fn octadesk_v1_api_url(&self) -> String {
        format!("{}{}", self.base_url(), octadesk::V1_PREFIX)
    }

    /// Stops accepting requests, lets in-flight ones finish (up to a short grace period), and waits.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        let _ = self.stop.send(true);
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(result)) => result.map_err(SandboxError::Serve),
            Ok(Err(join)) if join.is_cancelled() => Ok(()),
            Ok(Err(join)) => Err(SandboxError::Serve(std::io::Error::other(join.to_string()))),
            Err(_) => {
                tracing::warn!("in-flight requests did not finish in time; closing them");
                task.abort();
                Ok(())
            }
        }
    }

    /// Serves until `signal` completes (e.g. SIGINT/SIGTERM), then shuts down gracefully.
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) -> Result<(), SandboxError> {
        let Some(task) = self.task.as_mut() else {
            return Ok(());
        };
        tokio::select! {
            () = signal => {
                tracing::info!("shutdown requested");
                self.shutdown().await
            }
            ended = task => {
                self.task = None;
                match ended {
                    Ok(result) => result.map_err(SandboxError::Serve),
                    Err(join) => Err(SandboxError::Serve(std::io::Error::other(join.to_string()))),
                }
            }
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take()
            && let Ok(handle) = tokio::runtime::Handle::try_current()
        {
            handle.spawn(async move {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
                task.abort();
            });
        }
    }
}

/// Alive, and which process answers: a launcher that started the sandbox
/// checks the pid (and the instance id it gave in `PONTE_INSTANCE_ID`).
async fn healthz() -> impl IntoResponse {
    let instance = std::env::var("PONTE_INSTANCE_ID")
        .ok()
        .filter(|s| !s.is_empty());
    Json(json!({
        "status": "ok",
        "service": "ponte-sandbox",
        "pid": std::process::id(),
        "instance": instance,
    }))
}

async fn control_not_found() -> ControlError {
    ControlError::not_found(
        "no such sandbox endpoint; see the README of ponte-sandbox for the control API",
    )
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(
            json!({"error": {"code": "not_found", "message": "no such endpoint: the sandbox serves /healthz, /movidesk/public/v1/... and /_sandbox/..."}}),
        ),
    )
}

/// The whole HTTP surface.
pub fn router(state: Arc<AppState>) -> Router {
    let control = Router::new()
        .nest("/movidesk", movidesk::control::router())
        .nest("/blip", blip::control::router())
        .nest("/okdesk", okdesk::control::router())
        .nest("/uis", uis::control::router())
        .nest("/octadesk", octadesk::control::router())
        .merge(crate::common::control::router())
        .fallback(control_not_found);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(healthz))
        .nest(
            movidesk::API_PREFIX,
            movidesk::public_router(Arc::clone(&state)),
        )
        .nest(blip::API_PREFIX, blip::public_router(Arc::clone(&state)))
        .nest(
            okdesk::API_PREFIX,
            okdesk::public_router(Arc::clone(&state)),
        )
        .nest(uis::media::MEDIA_PREFIX, uis::media::router())
        .nest(
            octadesk::API_PREFIX,
            octadesk::public_router(Arc::clone(&state)),
        )
        .nest("/_sandbox", control)
        .fallback(not_found)
        .with_state(state)
}
