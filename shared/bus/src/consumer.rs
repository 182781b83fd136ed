use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{FieldTable, ShortString};
use ponte_core::Envelope;
use ponte_core::envelope::EnvelopeError;
use tokio_util::sync::CancellationToken;

use crate::Bus;
use crate::headers::{self, Headers};

/// One delivered message.
pub struct Incoming {
    pub queue: String,
    pub envelope: Result<Envelope, EnvelopeError>,
    pub headers: Headers,
    /// The broker delivered this message before and it was not acked (a
    /// consumer died or gave it back).
    pub redelivered: bool,
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

/// Handles messages of one queue, one at a time.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, incoming: Incoming) -> impl Future<Output = Disposition> + Send;
}

/// Consumes `queue` until `shutdown`, handing messages to `handler` in
/// order. Reconnects with backoff when the broker goes away. On shutdown the
/// message in hand is finished and acked; prefetched ones return to the
/// queue when the channel closes.
pub async fn run_consumer<H: Handler>(
    bus: Arc<Bus>,
    queue: String,
    prefetch: u16,
    handler: Arc<H>,
    shutdown: CancellationToken,
) {
    let mut backoff = Duration::from_millis(200);
    while !shutdown.is_cancelled() {
        match consume_once(&bus, &queue, prefetch, handler.as_ref(), &shutdown).await {
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

async fn consume_once<H: Handler>(
    bus: &Bus,
    queue: &str,
    prefetch: u16,
    handler: &H,
    shutdown: &CancellationToken,
) -> Result<(), crate::BusError> {
    let channel = bus.channel().await?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    let mut consumer = channel
        .basic_consume(
            ShortString::from(queue),
            ShortString::from(format!("{}-{}", bus.config.connection_name, queue)),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    loop {
        let next = tokio::select! {
            _ = shutdown.cancelled() => {
                let _ = channel.close(200, "shutdown".into()).await;
                return Ok(());
            }
            next = consumer.next() => next,
        };
        let delivery = match next {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Err(e.into()),
            None => return Err(crate::BusError::Unreachable("consumer stream ended".into())),
        };
        settle(delivery, queue, handler).await?;
    }
}

async fn settle<H: Handler>(
    delivery: Delivery,
    queue: &str,
    handler: &H,
) -> Result<(), crate::BusError> {
    let incoming = Incoming {
        queue: queue.to_string(),
        envelope: Envelope::from_bytes(&delivery.data),
        headers: headers::from_table(delivery.properties.headers().as_ref()),
        redelivered: delivery.redelivered,
    };
    match handler.handle(incoming).await {
        Disposition::Ack => {
            delivery.ack(BasicAckOptions::default()).await?;
        }
        Disposition::Requeue => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            delivery
                .nack(BasicNackOptions {
                    requeue: true,
                    ..Default::default()
                })
                .await?;
        }
        Disposition::Reject => {
            delivery
                .nack(BasicNackOptions {
                    requeue: false,
                    ..Default::default()
                })
                .await?;
        }
    }
    Ok(())
}
