//! The envelope integration secrets are kept in at rest: AES-256-GCM with
//! the operator's key, a fresh 96-bit nonce per write, and the record's id
//! as associated data (a sealed value moved under another id does not
//! open). Text form: `sealed:v1:<key id>:<base64 of nonce ‖ ciphertext>`,
//! where the key id is the first 8 bytes of SHA-256 over the key, in hex,
//! so a reader knows which of its keys (current or previous) to use and
//! can say "wrong key" instead of "corrupt". A value without the prefix is
//! plain JSON written before encryption was turned on.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ponte_config::{KeyMaterial, SecretsKeys};
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 12;

/// Why a stored value could not be opened. Never carries the plaintext or
/// a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error(
        "it is encrypted (key id {key_id}) and no key is configured: set PONTE_SECRETS_KEY or PONTE_SECRETS_KEY_FILE"
    )]
    NoKey { key_id: String },
    #[error(
        "it is encrypted with key id {key_id}, which is neither PONTE_SECRETS_KEY (id {current}) nor PONTE_SECRETS_KEY_PREVIOUS{previous}: the wrong key is configured"
    )]
    WrongKey {
        key_id: String,
        current: String,
        previous: String,
    },
    #[error("its encrypted form is damaged or was altered (authentication failed)")]
    Tampered,
    #[error("its encrypted form is malformed: {0}")]
    Malformed(&'static str),
}

struct SealKey {
    id: String,
    cipher: Aes256Gcm,
}

impl SealKey {
    fn new(material: &KeyMaterial) -> SealKey {
        let digest = Sha256::digest(material.bytes());
        SealKey {
            id: digest[..8].iter().map(|b| format!("{b:02x}")).collect(),
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(material.bytes())),
        }
    }
}

/// The keys a process has: one to write (and read) with, one more to read.
#[derive(Default)]
pub struct Keyring {
    current: Option<SealKey>,
    previous: Option<SealKey>,
}

/// What opening a stored value found, besides its plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    /// Plain JSON from before encryption.
    Plain,
    /// Sealed with the current key.
    Current,
    /// Sealed with the previous key: a rotation has not reached it yet.
    Previous,
}

impl Keyring {
    pub fn new(keys: &SecretsKeys) -> Keyring {
        Keyring {
            current: keys.current.as_ref().map(SealKey::new),
            previous: keys.previous.as_ref().map(SealKey::new),
        }
    }

    /// True when values are written encrypted.
    pub fn encrypts(&self) -> bool {
        self.current.is_some()
    }

    /// The current key's id (for logs: it tells keys apart, reveals none).
    pub fn current_id(&self) -> Option<&str> {
        self.current.as_ref().map(|k| k.id.as_str())
    }

    /// The stored form of `plaintext`: sealed with the current key, or the
    /// plaintext itself when no key is configured.
    pub fn seal(&self, aad: &str, plaintext: &str) -> String {
        let Some(key) = &self.current else {
            return plaintext.to_string();
        };
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: aad.as_bytes(),
        };
        // Encryption of an in-memory buffer cannot fail for AES-GCM below
        // its size limit (64 GiB); an empty result would not open again.
        let ciphertext = key.cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}:{}", key.id, STANDARD.encode(blob))
    }

    /// The plaintext of a stored value and how it was stored.
    pub fn open(&self, aad: &str, stored: &str) -> Result<(String, Sealing), SealError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok((stored.to_string(), Sealing::Plain));
        };
        let (key_id, body) = rest
            .split_once(':')
            .ok_or(SealError::Malformed("no key id"))?;
        let (key, sealing) = match (&self.current, &self.previous) {
            (Some(k), _) if k.id == key_id => (k, Sealing::Current),
            (_, Some(k)) if k.id == key_id => (k, Sealing::Previous),
            (None, _) => {
                return Err(SealError::NoKey {
                    key_id: key_id.to_string(),
                });
            }
            (Some(c), p) => {
                return Err(SealError::WrongKey {
                    key_id: key_id.to_string(),
                    current: c.id.clone(),
                    previous: p
                        .as_ref()
                        .map(|p| format!(" (id {})", p.id))
                        .unwrap_or_else(|| " (not set)".into()),
                });
            }
        };
        let blob = STANDARD
            .decode(body)
            .map_err(|_| SealError::Malformed("not base64"))?;
        if blob.len() < NONCE_LEN + 16 {
            return Err(SealError::Malformed("too short"));
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: aad.as_bytes(),
        };
        let plain = key
            .cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| SealError::Tampered)?;
        let text = String::from_utf8(plain).map_err(|_| SealError::Malformed("not UTF-8"))?;
        Ok((text, sealing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn material(b: u8) -> KeyMaterial {
        KeyMaterial::new([b; 32])
    }

    fn ring(current: Option<u8>, previous: Option<u8>) -> Keyring {
        Keyring::new(&SecretsKeys {
            current: current.map(material),
            previous: previous.map(material),
        })
    }

    const SECRET: &str = r#"{"inbound_secret":"hunter2-hunter2-hunter2"}"#;

    #[test]
    fn round_trip_hides_the_plaintext_and_varies_per_write() {
        let k = ring(Some(1), None);
        let a = k.seal("acme", SECRET);
        let b = k.seal("acme", SECRET);
        assert!(a.starts_with(PREFIX));
        assert!(!a.contains("hunter2"));
        assert_ne!(a, b, "a fresh nonce per write");
        assert_eq!(
            k.open("acme", &a),
            Ok((SECRET.to_string(), Sealing::Current))
        );
    }

    #[test]
    fn plaintext_from_before_encryption_still_reads() {
        assert_eq!(
            ring(Some(1), None).open("acme", SECRET),
            Ok((SECRET.to_string(), Sealing::Plain))
        );
        assert_eq!(ring(None, None).seal("acme", SECRET), SECRET);
    }

    #[test]
    fn a_wrong_or_missing_key_is_a_clear_error() {
        let sealed = ring(Some(1), None).seal("acme", SECRET);
        let wrong = ring(Some(2), None).open("acme", &sealed).unwrap_err();
        assert!(matches!(wrong, SealError::WrongKey { .. }));
        assert!(wrong.to_string().contains("PONTE_SECRETS_KEY"), "{wrong}");
        let none = ring(None, None).open("acme", &sealed).unwrap_err();
        assert!(matches!(none, SealError::NoKey { .. }));
        assert!(none.to_string().contains("PONTE_SECRETS_KEY"), "{none}");
    }

    #[test]
    fn tampering_or_moving_a_value_is_detected() {
        let k = ring(Some(1), None);
        let sealed = k.seal("acme", SECRET);
        // Flip one bit of the ciphertext.
        let (head, body) = sealed.rsplit_once(':').expect("shape");
        let mut blob = STANDARD.decode(body).expect("base64");
        let last = blob.len() - 1;
        blob[last] ^= 1;
        let altered = format!("{head}:{}", STANDARD.encode(blob));
        assert_eq!(k.open("acme", &altered), Err(SealError::Tampered));
        // The same value under another integration's id does not open.
        assert_eq!(k.open("other", &sealed), Err(SealError::Tampered));
        // Garbage after the prefix is malformed, not a panic.
        let id = k.current_id().expect("id");
        for bad in [
            format!("{PREFIX}nokeyid"),
            format!("{PREFIX}{id}:!!!"),
            format!("{PREFIX}{id}:AAAA"),
        ] {
            assert!(matches!(k.open("acme", &bad), Err(SealError::Malformed(_))));
        }
    }

    #[test]
    fn rotation_reads_the_previous_key_and_writes_the_current() {
        let old = ring(Some(1), None).seal("acme", SECRET);
        let rotating = ring(Some(2), Some(1));
        let (plain, how) = rotating.open("acme", &old).expect("previous key reads");
        assert_eq!(how, Sealing::Previous);
        let new = rotating.seal("acme", &plain);
        assert_eq!(
            rotating.open("acme", &new),
            Ok((SECRET.to_string(), Sealing::Current))
        );
        // Once the previous key is dropped, only the new form reads.
        let after = ring(Some(2), None);
        assert!(after.open("acme", &new).is_ok());
        assert!(matches!(
            after.open("acme", &old),
            Err(SealError::WrongKey { .. })
        ));
    }
}
