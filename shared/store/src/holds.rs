//! Per-key holds: while a command waits for its retry (or a back-pressure
//! delay), the later commands of its key wait behind it, durably, and are
//! released one at a time, in order, when it finishes or is parked.
//!
//! ```text
//! hold:{lane}  hash  owner = the command the key waits for, prev = the one before
//! held:{lane}  list  "{command id}\n{payload}", oldest first
//! ```
//! The owner's entry stays at the head of the list until the owner is
//! delivered again, so a crash between "release" and "publish" only repeats
//! the publish (the command's own intent/result absorbs the copy).

use std::sync::LazyLock;

use deadpool_redis::redis::Script;

use crate::{Store, StoreError};

/// What a command may do when it arrives on its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// Nothing is held on the key: run.
    Run,
    /// The key waits for this very command: run (it was retried, delayed or
    /// released).
    Owner,
    /// An earlier command of the key waits for its retry: this one is kept
    /// behind it (acknowledge the delivery).
    Held,
    /// This command finished and handed the key on before, but that was
    /// never acknowledged: hand it on again ([`Store::release`]).
    Released,
}

const PREFIX: &str = r"
local function starts(entry, id)
  return string.sub(entry, 1, string.len(id) + 1) == id .. '\n'
end
";

const ARRIVE: &str = r"
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 0 end
if owner == ARGV[1] then
  local head = redis.call('LINDEX', KEYS[2], 0)
  if head and starts(head, ARGV[1]) then redis.call('LPOP', KEYS[2]) end
  return 1
end
if redis.call('HGET', KEYS[1], 'prev') == ARGV[1] then return 3 end
for _, e in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if starts(e, ARGV[1]) then return 2 end
end
redis.call('RPUSH', KEYS[2], ARGV[1] .. '\n' .. ARGV[2])
return 2
";

const HOLD: &str = r"
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
return 1
";

const RELEASE: &str = r"
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return false end
local head = redis.call('LINDEX', KEYS[2], 0)
if owner ~= ARGV[1] then
  -- Released before by this command (its ack was lost): hand the new
  -- owner out again while it has not arrived yet.
  if redis.call('HGET', KEYS[1], 'prev') == ARGV[1] and head and starts(head, owner) then
    return head
  end
  return false
end
if not head then
  redis.call('DEL', KEYS[1])
  return false
end
local cut = string.find(head, '\n', 1, true)
redis.call('HSET', KEYS[1], 'owner', string.sub(head, 1, cut - 1), 'prev', ARGV[1])
return head
";

static ARRIVE_SCRIPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(&format!("{PREFIX}{ARRIVE}")));
static HOLD_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(HOLD));
static RELEASE_SCRIPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(&format!("{PREFIX}{RELEASE}")));

impl Store {
    fn hold_keys(&self, lane: &str) -> (String, String) {
        (self.key(&["hold", lane]), self.key(&["held", lane]))
    }

    /// Called before a command of `lane` runs. `payload` is what
    /// [`Store::release`] hands back if the command has to wait.
    pub async fn arrive(
        &self,
        lane: &str,
        command_id: &str,
        payload: &str,
    ) -> Result<Arrival, StoreError> {
        let (hold, held) = self.hold_keys(lane);
        let mut c = self.conn().await?;
        let code: i64 = ARRIVE_SCRIPT
            .key(hold)
            .key(held)
            .arg(command_id)
            .arg(payload)
            .invoke_async(&mut c)
            .await?;
        Ok(match code {
            0 => Arrival::Run,
            1 => Arrival::Owner,
            3 => Arrival::Released,
            _ => Arrival::Held,
        })
    }

    /// Makes `lane` wait for `command_id` (about to be retried or delayed).
    /// False when the key already waits for another command.
    pub async fn hold(&self, lane: &str, command_id: &str) -> Result<bool, StoreError> {
        let (hold, _) = self.hold_keys(lane);
        let mut c = self.conn().await?;
        let ok: i64 = HOLD_SCRIPT
            .key(hold)
            .arg(command_id)
            .invoke_async(&mut c)
            .await?;
        Ok(ok == 1)
    }

    /// `command_id` finished (done or parked): the next held command of
    /// `lane` becomes the owner and its payload is returned to be sent on;
    /// `None` when nothing waits (the hold is lifted) or the command did
    /// not own the key. Safe to repeat.
    pub async fn release(
        &self,
        lane: &str,
        command_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let (hold, held) = self.hold_keys(lane);
        let mut c = self.conn().await?;
        let head: Option<String> = RELEASE_SCRIPT
            .key(hold)
            .key(held)
            .arg(command_id)
            .invoke_async(&mut c)
            .await?;
        Ok(head.and_then(|h| h.split_once('\n').map(|(_, payload)| payload.to_string())))
    }

    /// Commands waiting behind a held key (for metrics and operators).
    pub async fn held_count(&self, lane: &str) -> Result<u64, StoreError> {
        let (_, held) = self.hold_keys(lane);
        let mut c = self.conn().await?;
        let n: u64 = deadpool_redis::redis::cmd("LLEN")
            .arg(held)
            .query_async(&mut c)
            .await?;
        Ok(n)
    }
}
