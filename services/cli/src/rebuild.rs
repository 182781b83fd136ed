//! `ponte links rebuild`: start rebuilding an integration's links from the
//! markers on the providers' tickets and follow its progress to the end.

use std::time::Duration;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::api::AdminClient;

/// Starts (or joins) the rebuild and waits for it; the final progress.
pub async fn links(admin: &AdminClient, integration: &str) -> anyhow::Result<Value> {
    let path = format!("/integrations/{integration}/links/rebuild");
    admin.post(&path, &json!({})).await?;
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(Duration::from_millis(100));
    loop {
        let p = admin.get(&path).await?;
        pb.set_message(line(&p));
        if p["state"] != "running" {
            pb.finish_and_clear();
            if p["state"] == "failed" {
                bail!(
                    "rebuild of {integration} failed: {} ({})",
                    p["error"].as_str().unwrap_or("unknown error"),
                    line(&p)
                );
            }
            return Ok(p);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// One line of progress: pages read, markers, links written and kept.
pub fn line(p: &Value) -> String {
    let n = |k: &str| p[k].as_u64().unwrap_or(0);
    format!(
        "{} pages read, {} marked tickets, {} pairs: {} links written, {} already there, {} removed by an agent, {} conflicts",
        n("pages_read"),
        n("tickets_marked"),
        n("pairs_found"),
        n("links_written"),
        n("links_kept"),
        n("skipped_removed"),
        p["conflicts"].as_array().map_or(0, Vec::len),
    )
}
