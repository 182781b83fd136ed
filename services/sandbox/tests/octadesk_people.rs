//! Octadesk persons (v1: contacts) and organizations: find by e-mail and phone, create, update, in both
//! APIs; tickets whose requester is found or created by phone.
#![allow(clippy::unwrap_used)]

mod octadesk_support;

use octadesk_support::Ctx;
use reqwest::Method;
use serde_json::{Value, json};

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn legacy_persons_find_by_email_and_phone_create_and_update() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let token = ctx.login().await;

    let (status, p) = ctx
        .legacy_call(
            &token,
            Method::GET,
            "/persons?email=JOAO@ramos.com.br",
            None,
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["id"], "p-joao");
    assert_eq!(
        p["phoneContacts"],
        json!([{"countryCode": "55", "number": "11988887777", "type": null}])
    );
    assert_eq!(
        p["organization"],
        json!({"id": "org-ramos", "name": "Ramos Ltda"})
    );
    let (status, v) = ctx
        .legacy_call(&token, Method::GET, "/persons?email=ninguem@x.com", None)
        .await;
    assert_eq!(status, 404);
    assert!(v["message"].is_string());

    let (status, created) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/persons",
            Some(&json!({"name": "Maria Souza", "email": "maria@x.com",
                         "phoneContacts": [{"countryCode": "+55", "number": "(21) 97777-6666"}]})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let maria = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["phoneContacts"][0]["number"], "21977776666");
    assert_eq!(created["phoneContacts"][0]["countryCode"], "55");
    let (status, v) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/persons",
            Some(&json!({"name": "Outra", "email": "MARIA@x.com"})),
        )
        .await;
    assert_eq!(status, 409, "{v}");
    let (status, v) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/persons",
            Some(&json!({"name": "Sem contato"})),
        )
        .await;
    assert_eq!(status, 400, "{v}");
    let (status, _) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/persons",
            Some(&json!({"name": "Mal", "email": "not-an-email"})),
        )
        .await;
    assert_eq!(status, 400);

    // php-m's phone search: POST /persons/filter with the criteria in the query.
    let (status, found) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/persons/filter?phoneContacts.countryCode=55&phoneContacts.number=21977776666",
            None,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(ids(&found), vec![maria.clone()]);
    let (_, found) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/persons/filter?phoneContacts.number=5521977776666",
            None,
        )
        .await;
    assert_eq!(
        ids(&found),
        Vec::<String>::new(),
        "the number is stored without the country code"
    );
    let (_, found) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/persons/filter",
            Some(&json!({"phone": "11 98888-7777"})),
        )
        .await;
    assert_eq!(ids(&found), vec!["p-joao".to_owned()]);
    let (status, _) = ctx
        .legacy_call(&token, Method::POST, "/persons/filter", Some(&json!({})))
        .await;
    assert_eq!(status, 400);

    let (status, p) = ctx
        .legacy_call(
            &token,
            Method::PUT,
            &format!("/persons/{maria}"),
            Some(&json!({"name": "Maria S. Souza", "idOrganization": "org-ramos"})),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let (_, p) = ctx
        .legacy_call(&token, Method::GET, &format!("/persons/{maria}"), None)
        .await;
    assert_eq!(p["name"], "Maria S. Souza");
    assert_eq!(p["idOrganization"], "org-ramos");
    assert_eq!(p["email"], "maria@x.com", "untouched");
    let (status, _) = ctx
        .legacy_call(
            &token,
            Method::PUT,
            &format!("/persons/{maria}"),
            Some(&json!({"email": "joao@ramos.com.br"})),
        )
        .await;
    assert_eq!(status, 409, "e-mail of another person");
    let (status, _) = ctx
        .legacy_call(&token, Method::GET, "/persons/nobody", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn v1_contacts_filter_by_email_and_phone_create_and_patch() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;

    let (status, v) = ctx
        .v1_call(None, Method::GET, "/contacts?filters[0][property]=email&filters[0][operator]=eq&filters[0][value]=joao@ramos.com.br", None)
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(ids(&v), vec!["p-joao".to_owned()]);
    let (_, v) = ctx
        .v1_call(None, Method::GET, "/contacts?filters[0][property]=phoneContacts.countryCode&filters[0][operator]=eq&filters[0][value]=55&filters[1][property]=phoneContacts.number&filters[1][operator]=eq&filters[1][value]=11988887777", None)
        .await;
    assert_eq!(ids(&v), vec!["p-joao".to_owned()]);
    let (_, v) = ctx
        .v1_call(None, Method::GET, "/contacts?filters[0][property]=phoneContacts.number&filters[0][operator]=eq&filters[0][value]=5511988887777", None)
        .await;
    assert_eq!(ids(&v), Vec::<String>::new());

    let (status, c) = ctx
        .v1_call(None, Method::POST, "/contacts", Some(&json!({"name": "Zap Cliente", "phoneContacts": [{"countryCode": "55", "number": "31955554444"}]})))
        .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["email"], Value::Null);
    assert!(c["createdAt"].is_string());
    let id = c["id"].as_str().unwrap().to_owned();
    let (status, c) = ctx
        .v1_call(
            None,
            Method::PATCH,
            &format!("/contacts/{id}"),
            Some(&json!({"email": "zap@cliente.com"})),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["name"], "Zap Cliente");
    assert_eq!(c["phoneContacts"][0]["number"], "31955554444");
    let (status, c) = ctx
        .v1_call(None, Method::GET, &format!("/contacts/{id}"), None)
        .await;
    assert_eq!(
        (status, c["email"].as_str()),
        (200, Some("zap@cliente.com"))
    );
    let (status, _) = ctx
        .v1_call(None, Method::GET, "/contacts/nobody", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn organizations_are_created_and_found_by_name() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let token = ctx.login().await;

    let (status, o) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/organizations",
            Some(&json!({"name": "Acme Brasil", "domains": ["acme.com.br"]})),
        )
        .await;
    assert_eq!(status, 201, "{o}");
    let id = o["id"].as_str().unwrap().to_owned();
    let (status, _) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/organizations",
            Some(&json!({"name": "ACME brasil"})),
        )
        .await;
    assert_eq!(status, 409, "same name, other case");
    let (status, v) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/organizations",
            Some(&json!({"domains": []})),
        )
        .await;
    assert_eq!(
        (status, v["message"].as_str()),
        (400, Some("The name field is required"))
    );

    let (_, found) = ctx
        .legacy_call(
            &token,
            Method::GET,
            "/organizations?name=acme%20brasil",
            None,
        )
        .await;
    assert_eq!(ids(&found), vec![id.clone()]);
    let (_, found) = ctx
        .legacy_call(&token, Method::GET, "/organizations?name=Nada", None)
        .await;
    assert_eq!(ids(&found), Vec::<String>::new());
    let (status, o) = ctx
        .legacy_call(&token, Method::GET, &format!("/organizations/{id}"), None)
        .await;
    assert_eq!(
        (status, o["domains"].clone()),
        (200, json!(["acme.com.br"]))
    );
    let (status, o) = ctx
        .legacy_call(
            &token,
            Method::PUT,
            &format!("/organizations/{id}"),
            Some(&json!({"name": "Acme do Brasil"})),
        )
        .await;
    assert_eq!((status, o["name"].as_str()), (200, Some("Acme do Brasil")));

    let (_, found) = ctx
        .v1_call(None, Method::GET, "/organizations?filters[0][property]=name&filters[0][operator]=eq&filters[0][value]=ramos%20ltda", None)
        .await;
    assert_eq!(ids(&found), vec!["org-ramos".to_owned()]);
    let (status, o) = ctx
        .v1_call(
            None,
            Method::POST,
            "/organizations",
            Some(&json!({"name": "Nova Org"})),
        )
        .await;
    assert_eq!(status, 201, "{o}");
    let (status, o) = ctx
        .v1_call(
            None,
            Method::GET,
            &format!("/organizations/{}", o["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!((status, o["name"].as_str()), (200, Some("Nova Org")));
    let (status, _) = ctx
        .v1_call(None, Method::GET, "/organizations/nope", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn ticket_requesters_are_found_or_created_by_phone() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;

    let (status, t) = ctx
        .v1_call(None, Method::POST, "/tickets", Some(&json!({"summary": "Ligação", "requester": {"phoneContacts": [{"countryCode": "55", "number": "11988887777"}]}})))
        .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["requester"]["id"], "p-joao");
    assert_eq!(t["organization"]["id"], "org-ramos");

    let (status, t) = ctx
        .v1_call(None, Method::POST, "/tickets", Some(&json!({"summary": "Ligação 2", "requester": {"name": "Desconhecido", "phoneContacts": [{"countryCode": "55", "number": "41933332222"}]}})))
        .await;
    assert_eq!(status, 201, "{t}");
    let id = t["requester"]["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "p-joao");
    let (_, p) = ctx
        .v1_call(None, Method::GET, &format!("/contacts/{id}"), None)
        .await;
    assert_eq!(p["name"], "Desconhecido");
    assert_eq!(p["phoneContacts"][0]["number"], "41933332222");
    assert_eq!(
        ctx.control_get("/_sandbox/octadesk/acme/persons")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
