//! What the router reads before it routes an event, in one round trip:
//! whether the event was routed already, the integrations' version (its
//! integration is then served from memory while no integration changed),
//! the link of the ticket the event is about, and (for a webhook that could
//! be the echo of a write of Ponte's that adds no action) whether it takes
//! that write's mark (decision 114). The workers serve their
//! commands' integrations from the same kind of copy (decision 110).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use deadpool_redis::redis::{FromRedisValue, RedisError, Value, from_redis_value};
use ponte_core::{Integration, Side};

use crate::{Store, StoreError};

/// The next of a pipeline's replies, as `T` (a missing one reads as nil).
fn next_reply<T: FromRedisValue>(
    replies: &mut impl Iterator<Item = Value>,
) -> Result<T, StoreError> {
    from_redis_value(replies.next().unwrap_or(Value::Nil))
        .map_err(|e| StoreError::from(RedisError::from(e)))
}

/// [`Store::route_read`]'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRead {
    /// The event was routed already (a repeat to drop).
    pub routed: bool,
    /// [`Store::integrations_version`] at the read.
    pub version: u64,
    /// The link id of the ticket asked about, if it has one.
    pub link_id: Option<String>,
    /// The quiet echo asked about was marked, and is now taken.
    pub quiet_echo: bool,
}

/// Integrations opened at a version of [`Store::integrations_version`]:
/// the admin bumps it in the same transaction as every change, so a copy
/// at the version just read is as fresh as reading the integration itself.
#[derive(Default)]
pub struct IntegrationCache {
    by_id: Mutex<HashMap<String, (u64, Arc<Integration>)>>,
}

impl IntegrationCache {
    fn at(&self, id: &str, version: u64) -> Option<Arc<Integration>> {
        let by_id = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        by_id
            .get(id)
            .filter(|(v, _)| *v == version)
            .map(|(_, i)| i.clone())
    }

    fn keep(&self, id: &str, version: u64, integration: Option<&Arc<Integration>>) {
        let mut by_id = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        match integration {
            Some(i) => {
                by_id.insert(id.to_string(), (version, i.clone()));
            }
            None => {
                by_id.remove(id);
            }
        }
    }
}

impl Store {
    /// See the module. `ticket` is the integration, side and ticket whose
    /// link is wanted, when the event names one; `quiet_echo` the mark
    /// ([`Store::mark_echo`]) to take once, when the event could be one.
    /// The mark is taken even from a repeat: a repeat of another webhook
    /// that takes it leaves Ponte's own echo to a re-read, the safe way.
    pub async fn route_read(
        &self,
        event_id: &str,
        ticket: Option<(&str, Side, &str)>,
        quiet_echo: Option<&str>,
    ) -> Result<RouteRead, StoreError> {
        let mut pipe = deadpool_redis::redis::pipe();
        pipe.exists(self.dedupe_key("routed", event_id))
            .get(self.integrations_version_key());
        if let Some((integration, side, id)) = ticket {
            pipe.get(self.ticket_key(integration, side, id));
        }
        if let Some(fingerprint) = quiet_echo {
            pipe.del(self.echo_key(fingerprint));
        }
        let mut c = self.conn().await?;
        // The replies in the order asked; the optional ones only when asked.
        let replies: Vec<Value> = pipe.query_async(&mut c).await?;
        let mut replies = replies.into_iter();
        let routed: bool = next_reply(&mut replies)?;
        let version: Option<u64> = next_reply(&mut replies)?;
        let link_id: Option<String> = match ticket {
            Some(_) => next_reply(&mut replies)?,
            None => None,
        };
        let taken: u32 = match quiet_echo {
            Some(_) => next_reply(&mut replies)?,
            None => 0,
        };
        Ok(RouteRead {
            routed,
            version: version.unwrap_or(0),
            link_id,
            quiet_echo: taken > 0,
        })
    }

    /// Integration `id` as of `version` (read just before): from `cache`
    /// when it holds that version's copy, else read (and kept there). A
    /// copy read after the version was is at least as new as it.
    pub async fn integration_as_of(
        &self,
        cache: &IntegrationCache,
        id: &str,
        version: u64,
    ) -> Result<Option<Arc<Integration>>, StoreError> {
        if let Some(hit) = cache.at(id, version) {
            return Ok(Some(hit));
        }
        let read = self.integration(id).await?.map(Arc::new);
        cache.keep(id, version, read.as_ref());
        Ok(read)
    }

    /// Integration `id` as it is now: the version is read (one small
    /// value) and the sealed integration only when it moved since `cache`
    /// kept its copy. For callers without a read of their own to fold the
    /// version into (the workers).
    pub async fn integration_cached(
        &self,
        cache: &IntegrationCache,
        id: &str,
    ) -> Result<Option<Arc<Integration>>, StoreError> {
        let version = self.integrations_version().await?;
        self.integration_as_of(cache, id, version).await
    }
}
