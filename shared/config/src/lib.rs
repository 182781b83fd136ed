//! Configuration: environment first, an optional TOML file (`PONTE_CONFIG`)
//! underneath, defaults last. Everything is validated at start and a bad
//! value is reported with the name of the key that holds it.

mod common;
mod redis_address;
mod secrets;
mod source;

pub use common::{Common, LogFormat, MAX_RETENTION_DAYS, Retention, listen_addr, parse_duration};
pub use redis_address::{RedisAddress, SENTINEL_SCHEME, SentinelAddress};
pub use secrets::{KeyMaterial, SecretsKeys};
pub use source::{ConfigError, Source, redact_url};
