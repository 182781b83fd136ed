//! The ingress keeps integrations in memory; a change made through the
//! admin API reaches it within a moment (decision 49).

use std::time::Duration;

use ponte_e2e::{Options, Svc, TestFleet};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn webhook(t: &TestFleet, secret: &str, n: u32) -> (StatusCode, Value) {
    let resp = t
        .http
        .post(format!("{}/hooks/movidesk/cached", t.url(Svc::Ingress)))
        .bearer_auth(secret)
        .json(&json!({"Id": 4000 + n, "Subject": format!("cached {n}")}))
        .send()
        .await
        .expect("ingress answers");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_integration_disabled_through_the_admin_is_refused_at_once() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("cached").await;
    // Served (and now cached) while enabled.
    for n in 0..3 {
        let (status, body) = webhook(&t, &pair.secret_a, n).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    t.admin
        .post("/integrations/cached/disable", &json!({}))
        .await
        .expect("disable");
    let mut n = 10;
    let body = t
        .eventually(
            "the disabled integration refused (the cache watches every 200 ms)",
            Duration::from_secs(5),
            || {
                n += 1;
                let n = n;
                let t = &t;
                let secret = pair.secret_a.clone();
                async move {
                    let (status, body) = webhook(t, &secret, n).await;
                    (status == StatusCode::UNAUTHORIZED).then_some(body)
                }
            },
        )
        .await;
    // Refused as any unknown integration or wrong secret is (decision 42).
    assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    // Enabled again: served again, and a new secret counts at once too.
    t.admin
        .post("/integrations/cached/enable", &json!({}))
        .await
        .expect("enable");
    t.eventually(
        "the integration served again",
        Duration::from_secs(5),
        || {
            n += 1;
            let n = n;
            let t = &t;
            let secret = pair.secret_a.clone();
            async move {
                let (status, _) = webhook(t, &secret, n).await;
                (status == StatusCode::ACCEPTED).then_some(())
            }
        },
    )
    .await;
    t.teardown().await;
}

/// A change an operator just made counts for the very next webhook: before
/// refusing, the ingress's copy catches up (decision 101). Before, a
/// provider that sent a webhook right after its new secret was set got a
/// 401 for up to 200 ms, and a provider that does not retry a 401 lost it
/// (`ponte demo` run twice lost act 3's first webhook so).
#[tokio::test]
async fn a_secret_set_or_an_integration_enabled_counts_for_the_next_webhook() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("cached").await;
    // The copy in memory holds the integration once the watcher has seen
    // it (until then each webhook reads Redis): served from the copy.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, body) = webhook(&t, &pair.secret_a, 0).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    for round in 1..=5 {
        let secret = format!("fresh-secret-{round}-{}", t.ns);
        t.admin
            .post(
                "/integrations/cached/inbound-secret",
                &json!({"side": "source", "secret": secret, "overlap_secs": 0}),
            )
            .await
            .expect("a new secret");
        let (status, body) = webhook(&t, &secret, round).await;
        assert_eq!(status, StatusCode::ACCEPTED, "round {round}: {body}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    t.admin
        .post("/integrations/cached/disable", &json!({}))
        .await
        .expect("disable");
    tokio::time::sleep(Duration::from_millis(600)).await;
    t.admin
        .post("/integrations/cached/enable", &json!({}))
        .await
        .expect("enable");
    let secret = format!("fresh-secret-5-{}", t.ns);
    let (status, body) = webhook(&t, &secret, 10).await;
    assert_eq!(status, StatusCode::ACCEPTED, "enabled a moment ago: {body}");
    // A wrong secret is still refused, once the copy has caught up.
    let (status, body) = webhook(&t, "not-the-secret", 11).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    t.teardown().await;
}
