//! The spool's settings and what `/readyz` says about it.
//!
//! With a spool the ingress stays ready while the broker is away (webhooks
//! are answered 202 from the spool), so a load balancer keeps sending them;
//! it is not ready once the spool is full, or when Redis is unreachable.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::FutureExt;
use ponte_bus::Bus;
use ponte_config::{ConfigError, Source};
use ponte_http::ReadyReport;
use ponte_store::Store;
use serde_json::{Map, json};

use crate::spool::{Spool, SpoolError};

/// Room kept free in a spool that still reports ready: one large webhook.
const HEADROOM: u64 = 64 * 1024;

#[derive(Debug, Clone)]
pub struct SpoolSettings {
    /// `PONTE_SPOOL_DIR` (default `ponte-spool` in the working directory);
    /// each namespace gets its own folder inside.
    pub dir: PathBuf,
    /// `PONTE_SPOOL_MAX_BYTES` (default 256 MiB); 0 turns the spool off,
    /// and webhooks are answered 503 while the broker is away.
    pub max_bytes: u64,
}

impl SpoolSettings {
    pub fn load(source: &Source) -> Result<SpoolSettings, ConfigError> {
        let dir = source.string("PONTE_SPOOL_DIR", "ponte-spool");
        if dir.trim().is_empty() {
            return Err(ConfigError::invalid(
                "PONTE_SPOOL_DIR",
                "must name a directory (or set PONTE_SPOOL_MAX_BYTES=0 to turn the spool off)",
            ));
        }
        Ok(SpoolSettings {
            dir: PathBuf::from(dir),
            max_bytes: source.parse("PONTE_SPOOL_MAX_BYTES", 256 * 1024 * 1024)?,
        })
    }

    /// The namespace's spool, or `None` when it is turned off.
    pub(crate) fn open(&self, namespace: &str) -> Result<Option<Arc<Spool>>, SpoolError> {
        if self.max_bytes == 0 {
            return Ok(None);
        }
        Spool::open(&self.dir.join(Path::new(namespace)), self.max_bytes).map(Some)
    }
}

/// Redis must answer; the broker must answer unless the spool has room.
pub(crate) fn report(bus: Arc<Bus>, store: Store, spool: Option<Arc<Spool>>) -> ReadyReport {
    Arc::new(move || {
        let (bus, store, spool) = (bus.clone(), store.clone(), spool.clone());
        async move {
            let mut facts = Map::new();
            let broker = ponte_http::probe_broker(&bus).await;
            let Some(spool) = spool else {
                let redis = ponte_http::probe_redis(&store).await;
                let ready = broker.and(redis);
                return (ready, facts);
            };
            facts.insert(
                "spool".into(),
                json!({
                    "depth": spool.depth(),
                    "bytes": spool.bytes(),
                    "max_bytes": spool.max_bytes(),
                    "broker": if broker.is_ok() { "confirming" } else { "unreachable" },
                }),
            );
            let ready = match (broker, ponte_http::probe_redis(&store).await) {
                (_, Err(e)) => Err(e),
                (Ok(()), Ok(())) => Ok(()),
                (Err(_), Ok(())) if !spool.is_full(HEADROOM.min(spool.max_bytes() / 4)) => Ok(()),
                (Err(e), Ok(())) => Err(format!("{e}, and the spool is full")),
            };
            (ready, facts)
        }
        .boxed()
    })
}
