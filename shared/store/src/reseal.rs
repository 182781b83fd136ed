//! Start-up check and re-encryption of stored integrations: a service
//! refuses to start when it cannot read them (no key, wrong key), and
//! `ponte secrets rotate` rewrites each with the current key.

use std::sync::LazyLock;

use deadpool_redis::redis::{AsyncCommands, Script};

use crate::sealed::Sealing;
use crate::{Store, StoreError};

/// How the stored integrations are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecretsCheck {
    pub plain: usize,
    pub current: usize,
    pub previous: usize,
}

/// What a re-encryption pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Integrations now sealed with the current key that were not before.
    pub rewritten: usize,
    /// Already sealed with the current key.
    pub unchanged: usize,
}

/// Replaces the value only if nobody wrote it since it was read.
static SWAP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0",
    )
});

impl Store {
    async fn integration_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut c = self.conn().await?;
        let mut ids: Vec<String> = c.smembers(self.key(&["integrations"])).await?;
        ids.sort();
        Ok(ids)
    }

    /// Opens every stored integration with the configured keys; the first
    /// that cannot be opened is the error (it names the variable to set).
    pub async fn check_secrets(&self) -> Result<SecretsCheck, StoreError> {
        let mut check = SecretsCheck::default();
        let mut c = self.conn().await?;
        for id in self.integration_ids().await? {
            let raw: Option<String> = c.get(self.integration_key(&id)).await?;
            let Some(raw) = raw else { continue };
            let (_, how) = self
                .keys()
                .open(&id, &raw)
                .map_err(|reason| StoreError::Sealed { id, reason })?;
            match how {
                Sealing::Plain => check.plain += 1,
                Sealing::Current => check.current += 1,
                Sealing::Previous => check.previous += 1,
            }
        }
        Ok(check)
    }

    /// What a service runs before it serves: an error when stored secrets
    /// cannot be read with its keys. Redis being down is not an error here
    /// (the service reports it through `/readyz` and reads fail clearly).
    pub async fn check_secrets_at_start(&self) -> Result<(), StoreError> {
        match self.check_secrets().await {
            Ok(check) => {
                if check.plain > 0 && self.keys().encrypts() {
                    tracing::warn!(
                        plain = check.plain,
                        "integrations stored before encryption are in plain text until their next write or `ponte secrets rotate`"
                    );
                } else if check.plain > 0 {
                    tracing::warn!(
                        plain = check.plain,
                        "integration secrets are stored in plain text: set PONTE_SECRETS_KEY to encrypt them"
                    );
                }
                if check.previous > 0 {
                    tracing::info!(
                        previous = check.previous,
                        "integrations still sealed with PONTE_SECRETS_KEY_PREVIOUS: run `ponte secrets rotate`"
                    );
                }
                Ok(())
            }
            Err(StoreError::Unavailable(e)) => {
                tracing::warn!(error = %e, "stored secrets not checked at start: Redis is unreachable");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Rewrites every integration not yet sealed with the current key
    /// (plain ones and those under the previous key), calling `progress`
    /// after each with (done, total, id). A value written meanwhile by
    /// someone else is read again, so no update is lost.
    pub async fn reseal_integrations(
        &self,
        mut progress: impl FnMut(usize, usize, &str),
    ) -> Result<Resealed, StoreError> {
        if !self.keys().encrypts() {
            return Err(StoreError::Config(
                "PONTE_SECRETS_KEY (or PONTE_SECRETS_KEY_FILE) is not set: there is no key to encrypt with".into(),
            ));
        }
        let ids = self.integration_ids().await?;
        let total = ids.len();
        let mut done = Resealed::default();
        let mut c = self.conn().await?;
        for (n, id) in ids.iter().enumerate() {
            let key = self.integration_key(id);
            for _ in 0..5 {
                let raw: Option<String> = c.get(&key).await?;
                let Some(raw) = raw else { break };
                let (plain, how) =
                    self.keys()
                        .open(id, &raw)
                        .map_err(|reason| StoreError::Sealed {
                            id: id.clone(),
                            reason,
                        })?;
                if how == Sealing::Current {
                    done.unchanged += 1;
                    break;
                }
                let sealed = self.keys().seal(id, &plain);
                let swapped: i64 = SWAP
                    .key(&key)
                    .arg(&raw)
                    .arg(&sealed)
                    .invoke_async(&mut c)
                    .await?;
                if swapped == 1 {
                    done.rewritten += 1;
                    break;
                }
            }
            progress(n + 1, total, id);
        }
        Ok(done)
    }
}
