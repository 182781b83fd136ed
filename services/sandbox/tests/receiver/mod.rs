//! The webhook receiver every black-box test's support module starts: a server on port 0 that records each
//! request to its routes and answers 500 to the first `fail_first`, 200 afterwards.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{any, post};
use serde_json::Value;

/// One request received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub content_type: Option<String>,
    /// The body as sent.
    pub raw: String,
    /// The body as JSON (`null` when it is not JSON).
    pub body: Value,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Which methods the receiver's routes take (others are answered 405 and not recorded).
#[derive(Debug, Clone, Copy)]
pub enum Accept {
    Post,
    Any,
}

#[derive(Clone)]
struct RecvState {
    hits: Arc<Mutex<Vec<Hit>>>,
    fail_first: Arc<AtomicUsize>,
}

pub struct Receiver {
    pub base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

async fn receive(
    State(s): State<RecvState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let raw = String::from_utf8_lossy(&body).into_owned();
    s.hits.lock().unwrap().push(Hit {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers,
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        raw,
    });
    let left = s.fail_first.load(Ordering::SeqCst);
    if left > 0 {
        s.fail_first.store(left - 1, Ordering::SeqCst);
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

impl Receiver {
    /// Records the requests to `routes` (axum paths) that `accept` takes.
    pub async fn start(routes: &[&str], accept: Accept, fail_first: usize) -> Self {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let state = RecvState {
            hits: Arc::clone(&hits),
            fail_first: Arc::new(AtomicUsize::new(fail_first)),
        };
        let mut app = Router::new();
        for route in routes {
            app = match accept {
                Accept::Post => app.route(route, post(receive)),
                Accept::Any => app.route(route, any(receive)),
            };
        }
        let app = app.with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base: format!("http://{addr}"),
            hits,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (up to 10 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        for _ in 0..200 {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} requests, got {:#?}", self.hits());
    }

    /// Waits a little and checks that exactly `n` requests arrived.
    pub async fn settle(&self, n: usize) -> Vec<Hit> {
        let hits = self.wait_for(n).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = self.hits();
        assert_eq!(after.len(), n, "more requests than expected: {after:#?}");
        hits
    }

    /// Asserts that no more than `n` requests arrive within a short while.
    pub async fn assert_stays_at(&self, n: usize) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let hits = self.hits();
        assert_eq!(hits.len(), n, "unexpected requests: {hits:?}");
    }
}
