//! Okdesk issues: create, read, comment, change status, and the `{event, issue}` webhooks they fire.
#![allow(clippy::unwrap_used)]

mod okdesk_uis_support;

use okdesk_uis_support::{Ctx, Receiver};
use reqwest::Method;
use serde_json::{Value, json};

/// True when the string is `YYYY-MM-DDTHH:MM:SS.fff+03:00`.
fn is_msk_time(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    s.len() == 29 && s.ends_with("+03:00") && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn issue_create_validates_and_reads_back_the_documented_model() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;

    let (status, v) = ctx
        .ok_post("/issues/", &json!({"title": "not wrapped"}))
        .await;
    assert_eq!(status, 400, "{v}");
    let (status, v) = ctx
        .ok_post(
            "/issues/",
            &json!({"issue": {"description": "no title", "contact_id": 999, "priority": "urgent"}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        v,
        json!({"errors": {"title": ["обязателен"], "contact_id": ["не найден"], "priority": ["не найден"]}})
    );
    let (status, v) = ctx
        .ok_post(
            "/issues/",
            &json!({"issue": {"title": "x", "assignee_id": "abc"}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        v["errors"]["assignee_id"],
        json!(["должно иметь тип integer"])
    );

    let (status, v) = ctx
        .ok_post(
            "/issues/",
            &json!({"issue": {"title": "Пропущенный звонок", "description": "+79991234567",
                              "contact_id": 20, "assignee_id": 2, "group_id": 1, "type": "incident",
                              "priority": "high", "deadline_at": "2026-10-01 18:00",
                              "custom_parameters": {"call_id": "237859081"}}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v.as_object().unwrap().len(), 1, "only the id: {v}");
    let id = v["id"].as_u64().unwrap();

    let (status, i) = ctx.ok_get(&format!("/issues/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(i["id"], id);
    assert_eq!(i["title"], "Пропущенный звонок");
    assert_eq!(i["status"], json!({"code": "opened", "name": "Открыта"}));
    assert_eq!(i["old_status"], Value::Null);
    assert_eq!(i["priority"], json!({"code": "high", "name": "Высокий"}));
    assert_eq!(i["type"]["code"], "incident");
    assert_eq!(i["contact"], json!({"id": 20, "name": "Ставрогин Николай"}));
    assert_eq!(i["company_id"], 10, "the contact's company");
    assert_eq!(i["assignee"], json!({"id": 2, "name": "Смирнова Анна"}));
    assert_eq!(i["author"]["id"], 1, "the API key's employee");
    assert_eq!(i["deadline_at"], "2026-10-01T18:00:00.000+03:00");
    assert!(is_msk_time(&i["created_at"]), "{}", i["created_at"]);
    assert_eq!(i["parameters"][0]["code"], "call_id");
    assert_eq!(i["comments"], json!({"count": 0, "last_at": null}));

    let (status, v) = ctx.ok_get("/issues/9999").await;
    assert_eq!(status, 404);
    assert!(v["errors"].is_string());
}

#[tokio::test]
async fn comments_and_statuses_follow_the_api_rules() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;
    let id = ctx.create_issue(json!({"title": "Звонок"})).await;
    let comments = format!("/issues/{id}/comments");

    let (status, v) = ctx
        .ok_post(&comments, &json!({"comment": {"public": true}}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        v,
        json!({"errors": {"content": ["обязателен"], "author_id": ["обязателен"]}})
    );
    let (status, v) = ctx
        .ok_post(
            &comments,
            &json!({"comment": {"content": "x", "author_id": 77}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(v["errors"]["author_id"], json!(["не найден"]));
    let (status, c) = ctx
        .ok_post(
            &comments,
            &json!({"comment": {"content": "Перезвонили клиенту</br>всё ок", "author_id": 2, "public": true}}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["content"], "Перезвонили клиенту</br>всё ок");
    assert_eq!(c["public"], true);
    assert_eq!(
        c["author"],
        json!({"id": 2, "name": "Смирнова Анна", "type": "employee"})
    );
    let (status, c2) = ctx
        .ok_post(
            &comments,
            &json!({"comment": {"content": "Спасибо", "author_id": 20, "author_type": "contact"}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(c2["author"]["type"], "contact");
    assert_eq!(c2["public"], false, "private by default");
    let (_, list) = ctx.ok_get(&comments).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["id"], c["id"]);

    let statuses = format!("/issues/{id}/statuses");
    let (status, v) = ctx.ok_post(&statuses, &json!({"code": "solved"})).await;
    assert_eq!(status, 422);
    assert_eq!(v, json!({"errors": {"code": ["не найден"]}}));
    let (status, v) = ctx.ok_post(&statuses, &json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(v, json!({"errors": {"code": ["обязателен"]}}));
    let (status, v) = ctx.ok_post(&statuses, &json!({"code": "delayed"})).await;
    assert_eq!(status, 422);
    assert_eq!(v, json!({"errors": {"delay_to": ["обязателен"]}}));
    let (status, v) = ctx
        .ok_post(
            &statuses,
            &json!({"code": "completed", "skip_options": ["skip_everything"]}),
        )
        .await;
    assert_eq!(status, 422);
    assert!(v["errors"]["skip_options"].is_array());
    let (status, i) = ctx
        .ok_post(
            &statuses,
            &json!({"code": "completed", "comment": "Решено по телефону", "comment_public": true}),
        )
        .await;
    assert_eq!(status, 200, "{i}");
    assert_eq!(i["status"]["code"], "completed");
    assert_eq!(i["old_status"]["code"], "opened");
    assert!(is_msk_time(&i["completed_at"]));
    assert_eq!(i["comments"]["count"], 3, "the status comment is a comment");
    let (status, v) = ctx.ok_post(&statuses, &json!({"code": "completed"})).await;
    assert_eq!(status, 422, "already in that status: {v}");
    assert!(v["errors"]["code"].is_array());

    let view = ctx
        .control_get(&format!("/_sandbox/okdesk/acme/issues/{id}"))
        .await;
    assert_eq!(view["comment_list"].as_array().unwrap().len(), 3);
    assert_eq!(view["comment_list"][2]["content"], "Решено по телефону");
    assert_eq!(view["phone_calls"], json!([]));
}

#[tokio::test]
async fn changes_fire_event_issue_webhooks_with_string_ids_unless_skipped() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    ctx.okdesk_account(json!({"webhook_url": rx.url("/hooks/okdesk/acme-okdesk?token=s3cret")}))
        .await;

    let id = ctx
        .create_issue(json!({"title": "Звонок", "contact_id": 20, "assignee_id": 1, "group_id": 1}))
        .await;
    let hits = rx.wait_for(1).await;
    assert_eq!(hits[0].method, "POST");
    assert_eq!(hits[0].query.as_deref(), Some("token=s3cret"));
    assert_eq!(hits[0].content_type.as_deref(), Some("application/json"));
    let w = &hits[0].body;
    assert_eq!(w["event"]["event_type"], "new_ticket");
    assert_eq!(w["event"]["author"]["id"], "1");
    assert_eq!(w["event"]["author"]["type"], "employee");
    let issue = &w["issue"];
    assert_eq!(issue["id"], id.to_string(), "ids are strings in webhooks");
    assert_eq!(
        issue["client"]["company"],
        json!({"id": "10", "name": "ООО Ромашка"})
    );
    assert_eq!(issue["client"]["contact"]["id"], "20");
    assert_eq!(issue["client"]["contact"]["last_name"], "Ставрогин");
    assert_eq!(
        issue["assignee"]["group"],
        json!({"id": "1", "name": "Первая линия"})
    );
    assert_eq!(issue["assignee"]["employee"]["id"], "1");
    assert_eq!(issue["status"]["code"], "opened");
    assert_eq!(issue["type"]["inner"], false);
    assert!(issue["observers"]["employees"].is_array());

    // A comment through the API: new_comment (a client must expect its own echo).
    let (status, c) = ctx
        .ok_post(
            &format!("/issues/{id}/comments"),
            &json!({"comment": {"content": "Из API", "author_id": 1, "public": true}}),
        )
        .await;
    assert_eq!(status, 200);
    let w = &rx.wait_for(2).await[1].body;
    assert_eq!(w["event"]["event_type"], "new_comment");
    assert_eq!(
        w["event"]["comment"],
        json!({"id": c["id"].as_u64().unwrap().to_string(), "is_public": true, "content": "Из API"})
    );

    // A status change with skip_webhooks: no webhook.
    let (status, _) = ctx
        .ok_post(
            &format!("/issues/{id}/statuses"),
            &json!({"code": "in_progress", "skip_options": ["skip_webhooks"]}),
        )
        .await;
    assert_eq!(status, 200);

    // An agent in the web UI resolves it: new_ticket_status.
    let (status, v) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/okdesk/acme/issues/{id}/status"),
            &json!({"code": "completed", "comment": "Работы проверены", "author_id": 2}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let hits = rx.settle(3).await;
    let w = &hits[2].body;
    assert_eq!(w["event"]["event_type"], "new_ticket_status");
    assert_eq!(
        w["event"]["old_status"],
        json!({"code": "in_progress", "name": "В работе"})
    );
    assert_eq!(
        w["event"]["new_status"],
        json!({"code": "completed", "name": "Решена"})
    );
    assert_eq!(w["event"]["author"]["id"], "2");
    assert_eq!(w["event"]["comment"]["content"], "Работы проверены");
    assert_eq!(w["issue"]["status"]["code"], "completed");
    assert_eq!(w["issue"]["old_status"]["code"], "in_progress");

    // An agent comment in the UI, then a dropped webhook.
    let (status, v) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/okdesk/acme/issues/{id}/comments"),
            &json!({"content": "Из интерфейса", "public": false}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let w = &rx.wait_for(4).await[3].body;
    assert_eq!(w["event"]["event_type"], "new_comment");
    assert_eq!(w["event"]["comment"]["is_public"], false);

    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/okdesk/acme/webhooks/drop",
            &json!({"count": 1}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["pending_drops"], 1);
    ctx.create_issue(json!({"title": "будет потерян"})).await;
    ctx.create_issue(json!({"title": "дойдёт"})).await;
    let hits = rx.settle(5).await;
    assert_eq!(hits[4].body["issue"]["title"], "дойдёт");
    let records = ctx.control_get("/_sandbox/okdesk/acme/webhooks").await;
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 6);
    assert!(
        records
            .iter()
            .any(|r| r["dropped"] == true && r["body"]["issue"]["title"] == "будет потерян")
    );
    assert!(
        records
            .iter()
            .all(|r| r["url"].as_str().unwrap().contains("token=REDACTED")),
        "secrets are redacted in the records"
    );
}

#[tokio::test]
async fn the_issue_list_filters_pages_and_names_bad_values() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;
    let a = ctx
        .create_issue(json!({"title": "a", "description": "ref-1", "contact_id": 20}))
        .await;
    let b = ctx.create_issue(json!({"title": "b"})).await;
    let c = ctx
        .create_issue(json!({"title": "c", "contact_id": 20}))
        .await;
    let ids = |v: &Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_u64().unwrap())
            .collect()
    };

    let (status, v) = ctx.ok_get_q("/issues/list", "").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(ids(&v), [a, b, c], "an array of issues, oldest first");
    assert_eq!(v[0]["description"], "ref-1", "the detailed model");
    let (_, v) = ctx
        .ok_get_q(
            "/issues/list",
            "contact_ids%5B%5D=20&page%5Bdirection%5D=reverse",
        )
        .await;
    assert_eq!(ids(&v), [c, a], "the contact's issues, newest first");
    let (_, v) = ctx
        .ok_get_q(
            "/issues/list",
            &format!("page%5Bsize%5D=1&page%5Bfrom_id%5D={a}"),
        )
        .await;
    assert_eq!(ids(&v), [b]);
    let (_, v) = ctx.ok_get_q("/issues/count", "contact_ids[]=20").await;
    assert_eq!(v, json!([a, c]));
    let (status, v) = ctx
        .ok_get_q("/issues/list", "contact_ids[]=x&page[size]=101")
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        v["errors"]["contact_ids"],
        json!(["должно иметь тип integer"])
    );
    assert!(
        v["errors"]["page"]["size"].is_array() || v["errors"]["page.size"].is_array(),
        "{v}"
    );
}
