//! The seed's three bodies verbatim and Ponte's four templates, rendered the
//! ways UIS may substitute values, are accepted and read into the right
//! canonical change; broken bodies are refused naming the field.

use ponte_core::Change;
use ponte_uis::model::Event;
use ponte_uis::{accept, normalize, templates};
use serde_json::{Value, json};

/// The seed's templates, byte for byte (seeds/003, "Настройка уведомлений").
const SEED_WAIT: &str = r#"{
"app_id":{{app_id}},
"call_id":{{call_session_id}},
"action": "wait",
"extension_phone_number": {{extension_phone_number}},
"phone": {{contact_phone_number}},
"direction": {{direction}}
}"#;

const SEED_HISTORY: &str = r#"{
"app_id":{{app_id}},
"action": "history",
"call_id": {{call_session_id}},
"started_at": {{start_time}},
"direction": {{direction}},
"file_url": {{file_link}},
"phone_call": {
"duration": {{file_duration}},
"receiver_phone": {{extension_phone_number}},
"source_phone": {{contact_phone_number}}
}
}"#;

const SEED_LOST: &str = r#"{
"app_id":{{app_id}},
"action": "lost",
"call_id": {{call_session_id}},
"started_at": {{start_time}},
"direction": {{direction}},
"file_url": {{file_link}},
"noanswered_employee_full_names": {{noanswered_employee_full_names}},
"phone_call": {
"duration": {{file_duration}},
"receiver_phone": {{extension_phone_number}},
"source_phone": {{contact_phone_number}}
}
}"#;

#[derive(Clone, Copy, PartialEq)]
enum Style {
    /// JSON literals: numbers bare, strings quoted, arrays as arrays.
    Literal,
    /// Every value as a string; arrays and numbers JSON-encoded inside it.
    Strings,
}

/// What UIS knows about one call, as its variables.
fn vars(event: Event) -> serde_json::Map<String, Value> {
    let mut v = json!({
        "app_id": 12345,
        "call_session_id": 237859081_u64,
        "contact_phone_number": "79991234567",
        "virtual_phone_number": "74950000000",
        "contact_full_name": "Петров Пётр",
        "direction": "in",
        "start_time": "2026-05-04 10:15:30.123456",
        "employee_ids": [501, 502],
        "wait_time_duration": 20,
        "talk_time_duration": 95,
        "total_time_duration": 115,
        "noanswered_employee_full_names": ["Иванова Анна", "Сидоров Борис"],
    });
    let extra = match event {
        Event::Waiting => {
            json!({"extension_phone_number": "101", "employee_full_name": "Иванова Анна"})
        }
        Event::Recorded | Event::Finished => json!({
            "extension_phone_number": "102", "employee_full_name": "Сидоров Борис",
            "file_link": "https://media.uiscom.ru/237859081/5001", "file_duration": 95,
            "noanswered_employee_full_names": ["Иванова Анна"],
        }),
        Event::Lost => json!({"extension_phone_number": null, "employee_full_name": null,
            "file_link": null, "file_duration": null}),
    };
    let (Value::Object(mut v), Value::Object(extra)) = (v.take(), extra) else {
        return serde_json::Map::new();
    };
    v.extend(extra);
    v
}

/// Replaces every `{{name}}` the way UIS does outside strings.
fn render(template: &str, vars: &serde_json::Map<String, Value>, style: Style) -> Value {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find("}}").expect("closed placeholder");
        let name = after[..end].trim();
        let value = vars.get(name).cloned().unwrap_or(Value::Null);
        let text = match (style, &value) {
            (Style::Literal, v) => v.to_string(),
            (Style::Strings, Value::Null) => "\"\"".to_string(),
            (Style::Strings, Value::String(s)) => Value::String(s.clone()).to_string(),
            (Style::Strings, v) => Value::String(v.to_string()).to_string(),
        };
        out.push_str(&text);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("rendered body is not JSON ({e}): {out}"))
}

fn call_of(change: &Change) -> &ponte_core::Call {
    match change {
        Change::CallRinging { call }
        | Change::CallRecorded { call }
        | Change::CallLost { call }
        | Change::CallFinished { call } => call,
        other => panic!("not a call change: {other:?}"),
    }
}

#[test]
fn the_seed_bodies_are_accepted_verbatim() {
    for style in [Style::Literal, Style::Strings] {
        let wait = render(SEED_WAIT, &vars(Event::Waiting), style);
        let a = accept(&wait).expect("seed wait body");
        assert_eq!(
            (a.call_id.as_str(), a.event.as_str()),
            ("237859081", "wait:101")
        );
        let change = normalize::read(&wait).expect("reads");
        assert!(matches!(change, Change::CallRinging { .. }));
        let call = call_of(&change);
        assert_eq!(call.caller, "79991234567");
        assert_eq!(call.extensions, ["101"]);

        let history = render(SEED_HISTORY, &vars(Event::Recorded), style);
        assert_eq!(
            accept(&history).expect("seed history body").event,
            "history"
        );
        let change = normalize::read(&history).expect("reads");
        assert!(matches!(change, Change::CallRecorded { .. }));
        let call = call_of(&change);
        assert_eq!(
            call.recording_url.as_deref(),
            Some("https://media.uiscom.ru/237859081/5001")
        );
        assert_eq!(call.talk_secs, Some(95));
        assert_eq!(
            call.started_at.map(|t| t.to_rfc3339()),
            Some("2026-05-04T07:15:30.123456+00:00".into()),
            "microseconds, read as UTC+3"
        );

        let lost = render(SEED_LOST, &vars(Event::Lost), style);
        assert_eq!(accept(&lost).expect("seed lost body").event, "lost");
        let change = normalize::read(&lost).expect("reads");
        assert!(matches!(change, Change::CallLost { .. }));
        let call = call_of(&change);
        assert_eq!(call.employees, ["Иванова Анна", "Сидоров Борис"]);
        assert_eq!(call.caller, "79991234567");
        assert!(call.recording_url.is_none());
    }
}

#[test]
fn pontes_templates_are_accepted_in_every_substitution_style() {
    for t in templates::ALL {
        for style in [Style::Literal, Style::Strings] {
            let body = render(t.body, &vars(t.event), style);
            let a = accept(&body).unwrap_or_else(|e| panic!("{}: {e}", t.name));
            assert_eq!(a.call_id, "237859081");
            let change = normalize::read(&body).expect("reads");
            let call = call_of(&change);
            assert_eq!(call.caller, "79991234567", "{}", t.name);
            assert_eq!(call.caller_name.as_deref(), Some("Петров Пётр"));
            match t.event {
                Event::Waiting => assert_eq!(call.employees, ["Иванова Анна"]),
                Event::Lost => assert_eq!(call.wait_secs, Some(20)),
                Event::Finished => assert_eq!(call.talk_secs, Some(95)),
                Event::Recorded => assert!(call.recording_url.is_some()),
            }
        }
        assert_eq!(templates::for_event(t.event).body, t.body);
    }
}

#[test]
fn json_encoded_arrays_and_unix_times_are_tolerated() {
    let mut v = vars(Event::Lost);
    v.insert(
        "noanswered_employee_full_names".into(),
        json!("[\"Иванова Анна\",\"Сидоров Борис\"]"),
    );
    v.insert("employee_ids".into(), json!("[501,502]"));
    v.insert("start_time".into(), json!(1777878930));
    let body = render(templates::LOST, &v, Style::Literal);
    let change = normalize::read(&body).expect("reads");
    let call = call_of(&change);
    assert_eq!(call.employees, ["Иванова Анна", "Сидоров Борис"]);
    assert_eq!(
        call.started_at.map(|t| t.to_rfc3339()),
        Some("2026-05-04T07:15:30+00:00".into())
    );
}

#[test]
fn broken_bodies_name_the_field() {
    let base = render(templates::RECORDED, &vars(Event::Recorded), Style::Literal);
    let with = |path: &[&str], value: Value| {
        let mut b = base.clone();
        let mut node = &mut b;
        for p in &path[..path.len() - 1] {
            node = &mut node[*p];
        }
        node[path[path.len() - 1]] = value;
        accept(&b).map(|_| ()).unwrap_err().field
    };
    assert_eq!(with(&["action"], json!("hangup")), "action");
    assert_eq!(with(&["call_id"], json!(null)), "call_id");
    assert_eq!(with(&["call_id"], json!(["1"])), "call_id");
    assert_eq!(with(&["started_at"], json!("04/05/2026")), "started_at");
    assert_eq!(with(&["direction"], json!(2)), "direction");
    assert_eq!(with(&["file_url"], json!("media/5001")), "file_url");
    assert_eq!(
        with(&["phone_call", "duration"], json!("95s")),
        "phone_call.duration"
    );
    assert_eq!(
        with(&["phone_call", "source_phone"], json!("Петров")),
        "phone_call.source_phone"
    );
    let wait = render(templates::WAITING, &vars(Event::Waiting), Style::Literal);
    let mut no_phone = wait.clone();
    no_phone["phone"] = json!("");
    assert_eq!(accept(&no_phone).unwrap_err().field, "phone");
    assert_eq!(accept(&json!("wait")).unwrap_err().field, "body");
}

#[test]
fn the_docs_show_the_templates_verbatim() {
    let doc = include_str!("../../../../docs/uis-templates.md");
    for t in templates::ALL {
        assert!(
            doc.contains(t.body),
            "docs/uis-templates.md lacks the {} template as templates.rs has it",
            t.name
        );
        assert!(doc.contains(t.uis_event) && doc.contains(t.name));
    }
}
