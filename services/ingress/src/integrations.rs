//! Integrations kept in memory, so a webhook costs no Redis round trip to
//! find its integration and is still accepted while Redis is away (a
//! failover, a restart). The admin bumps a version number in Redis on every
//! change (`Store::integrations_version`); a watcher reads it a few times a
//! second and, when it moved, loads every integration again, so a disabled
//! integration is refused within about [`WATCH_EVERY`]. A request the copy
//! would refuse makes it catch up first, so a secret set or an integration
//! enabled a moment ago counts for the very next webhook.
//!
//! While the version cannot be read the last complete copy keeps serving:
//! no integration can change then, since changes are written to that same
//! Redis. An id the copy lacks (unknown, or created since the last load)
//! is read from Redis, and fails with 503 while Redis is away.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ponte_core::Integration;
use ponte_store::{Store, StoreError};
use tokio_util::sync::CancellationToken;

/// How often the version is read.
pub(crate) const WATCH_EVERY: Duration = Duration::from_millis(200);

pub(crate) struct Integrations {
    store: Store,
    cache: RwLock<Cache>,
}

#[derive(Default)]
struct Cache {
    /// The version the copy was loaded at; `None` while there is no
    /// complete copy.
    version: Option<u64>,
    /// Every integration at `version`.
    by_id: HashMap<String, Arc<Integration>>,
}

impl Integrations {
    pub(crate) fn new(store: Store) -> Integrations {
        Integrations {
            store,
            cache: RwLock::new(Cache::default()),
        }
    }

    /// The integration, from memory when the copy has it. An id the copy
    /// lacks may have been created since it was loaded, so Redis is asked
    /// (the next refresh loads it, as the version moved).
    pub(crate) async fn get(&self, id: &str) -> Result<Option<Arc<Integration>>, StoreError> {
        if let Ok(cache) = self.cache.read()
            && let Some(hit) = cache.by_id.get(id)
        {
            return Ok(Some(hit.clone()));
        }
        Ok(self.store.integration(id).await?.map(Arc::new))
    }

    /// Reads the version once; when it moved, loads every integration. The
    /// copy is then at least as new as the version read.
    pub(crate) async fn refresh(&self) {
        let version = match self.store.integrations_version().await {
            Ok(v) => v,
            Err(e) => {
                // Nothing can change while Redis is away: keep the copy.
                tracing::debug!(error = %e, "integrations version unreadable; keeping the copy in memory");
                return;
            }
        };
        let current = self.cache.read().ok().and_then(|c| c.version);
        if current == Some(version) {
            return;
        }
        // Read after the version, so the copy is at least as new as it; a
        // change in between moves the version again and is loaded next time.
        let loaded = self.store.integrations().await;
        let Ok(mut cache) = self.cache.write() else {
            return;
        };
        // A slower refresh (the watcher's and a request's may overlap) never
        // puts back an older copy over a newer one.
        if cache.version.is_some_and(|held| held > version) {
            return;
        }
        match loaded {
            Ok(all) => {
                cache.by_id = all
                    .into_iter()
                    .map(|i| (i.id.clone(), Arc::new(i)))
                    .collect();
                cache.version = Some(version);
            }
            Err(e) => {
                // Something changed and cannot be read: serve nothing stale.
                tracing::warn!(error = %e, "cannot load the integrations; reading Redis per webhook");
                cache.by_id.clear();
                cache.version = None;
            }
        }
    }

    /// Keeps the copy current until `shutdown`.
    pub(crate) async fn watch(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            self.refresh().await;
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(WATCH_EVERY) => {}
            }
        }
    }
}
