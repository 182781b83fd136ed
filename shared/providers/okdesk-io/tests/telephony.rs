//! The telephony commands against a scripted Okdesk (wiremock) and the real
//! Redis on this machine: what is sent, what is recorded in the call
//! history, and that repeats and resumed tries do not double anything.

use std::time::Duration;

use ponte_core::{Call, Command, Integration, Operation, Side};
use ponte_okdesk_io::{OkdeskExecutor, RateLimit};
use ponte_store::{CallOutcome, Store};
use ponte_worker::{Ctx, ExecError, Executor};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "okdesk-secret-token-123";

fn store() -> Store {
    let url = std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    Store::new(&url, &format!("t-okdesk-{}", uuid::Uuid::new_v4().simple())).expect("pool")
}

fn integration(base: &str, telephony: Value) -> Integration {
    serde_json::from_value(json!({
        "id": "uis-ok", "name": "UIS → Okdesk", "generator_agent": "1",
        "telephony": telephony,
        "source": {"provider": "uis", "base_url": "http://uis.invalid", "inbound_secret": "uis-secret-0123456789"},
        "target": {"provider": "okdesk", "base_url": format!("{base}/api/v1"),
                   "credentials": {"api_token": TOKEN}, "inbound_secret": "okdesk-secret-0123456789"},
    }))
    .expect("integration")
}

fn executor() -> OkdeskExecutor {
    OkdeskExecutor::new(RateLimit {
        per_second: 0,
        max_wait: Duration::from_secs(1),
    })
    .expect("executor")
}

fn call(id: &str) -> Call {
    serde_json::from_value(json!({
        "id": id, "direction": "in", "caller": "79991234567", "callee": "74950000000",
        "caller_name": "Петров Пётр", "extensions": ["101"], "employees": ["Иванова Анна"],
        "started_at": "2026-05-04T07:15:30Z", "finished_at": "2026-05-04T07:15:50Z",
        "talk_secs": 0, "wait_secs": 20, "recording_url": null
    }))
    .expect("call")
}

fn command(i: &Integration, op: Operation) -> Command {
    Command::new(i, Side::Target, "event-1", op)
}

async fn run(
    ex: &OkdeskExecutor,
    store: &Store,
    i: &Integration,
    id: &str,
    resumed: bool,
    op: Operation,
) -> Result<ponte_worker::Outcome, ExecError> {
    let ctx = Ctx::new(store, i, id, 0, resumed);
    ex.execute(&ctx, &command(i, op)).await
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

async fn requests(server: &MockServer, m: &str, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == m && r.url.path() == p)
        .collect()
}

async fn employees(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v1/employees/list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "first_name": "Анна", "last_name": "Иванова", "active": true, "telephony_number": "101"},
            {"id": 2, "first_name": "Борис", "last_name": "Сидоров", "active": true, "telephony_number": "102"}
        ])))
        .mount(server)
        .await;
}

#[tokio::test]
async fn an_unknown_caller_gets_a_card_then_the_pop() {
    let server = MockServer::start().await;
    employees(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/contacts/"))
        .and(query_param("phone", "+79991234567"))
        .and(query_param("api_token", TOKEN))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"errors": "Контакт не найден"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/companies/"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"errors": "Компания не найдена"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/contacts/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 12, "name": "Петров Пётр"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/telephony/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let store = store();
    let i = integration(&server.uri(), json!({"company_id": "5"}));
    store.put_integration(&i).await.expect("integration stored");
    let ex = executor();
    let out = run(
        &ex,
        &store,
        &i,
        "cmd-pop",
        false,
        Operation::PopCallerCard {
            call: Box::new(call("100")),
        },
    )
    .await
    .expect("popped");
    assert_eq!(out.result["popped_for"], json!(["101"]));
    assert_eq!(out.result["contact_created"], json!(true));

    let created = requests(&server, "POST", "/api/v1/contacts/").await;
    assert_eq!(created.len(), 1);
    let contact = &body(&created[0])["contact"];
    assert_eq!(contact["phone"], "+79991234567");
    assert_eq!(
        (
            contact["last_name"].as_str(),
            contact["first_name"].as_str()
        ),
        (Some("Петров"), Some("Пётр"))
    );
    assert_eq!(contact["company_id"], 5);
    let pops = requests(&server, "POST", "/api/v1/telephony/messages").await;
    assert_eq!(pops.len(), 1);
    assert_eq!(
        body(&pops[0]),
        json!({"telephony_numbers": [101], "search_numbers_count": 10, "phone": "+79991234567"})
    );

    let record = store
        .call("uis-ok", "100")
        .await
        .expect("redis")
        .expect("recorded");
    assert_eq!(record.outcome, CallOutcome::Ringing);
    assert_eq!(record.contact_id.as_deref(), Some("12"));
    assert_eq!(record.popped_for, ["101"]);

    // An extension nobody has: the command succeeds without a pop.
    let mut other = call("101");
    other.extensions = vec!["555".into()];
    let out = run(
        &ex,
        &store,
        &i,
        "cmd-pop-2",
        false,
        Operation::PopCallerCard {
            call: Box::new(other),
        },
    )
    .await
    .expect("no pop is not a failure");
    assert_eq!(out.result["popped_for"], json!([]));
    assert!(
        out.result["note"]
            .as_str()
            .is_some_and(|n| n.contains("555"))
    );
    assert_eq!(
        requests(&server, "POST", "/api/v1/telephony/messages")
            .await
            .len(),
        1
    );
    store.wipe().await.expect("wipe");
}

#[tokio::test]
async fn a_lost_call_opens_one_issue_even_when_the_worker_dies_between_steps() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/contacts/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 12, "name": "Петров Пётр", "company_id": 3})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/issues/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 7})))
        .mount(&server)
        .await;
    // The call list fails once (the worker "dies"), then takes the call.
    Mock::given(method("POST"))
        .and(path("/api/v1/phone_calls"))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_string("<html><title>502 Bad Gateway</title></html>"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/phone_calls"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .with_priority(2)
        .mount(&server)
        .await;
    let store = store();
    let i = integration(
        &server.uri(),
        json!({"missed_call_assignee": "2", "missed_call_title": "Пропущен {caller}"}),
    );
    let ex = executor();
    let op = || Operation::OpenMissedCallTicket {
        call: Box::new(call("200")),
    };
    let first = run(&ex, &store, &i, "cmd-lost", false, op()).await;
    let Err(ExecError::Transient { reason, .. }) = first else {
        panic!("expected a transient failure, got {first:?}")
    };
    assert!(reason.contains("502 Bad Gateway"), "{reason}");
    assert!(!reason.contains(TOKEN));
    let out = run(&ex, &store, &i, "cmd-lost", true, op())
        .await
        .expect("second try");
    assert_eq!(out.result["issue"], "7");
    assert_eq!(out.result["issue_reused"], json!(true));

    let issues = requests(&server, "POST", "/api/v1/issues/").await;
    assert_eq!(issues.len(), 1, "one issue however often the command runs");
    let issue = &body(&issues[0])["issue"];
    assert_eq!(issue["title"], "Пропущен +79991234567");
    assert_eq!(
        (
            issue["contact_id"].as_i64(),
            issue["company_id"].as_i64(),
            issue["assignee_id"].as_i64()
        ),
        (Some(12), Some(3), Some(2))
    );
    let description = issue["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("Иванова Анна") && description.contains("2026-05-04 10:15"),
        "{description}"
    );
    assert!(description.contains("ponte ref"), "{description}");
    let calls = requests(&server, "POST", "/api/v1/phone_calls").await;
    let linked = body(&calls[calls.len() - 1]);
    assert_eq!(linked["phone_call"]["issue_id"], 7);
    assert_eq!(linked["phone_call"]["started_at"], "2026-05-04 10:15");
    assert_eq!(linked["phone_call"]["source_phone"], "+79991234567");

    let record = store
        .call("uis-ok", "200")
        .await
        .expect("redis")
        .expect("recorded");
    assert_eq!(record.outcome, CallOutcome::Lost);
    assert_eq!(record.issue_id.as_deref(), Some("7"));
    store.wipe().await.expect("wipe");
}

#[tokio::test]
async fn the_call_list_takes_a_call_once_and_reports_okdesk_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/phone_calls"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({"errors": {"call_id": ["уже существует"]}})),
        )
        .mount(&server)
        .await;
    let store = store();
    let i = integration(&server.uri(), json!({"utc_offset": "+05:00"}));
    let ex = executor();
    let mut recorded = call("300");
    recorded.talk_secs = Some(95);
    recorded.recording_url = Some("https://media.uiscom.ru/300/1".into());
    let out = run(
        &ex,
        &store,
        &i,
        "cmd-log",
        false,
        Operation::LogCall {
            call: Box::new(recorded.clone()),
        },
    )
    .await
    .expect("a known call id is done");
    assert_eq!(out.result["already"], json!(true));
    let sent = body(&requests(&server, "POST", "/api/v1/phone_calls").await[0]);
    assert_eq!(
        sent["phone_call"]["started_at"], "2026-05-04 12:15",
        "in the desk's zone"
    );
    assert_eq!(sent["phone_call"]["duration"], 95);
    assert_eq!(
        sent["phone_call"]["file_url"],
        "https://media.uiscom.ru/300/1"
    );
    assert_eq!(sent["phone_call"]["receiver_phone"], "101");
    let record = store
        .call("uis-ok", "300")
        .await
        .expect("redis")
        .expect("recorded");
    assert_eq!(record.outcome, CallOutcome::Recorded);
    assert_eq!(
        record.recording_url.as_deref(),
        Some("https://media.uiscom.ru/300/1")
    );

    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/phone_calls"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({"errors": {"file_url": ["имеет неверный формат"]}})),
        )
        .mount(&server)
        .await;
    let err = run(
        &ex,
        &store,
        &i,
        "cmd-log-2",
        false,
        Operation::LogCall {
            call: Box::new(recorded),
        },
    )
    .await
    .expect_err("validation fails");
    assert!(matches!(err, ExecError::Permanent { .. }));
    let reason = err.to_string();
    assert!(
        reason.contains("file_url: имеет неверный формат"),
        "{reason}"
    );
    assert!(!reason.contains(TOKEN));
    assert_eq!(err.status(), Some(422));
    store.wipe().await.expect("wipe");
}

#[tokio::test]
async fn a_resumed_try_finds_the_issue_an_earlier_try_opened() {
    let server = MockServer::start().await;
    let reference = ponte_core::ids::reference("cmd-lost-resumed");
    Mock::given(method("GET"))
        .and(path("/api/v1/contacts/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 12, "name": "Петров Пётр"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/issues/list"))
        .and(query_param("contact_ids[]", "12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 40, "title": "other", "description": "something else"},
            {"id": 41, "title": "Пропущенный звонок", "description": format!("… <small>Ponte · {reference}</small>")}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/phone_calls"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    let store = store();
    let i = integration(&server.uri(), json!({}));
    let ex = executor();
    let out = run(
        &ex,
        &store,
        &i,
        "cmd-lost-resumed",
        true,
        Operation::OpenMissedCallTicket {
            call: Box::new(call("400")),
        },
    )
    .await
    .expect("resumed");
    assert_eq!(out.result["issue"], "41");
    assert!(
        requests(&server, "POST", "/api/v1/issues/")
            .await
            .is_empty()
    );
    let linked = body(&requests(&server, "POST", "/api/v1/phone_calls").await[0]);
    assert_eq!(linked["phone_call"]["issue_id"], 41);
    store.wipe().await.expect("wipe");
}
