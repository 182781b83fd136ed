//! Okdesk public API: `api_token` auth, wrapped bodies, `{"errors": …}` shapes, people and phone search,
//! the control API's account registration, faults.
#![allow(clippy::unwrap_used)]

mod okdesk_uis_support;

use okdesk_uis_support::{Ctx, TOKEN, okdesk_account_body};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn missing_or_unknown_token_is_401_with_errors_and_never_logged() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;
    let base = ctx.sandbox.okdesk_api_url();

    let (status, v) = ctx
        .send(Method::GET, &format!("{base}/employees/list"), None)
        .await;
    assert_eq!(status, 401);
    assert!(v["errors"].is_string(), "{v}");
    let (status, v) = ctx
        .send(
            Method::GET,
            &format!("{base}/employees/list?api_token=nope"),
            None,
        )
        .await;
    assert_eq!(status, 401);
    assert!(v["errors"].is_string(), "{v}");
    // A token in a header is not how Okdesk authenticates.
    let resp = ctx
        .http
        .get(format!("{base}/employees/list"))
        .header("Authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let (status, list) = ctx.ok_get("/employees/list").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 3);

    let log = ctx
        .control_get("/_sandbox/requests?provider=okdesk&domain=acme")
        .await;
    let log = log.as_array().unwrap();
    assert_eq!(
        log.len(),
        1,
        "only the authenticated request is the account's"
    );
    assert_eq!(log[0]["path"], "/okdesk/api/v1/employees/list");
    assert_eq!(log[0]["status"], 200);
    let all = ctx.control_get("/_sandbox/requests?provider=okdesk").await;
    assert_eq!(all.as_array().unwrap().len(), 4);
    assert!(
        !all.to_string().contains(TOKEN),
        "the token leaked into the request log"
    );
}

#[tokio::test]
async fn employees_list_has_the_documented_fields_and_pages() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;
    let (_, list) = ctx.ok_get("/employees/list").await;
    let e = &list[0];
    assert_eq!(e["id"], 1);
    assert_eq!(e["telephony_number"], "101");
    assert_eq!(e["last_name"], "Иванов");
    assert_eq!(e["active"], true);
    assert_eq!(e["groups"], json!([{"id": 1, "name": "Первая линия"}]));
    assert_eq!(e["roles"][0]["name"], "Администратор");
    assert_eq!(
        list[1]["telephony_number"], "102",
        "an integer extension reads back as a string"
    );

    let (status, page) = ctx
        .ok_get_q("/employees/list", "page[number]=2&page[size]=2")
        .await;
    assert_eq!(status, 200);
    let ids: Vec<u64> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [3]);

    let (status, v) = ctx.ok_get_q("/employees/list", "page[size]=500").await;
    assert_eq!(status, 422);
    assert_eq!(
        v,
        json!({"errors": {"page": {"size": ["должно быть меньше или равно 100"]}}})
    );
}

#[tokio::test]
async fn contacts_are_found_by_exact_phone_digits_and_plus_must_be_encoded() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;

    // Stored as "+7 (999) 123-45-67": formatting is ignored, the digits must all match.
    for q in [
        "phone=%2B79991234567",
        "phone=79991234567",
        "phone=7-999-123-45-67",
    ] {
        let (status, c) = ctx.ok_get_q("/contacts/", q).await;
        assert_eq!(status, 200, "{q}: {c}");
        assert_eq!(c["id"], 20, "{q}: one contact as the root object");
        assert_eq!(c["name"], "Ставрогин Николай");
        assert_eq!(c["company_id"], 10);
    }
    // An unencoded '+' arrives as a space and matches nothing, as on the real server.
    let (status, v) = ctx.ok_get_q("/contacts/", "phone=+79991234567").await;
    assert_eq!(status, 404, "{v}");
    assert!(v["errors"].is_string());
    // Not a trailing-digits match: 8 999… is not 7 999… here (search_numbers_count is for telephony).
    let (status, _) = ctx.ok_get_q("/contacts", "phone=89991234567").await;
    assert_eq!(status, 404);
    // The mobile phone is searched too.
    let (status, c) = ctx.ok_get_q("/contacts/", "phone=89995550011").await;
    assert_eq!(status, 200);
    assert_eq!(c["id"], 21);
    let (status, c) = ctx.ok_get_q("/contacts/", "id=21").await;
    assert_eq!(status, 200);
    assert_eq!(c["last_name"], "Лебядкина");
    let (status, v) = ctx.ok_get("/contacts/").await;
    assert_eq!(status, 422, "a search needs a parameter: {v}");
}

#[tokio::test]
async fn contacts_and_companies_are_created_from_wrapped_bodies() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;

    let (status, v) = ctx
        .ok_post(
            "/contacts/",
            &json!({"first_name": "Без", "last_name": "Обёртки"}),
        )
        .await;
    assert_eq!(status, 400, "the body must be wrapped in 'contact': {v}");
    assert!(v["errors"].as_str().unwrap().contains("contact"));

    let (status, v) = ctx
        .ok_post("/contacts/", &json!({"contact": {"phone": "+79990001122"}}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        v,
        json!({"errors": {"first_name": ["обязателен"], "last_name": ["обязателен"]}})
    );
    let (status, v) = ctx
        .ok_post(
            "/contacts/",
            &json!({"contact": {"first_name": "Пётр", "last_name": "Верховенский", "company_id": 999}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(v["errors"]["company_id"], json!(["не найден"]));

    let (status, c) = ctx
        .ok_post(
            "/contacts/",
            &json!({"contact": {"first_name": "Пётр", "last_name": "Верховенский",
                                "phone": "+7 999 000-11-22", "company_id": "10", "comment": "новый"}}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    let id = c["id"].as_u64().unwrap();
    assert!(id > 21, "a fresh id");
    assert_eq!(c["name"], "Верховенский Пётр");
    assert_eq!(c["company_id"], 10, "string ids are accepted");
    let (_, found) = ctx.ok_get_q("/contacts/", "phone=%2B79990001122").await;
    assert_eq!(found["id"], id);

    let (status, v) = ctx
        .ok_post("/companies/", &json!({"company": {"site": "x.ru"}}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(v, json!({"errors": {"name": ["обязателен"]}}));
    let (status, co) = ctx
        .ok_post(
            "/companies/",
            &json!({"company": {"name": "ИП Шатов", "phone": "+7 343 222-33-44"}}),
        )
        .await;
    assert_eq!(status, 200, "{co}");
    assert_eq!(co["name"], "ИП Шатов");
    let (status, found) = ctx.ok_get_q("/companies/", "phone=%2B73432223344").await;
    assert_eq!(status, 200);
    assert_eq!(found["id"], co["id"]);
    let (_, found) = ctx.ok_get_q("/companies/", "crm_1c_id=R-1").await;
    assert_eq!(found["id"], 10);
    let (_, found) = ctx.ok_get_q("/companies/", "search_string=ромаш").await;
    assert_eq!(found["id"], 10);
    let (status, _) = ctx.ok_get_q("/companies/", "phone=%2B70000000000").await;
    assert_eq!(status, 404);

    let contacts = ctx.control_get("/_sandbox/okdesk/acme/contacts").await;
    assert_eq!(contacts.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn account_registration_validates_and_refuses_duplicates() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;
    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/okdesk/accounts",
            &okdesk_account_body(),
        )
        .await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["error"]["code"], "conflict");
    let mut other = okdesk_account_body();
    other["name"] = json!("other");
    let (status, _) = ctx
        .control(Method::POST, "/_sandbox/okdesk/accounts", &other)
        .await;
    assert_eq!(status, 409, "same api_token");

    other["api_token"] = json!("tok-other");
    other["timezone"] = json!("Mars/Olympus");
    let (status, v) = ctx
        .control(Method::POST, "/_sandbox/okdesk/accounts", &other)
        .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("timezone"),
        "{v}"
    );
    other["timezone"] = json!("Asia/Yekaterinburg");
    other["employees"][0]["telefony_number"] = json!("1");
    let (status, v) = ctx
        .control(Method::POST, "/_sandbox/okdesk/accounts", &other)
        .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("telefony_number"),
        "{v}"
    );

    let view = ctx.control_get("/_sandbox/okdesk/accounts/acme").await;
    assert_eq!(view["api_token"], "REDACTED");
    assert_eq!(
        view["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["code"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["opened", "in_progress", "delayed", "completed", "closed"]
    );
    let (status, _) = ctx
        .control(Method::DELETE, "/_sandbox/okdesk/accounts/acme", &json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, _) = ctx.ok_get("/employees/list").await;
    assert_eq!(status, 401, "the token died with the account");
}

#[tokio::test]
async fn accounts_come_from_the_seed_file() {
    let seed = ponte_sandbox::SeedConfig::from_json_str(
        &json!({"okdesk": {"accounts": [okdesk_account_body()]}}).to_string(),
    )
    .unwrap();
    let ctx = Ctx::start_with(Some(seed)).await;
    let (status, list) = ctx.ok_get("/employees/list").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 3);
    let bad =
        ponte_sandbox::SeedConfig::from_json_str(r#"{"okdesk": {"accounts": [{"name": "a"}]}}"#);
    assert!(bad.unwrap_err().contains("api_token"));
}

#[tokio::test]
async fn injected_server_errors_carry_no_json_and_count_in_the_log() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;
    let (status, v) = ctx
        .control(
            Method::PUT,
            "/_sandbox/faults/okdesk/acme",
            &json!({"error_rate": 1.0, "error_status": 502, "count": 1}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let resp = ctx
        .http
        .post(ctx.api("/issues/"))
        .json(&json!({"issue": {"title": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let text = resp.text().await.unwrap();
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "not JSON: {text}"
    );
    let issues = ctx.control_get("/_sandbox/okdesk/acme/issues").await;
    assert_eq!(issues, json!([]), "the failed write had no effect");
    let id = ctx.create_issue(json!({"title": "x"})).await;
    assert_eq!(id, 1, "the fault expired after one request");
    let log = ctx
        .control_get("/_sandbox/requests?provider=okdesk&domain=acme&method=POST")
        .await;
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [502, 200]);

    let (status, _) = ctx
        .control(
            Method::PUT,
            "/_sandbox/faults/okdesk/nobody",
            &json!({"error_rate": 1.0}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rate_limit_is_off_by_default_and_answers_429_when_set() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({"rate_limit_per_minute": 2}))
        .await;
    assert_eq!(ctx.ok_get("/employees/list").await.0, 200);
    assert_eq!(ctx.ok_get("/employees/list").await.0, 200);
    let resp = ctx
        .http
        .get(ctx.api("/employees/list"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let v: Value = resp.json().await.unwrap();
    assert!(v["errors"].is_string());
}
