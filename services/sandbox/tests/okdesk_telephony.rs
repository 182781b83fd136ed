//! Okdesk telephony: screen-pops (`/telephony/messages`) and the phone-call list (`/phone_calls`).
#![allow(clippy::unwrap_used)]

mod okdesk_uis_support;

use okdesk_uis_support::Ctx;
use serde_json::json;

#[tokio::test]
async fn screen_pop_reaches_the_employees_with_that_extension_with_the_callers_card() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;

    // The caller's number as the PBX gives it: 8 999… matches +7 (999)… on the last 10 digits.
    let (status, v) = ctx
        .ok_post(
            "/telephony/messages",
            &json!({"telephony_numbers": [101], "search_numbers_count": 10, "phone": "89991234567"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // Unknown caller, to two numbers given as strings, one of them an inactive employee's.
    let (status, _) = ctx
        .ok_post(
            "/telephony/messages",
            &json!({"telephony_numbers": ["102", "103", "555"], "search_numbers_count": 10, "phone": "+79000000000"}),
        )
        .await;
    assert_eq!(status, 200);
    // Company phone.
    let (status, _) = ctx
        .ok_post(
            "/telephony/messages",
            &json!({"telephony_numbers": [102], "search_numbers_count": 7, "phone": "+7 812 111-22-33"}),
        )
        .await;
    assert_eq!(status, 200);

    let pops = ctx.control_get("/_sandbox/okdesk/acme/screen_pops").await;
    let pops = pops.as_array().unwrap();
    assert_eq!(pops.len(), 3);
    assert_eq!(
        pops[0]["employees"],
        json!([{"id": 1, "name": "Иванов Сергей Петрович", "telephony_number": "101"}])
    );
    assert_eq!(pops[0]["card"]["type"], "contact");
    assert_eq!(pops[0]["card"]["id"], 20);
    assert_eq!(pops[0]["card"]["company_id"], 10);
    assert_eq!(pops[1]["employees"][0]["id"], 2);
    assert_eq!(
        pops[1]["employees"].as_array().unwrap().len(),
        1,
        "not the inactive one"
    );
    assert_eq!(
        pops[1]["unmatched_telephony_numbers"],
        json!(["103", "555"])
    );
    assert_eq!(
        pops[1]["card"],
        json!({"type": "unknown_caller", "phone": "+79000000000"})
    );
    assert_eq!(
        pops[2]["card"]["type"], "company",
        "the last 7 digits match the company"
    );
    assert_eq!(pops[2]["card"]["id"], 10);
}

#[tokio::test]
async fn screen_pop_input_is_validated_naming_the_field() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;
    let cases = [
        (
            json!({"search_numbers_count": 10, "phone": "+79991234567"}),
            json!({"telephony_numbers": ["обязателен"]}),
        ),
        (
            json!({"telephony_numbers": [101, "x1"], "phone": "+79991234567"}),
            json!({"telephony_numbers": {"1": ["должно иметь тип integer"]}}),
        ),
        (
            json!({"telephony_numbers": [101], "search_numbers_count": 11, "phone": "+79991234567"}),
            json!({"search_numbers_count": ["должно быть меньше или равно 10"]}),
        ),
        (
            json!({"telephony_numbers": [101], "search_numbers_count": 0, "phone": "+79991234567"}),
            json!({"search_numbers_count": ["должно быть больше или равно 1"]}),
        ),
        (
            json!({"telephony_numbers": [101]}),
            json!({"phone": ["обязателен"]}),
        ),
    ];
    for (body, errors) in cases {
        let (status, v) = ctx.ok_post("/telephony/messages", &body).await;
        assert_eq!(status, 422, "{body}: {v}");
        assert_eq!(v["errors"], errors, "{body}");
    }
    let pops = ctx.control_get("/_sandbox/okdesk/acme/screen_pops").await;
    assert_eq!(pops, json!([]), "nothing recorded for bad requests");
}

#[tokio::test]
async fn phone_calls_are_recorded_in_the_account_zone_and_a_resent_call_id_is_refused() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({})).await;
    let issue = ctx
        .create_issue(json!({"title": "Пропущенный звонок"}))
        .await;

    let (status, v) = ctx
        .ok_post(
            "/phone_calls",
            &json!({"phone_call": {"started_at": "2026-09-30 07:16"}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(v, json!({"errors": {"call_id": ["обязателен"]}}));

    let call = json!({"phone_call": {
        "call_id": "237859081", "started_at": "2026-09-30 07:16", "finished_at": "2026-09-30 07:17",
        "duration": 42, "direction": 0, "source_phone": "+79991234567", "receiver_phone": "101",
        "search_numbers_count": 10, "file_url": "http://127.0.0.1:1/uis/media/237859081/5001",
        "issue_id": issue
    }});
    let (status, v) = ctx.ok_post("/phone_calls", &call).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["call_id"], "237859081");
    assert_eq!(v["started_at"], "2026-09-30T07:16:00.000+03:00");
    assert_eq!(
        v["started_at_utc"], "2026-09-30T04:16:00Z",
        "read in Europe/Moscow"
    );
    assert_eq!(v["contact"]["id"], 20);
    assert_eq!(v["company"]["id"], 10);
    assert_eq!(
        v["employee"]["id"], 1,
        "receiver_phone is the operator's extension"
    );

    // The same call_id again (a client resending after a lost answer): refused, nothing added.
    let (status, v) = ctx.ok_post("/phone_calls", &call).await;
    assert_eq!(status, 422);
    assert_eq!(v, json!({"errors": {"call_id": ["уже существует"]}}));

    // An outgoing call: the client is the receiver.
    let (status, v) = ctx
        .ok_post(
            "/phone_calls/",
            &json!({"phone_call": {"call_id": "out-1", "started_at": "2026-09-30 08:00",
                                   "direction": 1, "source_phone": "102", "receiver_phone": "89995550011",
                                   "duration": 5}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["contact"]["id"], 21);
    assert_eq!(v["employee"]["id"], 2);

    let bad = json!({"phone_call": {"call_id": "b", "started_at": "30.09.2026 07:16",
        "finished_at": "2026-09-30 07:17", "duration": -1, "direction": 2,
        "search_numbers_count": 20, "file_url": "ftp://x/y.mp3", "issue_id": 999}});
    let (status, v) = ctx.ok_post("/phone_calls", &bad).await;
    assert_eq!(status, 422);
    let errors = v["errors"].as_object().unwrap();
    for field in [
        "started_at",
        "duration",
        "direction",
        "search_numbers_count",
        "file_url",
        "issue_id",
    ] {
        assert!(errors.contains_key(field), "{field} not named: {v}");
    }

    let calls = ctx.control_get("/_sandbox/okdesk/acme/phone_calls").await;
    assert_eq!(calls.as_array().unwrap().len(), 2);
    let view = ctx
        .control_get(&format!("/_sandbox/okdesk/acme/issues/{issue}"))
        .await;
    assert_eq!(
        view["phone_calls"][0]["call_id"], "237859081",
        "linked to the issue"
    );
    assert_eq!(
        view["phone_calls"][0]["file_url"],
        "http://127.0.0.1:1/uis/media/237859081/5001"
    );
}

#[tokio::test]
async fn a_numeric_call_id_and_the_account_zone_are_honoured() {
    let ctx = Ctx::start().await;
    ctx.okdesk_account(json!({"timezone": "Asia/Yekaterinburg"}))
        .await;
    let (status, v) = ctx
        .ok_post(
            "/phone_calls",
            &json!({"phone_call": {"call_id": 1700000000, "started_at": "2026-09-30 07:16", "source_phone": "+70000000000"}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["call_id"], "1700000000", "stored as a string");
    assert_eq!(v["started_at"], "2026-09-30T07:16:00.000+05:00");
    assert_eq!(v["started_at_utc"], "2026-09-30T02:16:00Z");
    assert_eq!(v["contact"], json!(null), "unknown caller");
}
