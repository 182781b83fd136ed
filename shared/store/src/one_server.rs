//! The store's connection to a single Redis server: one multiplexed
//! connection every task of the process shares.
//!
//! A command costs its own round trip and nothing else (a pool's checkout
//! pinged first, doubling every command's round trips), and the commands
//! of concurrent tasks leave in shared writes instead of one system call
//! each. The store sends no `WATCH` and no blocking command, so no task's
//! connection state can leak into another's; its transactions are
//! `MULTI`…`EXEC` pipelines, written as one piece.
//!
//! A command that finds the connection gone (Redis restarted, the client
//! was killed) fails, as a command in flight at that moment always did,
//! and the connection is forgotten: the next command connects again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use deadpool_redis::redis::aio::{ConnectionLike, MultiplexedConnection};
use deadpool_redis::redis::{Client, Cmd, Pipeline, RedisFuture, RedisResult, Value};

use crate::StoreError;

/// How long connecting may take before the command fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

pub(crate) struct OneServer {
    client: Client,
    /// The connection in use and its generation; `None` until the first
    /// command, and after one found it gone.
    current: RwLock<Option<(u64, MultiplexedConnection)>>,
    /// Held while connecting, so concurrent commands wait for one
    /// connection instead of each opening their own.
    connecting: tokio::sync::Mutex<()>,
    generations: AtomicU64,
}

impl OneServer {
    pub(crate) fn new(url: &str) -> Result<Arc<OneServer>, StoreError> {
        let client = Client::open(url).map_err(|e| StoreError::Config(e.to_string()))?;
        Ok(Arc::new(OneServer {
            client,
            current: RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
            generations: AtomicU64::new(0),
        }))
    }

    fn current(&self) -> Option<(u64, MultiplexedConnection)> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A handle on the shared connection, connecting first if there is none.
    pub(crate) async fn get(self: &Arc<Self>) -> Result<SharedConn, StoreError> {
        let (generation, conn) = match self.current() {
            Some(current) => current,
            None => self.connect().await?,
        };
        Ok(SharedConn {
            conn,
            generation,
            owner: self.clone(),
        })
    }

    async fn connect(&self) -> Result<(u64, MultiplexedConnection), StoreError> {
        let unavailable = |e: &dyn std::fmt::Display| StoreError::Unavailable(e.to_string());
        let _turn = tokio::time::timeout(CONNECT_TIMEOUT, self.connecting.lock())
            .await
            .map_err(|_| unavailable(&"timed out waiting for the connection to Redis"))?;
        // Another task may have connected while this one waited.
        if let Some(current) = self.current() {
            return Ok(current);
        }
        let conn = tokio::time::timeout(
            CONNECT_TIMEOUT,
            self.client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| unavailable(&"timed out connecting to Redis"))?
        .map_err(|e| unavailable(&e))?;
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) =
            Some((generation, conn.clone()));
        Ok((generation, conn))
    }

    /// Forgets the connection of `generation` if it is still the current
    /// one (a newer one may already have replaced it).
    fn forget(&self, generation: u64) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if matches!(&*current, Some((g, _)) if *g == generation) {
            *current = None;
        }
    }
}

/// One task's handle on the shared connection.
pub(crate) struct SharedConn {
    conn: MultiplexedConnection,
    generation: u64,
    owner: Arc<OneServer>,
}

impl SharedConn {
    /// Forgets the connection when `result` says it is gone.
    fn note<T>(&self, result: &RedisResult<T>) {
        if let Err(e) = result
            && e.is_unrecoverable_error()
        {
            self.owner.forget(self.generation);
        }
    }
}

impl ConnectionLike for SharedConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let result = self.conn.req_packed_command(cmd).await;
            self.note(&result);
            result
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let result = self.conn.req_packed_commands(cmd, offset, count).await;
            self.note(&result);
            result
        })
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}
