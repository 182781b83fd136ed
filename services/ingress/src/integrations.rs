//! Integrations kept in memory, so a webhook costs no Redis round trip to
//! find its integration. The admin bumps a version number in Redis on every
//! change (`Store::integrations_version`); a watcher reads it a few times a
//! second and forgets everything when it moved, so a disabled integration is
//! refused within about [`WATCH_EVERY`]. While the version cannot be read
//! (Redis away) nothing is cached: every lookup reads Redis, as before.

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
    /// `None` while the version is unknown: nothing is cached then.
    version: Option<u64>,
    /// Known integrations, and known absences (`None`).
    by_id: HashMap<String, Option<Arc<Integration>>>,
}

impl Integrations {
    pub(crate) fn new(store: Store) -> Integrations {
        Integrations {
            store,
            cache: RwLock::new(Cache::default()),
        }
    }

    /// The integration, from memory when the cache is current.
    pub(crate) async fn get(&self, id: &str) -> Result<Option<Arc<Integration>>, StoreError> {
        let seen_version = match self.cache.read() {
            Ok(cache) => {
                if cache.version.is_some()
                    && let Some(hit) = cache.by_id.get(id)
                {
                    return Ok(hit.clone());
                }
                cache.version
            }
            Err(_) => None,
        };
        let found = self.store.integration(id).await?.map(Arc::new);
        // Kept only if no change was noticed while reading; a change not
        // noticed yet clears it at the next watch.
        if let Ok(mut cache) = self.cache.write()
            && seen_version.is_some()
            && cache.version == seen_version
        {
            cache.by_id.insert(id.to_string(), found.clone());
        }
        Ok(found)
    }

    /// Reads the version once; a new one (or none) empties the cache.
    pub(crate) async fn refresh(&self) {
        let version = match self.store.integrations_version().await {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::debug!(error = %e, "integrations version unreadable; not caching");
                None
            }
        };
        if let Ok(mut cache) = self.cache.write()
            && cache.version != version
        {
            cache.version = version;
            cache.by_id.clear();
        }
    }

    /// Keeps the cache current until `shutdown`.
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
