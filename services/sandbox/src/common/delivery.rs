//! Outgoing JSON webhooks: the help desks' webhook jobs and records, delivered by the shared outbox
//! (`outbox.rs`: per-key lanes, concurrent across keys, in order within one).
//!
//! Every attempt, and every webhook deliberately dropped (`drop_next`), is recorded with the URL's secrets
//! redacted.

use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use super::outbox::{self, ATTEMPT_TIMEOUT, Deliverable, Outcome, describe_error};
use super::redact::redact_url;
use super::time;

/// A tenant's webhook outbox.
pub type Outbox = outbox::Outbox<Webhook>;

/// One webhook to send.
#[derive(Debug, Clone)]
pub struct WebhookJob {
    pub url: String,
    pub body: Value,
    pub due: Instant,
    pub retries: u32,
    /// What the webhook is about (ticket, issue, conversation id): webhooks of one key are delivered in
    /// enqueue order, those of different keys concurrently. `None` webhooks share one lane.
    pub order_key: Option<String>,
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

/// A webhook job with its extra request headers (e.g. a channel's authentication key): the header values
/// are secrets, never recorded or logged.
pub struct Webhook {
    job: WebhookJob,
    body: String,
    headers: Vec<(String, String)>,
}

impl From<WebhookJob> for Webhook {
    fn from(job: WebhookJob) -> Self {
        Self {
            body: job.body.to_string(),
            job,
            headers: Vec::new(),
        }
    }
}

impl Deliverable for Webhook {
    type Record = DeliveryRecord;
    const NOUN: &'static str = "webhook";

    fn order_key(&self) -> Option<String> {
        self.job.order_key.clone()
    }

    fn due(&self) -> Instant {
        self.job.due
    }

    fn retries(&self) -> u32 {
        self.job.retries
    }

    fn redacted_url(&self) -> String {
        redact_url(&self.job.url)
    }

    async fn attempt(&self, client: &reqwest::Client) -> Result<u16, String> {
        let mut request = client
            .post(&self.job.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request
            .timeout(ATTEMPT_TIMEOUT)
            .body(self.body.clone())
            .send()
            .await
            .map(|r| r.status().as_u16())
            // reqwest errors may contain the URL: strip it so the token never reaches a log.
            .map_err(describe_error)
    }

    fn record(&self, delivery_id: u64, attempt: u32, outcome: Outcome) -> DeliveryRecord {
        let (status, error, dropped) = match outcome {
            Outcome::Dropped => (None, None, true),
            Outcome::Answered(status) => (Some(status), None, false),
            Outcome::Failed(error) => (None, Some(error), false),
        };
        DeliveryRecord {
            delivery_id,
            attempt,
            url: redact_url(&self.job.url),
            body: self.job.body.clone(),
            status,
            error,
            dropped,
            at: time::format_rfc3339(&time::now()),
        }
    }
}

impl Outbox {
    /// Like `enqueue`, sending these extra headers with every attempt (their values are secrets: they
    /// appear in no record and no log).
    pub fn enqueue_with_headers(&mut self, job: WebhookJob, headers: Vec<(String, String)>) {
        let mut webhook = Webhook::from(job);
        webhook.headers = headers;
        self.enqueue(webhook);
    }
}

#[cfg(test)]
mod tests;
