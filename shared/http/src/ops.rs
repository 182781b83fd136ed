use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use futures_util::future::BoxFuture;
use ponte_telemetry::catalog;
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
    let scrape_report = report.clone();
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
            get(move || {
                let report = scrape_report.clone();
                async move {
                    // The readiness checks set the connection gauges, so
                    // every scrape sees the state of now; each check has
                    // its own time limit (PROBE_TIMEOUT).
                    let _ = report().await;
                    let me = crate::identity();
                    let mut text = ponte_telemetry::process::render(
                        me.service,
                        env!("CARGO_PKG_VERSION"),
                        crate::announce::started_at_unix(),
                    );
                    text.push_str(&ponte_telemetry::metrics::render());
                    (
                        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                        text,
                    )
                }
            }),
        )
}

/// How long one dependency check may take before it counts as failed.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Asks the broker, and notes the answer in `ponte_broker_connected`.
pub async fn probe_broker(bus: &ponte_bus::Bus) -> Result<(), String> {
    let result = match tokio::time::timeout(PROBE_TIMEOUT, bus.check()).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "the broker did not answer within {} s",
            PROBE_TIMEOUT.as_secs()
        )),
    };
    catalog::BROKER_CONNECTED.set(&[], if result.is_ok() { 1.0 } else { 0.0 });
    result
}

/// Pings Redis, and notes the answer in `ponte_redis_connected`.
pub async fn probe_redis(store: &ponte_store::Store) -> Result<(), String> {
    let result = match tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "Redis did not answer within {} s",
            PROBE_TIMEOUT.as_secs()
        )),
    };
    catalog::REDIS_CONNECTED.set(&[], if result.is_ok() { 1.0 } else { 0.0 });
    result
}

/// Ready when the broker and Redis both answer (both are asked each time,
/// so both connection gauges stay current).
pub fn bus_and_store_ready(bus: Arc<ponte_bus::Bus>, store: ponte_store::Store) -> ReadyCheck {
    use futures_util::FutureExt;
    Arc::new(move || {
        let bus = bus.clone();
        let store = store.clone();
        async move {
            let broker = probe_broker(&bus).await;
            let redis = probe_redis(&store).await;
            broker.and(redis)
        }
        .boxed()
    })
}
