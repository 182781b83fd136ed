use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{FieldTable, ShortString};
use ponte_core::Envelope;
use ponte_core::envelope::EnvelopeError;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::Bus;
use crate::headers::{self, Headers};
use crate::lanes::{Lanes, Settled};

/// One delivered message.
pub struct Incoming {
    pub queue: String,
    pub envelope: Result<Envelope, EnvelopeError>,
    pub headers: Headers,
    /// The broker delivered this message before and it was not acked (a
    /// consumer died or gave it back).
    pub redelivered: bool,
}

impl Incoming {
    /// How many times this message was sent back by back-pressure (a
    /// delay, not an attempt).
    pub fn delays(&self) -> u32 {
        self.headers
            .get(crate::headers::DELAYS)
            .and_then(|d| d.parse().ok())
            .unwrap_or(0)
    }

    /// The lane this message runs in: its envelope's shard key (the link or
    /// the ticket). An unreadable message gets a lane of its own.
    fn lane(&self, tag: u64) -> String {
        match &self.envelope {
            Ok(env) => env.shard_key.clone(),
            Err(_) => format!("\u{0}unreadable-{tag}"),
        }
    }
}

/// What to do with a message once the handler is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Done, or its follow-up (retry, dead letter) is safely published.
    Ack,
    /// Could not be handled for a reason outside the message (Redis or the
    /// broker unreachable): give it back after a pause. The queue's delivery
    /// limit parks it if this never ends.
    Requeue,
    /// The message itself is unusable (not an envelope): the broker parks
    /// it in the queue's dead-letter queue.
    Reject,
}

/// Handles messages of one queue. Messages of one key (lane) reach it one
/// at a time, in arrival order; messages of different keys concurrently.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, incoming: Incoming) -> impl Future<Output = Disposition> + Send;
}

/// Consumes `queue` until `shutdown`. Up to `prefetch` messages are in
/// flight: messages of different keys run concurrently, messages of one key
/// strictly in arrival order, each acked as it finishes. Reconnects with
/// backoff when the broker goes away. On shutdown the message in hand in
/// each lane is finished and acked; the rest return to the queue, in order,
/// when the channel closes.
pub async fn run_consumer<H: Handler>(
    bus: Arc<Bus>,
    queue: String,
    prefetch: u16,
    handler: Arc<H>,
    shutdown: CancellationToken,
) {
    let mut backoff = Duration::from_millis(200);
    while !shutdown.is_cancelled() {
        match consume_once(&bus, &queue, prefetch, &handler, &shutdown).await {
            Ok(()) => backoff = Duration::from_millis(200),
            Err(e) => {
                tracing::warn!(%queue, error = %e, retry_in_ms = backoff.as_millis() as u64, "consumer lost the broker; reconnecting");
                bus.reset().await;
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Counts an attached consumer in `ponte_consumers` while it lives.
struct Attached;

impl Attached {
    fn new() -> Attached {
        ponte_telemetry::catalog::CONSUMERS.add(&[], 1.0);
        Attached
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        ponte_telemetry::catalog::CONSUMERS.add(&[], -1.0);
    }
}

async fn consume_once<H: Handler>(
    bus: &Bus,
    queue: &str,
    prefetch: u16,
    handler: &Arc<H>,
    shutdown: &CancellationToken,
) -> Result<(), crate::BusError> {
    let channel = bus.channel().await?;
    channel
        .basic_qos(prefetch.max(1), BasicQosOptions::default())
        .await?;
    let mut consumer = channel
        .basic_consume(
            ShortString::from(queue),
            ShortString::from(format!("{}-{}", bus.config.connection_name, queue)),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let _attached = Attached::new();
    let mut lanes: Lanes<Delivery, Incoming> = Lanes::default();
    let mut running: JoinSet<(String, Result<Settled, crate::BusError>)> = JoinSet::new();
    let start = |running: &mut JoinSet<_>, lane: String, d: Delivery, i: Incoming| {
        let handler = handler.clone();
        running.spawn(async move {
            let settled = settle(d, i, handler.as_ref()).await;
            (lane, settled)
        });
    };
    let outcome = loop {
        tokio::select! {
            _ = shutdown.cancelled() => break Ok(()),
            Some(joined) = running.join_next(), if !running.is_empty() => {
                let (lane, settled) = match joined {
                    Ok(done) => done,
                    Err(e) => break Err(crate::BusError::Unreachable(format!("a handler task failed: {e}"))),
                };
                match settled {
                    Ok(Settled::Done) => {
                        if let Some((d, i)) = lanes.finish(&lane) {
                            start(&mut running, lane, d, i);
                        }
                    }
                    Ok(Settled::GivenBack) => {
                        // The key's later messages go back behind it, in
                        // order, so its redelivery is not overtaken.
                        let mut failed = None;
                        for (d, _) in lanes.drain(&lane) {
                            if let Err(e) = d.nack(requeue()).await {
                                failed = Some(e);
                                break;
                            }
                        }
                        if let Some(e) = failed {
                            break Err(e.into());
                        }
                    }
                    Err(e) => break Err(e),
                }
            }
            next = consumer.next() => {
                let delivery = match next {
                    Some(Ok(d)) => d,
                    Some(Err(e)) => break Err(e.into()),
                    None => break Err(crate::BusError::Unreachable("consumer stream ended".into())),
                };
                let incoming = Incoming {
                    queue: queue.to_string(),
                    envelope: Envelope::from_bytes(&delivery.data),
                    headers: headers::from_table(delivery.properties.headers().as_ref()),
                    redelivered: delivery.redelivered,
                };
                let lane = incoming.lane(delivery.delivery_tag);
                if let Some((d, i)) = lanes.arrive(lane.clone(), delivery, incoming) {
                    start(&mut running, lane, d, i);
                }
            }
        }
    };
    // Finish what is in hand (its ack may fail if the broker is gone: the
    // message is then redelivered and the effect-once machinery holds);
    // never start the next message of a lane.
    while running.join_next().await.is_some() {}
    if outcome.is_ok() {
        let _ = channel.close(200, "shutdown".into()).await;
    }
    outcome
}

fn requeue() -> BasicNackOptions {
    BasicNackOptions {
        requeue: true,
        ..Default::default()
    }
}

async fn settle<H: Handler>(
    delivery: Delivery,
    incoming: Incoming,
    handler: &H,
) -> Result<Settled, crate::BusError> {
    match handler.handle(incoming).await {
        Disposition::Ack => {
            delivery.ack(BasicAckOptions::default()).await?;
            Ok(Settled::Done)
        }
        Disposition::Requeue => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            delivery.nack(requeue()).await?;
            Ok(Settled::GivenBack)
        }
        Disposition::Reject => {
            delivery
                .nack(BasicNackOptions {
                    requeue: false,
                    ..Default::default()
                })
                .await?;
            Ok(Settled::Done)
        }
    }
}
