//! Secrets at rest (decision 55): integrations are encrypted in Redis with
//! the operator's key, webhooks still pass, a side's inbound secret can be
//! rotated with an overlap, the admin token with a previous one, services
//! refuse to start without the right key, and `ponte secrets rotate` moves
//! plain or old-key integrations to the current key.

use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_redis::redis;
use ponte_cli::fleet::FleetOptions;
use ponte_config::{KeyMaterial, SecretsKeys};
use ponte_core::Integration;
use ponte_e2e::{ADMIN_TOKEN, CHANGE_REACHES_INGRESS, Options, Svc, TestFleet, redis_url};
use ponte_store::Store;
use reqwest::StatusCode;
use serde_json::json;

const OLD_ADMIN_TOKEN: &str = "e2e-old-admin-token-0123456789";
const KEY_1: &str = "a2V5LW9uZS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMDE=";
const KEY_2: &str = "a2V5LXR3by1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMDI=";

async fn raw(key: &str) -> String {
    let client = redis::Client::open(redis_url()).expect("redis url");
    let mut c = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let v: Option<String> = redis::cmd("GET")
        .arg(key)
        .query_async(&mut c)
        .await
        .expect("GET");
    v.unwrap_or_else(|| panic!("no value at {key}"))
}

async fn hook(t: &TestFleet, integration: &str, secret: &str) -> StatusCode {
    t.http
        .post(format!(
            "{}/hooks/movidesk/{integration}",
            t.url(Svc::Ingress)
        ))
        .bearer_auth(secret)
        .json(&json!({"Id": 4242, "Subject": "rotation"}))
        .send()
        .await
        .expect("ingress answers")
        .status()
}

async fn admin_status(t: &TestFleet, token: &str) -> StatusCode {
    t.http
        .get(format!("{}/api/v1/integrations", t.url(Svc::Admin)))
        .bearer_auth(token)
        .send()
        .await
        .expect("admin answers")
        .status()
}

#[tokio::test]
async fn secrets_are_encrypted_at_rest_and_rotate_without_a_gap() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        env: vec![("PONTE_ADMIN_TOKEN_PREVIOUS".into(), OLD_ADMIN_TOKEN.into())],
    })
    .await;
    let pair = t.movidesk_pair("vault").await;

    // What Redis holds names no secret and no token.
    let stored = raw(&format!("{}:integration:vault", t.ns)).await;
    assert!(stored.starts_with("sealed:v1:"), "{stored}");
    for secret in [
        pair.secret_a.clone(),
        pair.secret_b.clone(),
        pair.token_a(),
        pair.token_b(),
    ] {
        assert!(!stored.contains(&secret), "Redis holds a secret in clear");
    }
    let (ok, status) = t.cli(&["secrets", "status"]).await;
    assert!(ok, "{status}");
    assert!(
        status.contains("plain text: 0, current key: 1, previous key: 0"),
        "{status}"
    );

    // Webhooks still pass: the ingress decrypts.
    assert_eq!(
        hook(&t, "vault", &pair.secret_a).await,
        StatusCode::ACCEPTED
    );

    // Both admin tokens work while the previous one is configured.
    assert_eq!(admin_status(&t, ADMIN_TOKEN).await, StatusCode::OK);
    assert_eq!(admin_status(&t, OLD_ADMIN_TOKEN).await, StatusCode::OK);
    assert_eq!(
        admin_status(&t, "e2e-some-other-token-0123456789").await,
        StatusCode::UNAUTHORIZED
    );

    // Rotate the source's inbound secret with a short overlap.
    let new_secret = format!("rotated-a-{}-0123456789", t.ns);
    let shown = t
        .admin
        .post(
            "/integrations/vault/inbound-secret",
            &json!({"side": "source", "secret": new_secret, "overlap_secs": 4}),
        )
        .await
        .expect("rotation accepted");
    let previous = &shown["source"]["previous_inbound_secret"];
    assert_eq!(previous["secret"], "***", "{shown}");
    let until: DateTime<Utc> =
        serde_json::from_value(previous["until"].clone()).expect("until is a time");
    assert_eq!(shown["source"]["inbound_secret"], "***");
    let stored = raw(&format!("{}:integration:vault", t.ns)).await;
    assert!(!stored.contains(&new_secret) && !stored.contains(&pair.secret_a));

    // During the overlap both secrets are accepted (once the ingress has
    // the change), after it only the new one.
    t.eventually(
        "the new secret reaches the ingress",
        CHANGE_REACHES_INGRESS * 3,
        || async { (hook(&t, "vault", &new_secret).await == StatusCode::ACCEPTED).then_some(()) },
    )
    .await;
    assert!(
        Utc::now() < until,
        "the overlap ended before it was checked"
    );
    assert_eq!(
        hook(&t, "vault", &pair.secret_a).await,
        StatusCode::ACCEPTED
    );
    let wait = (until - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(300);
    tokio::time::sleep(wait).await;
    assert_eq!(
        hook(&t, "vault", &pair.secret_a).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(hook(&t, "vault", &new_secret).await, StatusCode::ACCEPTED);
    // The other side was not touched.
    assert_eq!(
        hook(&t, "vault", &pair.secret_b).await,
        StatusCode::ACCEPTED
    );

    // A bad rotation says what is wrong.
    let err = t
        .admin
        .post(
            "/integrations/vault/inbound-secret",
            &json!({"side": "source", "secret": "short", "overlap_secs": 60}),
        )
        .await
        .expect_err("too short");
    assert!(err.to_string().contains("inbound_secret"), "{err}");
    t.teardown().await;
}

fn integration(id: &str) -> Integration {
    serde_json::from_value(json!({
        "id": id,
        "source_agent": "ponte-a",
        "generator_agent": "gen-b",
        "source": {"provider": "movidesk", "base_url": "http://127.0.0.1:9/x",
                   "credentials": {"token": "plain-token-aaaaaaaa"}, "inbound_secret": "plain-secret-aaaaaaaaaa"},
        "target": {"provider": "movidesk", "base_url": "http://127.0.0.1:9/x",
                   "credentials": {"token": "plain-token-bbbbbbbb"}, "inbound_secret": "plain-secret-bbbbbbbbbb"},
    }))
    .expect("integration")
}

fn keys(current: Option<&str>, previous: Option<&str>) -> SecretsKeys {
    let k = |s: &str| KeyMaterial::from_base64(s).expect("test key");
    SecretsKeys {
        current: current.map(k),
        previous: previous.map(k),
    }
}

/// Runs a binary of the workspace with only `env` (and PATH), waiting for it
/// to exit (or killing it after `within`). Returns (exited, success, stderr).
async fn run(
    bin: &str,
    args: &[&str],
    env: &[(&str, &str)],
    within: Duration,
) -> (bool, bool, String) {
    let mut cmd = tokio::process::Command::new(FleetOptions::default_bin_dir().join(bin));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    match tokio::time::timeout(within, child.wait_with_output()).await {
        Ok(out) => {
            let out = out.expect("output");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (true, out.status.success(), text)
        }
        Err(_) => (false, false, String::new()),
    }
}

#[tokio::test]
async fn plain_integrations_are_encrypted_by_rotate_and_services_refuse_a_missing_or_wrong_key() {
    let ns = format!("tsec{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let plain = Store::new(&redis_url(), &ns).expect("store");
    plain
        .put_integration(&integration("legacy"))
        .await
        .expect("stored before encryption");
    let key = format!("{ns}:integration:legacy");
    assert!(raw(&key).await.contains("plain-secret-aaaaaaaaaa"));
    let redis = redis_url();
    let base = [
        ("PONTE_NAMESPACE", ns.as_str()),
        ("PONTE_REDIS_URL", redis.as_str()),
    ];

    // Rotation without a key says which variable to set.
    let (_, ok, out) = run(
        "ponte",
        &["secrets", "rotate"],
        &base,
        Duration::from_secs(20),
    )
    .await;
    assert!(!ok && out.contains("PONTE_SECRETS_KEY"), "{out}");

    // First key: the plain integration is encrypted, with a progress line.
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(&str, &str)> = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let (_, ok, out) = run(
        "ponte",
        &["secrets", "rotate"],
        &with(&[("PONTE_SECRETS_KEY", KEY_1)]),
        Duration::from_secs(20),
    )
    .await;
    assert!(ok, "{out}");
    assert!(
        out.contains("re-encrypting integrations: 1/1 (legacy)"),
        "{out}"
    );
    assert!(out.contains("1 integration(s) re-encrypted"), "{out}");
    let sealed_1 = raw(&key).await;
    assert!(sealed_1.starts_with("sealed:v1:") && !sealed_1.contains("plain-secret"));

    // Key rotation: the new key writes, the previous one reads.
    let (_, ok, out) = run(
        "ponte",
        &["secrets", "rotate"],
        &with(&[
            ("PONTE_SECRETS_KEY", KEY_2),
            ("PONTE_SECRETS_KEY_PREVIOUS", KEY_1),
        ]),
        Duration::from_secs(20),
    )
    .await;
    assert!(ok, "{out}");
    let sealed_2 = raw(&key).await;
    assert_ne!(
        sealed_1.split(':').nth(2),
        sealed_2.split(':').nth(2),
        "key id changed"
    );
    let read = Store::new(&redis_url(), &ns)
        .expect("store")
        .with_keys(&keys(Some(KEY_2), None))
        .integration("legacy")
        .await
        .expect("the new key reads")
        .expect("present");
    assert_eq!(read, integration("legacy"));

    // A service without the key, or with the old one only, refuses to
    // start and says why; no secret appears in what it prints.
    let admin = |extra: &[(&'static str, &'static str)]| {
        let mut v = with(&[
            ("PONTE_ADMIN_TOKEN", ADMIN_TOKEN),
            ("PONTE_ADMIN_ADDR", "127.0.0.1:0"),
        ]);
        v.extend_from_slice(extra);
        v
    };
    for (extra, says) in [
        (vec![], "no key is configured: set PONTE_SECRETS_KEY"),
        (
            vec![("PONTE_SECRETS_KEY", KEY_1)],
            "the wrong key is configured",
        ),
    ] {
        let (exited, ok, out) =
            run("ponte-admin", &[], &admin(&extra), Duration::from_secs(30)).await;
        assert!(exited && !ok, "ponte-admin started: {out}");
        assert!(out.contains(says), "{out}");
        assert!(
            !out.contains("plain-secret") && !out.contains(KEY_1),
            "{out}"
        );
    }
    let (exited, ok, out) = run(
        "ponte-ingress",
        &[],
        &with(&[("PONTE_INGRESS_ADDR", "127.0.0.1:0")]),
        Duration::from_secs(30),
    )
    .await;
    assert!(exited && !ok && out.contains("PONTE_SECRETS_KEY"), "{out}");

    plain.wipe().await.expect("clean up");
}
