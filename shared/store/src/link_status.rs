//! Each side's current status on a link, kept beside the link record:
//!
//! ```text
//! link-status:{link}  hash  {side} = {"status", "at"} JSON, {side}:at = epoch ms
//! ```
//! A reading older than the one stored is dropped, so the worker's reading
//! at link time and the router's status events can arrive in any order.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use deadpool_redis::redis::{AsyncCommands, Script};
use ponte_core::Side;
use serde::{Deserialize, Serialize};

use crate::error::{decode, encode};
use crate::{Store, StoreError};

/// A side's status as Ponte last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideStatus {
    pub status: String,
    /// When the desk says the ticket had it (or when Ponte read it).
    pub at: DateTime<Utc>,
}

/// Both sides' current status; `None` until Ponte has seen it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStatus {
    pub source: Option<SideStatus>,
    pub target: Option<SideStatus>,
}

impl LinkStatus {
    pub fn on(&self, side: Side) -> Option<&SideStatus> {
        match side {
            Side::Source => self.source.as_ref(),
            Side::Target => self.target.as_ref(),
        }
    }
}

/// Sets the side's status unless a newer one is stored.
const SET_IF_NEWER: &str = r#"
local at = redis.call('HGET', KEYS[1], ARGV[1] .. ':at')
if at and tonumber(at) > tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[1] .. ':at', ARGV[3])
return 1
"#;

static SET_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SET_IF_NEWER));

impl Store {
    pub(crate) fn link_status_key(&self, link_id: &str) -> String {
        self.key(&["link-status", link_id])
    }

    /// Records `side`'s status on the link; false when a newer reading is
    /// already there (or the status is empty).
    pub async fn set_link_status(
        &self,
        link_id: &str,
        side: Side,
        status: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if status.is_empty() {
            return Ok(false);
        }
        let value = SideStatus {
            status: status.to_string(),
            at,
        };
        let mut c = self.conn().await?;
        let set: i64 = SET_SCRIPT
            .key(self.link_status_key(link_id))
            .arg(side.as_str())
            .arg(encode(&value))
            .arg(at.timestamp_millis())
            .invoke_async(&mut c)
            .await?;
        Ok(set == 1)
    }

    /// Both sides' status as last recorded.
    pub async fn link_status(&self, link_id: &str) -> Result<LinkStatus, StoreError> {
        let mut c = self.conn().await?;
        let key = self.link_status_key(link_id);
        let (source, target): (Option<String>, Option<String>) = c
            .hmget(&key, &[Side::Source.as_str(), Side::Target.as_str()])
            .await?;
        Ok(LinkStatus {
            source: source.map(|r| decode(&key, &r)).transpose()?,
            target: target.map(|r| decode(&key, &r)).transpose()?,
        })
    }
}
