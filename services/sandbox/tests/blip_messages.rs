//! Messages both ways on the custom channel: customer messages forwarded once the ticket is Open
//! (queued before), agent messages stored or failed, the customer closing, drops and retries.
#![allow(clippy::unwrap_used)]

mod blip_support;

use blip_support::{AGENT, Ctx, Receiver, agent_text, assign, change_status, desk};
use reqwest::Method;
use serde_json::{Value, json};

async fn setup(extra: Value) -> (Ctx, Receiver, String) {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(0).await;
    let mut settings =
        json!({"webhook_url": rx.url(), "notifications_url": rx.notifications_url()});
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    ctx.contract("demo", "k", settings).await;
    let id = ctx.new_ticket("demo", "Olá, preciso de ajuda").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    rx.wait_for(1).await;
    (ctx, rx, id)
}

#[tokio::test]
async fn customer_messages_wait_for_the_assignment_then_flow_in_order() {
    let (ctx, rx, id) = setup(json!({})).await;
    let (status, m) = ctx
        .customer_says(
            "demo",
            &id,
            &json!({"type": "text/plain", "content": "alguém aí?"}),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["delivery"], "queued");
    let photo =
        json!({"type": "image/jpeg", "uri": "https://example.com/boleto.jpg", "title": "boleto"});
    let (status, _) = ctx
        .customer_says(
            "demo",
            &id,
            &json!({"type": "application/vnd.lime.media-link+json", "content": photo}),
        )
        .await;
    assert_eq!(status, 201);
    rx.assert_stays_at(1).await;
    assert_eq!(ctx.ticket("demo", &id).await["unreadMessages"], 2);

    ctx.command_ok("k", &assign(&id, AGENT)).await;
    let hits = rx.wait_for(3).await;
    let channel = format!("{id}@desk.msging.net/Webhook");
    let first = &hits[1].body;
    assert_eq!(first["type"], "text/plain");
    assert_eq!(first["content"], "alguém aí?");
    assert_eq!(first["from"], channel);
    assert!(
        first["id"].as_str().unwrap().starts_with("fwd:fwd:"),
        "{first}"
    );
    assert_eq!(
        first.as_object().unwrap().len(),
        4,
        "type, content, id, from"
    );
    let second = &hits[2].body;
    assert_eq!(second["type"], "application/vnd.lime.media-link+json");
    assert_eq!(second["content"], photo);

    // Once Open, a message is forwarded at once.
    let (_, m) = ctx
        .customer_says("demo", &id, &json!({"content": "obrigado"}))
        .await;
    assert_eq!(m["delivery"], "forwarded");
    let hits = rx.wait_for(4).await;
    assert_eq!(hits[3].body["content"], "obrigado");
    assert_eq!(hits[3].body["id"], m["id"]);

    let thread = ctx.ticket("demo", &id).await["thread"].clone();
    let deliveries: Vec<&str> = thread
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["delivery"].as_str().unwrap())
        .collect();
    assert_eq!(deliveries, ["input", "forwarded", "forwarded", "forwarded"]);
    assert!(
        thread
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["direction"] == "received")
    );
}

#[tokio::test]
async fn agent_messages_are_stored_on_the_thread() {
    let (ctx, rx, id) = setup(json!({})).await;
    ctx.command_ok("k", &assign(&id, AGENT)).await;
    ctx.customer_says("demo", &id, &json!({"content": "oi"}))
        .await;
    let text = agent_text(&id, "Olá, vou continuar com seu atendimento!");
    let (status, body) = ctx.message("k", &text).await;
    assert_eq!((status, body.as_str()), (202, ""));
    let media = json!({
        "id": "agent-media-1",
        "to": format!("{id}@desk.msging.net/Webhook"),
        "type": "application/vnd.lime.media-link+json",
        "content": {"type": "application/pdf", "uri": "https://example.com/2via.pdf", "title": "2ª via"}
    });
    assert_eq!(ctx.message("k", &media).await.0, 202);

    let t = ctx.ticket("demo", &id).await;
    let thread = t["thread"].as_array().unwrap();
    assert_eq!(thread.len(), 4);
    assert_eq!(thread[2]["direction"], "sent");
    assert_eq!(thread[2]["id"], text["id"]);
    assert_eq!(
        thread[2]["content"],
        "Olá, vou continuar com seu atendimento!"
    );
    assert_eq!(thread[2]["delivery"], "delivered");
    assert_eq!(thread[3]["type"], "application/vnd.lime.media-link+json");
    assert_eq!(thread[3]["content"]["uri"], "https://example.com/2via.pdf");
    assert_eq!(t["unreadMessages"], 0, "the agent answered");
    assert!(t["firstResponseDate"].is_string());

    // The desk lists the thread, newest first by default.
    let r = ctx
        .command_ok("k", &desk("get", &format!("/tickets/{id}/messages"), None))
        .await;
    assert_eq!(
        r["resource"]["itemType"],
        "application/vnd.iris.thread-message+json"
    );
    assert_eq!(r["resource"]["total"], 4);
    let items = r["resource"]["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], "agent-media-1");
    assert_eq!(items[0]["direction"], "sent");
    assert_eq!(items[3]["content"], "Olá, preciso de ajuda");
    let r = ctx
        .command_ok(
            "k",
            &desk(
                "get",
                &format!("/tickets/{id}/messages?$ascending=true&$take=1"),
                None,
            ),
        )
        .await;
    assert_eq!(
        r["resource"]["items"][0]["content"],
        "Olá, preciso de ajuda"
    );
    assert_eq!(r["resource"]["items"].as_array().unwrap().len(), 1);
    rx.assert_stays_at(2).await;
}

#[tokio::test]
async fn messages_to_closed_or_unknown_tickets_are_accepted_but_not_delivered() {
    let (ctx, rx, id) = setup(json!({})).await;
    ctx.command_ok("k", &assign(&id, AGENT)).await;
    ctx.command_ok("k", &change_status(&id, "ClosedAttendant"))
        .await;

    let late = agent_text(&id, "ainda está aí?");
    assert_eq!(
        ctx.message("k", &late).await.0,
        202,
        "messages are asynchronous"
    );
    let ghost = agent_text("00000000-0000-4000-8000-000000000000", "hello?");
    assert_eq!(ctx.message("k", &ghost).await.0, 202);

    let records = ctx.control_get("/_sandbox/blip/demo/messages").await;
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["delivered"], false);
    assert_eq!(records[0]["ticket_id"], id);
    assert_eq!(records[0]["reason"]["code"], 32);
    assert_eq!(records[1]["delivered"], false);
    assert_eq!(records[1]["reason"]["code"], 42);

    let t = ctx.ticket("demo", &id).await;
    let last = t["thread"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["delivery"], "failed");
    assert_eq!(last["status"], "failed");
    let r = ctx
        .command_ok("k", &desk("get", &format!("/tickets/{id}/messages"), None))
        .await;
    assert!(
        !r.to_string().contains("ainda está aí?"),
        "a refused message is not part of the desk's thread: {r}"
    );

    // `failed` notifications reach the bot's notification URL, in the documented shape.
    let hits = rx.wait_for(3).await;
    let notes: Vec<&Value> = hits
        .iter()
        .filter(|h| h.path == "/bot/notifications")
        .map(|h| &h.body)
        .collect();
    assert_eq!(notes.len(), 2, "{hits:?}");
    assert_eq!(notes[0]["id"], late["id"]);
    assert_eq!(notes[0]["event"], "failed");
    assert_eq!(notes[0]["to"], "demo@msging.net");
    assert_eq!(
        notes[1]["reason"],
        json!({"code": 42, "description": "Destination not found"})
    );
    rx.assert_stays_at(3).await;
}

#[tokio::test]
async fn agent_messages_before_the_assignment_fail() {
    let (ctx, _rx, id) = setup(json!({})).await;
    assert_eq!(
        ctx.message("k", &agent_text(&id, "cedo demais")).await.0,
        202
    );
    let records = ctx.control_get("/_sandbox/blip/demo/messages").await;
    assert_eq!(records[0]["delivered"], false);
    assert_eq!(records[0]["reason"]["code"], 32);
}

#[tokio::test]
async fn the_customer_closing_pushes_a_closed_client_ticket() {
    let (ctx, rx, id) = setup(json!({"webhook_auth_key": "ch-key"})).await;
    ctx.command_ok("k", &assign(&id, AGENT)).await;
    let (status, t) = ctx
        .control_send(
            Method::POST,
            &format!("/_sandbox/blip/demo/tickets/{id}/close"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["status"], "ClosedClient");

    let hit = &rx.wait_for(2).await[1];
    assert_eq!(hit.header("authorization"), Some("ch-key"));
    let w = &hit.body;
    assert_eq!(w["type"], "application/vnd.iris.ticket+json");
    assert_eq!(w["id"], format!("Ticket:{id}:ClosedClient"));
    assert_eq!(w["from"], format!("{id}@desk.msging.net/Webhook"));
    assert_eq!(w["content"]["status"], "ClosedClient");
    assert_eq!(w["content"]["agentIdentity"], AGENT);
    assert!(w["content"]["closeDate"].is_string());

    let (status, e) = ctx
        .customer_says("demo", &id, &json!({"content": "esqueci uma coisa"}))
        .await;
    assert_eq!(status, 409, "{e}");
    let r = ctx
        .command_ok("k", &change_status(&id, "ClosedAttendant"))
        .await;
    assert_eq!(r["reason"]["code"], 66);
    rx.assert_stays_at(2).await;
}

#[tokio::test]
async fn queued_messages_are_dropped_when_the_ticket_closes_unassigned() {
    let (ctx, rx, id) = setup(json!({})).await;
    ctx.customer_says("demo", &id, &json!({"content": "1"}))
        .await;
    ctx.command_ok("k", &change_status(&id, "ClosedAttendant"))
        .await;
    let t = ctx.ticket("demo", &id).await;
    assert_eq!(t["thread"][1]["delivery"], "not_forwarded");
    rx.assert_stays_at(1).await;
}

#[tokio::test]
async fn webhooks_can_be_dropped_and_are_retried_with_the_same_body() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(1).await;
    ctx.contract(
        "demo",
        "k",
        json!({"webhook_url": rx.url(), "webhook_retries": 2}),
    )
    .await;
    let (status, v) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/blip/demo/webhooks/drop",
            &json!({"count": 1}),
        )
        .await;
    assert_eq!((status, v["pending_drops"].as_u64()), (200, Some(1)));
    ctx.new_ticket("demo", "dropped").await;
    let id = ctx.new_ticket("demo", "retried").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let hits = rx.wait_for(2).await;
    assert_eq!(hits[0].body, hits[1].body, "identical body on retry");
    assert_eq!(hits[0].body["content"]["id"], id);
    rx.assert_stays_at(2).await;
    let records = ctx.control_get("/_sandbox/blip/demo/webhooks").await;
    let summary: Vec<(u64, u64, Value)> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["delivery_id"].as_u64().unwrap(),
                r["attempt"].as_u64().unwrap(),
                r["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [(1, 0, Value::Null), (2, 1, json!(500)), (2, 2, json!(200))]
    );
    assert_eq!(records[0]["dropped"], true);
}
