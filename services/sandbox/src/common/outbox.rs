//! The outbox of one tenant: what every simulator sends back (JSON webhooks, UIS notifications), delivered
//! by a background task in lanes.
//!
//! Each job names an ordering key (the ticket, issue, call or conversation it is about). Jobs of one key are
//! delivered strictly in enqueue order: a job's attempts finish (success or give-up) before the next job of
//! its key starts. Jobs of different keys are delivered concurrently, at most `MAX_IN_FLIGHT` requests at
//! once per outbox. Jobs without a key form one lane of their own, in enqueue order. A job is sent at its
//! due time (event time + the tenant's delay); waiting for it holds only its own lane. A non-2xx answer or
//! a connection error is retried `retries` times with the identical request and a short exponential
//! backoff. Every attempt, and every job deliberately dropped (`drop_next`), is recorded.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::{Id, JoinSet};
use tokio::time::Instant;

use super::lock;

/// Requests one outbox has in flight at most. Real providers deliver in parallel; 32 keeps a tenant's
/// receiver from seeing an unbounded burst (and the sandbox from opening unbounded connections) while
/// being well above what one benchmark tenant needs at ~50 tickets/s with answers of a few ms.
pub const MAX_IN_FLIGHT: usize = 32;
/// Time allowed for one delivery attempt.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// First retry delay; doubled each retry, capped at `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Records kept per outbox.
const CAPACITY: usize = 10_000;

/// How one attempt of a job ended, for its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Deliberately not sent (`drop_next`).
    Dropped,
    /// The receiver answered this HTTP status.
    Answered(u16),
    /// Connection or timeout error, described without the URL.
    Failed(String),
}

/// Something an outbox delivers.
pub trait Deliverable: Send + Sync + 'static {
    /// What the control API shows for one attempt.
    type Record: Clone + Send + 'static;
    /// What the logs call one job ("webhook", "notification").
    const NOUN: &'static str;

    /// Jobs with the same key are delivered one after another, in enqueue order.
    fn order_key(&self) -> Option<String>;
    /// When the job may be sent.
    fn due(&self) -> Instant;
    /// Attempts after the first one.
    fn retries(&self) -> u32;
    /// The target URL with its secrets redacted (for logs).
    fn redacted_url(&self) -> String;
    /// Sends the job once: the receiver's status, or the error described without the URL.
    fn attempt(&self, client: &reqwest::Client)
    -> impl Future<Output = Result<u16, String>> + Send;
    /// The record of one attempt (`attempt` 0 for a dropped job).
    fn record(&self, delivery_id: u64, attempt: u32, outcome: Outcome) -> Self::Record;
}

struct Queued<P> {
    delivery_id: u64,
    key: Option<String>,
    job: P,
}

/// What the delivery tasks of one outbox share.
struct Shared<P: Deliverable> {
    client: reqwest::Client,
    tenant: String,
    records: Arc<Mutex<Vec<P::Record>>>,
    closed: Arc<AtomicBool>,
    in_flight: Semaphore,
}

/// The outbox of one tenant.
pub struct Outbox<P: Deliverable> {
    tx: mpsc::UnboundedSender<Queued<P>>,
    records: Arc<Mutex<Vec<P::Record>>>,
    closed: Arc<AtomicBool>,
    pending_drops: u32,
    next_id: u64,
}

impl<P: Deliverable> std::fmt::Debug for Outbox<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("pending_drops", &self.pending_drops)
            .field("next_id", &self.next_id)
            .finish_non_exhaustive()
    }
}

fn push_record<R>(records: &Mutex<Vec<R>>, record: R) {
    let mut records = lock(records);
    if records.len() >= CAPACITY {
        records.remove(0);
    }
    records.push(record);
}

impl<P: Deliverable> Outbox<P> {
    /// Creates the outbox and spawns its delivery task. Must be called inside a Tokio runtime.
    pub fn spawn(client: reqwest::Client, tenant: String) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let records = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            client,
            tenant,
            records: Arc::clone(&records),
            closed: Arc::clone(&closed),
            in_flight: Semaphore::new(MAX_IN_FLIGHT),
        });
        tokio::spawn(dispatch(shared, rx));
        Self {
            tx,
            records,
            closed,
            pending_drops: 0,
            next_id: 1,
        }
    }

    /// Queues a job, or drops it (recording that) when drops are pending.
    pub fn enqueue(&mut self, job: impl Into<P>) {
        let job = job.into();
        let delivery_id = self.next_id;
        self.next_id += 1;
        if self.pending_drops > 0 {
            self.pending_drops -= 1;
            tracing::info!(delivery_id, url = %job.redacted_url(), "{} dropped on purpose", P::NOUN);
            push_record(&self.records, job.record(delivery_id, 0, Outcome::Dropped));
            return;
        }
        let key = job.order_key();
        if self
            .tx
            .send(Queued {
                delivery_id,
                key,
                job,
            })
            .is_err()
        {
            tracing::warn!(delivery_id, "{} outbox closed; not sent", P::NOUN);
        }
    }

    /// The next `count` jobs will not be sent.
    pub fn drop_next(&mut self, count: u32) -> u32 {
        self.pending_drops = self.pending_drops.saturating_add(count);
        self.pending_drops
    }

    pub fn pending_drops(&self) -> u32 {
        self.pending_drops
    }

    pub fn records(&self) -> Vec<P::Record> {
        lock(&self.records).clone()
    }

    pub fn clear_records(&self) {
        lock(&self.records).clear();
    }
}

impl<P: Deliverable> Drop for Outbox<P> {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
    }
}

/// Hands each queued job to a task, one task at a time per key; a key's next job starts when the task of
/// its previous one ends. Ends (aborting the running tasks) when the outbox is dropped.
async fn dispatch<P: Deliverable>(
    shared: Arc<Shared<P>>,
    mut rx: mpsc::UnboundedReceiver<Queued<P>>,
) {
    // A key is present while a task runs for it; its queue holds the jobs waiting behind that task.
    let mut lanes: HashMap<Option<String>, VecDeque<Queued<P>>> = HashMap::new();
    let mut running: JoinSet<()> = JoinSet::new();
    let mut running_keys: HashMap<Id, Option<String>> = HashMap::new();
    loop {
        tokio::select! {
            queued = rx.recv() => {
                let Some(queued) = queued else { break };
                if let Some(waiting) = lanes.get_mut(&queued.key) {
                    waiting.push_back(queued);
                } else {
                    lanes.insert(queued.key.clone(), VecDeque::new());
                    let key = queued.key.clone();
                    let id = running.spawn(deliver(Arc::clone(&shared), queued)).id();
                    running_keys.insert(id, key);
                }
            }
            Some(ended) = running.join_next_with_id() => {
                let id = match ended {
                    Ok((id, ())) => id,
                    Err(e) => {
                        tracing::error!(tenant = %shared.tenant, error = %e, "{} delivery task failed", P::NOUN);
                        e.id()
                    }
                };
                let Some(key) = running_keys.remove(&id) else { continue };
                match lanes.get_mut(&key).and_then(VecDeque::pop_front) {
                    Some(next) => {
                        let id = running.spawn(deliver(Arc::clone(&shared), next)).id();
                        running_keys.insert(id, key);
                    }
                    None => {
                        lanes.remove(&key);
                    }
                }
            }
        }
    }
}

/// Delivers one job: waits for its due time, then attempts it until it succeeds or its retries run out.
async fn deliver<P: Deliverable>(shared: Arc<Shared<P>>, queued: Queued<P>) {
    let Queued {
        delivery_id, job, ..
    } = queued;
    tokio::time::sleep_until(job.due()).await;
    let url = job.redacted_url();
    let tenant = &shared.tenant;
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=job.retries().saturating_add(1) {
        // The bound is on requests in flight: a job waiting for its due time or a backoff holds no slot.
        let Ok(slot) = shared.in_flight.acquire().await else {
            return;
        };
        if shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let outcome = match job.attempt(&shared.client).await {
            Ok(status) => Outcome::Answered(status),
            Err(error) => Outcome::Failed(error),
        };
        drop(slot);
        let (status, error) = match &outcome {
            Outcome::Answered(status) => (Some(*status), None),
            Outcome::Failed(error) => (None, Some(error.as_str())),
            Outcome::Dropped => (None, None),
        };
        let ok = status.is_some_and(|s| (200..300).contains(&s));
        if ok {
            tracing::info!(%tenant, delivery_id, attempt, %url, status, "{} delivered", P::NOUN);
        } else {
            tracing::warn!(%tenant, delivery_id, attempt, %url, status, error, "{} delivery failed", P::NOUN);
        }
        push_record(&shared.records, job.record(delivery_id, attempt, outcome));
        if ok {
            break;
        }
        if attempt <= job.retries() {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

/// Describes a delivery error without its URL (which may hold a token), with its causes.
pub fn describe_error(e: reqwest::Error) -> String {
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
