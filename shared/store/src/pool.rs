//! The connection pool behind the store: one Redis server, or the master
//! Redis Sentinel names. With Sentinel every new connection asks the
//! sentinels where the master is, so after a failover the pool's broken
//! connections fail their recycle check and are replaced by connections
//! to the promoted replica (Sentinel also disconnects the clients of a
//! demoted master, so none keeps writing to a replica).

use std::time::Duration;

use deadpool_redis::redis::aio::ConnectionLike;
use deadpool_redis::redis::{Cmd, Pipeline, RedisFuture, Value};
use deadpool_redis::sentinel::{self, SentinelNodeConnectionInfo, SentinelServerType};
use deadpool_redis::{Config, PoolConfig, RedisConnectionInfo, Runtime, Timeouts};
use ponte_config::{RedisAddress, SentinelAddress};

use crate::StoreError;

#[derive(Clone)]
pub(crate) enum Pool {
    Direct(deadpool_redis::Pool),
    Sentinel(sentinel::Pool),
}

/// A pooled connection of either kind; commands take it like any
/// `redis` connection.
pub(crate) enum Conn {
    Direct(deadpool_redis::Connection),
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
            RedisAddress::Direct(url) => {
                let mut cfg = Config::from_url(url);
                cfg.pool = Some(pool_config());
                cfg.create_pool(Some(Runtime::Tokio1))
                    .map(Pool::Direct)
                    .map_err(|e| StoreError::Config(e.to_string()))
            }
            RedisAddress::Sentinel(addr) => sentinel_pool(&addr).map(Pool::Sentinel),
        }
    }

    pub(crate) async fn get(&self) -> Result<Conn, StoreError> {
        let unavailable = |e: &dyn std::fmt::Display| StoreError::Unavailable(e.to_string());
        match self {
            Pool::Direct(p) => p.get().await.map(Conn::Direct).map_err(|e| unavailable(&e)),
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
