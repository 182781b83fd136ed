use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration key {key}: {message}")]
    Invalid { key: String, message: String },
    #[error("configuration file {path}: {message}")]
    File { path: String, message: String },
}

impl ConfigError {
    pub fn invalid(key: &str, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// Where settings come from: `PONTE_FOO` in the environment wins over `foo`
/// in the file named by `PONTE_CONFIG`.
#[derive(Debug, Clone, Default)]
pub struct Source {
    file: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
}

impl Source {
    /// Reads the process environment and, when `PONTE_CONFIG` is set, the file.
    pub fn from_env() -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let mut source = Source {
            file: BTreeMap::new(),
            env,
        };
        if let Some(path) = source.env.get("PONTE_CONFIG").cloned() {
            source.file = read_file(&path)?;
        }
        Ok(source)
    }

    /// A source from explicit pairs (tests, embedding).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Source {
            file: BTreeMap::new(),
            env: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The raw value of `PONTE_<NAME>` (or another literal env key such as
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`), else the file's `name`.
    pub fn get(&self, env_key: &str) -> Option<String> {
        if let Some(v) = self.env.get(env_key).filter(|v| !v.is_empty()) {
            return Some(v.clone());
        }
        let file_key = env_key
            .strip_prefix("PONTE_")
            .unwrap_or(env_key)
            .to_ascii_lowercase();
        self.file.get(&file_key).cloned()
    }

    pub fn string(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or_else(|| default.to_string())
    }

    pub fn parse<T>(&self, key: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        match self.get(key) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<T>()
                .map_err(|e| ConfigError::invalid(key, format!("cannot parse `{raw}`: {e}"))),
        }
    }
}

fn read_file(path: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::File {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError::File {
                    path: path.to_string(),
                    message: format!(
                        "key `{key}` must be a string, number or boolean, got {}",
                        other.type_str()
                    ),
                });
            }
        };
        out.insert(key.to_ascii_lowercase(), text);
    }
    Ok(out)
}

/// A URL with any password replaced, fit for a log line.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let without_query = rest.split('?').next().unwrap_or(rest);
    match without_query.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => format!("{scheme}://{without_query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wins_and_errors_name_the_key() {
        let s = Source::from_pairs([("PONTE_EVENT_SHARDS", "x")]);
        let err = s.parse::<u16>("PONTE_EVENT_SHARDS", 4).unwrap_err();
        assert!(err.to_string().contains("PONTE_EVENT_SHARDS"));
        assert_eq!(s.parse::<u16>("PONTE_WORK_SHARDS", 4).ok(), Some(4));
    }

    #[test]
    fn urls_lose_their_passwords_and_queries() {
        assert_eq!(
            redact_url("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact_url("http://h/x?token=abc"), "http://h/x");
    }
}
