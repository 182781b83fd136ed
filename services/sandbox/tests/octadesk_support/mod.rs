//! Helpers shared by the Octadesk black-box tests: a sandbox on port 0, a standard tenant, login helpers for
//! the legacy API, header helpers for v1, a JWT payload reader and a webhook receiver.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::http::HeaderMap;
use ponte_sandbox::{RunningSandbox, Sandbox, SeedConfig};
use reqwest::Method;
use serde_json::{Value, json};

pub const ADMIN: &str = "admin@acme.com";
pub const ADMIN_PASSWORD: &str = "s3cret-Admin";
pub const AGENT: &str = "ana@acme.com";
pub const AGENT_PASSWORD: &str = "ana-pass-1";
pub const API_TOKEN: &str = "octa.ACMEAPITOKEN01.Yz8w7v6u5t4s";
pub const API_KEY: &str =
    "0b7c1a52-3f0e-4d4b-9a8e-2c5d6e7f8a9b.7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908";
pub const RESOLVIDO: &str = "b2c80a95-840c-4cd0-baa3-f266f303d626";

pub struct Ctx {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub base: String,
}

/// The standard tenant `acme`: an admin and an agent, one API token, one API key, an organization and a
/// person, two custom fields, no webhook delay.
pub fn tenant_body() -> Value {
    json!({
        "name": "acme",
        "subdomain": "acme",
        "users": [
            {"email": ADMIN, "password": ADMIN_PASSWORD, "name": "Admin Acme", "role": "admin"},
            {"email": AGENT, "password": AGENT_PASSWORD, "name": "Ana Agente"}
        ],
        "api_tokens": [API_TOKEN],
        "api_keys": [API_KEY],
        "token_ttl_seconds": 3600,
        "webhook_delay_ms": 0,
        "custom_fields": ["cpf_do_titular", "canal_de_contato"],
        "organizations": [{"id": "org-ramos", "name": "Ramos Ltda", "domains": ["ramos.com.br"]}],
        "persons": [
            {"id": "p-joao", "name": "João Cliente", "email": "joao@ramos.com.br",
             "phoneContacts": [{"countryCode": "55", "number": "11988887777"}],
             "idOrganization": "org-ramos"}
        ]
    })
}

/// Reads the payload of a JWT (the middle part, base64url).
pub fn jwt_payload(token: &str) -> Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {token}");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in parts[1].bytes() {
        let v = alphabet.iter().position(|a| *a == c).expect("base64url") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push(((acc >> bits) & 0xff) as u8);
        }
    }
    serde_json::from_slice(&bytes).unwrap()
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

    pub fn legacy(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.octadesk_api_url())
    }

    pub fn v1(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.octadesk_v1_api_url())
    }

    /// Sends a request; answers the status, the JSON body (Null when empty, a string when not JSON) and
    /// the headers.
    pub async fn send_full(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value, HeaderMap) {
        let mut req = self.http.request(method, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v, headers)
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value) {
        let (s, v, _) = self.send_full(method, url, headers, body).await;
        (s, v)
    }

    /// Registers the standard tenant; `extra` fields override the defaults.
    pub async fn tenant(&self, extra: Value) -> Value {
        let mut body = tenant_body();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, v) = self
            .control(Method::POST, "/_sandbox/octadesk/tenants", &body)
            .await;
        assert_eq!(status, 201, "{v}");
        v
    }

    pub async fn control(&self, method: Method, path: &str, body: &Value) -> (u16, Value) {
        self.send(method, &self.url(path), &[], Some(body)).await
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let (status, v) = self.send(Method::GET, &self.url(path), &[], None).await;
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }

    /// `POST /login` with the admin's credentials; returns the access token.
    pub async fn login(&self) -> String {
        let (status, v) = self
            .send(
                Method::POST,
                &self.legacy("/login"),
                &[("subDomain", "acme")],
                Some(&json!({"username": ADMIN, "password": ADMIN_PASSWORD})),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v["token"].as_str().expect("token").to_owned()
    }

    /// `POST /login/apiToken` as `username` (headers, empty body); returns the access token.
    pub async fn login_api_token(&self, username: &str) -> String {
        let (status, v) = self
            .send(
                Method::POST,
                &self.legacy("/login/apiToken"),
                &[
                    ("apiToken", API_TOKEN),
                    ("username", username),
                    ("subDomain", "acme"),
                ],
                Some(&json!({})),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v["token"].as_str().expect("token").to_owned()
    }

    /// A legacy call with a bearer token.
    pub async fn legacy_call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let auth = format!("Bearer {token}");
        self.send(
            method,
            &self.legacy(path),
            &[("Authorization", &auth)],
            body,
        )
        .await
    }

    /// A v1 call as `agent` (None: without `octa-agent-email`).
    pub async fn v1_call(
        &self,
        agent: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut headers = vec![("X-API-KEY", API_KEY), ("accept", "application/json")];
        if let Some(a) = agent {
            headers.push(("octa-agent-email", a));
        }
        self.send(method, &self.v1(path), &headers, body).await
    }

    /// Creates a ticket through v1 and returns its number.
    pub async fn v1_ticket(&self, summary: &str) -> u64 {
        let (status, v) = self
            .v1_call(
                Some(AGENT),
                Method::POST,
                "/tickets",
                Some(&json!({"summary": summary, "description": "Descrição",
                             "requester": {"email": "joao@ramos.com.br"}})),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        v["number"].as_u64().expect("number")
    }
}

#[path = "../receiver/mod.rs"]
mod receiver;
use receiver::Accept;

/// A receiver on port 0 that records every POST body and its headers, and answers 200.
pub struct Receiver(receiver::Receiver);

impl std::ops::Deref for Receiver {
    type Target = receiver::Receiver;

    fn deref(&self) -> &receiver::Receiver {
        &self.0
    }
}

impl Receiver {
    pub async fn start() -> Self {
        Self(receiver::Receiver::start(&["/{*rest}"], Accept::Post, 0).await)
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.hits().into_iter().map(|h| h.body).collect()
    }

    pub fn headers(&self) -> Vec<HeaderMap> {
        self.hits().into_iter().map(|h| h.headers).collect()
    }

    /// Waits until at least `n` webhooks arrived (up to 10 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        self.0
            .wait_for(n)
            .await
            .into_iter()
            .map(|h| h.body)
            .collect()
    }

    /// Waits a little and checks that exactly `n` webhooks arrived.
    pub async fn settle(&self, n: usize) -> Vec<Value> {
        self.0.settle(n).await.into_iter().map(|h| h.body).collect()
    }
}
