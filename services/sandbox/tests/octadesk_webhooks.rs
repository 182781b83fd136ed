//! Octadesk's automation webhook `{domain, event, data}`: fired by the agent UI (control API) and, unless
//! switched off, by API changes.
#![allow(clippy::unwrap_used)]

mod octadesk_support;

use octadesk_support::{ADMIN, AGENT, Ctx, RESOLVIDO, Receiver};
use reqwest::Method;
use serde_json::{Value, json};

fn events(bodies: &[Value]) -> Vec<String> {
    bodies
        .iter()
        .map(|b| b["event"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn agent_ui_comments_and_status_changes_fire_the_webhook() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    ctx.tenant(
        json!({"webhook_url": rx.url("/hooks/octadesk/s3cr3t"), "webhook_on_api_changes": false}),
    )
    .await;
    let number = ctx.v1_ticket("Sem webhook pela API").await;

    let (status, i) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/octadesk/acme/tickets/{number}/comments"),
            &json!({"content": "Olá, estamos verificando."}),
        )
        .await;
    assert_eq!(status, 201, "{i}");
    assert_eq!(
        i["comments"],
        json!({"public": {"content": "Olá, estamos verificando."}})
    );
    assert_eq!(i["createdBy"]["email"], ADMIN);
    let (status, _) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/octadesk/acme/tickets/{number}/comments"),
            &json!({"content": "Cliente VIP", "internal": true, "author_email": AGENT}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, t) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/octadesk/acme/tickets/{number}/status"),
            &json!({"status": "Resolvido"}),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["status"]["id"], RESOLVIDO);
    let (status, _) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/octadesk/acme/tickets/{number}/status"),
            &json!({"status": RESOLVIDO}),
        )
        .await;
    assert_eq!(status, 200, "same status again: no change, no webhook");

    let bodies = rx.settle(3).await;
    assert_eq!(
        events(&bodies),
        vec![
            "ticket.after-insert-interaction",
            "ticket.after-insert-interaction",
            "ticket.after-update"
        ]
    );
    for b in &bodies {
        assert_eq!(b["domain"], "ticket");
        assert_eq!(b["data"]["number"], number);
        assert_eq!(
            b.as_object().unwrap().len(),
            3,
            "{{domain, event, data}}: {b}"
        );
    }
    let last_of = |b: &Value| {
        b["data"]["interactions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone()
    };
    assert_eq!(
        last_of(&bodies[0])["comments"]["public"]["content"],
        "Olá, estamos verificando."
    );
    assert_eq!(
        last_of(&bodies[1])["comments"]["internal"]["content"],
        "Cliente VIP"
    );
    assert_eq!(last_of(&bodies[1])["createdBy"]["email"], AGENT);
    assert_eq!(bodies[2]["data"]["status"]["name"], "Resolvido");
    assert_eq!(
        last_of(&bodies[2])["propertiesChanges"]["status"]["new"]["name"],
        "Resolvido"
    );
    assert!(
        rx.headers()
            .iter()
            .all(|h| h.get("authorization").is_none()),
        "unsigned, no auth header"
    );

    let deliveries = ctx.control_get("/_sandbox/octadesk/acme/webhooks").await;
    assert_eq!(deliveries.as_array().unwrap().len(), 3);
    assert_eq!(deliveries[0]["status"], 200);
    let ticket = ctx
        .control_get(&format!("/_sandbox/octadesk/acme/tickets/{number}"))
        .await;
    assert_eq!(ticket["interactions"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn api_changes_fire_the_webhook_too_by_default() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    ctx.tenant(json!({"webhook_url": rx.url("/hooks/octadesk")}))
        .await;
    let token = ctx.login_api_token(AGENT).await;

    let (status, t) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/tickets",
            Some(&json!({"summary": "Pela API", "requester": {"id": "p-joao"}})),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let (status, _) = ctx
        .legacy_call(&token, Method::PUT, "/tickets/1", Some(&json!({"idCurrentStatus": RESOLVIDO, "comments": {"public": {"content": "Feito"}}})))
        .await;
    assert_eq!(status, 200);
    let (status, t) = ctx
        .control(Method::POST, "/_sandbox/octadesk/acme/tickets", &json!({"summary": "Pelo painel", "requester": {"email": "novo@x.com"}, "author_email": AGENT}))
        .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["number"], 2);
    assert_eq!(t["createdBy"]["email"], AGENT);
    assert_eq!(t["interactions"][0]["origin"], "web");

    let bodies = rx.settle(4).await;
    // Webhooks are in order per ticket only: ticket 2's may overtake ticket 1's.
    let of_ticket = |number: u64| -> Vec<Value> {
        bodies
            .iter()
            .filter(|b| b["data"]["number"] == number)
            .cloned()
            .collect()
    };
    let first = of_ticket(1);
    assert_eq!(
        events(&first),
        vec![
            "ticket.after-create",
            "ticket.after-update",
            "ticket.after-insert-interaction",
        ]
    );
    assert_eq!(first[0]["data"]["requester"]["id"], "p-joao");
    assert_eq!(
        first[0]["data"]["interactions"][0]["origin"], "api",
        "the ingress can tell its own echo"
    );
    assert_eq!(events(&of_ticket(2)), vec!["ticket.after-create"]);

    // Removing the URL stops the webhooks.
    let (status, _) = ctx
        .control(
            Method::PATCH,
            "/_sandbox/octadesk/tenants/acme",
            &json!({"webhook_url": null}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = ctx
        .control(
            Method::POST,
            "/_sandbox/octadesk/acme/tickets/1/comments",
            &json!({"content": "sem webhook"}),
        )
        .await;
    assert_eq!(status, 201);
    rx.settle(4).await;
}

#[tokio::test]
async fn agent_ui_requests_are_validated() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let number = ctx.v1_ticket("x").await;
    let status_path = format!("/_sandbox/octadesk/acme/tickets/{number}/status");
    let comment_path = format!("/_sandbox/octadesk/acme/tickets/{number}/comments");
    for (path, body, want) in [
        (
            "/_sandbox/octadesk/acme/tickets/99/comments",
            json!({"content": "x"}),
            404,
        ),
        (
            "/_sandbox/octadesk/acme/tickets/abc/status",
            json!({"status": "novo"}),
            404,
        ),
        (
            "/_sandbox/octadesk/nope/tickets/1/comments",
            json!({"content": "x"}),
            404,
        ),
        (status_path.as_str(), json!({"status": "fechado"}), 400),
        (comment_path.as_str(), json!({"content": " "}), 400),
        (
            comment_path.as_str(),
            json!({"content": "x", "author_email": "ghost@acme.com"}),
            400,
        ),
        (
            comment_path.as_str(),
            json!({"content": "x", "public": true}),
            400,
        ),
    ] {
        let (status, v) = ctx.control(Method::POST, path, &body).await;
        assert_eq!(status, want, "{path} {body}: {v}");
        assert!(v["error"]["message"].is_string(), "{v}");
    }
    let ticket = ctx
        .control_get(&format!("/_sandbox/octadesk/acme/tickets/{number}"))
        .await;
    assert_eq!(
        ticket["interactions"].as_array().unwrap().len(),
        1,
        "nothing was added"
    );
}
