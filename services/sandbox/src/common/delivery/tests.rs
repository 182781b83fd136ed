//! The outbox's lanes against a local receiver: concurrent across keys, in order within one, bounded.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{DeliveryRecord, Outbox, WebhookJob};
use crate::common::lock;
use crate::common::outbox::MAX_IN_FLIGHT;

/// A receiver told by each body how to answer: `{"n": id, "sleep_ms": ms, "fail": times}` sleeps `ms`,
/// then answers 500 to the first `times` attempts of `n` and 200 afterwards.
#[derive(Default)]
struct Receiver {
    /// `(n, status)` in the order the answers were given.
    answered: Mutex<Vec<(u64, u16)>>,
    failures: Mutex<HashMap<u64, u64>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

async fn receive(State(rx): State<Arc<Receiver>>, Json(body): Json<Value>) -> StatusCode {
    let now = rx.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    rx.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let n = body["n"].as_u64().unwrap_or_default();
    let sleep = body["sleep_ms"].as_u64().unwrap_or_default();
    tokio::time::sleep(Duration::from_millis(sleep)).await;
    let fail = {
        let mut failures = lock(&rx.failures);
        let failed = failures.entry(n).or_default();
        let fail = *failed < body["fail"].as_u64().unwrap_or_default();
        *failed += 1;
        fail
    };
    let status = if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    lock(&rx.answered).push((n, status.as_u16()));
    rx.in_flight.fetch_sub(1, Ordering::SeqCst);
    status
}

async fn start_receiver() -> (String, Arc<Receiver>) {
    let state = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), state)
}

fn job(url: &str, key: Option<&str>, body: Value, delay: Duration) -> WebhookJob {
    WebhookJob {
        url: url.to_owned(),
        body,
        due: Instant::now() + delay,
        retries: 2,
        order_key: key.map(str::to_owned),
    }
}

/// Waits until the receiver has given `count` answers (at most 10 s) and returns them.
async fn answers(rx: &Receiver, count: usize) -> Vec<(u64, u16)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answered = lock(&rx.answered).clone();
        if answered.len() >= count || Instant::now() > deadline {
            return answered;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the outbox holds `count` records (at most 10 s) and returns them.
async fn records(outbox: &Outbox, count: usize) -> Vec<DeliveryRecord> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let records = outbox.records();
        if records.len() >= count || Instant::now() > deadline {
            return records;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn outbox() -> Outbox {
    Outbox::spawn(reqwest::Client::new(), "test".into())
}

#[tokio::test]
async fn a_slow_answer_for_one_key_does_not_hold_another_key() {
    let (url, rx) = start_receiver().await;
    let mut outbox = outbox();
    outbox.enqueue(job(
        &url,
        Some("a"),
        json!({"n": 1, "sleep_ms": 500}),
        Duration::ZERO,
    ));
    outbox.enqueue(job(&url, Some("b"), json!({"n": 2}), Duration::ZERO));
    assert_eq!(answers(&rx, 2).await, vec![(2, 200), (1, 200)]);
}

#[tokio::test]
async fn a_later_due_time_does_not_hold_another_key() {
    let (url, rx) = start_receiver().await;
    let mut outbox = outbox();
    outbox.enqueue(job(
        &url,
        Some("a"),
        json!({"n": 1}),
        Duration::from_millis(500),
    ));
    outbox.enqueue(job(&url, Some("b"), json!({"n": 2}), Duration::ZERO));
    assert_eq!(answers(&rx, 2).await, vec![(2, 200), (1, 200)]);
}

#[tokio::test]
async fn one_key_waits_for_the_retries_of_its_previous_webhook() {
    let (url, rx) = start_receiver().await;
    let mut outbox = outbox();
    outbox.enqueue(job(
        &url,
        Some("t"),
        json!({"n": 1, "fail": 1}),
        Duration::ZERO,
    ));
    outbox.enqueue(job(&url, Some("t"), json!({"n": 2}), Duration::ZERO));
    assert_eq!(answers(&rx, 3).await, vec![(1, 500), (1, 200), (2, 200)]);
    let attempts: Vec<(u64, u32, Option<u16>)> = records(&outbox, 3)
        .await
        .iter()
        .map(|r| (r.delivery_id, r.attempt, r.status))
        .collect();
    assert_eq!(
        attempts,
        vec![(1, 1, Some(500)), (1, 2, Some(200)), (2, 1, Some(200))]
    );
}

#[tokio::test]
async fn webhooks_without_a_key_keep_their_order() {
    let (url, rx) = start_receiver().await;
    let mut outbox = outbox();
    outbox.enqueue(job(
        &url,
        None,
        json!({"n": 1, "sleep_ms": 300}),
        Duration::ZERO,
    ));
    outbox.enqueue(job(&url, None, json!({"n": 2}), Duration::ZERO));
    assert_eq!(answers(&rx, 2).await, vec![(1, 200), (2, 200)]);
}

#[tokio::test]
async fn requests_in_flight_are_bounded() {
    let (url, rx) = start_receiver().await;
    let mut outbox = outbox();
    let total = MAX_IN_FLIGHT + 8;
    for n in 0..total {
        let key = n.to_string();
        outbox.enqueue(job(
            &url,
            Some(&key),
            json!({"n": n, "sleep_ms": 1000}),
            Duration::ZERO,
        ));
    }
    assert_eq!(answers(&rx, total).await.len(), total);
    assert_eq!(rx.max_in_flight.load(Ordering::SeqCst), MAX_IN_FLIGHT);
}

#[tokio::test]
async fn dropped_webhooks_are_recorded_and_not_sent() {
    let (url, rx) = start_receiver().await;
    let mut outbox = outbox();
    outbox.drop_next(1);
    outbox.enqueue(job(&url, Some("a"), json!({"n": 1}), Duration::ZERO));
    outbox.enqueue(job(&url, Some("a"), json!({"n": 2}), Duration::ZERO));
    assert_eq!(answers(&rx, 1).await, vec![(2, 200)]);
    let records = records(&outbox, 2).await;
    assert_eq!(records.len(), 2);
    assert!(records[0].dropped && records[0].attempt == 0 && records[0].delivery_id == 1);
    assert_eq!((records[1].delivery_id, records[1].status), (2, Some(200)));
}
