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

/// A readiness check that also reports facts for the `/readyz` body (e.g.
/// a queue depth), whether ready or not.
pub type ReadyReport = Arc<
    dyn Fn() -> BoxFuture<
            'static,
            (
                Result<(), String>,
                serde_json::Map<String, serde_json::Value>,
            ),
        > + Send
        + Sync,
>;

/// `/healthz` (process alive), `/readyz` (dependencies reachable) and
/// `/metrics` (Prometheus text).
pub fn ops_router(ready: ReadyCheck) -> Router {
    use futures_util::FutureExt;
    ops_router_reporting(Arc::new(move || {
        let ready = ready.clone();
        async move { (ready().await, serde_json::Map::new()) }.boxed()
    }))
}

/// Like [`ops_router`], with the report's facts added to the `/readyz` body.
pub fn ops_router_reporting(report: ReadyReport) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async {
                let me = crate::identity();
                axum::Json(
                    json!({"status": "ok", "service": me.service, "pid": me.pid, "instance": me.instance, "version": env!("CARGO_PKG_VERSION")}),
                )
            }),
        )
        .route(
            "/readyz",
            get(move || {
                let report = report.clone();
                async move {
                    let me = crate::identity();
                    let (ready, facts) = report().await;
                    let (status, mut body) = match ready {
                        Ok(()) => (StatusCode::OK, json!({"status": "ready", "service": me.service, "pid": me.pid, "instance": me.instance})),
                        Err(why) => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            json!({"status": "not_ready", "service": me.service, "pid": me.pid, "instance": me.instance, "error": {"code": "not_ready", "message": why}}),
                        ),
                    };
                    if let Some(map) = body.as_object_mut() {
                        map.extend(facts);
                    }
                    (status, axum::Json(body)).into_response()
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
