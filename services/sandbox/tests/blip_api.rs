//! Blip's HTTP API: `Authorization: Key`, envelope validation, throughput limits, faults, the request
//! log, contract registration and seeding.
#![allow(clippy::unwrap_used)]

mod blip_support;

use std::time::Duration;

use blip_support::{AGENT, Ctx, agent_text, desk};
use ponte_sandbox::SeedConfig;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn requests_without_a_valid_key_are_refused_and_logged_without_it() {
    let ctx = Ctx::start().await;
    ctx.contract("demo", "secret-key-1", json!({})).await;
    let cmd = desk("get", "/tickets", None).to_string();

    let (status, _) = ctx.raw(None, "/commands", &cmd).await;
    assert_eq!(status, 401, "missing Authorization");
    let (status, _) = ctx.raw(Some("wrong-key"), "/commands", &cmd).await;
    assert_eq!(status, 401, "unknown key");
    let resp = ctx
        .http
        .post(ctx.url("/blip/messages"))
        .header("authorization", "Bearer secret-key-1")
        .body(agent_text("x", "hi").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the scheme must be Key");

    let (status, body) = ctx.raw(Some("secret-key-1"), "/commands", &cmd).await;
    assert_eq!(status, 200, "{body}");

    let log = ctx.control_get("/_sandbox/requests?provider=blip").await;
    let log = log.as_array().unwrap();
    let statuses: Vec<u64> = log.iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [401, 401, 401, 200]);
    assert_eq!(log[0]["domain"], Value::Null, "no key, no contract");
    assert_eq!(log[3]["domain"], "demo");
    assert_eq!(log[3]["path"], "/blip/commands");
    let everything = ctx
        .control_get("/_sandbox/blip/contracts")
        .await
        .to_string()
        + &ctx.control_get("/_sandbox/requests").await.to_string();
    assert!(
        !everything.contains("secret-key-1"),
        "the key leaked: {everything}"
    );
}

#[tokio::test]
async fn malformed_envelopes_are_400_and_messages_are_202_with_no_body() {
    let ctx = Ctx::start().await;
    ctx.contract("demo", "k", json!({})).await;
    let bad = [
        ("/commands", "not json".to_owned()),
        ("/commands", "[1,2]".to_owned()),
        (
            "/commands",
            json!({"to": "postmaster@desk.msging.net", "method": "get", "uri": "/tickets"})
                .to_string(),
        ),
        (
            "/commands",
            json!({"id": "1", "to": "postmaster@desk.msging.net", "method": "get"}).to_string(),
        ),
        (
            "/commands",
            json!({"id": "1", "to": "postmaster@desk.msging.net", "method": "fetch", "uri": "/tickets"})
                .to_string(),
        ),
        (
            "/messages",
            json!({"id": "m1", "type": "text/plain", "content": "hi"}).to_string(),
        ),
        (
            "/messages",
            json!({"id": "m1", "to": "a@desk.msging.net", "type": "text/plain", "content": {"text": "hi"}})
                .to_string(),
        ),
        (
            "/messages",
            json!({"id": "m1", "to": "a@desk.msging.net", "type": "application/vnd.lime.media-link+json",
                   "content": {"type": "image/jpeg"}})
            .to_string(),
        ),
        ("/notifications", json!({"id": "m1"}).to_string()),
    ];
    for (path, body) in bad {
        let (status, answer) = ctx.raw(Some("k"), path, &body).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        let v: Value = serde_json::from_str(&answer).unwrap();
        assert!(v["reason"]["description"].is_string(), "{answer}");
    }
    assert!(
        ctx.control_get("/_sandbox/blip/demo/commands")
            .await
            .as_array()
            .unwrap()
            .is_empty(),
        "a refused envelope is not processed"
    );

    let (status, body) = ctx
        .message("k", &agent_text("no-such-ticket", "hello"))
        .await;
    assert_eq!(status, 202);
    assert_eq!(body, "", "202 Accepted has an empty body");
    let (status, body) = ctx
        .raw(
            Some("k"),
            "/notifications",
            &json!({"id": "m9", "event": "consumed", "from": "x@desk.msging.net"}).to_string(),
        )
        .await;
    assert_eq!((status, body.as_str()), (202, ""));
    let n = ctx.control_get("/_sandbox/blip/demo/notifications").await;
    assert_eq!(n[0]["notification"]["event"], "consumed");
}

#[tokio::test]
async fn commands_to_other_extensions_fail_with_http_200() {
    let ctx = Ctx::start().await;
    ctx.contract("demo", "k", json!({})).await;
    let mut cmd = desk("get", "/contacts", None);
    cmd["to"] = json!("postmaster@crm.msging.net");
    let r = ctx.command_ok("k", &cmd).await;
    assert_eq!(r["status"], "failure");
    assert_eq!(r["reason"]["code"], 62);
    assert_eq!(r["id"], cmd["id"]);
    assert_eq!(r["method"], "get");

    let r = ctx
        .command_ok("k", &desk("get", "/monitoring/nothing", None))
        .await;
    assert_eq!(
        (r["status"].as_str(), r["reason"]["code"].as_u64()),
        (Some("failure"), Some(62))
    );
    let r = ctx
        .command_ok("k", &desk("delete", "/tickets/change-status", None))
        .await;
    assert_eq!(r["reason"]["code"], 63, "{r}");
}

#[tokio::test]
async fn throughput_limits_answer_429_per_rolling_second() {
    let ctx = Ctx::start().await;
    ctx.contract(
        "demo",
        "k",
        json!({"commands_per_second": 2, "messages_per_second": 1}),
    )
    .await;
    let list = desk("get", "/tickets", None);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(ctx.command("k", &list).await.0);
    }
    assert_eq!(statuses, [200, 200, 429]);
    let resp = ctx
        .http
        .post(ctx.url("/blip/commands"))
        .header("authorization", "Key k")
        .body(list.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");

    // Messages have their own budget.
    assert_eq!(ctx.message("k", &agent_text("t", "a")).await.0, 202);
    assert_eq!(ctx.message("k", &agent_text("t", "b")).await.0, 429);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ctx.command("k", &list).await.0, 200, "the window rolled");
    assert_eq!(
        ctx.control_get("/_sandbox/blip/demo/messages")
            .await
            .as_array()
            .unwrap()
            .len(),
        1,
        "the refused message was not taken"
    );
}

#[tokio::test]
async fn faults_apply_per_contract_and_show_in_the_request_log() {
    let ctx = Ctx::start().await;
    ctx.contract("a", "key-a", json!({})).await;
    ctx.contract("b", "key-b", json!({})).await;
    let (status, v) = ctx
        .control_send(
            Method::PUT,
            "/_sandbox/faults/blip/a",
            &json!({"error_rate": 1.0, "error_status": 503, "count": 1}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, _) = ctx
        .control_send(Method::PUT, "/_sandbox/faults/blip/nope", &json!({}))
        .await;
    assert_eq!(status, 404, "unknown contract");

    let list = desk("get", "/tickets", None);
    assert_eq!(ctx.command("key-b", &list).await.0, 200, "other contract");
    assert_eq!(ctx.command("key-a", &list).await.0, 503);
    assert_eq!(ctx.command("key-a", &list).await.0, 200, "count 1 expired");
    let log = ctx
        .control_get("/_sandbox/requests?provider=blip&domain=a")
        .await;
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 200]);
}

#[tokio::test]
async fn contracts_are_registered_once_and_seeded() {
    let seed = SeedConfig::from_json_str(
        r#"{"blip": {"contracts": [{"name": "seeded", "key": "seed-key", "agents": ["a%40b.com@blip.ai"]}]}}"#,
    )
    .unwrap();
    let ctx = Ctx::start_with(Some(seed)).await;
    let v = ctx.control_get("/_sandbox/blip/contracts/seeded").await;
    assert_eq!(v["messages_per_second"], 3, "free plan by default");
    assert_eq!(v["commands_per_second"], 48);
    assert_eq!(v["webhook_auth_header"], "Authorization");
    assert_eq!(v["key"], "REDACTED");
    assert_eq!(v["bot_identity"], "seeded@msging.net");
    assert_eq!(
        ctx.command("seed-key", &desk("get", "/tickets", None))
            .await
            .0,
        200
    );

    let (status, e) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/blip/contracts",
            &json!({"name": "seeded", "key": "other"}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "conflict");
    let (status, _) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/blip/contracts",
            &json!({"name": "other", "key": "seed-key"}),
        )
        .await;
    assert_eq!(status, 409, "same key");
    let (status, e) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/blip/contracts",
            &json!({"name": "x", "key": "k", "agents": ["not-an-identity"]}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("agents[0]"),
        "{e}"
    );
    let (status, _) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/blip/contracts",
            &json!({"name": "x", "key": "k", "agent": [AGENT]}),
        )
        .await;
    assert_eq!(status, 400, "unknown field");

    let (status, _) = ctx
        .control_send(
            Method::DELETE,
            "/_sandbox/blip/contracts/seeded",
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        ctx.command("seed-key", &desk("get", "/tickets", None))
            .await
            .0,
        401,
        "the key died with its contract"
    );
}
