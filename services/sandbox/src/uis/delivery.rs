//! Delivery of UIS notifications: one ordered outbox per PBX account, delivered by a background task.
//! Unlike the JSON webhooks of the help desks, a notification body is the rendered template text, sent
//! byte for byte (it may not even be JSON). Every attempt, and every notification deliberately dropped,
//! is recorded with the URL's secrets redacted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::calls::Prepared;
use super::config::{EventKind, NotifyMethod};
use crate::common::redact::redact_url;
use crate::common::{lock, time};

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const CAPACITY: usize = 10_000;

/// One notification to send.
#[derive(Debug, Clone)]
pub struct Job {
    pub call_session_id: u64,
    pub notification: Prepared,
    /// True when sent by `calls/{id}/resend`.
    pub resend: bool,
    pub due: Instant,
    pub retries: u32,
}

/// One delivery attempt (or one dropped notification), as shown by the control API.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub delivery_id: u64,
    /// 1 for the first attempt; 0 for a dropped notification.
    pub attempt: u32,
    pub call_session_id: u64,
    pub event: EventKind,
    pub notification_name: String,
    pub method: NotifyMethod,
    /// Target URL with secret query values redacted.
    pub url: String,
    /// The body exactly as sent.
    pub body: String,
    /// The body parsed as JSON, when it is JSON.
    pub body_json: Option<Value>,
    pub content_type: &'static str,
    /// Unknown placeholders met while rendering.
    pub warnings: Vec<String>,
    pub resend: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub dropped: bool,
    pub at: String,
}

impl Delivery {
    fn new(delivery_id: u64, job: &Job, attempt: u32) -> Self {
        let n = &job.notification;
        Self {
            delivery_id,
            attempt,
            call_session_id: job.call_session_id,
            event: n.event,
            notification_name: n.notification_name.clone(),
            method: n.method,
            url: redact_url(&n.url),
            body: n.body.clone(),
            body_json: serde_json::from_str(&n.body).ok(),
            content_type: n.content_type,
            warnings: n.warnings.clone(),
            resend: job.resend,
            status: None,
            error: None,
            dropped: false,
            at: time::format_rfc3339(&time::now()),
        }
    }
}

struct Queued {
    delivery_id: u64,
    job: Job,
}

/// The notification outbox of one PBX account.
pub struct Outbox {
    tx: mpsc::UnboundedSender<Queued>,
    records: Arc<Mutex<Vec<Delivery>>>,
    closed: Arc<AtomicBool>,
    pending_drops: u32,
    next_id: u64,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("pending_drops", &self.pending_drops)
            .field("next_id", &self.next_id)
            .finish_non_exhaustive()
    }
}

fn push_record(records: &Mutex<Vec<Delivery>>, record: Delivery) {
    let mut records = lock(records);
    if records.len() >= CAPACITY {
        records.remove(0);
    }
    records.push(record);
}

impl Outbox {
    /// Creates the outbox and spawns its delivery task. Must be called inside a Tokio runtime.
    pub fn spawn(client: reqwest::Client, account: String) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let records = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        tokio::spawn(deliver_loop(
            client,
            account,
            rx,
            Arc::clone(&records),
            Arc::clone(&closed),
        ));
        Self {
            tx,
            records,
            closed,
            pending_drops: 0,
            next_id: 1,
        }
    }

    /// Queues a notification, or drops it (recording that) when drops are pending.
    pub fn enqueue(&mut self, job: Job) {
        let delivery_id = self.next_id;
        self.next_id += 1;
        if self.pending_drops > 0 {
            self.pending_drops -= 1;
            tracing::info!(
                delivery_id,
                event = job.notification.event.key(),
                "notification dropped on purpose"
            );
            let mut record = Delivery::new(delivery_id, &job, 0);
            record.dropped = true;
            push_record(&self.records, record);
            return;
        }
        if self.tx.send(Queued { delivery_id, job }).is_err() {
            tracing::warn!(
                delivery_id,
                "notification outbox closed; notification not sent"
            );
        }
    }

    pub fn drop_next(&mut self, count: u32) -> u32 {
        self.pending_drops = self.pending_drops.saturating_add(count);
        self.pending_drops
    }

    pub fn pending_drops(&self) -> u32 {
        self.pending_drops
    }

    pub fn records(&self) -> Vec<Delivery> {
        lock(&self.records).clone()
    }

    pub fn clear_records(&self) {
        lock(&self.records).clear();
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
    }
}

async fn send(client: &reqwest::Client, n: &Prepared) -> Result<u16, String> {
    let req = match n.method {
        NotifyMethod::Post => client
            .post(&n.url)
            .header(reqwest::header::CONTENT_TYPE, n.content_type)
            .body(n.body.clone()),
        NotifyMethod::Get => client.get(&n.url),
    };
    req.timeout(ATTEMPT_TIMEOUT)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(describe_error)
}

async fn deliver_loop(
    client: reqwest::Client,
    account: String,
    mut rx: mpsc::UnboundedReceiver<Queued>,
    records: Arc<Mutex<Vec<Delivery>>>,
    closed: Arc<AtomicBool>,
) {
    while let Some(Queued { delivery_id, job }) = rx.recv().await {
        tokio::time::sleep_until(job.due).await;
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=job.retries.saturating_add(1) {
            if closed.load(Ordering::SeqCst) {
                return;
            }
            let result = send(&client, &job.notification).await;
            let mut record = Delivery::new(delivery_id, &job, attempt);
            let ok = matches!(result, Ok(s) if (200..300).contains(&s));
            match result {
                Ok(s) => record.status = Some(s),
                Err(e) => record.error = Some(e),
            }
            if ok {
                tracing::info!(%account, delivery_id, attempt, event = job.notification.event.key(), url = %record.url, status = record.status, "notification delivered");
            } else {
                tracing::warn!(%account, delivery_id, attempt, event = job.notification.event.key(), url = %record.url, status = record.status, error = record.error, "notification delivery failed");
            }
            push_record(&records, record);
            if ok {
                break;
            }
            if attempt <= job.retries {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Describes a delivery error without its URL (which may hold a token), with its causes.
fn describe_error(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    format!("{kind}: {}", parts.join(": "))
}
