use std::time::Duration;

use deadpool_redis::redis::Script;

use crate::{Store, StoreError};

/// Sliding-window limit shared by every replica: at most `limit` calls in
/// any `window`. Returns 0 when the call may go now, else the milliseconds
/// to wait. The member is unique per call so concurrent callers never
/// collapse into one slot.
const SLIDING_WINDOW: &str = r"
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local member = ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = redis.call('ZCARD', key)
if used < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
";

impl Store {
    /// Takes one call from the bucket, or says how long to wait.
    pub async fn take_rate(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Option<Duration>, StoreError> {
        let mut c = self.conn().await?;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let member = format!("{now_ms}-{}", rand_suffix());
        let wait: i64 = Script::new(SLIDING_WINDOW)
            .key(self.key(&["rate", bucket]))
            .arg(now_ms)
            .arg(window.as_millis() as i64)
            .arg(limit)
            .arg(member)
            .invoke_async(&mut c)
            .await?;
        Ok((wait > 0).then(|| Duration::from_millis(wait as u64)))
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pid = u64::from(std::process::id());
    (pid << 32) ^ COUNTER.fetch_add(1, Ordering::Relaxed)
}
