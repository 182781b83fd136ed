//! Outgoing webhooks: one ordered outbox per tenant, delivered by a background task.
//!
//! A job is delivered at its due time (event time + the tenant's delay), in order, never blocking the API
//! answer that caused it. A non-2xx answer or a connection error is retried `retries` times with the
//! identical body and a short exponential backoff. Every attempt, and every webhook deliberately dropped
//! (`drop_next`), is recorded with the URL's secrets redacted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::redact::redact_url;
use super::{lock, time};

/// Time allowed for one delivery attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// First retry delay; doubled each retry, capped at `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Records kept per tenant.
const CAPACITY: usize = 10_000;

/// One webhook to send.
#[derive(Debug, Clone)]
pub struct WebhookJob {
    pub url: String,
    pub body: Value,
    pub due: Instant,
    pub retries: u32,
}

/// One delivery attempt (or one dropped webhook), as shown by the control API.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    /// Sequence number of the webhook within the tenant (retries share it).
    pub delivery_id: u64,
    /// 1 for the first attempt; 0 for a dropped webhook.
    pub attempt: u32,
    /// Target URL with secret query values redacted.
    pub url: String,
    pub body: Value,
    /// HTTP status answered by the receiver, if any.
    pub status: Option<u16>,
    /// Connection or timeout error, if any.
    pub error: Option<String>,
    /// True when the webhook was deliberately not sent (`webhooks/drop`).
    pub dropped: bool,
    /// RFC 3339 time of the attempt.
    pub at: String,
}

struct Queued {
    delivery_id: u64,
    job: WebhookJob,
    /// Extra request headers (e.g. a channel's authentication key); never recorded or logged.
    headers: Vec<(String, String)>,
}

/// The webhook outbox of one tenant.
pub struct Outbox {
    tx: mpsc::UnboundedSender<Queued>,
    records: Arc<Mutex<Vec<DeliveryRecord>>>,
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

fn push_record(records: &Mutex<Vec<DeliveryRecord>>, record: DeliveryRecord) {
    let mut records = lock(records);
    if records.len() >= CAPACITY {
        records.remove(0);
    }
    records.push(record);
}

impl Outbox {
    /// Creates the outbox and spawns its delivery task. Must be called inside a Tokio runtime.
    pub fn spawn(client: reqwest::Client, tenant: String) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let records = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        tokio::spawn(deliver_loop(
            client,
            tenant,
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

    /// Queues a webhook, or drops it (recording that) when drops are pending.
    pub fn enqueue(&mut self, job: WebhookJob) {
        self.enqueue_with_headers(job, Vec::new());
    }

    /// Like `enqueue`, sending these extra headers with every attempt (their values are secrets: they
    /// appear in no record and no log).
    pub fn enqueue_with_headers(&mut self, job: WebhookJob, headers: Vec<(String, String)>) {
        let delivery_id = self.next_id;
        self.next_id += 1;
        if self.pending_drops > 0 {
            self.pending_drops -= 1;
            tracing::info!(delivery_id, url = %redact_url(&job.url), "webhook dropped on purpose");
            push_record(
                &self.records,
                DeliveryRecord {
                    delivery_id,
                    attempt: 0,
                    url: redact_url(&job.url),
                    body: job.body,
                    status: None,
                    error: None,
                    dropped: true,
                    at: time::format_rfc3339(&time::now()),
                },
            );
            return;
        }
        if self
            .tx
            .send(Queued {
                delivery_id,
                job,
                headers,
            })
            .is_err()
        {
            tracing::warn!(delivery_id, "webhook outbox closed; webhook not sent");
        }
    }

    /// The next `count` webhooks will not be sent.
    pub fn drop_next(&mut self, count: u32) -> u32 {
        self.pending_drops = self.pending_drops.saturating_add(count);
        self.pending_drops
    }

    pub fn pending_drops(&self) -> u32 {
        self.pending_drops
    }

    pub fn records(&self) -> Vec<DeliveryRecord> {
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

async fn deliver_loop(
    client: reqwest::Client,
    tenant: String,
    mut rx: mpsc::UnboundedReceiver<Queued>,
    records: Arc<Mutex<Vec<DeliveryRecord>>>,
    closed: Arc<AtomicBool>,
) {
    while let Some(Queued {
        delivery_id,
        job,
        headers,
    }) = rx.recv().await
    {
        tokio::time::sleep_until(job.due).await;
        let redacted = redact_url(&job.url);
        let body = job.body.to_string();
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=job.retries.saturating_add(1) {
            if closed.load(Ordering::SeqCst) {
                return;
            }
            let mut request = client
                .post(&job.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json");
            for (name, value) in &headers {
                request = request.header(name.as_str(), value.as_str());
            }
            let result = request
                .timeout(ATTEMPT_TIMEOUT)
                .body(body.clone())
                .send()
                .await;
            let (status, error) = match result {
                Ok(resp) => (Some(resp.status().as_u16()), None),
                // reqwest errors may contain the URL: strip it so the token never reaches a log.
                Err(e) => (None, Some(describe_error(e))),
            };
            let ok = status.is_some_and(|s| (200..300).contains(&s));
            if ok {
                tracing::info!(%tenant, delivery_id, attempt, url = %redacted, status, "webhook delivered");
            } else {
                tracing::warn!(%tenant, delivery_id, attempt, url = %redacted, status, error, "webhook delivery failed");
            }
            push_record(
                &records,
                DeliveryRecord {
                    delivery_id,
                    attempt,
                    url: redacted.clone(),
                    body: job.body.clone(),
                    status,
                    error,
                    dropped: false,
                    at: time::format_rfc3339(&time::now()),
                },
            );
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
