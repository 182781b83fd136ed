//! The ingress contract of DESIGN §3, against the real ingress, broker and
//! Redis. The router is not started, so whatever the ingress published
//! stays in the event queues to be counted.

use ponte_e2e::{Options, Svc, TestFleet};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(
    t: &TestFleet,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = t
        .http
        .post(format!("{}{path}", t.url(Svc::Ingress)))
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("ingress answers {path}: {e:?}"));
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn every_refusal_has_its_status_and_code_and_publishes_nothing() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("contract").await;
    let good = serde_json::to_vec(&json!({"Id": 1234, "Subject": "x"})).expect("json");
    let json_ct = ("content-type", "application/json");
    let bearer = format!("Bearer {}", pair.secret_a);
    let auth = ("authorization", bearer.as_str());
    let big = vec![b' '; 1024 * 1024 + 10];

    // (path, headers, body, expected status, expected error code)
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        Vec<u8>,
        StatusCode,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "/hooks/zendesk/contract",
            vec![json_ct, auth],
            good.clone(),
            StatusCode::NOT_FOUND,
            "unknown_provider",
        ),
        (
            "/hooks/movidesk/nope",
            vec![json_ct, auth],
            good.clone(),
            StatusCode::NOT_FOUND,
            "unknown_integration",
        ),
        (
            "/hooks/okdesk/contract",
            vec![json_ct, auth],
            good.clone(),
            StatusCode::NOT_FOUND,
            "unknown_integration",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct],
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "missing_secret",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, ("authorization", "Bearer wrong-secret")],
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "bad_secret",
        ),
        (
            "/hooks/movidesk/contract?token=wrong",
            vec![json_ct],
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "bad_secret",
        ),
        (
            "/hooks/movidesk/contract",
            vec![("content-type", "text/plain"), auth],
            good.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, auth],
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, auth],
            b"{not json".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, auth],
            br#"{"Subject":"no id"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, auth],
            br#"{"Id":"abc"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ];
    for (path, headers, body, status, code) in cases {
        let (got, answer) = post(&t, path, &headers, body).await;
        assert_eq!(got, status, "{path} {headers:?}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{path}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.len() > 10,
            "a message a person can act on: {answer}"
        );
        assert!(
            !message.contains(&pair.secret_a) && !message.contains("wrong-secret"),
            "never echo secrets: {answer}"
        );
    }
    let (_, answer) = post(
        &t,
        "/hooks/movidesk/contract",
        &[json_ct, auth],
        br#"{"Subject":"no id"}"#.to_vec(),
    )
    .await;
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Id"),
        "names the field: {answer}"
    );

    // A disabled integration is unknown to the ingress.
    t.admin
        .post("/integrations/contract/disable", &json!({}))
        .await
        .expect("disable");
    let (got, answer) = post(
        &t,
        "/hooks/movidesk/contract",
        &[json_ct, auth],
        good.clone(),
    )
    .await;
    assert_eq!(
        (got, answer["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_integration"))
    );
    assert_eq!(
        t.events_waiting().await,
        0,
        "refused webhooks publish nothing"
    );

    // The three ways to present the secret are accepted, and tell the side.
    t.admin
        .post("/integrations/contract/enable", &json!({}))
        .await
        .expect("enable");
    let (s1, a1) = post(
        &t,
        "/hooks/movidesk/contract",
        &[json_ct, auth],
        good.clone(),
    )
    .await;
    let x_token = ("x-ponte-token", pair.secret_b.as_str());
    let (s2, a2) = post(
        &t,
        "/hooks/movidesk/contract",
        &[json_ct, x_token],
        good.clone(),
    )
    .await;
    let query = format!("/hooks/movidesk/contract?token={}", pair.secret_a);
    let other = serde_json::to_vec(&json!({"Id": 99})).expect("json");
    let (s3, a3) = post(
        &t,
        &query,
        &[("content-type", "application/json; charset=utf-8")],
        other,
    )
    .await;
    assert_eq!(
        (s1, s2, s3),
        (
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED
        ),
        "{a1} {a2} {a3}"
    );
    assert_eq!(a1["duplicate"], false);
    assert_ne!(
        a1["event_id"], a2["event_id"],
        "the same body from the other side is another event"
    );
    assert_eq!(t.events_waiting().await, 3);
    t.teardown().await;
}

#[tokio::test]
async fn a_provider_retry_is_answered_as_a_duplicate_and_published_once() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("dupes").await;
    let path = format!("/hooks/movidesk/dupes?token={}", pair.secret_a);
    let body = serde_json::to_vec(&json!({"Id": 77, "Actions": [{"Id": 1}], "WebhookEvents": [{"Criteria": 1, "Operation": 1}]})).expect("json");
    let mut ids = Vec::new();
    for i in 0..5 {
        let (status, answer) = post(
            &t,
            &path,
            &[("content-type", "application/json")],
            body.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(answer["duplicate"], i > 0, "attempt {i}: {answer}");
        ids.push(answer["event_id"].clone());
    }
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one event id for one webhook: {ids:?}"
    );
    assert_eq!(t.events_waiting().await, 1, "published once");
    t.teardown().await;
}

#[tokio::test]
async fn ops_endpoints_answer_on_every_service() {
    let t = TestFleet::start(Options::default()).await;
    for s in [Svc::Ingress, Svc::Router, Svc::WorkerMovidesk, Svc::Admin] {
        for path in ["/healthz", "/readyz", "/metrics"] {
            let r = t
                .http
                .get(format!("{}{path}", t.url(s)))
                .send()
                .await
                .expect("answers");
            assert_eq!(r.status(), StatusCode::OK, "{s:?} {path}");
        }
    }
    // Admin calls need the token.
    let r = t
        .http
        .get(format!("{}/api/v1/integrations", t.url(Svc::Admin)))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    t.teardown().await;
}
