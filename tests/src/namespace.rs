//! A test namespace's life: registered with its owner when it is made,
//! deleted (queues, exchanges, Redis keys) when the test ends — also when
//! it panics — and swept later if its owner died without cleaning up.
//!
//! The registry is one Redis hash, [`REGISTRY`]: namespace → the owner's
//! host and pid and the topology's shape (what deleting it needs). A
//! namespace whose owner process is gone from this host is stale.

use std::time::Duration;

use deadpool_redis::redis;
use ponte_bus::{Bus, BusConfig, RetryPolicy, Topology};
use serde::{Deserialize, Serialize};

/// The Redis hash of live test namespaces (outside every namespace's keys).
pub const REGISTRY: &str = "ponte-tests:namespaces";

/// How long deleting a namespace's queues and exchanges may take.
const BROKER_DEADLINE: Duration = Duration::from_secs(20);

/// Who made a namespace, and its shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Owner {
    pub host: String,
    pub pid: u32,
    pub started_at: String,
    pub event_shards: u16,
    pub work_shards: u16,
    pub retry_tiers_ms: Vec<u64>,
}

impl Owner {
    /// This process, owning a namespace of the given shape.
    pub fn me(topology: &Topology) -> Owner {
        Owner {
            host: hostname(),
            pid: std::process::id(),
            started_at: chrono::Utc::now().to_rfc3339(),
            event_shards: topology.event_shards,
            work_shards: topology.work_shards,
            retry_tiers_ms: topology
                .retry_tiers
                .iter()
                .map(|d| d.as_millis() as u64)
                .collect(),
        }
    }

    fn topology(&self, ns: &str) -> Topology {
        Topology {
            namespace: ns.to_string(),
            event_shards: self.event_shards,
            work_shards: self.work_shards,
            delivery_limit: 10,
            retry_tiers: self
                .retry_tiers_ms
                .iter()
                .map(|ms| Duration::from_millis(*ms))
                .collect(),
            // Only read when a queue is created; a deletion creates none.
            quorum_initial_group_size: None,
        }
    }

    /// Whether the owner is gone: same host and no such process. An owner
    /// on another host is never judged from here.
    pub fn is_gone(&self) -> bool {
        self.host == hostname() && !process_alive(self.pid)
    }
}

/// Why a namespace could not be registered or deleted.
#[derive(Debug, thiserror::Error)]
pub enum NamespaceError {
    #[error("Redis: {0}")]
    Redis(String),
    #[error("RabbitMQ: {0}")]
    Broker(String),
}

fn redis_err(e: impl std::fmt::Display) -> NamespaceError {
    NamespaceError::Redis(e.to_string())
}

async fn redis_conn(redis_url: &str) -> Result<deadpool_redis::Connection, NamespaceError> {
    let pool = deadpool_redis::Config::from_url(redis_url)
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .map_err(redis_err)?;
    pool.get().await.map_err(redis_err)
}

/// Records `ns` as owned by this process.
pub async fn register(redis_url: &str, ns: &str, owner: &Owner) -> Result<(), NamespaceError> {
    let mut c = redis_conn(redis_url).await?;
    let json = serde_json::to_string(owner).map_err(redis_err)?;
    let _: () = redis::cmd("HSET")
        .arg(REGISTRY)
        .arg(ns)
        .arg(json)
        .query_async(&mut c)
        .await
        .map_err(redis_err)?;
    Ok(())
}

/// Every registered namespace with its owner (unreadable entries skipped).
pub async fn registered(redis_url: &str) -> Result<Vec<(String, Owner)>, NamespaceError> {
    let mut c = redis_conn(redis_url).await?;
    let all: Vec<(String, String)> = redis::cmd("HGETALL")
        .arg(REGISTRY)
        .query_async(&mut c)
        .await
        .map_err(redis_err)?;
    Ok(all
        .into_iter()
        .filter_map(|(ns, json)| serde_json::from_str(&json).ok().map(|o| (ns, o)))
        .collect())
}

/// Deletes the namespace's queues, exchanges and Redis keys, then its
/// registry entry (last, so a failed clean-up can be swept again).
pub async fn delete(
    amqp_url: &str,
    redis_url: &str,
    topology: &Topology,
) -> Result<(), NamespaceError> {
    let bus = Bus::new(BusConfig {
        amqp_url: amqp_url.to_string(),
        connection_name: format!("{}-cleanup", topology.namespace),
        topology: topology.clone(),
        retry: RetryPolicy::default(),
        confirm_timeout: Duration::from_secs(5),
    });
    let deleting = async {
        let ch = bus.channel().await?;
        topology.delete(&ch).await
    };
    let deleted = match tokio::time::timeout(BROKER_DEADLINE, deleting).await {
        Ok(result) => result.map_err(|e| NamespaceError::Broker(e.to_string())),
        Err(_) => Err(NamespaceError::Broker(format!(
            "no answer within {}s",
            BROKER_DEADLINE.as_secs()
        ))),
    };
    bus.close().await;
    deleted?;
    let store = ponte_store::Store::new(redis_url, &topology.namespace).map_err(redis_err)?;
    store.wipe().await.map_err(redis_err)?;
    let mut c = redis_conn(redis_url).await?;
    let _: () = redis::cmd("HDEL")
        .arg(REGISTRY)
        .arg(&topology.namespace)
        .query_async(&mut c)
        .await
        .map_err(redis_err)?;
    Ok(())
}

/// Deletes every registered namespace whose owner is gone; returns their
/// names. Namespaces of live owners are left alone.
pub async fn sweep(amqp_url: &str, redis_url: &str) -> Result<Vec<String>, NamespaceError> {
    let mut swept = Vec::new();
    for (ns, owner) in registered(redis_url).await? {
        if owner.is_gone() {
            delete(amqp_url, redis_url, &owner.topology(&ns)).await?;
            swept.push(ns);
        }
    }
    Ok(swept)
}

/// Deletes its namespace when dropped unless [`NamespaceGuard::disarm`]ed:
/// a test that panics leaves no queues or keys behind.
pub struct NamespaceGuard {
    pub topology: Topology,
    pub amqp_url: String,
    pub redis_url: String,
    armed: bool,
}

impl NamespaceGuard {
    pub fn new(topology: Topology, amqp_url: String, redis_url: String) -> Self {
        NamespaceGuard {
            topology,
            amqp_url,
            redis_url,
            armed: true,
        }
    }

    /// Deletes the namespace now and disarms the guard.
    pub async fn delete(mut self) -> Result<(), NamespaceError> {
        self.armed = false;
        delete(&self.amqp_url, &self.redis_url, &self.topology).await
    }
}

impl Drop for NamespaceGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // Dropped while a test unwinds, maybe inside a runtime: clean up on
        // a thread of its own with its own runtime, and wait for it.
        let (amqp, redis, topology) = (
            self.amqp_url.clone(),
            self.redis_url.clone(),
            self.topology.clone(),
        );
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            if let Err(e) = rt.block_on(delete(&amqp, &redis, &topology)) {
                eprintln!(
                    "could not delete test namespace {} ({e}); `scripts/sweep` will",
                    topology.namespace
                );
            }
        });
        let _ = cleanup.join();
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Whether a process with this pid exists on this host.
fn process_alive(pid: u32) -> bool {
    let proc_dir = std::path::Path::new("/proc");
    if proc_dir.join("self").exists() {
        return proc_dir.join(pid.to_string()).exists();
    }
    std::process::Command::new("kill")
        .arg("-0")
        .arg(pid.to_string())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(host: String, pid: u32) -> Owner {
        Owner {
            host,
            pid,
            started_at: String::new(),
            event_shards: 1,
            work_shards: 1,
            retry_tiers_ms: vec![],
        }
    }

    #[test]
    fn an_owner_is_gone_only_when_its_process_on_this_host_is() {
        assert!(!owner(hostname(), std::process::id()).is_gone());
        // Pids above the kernel's maximum (4194304) never exist.
        assert!(owner(hostname(), 4_194_305 + 7).is_gone());
        assert!(!owner("another-host.invalid".into(), 4_194_312).is_gone());
    }
}
