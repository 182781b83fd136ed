//! The UIS call simulator: the order and content of notifications for answered and lost calls, the
//! recordings it serves, resends and drops, and its validation.
#![allow(clippy::unwrap_used)]

mod okdesk_uis_support;

use okdesk_uis_support::{Ctx, Receiver};
use reqwest::Method;
use serde_json::{Value, json};

/// A template echoing every documented variable, so the tests see what each event carries.
const ALL_VARS: &str = r#"{"event": {{notification_mnemonic}}, "name": {{notification_name}}, "app_id": {{app_id}},
"call_session_id": {{call_session_id}}, "extension_phone_number": {{extension_phone_number}},
"contact_phone_number": {{contact_phone_number}}, "virtual_phone_number": {{virtual_phone_number}},
"direction": {{direction}}, "employee_id": {{employee_id}}, "employee_full_name": {{employee_full_name}},
"employee_ids": {{employee_ids}}, "leg_id": {{leg_id}}, "file_link": {{file_link}},
"file_duration": {{file_duration}}, "talk_time_duration": {{talk_time_duration}},
"total_time_duration": {{total_time_duration}}, "wait_time_duration": {{wait_time_duration}},
"start_time": {{start_time}}, "notification_time": {{notification_time}},
"contact_full_name": {{contact_full_name}}, "noanswered_employee_full_names": {{noanswered_employee_full_names}},
"lost_reason": {{lost_reason}}}"#;

async fn pbx(ctx: &Ctx, rx: &Receiver) {
    let url = rx.url("/hooks/uis/int-1?token=s3cret");
    let notifications: Vec<Value> = [
        "waiting_for_answer",
        "call_finished",
        "recorded_conversation",
        "lost_call",
    ]
    .iter()
    .map(|e| json!({"event": e, "url": url, "template": ALL_VARS}))
    .collect();
    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/uis/accounts",
            &json!({
                "name": "pbx", "app_id": 777, "notification_delay_ms": 5, "timestamp_format": "seconds",
                "virtual_numbers": ["+7 495 000-00-00"],
                "employees": [
                    {"id": 501, "full_name": "Иванов Сергей", "extension": "101"},
                    {"id": 502, "full_name": "Смирнова Анна", "extension": "102"},
                    {"id": 503, "full_name": "Петров Иван", "extension": "103"}
                ],
                "contacts": [{"id": 9001, "full_name": "Ставрогин Николай", "phone_number": "79991234567"}],
                "notifications": notifications
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
}

async fn call(ctx: &Ctx, body: Value) -> Value {
    let (status, v) = ctx
        .control(Method::POST, "/_sandbox/uis/pbx/calls", &body)
        .await;
    assert_eq!(status, 201, "{v}");
    v
}

fn events(hits: &[okdesk_uis_support::Hit]) -> Vec<String> {
    hits.iter()
        .map(|h| h.body["event"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_answered_recorded_call_rings_each_leg_then_finishes_then_is_recorded() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    pbx(&ctx, &rx).await;
    let c = call(
        &ctx,
        json!({"from": "79991234567", "ring": ["101", "102", "103"], "outcome": "answered",
               "answered_by": "102", "talk_seconds": 42, "wait_seconds": 8, "record": true}),
    )
    .await;
    let id = c["call_session_id"].as_u64().unwrap();
    assert_eq!(c["virtual_phone_number"], "74950000000");
    assert_eq!(
        c["events"],
        json!([
            "waiting_for_answer",
            "waiting_for_answer",
            "waiting_for_answer",
            "call_finished",
            "recorded_conversation"
        ])
    );
    let legs = c["legs"].as_array().unwrap();
    let hits = rx.settle(5).await;
    assert_eq!(
        events(&hits),
        [
            "waiting_for_answer",
            "waiting_for_answer",
            "waiting_for_answer",
            "call_finished",
            "recorded_conversation"
        ]
    );
    for (i, (h, ext)) in hits.iter().zip(["101", "102", "103"]).enumerate() {
        let b = &h.body;
        assert_eq!(b["name"], "Ожидание ответа");
        assert_eq!(b["app_id"], 777);
        assert_eq!(b["call_session_id"], id);
        assert_eq!(
            b["extension_phone_number"], ext,
            "one notification per rung employee"
        );
        assert_eq!(b["leg_id"], legs[i]["leg_id"]);
        assert_eq!(b["employee_id"], 501 + i as u64);
        assert_eq!(b["contact_full_name"], "Ставрогин Николай");
        assert_eq!(b["direction"], "in");
        assert_eq!(b["file_link"], Value::Null, "not a variable of this event");
    }
    let leg_ids: Vec<&Value> = hits[..3].iter().map(|h| &h.body["leg_id"]).collect();
    assert!(leg_ids[0] != leg_ids[1] && leg_ids[1] != leg_ids[2]);

    let fin = &hits[3].body;
    assert_eq!(fin["name"], "Завершение звонка");
    assert_eq!(fin["employee_id"], 502, "who answered");
    assert_eq!(fin["extension_phone_number"], "102");
    assert_eq!(fin["employee_ids"], json!([501, 502, 503]));
    assert_eq!(
        fin["noanswered_employee_full_names"],
        json!(["Иванов Сергей", "Петров Иван"])
    );
    assert_eq!(fin["talk_time_duration"], 42);
    assert_eq!(fin["wait_time_duration"], 8);
    assert_eq!(fin["total_time_duration"], 50);
    let start = fin["start_time"].as_str().unwrap();
    assert_eq!(start.len(), 19, "seconds format: {start}");
    assert_ne!(
        fin["notification_time"], fin["start_time"],
        "finished 50 s after the start"
    );

    let rec = &hits[4].body;
    assert_eq!(rec["name"], "Записанный разговор");
    assert_eq!(rec["file_duration"], 42);
    assert_eq!(rec["employee_full_name"], "Смирнова Анна");
    let link = rec["file_link"].as_str().unwrap();
    assert_eq!(Some(link), c["file_link"].as_str());
    let resp = ctx.http.get(link).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "audio/mpeg");
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"ID3"), "an MP3");
    assert!(bytes.len() > 1000);
    let missing = link.rsplit_once('/').unwrap().0.to_owned() + "/1";
    assert_eq!(ctx.http.get(missing).send().await.unwrap().status(), 404);

    let log = ctx.control_get("/_sandbox/uis/pbx/notifications").await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|r| r["status"] == 200 && r["attempt"] == 1));
    assert!(
        log.iter()
            .all(|r| r["url"].as_str().unwrap().ends_with("token=REDACTED"))
    );
    let view = ctx
        .control_get(&format!("/_sandbox/uis/pbx/calls/{id}"))
        .await;
    assert_eq!(view["outcome"], "answered");
    assert_eq!(view["notifications"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_lost_call_rings_then_reports_who_did_not_answer() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    pbx(&ctx, &rx).await;
    let c = call(
        &ctx,
        json!({"from": "+7 999 000 11 22", "ring": [101, 103], "outcome": "lost", "wait_seconds": 20}),
    )
    .await;
    assert_eq!(c["file_link"], Value::Null);
    let hits = rx.settle(3).await;
    assert_eq!(
        events(&hits),
        ["waiting_for_answer", "waiting_for_answer", "lost_call"]
    );
    let lost = &hits[2].body;
    assert_eq!(lost["name"], "Потерянный звонок");
    assert_eq!(lost["contact_phone_number"], "79990001122");
    assert_eq!(lost["contact_full_name"], Value::Null, "an unknown caller");
    assert_eq!(lost["employee_ids"], json!([501, 503]));
    assert_eq!(
        lost["noanswered_employee_full_names"],
        json!(["Иванов Сергей", "Петров Иван"])
    );
    assert_eq!(lost["wait_time_duration"], 20);
    assert_eq!(lost["talk_time_duration"], 0);
    assert_eq!(lost["lost_reason"], "no_answer");
    assert_eq!(lost["file_link"], Value::Null);
    assert_eq!(lost["employee_id"], Value::Null);
}

#[tokio::test]
async fn resend_repeats_the_identical_notification_and_drop_loses_the_next_ones() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    pbx(&ctx, &rx).await;
    let c = call(
        &ctx,
        json!({"from": "79991234567", "ring": ["101"], "outcome": "lost"}),
    )
    .await;
    let id = c["call_session_id"].as_u64().unwrap();
    let first = rx.settle(2).await;

    let (status, v) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/uis/pbx/calls/{id}/resend"),
            &json!({"event": "lost_call", "times": 3}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    assert_eq!(v["queued"], 3);
    let hits = rx.settle(5).await;
    for h in &hits[2..] {
        assert_eq!(h.raw, first[1].raw, "a resend is byte-identical");
    }
    let log = ctx.control_get("/_sandbox/uis/pbx/notifications").await;
    let resent = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resend"] == true)
        .count();
    assert_eq!(resent, 3);

    let (status, v) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/uis/pbx/calls/{id}/resend"),
            &json!({"event": "recorded_conversation"}),
        )
        .await;
    assert_eq!(status, 400, "a lost call sent no recording: {v}");
    let (status, _) = ctx
        .control(
            Method::POST,
            "/_sandbox/uis/pbx/calls/1/resend",
            &json!({"event": "lost_call"}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = ctx
        .control(
            Method::POST,
            &format!("/_sandbox/uis/pbx/calls/{id}/resend"),
            &json!({"event": "lost"}),
        )
        .await;
    assert_eq!(status, 400);

    // Drop the next two: the two waiting_for_answer of the next call never arrive.
    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/uis/pbx/notifications/drop",
            &json!({"count": 2}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["pending_drops"], 2);
    call(
        &ctx,
        json!({"from": "79991234567", "ring": ["101", "102"], "record": false}),
    )
    .await;
    let hits = rx.settle(6).await;
    assert_eq!(hits[5].body["event"], "call_finished");
    let log = ctx.control_get("/_sandbox/uis/pbx/notifications").await;
    let dropped: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["dropped"] == true)
        .collect();
    assert_eq!(dropped.len(), 2);
    assert!(
        dropped
            .iter()
            .all(|r| r["event"] == "waiting_for_answer" && r["attempt"] == 0)
    );
    let (status, _) = ctx
        .control(
            Method::DELETE,
            "/_sandbox/uis/pbx/notifications",
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        ctx.control_get("/_sandbox/uis/pbx/notifications").await,
        json!([])
    );
}

#[tokio::test]
async fn get_notifications_carry_values_in_the_url() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/uis/accounts",
            &json!({"name": "pbx", "app_id": 1, "notification_delay_ms": 0,
                    "employees": [{"id": 1, "full_name": "A", "extension": "101"}],
                    "notifications": [{"event": "waiting_for_answer", "method": "GET",
                        "url": rx.url("/pop?ext={{extension_phone_number}}&phone={{contact_phone_number}}&name={{employee_full_name}}")}]}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    call(&ctx, json!({"from": "79991234567", "ring": ["101"]})).await;
    let hit = &rx.settle(1).await[0];
    assert_eq!(hit.method, "GET");
    assert_eq!(hit.path, "/pop");
    assert_eq!(
        hit.query.as_deref(),
        Some("ext=101&phone=79991234567&name=A")
    );
    assert_eq!(hit.raw, "");
}

#[tokio::test]
async fn calls_and_accounts_are_validated_naming_the_field() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    pbx(&ctx, &rx).await;
    let cases = [
        (
            json!({"from": "79991234567", "ring": ["101", "105"]}),
            "ring[1]",
        ),
        (json!({"from": "79991234567", "ring": []}), "ring"),
        (
            json!({"from": "79991234567", "ring": ["101"], "answered_by": "102"}),
            "answered_by",
        ),
        (
            json!({"from": "79991234567", "ring": ["101"], "outcome": "lost", "answered_by": "101"}),
            "answered_by",
        ),
        (
            json!({"from": "79991234567", "ring": ["101"], "virtual_number": "74990000000"}),
            "virtual_number",
        ),
        (json!({"from": "x", "ring": ["101"]}), "from"),
        (
            json!({"from": "79991234567", "ring": ["101"], "outcome": "busy"}),
            "outcome",
        ),
        (
            json!({"from": "79991234567", "ring": ["101"], "talk_secs": 4}),
            "talk_secs",
        ),
    ];
    for (body, field) in cases {
        let (status, v) = ctx
            .control(Method::POST, "/_sandbox/uis/pbx/calls", &body)
            .await;
        assert_eq!(status, 400, "{body}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(field), "{field} not named in '{msg}'");
    }
    assert_eq!(ctx.control_get("/_sandbox/uis/pbx/calls").await, json!([]));
    let (status, _) = ctx
        .control(
            Method::POST,
            "/_sandbox/uis/nobody/calls",
            &json!({"from": "79991234567", "ring": ["101"]}),
        )
        .await;
    assert_eq!(status, 404);

    let dup = json!({"name": "pbx", "app_id": 1});
    let (status, _) = ctx
        .control(Method::POST, "/_sandbox/uis/accounts", &dup)
        .await;
    assert_eq!(status, 409);
    let bad =
        json!({"name": "p2", "app_id": 1, "notifications": [{"event": "talk", "url": "http://x"}]});
    let (status, v) = ctx
        .control(Method::POST, "/_sandbox/uis/accounts", &bad)
        .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("talk"),
        "{v}"
    );
    let bad = json!({"name": "p2", "app_id": 1, "employees": [{"id": 1, "full_name": "A", "extension": "1234567"}]});
    let (status, v) = ctx
        .control(Method::POST, "/_sandbox/uis/accounts", &bad)
        .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("extension"),
        "{v}"
    );
}
