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
                let mut text = process_metrics();
                text.push_str(&ponte_telemetry::metrics::render());
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    text,
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

/// Series every service has from its start: which build runs where, and
/// when the process started (a restart shows as a jump).
fn process_metrics() -> String {
    let me = crate::identity();
    let service = ponte_telemetry::metrics::escape_label_value(me.service);
    format!(
        "# HELP ponte_build_info The running build: always 1, labelled with service and version\n\
         # TYPE ponte_build_info gauge\n\
         ponte_build_info{{service=\"{service}\",version=\"{}\"}} 1\n\
         # HELP process_start_time_seconds Start time of the process since the Unix epoch, in seconds\n\
         # TYPE process_start_time_seconds gauge\n\
         process_start_time_seconds {}\n",
        env!("CARGO_PKG_VERSION"),
        crate::announce::started_at_unix()
    )
}
