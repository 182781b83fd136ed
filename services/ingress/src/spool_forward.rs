//! Getting an accepted webhook to the broker, by way of the spool when the
//! broker cannot confirm: [`deliver`] decides, [`forward`] drains the spool
//! in order once the broker confirms again.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use ponte_bus::{Bus, BusError, Headers, Route};
use ponte_core::Envelope;
use ponte_http::ApiError;
use ponte_telemetry::catalog;
use tokio_util::sync::CancellationToken;

use crate::spool::{Spool, SpoolError, Spooled};

/// Where an accepted event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivered {
    Broker,
    Spool,
}

fn route(envelope: &Envelope) -> Route {
    Route::Events {
        shard_key: envelope.shard_key.clone(),
    }
}

/// Publishes the event with the broker's confirm or, when the broker cannot
/// confirm (or events are already waiting, so this one must not overtake
/// them), writes it to the spool. Either way it is durable when this
/// returns `Ok`.
pub(crate) async fn deliver(
    bus: &Bus,
    spool: Option<&Arc<Spool>>,
    envelope: &Envelope,
    headers: &Headers,
) -> Result<Delivered, ApiError> {
    let Some(spool) = spool else {
        return bus
            .publish(&route(envelope), envelope, headers)
            .await
            .map(|()| Delivered::Broker)
            .map_err(not_confirmed);
    };
    if spool.is_empty() {
        match bus.publish(&route(envelope), envelope, headers).await {
            Ok(()) => return Ok(Delivered::Broker),
            Err(e @ BusError::Unroutable(_)) => return Err(not_confirmed(e)),
            Err(e) => {
                tracing::warn!(error = %e, "broker cannot confirm; spooling the event");
            }
        }
    }
    let event = Spooled {
        envelope: envelope.clone(),
        headers: headers.clone(),
    };
    match spool.append(&event).await {
        Ok(()) => {
            catalog::SPOOL_APPENDED.inc(&[]);
            gauges(spool);
            Ok(Delivered::Spool)
        }
        Err(SpoolError::Full { max_bytes }) => {
            tracing::error!(max_bytes, "spool full; refusing the webhook");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "spool_full",
                "the broker is unavailable and the ingress's spool is full; nothing was accepted, retry later",
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot write to the spool");
            Err(ApiError::unavailable(
                "broker_unavailable",
                "the event could not be stored; nothing was accepted, retry later",
            ))
        }
    }
}

fn not_confirmed(e: BusError) -> ApiError {
    tracing::error!(error = %e, "event not confirmed by the broker");
    ApiError::unavailable(
        "broker_unavailable",
        "the event could not be stored; nothing was accepted, retry later",
    )
}

pub(crate) fn gauges(spool: &Spool) {
    catalog::SPOOL_DEPTH.set(&[], spool.depth() as f64);
    catalog::SPOOL_BYTES.set(&[], spool.bytes() as f64);
}

/// Forwards spooled events, oldest first, each only after the previous one
/// was confirmed; waits and tries again while the broker is away.
pub(crate) async fn forward(spool: Arc<Spool>, bus: Arc<Bus>, shutdown: CancellationToken) {
    gauges(&spool);
    let mut backoff = Duration::from_millis(200);
    loop {
        let Some((seq, event)) = spool.oldest().await else {
            gauges(&spool);
            tokio::select! {
                () = spool.appended.notified() => continue,
                () = shutdown.cancelled() => return,
            }
        };
        match bus
            .publish(&route(&event.envelope), &event.envelope, &event.headers)
            .await
        {
            Ok(()) => {
                spool.remove(seq).await;
                catalog::SPOOL_FORWARDED.inc(&[]);
                gauges(&spool);
                if backoff > Duration::from_millis(200) {
                    tracing::info!(
                        waiting = spool.depth(),
                        "broker confirms again; forwarding the spool"
                    );
                }
                backoff = Duration::from_millis(200);
            }
            Err(e) => {
                tracing::debug!(error = %e, waiting = spool.depth(), "spool waits for the broker");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = shutdown.cancelled() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
