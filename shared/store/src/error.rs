#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Redis is unreachable: {0}")]
    Unavailable(String),
    #[error("Redis command failed: {0}")]
    Command(String),
    #[error("stored value at {key} is not valid: {message}")]
    Corrupt { key: String, message: String },
    #[error("invalid Redis configuration: {0}")]
    Config(String),
    #[error("stored integration `{id}` cannot be read: {reason}")]
    Sealed {
        id: String,
        reason: crate::sealed::SealError,
    },
}

impl From<deadpool_redis::redis::RedisError> for StoreError {
    fn from(e: deadpool_redis::redis::RedisError) -> Self {
        if e.is_io_error()
            || e.is_connection_dropped()
            || e.is_connection_refusal()
            || e.is_timeout()
        {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Command(e.to_string())
        }
    }
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    key: &str,
    raw: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        message: e.to_string(),
    })
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
