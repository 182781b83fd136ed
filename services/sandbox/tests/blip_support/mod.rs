//! Helpers shared by the Blip black-box tests: a sandbox on port 0, envelope builders, and a custom
//! attendance channel receiver that records every POST with its headers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::Ordering;

use ponte_sandbox::{RunningSandbox, Sandbox, SeedConfig};
use serde_json::{Value, json};

pub const AGENT: &str = "agent%40dominio.com@blip.ai";
pub const CUSTOMER: &str = "5511999990001@wa.gw.msging.net";

pub struct Ctx {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub base: String,
}

/// A command envelope to the desk.
pub fn desk(method: &str, uri: &str, resource: Option<Value>) -> Value {
    let mut cmd = json!({
        "id": format!("cmd-{}", rand_suffix()),
        "to": "postmaster@desk.msging.net",
        "method": method,
        "uri": uri,
    });
    if let Some(r) = resource {
        cmd["type"] = json!("application/vnd.iris.ticket+json");
        cmd["resource"] = r;
    }
    cmd
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::SeqCst)
}

/// The documented assignment command.
pub fn assign(ticket: &str, agent: &str) -> Value {
    desk(
        "set",
        "/tickets/change-status",
        Some(json!({"id": ticket, "status": "Open", "agentIdentity": agent})),
    )
}

pub fn change_status(ticket: &str, status: &str) -> Value {
    desk(
        "set",
        "/tickets/change-status",
        Some(json!({"id": ticket, "status": status})),
    )
}

/// An agent's text message to a ticket.
pub fn agent_text(ticket: &str, text: &str) -> Value {
    json!({
        "id": format!("msg-{}", rand_suffix()),
        "to": format!("{ticket}@desk.msging.net/Webhook"),
        "type": "text/plain",
        "content": text,
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

    /// Registers a contract; `extra` overrides the defaults (no throughput limits, no webhook delay,
    /// one known agent).
    pub async fn contract(&self, name: &str, key: &str, extra: Value) -> Value {
        let mut body = json!({
            "name": name, "key": key, "agents": [AGENT],
            "messages_per_second": 0, "commands_per_second": 0, "notifications_per_second": 0,
            "webhook_delay_ms": 0
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, v) = self
            .control_send(reqwest::Method::POST, "/_sandbox/blip/contracts", &body)
            .await;
        assert_eq!(status, 201, "{v}");
        v
    }

    async fn post_envelope(&self, key: Option<&str>, path: &str, body: &str) -> (u16, String) {
        let mut req = self
            .http
            .post(self.url(&format!("/blip{path}")))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(key) = key {
            req = req.header("authorization", format!("Key {key}"));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }

    /// POSTs a command; returns the HTTP status and the JSON body.
    pub async fn command(&self, key: &str, cmd: &Value) -> (u16, Value) {
        let (status, text) = self
            .post_envelope(Some(key), "/commands", &cmd.to_string())
            .await;
        let v = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, v)
    }

    /// POSTs a command that must succeed at the HTTP level; returns the response envelope.
    pub async fn command_ok(&self, key: &str, cmd: &Value) -> Value {
        let (status, v) = self.command(key, cmd).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    /// POSTs raw text to an endpoint, with or without a key.
    pub async fn raw(&self, key: Option<&str>, path: &str, body: &str) -> (u16, String) {
        self.post_envelope(key, path, body).await
    }

    pub async fn message(&self, key: &str, msg: &Value) -> (u16, String) {
        self.post_envelope(Some(key), "/messages", &msg.to_string())
            .await
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

    /// The customer asks for a human: a new Waiting ticket. Returns the ticket's control view.
    pub async fn new_ticket(&self, contract: &str, first_message: &str) -> Value {
        let (status, t) = self
            .control_send(
                reqwest::Method::POST,
                &format!("/_sandbox/blip/{contract}/tickets"),
                &json!({"customer": CUSTOMER, "first_message": first_message}),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        t
    }

    /// The customer writes on a ticket.
    pub async fn customer_says(&self, contract: &str, ticket: &str, body: &Value) -> (u16, Value) {
        self.control_send(
            reqwest::Method::POST,
            &format!("/_sandbox/blip/{contract}/tickets/{ticket}/messages"),
            body,
        )
        .await
    }

    pub async fn ticket(&self, contract: &str, id: &str) -> Value {
        self.control_get(&format!("/_sandbox/blip/{contract}/tickets/{id}"))
            .await
    }
}

#[path = "../receiver/mod.rs"]
mod receiver;
use receiver::Accept;
#[allow(unused_imports)]
pub use receiver::Hit;

/// A custom-channel (and bot notification) receiver on port 0 that answers 500 to the first
/// `fail_first` POSTs.
pub struct Receiver(receiver::Receiver);

impl std::ops::Deref for Receiver {
    type Target = receiver::Receiver;

    fn deref(&self) -> &receiver::Receiver {
        &self.0
    }
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Self {
        let routes = ["/hooks/blip/{integration}", "/bot/notifications"];
        Self(receiver::Receiver::start(&routes, Accept::Post, fail_first).await)
    }

    /// The custom channel URL of an integration.
    pub fn url(&self) -> String {
        self.0.url("/hooks/blip/blip-movi")
    }

    pub fn notifications_url(&self) -> String {
        self.0.url("/bot/notifications")
    }
}
