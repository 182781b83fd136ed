//! Seed 003: UIS telephony → Okdesk, end to end on the sandbox. The
//! sandbox's PBX places calls and POSTs Ponte's notification templates
//! (docs/uis-templates.md) to the ingress; every notification is delivered
//! three times (the sandbox's byte-identical resends) and must have one
//! effect in the sandbox's Okdesk account.

use std::time::Duration;

use ponte_e2e::{Options, Svc, TestFleet};
use reqwest::Method;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

/// The Okdesk employees: Ponte's own (no extension), and two who answer.
const ANNA: u64 = 2;
const BORIS: u64 = 3;
/// Matched by name only (her UIS id is not in `employee_extensions`).
const MARIA: u64 = 4;
/// A known caller: contact 10 of company 5.
const KNOWN_PHONE: &str = "79991112233";
const KNOWN_CONTACT: u64 = 10;

struct Telephony {
    integration: String,
    okdesk: String,
    uis: String,
    secret: String,
}

/// Whether the fleet launcher knows the Okdesk worker yet (it gives ports
/// to the services of `Svc::ALL` only).
fn options() -> Options {
    Options {
        services: vec![
            Svc::Sandbox,
            Svc::Admin,
            Svc::Router,
            Svc::WorkerOkdesk,
            Svc::Ingress,
        ],
        env: vec![("PONTE_OKDESK_RATE_PER_SECOND".into(), "0".into())],
    }
}

async fn start() -> TestFleet {
    TestFleet::start(options()).await
}

/// Calls the sandbox's control API; panics on a non-2xx answer.
async fn control(t: &TestFleet, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut req = t
        .http
        .request(method, format!("{}/_sandbox{path}", t.url(Svc::Sandbox)));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "sandbox {path}: {status} {v}");
    v
}

async fn list(t: &TestFleet, path: &str) -> Vec<Value> {
    control(t, Method::GET, path, None)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// An Okdesk account (Okdesk in UTC+5, UIS in Moscow time), a UIS PBX
/// whose four notifications carry Ponte's templates to the ingress, and the
/// integration between them.
async fn telephony(t: &TestFleet, id: &str) -> Telephony {
    telephony_with(
        t,
        id,
        json!({"company_id": "5", "utc_offset": "+05:00", "missed_call_assignee": "3"}),
    )
    .await
}

/// Like [`telephony`] with the integration's own `telephony` settings.
async fn telephony_with(t: &TestFleet, id: &str, settings: Value) -> Telephony {
    telephony_templates(t, id, settings, templates()).await
}

/// Like [`telephony_with`], with the notification bodies UIS sends.
async fn telephony_templates(
    t: &TestFleet,
    id: &str,
    settings: Value,
    templates: Vec<(&'static str, String)>,
) -> Telephony {
    let s = Telephony {
        integration: id.to_string(),
        okdesk: format!("{}-{id}-okdesk", t.ns),
        uis: format!("{}-{id}-uis", t.ns),
        secret: format!("uis-secret-{}-0123456789", t.ns),
    };
    let token = format!("okdesk-token-{}", s.okdesk);
    control(
        t,
        Method::POST,
        "/okdesk/accounts",
        Some(json!({
            "name": s.okdesk, "api_token": token, "timezone": "Asia/Yekaterinburg",
            "api_employee_id": 1,
            "employees": [
                {"id": 1, "first_name": "Ponte", "last_name": "Интеграция"},
                {"id": ANNA, "first_name": "Анна", "last_name": "Иванова", "telephony_number": "101"},
                {"id": BORIS, "first_name": "Борис", "last_name": "Сидоров", "telephony_number": 102},
                {"id": MARIA, "first_name": "Мария", "last_name": "Петрова", "telephony_number": "103"}
            ],
            "companies": [{"id": 5, "name": "ООО Ромашка", "phone": "+7 (495) 000-00-01"}],
            "contacts": [{"id": KNOWN_CONTACT, "first_name": "Пётр", "last_name": "Петров",
                          "company_id": 5, "phone": "+7 999 111-22-33"}]
        })),
    )
    .await;
    t.admin
        .put(
            &format!("/integrations/{id}"),
            &json!({
                "id": id, "name": "UIS → Okdesk", "enabled": true, "generator_agent": "1",
                "reconcile_every_secs": 0,
                "telephony": settings,
                "source": {"provider": "uis", "base_url": "http://uis.invalid", "inbound_secret": s.secret},
                "target": {"provider": "okdesk", "base_url": format!("{}/okdesk/api/v1", t.url(Svc::Sandbox)),
                           "credentials": {"api_token": token},
                           "inbound_secret": format!("okdesk-secret-{}-0123456789", t.ns)}
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    let url = format!("{}/hooks/uis/{id}?token={}", t.url(Svc::Ingress), s.secret);
    let notifications: Vec<Value> = templates
        .into_iter()
        .map(|(event, body)| json!({"event": event, "url": url, "template": body}))
        .collect();
    control(
        t,
        Method::POST,
        "/uis/accounts",
        Some(json!({
            "name": s.uis, "app_id": 12345,
            "employees": [
                {"id": 501, "full_name": "Иванова Анна", "extension": "101"},
                {"id": 502, "full_name": "Сидоров Борис", "extension": "102"},
                {"id": 503, "full_name": "Петрова Мария", "extension": "103"},
                {"id": 504, "full_name": "Новиков Олег", "extension": "104"}
            ],
            "notifications": notifications,
            "notification_delay_ms": 20
        })),
    )
    .await;
    s
}

/// The bodies docs/uis-templates.md tells a customer to paste, by UIS event.
fn templates() -> Vec<(&'static str, String)> {
    let doc = include_str!("../../docs/uis-templates.md");
    let bodies: Vec<String> = doc
        .split("```json\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .map(str::to_string)
        .collect();
    let by_action = |action: &str| {
        bodies
            .iter()
            .find(|b| b.contains(&format!("\"action\": \"{action}\"")))
            .cloned()
            .unwrap_or_else(|| panic!("docs/uis-templates.md has no `{action}` body"))
    };
    vec![
        ("waiting_for_answer", by_action("wait")),
        ("recorded_conversation", by_action("history")),
        ("lost_call", by_action("lost")),
        ("call_finished", by_action("finished")),
    ]
}

async fn place_call(t: &TestFleet, s: &Telephony, call: Value) -> Value {
    control(
        t,
        Method::POST,
        &format!("/uis/{}/calls", s.uis),
        Some(call),
    )
    .await
}

/// Sends every notification of the call twice more: three deliveries each.
async fn resend_all(t: &TestFleet, s: &Telephony, call: &Value) {
    let id = call["call_session_id"].as_u64().unwrap_or_default();
    let mut events: Vec<String> = call["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect();
    events.dedup();
    for event in events {
        control(
            t,
            Method::POST,
            &format!("/uis/{}/calls/{id}/resend", s.uis),
            Some(json!({"event": event, "times": 2})),
        )
        .await;
    }
}

/// Waits until UIS delivered `n` notifications of the call and Ponte
/// accepted each (202), then until the router has nothing left, and a
/// moment for the worker: whatever was going to happen has happened.
async fn settle(t: &TestFleet, s: &Telephony, call: &Value, n: usize) {
    let id = call["call_session_id"].clone();
    t.eventually("every notification accepted", WAIT, || async {
        let d: Vec<Value> = list(t, &format!("/uis/{}/notifications", s.uis))
            .await
            .into_iter()
            .filter(|d| d["call_session_id"] == id)
            .collect();
        let accepted = d.iter().filter(|d| d["status"] == 202).count();
        let failed: Vec<String> = d
            .iter()
            .filter(|d| d["status"].as_u64().is_some_and(|s| s != 202))
            .map(|d| format!("{} → {} {}", d["event"], d["status"], d["error"]))
            .collect();
        assert!(failed.is_empty(), "notifications refused: {failed:?}");
        (accepted >= n).then_some(())
    })
    .await;
    t.eventually("the router's queues empty", WAIT, || async {
        (t.events_waiting().await == 0).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

fn digits(v: &Value) -> String {
    v.as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

async fn pops_for(t: &TestFleet, s: &Telephony, phone: &str) -> Vec<Value> {
    list(t, &format!("/okdesk/{}/screen_pops", s.okdesk))
        .await
        .into_iter()
        .filter(|p| digits(&p["phone"]) == phone)
        .collect()
}

async fn phone_calls(t: &TestFleet, s: &Telephony, call: &Value) -> Vec<Value> {
    let id = call["call_session_id"].to_string();
    list(t, &format!("/okdesk/{}/phone_calls", s.okdesk))
        .await
        .into_iter()
        .filter(|c| c["call_id"].as_str() == Some(id.as_str()))
        .collect()
}

/// The call's line of the call history (admin API).
async fn history(t: &TestFleet, s: &Telephony, call: &Value) -> Value {
    let id = call["call_session_id"].to_string();
    let all = t
        .admin
        .get(&format!("/calls?integration={}", s.integration))
        .await
        .unwrap_or_else(|e| panic!("calls: {e}"));
    all["calls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|c| c["call_id"].as_str() == Some(id.as_str()))
        .unwrap_or_else(|| panic!("call {id} not in the history: {all}"))
}

/// `2026-05-04T07:15:30.123456Z` → `2026-05-04T07:15`.
fn minute(rfc3339: &Value) -> String {
    rfc3339
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(16)
        .collect()
}

#[tokio::test]
async fn a_known_caller_is_popped_for_the_right_employee_and_the_recorded_call_listed() {
    let t = start().await;
    let s = telephony(&t, "uis-known").await;
    let call = place_call(
        &t,
        &s,
        json!({"from": KNOWN_PHONE, "ring": ["102"], "talk_seconds": 95, "record": true}),
    )
    .await;
    resend_all(&t, &s, &call).await;
    // waiting, finished, recorded: three deliveries each.
    settle(&t, &s, &call, 9).await;

    let pops = pops_for(&t, &s, KNOWN_PHONE).await;
    assert_eq!(
        pops.len(),
        1,
        "one pop however often UIS notifies: {pops:?}"
    );
    let employees: Vec<u64> = pops[0]["employees"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .collect();
    assert_eq!(employees, [BORIS], "only the rung employee: {pops:?}");
    assert_eq!(pops[0]["card"]["type"], "contact");
    assert_eq!(pops[0]["card"]["id"], KNOWN_CONTACT);

    let entries = phone_calls(&t, &s, &call).await;
    assert_eq!(entries.len(), 1, "one call-list entry: {entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["file_url"], call["file_link"]);
    assert!(
        entry["file_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http"))
    );
    assert_eq!(entry["duration"], 95);
    assert_eq!(entry["direction"], 0);
    assert_eq!(digits(&entry["source_phone"]), KNOWN_PHONE);
    assert_eq!(entry["receiver_phone"], "102");
    assert_eq!(entry["employee"]["id"], BORIS);
    assert_eq!(entry["contact"]["id"], KNOWN_CONTACT);
    assert_eq!(
        minute(&entry["started_at_utc"]),
        minute(&call["start_time"]),
        "UIS time (UTC+3) → Okdesk time (UTC+5), same instant"
    );
    let recording = t
        .http
        .get(entry["file_url"].as_str().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(recording.status().is_success(), "the recording plays");

    let h = history(&t, &s, &call).await;
    assert_eq!(h["outcome"], "recorded");
    assert_eq!(h["recording_url"], call["file_link"]);
    assert_eq!(h["popped_for"], json!(["102"]));
    assert_eq!(h["contact_id"], KNOWN_CONTACT.to_string());
    assert_eq!(h["caller"], KNOWN_PHONE);
    t.teardown().await;
}

#[tokio::test]
async fn a_new_caller_gets_a_contact_card_then_the_pop() {
    let t = start().await;
    let s = telephony(&t, "uis-new").await;
    let phone = "79990000042";
    let call = place_call(
        &t,
        &s,
        json!({"from": phone, "ring": ["101"], "outcome": "lost", "wait_seconds": 15}),
    )
    .await;
    resend_all(&t, &s, &call).await;
    settle(&t, &s, &call, 6).await;

    let contacts: Vec<Value> = list(&t, &format!("/okdesk/{}/contacts", s.okdesk))
        .await
        .into_iter()
        .filter(|c| digits(&c["phone"]) == phone)
        .collect();
    assert_eq!(
        contacts.len(),
        1,
        "one card for the new caller: {contacts:?}"
    );
    let contact = &contacts[0];
    assert_eq!(contact["company_id"], 5, "telephony.company_id");
    let pops = pops_for(&t, &s, phone).await;
    assert_eq!(pops.len(), 1, "{pops:?}");
    assert_eq!(
        pops[0]["card"],
        json!({"type": "contact", "id": contact["id"], "name": contact["name"], "company_id": 5}),
        "the card existed when it was popped"
    );
    assert_eq!(pops[0]["employees"][0]["id"], ANNA);
    let h = history(&t, &s, &call).await;
    assert_eq!(h["contact_id"], contact["id"].to_string());
    t.teardown().await;
}

#[tokio::test]
async fn a_lost_call_opens_one_issue_with_the_call_linked() {
    let t = start().await;
    let s = telephony(&t, "uis-lost").await;
    let call = place_call(
        &t,
        &s,
        json!({"from": KNOWN_PHONE, "ring": ["101", "102"], "outcome": "lost", "wait_seconds": 25}),
    )
    .await;
    resend_all(&t, &s, &call).await;
    // Two waiting (one per rung employee) and the lost call, three times each.
    settle(&t, &s, &call, 9).await;

    let issues = list(&t, &format!("/okdesk/{}/issues", s.okdesk)).await;
    assert_eq!(issues.len(), 1, "one issue for the missed call: {issues:?}");
    let issue = &issues[0];
    assert_eq!(
        issue["title"],
        format!("Пропущенный звонок от +{KNOWN_PHONE}")
    );
    assert_eq!(
        issue["assignee"]["id"], BORIS,
        "telephony.missed_call_assignee"
    );
    assert_eq!(issue["contact"]["id"], KNOWN_CONTACT);
    assert_eq!(issue["company_id"], 5);
    let description = issue["description"].as_str().unwrap_or_default();
    for who in ["Иванова Анна", "Сидоров Борис", "Петров Пётр", "25"]
    {
        assert!(description.contains(who), "{who} in {description}");
    }
    let linked = issue["phone_calls"].as_array().cloned().unwrap_or_default();
    assert_eq!(linked.len(), 1, "the call is linked to the issue: {issue}");
    assert_eq!(linked[0]["call_id"], call["call_session_id"].to_string());
    assert_eq!(phone_calls(&t, &s, &call).await.len(), 1);
    assert_eq!(
        pops_for(&t, &s, KNOWN_PHONE).await.len(),
        2,
        "one pop per rung employee"
    );

    let h = history(&t, &s, &call).await;
    assert_eq!(h["outcome"], "lost");
    assert_eq!(h["issue_id"], issue["id"].to_string());

    // A body Ponte cannot read is refused, naming the field.
    let r = t
        .http
        .post(format!(
            "{}/hooks/uis/{}?token={}",
            t.url(Svc::Ingress),
            s.integration,
            s.secret
        ))
        .json(&json!({"action": "wait", "call_id": 1, "extension_phone_number": "101"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap_or(Value::Null);
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("phone")),
        "{e}"
    );
    t.teardown().await;
}

#[tokio::test]
async fn okdesk_failures_are_retried_or_parked_with_okdesk_s_reason() {
    let t = start().await;
    // An assignee Okdesk does not know: missed-call issues fail validation.
    let s = telephony_with(
        &t,
        "uis-faults",
        json!({"company_id": "5", "utc_offset": "+05:00", "missed_call_assignee": "99"}),
    )
    .await;
    // Only the call-list and lost-call notifications, so the first POST
    // Ponte makes is the call-list entry.
    let only: Vec<Value> = templates()
        .into_iter()
        .filter(|(e, _)| matches!(*e, "recorded_conversation" | "lost_call"))
        .map(|(event, body)| {
            json!({"event": event, "url": format!("{}/hooks/uis/{}?token={}", t.url(Svc::Ingress), s.integration, s.secret), "template": body})
        })
        .collect();
    control(
        &t,
        Method::PATCH,
        &format!("/uis/accounts/{}", s.uis),
        Some(json!({"notifications": only})),
    )
    .await;
    // Okdesk applies the next POST but answers 503 (an answer lost on the way).
    control(
        &t,
        Method::PUT,
        &format!("/faults/okdesk/{}", s.okdesk),
        Some(json!({"error_rate": 1.0, "error_status": 503, "count": 1, "methods": ["POST"], "after_effect": true})),
    )
    .await;
    let call = place_call(
        &t,
        &s,
        json!({"from": KNOWN_PHONE, "ring": ["101"], "talk_seconds": 40}),
    )
    .await;
    let call_id = call["call_session_id"].to_string();
    t.eventually("the recorded call in the history", WAIT, || async {
        let h = t
            .admin
            .get(&format!("/calls?integration={}", s.integration))
            .await
            .ok()?;
        h["calls"]
            .as_array()?
            .iter()
            .any(|c| c["call_id"].as_str() == Some(call_id.as_str()) && c["outcome"] == "recorded")
            .then_some(())
    })
    .await;
    let entries = phone_calls(&t, &s, &call).await;
    assert_eq!(
        entries.len(),
        1,
        "the retry found the entry there: {entries:?}"
    );
    let posts: Vec<Value> = list(
        &t,
        &format!("/requests?provider=okdesk&domain={}&method=POST", s.okdesk),
    )
    .await
    .into_iter()
    .filter(|r| {
        r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/phone_calls"))
    })
    .collect();
    let statuses: Vec<&Value> = posts.iter().map(|r| &r["status"]).collect();
    assert_eq!(
        statuses,
        [&json!(503), &json!(422)],
        "retried once: {posts:?}"
    );

    let lost = place_call(
        &t,
        &s,
        json!({"from": KNOWN_PHONE, "ring": ["102"], "outcome": "lost"}),
    )
    .await;
    let parked = t
        .eventually("the missed-call issue parked", WAIT, || async {
            let v = t.admin.get("/dead-letters?queue=okdesk").await.ok()?;
            v["dead_letters"].as_array()?.first().cloned()
        })
        .await;
    let reason = parked["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("assignee_id") && reason.contains("не найден"),
        "Okdesk's validation error is the reason: {parked}"
    );
    assert!(!reason.contains("okdesk-token"), "no token in the reason");
    assert_eq!(parked["attempts"], 1, "a validation error is not retried");
    assert!(
        list(&t, &format!("/okdesk/{}/issues", s.okdesk))
            .await
            .is_empty(),
        "no issue for {lost}"
    );
    t.teardown().await;
}

/// Bodies as other integrators publish them (Planfix, CRM handlers): the
/// event is `notification_mnemonic`, the only times are the
/// notification's own, employees are named by UIS id and full name, and
/// there is no `extension_phone_number`.
fn published_templates() -> Vec<(&'static str, String)> {
    let waiting = r#"{"notification_mnemonic": {{notification_mnemonic}}, "notification_name": {{notification_name}}, "notification_time": {{notification_time}}, "virtual_phone_number": {{virtual_phone_number}}, "contact_phone_number": {{contact_phone_number}}, "contact_full_name": {{contact_full_name}}, "call_session_id": {{call_session_id}}, "employee_id": {{employee_id}}, "employee_full_name": {{employee_full_name}}, "direction": {{direction}}}"#;
    let recorded = r#"{"notification_mnemonic": {{notification_mnemonic}}, "notification_timestamp": {{notification_timestamp}}, "call_session_id": {{call_session_id}}, "contact_phone_number": {{contact_phone_number}}, "employee_id": {{employee_id}}, "employee_full_name": {{employee_full_name}}, "file_link": {{file_link}}, "file_duration": {{file_duration}}, "wait_time_duration": {{wait_time_duration}}}"#;
    let lost = r#"{"notification_mnemonic": {{notification_mnemonic}}, "notification_time": {{notification_time}}, "notification_timestamp": {{notification_timestamp}}, "call_session_id": {{call_session_id}}, "contact_phone_number": {{contact_phone_number}}, "wait_time_duration": {{wait_time_duration}}, "employee_ids": {{employee_ids}}}"#;
    vec![
        ("waiting_for_answer", waiting.to_string()),
        ("recorded_conversation", recorded.to_string()),
        ("lost_call", lost.to_string()),
    ]
}

/// `start_time` of a placed call in the desk's zone (UTC+5), to the minute.
fn desk_minute(call: &Value) -> String {
    let start = call["start_time"].as_str().unwrap_or_default();
    chrono::DateTime::parse_from_rfc3339(start)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(5 * 3600).expect("zone"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|e| panic!("start_time {start}: {e}"))
}

#[tokio::test]
async fn published_templates_keep_call_times_and_name_who_missed_the_call() {
    let t = start().await;
    let s = telephony_templates(
        &t,
        "uis-published",
        json!({"company_id": "5", "utc_offset": "+05:00", "missed_call_assignee": "3",
               "employee_extensions": {"501": "101", "502": "102"}}),
        published_templates(),
    )
    .await;

    // A lost call: the time comes only from notification_time, who did not
    // answer only from employee_ids.
    let lost = place_call(
        &t,
        &s,
        json!({"from": KNOWN_PHONE, "ring": ["101", "102"], "outcome": "lost", "wait_seconds": 25}),
    )
    .await;
    settle(&t, &s, &lost, 3).await;
    let issues = list(&t, &format!("/okdesk/{}/issues", s.okdesk)).await;
    assert_eq!(issues.len(), 1, "{issues:?}");
    let description = issues[0]["description"].as_str().unwrap_or_default();
    assert!(
        description.contains(&format!("в {}", desk_minute(&lost))),
        "the call's time in the desk's zone: {description}"
    );
    assert!(
        description.contains("Не ответили: Иванова Анна, Сидоров Борис"),
        "named from employee_ids: {description}"
    );
    let h = history(&t, &s, &lost).await;
    assert_eq!(minute(&h["started_at"]), minute(&lost["start_time"]));
    let entries = phone_calls(&t, &s, &lost).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        minute(&entries[0]["started_at_utc"]),
        minute(&lost["start_time"]),
        "the call-list entry is stamped with the call's time, not Ponte's"
    );
    let pops: Vec<Value> = pops_for(&t, &s, KNOWN_PHONE).await;
    let mut popped: Vec<u64> = pops
        .iter()
        .filter_map(|p| p["employees"][0]["id"].as_u64())
        .collect();
    popped.sort_unstable();
    assert_eq!(popped, [ANNA, BORIS], "popped by employee id: {pops:?}");

    // A recorded call: only notification_timestamp; the employee named by
    // full name alone (her id is not mapped).
    let recorded = place_call(
        &t,
        &s,
        json!({"from": KNOWN_PHONE, "ring": ["103"], "talk_seconds": 95, "wait_seconds": 7}),
    )
    .await;
    settle(&t, &s, &recorded, 2).await;
    let entries = phone_calls(&t, &s, &recorded).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        minute(&entries[0]["started_at_utc"]),
        minute(&recorded["start_time"])
    );
    assert_eq!(entries[0]["duration"], 95);
    let h = history(&t, &s, &recorded).await;
    assert_eq!(minute(&h["started_at"]), minute(&recorded["start_time"]));
    assert_eq!(h["popped_for"], json!(["103"]), "matched by name: {h}");
    let pops = pops_for(&t, &s, KNOWN_PHONE).await;
    assert!(
        pops.iter().any(|p| p["employees"][0]["id"] == MARIA),
        "{pops:?}"
    );

    // An employee Ponte cannot map: no pop, and the history and a metric
    // say why.
    let before = t
        .metric_sum(
            Svc::WorkerOkdesk,
            "ponte_call_pops_skipped_total",
            "employee_unmapped",
        )
        .await;
    let unmapped = place_call(
        &t,
        &s,
        json!({"from": "79990000077", "ring": ["104"], "outcome": "lost", "wait_seconds": 10}),
    )
    .await;
    settle(&t, &s, &unmapped, 2).await;
    let h = history(&t, &s, &unmapped).await;
    assert_eq!(h["popped_for"], json!([]));
    let notes = h["notes"].to_string();
    assert!(
        notes.contains("id 504") && notes.contains("employee_extensions"),
        "the history says why no card was popped: {h}"
    );
    assert!(pops_for(&t, &s, "79990000077").await.is_empty());
    let after = t
        .metric_sum(
            Svc::WorkerOkdesk,
            "ponte_call_pops_skipped_total",
            "employee_unmapped",
        )
        .await;
    assert!(after > before, "metric {before} → {after}");
    let issue = list(&t, &format!("/okdesk/{}/issues", s.okdesk))
        .await
        .into_iter()
        .find(|i| {
            i["title"]
                .as_str()
                .is_some_and(|x| x.contains("79990000077"))
        })
        .unwrap_or_else(|| panic!("no issue for the unmapped call"));
    assert!(
        issue["description"]
            .as_str()
            .is_some_and(|d| d.contains("сотрудник UIS 504")),
        "{issue}"
    );
    t.teardown().await;
}

#[tokio::test]
async fn calls_from_one_new_number_at_once_make_one_contact() {
    let t = start().await;
    let s = telephony(&t, "uis-race").await;
    // Every Okdesk request takes a while: each call's search for the
    // number ends before any card is created.
    control(
        &t,
        Method::PUT,
        &format!("/faults/okdesk/{}", s.okdesk),
        Some(json!({"latency_ms": 400})),
    )
    .await;
    let phone = "79990000055";
    let mut calls = Vec::new();
    for ext in ["101", "102", "101", "102"] {
        calls.push(
            place_call(
                &t,
                &s,
                json!({"from": phone, "ring": [ext], "outcome": "lost", "wait_seconds": 5}),
            )
            .await,
        );
    }
    for call in &calls {
        settle(&t, &s, call, 2).await;
    }
    t.eventually("every missed call has its issue", WAIT, || async {
        let n = list(&t, &format!("/okdesk/{}/issues", s.okdesk))
            .await
            .len();
        (n == calls.len()).then_some(())
    })
    .await;
    let contacts: Vec<Value> = list(&t, &format!("/okdesk/{}/contacts", s.okdesk))
        .await
        .into_iter()
        .filter(|c| digits(&c["phone"]) == phone)
        .collect();
    assert_eq!(contacts.len(), 1, "one card per number: {contacts:?}");
    let id = &contacts[0]["id"];
    for issue in list(&t, &format!("/okdesk/{}/issues", s.okdesk)).await {
        assert_eq!(&issue["contact"]["id"], id, "{issue}");
    }
    for call in &calls {
        let h = history(&t, &s, call).await;
        assert_eq!(h["contact_id"], id.to_string(), "{h}");
        for entry in phone_calls(&t, &s, call).await {
            assert_eq!(&entry["contact"]["id"], id, "{entry}");
        }
    }
    t.teardown().await;
}

#[tokio::test]
async fn a_missed_call_whose_issue_answer_was_lost_opens_one_issue() {
    let t = start().await;
    let s = telephony(&t, "uis-replay").await;
    // Only the lost-call notification: the first POST is the issue.
    let only: Vec<Value> = templates()
        .into_iter()
        .filter(|(e, _)| *e == "lost_call")
        .map(|(event, body)| {
            json!({"event": event, "url": format!("{}/hooks/uis/{}?token={}", t.url(Svc::Ingress), s.integration, s.secret), "template": body})
        })
        .collect();
    control(
        &t,
        Method::PATCH,
        &format!("/uis/accounts/{}", s.uis),
        Some(json!({"notifications": only})),
    )
    .await;
    // Okdesk creates the issue but the answer is lost.
    control(
        &t,
        Method::PUT,
        &format!("/faults/okdesk/{}", s.okdesk),
        Some(json!({"error_rate": 1.0, "error_status": 502, "count": 1, "methods": ["POST"], "after_effect": true})),
    )
    .await;
    let call = place_call(
        &t,
        &s,
        json!({"from": KNOWN_PHONE, "ring": ["101"], "outcome": "lost", "wait_seconds": 12}),
    )
    .await;
    let call_id = call["call_session_id"].to_string();
    t.eventually(
        "the missed call has its issue in the history",
        WAIT,
        || async {
            let h = t
                .admin
                .get(&format!("/calls?integration={}", s.integration))
                .await
                .ok()?;
            h["calls"]
                .as_array()?
                .iter()
                .any(|c| {
                    c["call_id"].as_str() == Some(call_id.as_str()) && !c["issue_id"].is_null()
                })
                .then_some(())
        },
    )
    .await;
    let issues = list(&t, &format!("/okdesk/{}/issues", s.okdesk)).await;
    assert_eq!(
        issues.len(),
        1,
        "the retry found the issue the lost answer created: {issues:?}"
    );
    let h = history(&t, &s, &call).await;
    assert_eq!(h["issue_id"], issues[0]["id"].to_string());
    let lists: Vec<Value> = list(
        &t,
        &format!("/requests?provider=okdesk&domain={}&method=GET", s.okdesk),
    )
    .await
    .into_iter()
    .filter(|r| {
        r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/issues/list"))
    })
    .collect();
    assert!(
        lists.iter().any(|r| r["status"] == 200),
        "the worker looked the issue up: {lists:?}"
    );
    let entries = phone_calls(&t, &s, &call).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["issue_id"], issues[0]["id"], "{entries:?}");
    t.teardown().await;
}
