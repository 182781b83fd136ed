//! OTLP/HTTP export through `ExportClient`, against a collector in this test:
//! the SDK's batch processor exports from its own thread (no Tokio runtime),
//! and the spans still arrive, as protobuf, at `/v1/traces`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use opentelemetry::trace::{Tracer, TracerProvider as _};
use opentelemetry_http::{HttpClient, Request};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use ponte_telemetry::export::{ClientError, ExportClient};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
struct Received {
    method: Method,
    path: String,
    content_type: String,
    body: Bytes,
}

type Log = Arc<Mutex<Vec<Received>>>;

/// A collector that records every request and answers `status`.
async fn collector(status: StatusCode) -> (String, Log) {
    let log: Log = Arc::default();
    let sink = log.clone();
    let app = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let content_type = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                sink.lock().expect("log").push(Received {
                    method,
                    path: uri.path().to_string(),
                    content_type,
                    body,
                });
                (status, [("retry-after", "7")], Bytes::new())
            }
        },
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), log)
}

fn post(url: &str) -> Request<opentelemetry_http::Bytes> {
    Request::post(url)
        .header("content-type", "application/x-protobuf")
        .body(opentelemetry_http::Bytes::from_static(b"spans"))
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_span_reaches_the_collector_as_protobuf_from_the_batch_thread() {
    let (base, log) = collector(StatusCode::OK).await;
    let timeout = Duration::from_secs(5);
    let exporter = SpanExporter::builder()
        .with_http()
        .with_http_client(ExportClient::new(timeout).expect("client"))
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{base}/v1/traces"))
        .with_timeout(timeout)
        .build()
        .expect("exporter");
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    provider
        .tracer("ponte-otlp-test")
        .in_span("ponte.export.check", |_| {});
    // Shutdown flushes and blocks until the batch thread has exported, from
    // the thread that runs the runtime's main future: where the services drop
    // their `Telemetry`, at the end of `#[tokio::main]`.
    let flushed = provider.shutdown();
    assert!(flushed.is_ok(), "{flushed:?}");

    let got = log.lock().expect("log").clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].method, Method::POST);
    assert_eq!(got[0].path, "/v1/traces");
    assert_eq!(got[0].content_type, "application/x-protobuf");
    assert!(!got[0].body.is_empty());
    // Protobuf keeps strings as they are: the span's name is in the body.
    let name = b"ponte.export.check";
    assert!(
        got[0].body.windows(name.len()).any(|w| w == name),
        "the span is not in the body"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_status_comes_back_as_an_answer_with_its_headers() {
    let (base, _log) = collector(StatusCode::TOO_MANY_REQUESTS).await;
    let client = ExportClient::new(Duration::from_secs(5)).expect("client");
    let answer = client
        .send_bytes(post(&format!("{base}/v1/traces")))
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        answer.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"7"[..])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = ExportClient::new(Duration::from_millis(300)).expect("client");
    let started = Instant::now();
    let err = client
        .send_bytes(post(&format!("http://{addr}/v1/traces")))
        .await
        .expect_err("no answer");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("longer than"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_endpoint_is_spoken_to_over_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let first = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut head = [0u8; 3];
        socket.read_exact(&mut head).await.expect("read");
        head
    });
    let client = ExportClient::new(Duration::from_secs(2)).expect("client");
    let sent = client
        .send_bytes(post(&format!("https://{addr}/v1/traces")))
        .await;
    let head = first.await.expect("join");
    // A TLS handshake record (0x16) of TLS 1.x (0x03 ..), not "POST".
    assert_eq!(head[..2], [0x16, 0x03], "{head:?}");
    assert!(sent.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_send_does_not_repeat_the_headers() {
    let free = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = free.local_addr().expect("addr");
    drop(free);
    let client = ExportClient::new(Duration::from_secs(2)).expect("client");
    let mut request = post(&format!("http://{addr}/v1/traces"));
    request.headers_mut().insert(
        "authorization",
        "Bearer ponte-otlp-secret".parse().expect("header"),
    );
    let err = client.send_bytes(request).await.expect_err("refused");
    let mut said = format!("{err} {err:?} {client:?}");
    let mut source = err.source();
    while let Some(e) = source {
        said.push_str(&format!(" {e} {e:?}"));
        source = e.source();
    }
    assert!(!said.contains("ponte-otlp-secret"), "{said}");
}

#[tokio::test]
async fn a_current_thread_runtime_is_refused() {
    let err = ExportClient::new(Duration::from_secs(1)).expect_err("refused");
    assert!(matches!(err, ClientError::CurrentThread), "{err}");
}
