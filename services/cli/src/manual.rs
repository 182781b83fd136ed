//! Manual mode from the command line: queue a create or associate, then
//! wait until the link exists or the command was parked with a reason.

use std::time::{Duration, Instant};

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::api::AdminClient;

/// Posts the request and waits (up to `timeout`) for its outcome.
pub async fn link(admin: &AdminClient, request: Value, timeout: Duration) -> anyhow::Result<Value> {
    let queued = admin.post("/links", &request).await?;
    let link_id = queued["link"].as_str().unwrap_or_default().to_string();
    let command_id = queued["command_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let queue = queued["queue"].as_str().unwrap_or_default().to_string();
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(format!("waiting for the worker to link {link_id}"));
    pb.enable_steady_tick(Duration::from_millis(100));
    let started = Instant::now();
    loop {
        if let Ok(link) = admin.get(&format!("/links/{link_id}")).await {
            pb.finish_and_clear();
            return Ok(link);
        }
        if let Ok(dead) = admin
            .get(&format!("/dead-letters/{queue}/{command_id}"))
            .await
        {
            pb.finish_and_clear();
            bail!(
                "the {queue} worker could not link {link_id}: {}",
                dead["reason"].as_str().unwrap_or("unknown reason")
            );
        }
        if started.elapsed() > timeout {
            pb.finish_and_clear();
            bail!(
                "{link_id} is not linked after {}s; the command is queued (id {command_id}); check `ponte dlq list`",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

pub fn create_request(integration: &str, ticket: &str) -> Value {
    json!({"integration": integration, "source_ticket": ticket, "action": "create"})
}

pub fn associate_request(integration: &str, ticket: &str, with: &str) -> Value {
    json!({"integration": integration, "source_ticket": ticket, "action": "associate", "target_ticket": with})
}
