//! The operator's key for secrets at rest: `PONTE_SECRETS_KEY` (base64 of
//! 32 bytes) or `PONTE_SECRETS_KEY_FILE` (a file holding that text), and
//! `PONTE_SECRETS_KEY_PREVIOUS` (or `_PREVIOUS_FILE`) accepted for reading
//! while a rotation runs. No message ever contains a key.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::{ConfigError, Source};

/// 32 bytes of key material. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyMaterial([u8; 32]);

impl KeyMaterial {
    pub fn new(bytes: [u8; 32]) -> KeyMaterial {
        KeyMaterial(bytes)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses base64 text (standard alphabet, padding optional) of exactly
    /// 32 bytes; the error never repeats the text.
    pub fn from_base64(text: &str) -> Result<KeyMaterial, String> {
        let trimmed = text.trim();
        let decoded = STANDARD
            .decode(trimmed)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
            .map_err(|_| "is not base64 (make one with `openssl rand -base64 32`)".to_string())?;
        let bytes: [u8; 32] = decoded.as_slice().try_into().map_err(|_| {
            format!(
                "must decode to 32 bytes, got {} (make one with `openssl rand -base64 32`)",
                decoded.len()
            )
        })?;
        Ok(KeyMaterial(bytes))
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial(***)")
    }
}

/// The key secrets are written with and the one still accepted for reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretsKeys {
    pub current: Option<KeyMaterial>,
    pub previous: Option<KeyMaterial>,
}

impl SecretsKeys {
    pub fn load(source: &Source) -> Result<SecretsKeys, ConfigError> {
        let current = one(source, "PONTE_SECRETS_KEY")?;
        let previous = one(source, "PONTE_SECRETS_KEY_PREVIOUS")?;
        if previous.is_some() && current.is_none() {
            return Err(ConfigError::invalid(
                "PONTE_SECRETS_KEY_PREVIOUS",
                "needs PONTE_SECRETS_KEY (or PONTE_SECRETS_KEY_FILE): the previous key only reads, the current one writes",
            ));
        }
        Ok(SecretsKeys { current, previous })
    }
}

/// `KEY` or `KEY_FILE`, not both.
fn one(source: &Source, key: &str) -> Result<Option<KeyMaterial>, ConfigError> {
    let file_key = format!("{key}_FILE");
    match (source.get(key), source.get(&file_key)) {
        (Some(_), Some(_)) => Err(ConfigError::invalid(
            key,
            format!("is set together with {file_key}; set only one"),
        )),
        (Some(text), None) => KeyMaterial::from_base64(&text)
            .map(Some)
            .map_err(|m| ConfigError::invalid(key, m)),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                ConfigError::invalid(&file_key, format!("cannot read `{path}`: {e}"))
            })?;
            KeyMaterial::from_base64(&text)
                .map(Some)
                .map_err(|m| ConfigError::invalid(&file_key, format!("the file `{path}` {m}")))
        }
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn a_key_is_32_bytes_of_base64() {
        let keys = SecretsKeys::load(&Source::from_pairs([("PONTE_SECRETS_KEY", KEY)]))
            .expect("valid key");
        assert_eq!(keys.current.expect("current").bytes()[31], 31);
        assert!(keys.previous.is_none());
        assert_eq!(
            SecretsKeys::load(&Source::default()).ok(),
            Some(SecretsKeys::default())
        );
    }

    #[test]
    fn bad_keys_name_their_variable_and_never_echo_the_value() {
        for (pairs, named) in [
            (
                vec![("PONTE_SECRETS_KEY", "not base64!!")],
                "PONTE_SECRETS_KEY",
            ),
            (vec![("PONTE_SECRETS_KEY", "c2hvcnQ=")], "PONTE_SECRETS_KEY"),
            (
                vec![("PONTE_SECRETS_KEY_PREVIOUS", KEY)],
                "PONTE_SECRETS_KEY_PREVIOUS",
            ),
            (
                vec![("PONTE_SECRETS_KEY", KEY), ("PONTE_SECRETS_KEY_FILE", "/x")],
                "PONTE_SECRETS_KEY",
            ),
            (
                vec![("PONTE_SECRETS_KEY_FILE", "/nonexistent/ponte-key")],
                "PONTE_SECRETS_KEY_FILE",
            ),
        ] {
            let err = SecretsKeys::load(&Source::from_pairs(pairs.clone()))
                .expect_err("refused")
                .to_string();
            assert!(err.contains(named), "{err}");
            for (_, v) in &pairs {
                if v.len() > 6 && !v.starts_with('/') {
                    assert!(!err.contains(v), "{err}");
                }
            }
        }
    }

    #[test]
    fn a_key_file_is_read_and_trimmed() {
        let path = std::env::temp_dir().join(format!("ponte-key-{}", std::process::id()));
        std::fs::write(&path, format!("{KEY}\n")).expect("write");
        let keys = SecretsKeys::load(&Source::from_pairs([(
            "PONTE_SECRETS_KEY_FILE",
            path.to_string_lossy().to_string(),
        )]))
        .expect("file key");
        std::fs::remove_file(&path).ok();
        assert!(keys.current.is_some());
        assert!(format!("{keys:?}").contains("***"));
    }
}
