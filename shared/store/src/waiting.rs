//! Commands of a busy integration set aside until it has room: one list per
//! integration, so a backed-up tenant's commands wait here, out of the
//! shard queues every tenant shares, and are sent back one by one as its
//! commands in hand finish (decision 113).
//!
//! ```text
//! waiting:{provider}                      set   integrations with commands set aside
//! waiting:{provider}:{integration}        list  payloads, oldest first
//! waiting-claim:{provider}:{integration}  string (expires) a sender is sending the head on
//! ```
//! A sender claims the head, publishes it and only then trims it, so a
//! crash in between repeats a publish at worst (the command's own
//! intent/result absorbs the copy); the claim's expiry lets another
//! process take over.

use std::sync::LazyLock;
use std::time::Duration;

use deadpool_redis::redis::Script;

use crate::{Store, StoreError};

const SET_ASIDE: &str = r"
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
return redis.call('LLEN', KEYS[2])
";

/// Returns the first ARGV[2] entries, and the list's length first; nothing
/// when another sender holds the claim.
const CLAIM: &str = r"
local n = redis.call('LLEN', KEYS[2])
if n == 0 then
  redis.call('SREM', KEYS[1], ARGV[1])
  return {'0'}
end
if not redis.call('SET', KEYS[3], ARGV[4], 'NX', 'PX', ARGV[3]) then return {tostring(n)} end
local out = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[2]) - 1)
table.insert(out, 1, tostring(n))
return out
";

/// Trims the first ARGV[2] entries a sender sent on and lifts its claim;
/// trims nothing when its claim expired (another sender may have sent and
/// trimmed the same entries: they are sent again at worst, never lost).
const SENT: &str = r"
local n = tonumber(ARGV[2])
if redis.call('GET', KEYS[3]) == ARGV[3] then
  redis.call('DEL', KEYS[3])
  if n > 0 then redis.call('LTRIM', KEYS[2], n, -1) end
end
local left = redis.call('LLEN', KEYS[2])
if left == 0 then redis.call('SREM', KEYS[1], ARGV[1]) end
return left
";

static SET_ASIDE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SET_ASIDE));
static CLAIM_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(CLAIM));
static SENT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SENT));

/// The head of an integration's waiting list, claimed for sending on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The list's length when claimed (the claimed entries included).
    pub waiting: u64,
    /// The oldest entries, at most as many as asked; empty when another
    /// sender holds the claim or nothing waits.
    pub entries: Vec<String>,
}

impl Store {
    fn waiting_keys(&self, provider: &str, integration: &str) -> [String; 3] {
        [
            self.key(&["waiting", provider]),
            self.key(&["waiting", provider, integration]),
            self.key(&["waiting-claim", provider, integration]),
        ]
    }

    /// Sets `payload` aside at the back of `integration`'s waiting list.
    /// Returns how many of its commands wait now.
    pub async fn set_aside(
        &self,
        provider: &str,
        integration: &str,
        payload: &str,
    ) -> Result<u64, StoreError> {
        let [set, list, _] = self.waiting_keys(provider, integration);
        let mut c = self.conn().await?;
        let n: u64 = SET_ASIDE_SCRIPT
            .key(set)
            .key(list)
            .arg(integration)
            .arg(payload)
            .invoke_async(&mut c)
            .await?;
        Ok(n)
    }

    /// The integrations of `provider` that have commands set aside.
    pub async fn waiting_integrations(&self, provider: &str) -> Result<Vec<String>, StoreError> {
        let mut c = self.conn().await?;
        let ids: Vec<String> = deadpool_redis::redis::cmd("SMEMBERS")
            .arg(self.key(&["waiting", provider]))
            .query_async(&mut c)
            .await?;
        Ok(ids)
    }

    /// Claims up to `n` of `integration`'s oldest waiting commands for
    /// `sender` for `ttl`: no other sender sends them on meanwhile.
    pub async fn claim_waiting(
        &self,
        provider: &str,
        integration: &str,
        n: usize,
        sender: &str,
        ttl: Duration,
    ) -> Result<Claimed, StoreError> {
        let [set, list, claim] = self.waiting_keys(provider, integration);
        let mut c = self.conn().await?;
        let mut out: Vec<String> = CLAIM_SCRIPT
            .key(set)
            .key(list)
            .key(claim)
            .arg(integration)
            .arg(n.max(1))
            .arg(ttl.as_millis().max(1) as u64)
            .arg(sender)
            .invoke_async(&mut c)
            .await?;
        let waiting = if out.is_empty() {
            0
        } else {
            out.remove(0).parse().unwrap_or(0)
        };
        Ok(Claimed {
            waiting,
            entries: out,
        })
    }

    /// `sender` sent the first `n` claimed commands on: they leave the list
    /// and the claim is lifted. Returns how many still wait.
    pub async fn sent_waiting(
        &self,
        provider: &str,
        integration: &str,
        n: usize,
        sender: &str,
    ) -> Result<u64, StoreError> {
        let [set, list, claim] = self.waiting_keys(provider, integration);
        let mut c = self.conn().await?;
        let left: u64 = SENT_SCRIPT
            .key(set)
            .key(list)
            .key(claim)
            .arg(integration)
            .arg(n)
            .arg(sender)
            .invoke_async(&mut c)
            .await?;
        Ok(left)
    }
}
