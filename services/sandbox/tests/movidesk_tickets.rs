//! Tickets through the public API: validation, the GET shape, lists and PATCH semantics.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Ctx, is_movidesk_date, ticket_body};
use serde_json::{Value, json};

async fn message(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    (status, v["message"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn post_validates_like_movidesk() {
    let ctx = Ctx::start().await;
    ctx.domain(
        "a",
        "tok-a",
        json!({"categories": ["Hardware"], "urgencies": ["Alta"]}),
    )
    .await;
    let without = |key: &str| {
        let mut b = ticket_body("x");
        b.as_object_mut().unwrap().remove(key);
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (without("createdBy"), "Ref. code is required"),
        (without("clients"), "Customers is required"),
        (
            {
                let mut b = ticket_body("x");
                b["clients"] = json!([]);
                b
            },
            "Customers is required",
        ),
        (without("actions"), "Actions is required"),
        (
            {
                let mut b = ticket_body("x");
                b["type"] = json!(3);
                b
            },
            "type 3",
        ),
        (without("type"), "Type is required"),
        (
            {
                let mut b = ticket_body("x");
                b["createdBy"] = json!({"id": "ghost"});
                b
            },
            "'ghost'",
        ),
        (
            {
                let mut b = ticket_body("x");
                b["clients"] = json!([{"id": "c1"}, {"id": "nobody"}]);
                b
            },
            "'nobody'",
        ),
        (
            {
                let mut b = ticket_body("x");
                b["actions"][0].as_object_mut().unwrap().remove("createdBy");
                b
            },
            "actions[0].createdBy",
        ),
        (
            {
                let mut b = ticket_body("x");
                b["status"] = json!("Inexistente");
                b
            },
            "'Inexistente'",
        ),
        (
            {
                let mut b = ticket_body("x");
                b["category"] = json!("Software");
                b
            },
            "'Software'",
        ),
        (
            {
                let mut b = ticket_body("x");
                b["urgency"] = json!("Baixa");
                b
            },
            "'Baixa'",
        ),
        (
            {
                let mut b = ticket_body("x");
                b["owner"] = json!({"id": "ag1"});
                b
            },
            "ownerTeam",
        ),
        (
            {
                let mut b = ticket_body("x");
                b["owner"] = json!({"id": "c1"});
                b["ownerTeam"] = json!("Suporte");
                b
            },
            "not an agent",
        ),
    ];
    for (body, expected) in cases {
        let (status, msg) = message(ctx.post("tok-a", "/tickets", &[], &body).await).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            msg.contains(expected),
            "message {msg:?} should contain {expected:?}"
        );
    }
    let resp = ctx
        .http
        .post(ctx.api("/tickets"))
        .query(&[("token", "tok-a")])
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // Nothing was created by the refused requests.
    let all = ctx.control_get("/_sandbox/movidesk/a/tickets").await;
    assert_eq!(all.as_array().unwrap().len(), 0);
    // Accepted names compare without regard to case and are stored canonically; ids may be numbers.
    let mut ok = ticket_body("ok");
    ok["category"] = json!("hardware");
    ok["clients"] = json!([{"id": "c1", "unknownField": true}]);
    let id = ctx.create_ticket("tok-a", &ok).await;
    assert_eq!(ctx.ticket("tok-a", id).await["category"], "Hardware");
}

#[tokio::test]
async fn get_returns_the_movidesk_shape() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    let mut body = ticket_body("Printer on fire");
    body["tags"] = json!(["printer", "vip"]);
    body["customFieldValues"] = json!([{"customFieldId": 35294, "customFieldRuleId": 17311, "line": 1,
        "items": [{"customFieldItem": "Internacional"}]}]);
    let resp = ctx.post("tok-a", "/tickets", &[], &body).await;
    assert_eq!(resp.status(), 200);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        created,
        json!({"id": 1001}),
        "POST answers only the numeric id"
    );

    let t = ctx.ticket("tok-a", 1001).await;
    assert_eq!(t["id"], json!("1001"), "GET returns the id as a string");
    assert_eq!(t["type"], 2);
    assert_eq!(t["subject"], "Printer on fire");
    assert_eq!(t["status"], "Novo");
    assert_eq!(t["baseStatus"], "New");
    assert_eq!(t["origin"], 9, "created through the web API");
    for key in ["createdDate", "lastUpdate", "lastActionDate"] {
        let s = t[key].as_str().unwrap();
        assert!(is_movidesk_date(s), "{key} = {s}");
    }
    assert_eq!(t["createdBy"]["id"], "ag1");
    assert_eq!(t["createdBy"]["email"], "agent1@a.com");
    assert_eq!(t["clients"][0]["id"], "c1");
    assert_eq!(t["clients"][0]["organization"]["id"], "org1");
    assert_eq!(t["clients"][0]["isDeleted"], false);
    assert_eq!(t["actionCount"], 1);
    let a = &t["actions"][0];
    assert_eq!(a["id"], 1);
    assert_eq!(a["origin"], 0, "first action");
    assert_eq!(a["description"], "It is burning", "GET holds plain text");
    assert_eq!(a["htmlDescription"], "<p>It is <b>burning</b></p>");
    assert_eq!(a["createdBy"]["id"], "c1");
    assert_eq!(a["status"], "Novo");
    assert_eq!(t["tags"], json!(["printer", "vip"]));
    assert_eq!(t["customFieldValues"][0]["customFieldId"], 35294);
    assert_eq!(
        t["customFieldValues"][0]["items"][0]["customFieldItem"],
        "Internacional"
    );
    assert_eq!(t["statusHistories"].as_array().unwrap().len(), 1);
    assert_eq!(t["statusHistories"][0]["status"], "Novo");
    for key in [
        "movideskTicketNumber",
        "linkedToIntegratedTicketNumber",
        "owner",
        "resolvedIn",
        "closedIn",
        "webhookEvents",
    ] {
        assert!(
            t.get(key).is_some_and(Value::is_null),
            "{key} present and null"
        );
    }
    assert_eq!(t["parentTickets"], json!([]));
    assert_eq!(t["childrenTickets"], json!([]));

    // returnAllProperties gives the full model; numbers keep increasing.
    let resp = ctx
        .post(
            "tok-a",
            "/tickets",
            &[("returnAllProperties", "true")],
            &ticket_body("second"),
        )
        .await;
    let full: Value = resp.json().await.unwrap();
    assert_eq!(full["id"], "1002");
    assert_eq!(full["actions"][0]["id"], 1);

    let resp = ctx.get("tok-a", "/tickets", &[("id", "99999")]).await;
    assert_eq!(resp.status(), 404);
    let resp = ctx.get("tok-a", "/tickets", &[("id", "abc")]).await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn list_requires_select_and_projects_fields() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    for s in ["one", "two", "three"] {
        ctx.create_ticket("tok-a", &ticket_body(s)).await;
    }
    let (status, msg) = message(ctx.get("tok-a", "/tickets", &[]).await).await;
    assert_eq!(status, 400);
    assert!(msg.contains("$select"), "{msg}");

    let list: Value = ctx
        .get("tok-a", "/tickets", &[("$select", "id,subject")])
        .await
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0], json!({"id": "1001", "subject": "one"}));

    let list: Value = ctx
        .get(
            "tok-a",
            "/tickets",
            &[
                ("$select", "id"),
                ("$expand", "actions,clients($expand=organization)"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["actions"][0]["id"], 1);
    assert_eq!(list[0]["clients"][0]["id"], "c1");
    assert!(list[0].get("subject").is_none());

    let list: Value = ctx
        .get(
            "tok-a",
            "/tickets",
            &[
                ("$select", "id"),
                ("$orderby", "id desc"),
                ("$top", "1"),
                ("$skip", "1"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([{"id": "1002"}]));

    for (key, value, needle) in [
        ("$select", "id,bogus", "bogus"),
        ("$filter", "id eq", "$filter"),
        ("$filter", "lastUpdate ge yesterday", "yesterday"),
        ("$filter", "owner.id eq '1'", "owner.id"),
        ("$orderby", "id sideways", "sideways"),
        ("$count", "true", "$count"),
        ("$top", "-1", "$top"),
    ] {
        let (status, msg) = message(
            ctx.get("tok-a", "/tickets", &[("$select", "id"), (key, value)])
                .await,
        )
        .await;
        assert_eq!(status, 400, "{key}={value}");
        assert!(msg.contains(needle), "{key}={value}: {msg}");
    }
}

#[tokio::test]
async fn list_filters_work() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    let before = chrono_like_now_minus_minutes(1);
    let mut b1 = ticket_body("one");
    b1["tags"] = json!(["VIP"]);
    let mut b2 = ticket_body("two");
    b2["clients"] = json!([{"id": "c2"}]);
    let mut b3 = ticket_body("three");
    b3["tags"] = json!(["vip", "other"]);
    b3["owner"] = json!({"id": "ag1"});
    b3["ownerTeam"] = json!("Suporte");
    for b in [&b1, &b2, &b3] {
        ctx.create_ticket("tok-a", b).await;
    }
    let ids = |filter: &str| {
        let filter = filter.to_owned();
        let ctx = &ctx;
        async move {
            let resp = ctx
                .get(
                    "tok-a",
                    "/tickets",
                    &[("$select", "id"), ("$filter", &filter), ("$orderby", "id")],
                )
                .await;
            assert_eq!(resp.status(), 200, "{filter}");
            let v: Value = resp.json().await.unwrap();
            v.as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("tags/any(t: t eq 'vip')").await, ["1001", "1003"]);
    assert_eq!(ids("tags/any(tag:tag eq 'other')").await, ["1003"]);
    assert_eq!(ids("clients/any(c: c/id eq 'c2')").await, ["1002"]);
    assert_eq!(ids("owner/id eq 'ag1'").await, ["1003"]);
    assert_eq!(ids("id eq 1002").await, ["1002"]);
    assert_eq!(
        ids(&format!("lastUpdate ge {before}")).await,
        ["1001", "1002", "1003"]
    );
    assert_eq!(
        ids("lastUpdate ge 2999-01-01T00:00:00.00z").await,
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&format!(
            "createdDate gt {before} and createdDate lt 2999-01-01T00:00:00Z"
        ))
        .await
        .len(),
        3
    );
    assert_eq!(
        ids("status eq 'Novo' and baseStatus eq 'New'").await.len(),
        3
    );
    assert_eq!(
        ids("(id eq 1001 or id eq 1002) and tags/any(x: x eq 'vip')").await,
        ["1001"]
    );
    assert_eq!(
        ids("id eq 1001 or id eq 1003 and baseStatus eq 'Closed'").await,
        ["1001"]
    );
}

fn chrono_like_now_minus_minutes(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .format("%Y-%m-%dT%H:%M:%S.00z")
        .to_string()
}

#[tokio::test]
async fn patch_replaces_lists_and_appends_actions() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    let mut body = ticket_body("patch me");
    body["tags"] = json!(["a", "b"]);
    body["clients"] = json!([{"id": "c1"}, {"id": "c2"}]);
    body["customFieldValues"] = json!([
        {"customFieldId": 1, "customFieldRuleId": 10, "line": 1, "value": "x"},
        {"customFieldId": 2, "customFieldRuleId": 10, "line": 1, "value": "y"}
    ]);
    let id = ctx.create_ticket("tok-a", &body).await;
    let qid = id.to_string();
    let q = [("id", qid.as_str())];
    let before = ctx.ticket("tok-a", id).await;

    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &q,
            &json!({
                "tags": ["c"],
                "clients": [{"id": 2}, {"id": "c2"}],
            }),
        )
        .await;
    // Client "2" does not exist: the whole PATCH is refused and nothing changes.
    assert_eq!(resp.status(), 400);
    assert_eq!(ctx.ticket("tok-a", id).await["tags"], json!(["a", "b"]));

    let resp = ctx
        .patch("tok-a", "/tickets", &q, &json!({
            "tags": ["c"],
            "clients": [{"id": "c2"}],
            "customFieldValues": [{"customFieldId": 2, "customFieldRuleId": 10, "line": 1, "value": "z"}],
            "actions": [
                {"id": 1, "type": 2, "description": "re-sent unchanged"},
                {"id": 0, "type": 1, "description": "<p>internal note</p>", "createdBy": {"id": "ag1"}}
            ]
        }))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.text().await.unwrap(),
        "",
        "PATCH answers an empty body"
    );
    let t = ctx.ticket("tok-a", id).await;
    assert_eq!(t["tags"], json!(["c"]), "tags replaced");
    let clients: Vec<&str> = t["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["c2"], "clients not sent are removed");
    assert_eq!(
        t["customFieldValues"].as_array().unwrap().len(),
        1,
        "custom fields not sent are removed"
    );
    assert_eq!(t["customFieldValues"][0]["value"], "z");
    let actions = t["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "existing action kept, new one appended");
    assert_eq!(
        actions[0]["description"], "It is burning",
        "re-sent action is unchanged"
    );
    assert_eq!(actions[1]["id"], 2);
    assert_eq!(actions[1]["type"], 1);
    assert_eq!(actions[1]["origin"], 9);
    assert_eq!(actions[1]["description"], "internal note");
    assert_eq!(t["subject"], "patch me", "fields not sent are kept");
    assert!(t["lastUpdate"].as_str().unwrap() > before["lastUpdate"].as_str().unwrap());

    // An action without id is appended too; sending only it does not delete the others.
    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &q,
            &json!({"actions": [{"type": 2, "description": "third", "createdBy": {"id": "c1"}}]}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let t = ctx.ticket("tok-a", id).await;
    assert_eq!(t["actions"].as_array().unwrap().len(), 3);
    assert_eq!(t["actionCount"], 3);

    // `"tags": []` clears.
    ctx.patch("tok-a", "/tickets", &q, &json!({"tags": []}))
        .await;
    assert_eq!(ctx.ticket("tok-a", id).await["tags"], json!([]));

    // Observed 500s: owner without ownerTeam, a new action without createdBy.
    let resp = ctx
        .patch("tok-a", "/tickets", &q, &json!({"owner": {"id": "ag1"}}))
        .await;
    assert_eq!(resp.status(), 500);
    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &q,
            &json!({"actions": [{"id": 0, "type": 1, "description": "who?"}]}),
        )
        .await;
    assert_eq!(resp.status(), 500);
    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &q,
            &json!({"actions": [{"id": 42, "description": "no such"}]}),
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        ctx.ticket("tok-a", id).await["actions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &q,
            &json!({"owner": {"id": "ag1"}, "ownerTeam": "Suporte"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let t = ctx.ticket("tok-a", id).await;
    assert_eq!(t["owner"]["id"], "ag1");
    assert_eq!(t["ownerTeam"], "Suporte");
    assert_eq!(t["ownerHistories"].as_array().unwrap().len(), 1);

    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &[("id", "99999")],
            &json!({"subject": "x"}),
        )
        .await;
    assert_eq!(resp.status(), 404);
    let resp = ctx
        .patch("tok-a", "/tickets", &[], &json!({"subject": "x"}))
        .await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn status_changes_keep_history_and_dates() {
    let ctx = Ctx::start().await;
    ctx.domain(
        "a",
        "tok-a",
        json!({
            "statuses": [
                {"name": "Novo", "base": "New"},
                {"name": "Em atendimento", "base": "InAttendance"},
                {"name": "Resolvido", "base": "Resolved"},
                {"name": "Cancelado", "base": "Canceled", "justifications": ["Duplicado"]}
            ]
        }),
    )
    .await;
    let id = ctx.create_ticket("tok-a", &ticket_body("status")).await;
    let qid = id.to_string();
    let q = [("id", qid.as_str())];

    let resp = ctx
        .patch("tok-a", "/tickets", &q, &json!({"status": "Resolvido"}))
        .await;
    assert_eq!(resp.status(), 200);
    let t = ctx.ticket("tok-a", id).await;
    assert_eq!(t["baseStatus"], "Resolved");
    assert!(common::is_movidesk_date(t["resolvedIn"].as_str().unwrap()));
    assert_eq!(t["statusHistories"].as_array().unwrap().len(), 2);

    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &q,
            &json!({"status": "Em atendimento"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let t = ctx.ticket("tok-a", id).await;
    assert_eq!(t["baseStatus"], "InAttendance");
    assert!(t["reopenedIn"].is_string());
    assert!(t["resolvedIn"].is_null());

    let resp = ctx
        .patch("tok-a", "/tickets", &q, &json!({"status": "Cancelado"}))
        .await;
    assert_eq!(resp.status(), 400, "this status needs a justification");
    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &q,
            &json!({"status": "Cancelado", "justification": "Outro"}),
        )
        .await;
    assert_eq!(resp.status(), 400);
    let resp = ctx
        .patch(
            "tok-a",
            "/tickets",
            &q,
            &json!({"status": "Cancelado", "justification": "Duplicado"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let t = ctx.ticket("tok-a", id).await;
    assert_eq!(t["baseStatus"], "Canceled");
    assert_eq!(t["justification"], "Duplicado");
    assert!(t["canceledIn"].is_string());
    let history: Vec<&str> = t["statusHistories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["Novo", "Resolvido", "Em atendimento", "Cancelado"]
    );
}

#[tokio::test]
async fn lists_only_show_tickets_updated_in_the_last_90_days() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    let old = ctx.create_ticket("tok-a", &ticket_body("old")).await;
    let recent = ctx.create_ticket("tok-a", &ticket_body("recent")).await;
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(100))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let (status, t) = ctx
        .control_send(
            reqwest::Method::PATCH,
            &format!("/_sandbox/movidesk/a/tickets/{old}"),
            &json!({"lastUpdate": long_ago}),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    let ids = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let list: Value = ctx
        .get("tok-a", "/tickets", &[("$select", "id")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(list), [recent.to_string()]);
    let past: Value = ctx
        .get("tok-a", "/tickets/past", &[("$select", "id")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(past), [old.to_string()]);
    // GET by id still finds it.
    assert_eq!(ctx.ticket("tok-a", old).await["subject"], "old");
}

#[tokio::test]
async fn a_new_tickets_origin_is_kept_ignored_or_refused_per_domain() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    ctx.domain("i", "tok-i", json!({"origin_on_create": "ignore"}))
        .await;
    ctx.domain("r", "tok-r", json!({"origin_on_create": "refuse"}))
        .await;
    let mut body = ticket_body("Integrated");
    body["origin"] = json!(19);
    let id = ctx.create_ticket("tok-a", &body).await;
    assert_eq!(ctx.ticket("tok-a", id).await["origin"], 19, "accepted");
    let id = ctx.create_ticket("tok-i", &body).await;
    assert_eq!(
        ctx.ticket("tok-i", id).await["origin"],
        9,
        "ignored: web API"
    );
    let (status, msg) = message(ctx.post("tok-r", "/tickets", &[], &body).await).await;
    assert_eq!((status, msg.contains("origin")), (400, true), "{msg}");
    let all = ctx.control_get("/_sandbox/movidesk/r/tickets").await;
    assert_eq!(all.as_array().unwrap().len(), 0, "a refusal writes nothing");
    body["origin"] = json!(99);
    let (status, msg) = message(ctx.post("tok-a", "/tickets", &[], &body).await).await;
    assert_eq!((status, msg.contains("origin 99")), (400, true), "{msg}");
    // Switched at run time: the same body now goes through without origin.
    let (status, _) = ctx
        .control_send(
            reqwest::Method::PATCH,
            "/_sandbox/movidesk/domains/r",
            &json!({"origin_on_create": "accept"}),
        )
        .await;
    assert_eq!(status, 200);
    body["origin"] = json!(19);
    let id = ctx.create_ticket("tok-r", &body).await;
    assert_eq!(ctx.ticket("tok-r", id).await["origin"], 19);
}

#[tokio::test]
async fn every_kind_of_field_item_is_kept_and_persons_must_exist() {
    let ctx = Ctx::start().await;
    ctx.domain("a", "tok-a", json!({})).await;
    let mut body = ticket_body("Fields");
    body["customFieldValues"] = json!([
        {"customFieldId": 1, "customFieldRuleId": 9, "line": 1, "items": [{"personId": "ag1"}]},
        {"customFieldId": 2, "customFieldRuleId": 9, "line": 1, "items": [{"clientId": "org1"}, {"clientId": "c1"}]},
        {"customFieldId": 3, "customFieldRuleId": 9, "line": 1, "items": [{"team": "Suporte"}]},
        {"customFieldId": 4, "customFieldRuleId": 9, "line": 1, "items": [{"storageFileGuid": "ab12", "fileName": "nota.pdf"}]}
    ]);
    let id = ctx.create_ticket("tok-a", &body).await;
    let t = ctx.ticket("tok-a", id).await;
    let cf = &t["customFieldValues"];
    assert_eq!(cf[0]["items"][0]["personId"], "ag1");
    assert_eq!(cf[1]["items"][1]["clientId"], "c1");
    assert_eq!(cf[2]["items"][0]["team"], "Suporte");
    assert_eq!(cf[3]["items"][0]["storageFileGuid"], "ab12");
    assert_eq!(cf[3]["items"][0]["fileName"], "nota.pdf");
    for (item, name) in [
        (json!({"personId": "ghost"}), "personId"),
        (json!({"clientId": "ghost"}), "clientId"),
    ] {
        body["customFieldValues"] =
            json!([{"customFieldId": 1, "customFieldRuleId": 9, "line": 1, "items": [item]}]);
        let (status, msg) = message(ctx.post("tok-a", "/tickets", &[], &body).await).await;
        assert_eq!(status, 400, "{msg}");
        assert!(
            msg.contains(&format!("items[0].{name}")) && msg.contains("'ghost'"),
            "{msg}"
        );
        let (status, msg) = message(
            ctx.patch(
                "tok-a",
                "/tickets",
                &[("id", &id.to_string())],
                &json!({"customFieldValues": body["customFieldValues"]}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 400, "PATCH too: {msg}");
    }
}
