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

/// Asks the admin API for the preview of a create, polling while the
/// source desk is being read (with a spinner), up to `timeout`.
pub async fn preview(
    admin: &AdminClient,
    integration: &str,
    ticket: &str,
    timeout: Duration,
) -> anyhow::Result<Value> {
    let request = json!({"integration": integration, "source_ticket": ticket});
    let started = Instant::now();
    let mut pb: Option<ProgressBar> = None;
    loop {
        let v = admin.post("/links/preview", &request).await?;
        if v["status"] != "reading" {
            if let Some(pb) = pb {
                pb.finish_and_clear();
            }
            return Ok(v);
        }
        let pb = pb.get_or_insert_with(|| {
            let pb = ProgressBar::new_spinner();
            pb.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.set_message(format!("Ponte is reading #{ticket} from the source desk"));
            pb.enable_steady_tick(Duration::from_millis(100));
            pb
        });
        if started.elapsed() > timeout {
            pb.finish_and_clear();
            bail!(
                "the source desk did not give ticket #{ticket} within {}s (check the ticket number, `ponte dlq list` and the desk's API budget)",
                timeout.as_secs()
            );
        }
        let wait = v["retry_after_secs"].as_u64().unwrap_or(2).clamp(1, 10);
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
}

/// The preview as a few readable lines.
pub fn render_preview(p: &Value) -> String {
    use std::fmt::Write as _;
    let text = |v: &Value| v.as_str().unwrap_or("—").to_string();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Counterpart of #{} on {}:",
        text(&p["source_ticket"]),
        text(&p["target_provider"])
    );
    let _ = writeln!(out, "  subject       {}", text(&p["subject"]));
    let _ = writeln!(out, "  type          {}", text(&p["visibility"]));
    let _ = writeln!(out, "  client        {}", text(&p["client"]));
    let _ = writeln!(out, "  first action  {}", text(&p["first_action"]));
    for f in p["fields"].as_array().into_iter().flatten() {
        let value = match f["problem"].as_str() {
            Some(problem) => format!("⚠ {problem} (sent without it)"),
            None => text(&f["value"]),
        };
        let _ = writeln!(out, "  {:<13} {value}", text(&f["field"]));
    }
    out
}

/// Asks `question` on the terminal; refuses to guess when there is none.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("not creating without a confirmation: stdin is not a terminal; pass --yes");
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "sim" | "s"))
}

pub fn create_request(integration: &str, ticket: &str) -> Value {
    json!({"integration": integration, "source_ticket": ticket, "action": "create"})
}

pub fn associate_request(integration: &str, ticket: &str, with: &str) -> Value {
    json!({"integration": integration, "source_ticket": ticket, "action": "associate", "target_ticket": with})
}
