//! Helpers shared by the black-box tests: a sandbox on port 0, a reqwest client, a standard domain and a
//! small webhook receiver.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use ponte_sandbox::{RunningSandbox, Sandbox, SeedConfig};
use serde_json::{Value, json};

pub struct Ctx {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub base: String,
}

pub fn persons() -> Value {
    json!([
        {"id": "ag1", "businessName": "Agent One", "profileType": 1, "personType": 1,
         "accessProfile": "Agentes", "teams": ["Suporte"],
         "emails": [{"emailType": "Profissional", "email": "agent1@a.com", "isDefault": true}]},
        {"id": "org1", "businessName": "ACME", "personType": 2, "profileType": 2, "cpfCnpj": "12345678000199"},
        {"id": "c1", "businessName": "Cliente Um", "profileType": 2, "cpfCnpj": "12345678900",
         "codeReferenceAdditional": "ext-c1",
         "emails": [{"emailType": "Pessoal", "email": "Cliente.Um@Example.com", "isDefault": true}],
         "contacts": [{"contactType": "Telefone celular", "contact": "+55 11 99999-0000", "isDefault": true}],
         "relationships": [{"id": "org1"}]},
        {"id": "c2", "businessName": "Cliente Dois", "profileType": 2,
         "emails": [{"email": "c2@example.com"}]}
    ])
}

/// A minimal valid ticket body.
pub fn ticket_body(subject: &str) -> Value {
    json!({
        "type": 2,
        "subject": subject,
        "createdBy": {"id": "ag1"},
        "clients": [{"id": "c1"}],
        "actions": [{"type": 2, "description": "<p>It is <b>burning</b></p>", "createdBy": {"id": "c1"}}]
    })
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

    pub fn api(&self, path: &str) -> String {
        format!("{}/movidesk/public/v1{path}", self.base)
    }

    /// Registers a domain; `extra` fields override the defaults (no limits, no webhook delay).
    pub async fn domain(&self, name: &str, token: &str, extra: Value) -> Value {
        let mut body = json!({
            "name": name, "token": token, "rate_limit_per_minute": 0,
            "lockout_after_failures": 0, "webhook_delay_ms": 0, "persons": persons()
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let resp = self
            .http
            .post(self.url("/_sandbox/movidesk/domains"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(status, 201, "{v}");
        v
    }

    pub async fn get(&self, token: &str, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .get(self.api(path))
            .query(&[("token", token)])
            .query(query)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> reqwest::Response {
        self.http
            .post(self.api(path))
            .query(&[("token", token)])
            .query(query)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> reqwest::Response {
        self.http
            .patch(self.api(path))
            .query(&[("token", token)])
            .query(query)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Creates a ticket through the public API and returns its number.
    pub async fn create_ticket(&self, token: &str, body: &Value) -> u64 {
        let resp = self.post(token, "/tickets", &[], body).await;
        let status = resp.status();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(status, 200, "{v}");
        v["id"].as_u64().expect("numeric id")
    }

    pub async fn ticket(&self, token: &str, id: u64) -> Value {
        let resp = self
            .get(token, "/tickets", &[("id", &id.to_string())])
            .await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let resp = self.http.get(self.url(path)).send().await.unwrap();
        assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
        resp.json().await.unwrap()
    }

    pub async fn control_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let resp = self
            .http
            .request(method, self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, v)
    }
}

#[path = "../receiver/mod.rs"]
mod receiver;
use receiver::Accept;
#[allow(unused_imports)]
pub use receiver::Hit;

/// A webhook receiver on port 0 that answers 500 to the first `fail_first` deliveries.
pub struct Receiver(receiver::Receiver);

impl std::ops::Deref for Receiver {
    type Target = receiver::Receiver;

    fn deref(&self) -> &receiver::Receiver {
        &self.0
    }
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Self {
        let routes = ["/hooks/movidesk/{integration}"];
        Self(receiver::Receiver::start(&routes, Accept::Post, fail_first).await)
    }

    /// The URL a Movidesk trigger would call, with its secret in the query.
    pub fn url(&self, secret: &str) -> String {
        self.0
            .url(&format!("/hooks/movidesk/movi-movi?token={secret}"))
    }
}

/// True when the string is a Movidesk date: `YYYY-MM-DDTHH:MM:SS.fffffff`, no offset.
pub fn is_movidesk_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 27
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            _ => c.is_ascii_digit(),
        })
}

/// Fails if any value in the tree is null (webhook bodies are partial: nulls are omitted).
pub fn assert_no_nulls(v: &Value, at: &str) {
    match v {
        Value::Null => panic!("null at {at}"),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| assert_no_nulls(x, &format!("{at}[{i}]"))),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| assert_no_nulls(x, &format!("{at}.{k}"))),
        _ => {}
    }
}

/// Fails unless every key in the tree starts with an upper-case letter.
pub fn assert_pascal_case(v: &Value, at: &str) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| assert_pascal_case(x, at)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            assert!(
                k.chars().next().is_some_and(char::is_uppercase),
                "key '{k}' at {at} is not PascalCase"
            );
            assert_pascal_case(x, &format!("{at}.{k}"));
        }),
        _ => {}
    }
}
