//! Names and declaration of every exchange and queue, under a namespace.
//!
//! ```text
//! {ns}.events     direct  key "{shard}"           -> {ns}.events.{shard}          (router input)
//! {ns}.work       direct  key "{provider}.{shard}" -> {ns}.work.{provider}.{shard} (worker input)
//! {ns}.retry.{t}  fanout                           -> {ns}.retry.{t}  --expires--> {ns}.redeliver
//! {ns}.redeliver  direct  key "{queue name}"       -> that events/work queue
//! {ns}.dlx        direct  key "{name}"             -> {ns}.dlq.{name}  (name = provider or "router")
//! ```

use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, Connection, ExchangeKind};
use ponte_core::Provider;
use ponte_core::ids::shard_of;

use crate::BusError;

#[derive(Debug, Clone)]
pub struct Topology {
    pub namespace: String,
    pub event_shards: u16,
    pub work_shards: u16,
    pub delivery_limit: u32,
    pub retry_tiers: Vec<Duration>,
    /// Members of each new shard queue's Raft group
    /// (`x-quorum-initial-group-size`); `None` leaves it to the broker
    /// (every cluster node). Only read when a queue is created.
    pub quorum_initial_group_size: Option<u8>,
}

/// Where a message goes.
#[derive(Debug, Clone)]
pub enum Route {
    /// Router input, sharded by key.
    Events { shard_key: String },
    /// A provider worker's input, sharded by key.
    Work {
        provider: Provider,
        shard_key: String,
    },
    /// Back into a named events/work queue (retries, replays).
    Queue(String),
    /// A retry tier; the message returns to `queue` when it expires.
    Retry { tier: usize, queue: String },
    /// A dead-letter queue by name (provider or `router`).
    DeadLetter(String),
}

pub const ROUTER_DLQ: &str = "router";

impl Topology {
    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.namespace)
    }
    pub fn work_exchange(&self) -> String {
        format!("{}.work", self.namespace)
    }
    pub fn redeliver_exchange(&self) -> String {
        format!("{}.redeliver", self.namespace)
    }
    pub fn dlx_exchange(&self) -> String {
        format!("{}.dlx", self.namespace)
    }
    pub fn retry_name(&self, tier: usize) -> String {
        let d = self.retry_tiers.get(tier).copied().unwrap_or_default();
        format!("{}.retry.{}", self.namespace, tier_label(d))
    }
    pub fn events_queue(&self, shard: u16) -> String {
        format!("{}.events.{shard}", self.namespace)
    }
    pub fn work_queue(&self, provider: Provider, shard: u16) -> String {
        format!("{}.work.{provider}.{shard}", self.namespace)
    }
    pub fn dlq(&self, name: &str) -> String {
        format!("{}.dlq.{name}", self.namespace)
    }
    pub fn events_queues(&self) -> Vec<String> {
        (0..self.event_shards)
            .map(|s| self.events_queue(s))
            .collect()
    }
    pub fn work_queues(&self, provider: Provider) -> Vec<String> {
        (0..self.work_shards)
            .map(|s| self.work_queue(provider, s))
            .collect()
    }
    /// Every dead-letter queue name: one per provider, one for the router.
    pub fn dlq_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Provider::ALL.iter().map(|p| p.to_string()).collect();
        names.push(ROUTER_DLQ.to_string());
        names
    }

    /// `(exchange, routing key)` for a route.
    pub fn address(&self, route: &Route) -> (String, String) {
        match route {
            Route::Events { shard_key } => (
                self.events_exchange(),
                shard_of(shard_key, self.event_shards).to_string(),
            ),
            Route::Work {
                provider,
                shard_key,
            } => (
                self.work_exchange(),
                format!("{provider}.{}", shard_of(shard_key, self.work_shards)),
            ),
            Route::Queue(queue) => (self.redeliver_exchange(), queue.clone()),
            Route::Retry { tier, queue } => (self.retry_name(*tier), queue.clone()),
            Route::DeadLetter(name) => (self.dlx_exchange(), name.clone()),
        }
    }

    /// Declares everything; safe to repeat, and every service does it at
    /// connect so start order does not matter.
    ///
    /// On a cluster, a classic queue (parking, retry delay) lives on one
    /// node; while that node is down the broker refuses to declare it. That
    /// is logged and skipped, so a service still connects through the
    /// nodes left and consumes its quorum shard queues; a shard queue that
    /// cannot be declared is an error.
    pub async fn declare(&self, conn: &Connection) -> Result<(), BusError> {
        let mut ch = conn.create_channel().await?;
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        for (name, kind) in [
            (self.events_exchange(), ExchangeKind::Direct),
            (self.work_exchange(), ExchangeKind::Direct),
            (self.redeliver_exchange(), ExchangeKind::Direct),
            (self.dlx_exchange(), ExchangeKind::Direct),
        ] {
            ch.exchange_declare(name.as_str().into(), kind, durable, FieldTable::default())
                .await
                .map_err(topo)?;
        }
        for name in self.dlq_names() {
            let q = self.dlq(&name);
            if declare_classic(conn, &mut ch, &q, classic_args()).await? {
                bind(&ch, &q, &self.dlx_exchange(), &name).await?;
            }
        }
        for shard in 0..self.event_shards {
            let q = self.events_queue(shard);
            declare_queue(&ch, &q, self.shard_args(ROUTER_DLQ)).await?;
            bind(&ch, &q, &self.events_exchange(), &shard.to_string()).await?;
            bind(&ch, &q, &self.redeliver_exchange(), &q).await?;
        }
        for provider in Provider::ALL {
            for shard in 0..self.work_shards {
                let q = self.work_queue(provider, shard);
                declare_queue(&ch, &q, self.shard_args(provider.as_str())).await?;
                bind(
                    &ch,
                    &q,
                    &self.work_exchange(),
                    &format!("{provider}.{shard}"),
                )
                .await?;
                bind(&ch, &q, &self.redeliver_exchange(), &q).await?;
            }
        }
        for tier in 0..self.retry_tiers.len() {
            let name = self.retry_name(tier);
            ch.exchange_declare(
                name.as_str().into(),
                ExchangeKind::Fanout,
                durable,
                FieldTable::default(),
            )
            .await
            .map_err(topo)?;
            let mut args = classic_args();
            args.insert(
                "x-dead-letter-exchange".into(),
                long(&self.redeliver_exchange()),
            );
            if declare_classic(conn, &mut ch, &name, args).await? {
                bind(&ch, &name, &name, "").await?;
            }
        }
        let _ = ch.close(200, "declared".into()).await;
        Ok(())
    }

    /// Quorum, one active consumer (per-ticket order), explicit delivery
    /// limit, at-least-once dead-lettering to the named parking queue.
    fn shard_args(&self, dlq_name: &str) -> FieldTable {
        let mut args = FieldTable::default();
        args.insert("x-queue-type".into(), long("quorum"));
        args.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongInt(i32::try_from(self.delivery_limit).unwrap_or(i32::MAX)),
        );
        args.insert("x-dead-letter-exchange".into(), long(&self.dlx_exchange()));
        args.insert("x-dead-letter-routing-key".into(), long(dlq_name));
        args.insert("x-dead-letter-strategy".into(), long("at-least-once"));
        args.insert("x-overflow".into(), long("reject-publish"));
        if let Some(size) = self.quorum_initial_group_size {
            args.insert(
                "x-quorum-initial-group-size".into(),
                AMQPValue::LongInt(i32::from(size)),
            );
        }
        args
    }
}

/// Parking and delay queues are classic: a browsed message that is not
/// taken returns to its place, and expiry at the head is exact.
fn classic_args() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert("x-queue-type".into(), long("classic"));
    args
}

fn long(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s))
}

fn tier_label(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else if s >= 1 {
        format!("{s}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Declares a classic queue; `false` (and a warning) when its node is down,
/// after which `ch`, closed by the broker's refusal, is replaced.
async fn declare_classic(
    conn: &Connection,
    ch: &mut Channel,
    name: &str,
    args: FieldTable,
) -> Result<bool, BusError> {
    match declare_queue(ch, name, args).await {
        Ok(()) => Ok(true),
        Err(BusError::Topology(message)) if node_down(&message) => {
            tracing::warn!(queue = %name, error = %message, "classic queue unavailable while its node is down; skipped");
            *ch = conn.create_channel().await?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Whether the broker refused a declaration because the queue's node is down.
fn node_down(message: &str) -> bool {
    message.contains("NOT_FOUND") && message.contains("home node")
}

async fn declare_queue(ch: &Channel, name: &str, args: FieldTable) -> Result<(), BusError> {
    ch.queue_declare(
        ShortString::from(name),
        QueueDeclareOptions {
            durable: true,
            ..Default::default()
        },
        args,
    )
    .await
    .map(|_| ())
    .map_err(topo)
}

async fn bind(ch: &Channel, queue: &str, exchange: &str, key: &str) -> Result<(), BusError> {
    ch.queue_bind(
        ShortString::from(queue),
        ShortString::from(exchange),
        ShortString::from(key),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .map_err(topo)
}

fn topo(e: lapin::Error) -> BusError {
    BusError::Topology(e.to_string())
}

impl Topology {
    /// Every queue name of the namespace.
    pub fn all_queues(&self) -> Vec<String> {
        let mut q = self.events_queues();
        for p in Provider::ALL {
            q.extend(self.work_queues(p));
        }
        q.extend(self.dlq_names().iter().map(|n| self.dlq(n)));
        q.extend((0..self.retry_tiers.len()).map(|t| self.retry_name(t)));
        q
    }

    /// Deletes the namespace's queues and exchanges (test clean-up).
    pub async fn delete(&self, ch: &Channel) -> Result<(), BusError> {
        use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
        for q in self.all_queues() {
            ch.queue_delete(ShortString::from(q.as_str()), QueueDeleteOptions::default())
                .await
                .map_err(topo)?;
        }
        let mut exchanges = vec![
            self.events_exchange(),
            self.work_exchange(),
            self.redeliver_exchange(),
            self.dlx_exchange(),
        ];
        exchanges.extend((0..self.retry_tiers.len()).map(|t| self.retry_name(t)));
        for e in exchanges {
            ch.exchange_delete(
                ShortString::from(e.as_str()),
                ExchangeDeleteOptions::default(),
            )
            .await
            .map_err(topo)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology(size: Option<u8>) -> Topology {
        Topology {
            namespace: "ns".into(),
            event_shards: 1,
            work_shards: 1,
            delivery_limit: 5,
            retry_tiers: vec![Duration::from_secs(1)],
            quorum_initial_group_size: size,
        }
    }

    #[test]
    fn shard_queues_carry_the_initial_group_size_when_set() {
        let args = topology(Some(3)).shard_args("router");
        let inner = args.inner();
        assert_eq!(
            inner.get("x-quorum-initial-group-size"),
            Some(&AMQPValue::LongInt(3))
        );
        assert_eq!(inner.get("x-queue-type"), Some(&long("quorum")));
        let unset = topology(None).shard_args("router");
        assert!(!unset.inner().contains_key("x-quorum-initial-group-size"));
    }

    #[test]
    fn only_a_down_node_excuses_a_classic_queue() {
        assert!(node_down(
            "protocol error: AMQP soft error: NOT-FOUND: NOT_FOUND - home node 'ponte-c1@localhost' \
             of durable queue 'ns.dlq.movidesk' in vhost '/' is down or inaccessible"
        ));
        assert!(!node_down(
            "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'ns.dlq.movidesk'"
        ));
    }

    #[test]
    fn tier_names_read_well() {
        assert_eq!(tier_label(Duration::from_secs(5)), "5s");
        assert_eq!(tier_label(Duration::from_secs(120)), "2m");
        assert_eq!(tier_label(Duration::from_secs(3600)), "1h");
        assert_eq!(tier_label(Duration::from_millis(200)), "200ms");
    }
}
