//! The control API, the seed and the process surface.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Ctx, ticket_body};
use ponte_sandbox::SeedConfig;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn domains_are_registered_listed_patched_and_removed() {
    let ctx = Ctx::start().await;
    let health: Value = ctx
        .http
        .get(ctx.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], json!("ok"));
    assert_eq!(health["service"], json!("ponte-sandbox"));
    assert_eq!(health["pid"], json!(std::process::id()));

    let (status, v) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/movidesk/domains",
            &json!({"name": "a", "token": "tok-a",
            "webhook_url": "http://127.0.0.1:8080/hooks/movidesk/movi-movi?token=secret-a"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["rate_limit_per_minute"], 10);
    assert_eq!(v["lockout_after_failures"], 3);
    assert_eq!(v["lockout_seconds"], 60);
    assert_eq!(v["webhook_delay_ms"], 50);
    assert_eq!(
        v["statuses"][0],
        json!({"name": "Novo", "base": "New", "justifications": []})
    );
    assert_eq!(v["statuses"].as_array().unwrap().len(), 6);

    let (status, v) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/movidesk/domains",
            &json!({"name": "a", "token": "other"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(v["error"]["code"], "conflict");
    assert!(v["error"]["message"].as_str().unwrap().contains("'a'"));

    for (body, needle) in [
        (
            json!({"name": "b", "token": "t", "webhook_url": "not a url"}),
            "webhook_url",
        ),
        (
            json!({"name": "b", "token": "t", "rate_limit": 5}),
            "rate_limit",
        ),
        (json!({"name": "b b", "token": "t"}), "name"),
        (
            json!({"name": "b", "token": "t", "statuses": [{"name": "X", "base": "Closed"}]}),
            "New",
        ),
        (
            json!({"name": "b", "token": "t", "statuses": [{"name": "X", "base": "Done"}]}),
            "Done",
        ),
        (
            json!({"name": "b", "token": "t", "persons": [{"id": "p"}]}),
            "persons[0]",
        ),
        (json!({"token": "t"}), "name"),
    ] {
        let (status, v) = ctx
            .control_send(Method::POST, "/_sandbox/movidesk/domains", &body)
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(needle),
            "{needle}: {v}"
        );
    }

    let list = ctx.control_get("/_sandbox/movidesk/domains").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["token"], "REDACTED");
    assert!(!list.to_string().contains("secret-a"));

    let (status, v) = ctx
        .control_send(
            Method::PATCH,
            "/_sandbox/movidesk/domains/a",
            &json!({"rate_limit_per_minute": 0, "webhook_url": null}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["rate_limit_per_minute"], 0);
    assert!(v["webhook_url"].is_null());
    let (status, _) = ctx
        .control_send(
            Method::PATCH,
            "/_sandbox/movidesk/domains/zzz",
            &json!({"rate_limit_per_minute": 1}),
        )
        .await;
    assert_eq!(status, 404);

    // Token rotation: the old token stops working.
    ctx.control_send(
        Method::PATCH,
        "/_sandbox/movidesk/domains/a",
        &json!({"token": "tok-a2"}),
    )
    .await;
    assert_eq!(ctx.get("tok-a", "/persons", &[]).await.status(), 401);
    assert_eq!(ctx.get("tok-a2", "/persons", &[]).await.status(), 200);

    let (status, v) = ctx
        .control_send(Method::GET, "/_sandbox/nothing-here", &json!({}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(v["error"]["code"], "not_found");

    let (status, _) = ctx
        .control_send(Method::DELETE, "/_sandbox/movidesk/domains/a", &json!({}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(ctx.get("tok-a2", "/persons", &[]).await.status(), 401);
}

#[tokio::test]
async fn control_tickets_persons_requests_and_reset() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;

    let (status, created) = ctx
        .control_send(Method::POST, "/_sandbox/movidesk/a/persons", &json!([
            {"id": "n1", "businessName": "Novo Um"}, {"id": "n2", "businessName": "Novo Dois", "profileType": 1}]))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created.as_array().unwrap().len(), 2);
    let (status, v) = ctx
        .control_send(
            Method::POST,
            "/_sandbox/movidesk/a/persons",
            &json!([{"id": "n3", "businessName": "ok"}, {"id": "n1", "businessName": "dup"}]),
        )
        .await;
    assert_eq!(status, 409, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("persons[1]")
    );
    let persons = ctx.control_get("/_sandbox/movidesk/a/persons").await;
    assert!(!persons.to_string().contains("\"n3\""), "all or nothing");

    let id = ctx.create_ticket("tok-a", &ticket_body("x")).await;
    let t = ctx
        .control_get(&format!("/_sandbox/movidesk/a/tickets/{id}"))
        .await;
    assert_eq!(t["id"], id.to_string());
    let (status, v) = ctx
        .control_send(Method::GET, "/_sandbox/movidesk/a/tickets/999", &json!({}))
        .await;
    assert_eq!(status, 404);
    assert!(v["error"]["message"].as_str().unwrap().contains("999"));
    let (status, _) = ctx
        .control_send(Method::GET, "/_sandbox/movidesk/zzz/tickets", &json!({}))
        .await;
    assert_eq!(status, 404);

    let (status, v) = ctx
        .control_send(
            Method::PATCH,
            &format!("/_sandbox/movidesk/a/tickets/{id}"),
            &json!({"owner": {"id": "n2"}}),
        )
        .await;
    assert_eq!(
        status, 400,
        "the agent UI asks for both owner and team: {v}"
    );

    assert_eq!(
        ctx.control_get("/_sandbox/requests?provider=movidesk&domain=a")
            .await
            .as_array()
            .unwrap()
            .len(),
        1,
        "only public-API calls are logged"
    );
    let (status, v) = ctx
        .control_send(Method::GET, "/_sandbox/requests?domian=a", &json!({}))
        .await;
    assert_eq!(status, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("domian"));
    let (status, _) = ctx
        .control_send(Method::DELETE, "/_sandbox/requests", &json!({}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(ctx.control_get("/_sandbox/requests").await, json!([]));

    ctx.get("tok-a", "/persons", &[]).await;
    let (status, _) = ctx
        .control_send(Method::POST, "/_sandbox/reset", &json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ctx.control_get("/_sandbox/movidesk/domains").await,
        json!([])
    );
    assert_eq!(ctx.control_get("/_sandbox/requests").await, json!([]));
    assert_eq!(ctx.get("tok-a", "/persons", &[]).await.status(), 401);
}

#[tokio::test]
async fn a_listing_after_a_number_holds_only_the_newer_tickets() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    let mut ids = Vec::new();
    for subject in ["one", "two", "three"] {
        ids.push(ctx.create_ticket("tok-a", &ticket_body(subject)).await);
    }
    let numbers = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = numbers(ctx.control_get("/_sandbox/movidesk/a/tickets").await);
    assert_eq!(all.len(), 3);
    let newer = numbers(
        ctx.control_get(&format!("/_sandbox/movidesk/a/tickets?after={}", ids[0]))
            .await,
    );
    assert_eq!(newer, [ids[1].to_string(), ids[2].to_string()]);
    let none = ctx
        .control_get(&format!("/_sandbox/movidesk/a/tickets?after={}", ids[2]))
        .await;
    assert_eq!(none, json!([]));
    let (status, v) = ctx
        .control_send(
            Method::GET,
            "/_sandbox/movidesk/a/tickets?after=last",
            &json!({}),
        )
        .await;
    assert_eq!(status, 400, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("after"));
}

#[tokio::test]
async fn seed_registers_domains_at_start() {
    let seed = SeedConfig::from_json_str(
        &json!({"movidesk": {"domains": [
            {"name": "a", "token": "tok-a", "rate_limit_per_minute": 0, "first_ticket_number": 500,
             "persons": common::persons()},
            {"name": "b", "token": "tok-b"}
        ]}})
        .to_string(),
    )
    .unwrap();
    let ctx = Ctx::start_with(Some(seed)).await;
    let id = ctx.create_ticket("tok-a", &ticket_body("seeded")).await;
    assert_eq!(id, 500);
    assert_eq!(
        ctx.control_get("/_sandbox/movidesk/domains")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let dir = std::env::temp_dir().join(format!("ponte-sandbox-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("seed.toml");
    std::fs::write(&path, "[[movidesk.domains]]\nname = \"t\"\ntoken = \"tok-t\"\n\n[[movidesk.domains.persons]]\nid = \"p1\"\nbusinessName = \"P\"\n").unwrap();
    let seed = SeedConfig::from_file(&path).unwrap();
    assert_eq!(seed.movidesk.domains[0].persons.len(), 1);
    std::fs::write(&path, "[[movidesk.domains]]\nname = \"t\"\ntokn = \"x\"\n").unwrap();
    let err = SeedConfig::from_file(&path).unwrap_err().to_string();
    assert!(err.contains("tokn") && err.contains("seed.toml"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();

    // A bad seed fails the start with a message naming the domain.
    let bad = SeedConfig::from_json_str(
        r#"{"movidesk":{"domains":[{"name":"x","token":"t","webhook_url":"ftp://h"}]}}"#,
    )
    .unwrap();
    let err = ponte_sandbox::Sandbox::start("127.0.0.1:0".parse().unwrap(), Some(bad))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("movidesk.domains[0]") && err.contains("webhook_url"),
        "{err}"
    );
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let ctx = Ctx::start().await;
    let url = ctx.url("/healthz");
    assert_eq!(ctx.http.get(&url).send().await.unwrap().status(), 200);
    ctx.sandbox.shutdown().await.unwrap();
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
}
