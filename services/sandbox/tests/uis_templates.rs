//! UIS notification templates: the seed's three bodies, used verbatim, become valid JSON in both
//! substitution styles; unknown placeholders are reported.
#![allow(clippy::unwrap_used)]

mod okdesk_uis_support;

use okdesk_uis_support::{Ctx, LOST_TEMPLATE, RECORDED_TEMPLATE, Receiver, WAIT_TEMPLATE};
use reqwest::Method;
use serde_json::{Value, json};

async fn pbx(ctx: &Ctx, rx: &Receiver, substitution: &str) {
    let url = rx.url("/hooks/uis/okdesk-uis?token=s3cret");
    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/uis/accounts",
            &json!({
                "name": "pbx", "app_id": 12345, "substitution": substitution,
                "notification_delay_ms": 5,
                "employees": [
                    {"id": 501, "full_name": "Иванов Сергей", "extension": "101"},
                    {"id": 502, "full_name": "Смирнова Анна", "extension": 102}
                ],
                "notifications": [
                    {"event": "waiting_for_answer", "url": url, "method": "POST", "template": WAIT_TEMPLATE},
                    {"event": "recorded_conversation", "url": url, "template": RECORDED_TEMPLATE},
                    {"event": "lost_call", "url": url, "template": LOST_TEMPLATE}
                ]
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        v["notifications"][0]["url"],
        rx.url("/hooks/uis/okdesk-uis?token=REDACTED")
    );
}

async fn call(ctx: &Ctx, body: Value) -> Value {
    let (status, v) = ctx
        .control(Method::POST, "/_sandbox/uis/pbx/calls", &body)
        .await;
    assert_eq!(status, 201, "{v}");
    v
}

/// True for `YYYY-MM-DD HH:MM:SS.ffffff`.
fn is_micro_time(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    s.len() == 26
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            _ => c.is_ascii_digit(),
        })
}

#[tokio::test]
async fn seed_templates_render_json_literals() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    pbx(&ctx, &rx, "literal").await;

    let answered = call(
        &ctx,
        json!({"from": "79991234567", "virtual_number": "74950000000", "ring": ["101", "102"],
               "outcome": "answered", "answered_by": "102", "talk_seconds": 42, "record": true}),
    )
    .await;
    let id = answered["call_session_id"].as_u64().unwrap();
    let hits = rx.wait_for(3).await;
    for h in &hits {
        assert_eq!(h.method, "POST");
        assert_eq!(h.path, "/hooks/uis/okdesk-uis");
        assert_eq!(h.query.as_deref(), Some("token=s3cret"));
        assert_eq!(h.content_type.as_deref(), Some("application/json"));
        assert!(!h.body.is_null(), "not JSON: {}", h.raw);
    }
    // Byte for byte: only the placeholders change.
    assert_eq!(
        hits[0].raw,
        format!(
            "{{\n\"app_id\":12345,\n\"call_id\":{id},\n\"action\": \"wait\",\n\"extension_phone_number\": \"101\",\n\"phone\": \"79991234567\",\n\"direction\": \"in\"\n}}"
        )
    );
    assert_eq!(hits[1].body["extension_phone_number"], "102");
    let rec = &hits[2].body;
    assert_eq!(rec["action"], "history");
    assert_eq!(rec["app_id"], 12345);
    assert_eq!(rec["call_id"], id);
    assert_eq!(rec["direction"], "in");
    assert!(is_micro_time(&rec["started_at"]), "{}", rec["started_at"]);
    let file_url = rec["file_url"].as_str().unwrap();
    assert!(
        file_url.starts_with(&format!("{}/uis/media/{id}/", ctx.base)),
        "{file_url}"
    );
    assert_eq!(
        rec["phone_call"],
        json!({"duration": 42, "receiver_phone": "102", "source_phone": "79991234567"})
    );

    let lost = call(
        &ctx,
        json!({"from": "+7 (999) 765-43-21", "ring": ["101", "102"], "outcome": "lost", "wait_seconds": 20}),
    )
    .await;
    let lost_id = lost["call_session_id"].as_u64().unwrap();
    assert_ne!(lost_id, id);
    let hits = rx.wait_for(6).await;
    let l = &hits[5].body;
    assert_eq!(l["action"], "lost");
    assert_eq!(l["call_id"], lost_id);
    assert_eq!(l["file_url"], Value::Null, "a lost call has no recording");
    assert_eq!(
        l["noanswered_employee_full_names"],
        json!(["Иванов Сергей", "Смирнова Анна"])
    );
    assert_eq!(
        l["phone_call"],
        json!({"duration": null, "receiver_phone": null, "source_phone": "79997654321"})
    );
}

#[tokio::test]
async fn string_substitution_writes_every_value_as_a_json_string() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    pbx(&ctx, &rx, "string").await;
    let answered = call(
        &ctx,
        json!({"from": "79991234567", "ring": ["101"], "talk_seconds": 7}),
    )
    .await;
    let id = answered["call_session_id"].as_u64().unwrap();
    let lost_call = call(
        &ctx,
        json!({"from": "79991234567", "ring": [101, 102], "outcome": "lost"}),
    )
    .await;
    let lost_id = lost_call["call_session_id"].as_u64().unwrap();
    let hits = rx.wait_for(5).await;
    // Notifications are in order per call only: the two calls' may interleave.
    let of_call = |call_id: Value| -> Vec<Value> {
        hits.iter()
            .map(|h| h.body.clone())
            .filter(|b| b["call_id"] == call_id)
            .collect()
    };
    let first = of_call(json!(id.to_string()));
    assert_eq!(
        first[0],
        json!({"app_id": "12345", "call_id": id.to_string(), "action": "wait",
               "extension_phone_number": "101", "phone": "79991234567", "direction": "in"})
    );
    let rec = &first[1];
    assert_eq!(rec["phone_call"]["duration"], "7");
    assert!(rec["file_url"].as_str().unwrap().contains("/uis/media/"));
    let second = of_call(json!(lost_id.to_string()));
    let lost = second.last().unwrap();
    assert_eq!(lost["action"], "lost");
    assert_eq!(lost["file_url"], "", "null is an empty string");
    let names: Value =
        serde_json::from_str(lost["noanswered_employee_full_names"].as_str().unwrap()).unwrap();
    assert_eq!(
        names,
        json!(["Иванов Сергей", "Смирнова Анна"]),
        "an array JSON-encoded in a string"
    );
}

#[tokio::test]
async fn unknown_placeholders_are_left_null_and_reported() {
    let ctx = Ctx::start().await;
    let rx = Receiver::start().await;
    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/uis/accounts",
            &json!({"name": "pbx", "app_id": 1,
                    "employees": [{"id": 1, "full_name": "A", "extension": "101"}],
                    "notifications": [{"event": "call_finished", "url": rx.url("/x"),
                        "template": "{\"id\": {{call_session_id}}, \"nope\": {{no_such_var}}, \"text\": \"Звонок {{contact_phone_number}} длился {{talk_time_duration}} с\", \"ids\": {{employee_ids}}}"}]}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        v["notifications"][0]["placeholders"],
        json!([
            "call_session_id",
            "no_such_var",
            "contact_phone_number",
            "talk_time_duration",
            "employee_ids"
        ])
    );
    call(
        &ctx,
        json!({"from": "79991234567", "ring": ["101"], "talk_seconds": 12, "record": false}),
    )
    .await;
    let hit = &rx.wait_for(1).await[0];
    assert_eq!(hit.body["nope"], Value::Null);
    assert_eq!(hit.body["text"], "Звонок 79991234567 длился 12 с");
    assert_eq!(hit.body["ids"], json!([1]));
    let log = ctx.control_get("/_sandbox/uis/pbx/notifications").await;
    assert_eq!(
        log[0]["warnings"],
        json!(["unknown placeholder {{no_such_var}} left empty"])
    );
    assert_eq!(log[0]["event"], "call_finished");
    assert_eq!(log[0]["status"], 200);
}
