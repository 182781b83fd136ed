//! The desk extension's ticket commands and the custom channel's new-ticket webhook.
#![allow(clippy::unwrap_used)]

mod blip_support;

use blip_support::{AGENT, CUSTOMER, Ctx, Receiver, assign, change_status, desk};
use reqwest::Method;
use serde_json::{Value, json};

fn is_blip_date(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 24 && s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok()
    })
}

#[tokio::test]
async fn a_new_ticket_is_pushed_in_the_documented_shape_with_the_channel_key() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(0).await;
    ctx.contract(
        "demo",
        "k",
        json!({"webhook_url": rx.url(), "webhook_auth_key": "Key channel-secret"}),
    )
    .await;
    let t = ctx.new_ticket("demo", "Olá, preciso de ajuda").await;
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["status"], "Waiting");
    assert_eq!(t["sequentialId"], 1);

    let hit = &rx.wait_for(1).await[0];
    assert_eq!(hit.path, "/hooks/blip/blip-movi");
    assert_eq!(hit.header("authorization"), Some("Key channel-secret"));
    assert_eq!(hit.header("content-type"), Some("application/json"));
    let w = &hit.body;
    let keys: Vec<&str> = w.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4, "type, content, id, from: {w}");
    assert_eq!(w["type"], "application/vnd.iris.ticket+json");
    assert_eq!(w["id"], format!("Ticket:{id}:Waiting"));
    assert_eq!(w["from"], format!("{id}@desk.msging.net/Webhook"));
    let c = &w["content"];
    assert_eq!(c["id"], id);
    assert_eq!(c["sequentialId"], 1, "an int, as in the Ticket document");
    assert_eq!(c["ownerIdentity"], "demo@msging.net");
    assert_eq!(c["customerIdentity"], CUSTOMER);
    assert_eq!(c["customerDomain"], "wa.gw.msging.net");
    assert_eq!(c["provider"], "Webhook");
    assert_eq!(c["status"], "Waiting");
    assert!(is_blip_date(&c["storageDate"]), "{}", c["storageDate"]);
    assert_eq!(c["rating"], 0);
    assert_eq!(c["unreadMessages"], 0);
    assert_eq!(c["closed"], false);
    assert_eq!(
        c["customerInput"],
        json!({"type": "text/plain", "value": "Olá, preciso de ajuda"})
    );

    // Deliveries are inspectable, without the channel key.
    let records = ctx.control_get("/_sandbox/blip/demo/webhooks").await;
    assert_eq!(records[0]["status"], 200);
    assert_eq!(records[0]["body"], *w);
    assert!(!records.to_string().contains("channel-secret"));
    assert_eq!(
        ctx.control_get("/_sandbox/blip/contracts/demo").await["webhook_auth_key"],
        "REDACTED"
    );
}

#[tokio::test]
async fn the_channel_key_goes_in_the_configured_header() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(0).await;
    ctx.contract(
        "demo",
        "k",
        json!({"webhook_url": rx.url(), "webhook_auth_header": "X-Blip-Key", "webhook_auth_key": "s3"}),
    )
    .await;
    ctx.new_ticket("demo", "oi").await;
    let hit = &rx.wait_for(1).await[0];
    assert_eq!(hit.header("x-blip-key"), Some("s3"));
    assert_eq!(hit.header("authorization"), None);
}

#[tokio::test]
async fn assigning_opens_the_ticket_and_get_reads_it_under_both_spellings() {
    let ctx = Ctx::start().await;
    ctx.contract("demo", "k", json!({})).await;
    let id = ctx.new_ticket("demo", "oi").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let cmd = assign(&id, AGENT);
    let r = ctx.command_ok("k", &cmd).await;
    assert_eq!(r["status"], "success", "{r}");
    assert_eq!(r["id"], cmd["id"]);
    assert_eq!(r["method"], "set");
    assert_eq!(
        r["from"].as_str().unwrap().split('/').next(),
        Some("postmaster@desk.msging.net")
    );
    assert!(r.get("reason").is_none());

    for uri in [format!("/ticket/{id}"), format!("/tickets/{id}")] {
        let r = ctx.command_ok("k", &desk("get", &uri, None)).await;
        assert_eq!(r["status"], "success", "{uri}: {r}");
        assert_eq!(r["type"], "application/vnd.iris.ticket+json");
        let t = &r["resource"];
        assert_eq!(t["status"], "Open");
        assert_eq!(t["agentIdentity"], AGENT);
        assert!(is_blip_date(&t["openDate"]));
        assert_eq!(t["closed"], false);
    }
    let view = ctx.ticket("demo", &id).await;
    assert_eq!(view["status"], "Open");
    let commands = view["commands"].as_array().unwrap();
    assert_eq!(commands.len(), 3, "the assignment and two reads");
    assert_eq!(commands[0]["command"]["uri"], "/tickets/change-status");
    assert_eq!(commands[0]["response"]["status"], "success");

    // The list answers a LIME collection and filters.
    let r = ctx
        .command_ok(
            "k",
            &desk(
                "get",
                "/tickets?$filter=(status%20eq%20'Open')&$take=10",
                None,
            ),
        )
        .await;
    assert_eq!(r["type"], "application/vnd.lime.collection+json");
    assert_eq!(r["resource"]["total"], 1);
    assert_eq!(r["resource"]["items"][0]["id"], id);
    let r = ctx
        .command_ok(
            "k",
            &desk("get", "/tickets?$filter=status%20eq%20'Waiting'", None),
        )
        .await;
    assert_eq!(r["resource"]["total"], 0);
}

#[tokio::test]
async fn unknown_agents_tickets_and_bad_resources_fail_with_http_200() {
    let ctx = Ctx::start().await;
    ctx.contract("demo", "k", json!({})).await;
    let id = ctx.new_ticket("demo", "oi").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = ctx
        .command_ok("k", &assign(&id, "stranger%40x.com@blip.ai"))
        .await;
    assert_eq!(r["status"], "failure");
    assert_eq!(r["reason"]["code"], 64, "{r}");
    assert!(
        r["reason"]["description"]
            .as_str()
            .unwrap()
            .contains("stranger")
    );
    assert_eq!(
        ctx.ticket("demo", &id).await["status"],
        "Waiting",
        "not applied"
    );

    let r = ctx
        .command_ok(
            "k",
            &desk(
                "set",
                "/tickets/change-status",
                Some(json!({"id": id, "status": "Open"})),
            ),
        )
        .await;
    assert_eq!(r["reason"]["code"], 64, "Open needs an agent: {r}");
    let r = ctx.command_ok("k", &change_status(&id, "Sleeping")).await;
    assert_eq!(r["reason"]["code"], 64, "{r}");

    let ghost = "00000000-0000-4000-8000-000000000000";
    for cmd in [
        assign(ghost, AGENT),
        desk("get", &format!("/ticket/{ghost}"), None),
        desk("get", &format!("/tickets/{ghost}/messages"), None),
        desk(
            "set",
            &format!("/tickets/{ghost}/change-tags"),
            Some(json!({"id": ghost, "tags": ["x"]})),
        ),
    ] {
        let r = ctx.command_ok("k", &cmd).await;
        assert_eq!(r["status"], "failure");
        assert_eq!(r["reason"]["code"], 67, "{} → {r}", cmd["uri"]);
    }
}

#[tokio::test]
async fn a_ticket_closed_by_the_attendant_refuses_every_update() {
    let ctx = Ctx::start().await;
    ctx.contract("demo", "k", json!({})).await;
    let id = ctx.new_ticket("demo", "oi").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ctx.command_ok("k", &assign(&id, AGENT)).await;
    let r = ctx
        .command_ok(
            "k",
            &desk(
                "set",
                &format!("/tickets/{id}/change-tags"),
                Some(json!({"id": id, "tags": ["Financeiro", "Urgente"]})),
            ),
        )
        .await;
    assert_eq!(r["status"], "success", "{r}");
    let r = ctx
        .command_ok("k", &change_status(&id, "ClosedAttendant"))
        .await;
    assert_eq!(r["status"], "success", "{r}");

    let t = ctx.ticket("demo", &id).await;
    assert_eq!(t["status"], "ClosedAttendant");
    assert_eq!(t["closed"], true);
    assert_eq!(t["closedBy"], AGENT);
    assert!(is_blip_date(&t["closeDate"]));
    assert_eq!(t["tags"], json!(["Financeiro", "Urgente"]));

    for cmd in [
        assign(&id, AGENT),
        change_status(&id, "ClosedClient"),
        change_status(&id, "ClosedAttendant"),
        desk(
            "set",
            &format!("/tickets/{id}/change-tags"),
            Some(json!({"id": id, "tags": []})),
        ),
        desk(
            "set",
            &format!("/tickets/{id}/close"),
            Some(json!({"tags": ["x"]})),
        ),
    ] {
        let r = ctx.command_ok("k", &cmd).await;
        assert_eq!(r["status"], "failure", "{} → {r}", cmd["uri"]);
        assert_eq!(r["reason"]["code"], 66, "{r}");
    }
    let t = ctx.ticket("demo", &id).await;
    assert_eq!(t["status"], "ClosedAttendant", "nothing changed");
    assert_eq!(t["tags"], json!(["Financeiro", "Urgente"]));
    // Reading still works.
    let r = ctx
        .command_ok("k", &desk("get", &format!("/ticket/{id}"), None))
        .await;
    assert_eq!(r["status"], "success");
}

#[tokio::test]
async fn a_ticket_closed_by_the_client_is_finalized_once_with_close() {
    let ctx = Ctx::start().await;
    ctx.contract("demo", "k", json!({})).await;
    let id = ctx.new_ticket("demo", "oi").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = ctx
        .command_ok(
            "k",
            &desk("set", &format!("/tickets/{id}/close"), Some(json!({}))),
        )
        .await;
    assert_eq!(
        r["reason"]["code"], 66,
        "an open ticket cannot be finalized: {r}"
    );
    ctx.command_ok("k", &assign(&id, AGENT)).await;
    let r = ctx
        .command_ok("k", &change_status(&id, "ClosedClient"))
        .await;
    assert_eq!(r["status"], "success");
    let t = ctx.ticket("demo", &id).await;
    assert_eq!(
        (t["status"].as_str(), t["closed"].as_bool()),
        (Some("ClosedClient"), Some(false))
    );
    assert_eq!(t["closedBy"], CUSTOMER);

    let r = ctx.command_ok("k", &assign(&id, AGENT)).await;
    assert_eq!(r["reason"]["code"], 66, "{r}");
    let finalize = desk(
        "set",
        &format!("/tickets/{id}/close"),
        Some(json!({"closedBy": AGENT, "tags": ["TestTag"]})),
    );
    let r = ctx.command_ok("k", &finalize).await;
    assert_eq!(r["status"], "success", "{r}");
    let t = ctx.ticket("demo", &id).await;
    assert_eq!(t["closed"], true);
    assert_eq!(t["closedBy"], AGENT);
    assert_eq!(t["tags"], json!(["TestTag"]));
    let r = ctx.command_ok("k", &finalize).await;
    assert_eq!(r["reason"]["code"], 66, "only once: {r}");
}

#[tokio::test]
async fn injected_command_failures_answer_http_200_failure_without_applying() {
    let ctx = Ctx::start().await;
    ctx.contract("demo", "k", json!({})).await;
    let id = ctx.new_ticket("demo", "oi").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, v) = ctx
        .control_send(
            Method::PUT,
            "/_sandbox/blip/demo/command-failure",
            &json!({"uri_prefix": "/tickets/change-status", "code": 32,
                    "description": "Agent is offline", "count": 1}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["remaining"], 1);

    let r = ctx
        .command_ok("k", &desk("get", &format!("/ticket/{id}"), None))
        .await;
    assert_eq!(r["status"], "success", "other URIs are not affected");
    let (status, r) = ctx.command("k", &assign(&id, AGENT)).await;
    assert_eq!(status, 200);
    assert_eq!(r["status"], "failure");
    assert_eq!(
        r["reason"],
        json!({"code": 32, "description": "Agent is offline"})
    );
    assert_eq!(
        ctx.ticket("demo", &id).await["status"],
        "Waiting",
        "not applied"
    );

    let r = ctx.command_ok("k", &assign(&id, AGENT)).await;
    assert_eq!(r["status"], "success", "count 1 spent: {r}");
    let (status, _) = ctx
        .control_send(
            Method::GET,
            "/_sandbox/blip/demo/command-failure",
            &json!({}),
        )
        .await;
    assert_eq!(status, 404, "the rule is gone");
    let (status, e) = ctx
        .control_send(
            Method::PUT,
            "/_sandbox/blip/demo/command-failure",
            &json!({"code": 1, "method": "post"}),
        )
        .await;
    assert_eq!(status, 400, "{e}");
}

#[tokio::test]
async fn desk_tickets_can_be_created_by_command() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start(0).await;
    ctx.contract("demo", "k", json!({"webhook_url": rx.url()}))
        .await;
    let r = ctx
        .command_ok(
            "k",
            &desk(
                "set",
                "/tickets",
                Some(json!({"customerIdentity": CUSTOMER, "team": "Suporte"})),
            ),
        )
        .await;
    assert_eq!(r["status"], "success", "{r}");
    let t = &r["resource"];
    assert_eq!(t["status"], "Waiting");
    assert_eq!(t["team"], "Suporte");
    let w = &rx.wait_for(1).await[0].body;
    assert_eq!(w["content"]["id"], t["id"]);
    assert_eq!(w["content"]["team"], "Suporte");
    let r = ctx
        .command_ok("k", &desk("set", "/tickets", Some(json!({"team": "x"}))))
        .await;
    assert_eq!(r["reason"]["code"], 64);
}
