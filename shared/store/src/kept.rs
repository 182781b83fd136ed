//! Since when this Redis has kept every write Ponte made to it.
//!
//! Ponte's records of earlier tries (a command's intent, a counterpart's
//! attempt) let an effect skip the provider-side look-up on a first try,
//! but only while their absence can be trusted. A Redis server that has
//! neither restarted nor failed over since a write still holds it, unless
//! it was flushed or evicted: so the store remembers, in the namespace, the
//! server run and replication history it first saw and when. A restart
//! (new `run_id`), a failover (new `master_replid`) or a wiped namespace
//! starts the clock again; an eviction policy that may drop keys means it
//! never runs.
//!
//! Read the records of earlier tries first, then this: a loss in between
//! changes what this reads.

use chrono::{DateTime, Utc};
use deadpool_redis::redis::{self, Script};
use std::sync::LazyLock;

use crate::{Store, StoreError};

/// Keeps the record when it names the same server, else starts it now.
/// KEYS[1] the record; ARGV[1] the server's identity, ARGV[2] now (RFC 3339).
const KEEP_OR_START: &str = r"
local identity, since = ARGV[1], ARGV[2]
local held = redis.call('HMGET', KEYS[1], 'identity', 'since')
if held[1] == identity and held[2] then
  return held[2]
end
redis.call('HSET', KEYS[1], 'identity', identity, 'since', since)
return since
";

static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(KEEP_OR_START));

/// What `INFO` says about the server answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Server {
    run_id: String,
    replid: String,
    /// Whether the server may drop keys by itself to stay under `maxmemory`.
    evicts: bool,
}

impl Server {
    /// Reads `INFO server`, `INFO replication` and `INFO memory` answers;
    /// `None` when a field Ponte needs is missing.
    pub(crate) fn parse(info: &str) -> Option<Server> {
        let field = |name: &str| {
            info.lines().find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .map(|v| v.trim().to_string())
            })
        };
        let max_memory: u64 = field("maxmemory")?.parse().ok()?;
        let policy = field("maxmemory_policy")?;
        Some(Server {
            run_id: field("run_id").filter(|v| !v.is_empty())?,
            replid: field("master_replid").filter(|v| !v.is_empty())?,
            evicts: max_memory > 0 && policy != "noeviction",
        })
    }
}

impl Store {
    /// Since when every write to this namespace is known to be kept; `None`
    /// when the server cannot tell (an `INFO` Ponte cannot read) or may
    /// evict keys. The first call after a restart, a failover or a wiped
    /// namespace answers about now.
    pub async fn writes_kept_since(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut c = self.conn().await?;
        let answer: Result<(String, String, String), _> = redis::pipe()
            .cmd("INFO")
            .arg("server")
            .cmd("INFO")
            .arg("replication")
            .cmd("INFO")
            .arg("memory")
            .query_async(&mut c)
            .await;
        let (server, replication, memory) = match answer.map_err(StoreError::from) {
            Ok(sections) => sections,
            // Refused (an ACL without INFO): no proof, not a failure. Called
            // per effect, so the worker says it once, at start.
            Err(StoreError::Command(why)) => {
                tracing::debug!(error = %why, "Redis refuses INFO");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let Some(found) = Server::parse(&format!("{server}\n{replication}\n{memory}")) else {
            tracing::debug!("Redis's INFO lacks run_id, master_replid or maxmemory");
            return Ok(None);
        };
        if found.evicts {
            return Ok(None);
        }
        let key = self.key(&["redis-kept"]);
        let identity = format!("{}/{}", found.run_id, found.replid);
        let since: String = SCRIPT
            .key(&key)
            .arg(identity)
            .arg(Utc::now().to_rfc3339())
            .invoke_async(&mut c)
            .await?;
        DateTime::parse_from_rfc3339(&since)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| StoreError::Corrupt {
                key,
                message: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::Server;

    const INFO: &str = "# Server\r\nredis_version:7.0.15\r\nrun_id:4f1c\r\n\r\n# Replication\r\nrole:master\r\nmaster_replid:9ab0\r\nmaster_replid2:0000\r\n# Memory\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n";

    #[test]
    fn a_server_is_named_by_its_run_and_replication_history() {
        let s = Server::parse(INFO).expect("parsed");
        assert_eq!((s.run_id.as_str(), s.replid.as_str()), ("4f1c", "9ab0"));
        assert!(!s.evicts);
    }

    #[test]
    fn a_server_that_may_evict_keys_is_told_apart() {
        let capped = INFO.replace("maxmemory:0", "maxmemory:1048576");
        assert!(!Server::parse(&capped).expect("parsed").evicts);
        let lru = capped.replace("noeviction", "allkeys-lru");
        assert!(Server::parse(&lru).expect("parsed").evicts);
        let unlimited = INFO.replace("noeviction", "volatile-ttl");
        assert!(!Server::parse(&unlimited).expect("parsed").evicts);
    }

    #[test]
    fn an_info_without_the_fields_names_no_server() {
        assert_eq!(Server::parse(&INFO.replace("run_id:4f1c", "")), None);
        assert_eq!(Server::parse("# Server\r\nredis_version:7\r\n"), None);
    }
}
