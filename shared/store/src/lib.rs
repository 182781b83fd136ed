//! Ponte's state in Redis, behind one small API: integrations, links both
//! ways, event dedupe, command intents and results, ticket snapshots, echo
//! marks, link history and shared rate limits. Every key is prefixed with
//! the namespace. Integrations are encrypted at rest when the operator
//! gives a key (`sealed`); history-like keys expire after their retention.

mod attempts;
mod calls;
mod dedupe;
mod eligible;
mod error;
mod guards;
mod history;
mod holds;
mod integrations;
mod intents;
mod kept;
mod link_status;
mod links;
mod one_server;
mod persons;
mod pool;
mod ratelimit;
mod refusals;
mod reseal;
mod route_read;
mod sealed;
mod snapshots;
mod waiting;

use std::sync::Arc;

use ponte_config::{Retention, SecretsKeys};
use pool::{Conn, Pool};

pub use calls::{CallOutcome, CallRecord};
pub use eligible::Eligible;
pub use error::StoreError;
pub use history::{HistoryEntry, HistoryKind};
pub use holds::Arrival;
pub use intents::Intent;
pub use link_status::{LinkStatus, SideStatus};
pub use ratelimit::{RATE_CLASSES, RateAnswer, RateClaim};
pub use reseal::{Resealed, SecretsCheck};
pub use route_read::{IntegrationCache, RouteRead};
pub use sealed::{Keyring, SealError, Sealing};
pub use waiting::Claimed;

#[derive(Clone)]
pub struct Store {
    pool: Pool,
    ns: String,
    keys: Arc<Keyring>,
    retention: Retention,
}

impl Store {
    /// Builds the pool; connects lazily, so a service can start while Redis
    /// is down and report it through `/readyz`.
    pub fn new(redis_url: &str, namespace: &str) -> Result<Store, StoreError> {
        Ok(Store {
            pool: Pool::new(redis_url)?,
            ns: namespace.to_string(),
            keys: Arc::new(Keyring::default()),
            retention: Retention::default(),
        })
    }

    /// The same store, encrypting integrations with `keys.current` and
    /// reading with either key.
    pub fn with_keys(mut self, keys: &SecretsKeys) -> Store {
        self.keys = Arc::new(Keyring::new(keys));
        self
    }

    /// The same store with other retention periods.
    pub fn with_retention(mut self, retention: Retention) -> Store {
        self.retention = retention;
        self
    }

    pub(crate) fn keys(&self) -> &Keyring {
        &self.keys
    }

    pub(crate) fn retention(&self) -> &Retention {
        &self.retention
    }

    pub fn namespace(&self) -> &str {
        &self.ns
    }

    pub(crate) fn key(&self, parts: &[&str]) -> String {
        let mut k = self.ns.clone();
        for p in parts {
            k.push(':');
            k.push_str(p);
        }
        k
    }

    pub(crate) async fn conn(&self) -> Result<Conn, StoreError> {
        self.pool.get().await
    }

    /// Ready when Redis answers (used by `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: String = deadpool_redis::redis::cmd("PING")
            .query_async(&mut c)
            .await?;
        Ok(())
    }

    /// Deletes every key of the namespace (test clean-up).
    pub async fn wipe(&self) -> Result<u64, StoreError> {
        let mut c = self.conn().await?;
        let pattern = format!("{}:*", self.ns);
        let mut cursor: u64 = 0;
        let mut removed = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = deadpool_redis::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut c)
                .await?;
            if !keys.is_empty() {
                removed += keys.len() as u64;
                let _: () = deadpool_redis::redis::cmd("DEL")
                    .arg(&keys)
                    .query_async(&mut c)
                    .await?;
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }
}

impl Store {
    pub fn from_common(common: &ponte_config::Common) -> Result<Store, StoreError> {
        Ok(Store::new(&common.redis_url, &common.namespace)?
            .with_keys(&common.secrets_keys)
            .with_retention(common.retention))
    }
}

/// Seconds in `days` days, for `EXPIRE`.
pub(crate) fn days(days: u32) -> i64 {
    i64::from(days) * 24 * 3600
}
