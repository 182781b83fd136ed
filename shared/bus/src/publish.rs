use std::time::Duration;

use chrono::{DateTime, Utc};
use lapin::options::BasicPublishOptions;
use lapin::types::ShortString;
use lapin::{BasicProperties, Confirmation};
use ponte_core::{Command, Envelope};

use crate::headers::{self, Headers};
use crate::{Bus, BusError, Route};

impl Bus {
    /// Queues `command` for its provider's worker, on its shard, under the
    /// id its cause fixes (see `Envelope::command`; `occurred_at` is the
    /// cause's time). Returns the envelope it went in.
    pub async fn send_command(
        &self,
        command: Command,
        occurred_at: DateTime<Utc>,
        headers: &Headers,
    ) -> Result<Envelope, BusError> {
        let envelope = Envelope::command(command, occurred_at);
        let route = Route::Work {
            provider: envelope.provider,
            shard_key: envelope.shard_key.clone(),
        };
        self.publish(&route, &envelope, headers).await?;
        Ok(envelope)
    }

    /// Publishes persistent and mandatory, and returns only once the broker
    /// confirmed it: after `Ok` the message is safe in a queue.
    pub async fn publish(
        &self,
        route: &Route,
        envelope: &Envelope,
        headers: &Headers,
    ) -> Result<(), BusError> {
        self.publish_with_expiry(route, envelope, headers, None)
            .await
    }

    pub(crate) async fn publish_with_expiry(
        &self,
        route: &Route,
        envelope: &Envelope,
        headers: &Headers,
        expiry: Option<Duration>,
    ) -> Result<(), BusError> {
        let (exchange, key) = self.topology().address(route);
        let mut props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type(ShortString::from("application/json"))
            .with_message_id(ShortString::from(envelope.id.as_str()))
            .with_headers(headers::to_table(headers));
        if let Some(ttl) = expiry {
            props = props.with_expiration(ShortString::from(ttl.as_millis().max(1).to_string()));
        }
        let payload = envelope.to_bytes();
        let result = self.publish_raw(&exchange, &key, &payload, props).await;
        if let Err(BusError::Unreachable(_) | BusError::NotConfirmed(_)) = &result {
            self.reset().await;
        }
        result
    }

    pub(crate) async fn publish_raw(
        &self,
        exchange: &str,
        key: &str,
        payload: &[u8],
        props: BasicProperties,
    ) -> Result<(), BusError> {
        let channel = self.publish_channel().await?;
        let pending = channel
            .basic_publish(
                ShortString::from(exchange),
                ShortString::from(key),
                BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                payload,
                props,
            )
            .await?;
        let confirmation = tokio::time::timeout(self.config.confirm_timeout, pending)
            .await
            .map_err(|_| BusError::NotConfirmed("no confirm within the timeout".into()))?
            .map_err(|e| BusError::NotConfirmed(e.to_string()))?;
        match confirmation {
            Confirmation::Ack(None) => Ok(()),
            Confirmation::Ack(Some(_returned)) => {
                Err(BusError::Unroutable(format!("{exchange}/{key}")))
            }
            Confirmation::Nack(_) => {
                Err(BusError::NotConfirmed("broker nacked the message".into()))
            }
            Confirmation::NotRequested => Err(BusError::NotConfirmed(
                "publisher confirms are off on this channel".into(),
            )),
        }
    }
}
