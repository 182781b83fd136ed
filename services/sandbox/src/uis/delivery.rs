//! Delivery of UIS notifications through the shared outbox (`common/outbox.rs`): one outbox per PBX
//! account, a call's notifications in order, different calls' concurrently. Unlike the JSON webhooks of
//! the help desks, a notification body is the rendered template text, sent byte for byte (it may not even
//! be JSON). Every attempt, and every notification deliberately dropped, is recorded with the URL's secrets
//! redacted.

use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use super::calls::Prepared;
use super::config::{EventKind, NotifyMethod};
use crate::common::outbox::{self, ATTEMPT_TIMEOUT, Deliverable, Outcome, describe_error};
use crate::common::redact::redact_url;
use crate::common::time;

/// The notification outbox of one PBX account.
pub type Outbox = outbox::Outbox<Job>;

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

impl Deliverable for Job {
    type Record = Delivery;
    const NOUN: &'static str = "notification";

    /// A call's notifications are delivered in order; different calls' concurrently.
    fn order_key(&self) -> Option<String> {
        Some(self.call_session_id.to_string())
    }

    fn due(&self) -> Instant {
        self.due
    }

    fn retries(&self) -> u32 {
        self.retries
    }

    fn redacted_url(&self) -> String {
        redact_url(&self.notification.url)
    }

    async fn attempt(&self, client: &reqwest::Client) -> Result<u16, String> {
        let n = &self.notification;
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

    fn record(&self, delivery_id: u64, attempt: u32, outcome: Outcome) -> Delivery {
        let mut record = Delivery::new(delivery_id, self, attempt);
        match outcome {
            Outcome::Dropped => record.dropped = true,
            Outcome::Answered(status) => record.status = Some(status),
            Outcome::Failed(error) => record.error = Some(error),
        }
        record
    }
}
