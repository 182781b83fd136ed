//! Each test's namespace is deleted however the test ends.

use ponte_bus::{Bus, BusConfig};
use ponte_store::Store;

/// Deletes a test's namespace (queues, exchanges, Redis keys) when the
/// test ends, passed or failed: on a fresh runtime of its own, since a
/// failed test's runtime is being torn down.
pub(super) struct Guard {
    pub(super) config: BusConfig,
    pub(super) redis_url: String,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let config = self.config.clone();
        let url = self.redis_url.clone();
        let cleaned = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                let ns = config.topology.namespace.clone();
                let bus = Bus::new(config);
                if let Ok(ch) = bus.channel().await {
                    let _ = bus.topology().delete(&ch).await;
                }
                bus.close().await;
                if let Ok(store) = Store::new(&url, &ns) {
                    let _ = store.wipe().await;
                }
            });
        });
        let _ = cleaned.join();
    }
}
