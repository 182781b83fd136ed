use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use futures_util::future::BoxFuture;
use serde_json::json;

/// Checks the dependencies a service needs to do useful work; the error
/// names what is unreachable.
pub type ReadyCheck = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// `/healthz` (process alive), `/readyz` (dependencies reachable) and
/// `/metrics` (Prometheus text).
pub fn ops_router(ready: ReadyCheck) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async {
                let me = crate::identity();
                axum::Json(
                    json!({"status": "ok", "service": me.service, "pid": me.pid, "instance": me.instance}),
                )
            }),
        )
        .route(
            "/readyz",
            get(move || {
                let ready = ready.clone();
                async move {
                    let me = crate::identity();
                    match ready().await {
                        Ok(()) => (
                            StatusCode::OK,
                            axum::Json(json!({"status": "ready", "service": me.service, "pid": me.pid, "instance": me.instance})),
                        )
                            .into_response(),
                        Err(why) => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            axum::Json(json!({"status": "not_ready", "service": me.service, "pid": me.pid, "instance": me.instance, "error": {"code": "not_ready", "message": why}})),
                        )
                            .into_response(),
                    }
                }
            }),
        )
        .route(
            "/metrics",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    ponte_telemetry::metrics::render(),
                )
            }),
        )
}

/// Ready when the broker and Redis both answer.
pub fn bus_and_store_ready(bus: Arc<ponte_bus::Bus>, store: ponte_store::Store) -> ReadyCheck {
    use futures_util::FutureExt;
    Arc::new(move || {
        let bus = bus.clone();
        let store = store.clone();
        async move {
            bus.check().await.map_err(|e| e.to_string())?;
            store.ping().await.map_err(|e| e.to_string())
        }
        .boxed()
    })
}
