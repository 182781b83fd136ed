//! Token auth, the per-domain rate limit and the failed-request lockout.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Ctx, ticket_body};
use serde_json::{Value, json};

fn retry_after(resp: &reqwest::Response) -> u64 {
    resp.headers()
        .get("retry-after")
        .expect("retry-after header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn token_selects_the_domain_and_is_never_echoed() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    ctx.domain("b", "tok-b", json!({})).await;
    let a = ctx.create_ticket("tok-a", &ticket_body("in a")).await;
    let b = ctx.create_ticket("tok-b", &ticket_body("in b")).await;
    assert_ne!(a, b, "domains number tickets apart");
    assert_eq!(ctx.ticket("tok-a", a).await["subject"], "in a");
    assert_eq!(
        ctx.get("tok-b", "/tickets", &[("id", &a.to_string())])
            .await
            .status(),
        404
    );

    let resp = ctx
        .http
        .get(ctx.api("/tickets"))
        .query(&[("id", "1001")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let v: Value = resp.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("token"));

    let resp = ctx
        .get("wrong-secret-token", "/tickets", &[("id", "1001")])
        .await;
    assert_eq!(resp.status(), 401);
    let text = resp.text().await.unwrap();
    assert!(!text.contains("wrong-secret-token"));

    let log = ctx
        .control_get("/_sandbox/requests?provider=movidesk")
        .await;
    let dump = log.to_string();
    assert!(
        !dump.contains("tok-a") && !dump.contains("wrong-secret-token"),
        "{dump}"
    );
    let a_log = ctx
        .control_get("/_sandbox/requests?provider=movidesk&domain=a")
        .await;
    let first = &a_log[0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], "/movidesk/public/v1/tickets");
    assert_eq!(first["status"], 200);
    assert_eq!(first["domain"], "a");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({"rate_limit_per_minute": 3}))
        .await;
    for _ in 0..3 {
        assert_eq!(
            ctx.get("tok-a", "/persons", &[("id", "c1")]).await.status(),
            200
        );
    }
    let resp = ctx.get("tok-a", "/persons", &[("id", "c1")]).await;
    assert_eq!(resp.status(), 429);
    let secs = retry_after(&resp);
    assert!((1..=60).contains(&secs), "retry-after {secs}");
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("3 requests per minute")
    );
    // The control API is not rate-limited.
    assert_eq!(
        ctx.control_get("/_sandbox/movidesk/a/tickets").await,
        json!([])
    );
    // Lifting the limit at run time works.
    let (status, _) = ctx
        .control_send(
            reqwest::Method::PATCH,
            "/_sandbox/movidesk/domains/a",
            &json!({"rate_limit_per_minute": 0}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ctx.get("tok-a", "/persons", &[("id", "c1")]).await.status(),
        200
    );
}

#[tokio::test]
async fn lockout_after_three_failures_then_recovers() {
    let ctx = Ctx::start().await;
    ctx.domain(
        "a",
        "tok-a",
        json!({"lockout_after_failures": 3, "lockout_seconds": 2}),
    )
    .await;
    // Two failures, a success, two failures: no lockout (a success resets the count).
    for status in [404, 404, 200, 404, 404] {
        let id = if status == 200 { "c1" } else { "nobody" };
        assert_eq!(
            ctx.get("tok-a", "/persons", &[("id", id)]).await.status(),
            status
        );
    }
    assert_eq!(
        ctx.get("tok-a", "/persons", &[("id", "c1")]).await.status(),
        200
    );

    for _ in 0..3 {
        let resp = ctx
            .post("tok-a", "/tickets", &[], &json!({"type": 2}))
            .await;
        assert_eq!(resp.status(), 400);
    }
    let resp = ctx.get("tok-a", "/persons", &[("id", "c1")]).await;
    assert_eq!(resp.status(), 429, "locked after 3 failed requests");
    assert!((1..=2).contains(&retry_after(&resp)));
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Too many failed requests")
    );

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        ctx.get("tok-a", "/persons", &[("id", "c1")]).await.status(),
        200
    );
}
