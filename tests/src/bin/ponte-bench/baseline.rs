//! The minimal ingress (`ponte-baseline-ingress`: publish, await the
//! confirm, 202) that Ponte's ingress is measured against in the same run.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::*;

pub(crate) struct Baseline {
    child: Child,
    pub(crate) url: String,
    queue: String,
}

impl Baseline {
    /// Starts the baseline beside the fleet's binaries, on a queue of the
    /// bench's namespace.
    pub(crate) async fn start(ns: &str) -> Result<Baseline> {
        let bin = ponte_cli::fleet::FleetOptions::default_bin_dir().join("ponte-baseline-ingress");
        let queue = format!("{ns}.bench-baseline");
        let mut child = Command::new(&bin)
            .arg(&queue)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {} (cargo build --bins)", bin.display()))?;
        let stdout = child
            .stdout
            .take()
            .context("the baseline's output is not readable")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
            .await
            .context("the baseline did not start within 15 s")??
            .context("the baseline stopped before listening")?;
        let addr = line
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line from the baseline: {line}"))?;
        Ok(Baseline {
            url: format!("http://{addr}/hooks"),
            child,
            queue,
        })
    }

    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops it and deletes its queue.
    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
        if let Ok(conn) =
            Connection::connect(&ponte_e2e::amqp_url(), ConnectionProperties::default()).await
        {
            if let Ok(ch) = conn.create_channel().await {
                let _ = ch
                    .queue_delete(
                        ShortString::from(self.queue.as_str()),
                        QueueDeleteOptions::default(),
                    )
                    .await;
            }
            let _ = conn.close(200, ShortString::from("bye")).await;
        }
    }
}
