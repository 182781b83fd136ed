//! Trigger webhooks sent back to the caller: shape, events, drops and retries.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Ctx, Receiver, assert_no_nulls, assert_pascal_case, ticket_body};
use reqwest::Method;
use serde_json::{Value, json};

fn events(body: &Value) -> Vec<(i64, i64)> {
    body["WebhookEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["Criteria"].as_i64().unwrap(),
                e["Operation"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn webhooks_are_pascal_case_partial_and_name_the_event() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(0).await;
    ctx.domain("a", "tok-a", json!({"webhook_url": rx.url("secret-a")}))
        .await;

    // 1. Ticket created through the API.
    let mut body = ticket_body("Printer on fire");
    body["customFieldValues"] = json!([{"customFieldId": 35294, "customFieldRuleId": 17311, "line": 1,
        "items": [{"customFieldItem": "Internacional"}]}]);
    let id = ctx.create_ticket("tok-a", &body).await;
    let hits = rx.wait_for(1).await;
    let hit = &hits[0];
    assert_eq!(hit.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        hit.query.as_deref(),
        Some("token=secret-a"),
        "the URL is called as configured"
    );
    let w = &hit.body;
    assert_pascal_case(w, "body");
    assert_no_nulls(w, "body");
    assert_eq!(w["Id"], json!(id), "Id is a number");
    assert_eq!(w["Type"], 0, "value fields are defaulted, not real");
    assert_eq!(w["Origin"], 0);
    assert_eq!(w["ActionCount"], 0);
    assert_eq!(w["Subject"], "Printer on fire");
    assert_eq!(w["Status"], "Novo");
    assert!(
        w.get("Clients").is_none() && w.get("Owner").is_none(),
        "partial body"
    );
    assert_eq!(events(w), [(1, 10)]);
    let actions = w["Actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["Id"], 1);
    assert_eq!(actions[0]["Description"], "It is burning");
    assert_eq!(actions[0]["CreatedBy"]["Id"], "c1");
    assert_eq!(actions[0]["CreatedBy"]["BusinessName"], "Cliente Um");
    assert_eq!(actions[0]["CreatedBy"]["Email"], "Cliente.Um@Example.com");
    assert_eq!(actions[0]["Attachments"], json!([]));
    assert_eq!(w["CustomFieldValues"][0]["CustomFieldId"], 35294);
    assert_eq!(
        w["CustomFieldValues"][0]["Items"][0]["CustomFieldItem"],
        "Internacional"
    );

    // 2. An action added through the API: only that action is in the body.
    let qid = id.to_string();
    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &[("id", &qid)],
            &json!({"actions": [{"type": 1, "description": "note", "createdBy": {"id": "ag1"}}]}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let w = &rx.wait_for(2).await[1].body;
    assert_eq!(events(w), [(2, 10)]);
    let actions = w["Actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["Id"], 2);
    assert_eq!(actions[0]["CreatedBy"]["Id"], "ag1");

    // 3. A status change by an agent in the UI.
    let (status, t) = ctx
        .control_send(
            Method::POST,
            &format!("/_sandbox/movidesk/a/tickets/{id}/status"),
            &json!({"status": "Resolvido", "justification": null}),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["baseStatus"], "Resolved");
    let w = &rx.wait_for(3).await[2].body;
    assert_eq!(events(w), [(3, 20)]);
    assert_eq!(w["Status"], "Resolvido");
    assert_eq!(w["Actions"], json!([]));

    // 4. A custom-field edit by an agent.
    let (status, _) = ctx
        .control_send(
            Method::PATCH,
            &format!("/_sandbox/movidesk/a/tickets/{id}"),
            &json!({"customFieldValues": [
            {"customFieldId": 7, "customFieldRuleId": 1, "line": 1, "value": "changed"}]}),
        )
        .await;
    assert_eq!(status, 200);
    let w = &rx.wait_for(4).await[3].body;
    assert_eq!(events(w), [(4, 20)]);
    assert_eq!(w["CustomFieldValues"][0]["Value"], "changed");
    assert_no_nulls(w, "body");

    // A PATCH that changes nothing sends nothing.
    ctx.patch(
        "tok-a",
        "/tickets",
        &[("id", &qid)],
        &json!({"subject": "Printer on fire"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.hits().len(), 4);

    // Deliveries are recorded with the URL's token redacted.
    let log = ctx.control_get("/_sandbox/movidesk/a/webhooks").await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["body"]["Id"], json!(id));
    assert!(log[0]["url"].as_str().unwrap().contains("token=REDACTED"));
    let domains = ctx
        .control_get("/_sandbox/movidesk/domains")
        .await
        .to_string();
    assert!(
        !ctx.control_get("/_sandbox/movidesk/a/webhooks")
            .await
            .to_string()
            .contains("secret-a")
    );
    assert!(
        !domains.contains("secret-a") && !domains.contains("tok-a"),
        "{domains}"
    );
}

#[tokio::test]
async fn dropped_webhooks_are_not_sent() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(0).await;
    ctx.domain("a", "tok-a", json!({"webhook_url": rx.url("s")}))
        .await;
    let (status, v) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/movidesk/a/webhooks/drop",
            &json!({"count": 1}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["pending_drops"], 1);
    let first = ctx.create_ticket("tok-a", &ticket_body("lost")).await;
    let second = ctx.create_ticket("tok-a", &ticket_body("kept")).await;
    let hits = rx.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let hits_after = rx.hits();
    assert_eq!(hits_after.len(), 1, "{hits:?}");
    assert_eq!(hits_after[0].body["Id"], json!(second));
    let log = ctx.control_get("/_sandbox/movidesk/a/webhooks").await;
    assert_eq!(log[0]["dropped"], true);
    assert_eq!(log[0]["body"]["Id"], json!(first));
    assert_eq!(log[1]["dropped"], false);
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_same_body() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(1).await;
    ctx.domain(
        "a",
        "tok-a",
        json!({"webhook_url": rx.url("s"), "webhook_retries": 2}),
    )
    .await;
    ctx.create_ticket("tok-a", &ticket_body("retry")).await;
    let hits = rx.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rx.hits().len(),
        2,
        "one failure, one success, no third attempt"
    );
    assert_eq!(hits[0].raw, hits[1].raw, "identical body");
    let log = ctx.control_get("/_sandbox/movidesk/a/webhooks").await;
    assert_eq!(log[0]["status"], 500);
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[1]["status"], 200);
    assert_eq!(log[1]["attempt"], 2);
    assert_eq!(log[0]["delivery_id"], log[1]["delivery_id"]);

    // Without retries a failure is final; an unreachable receiver is recorded as an error.
    let (status, _) = ctx
        .control_send(
            Method::PATCH,
            "/_sandbox/movidesk/domains/a",
            &json!({"webhook_retries": 0, "webhook_url": "http://127.0.0.1:9/hooks?token=zzz"}),
        )
        .await;
    assert_eq!(status, 200);
    ctx.create_ticket("tok-a", &ticket_body("nobody listens"))
        .await;
    let mut last = Value::Null;
    for _ in 0..100 {
        let log = ctx.control_get("/_sandbox/movidesk/a/webhooks").await;
        if log.as_array().unwrap().len() == 3 {
            last = log[2].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(last["status"].is_null(), "{last}");
    assert!(
        last["error"].as_str().unwrap().contains("connection"),
        "{last}"
    );
    assert!(!last.to_string().contains("zzz"));
}

#[tokio::test]
async fn agent_ui_writes_fire_webhooks_and_skip_the_api_limits() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(0).await;
    ctx.domain(
        "a",
        "tok-a",
        json!({"webhook_url": rx.url("s"), "rate_limit_per_minute": 1}),
    )
    .await;

    let (status, t) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/movidesk/a/tickets",
            &ticket_body("from the web UI"),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["origin"], 2, "web, by an agent");
    let id = t["id"].as_str().unwrap().to_owned();
    let (status, action) = ctx
        .control_send(
            Method::POST,
            &format!("/_sandbox/movidesk/a/tickets/{id}/actions"),
            &json!({"type": 2, "description": "<p>public reply</p>", "createdBy": {"id": "ag1"},
                    "attachments": [{"fileName": "log.txt"}]}),
        )
        .await;
    assert_eq!(status, 201, "{action}");
    assert_eq!(action["id"], 2);
    assert_eq!(action["origin"], 2);
    let (status, err) = ctx
        .control_send(
            Method::POST,
            &format!("/_sandbox/movidesk/a/tickets/{id}/actions"),
            &json!({"type": 2, "description": "x"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("createdBy"),
        "{err}"
    );
    let (status, _) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/movidesk/a/tickets/424242/actions",
            &json!({"type": 2, "description": "x", "createdBy": {"id": "ag1"}}),
        )
        .await;
    assert_eq!(status, 404);

    let hits = rx.wait_for(2).await;
    assert_eq!(events(&hits[0].body), [(1, 10)]);
    assert_eq!(events(&hits[1].body), [(2, 10)]);
    assert_eq!(
        hits[1].body["Actions"][0]["Attachments"][0]["FileName"],
        "log.txt"
    );

    // The public API sees the agent's work; none of the control calls used the rate budget.
    let t = ctx.ticket("tok-a", id.parse().unwrap()).await;
    assert_eq!(t["actions"].as_array().unwrap().len(), 2);
    assert_eq!(
        ctx.control_get("/_sandbox/requests?domain=a")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
