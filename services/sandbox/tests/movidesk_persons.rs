//! Persons through the public API.
#![allow(clippy::unwrap_used)]

mod common;

use common::Ctx;
use serde_json::{Value, json};

async fn ids(ctx: &Ctx, query: &[(&str, &str)]) -> Vec<String> {
    let resp = ctx.get("tok-a", "/persons", query).await;
    assert_eq!(resp.status(), 200, "{query:?}");
    let v: Value = resp.json().await.unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn get_and_filter_persons() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;

    let resp = ctx.get("tok-a", "/persons", &[("id", "c1")]).await;
    assert_eq!(resp.status(), 200);
    let p: Value = resp.json().await.unwrap();
    assert_eq!(p["id"], "c1");
    assert_eq!(p["businessName"], "Cliente Um");
    assert_eq!(p["personType"], 1);
    assert_eq!(p["isActive"], true);
    assert_eq!(p["relationships"][0]["name"], "ACME");
    assert!(common::is_movidesk_date(p["createdDate"].as_str().unwrap()));
    assert_eq!(
        ctx.get("tok-a", "/persons", &[("id", "nobody")])
            .await
            .status(),
        404
    );

    // A list works without $select.
    assert_eq!(ids(&ctx, &[]).await, ["ag1", "c1", "c2", "org1"]);
    let f = |s: &'static str| [("$filter", s)];
    assert_eq!(
        ids(
            &ctx,
            &f("emails/any(e: e/email eq 'cliente.um@example.com')")
        )
        .await,
        ["c1"]
    );
    assert_eq!(
        ids(&ctx, &f("Emails/any(d:d/Email eq 'C2@EXAMPLE.COM')")).await,
        ["c2"]
    );
    assert_eq!(
        ids(
            &ctx,
            &f("contacts/any(c: c/contact eq '+55 11 99999-0000')")
        )
        .await,
        ["c1"]
    );
    assert_eq!(ids(&ctx, &f("cpfCnpj eq '12345678900'")).await, ["c1"]);
    assert_eq!(
        ids(&ctx, &f("codeReferenceAdditional eq 'ext-c1'")).await,
        ["c1"]
    );
    assert_eq!(
        ids(&ctx, &f("businessName eq 'Cliente Dois'")).await,
        ["c2"]
    );
    assert_eq!(ids(&ctx, &f("profileType eq 1")).await, ["ag1"]);
    assert_eq!(
        ids(&ctx, &f("id eq 'c2' or id eq 'c1'")).await,
        ["c1", "c2"]
    );
    assert_eq!(
        ids(&ctx, &f("personType eq 2 and profileType eq 2")).await,
        ["org1"]
    );
    assert!(
        ids(&ctx, &f("emails/any(e: e/email eq 'nobody@x.com')"))
            .await
            .is_empty()
    );

    let resp = ctx
        .get(
            "tok-a",
            "/persons",
            &[
                ("$select", "id,businessName"),
                ("$top", "1"),
                ("$skip", "1"),
            ],
        )
        .await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, json!([{"id": "c1", "businessName": "Cliente Um"}]));

    let resp = ctx
        .get("tok-a", "/persons", &f("emails/any(e: e/email eq 'x'"))
        .await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn create_and_patch_persons() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;

    let resp = ctx
        .post(
            "tok-a",
            "/persons",
            &[],
            &json!({"id": "12345678901", "businessName": "Nova Pessoa", "profileType": 2,
            "emails": [{"emailType": "Pessoal", "email": "nova@example.com", "isDefault": true}]}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"id": "12345678901"})
    );

    let resp = ctx
        .post(
            "tok-a",
            "/persons",
            &[("returnAllProperties", "true")],
            &json!({"businessName": "Sem Id", "password": "secret-123"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let p: Value = resp.json().await.unwrap();
    let generated = p["id"].as_str().unwrap().to_owned();
    assert!(!generated.is_empty());
    assert_eq!(p["businessName"], "Sem Id");
    assert!(p.get("password").is_none(), "password is write-only");

    let resp = ctx
        .post(
            "tok-a",
            "/persons",
            &[],
            &json!({"id": "c1", "businessName": "dup"}),
        )
        .await;
    assert_eq!(resp.status(), 400);
    let msg: Value = resp.json().await.unwrap();
    assert!(msg["message"].as_str().unwrap().contains("c1"));
    let resp = ctx
        .post("tok-a", "/persons", &[], &json!({"id": "x9"}))
        .await;
    assert_eq!(resp.status(), 400, "a name is required");

    // PATCH: scalars merged, lists replaced.
    let resp = ctx
        .patch(
            "tok-a",
            "/persons",
            &[("id", "12345678901")],
            &json!({"emails": [{"email": "other@example.com"}], "role": "Gerente"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let p: Value = ctx
        .get("tok-a", "/persons", &[("id", "12345678901")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["emails"].as_array().unwrap().len(), 1);
    assert_eq!(p["emails"][0]["email"], "other@example.com");
    assert_eq!(p["businessName"], "Nova Pessoa");
    assert_eq!(p["role"], "Gerente");

    // The new person can be used in tickets at once.
    let mut body = common::ticket_body("by new person");
    body["clients"] = json!([{"id": 12_345_678_901u64}]);
    let id = ctx.create_ticket("tok-a", &body).await;
    let t = ctx.ticket("tok-a", id).await;
    assert_eq!(t["clients"][0]["id"], "12345678901");
    assert_eq!(t["clients"][0]["email"], "other@example.com");
}

#[tokio::test]
async fn a_tenant_may_require_clients_to_belong_to_an_organization() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({"clients_need_organization": true}))
        .await;
    let client = |rel: Value| {
        json!({"businessName": "Rui", "personType": 1, "profileType": 2,
               "emails": [{"email": "rui@x.test"}], "relationships": rel})
    };
    let resp = ctx.post("tok-a", "/persons", &[], &client(json!([]))).await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["message"].as_str().unwrap().contains("relationships"),
        "{v}"
    );
    let resp = ctx
        .post(
            "tok-a",
            "/persons",
            &[],
            &client(json!([{"id": "nowhere"}])),
        )
        .await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("'nowhere'"), "{v}");
    let resp = ctx
        .post("tok-a", "/persons", &[], &client(json!([{"id": "org1"}])))
        .await;
    assert_eq!(resp.status(), 200);
    let id = resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p: Value = ctx
        .get("tok-a", "/persons", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["relationships"][0]["id"], "org1");
    // Agents and companies are not clients.
    let company = json!({"businessName": "Beta", "personType": 2, "profileType": 2});
    assert_eq!(
        ctx.post("tok-a", "/persons", &[], &company).await.status(),
        200
    );
}
