use std::net::SocketAddr;

use crate::{ConfigError, RedisAddress, SecretsKeys, Source, redact_url};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Settings every Ponte service shares.
#[derive(Debug, Clone)]
pub struct Common {
    pub amqp_url: String,
    /// A `redis://`/`rediss://` URL, or `redis+sentinel://` sentinels and a
    /// master name (see [`RedisAddress`]); validated at load.
    pub redis_url: String,
    /// Prefix of every exchange, queue and Redis key.
    pub namespace: String,
    pub log_format: LogFormat,
    pub otlp_endpoint: Option<String>,
    /// Number of router input queues; per-ticket order holds within one.
    pub event_shards: u16,
    /// Number of work queues per provider.
    pub work_shards: u16,
    /// Deliveries of one message before the broker parks it (crash loops).
    pub delivery_limit: u32,
    /// Scheduled retries of a failed provider call before it is parked.
    pub max_attempts: u32,
    /// Messages in flight per queue consumer.
    pub prefetch: u16,
    /// Delay of each retry tier (`PONTE_RETRY_TIERS`, e.g. `1s,5s,30s,2m`).
    pub retry_tiers: Vec<std::time::Duration>,
    /// Members of each new quorum (shard) queue
    /// (`PONTE_QUORUM_INITIAL_GROUP_SIZE`, 1..=7); unset = every node of
    /// the cluster, the broker's default.
    pub quorum_initial_group_size: Option<u8>,
    /// The key integration secrets are encrypted with in Redis, and the
    /// previous one during a rotation.
    pub secrets_keys: SecretsKeys,
    /// How long history-like keys live after their last write.
    pub retention: Retention,
}

/// Days each kind of history is kept after its last write (Redis TTLs,
/// refreshed on every write). Links themselves never expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// `PONTE_SNAPSHOT_RETENTION_DAYS`: the last state seen of a ticket.
    pub snapshot_days: u32,
    /// `PONTE_CALL_HISTORY_RETENTION_DAYS`: call records and their index.
    pub call_history_days: u32,
    /// `PONTE_LINK_HISTORY_RETENTION_DAYS`: a link's history lines.
    pub link_history_days: u32,
}

pub const MAX_RETENTION_DAYS: u32 = 3650;

impl Default for Retention {
    fn default() -> Self {
        Retention {
            snapshot_days: 180,
            call_history_days: 90,
            link_history_days: 365,
        }
    }
}

impl Retention {
    pub fn load(source: &Source) -> Result<Retention, ConfigError> {
        let d = Retention::default();
        Ok(Retention {
            snapshot_days: ranged(
                source,
                "PONTE_SNAPSHOT_RETENTION_DAYS",
                d.snapshot_days,
                1,
                MAX_RETENTION_DAYS,
            )?,
            call_history_days: ranged(
                source,
                "PONTE_CALL_HISTORY_RETENTION_DAYS",
                d.call_history_days,
                1,
                MAX_RETENTION_DAYS,
            )?,
            link_history_days: ranged(
                source,
                "PONTE_LINK_HISTORY_RETENTION_DAYS",
                d.link_history_days,
                1,
                MAX_RETENTION_DAYS,
            )?,
        })
    }
}

pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

impl Common {
    pub fn load(source: &Source) -> Result<Self, ConfigError> {
        let amqp_url = source.string("PONTE_AMQP_URL", DEFAULT_AMQP_URL);
        if !(amqp_url.starts_with("amqp://") || amqp_url.starts_with("amqps://")) {
            return Err(ConfigError::invalid(
                "PONTE_AMQP_URL",
                format!(
                    "must start with amqp:// or amqps://, got `{}`",
                    redact_url(&amqp_url)
                ),
            ));
        }
        let redis_url = source.string("PONTE_REDIS_URL", DEFAULT_REDIS_URL);
        RedisAddress::parse(&redis_url)
            .map_err(|why| ConfigError::invalid("PONTE_REDIS_URL", why))?;
        let namespace = source.string("PONTE_NAMESPACE", "ponte");
        let ns_ok = !namespace.is_empty()
            && namespace.len() <= 48
            && namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if !ns_ok {
            return Err(ConfigError::invalid(
                "PONTE_NAMESPACE",
                format!("`{namespace}` must be 1-48 characters of letters, digits, `-` or `_`"),
            ));
        }
        let log_format = match source.string("PONTE_LOG_FORMAT", "text").as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::invalid(
                    "PONTE_LOG_FORMAT",
                    format!("`{other}` is not one of text, json"),
                ));
            }
        };
        let common = Common {
            amqp_url,
            redis_url,
            namespace,
            log_format,
            otlp_endpoint: source.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
            event_shards: ranged(source, "PONTE_EVENT_SHARDS", 4, 1, 256)?,
            work_shards: ranged(source, "PONTE_WORK_SHARDS", 4, 1, 256)?,
            delivery_limit: ranged(source, "PONTE_DELIVERY_LIMIT", 10, 2, 1000)?,
            max_attempts: ranged(source, "PONTE_MAX_ATTEMPTS", 8, 1, 100)?,
            prefetch: ranged(source, "PONTE_PREFETCH", 32, 1, 1000)?,
            retry_tiers: durations(source, "PONTE_RETRY_TIERS", "1s,5s,30s,2m,10m,1h")?,
            quorum_initial_group_size: optional_ranged(
                source,
                "PONTE_QUORUM_INITIAL_GROUP_SIZE",
                1,
                7,
            )?,
            secrets_keys: SecretsKeys::load(source)?,
            retention: Retention::load(source)?,
        };
        Ok(common)
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(&Source::from_env()?)
    }
}

fn ranged<T>(source: &Source, key: &str, default: T, min: T, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    T::Err: std::fmt::Display,
{
    let v = source.parse(key, default)?;
    if v < min || v > max {
        return Err(ConfigError::invalid(
            key,
            format!("{v} is out of range {min}..={max}"),
        ));
    }
    Ok(v)
}

/// Like [`ranged`], for a setting that may be left unset.
fn optional_ranged<T>(source: &Source, key: &str, min: T, max: T) -> Result<Option<T>, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    T::Err: std::fmt::Display,
{
    if source.get(key).is_none() {
        return Ok(None);
    }
    ranged(source, key, min, min, max).map(Some)
}

/// A comma-separated list of durations such as `500ms,5s,2m,1h`, shortest
/// first.
fn durations(
    source: &Source,
    key: &str,
    default: &str,
) -> Result<Vec<std::time::Duration>, ConfigError> {
    let raw = source.string(key, default);
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let d = parse_duration(part).ok_or_else(|| {
            ConfigError::invalid(
                key,
                format!("`{part}` is not a duration like 500ms, 5s, 2m or 1h"),
            )
        })?;
        if out.last().is_some_and(|last| *last > d) {
            return Err(ConfigError::invalid(
                key,
                "durations must be listed shortest first",
            ));
        }
        out.push(d);
    }
    if out.is_empty() {
        return Err(ConfigError::invalid(key, "needs at least one duration"));
    }
    Ok(out)
}

pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    use std::time::Duration;
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    match &s[digits.len()..] {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n * 60)),
        "h" => Some(Duration::from_secs(n * 3600)),
        _ => None,
    }
}

/// A listen address setting such as `PONTE_INGRESS_ADDR`.
pub fn listen_addr(source: &Source, key: &str, default: &str) -> Result<SocketAddr, ConfigError> {
    let raw = source.string(key, default);
    raw.parse()
        .map_err(|e| ConfigError::invalid(key, format!("`{raw}` is not a socket address: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_local() {
        let c = Common::load(&Source::default()).expect("defaults load");
        assert_eq!(c.amqp_url, DEFAULT_AMQP_URL);
        assert_eq!(c.namespace, "ponte");
        assert_eq!(c.quorum_initial_group_size, None);
        assert_eq!(c.retention, Retention::default());
        assert!(c.secrets_keys.current.is_none());
    }

    #[test]
    fn the_initial_group_size_is_read_and_bounded() {
        let c = Common::load(&Source::from_pairs([(
            "PONTE_QUORUM_INITIAL_GROUP_SIZE",
            "3",
        )]))
        .expect("3 loads");
        assert_eq!(c.quorum_initial_group_size, Some(3));
        let err = Common::load(&Source::from_pairs([(
            "PONTE_QUORUM_INITIAL_GROUP_SIZE",
            "9",
        )]))
        .unwrap_err();
        assert!(err.to_string().contains("out of range 1..=7"), "{err}");
    }

    #[test]
    fn retention_is_set_per_kind() {
        let c = Common::load(&Source::from_pairs([
            ("PONTE_SNAPSHOT_RETENTION_DAYS", "30"),
            ("PONTE_CALL_HISTORY_RETENTION_DAYS", "7"),
            ("PONTE_LINK_HISTORY_RETENTION_DAYS", "3650"),
        ]))
        .expect("valid");
        assert_eq!(
            c.retention,
            Retention {
                snapshot_days: 30,
                call_history_days: 7,
                link_history_days: 3650
            }
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        for (k, v) in [
            ("PONTE_AMQP_URL", "http://x"),
            ("PONTE_NAMESPACE", "a b"),
            ("PONTE_LOG_FORMAT", "xml"),
            ("PONTE_WORK_SHARDS", "0"),
            ("PONTE_RETRY_TIERS", "5s,1s"),
            ("PONTE_RETRY_TIERS", "fast"),
            ("PONTE_QUORUM_INITIAL_GROUP_SIZE", "0"),
            ("PONTE_QUORUM_INITIAL_GROUP_SIZE", "8"),
            ("PONTE_QUORUM_INITIAL_GROUP_SIZE", "three"),
            ("PONTE_SNAPSHOT_RETENTION_DAYS", "0"),
            ("PONTE_CALL_HISTORY_RETENTION_DAYS", "3651"),
            ("PONTE_LINK_HISTORY_RETENTION_DAYS", "a year"),
            ("PONTE_SECRETS_KEY", "short"),
        ] {
            let err = Common::load(&Source::from_pairs([(k, v)])).unwrap_err();
            assert!(err.to_string().contains(k), "{err}");
        }
    }
}
