//! `ponte secrets`: integration secrets at rest. `rotate` rewrites every
//! stored integration with the current key (`PONTE_SECRETS_KEY`), reading
//! those still under `PONTE_SECRETS_KEY_PREVIOUS` or in plain text from
//! before encryption. Talks to Ponte's state store directly, like the
//! services: `PONTE_REDIS_URL`, `PONTE_NAMESPACE`.

use clap::Subcommand;
use ponte_store::Store;
use serde_json::json;

#[derive(Subcommand, Debug, Clone)]
pub enum SecretsCmd {
    /// Re-encrypt every integration with PONTE_SECRETS_KEY (run after changing the key, with the
    /// old one in PONTE_SECRETS_KEY_PREVIOUS; or once after turning encryption on).
    Rotate,
    /// How the stored integrations are kept: plain, current key, previous key.
    Status,
}

fn store() -> anyhow::Result<Store> {
    let source = ponte_config::Source::from_env()?;
    let common = ponte_config::Common::load(&source)?;
    Ok(Store::from_common(&common)?)
}

pub async fn run(cmd: SecretsCmd, json_out: bool) -> anyhow::Result<()> {
    let store = store()?;
    match cmd {
        SecretsCmd::Rotate => {
            let done = store
                .reseal_integrations(|n, total, id| {
                    if !json_out {
                        eprintln!("re-encrypting integrations: {n}/{total} ({id})");
                    }
                })
                .await?;
            if json_out {
                println!(
                    "{}",
                    json!({"rewritten": done.rewritten, "unchanged": done.unchanged})
                );
            } else {
                println!(
                    "{} integration(s) re-encrypted with the current key, {} already were",
                    done.rewritten, done.unchanged
                );
            }
        }
        SecretsCmd::Status => {
            let check = store.check_secrets().await?;
            if json_out {
                println!(
                    "{}",
                    json!({"plain": check.plain, "current_key": check.current, "previous_key": check.previous})
                );
            } else {
                println!(
                    "plain text: {}, current key: {}, previous key: {}",
                    check.plain, check.current, check.previous
                );
            }
        }
    }
    Ok(())
}
