//! One trace from the webhook to the provider call, read from the spans the
//! services export over OTLP/HTTP (JSON) to a receiver in this test.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use ponte_e2e::{Options, TestFleet};
use serde_json::Value;

type Spans = Arc<Mutex<Vec<(String, String)>>>;

async fn receiver() -> (String, Spans) {
    let spans: Spans = Arc::default();
    let sink = spans.clone();
    let app = Router::new().route(
        "/v1/traces",
        post(move |body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    let mut found = Vec::new();
                    collect(&v, &mut found);
                    if let Ok(mut s) = sink.lock() {
                        s.extend(found);
                    }
                }
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), spans)
}

/// (trace id, span name) of every span in an OTLP JSON export.
fn collect(v: &Value, out: &mut Vec<(String, String)>) {
    for rs in v["resourceSpans"].as_array().into_iter().flatten() {
        for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
            for span in ss["spans"].as_array().into_iter().flatten() {
                if let (Some(t), Some(n)) = (span["traceId"].as_str(), span["name"].as_str()) {
                    out.push((t.to_string(), n.to_string()));
                }
            }
        }
    }
}

#[tokio::test]
async fn ingress_router_worker_and_provider_call_share_one_trace() {
    let (endpoint, spans) = receiver().await;
    let t = TestFleet::start(Options {
        env: vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL".into(), "http/json".into()),
            ("OTEL_BSP_SCHEDULE_DELAY".into(), "200".into()),
        ],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("traced").await;
    let a_id = t.open_ticket(&pair, "Traced").await;
    t.eventually("the counterpart", Duration::from_secs(30), || async {
        (!t.counterparts(&pair, &pair.b, &a_id).await.is_empty()).then_some(())
    })
    .await;
    let wanted: BTreeSet<&str> = [
        "ingress.webhook",
        "router.event",
        "worker.command",
        "movidesk.http",
    ]
    .into();
    let trace = t
        .eventually(
            "one trace with ingress, router, worker and provider spans",
            Duration::from_secs(30),
            || async {
                let by_trace: BTreeMap<String, BTreeSet<String>> =
                    spans
                        .lock()
                        .ok()?
                        .iter()
                        .fold(BTreeMap::new(), |mut m, (t, n)| {
                            m.entry(t.clone()).or_default().insert(n.clone());
                            m
                        });
                by_trace
                    .into_iter()
                    .find(|(_, names)| wanted.iter().all(|w| names.contains(*w)))
            },
        )
        .await;
    assert!(!trace.0.is_empty());
    t.teardown().await;
}
