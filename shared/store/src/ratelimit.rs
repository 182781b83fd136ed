use std::sync::LazyLock;
use std::time::Duration;

use deadpool_redis::redis::Script;

use crate::{Store, StoreError};

/// Classes of callers of one account's budget, 0 served first. A caller of
/// class `c` that finds a caller of a class below `c` waiting yields the
/// free call to it.
pub const RATE_CLASSES: u8 = 4;

/// Who asks for a call: its class (0 is served first, below
/// [`RATE_CLASSES`]) and a name that stays the same while it waits (a
/// command's id survives its redelivery), under which its demand is kept.
#[derive(Debug, Clone, Copy)]
pub struct RateClaim<'a> {
    pub class: u8,
    pub waiter: &'a str,
    /// How long the demand outlives the wait it was told, so a caller that
    /// comes back a little late (a delayed redelivery) still finds its call
    /// kept from the classes below.
    pub hold: Duration,
}

/// The budget's answer to one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateAnswer {
    /// The call may go now.
    Go,
    /// The window is full: wait this long.
    Full(Duration),
    /// A call is free, but a caller of a higher class is waiting for it:
    /// ask again after this long.
    Yield(Duration),
}

/// Sliding-window limit shared by every replica: at most `limit` calls in
/// any `window`, served by class. A claim goes when the window has room
/// and no claim of a higher class is waiting; otherwise its own demand is
/// recorded (until the wait it is told, plus its hold and a tenth) so the
/// classes below it yield in turn. Answers `{0, 0}` to go, `{1, ms}` when
/// the window is full, `{2, ms}` when yielding. Call members are unique per
/// call, so concurrent callers never collapse into one slot.
///
/// KEYS: the calls, then one demand set per class (0 first).
/// ARGV: now, window, limit, call member, class, waiter, hold, yield wait.
const SLIDING_WINDOW: &str = r"
local calls = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local member = ARGV[4]
local class = tonumber(ARGV[5])
local waiter = ARGV[6]
local hold = tonumber(ARGV[7])
local yield_wait = tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', calls, '-inf', now - window)
local ahead = 0
for c = 0, class - 1 do
  local wanted = KEYS[2 + c]
  redis.call('ZREMRANGEBYSCORE', wanted, '-inf', now)
  ahead = ahead + redis.call('ZCARD', wanted)
end
local mine = KEYS[2 + class]
local used = redis.call('ZCARD', calls)
if used < limit and ahead == 0 then
  redis.call('ZADD', calls, now, member)
  redis.call('PEXPIRE', calls, window)
  redis.call('ZREM', mine, waiter)
  return {0, 0}
end
local kind = 2
local wait = yield_wait
if used >= limit then
  local oldest = redis.call('ZRANGE', calls, 0, 0, 'WITHSCORES')
  kind = 1
  wait = math.max(1, tonumber(oldest[2]) + window - now)
end
local until_ms = now + wait + hold + math.floor(wait / 10)
redis.call('ZADD', mine, 'GT', until_ms, waiter)
local last = redis.call('ZRANGE', mine, -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', mine, math.max(1, tonumber(last[2]) - now))
return {kind, wait}
";

static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SLIDING_WINDOW));

impl Store {
    /// Takes one call from the bucket for `claim`, or says how long to wait
    /// and why.
    pub async fn take_rate(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
        claim: RateClaim<'_>,
    ) -> Result<RateAnswer, StoreError> {
        let class = claim.class.min(RATE_CLASSES - 1);
        let mut c = self.conn().await?;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let member = format!("{now_ms}-{}", rand_suffix());
        let window_ms = window.as_millis() as i64;
        let mut invocation = SCRIPT.key(self.key(&["rate", bucket]));
        for k in 0..RATE_CLASSES {
            invocation.key(self.key(&["rate", bucket, "wanted", &k.to_string()]));
        }
        let (kind, wait): (i64, i64) = invocation
            .arg(now_ms)
            .arg(window_ms)
            .arg(limit)
            .arg(member)
            .arg(class)
            .arg(claim.waiter)
            .arg(claim.hold.as_millis() as i64)
            .arg((window_ms / 10).max(1))
            .invoke_async(&mut c)
            .await?;
        let wait = Duration::from_millis(wait.max(0) as u64);
        Ok(match kind {
            0 => RateAnswer::Go,
            1 => RateAnswer::Full(wait),
            _ => RateAnswer::Yield(wait),
        })
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pid = u64::from(std::process::id());
    (pid << 32) ^ COUNTER.fetch_add(1, Ordering::Relaxed)
}
