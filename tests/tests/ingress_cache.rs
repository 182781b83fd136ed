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
