//! A client of `ponte-sandbox`'s control API, for the demo and the tests.

use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
#[error("sandbox {what}: {message}")]
pub struct SandboxError {
    pub what: String,
    pub message: String,
}

#[derive(Clone)]
pub struct SandboxClient {
    base: String,
    http: reqwest::Client,
}

impl SandboxClient {
    pub fn new(base: &str) -> Self {
        SandboxClient {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The Movidesk API base URL to configure in an integration.
    pub fn movidesk_api(&self) -> String {
        format!("{}/movidesk/public/v1", self.base)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), SandboxError> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| SandboxError {
            what: path.to_string(),
            message: e.without_url().to_string(),
        })?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, value))
    }

    async fn expect_ok(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, SandboxError> {
        let (status, value) = self.call(method, path, body).await?;
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(SandboxError {
                what: path.to_string(),
                message: format!("{status}: {value}"),
            })
        }
    }

    /// Registers a Movidesk domain, or updates its webhook URL and limits
    /// when it exists.
    pub async fn movidesk_domain(&self, spec: &Value) -> Result<(), SandboxError> {
        let (status, value) = self
            .call(
                reqwest::Method::POST,
                "/_sandbox/movidesk/domains",
                Some(spec),
            )
            .await?;
        match status {
            200..=299 => Ok(()),
            409 => {
                let name = spec["name"].as_str().unwrap_or_default();
                let mut patch = spec.clone();
                if let Some(o) = patch.as_object_mut() {
                    o.remove("name");
                    o.remove("token");
                    o.remove("persons");
                }
                self.patch_domain(name, &patch).await
            }
            _ => Err(SandboxError {
                what: "register domain".into(),
                message: format!("{status}: {value}"),
            }),
        }
    }

    /// Changes a registered domain (webhook URL, limits).
    pub async fn patch_domain(&self, name: &str, patch: &Value) -> Result<(), SandboxError> {
        self.expect_ok(
            reqwest::Method::PATCH,
            &format!("/_sandbox/movidesk/domains/{name}"),
            Some(patch),
        )
        .await
        .map(|_| ())
    }

    /// Adds persons to a domain (ignores ones that already exist).
    pub async fn movidesk_persons(
        &self,
        domain: &str,
        persons: &[Value],
    ) -> Result<(), SandboxError> {
        for p in persons {
            let (status, value) = self
                .call(
                    reqwest::Method::POST,
                    &format!("/_sandbox/movidesk/{domain}/persons"),
                    Some(p),
                )
                .await?;
            if !(200..300).contains(&status) && status != 409 && status != 400 {
                return Err(SandboxError {
                    what: "add person".into(),
                    message: format!("{status}: {value}"),
                });
            }
        }
        Ok(())
    }

    /// Creates a ticket as an agent in Movidesk's web UI (fires triggers).
    pub async fn movidesk_ui_ticket(
        &self,
        domain: &str,
        ticket: &Value,
    ) -> Result<Value, SandboxError> {
        self.expect_ok(
            reqwest::Method::POST,
            &format!("/_sandbox/movidesk/{domain}/tickets"),
            Some(ticket),
        )
        .await
    }

    /// An agent adds an action in the web UI (fires triggers).
    pub async fn movidesk_ui_action(
        &self,
        domain: &str,
        ticket: &str,
        action: &Value,
    ) -> Result<Value, SandboxError> {
        self.expect_ok(
            reqwest::Method::POST,
            &format!("/_sandbox/movidesk/{domain}/tickets/{ticket}/actions"),
            Some(action),
        )
        .await
    }

    /// Agent `by` changes the status in the web UI (fires triggers).
    pub async fn movidesk_ui_status(
        &self,
        domain: &str,
        ticket: &str,
        status: &str,
        by: &str,
    ) -> Result<Value, SandboxError> {
        self.expect_ok(
            reqwest::Method::POST,
            &format!("/_sandbox/movidesk/{domain}/tickets/{ticket}/status"),
            Some(&json!({"status": status, "changedBy": {"id": by}})),
        )
        .await
    }

    /// An agent edits fields in the web UI (fires triggers).
    pub async fn movidesk_ui_edit(
        &self,
        domain: &str,
        ticket: &str,
        patch: &Value,
    ) -> Result<Value, SandboxError> {
        self.expect_ok(
            reqwest::Method::PATCH,
            &format!("/_sandbox/movidesk/{domain}/tickets/{ticket}"),
            Some(patch),
        )
        .await
    }

    /// The next `count` webhooks of the domain are lost.
    pub async fn drop_webhooks(&self, domain: &str, count: u32) -> Result<(), SandboxError> {
        self.expect_ok(
            reqwest::Method::POST,
            &format!("/_sandbox/movidesk/{domain}/webhooks/drop"),
            Some(&json!({"count": count})),
        )
        .await
        .map(|_| ())
    }

    pub async fn movidesk_tickets(&self, domain: &str) -> Result<Vec<Value>, SandboxError> {
        self.movidesk_listing(domain, "").await
    }

    /// The tickets of `domain` numbered above `after`.
    pub async fn movidesk_tickets_after(
        &self,
        domain: &str,
        after: u64,
    ) -> Result<Vec<Value>, SandboxError> {
        self.movidesk_listing(domain, &format!("?after={after}"))
            .await
    }

    async fn movidesk_listing(
        &self,
        domain: &str,
        query: &str,
    ) -> Result<Vec<Value>, SandboxError> {
        let v = self
            .expect_ok(
                reqwest::Method::GET,
                &format!("/_sandbox/movidesk/{domain}/tickets{query}"),
                None,
            )
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    pub async fn movidesk_ticket(&self, domain: &str, id: &str) -> Result<Value, SandboxError> {
        self.expect_ok(
            reqwest::Method::GET,
            &format!("/_sandbox/movidesk/{domain}/tickets/{id}"),
            None,
        )
        .await
    }

    pub async fn movidesk_webhooks(&self, domain: &str) -> Result<Vec<Value>, SandboxError> {
        let v = self
            .expect_ok(
                reqwest::Method::GET,
                &format!("/_sandbox/movidesk/{domain}/webhooks"),
                None,
            )
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// Injects faults into a Movidesk domain's API.
    pub async fn fault(&self, domain: &str, fault: &Value) -> Result<(), SandboxError> {
        self.expect_ok(
            reqwest::Method::PUT,
            &format!("/_sandbox/faults/movidesk/{domain}"),
            Some(fault),
        )
        .await
        .map(|_| ())
    }

    pub async fn clear_fault(&self, domain: &str) -> Result<(), SandboxError> {
        self.expect_ok(
            reqwest::Method::DELETE,
            &format!("/_sandbox/faults/movidesk/{domain}"),
            None,
        )
        .await
        .map(|_| ())
    }

    /// Public-API requests the sandbox served for a domain.
    pub async fn requests(&self, domain: &str) -> Result<Vec<Value>, SandboxError> {
        let v = self
            .expect_ok(
                reqwest::Method::GET,
                &format!("/_sandbox/requests?provider=movidesk&domain={domain}"),
                None,
            )
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    pub async fn ok(&self) -> bool {
        self.call(reqwest::Method::GET, "/healthz", None)
            .await
            .is_ok_and(|(s, _)| s == 200)
    }
}

/// The fields of a sandbox domain registration.
pub fn domain_spec(
    name: &str,
    token: &str,
    webhook_url: &str,
    rate_per_minute: u32,
    persons: Vec<Value>,
) -> Value {
    json!({
        "name": name,
        "token": token,
        "webhook_url": webhook_url,
        "rate_limit_per_minute": rate_per_minute,
        "lockout_after_failures": if rate_per_minute == 0 { 0 } else { 3 },
        "persons": persons,
    })
}
