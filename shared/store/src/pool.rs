//! The connections behind the store: one Redis server, or a pool of
//! connections to the master Redis Sentinel names. With Sentinel every new
//! connection asks the sentinels where the master is, so after a failover the pool's broken
//! connections fail their recycle check and are replaced by connections
//! to the promoted replica (Sentinel also disconnects the clients of a
//! demoted master, so none keeps writing to a replica).
//!
//! One server: see [`crate::one_server`].

use std::sync::Arc;
use std::time::Duration;

use deadpool_redis::redis::aio::ConnectionLike;
use deadpool_redis::redis::{Cmd, Pipeline, RedisFuture, Value};
use deadpool_redis::sentinel::{self, SentinelNodeConnectionInfo, SentinelServerType};
use deadpool_redis::{PoolConfig, RedisConnectionInfo, Runtime, Timeouts};
use ponte_config::{RedisAddress, SentinelAddress};

use crate::StoreError;
use crate::one_server::{OneServer, SharedConn};

#[derive(Clone)]
pub(crate) enum Pool {
    Direct(Arc<OneServer>),
    Sentinel(sentinel::Pool),
}

/// A connection of either kind (the shared one, or one from the Sentinel
/// pool); commands take it like any `redis` connection.
pub(crate) enum Conn {
    Direct(SharedConn),
    Sentinel(sentinel::Connection),
}

const MAX_SIZE: usize = 32;

fn pool_config() -> PoolConfig {
    PoolConfig {
        max_size: MAX_SIZE,
        timeouts: Timeouts {
            wait: Some(Duration::from_secs(3)),
            create: Some(Duration::from_secs(3)),
            recycle: Some(Duration::from_secs(3)),
        },
        ..PoolConfig::default()
    }
}

impl Pool {
    /// Builds the pool without connecting, so a service can start while
    /// Redis is down and say so through `/readyz`.
    pub(crate) fn new(redis_url: &str) -> Result<Pool, StoreError> {
        match RedisAddress::parse(redis_url).map_err(StoreError::Config)? {
            RedisAddress::Direct(url) => OneServer::new(&url).map(Pool::Direct),
            RedisAddress::Sentinel(addr) => sentinel_pool(&addr).map(Pool::Sentinel),
        }
    }

    pub(crate) async fn get(&self) -> Result<Conn, StoreError> {
        let unavailable = |e: &dyn std::fmt::Display| StoreError::Unavailable(e.to_string());
        match self {
            Pool::Direct(one) => one.get().await.map(Conn::Direct),
            Pool::Sentinel(p) => p
                .get()
                .await
                .map(Conn::Sentinel)
                .map_err(|e| unavailable(&e)),
        }
    }
}

fn sentinel_pool(addr: &SentinelAddress) -> Result<sentinel::Pool, StoreError> {
    let node = SentinelNodeConnectionInfo {
        tls_mode: None,
        redis_connection_info: Some(RedisConnectionInfo {
            db: addr.db,
            username: addr.username.clone(),
            password: addr.password.clone(),
            ..RedisConnectionInfo::default()
        }),
    };
    let mut cfg = sentinel::Config::from_urls(
        addr.sentinel_urls(),
        addr.master.clone(),
        SentinelServerType::Master,
    )
    .with_node_connection_info(Some(node));
    cfg.pool = Some(pool_config());
    cfg.create_pool(Some(Runtime::Tokio1))
        .map_err(|e| StoreError::Config(e.to_string()))
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Direct(c) => c.req_packed_command(cmd),
            Conn::Sentinel(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Direct(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Sentinel(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Direct(c) => c.get_db(),
            Conn::Sentinel(c) => c.get_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use deadpool_redis::redis::cmd;

    use super::*;

    fn url() -> String {
        std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
    }

    async fn pings_so_far(c: &mut Conn) -> u64 {
        let info: String = cmd("INFO")
            .arg("commandstats")
            .query_async(c)
            .await
            .expect("INFO");
        info.lines()
            .find_map(|l| l.strip_prefix("cmdstat_ping:calls="))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn commands_send_no_ping_of_their_own() {
        let pool = Pool::new(&url()).expect("pool");
        let mut c = pool.get().await.expect("Redis is running");
        let before = pings_so_far(&mut c).await;
        drop(c);
        for _ in 0..200 {
            let mut c = pool.get().await.expect("connection");
            let _: Option<String> = cmd("GET")
                .arg("ponte-pool-test:none")
                .query_async(&mut c)
                .await
                .expect("GET");
        }
        let mut c = pool.get().await.expect("connection");
        let pings = pings_so_far(&mut c).await - before;
        // A pool that checked each connection out with a PING made 200 or
        // more; other tests of this binary may ping meanwhile.
        assert!(pings < 100, "{pings} pings for 200 commands");
    }

    #[tokio::test]
    async fn a_connection_found_broken_is_replaced_after_one_failed_command() {
        let pool = Pool::new(&url()).expect("pool");
        let mut c = pool.get().await.expect("Redis is running");
        let id: i64 = cmd("CLIENT")
            .arg("ID")
            .query_async(&mut c)
            .await
            .expect("CLIENT ID");
        drop(c);
        let mut killer = Pool::new(&url())
            .expect("pool")
            .get()
            .await
            .expect("killer");
        let _: () = cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(id)
            .query_async(&mut killer)
            .await
            .expect("CLIENT KILL");
        // The killed connection is hot: handed out unchecked, its command
        // fails, and it is dropped rather than returned; the next command
        // gets a new connection.
        let mut failures = 0;
        for _ in 0..3 {
            let mut c = pool.get().await.expect("connection");
            match cmd("CLIENT").arg("ID").query_async::<i64>(&mut c).await {
                Err(_) => failures += 1,
                Ok(now) => {
                    assert_ne!(now, id, "the killed connection answered");
                    assert!(failures <= 1, "{failures} commands failed first");
                    return;
                }
            }
        }
        panic!("no command succeeded after the connection was killed");
    }
}
