//! Helpers shared by the Okdesk and UIS black-box tests: a sandbox on port 0, a standard Okdesk account,
//! the seed's UIS notification templates, and a receiver that records every request it gets.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::http::Method;
use ponte_sandbox::{RunningSandbox, Sandbox, SeedConfig};
use serde_json::{Value, json};

pub const TOKEN: &str = "ok-token-acme";

/// The seed's "Ожидание ответа (okdesk)" body, verbatim.
pub const WAIT_TEMPLATE: &str = r#"{
"app_id":{{app_id}},
"call_id":{{call_session_id}},
"action": "wait",
"extension_phone_number": {{extension_phone_number}},
"phone": {{contact_phone_number}},
"direction": {{direction}}
}"#;

/// The seed's "Записанный разговор (okdesk)" body, verbatim.
pub const RECORDED_TEMPLATE: &str = r#"{
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

/// The seed's "Потерянный звонок (okdesk)" body, verbatim.
pub const LOST_TEMPLATE: &str = r#"{
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

pub struct Ctx {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub base: String,
}

impl Ctx {
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    pub async fn start_with(seed: Option<SeedConfig>) -> Self {
        let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap(), seed)
            .await
            .unwrap();
        let base = sandbox.base_url();
        Self {
            sandbox,
            http: reqwest::Client::new(),
            base,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A URL of the Okdesk API with the token in the query.
    pub fn api(&self, path: &str) -> String {
        format!("{}{path}?api_token={TOKEN}", self.sandbox.okdesk_api_url())
    }

    /// Sends a request and reads the answer as JSON (Null when empty, a string when not JSON).
    pub async fn send(&self, method: Method, url: &str, body: Option<&Value>) -> (u16, Value) {
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    pub async fn ok_get(&self, path: &str) -> (u16, Value) {
        self.send(Method::GET, &self.api(path), None).await
    }

    /// GET with extra raw query text appended after the token (`&phone=%2B7…`).
    pub async fn ok_get_q(&self, path: &str, raw_query: &str) -> (u16, Value) {
        let url = format!("{}&{raw_query}", self.api(path));
        self.send(Method::GET, &url, None).await
    }

    pub async fn ok_post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(Method::POST, &self.api(path), Some(body)).await
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let (status, v) = self.send(Method::GET, &self.url(path), None).await;
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }

    pub async fn control(&self, method: Method, path: &str, body: &Value) -> (u16, Value) {
        self.send(method, &self.url(path), Some(body)).await
    }

    /// Registers the standard Okdesk account `acme`; `extra` fields override the defaults.
    pub async fn okdesk_account(&self, extra: Value) -> Value {
        let mut body = okdesk_account_body();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, v) = self
            .control(Method::POST, "/_sandbox/okdesk/accounts", &body)
            .await;
        assert_eq!(status, 201, "{v}");
        v
    }

    /// Creates an issue through the API and returns its id.
    pub async fn create_issue(&self, issue: Value) -> u64 {
        let (status, v) = self.ok_post("/issues/", &json!({ "issue": issue })).await;
        assert_eq!(status, 200, "{v}");
        v["id"].as_u64().expect("numeric id")
    }
}

/// The standard Okdesk account: two operators with extensions 101 and 102, an inactive one with 103,
/// a company and two contacts.
pub fn okdesk_account_body() -> Value {
    json!({
        "name": "acme",
        "api_token": TOKEN,
        "timezone": "Europe/Moscow",
        "webhook_delay_ms": 0,
        "groups": [{"id": 1, "name": "Первая линия"}],
        "employees": [
            {"id": 1, "first_name": "Сергей", "last_name": "Иванов", "patronymic": "Петрович",
             "telephony_number": "101", "active": true, "group_ids": [1], "roles": ["Администратор"]},
            {"id": 2, "first_name": "Анна", "last_name": "Смирнова", "telephony_number": 102},
            {"id": 3, "first_name": "Олег", "last_name": "Уволенный", "telephony_number": "103", "active": false}
        ],
        "companies": [
            {"id": 10, "name": "ООО Ромашка", "phone": "+7 (495) 111-22-33", "crm_1c_id": "R-1"}
        ],
        "contacts": [
            {"id": 20, "first_name": "Николай", "last_name": "Ставрогин", "company_id": 10,
             "phone": "+7 (999) 123-45-67", "email": "nik@romashka.ru"},
            {"id": 21, "first_name": "Мария", "last_name": "Лебядкина", "mobile_phone": "89995550011"}
        ]
    })
}

#[path = "../receiver/mod.rs"]
mod receiver;
use receiver::Accept;
#[allow(unused_imports)]
pub use receiver::Hit;

/// A receiver on port 0 that records every request (any method, any path) and answers 200.
pub struct Receiver(receiver::Receiver);

impl std::ops::Deref for Receiver {
    type Target = receiver::Receiver;

    fn deref(&self) -> &receiver::Receiver {
        &self.0
    }
}

impl Receiver {
    pub async fn start() -> Self {
        Self(receiver::Receiver::start(&["/{*rest}"], Accept::Any, 0).await)
    }
}
