//! Fault injection: errors for the next N requests, lost responses, timeouts and latency.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Ctx, Receiver, ticket_body};
use reqwest::Method;
use serde_json::{Value, json};

async fn set_fault(ctx: &Ctx, domain: &str, fault: Value) {
    let (status, v) = ctx
        .control_send(
            Method::PUT,
            &format!("/_sandbox/faults/movidesk/{domain}"),
            &fault,
        )
        .await;
    assert_eq!(status, 200, "{v}");
}

async fn ticket_count(ctx: &Ctx, domain: &str) -> usize {
    ctx.control_get(&format!("/_sandbox/movidesk/{domain}/tickets"))
        .await
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn errors_apply_to_the_next_n_matching_requests() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    set_fault(
        &ctx,
        "a",
        json!({"error_rate": 1.0, "error_status": 503, "count": 2, "methods": ["POST"]}),
    )
    .await;

    assert_eq!(
        ctx.get("tok-a", "/persons", &[("id", "c1")]).await.status(),
        200,
        "GET does not match"
    );
    for _ in 0..2 {
        let resp = ctx.post("tok-a", "/tickets", &[], &ticket_body("x")).await;
        assert_eq!(resp.status(), 503);
    }
    assert_eq!(
        ticket_count(&ctx, "a").await,
        0,
        "the failed writes had no effect"
    );
    let resp = ctx.post("tok-a", "/tickets", &[], &ticket_body("x")).await;
    assert_eq!(resp.status(), 200, "the fault expired after 2 requests");
    assert_eq!(ticket_count(&ctx, "a").await, 1);
    let faults = ctx.control_get("/_sandbox/faults").await;
    assert_eq!(faults, json!([]));

    let log = ctx
        .control_get("/_sandbox/requests?domain=a&method=POST")
        .await;
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn after_effect_applies_the_write_but_loses_the_response() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(0).await;
    ctx.domain("a", "tok-a", json!({"webhook_url": rx.url("s")}))
        .await;
    set_fault(
        &ctx,
        "a",
        json!({"error_rate": 1.0, "count": 1, "methods": ["POST"], "after_effect": true}),
    )
    .await;

    let resp = ctx
        .post("tok-a", "/tickets", &[], &ticket_body("lost response"))
        .await;
    assert_eq!(resp.status(), 500);
    let v: Value = resp.json().await.unwrap();
    assert!(v.get("id").is_none(), "the client never learns the id");
    let tickets = ctx.control_get("/_sandbox/movidesk/a/tickets").await;
    assert_eq!(
        tickets.as_array().unwrap().len(),
        1,
        "but the ticket exists"
    );
    assert_eq!(tickets[0]["subject"], "lost response");
    let hits = rx.wait_for(1).await;
    assert_eq!(
        hits[0].body["Subject"], "lost response",
        "and its webhook fired"
    );

    // The client can look the effect up.
    let list: Value = ctx
        .get(
            "tok-a",
            "/tickets",
            &[
                ("$select", "id,subject"),
                ("$filter", "subject eq 'lost response'"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn timeouts_hold_then_answer_504_and_latency_delays() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;

    set_fault(
        &ctx,
        "a",
        json!({"timeout_rate": 1.0, "timeout_ms": 400, "count": 1}),
    )
    .await;
    let started = Instant::now();
    let resp = ctx.get("tok-a", "/persons", &[("id", "c1")]).await;
    assert_eq!(resp.status(), 504);
    assert!(started.elapsed() >= Duration::from_millis(400));

    // A client that gives up first sees a timeout; with after_effect the write still happened.
    set_fault(
        &ctx,
        "a",
        json!({"timeout_rate": 1.0, "count": 1, "after_effect": true, "methods": ["POST"]}),
    )
    .await;
    let err = ctx
        .http
        .post(ctx.api("/tickets"))
        .query(&[("token", "tok-a")])
        .json(&ticket_body("timed out"))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(ticket_count(&ctx, "a").await, 1);
    let log = ctx
        .control_get("/_sandbox/requests?domain=a&method=POST")
        .await;
    assert_eq!(log[0]["status"], 504);

    set_fault(&ctx, "a", json!({"latency_ms": 250})).await;
    let started = Instant::now();
    assert_eq!(
        ctx.get("tok-a", "/persons", &[("id", "c1")]).await.status(),
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
    let (status, _) = ctx
        .control_send(Method::DELETE, "/_sandbox/faults/movidesk/a", &json!({}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(ctx.control_get("/_sandbox/faults").await, json!([]));
}

#[tokio::test]
async fn injected_errors_count_towards_the_lockout() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({"lockout_after_failures": 3}))
        .await;
    set_fault(&ctx, "a", json!({"error_rate": 1.0, "count": 3})).await;
    for _ in 0..3 {
        assert_eq!(
            ctx.get("tok-a", "/persons", &[("id", "c1")]).await.status(),
            500
        );
    }
    let resp = ctx.get("tok-a", "/persons", &[("id", "c1")]).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    // The control API can lift it.
    let (status, _) = ctx
        .control_send(
            Method::PATCH,
            "/_sandbox/movidesk/domains/a",
            &json!({"reset_limits": true}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ctx.get("tok-a", "/persons", &[("id", "c1")]).await.status(),
        200
    );
}

#[tokio::test]
async fn fault_requests_are_validated() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    for (path, body, status, needle) in [
        (
            "/_sandbox/faults/movidesk/a",
            json!({"error_rate": 2.0}),
            400,
            "error_rate",
        ),
        (
            "/_sandbox/faults/movidesk/a",
            json!({"error_status": 200}),
            400,
            "error_status",
        ),
        (
            "/_sandbox/faults/movidesk/a",
            json!({"methods": ["P O S T"]}),
            400,
            "methods",
        ),
        (
            "/_sandbox/faults/movidesk/a",
            json!({"eror_rate": 1.0}),
            400,
            "eror_rate",
        ),
        ("/_sandbox/faults/movidesk/nope", json!({}), 404, "nope"),
        ("/_sandbox/faults/zendesk/a", json!({}), 404, "zendesk"),
        (
            "/_sandbox/faults/okdesk/a",
            json!({}),
            404,
            "no account named 'a'",
        ),
    ] {
        let (got, v) = ctx.control_send(Method::PUT, path, &body).await;
        assert_eq!(got, status, "{path} {body}: {v}");
        assert!(v["error"]["code"].is_string());
        assert!(
            v["error"]["message"].as_str().unwrap().contains(needle),
            "{v}"
        );
    }
}
