use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lapin::options::ConfirmSelectOptions;
use lapin::{Channel, Connection, ConnectionProperties};
use tokio::sync::Mutex;

use crate::{BusError, RetryPolicy, Topology};

#[derive(Debug, Clone)]
pub struct BusConfig {
    pub amqp_url: String,
    /// Shown in the broker's connection list.
    pub connection_name: String,
    pub topology: Topology,
    pub retry: RetryPolicy,
    /// How long a publish may wait for the broker's confirm.
    pub confirm_timeout: Duration,
}

struct Live {
    conn: Connection,
    publish: Channel,
}

/// A handle on the broker that reconnects lazily: when the broker goes away
/// calls fail fast with [`BusError::Unreachable`], and the next call after
/// it returns connects again, without a restart.
pub struct Bus {
    pub(crate) config: BusConfig,
    live: Mutex<Option<Live>>,
    /// The node to try first: the one that answered last, or the next one
    /// after a failure (`PONTE_AMQP_URL` may name several nodes).
    first_node: AtomicUsize,
    /// Taken by every dead-letter walk: a message one walk holds unacked
    /// is invisible to another, so a purge running beside a browse would
    /// miss it. Fair, so a waiting walk goes next.
    pub(crate) browse: Mutex<()>,
}

impl Bus {
    pub fn new(config: BusConfig) -> Arc<Bus> {
        Arc::new(Bus {
            config,
            live: Mutex::new(None),
            first_node: AtomicUsize::new(0),
            browse: Mutex::new(()),
        })
    }

    pub fn topology(&self) -> &Topology {
        &self.config.topology
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.config.retry
    }

    /// The channel used for confirmed publishing, connecting if needed.
    pub(crate) async fn publish_channel(&self) -> Result<Channel, BusError> {
        let mut live = self.live.lock().await;
        if let Some(l) = live.as_ref()
            && l.conn.status().connected()
            && l.publish.status().connected()
        {
            return Ok(l.publish.clone());
        }
        *live = None;
        let conn = self.connect().await?;
        let publish = conn.create_channel().await?;
        publish
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let ch = publish.clone();
        *live = Some(Live { conn, publish });
        Ok(ch)
    }

    /// A fresh channel on the shared connection, for a consumer or a
    /// dead-letter browse.
    pub async fn channel(&self) -> Result<Channel, BusError> {
        // Make sure the connection is up (and the topology declared).
        self.publish_channel().await?;
        let live = self.live.lock().await;
        match live.as_ref() {
            Some(l) => Ok(l.conn.create_channel().await?),
            None => Err(BusError::Unreachable("connection lost".into())),
        }
    }

    /// Forget the connection after a failure so the next call reconnects,
    /// to the next node first when there are several.
    pub(crate) async fn reset(&self) {
        let mut live = self.live.lock().await;
        if let Some(l) = live.take() {
            self.first_node.fetch_add(1, Ordering::SeqCst);
            let _ = tokio::time::timeout(Duration::from_secs(1), l.conn.close(320, "reset".into()))
                .await;
        }
    }

    /// Ready when the broker is reachable (used by `/readyz`).
    pub async fn check(&self) -> Result<(), BusError> {
        self.publish_channel().await.map(|_| ())
    }

    pub async fn close(&self) {
        let mut live = self.live.lock().await;
        if let Some(l) = live.take() {
            let _ = l.conn.close(200, "shutdown".into()).await;
        }
    }

    /// Connects to the first node that answers, starting with the one that
    /// answered last.
    async fn connect(&self) -> Result<Connection, BusError> {
        let nodes = crate::nodes::node_urls(&self.config.amqp_url);
        if nodes.is_empty() {
            return Err(BusError::Unreachable("PONTE_AMQP_URL names no node".into()));
        }
        let first = self.first_node.load(Ordering::SeqCst);
        let mut last_error = None;
        for i in 0..nodes.len() {
            let index = (first + i) % nodes.len();
            match self.connect_to(&nodes[index]).await {
                Ok(conn) => {
                    self.first_node.store(index, Ordering::SeqCst);
                    return Ok(conn);
                }
                Err(e) => {
                    if nodes.len() > 1 {
                        tracing::warn!(node = %crate::nodes::node_name(&nodes[index]), error = %e, "broker node unreachable; trying the next");
                    }
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| BusError::Unreachable("no node answered".into())))
    }

    async fn connect_to(&self, url: &str) -> Result<Connection, BusError> {
        let props = ConnectionProperties::default()
            .with_connection_name(self.config.connection_name.as_str().into());
        let conn = tokio::time::timeout(Duration::from_secs(5), Connection::connect(url, props))
            .await
            .map_err(|_| BusError::Unreachable("timed out connecting".into()))?
            .map_err(|e| BusError::Unreachable(e.to_string()))?;
        self.config.topology.declare(&conn).await?;
        tracing::info!(name = %self.config.connection_name, node = %crate::nodes::node_name(url), "connected to the broker");
        Ok(conn)
    }
}

impl BusConfig {
    /// The bus settings every service derives from the shared configuration.
    pub fn from_common(common: &ponte_config::Common, connection_name: &str) -> BusConfig {
        let retry = RetryPolicy {
            max_attempts: common.max_attempts,
            tiers: common.retry_tiers.clone(),
            ..RetryPolicy::default()
        };
        BusConfig {
            amqp_url: common.amqp_url.clone(),
            connection_name: connection_name.to_string(),
            topology: Topology {
                namespace: common.namespace.clone(),
                event_shards: common.event_shards,
                work_shards: common.work_shards,
                delivery_limit: common.delivery_limit,
                retry_tiers: retry.tiers.clone(),
                quorum_initial_group_size: common.quorum_initial_group_size,
            },
            retry,
            confirm_timeout: Duration::from_secs(10),
        }
    }
}
