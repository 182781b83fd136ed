//! An Octadesk client over either API. Legacy calls carry
//! `Authorization: Bearer <access token>` from the shared [`TokenCache`]:
//! a 401 makes it forget the token, log in again and repeat the call once;
//! a second 401 fails with a reason that says so. API-key calls carry
//! `X-API-KEY` and `octa-agent-email`; a 401 there means the key was
//! refused. No token, key or password ever reaches an error or a log line.

pub(crate) mod errors;
mod people;
mod tickets;

use std::time::Duration;

use ponte_core::Endpoint;
use ponte_telemetry::catalog;
use ponte_worker::Accounts;
use ponte_worker::ExecError;
use ponte_worker::budget::RateBudget;
use ponte_worker::transport::{Answer, Transport};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::auth::{Api, Flow, TokenCache, login};
use errors::{Answers, summarize};

pub use people::{NewPerson, PersonChange};

/// Longest wait for the account's budget spent in the command's lane; a
/// longer one sends the command back to wait (not an attempt).
const BUDGET_MAX_WAIT: Duration = Duration::from_secs(2);

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const TRANSPORT: Transport = Transport {
    label: "octadesk",
    name: "Octadesk",
    timeout: REQUEST_TIMEOUT,
};

/// What a 404 to the request itself means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// The thing asked for does not exist: `Ok(None)`.
    IsNone,
    /// A failure like any other 4xx.
    IsFailure,
}

pub struct Client<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    flow: Flow,
    account: String,
    tokens: &'a TokenCache,
    accounts: Accounts<'a>,
    rate_per_second: u32,
}

/// One request, before authentication is added.
pub(crate) struct Request<'b> {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<&'b Value>,
    /// The agent a v1 write is attributed to (`octa-agent-email`), when
    /// not the endpoint's own.
    pub agent: Option<&'b str>,
}

impl<'b> Request<'b> {
    pub fn get(path: impl Into<String>) -> Self {
        Request {
            method: Method::GET,
            path: path.into(),
            query: vec![],
            body: None,
            agent: None,
        }
    }

    pub fn with_body(method: Method, path: impl Into<String>, body: &'b Value) -> Self {
        Request {
            method,
            path: path.into(),
            query: vec![],
            body: Some(body),
            agent: None,
        }
    }

    pub fn query(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.query.push((k.into(), v.into()));
        self
    }

    pub fn by_agent(mut self, agent: Option<&'b str>) -> Self {
        self.agent = agent.filter(|a| !a.trim().is_empty());
        self
    }
}

impl<'a> Client<'a> {
    pub fn new(
        http: &'a reqwest::Client,
        endpoint: &'a Endpoint,
        tokens: &'a TokenCache,
        accounts: Accounts<'a>,
    ) -> Result<Self, ExecError> {
        let flow = Flow::from_endpoint(endpoint)?;
        let base = endpoint.base_url.trim_end_matches('/');
        Ok(Client {
            http,
            base,
            account: flow.account_key(base),
            flow,
            tokens,
            accounts,
            rate_per_second: endpoint.rate_per_second,
        })
    }

    pub fn api(&self) -> Api {
        self.flow.api()
    }

    /// The e-mail of the user the endpoint acts as, when its credentials
    /// name one.
    pub fn own_agent(&self) -> Option<&str> {
        match &self.flow {
            Flow::ApiKey { agent_email, .. } => agent_email.as_deref(),
            Flow::ApiToken { username, .. } => username.as_deref(),
            Flow::Password { user, .. } => Some(user.as_str()),
        }
        .filter(|e| e.contains('@'))
    }

    /// The account's access token (a login when none is cached).
    pub async fn access_token(&self) -> Result<String, ExecError> {
        self.tokens
            .token(&self.account, || login(self.http, self.base, &self.flow))
            .await
    }

    /// Sends a request; `Ok(None)` when the request itself is answered
    /// 404 (a 404 from the login is a failure, not "none").
    pub(crate) async fn send_opt(&self, req: Request<'_>) -> Result<Option<Value>, ExecError> {
        self.exchange(req, Missing::IsNone).await
    }

    /// Sends a request and reads the JSON answer (`null` when empty).
    pub(crate) async fn send(&self, req: Request<'_>) -> Result<Value, ExecError> {
        Ok(self
            .exchange(req, Missing::IsFailure)
            .await?
            .unwrap_or(Value::Null))
    }

    /// Sends a request and reads the JSON answer; `Ok(None)` only for a
    /// 404 to the request when `missing` says so.
    async fn exchange(
        &self,
        req: Request<'_>,
        missing: Missing,
    ) -> Result<Option<Value>, ExecError> {
        self.budget().await?;
        let mut renewed = false;
        loop {
            let token = match self.flow {
                Flow::ApiKey { .. } => None,
                _ => Some(self.access_token().await?),
            };
            let answer = self.attempt(&req, token.as_deref()).await?;
            let status = answer.status;
            if status == StatusCode::NOT_FOUND && missing == Missing::IsNone {
                return Ok(None);
            }
            if status == StatusCode::UNAUTHORIZED {
                let said = summarize(&answer.body);
                match (&self.flow, token) {
                    (Flow::ApiKey { .. }, _) | (_, None) => {
                        return Err(ExecError::Permanent {
                            reason: format!(
                                "{}: {} {} answered 401: {said}",
                                self.flow.refused(),
                                req.method,
                                req.path
                            ),
                            status: Some(401),
                        });
                    }
                    (_, Some(stale)) if !renewed => {
                        tracing::info!(path = %req.path, "Octadesk refused the access token (expired?); logging in again once");
                        catalog::OCTADESK_TOKEN_RENEWALS.inc(&[]);
                        self.tokens.forget(&self.account, &stale).await;
                        renewed = true;
                        continue;
                    }
                    (_, Some(_)) => {
                        return Err(ExecError::Permanent {
                            reason: format!(
                                "Octadesk answered 401 to {} {} even with a fresh access token (the user may have lost access): {said}",
                                req.method, req.path
                            ),
                            status: Some(401),
                        });
                    }
                }
            }
            if status.is_success() {
                return answer.json(&Answers).map(Some);
            }
            return Err(answer.failure(&Answers));
        }
    }

    async fn attempt(&self, req: &Request<'_>, token: Option<&str>) -> Result<Answer, ExecError> {
        let span = tracing::info_span!("octadesk.http", http.method = %req.method, path = %req.path, status = tracing::field::Empty);
        let mut r = self
            .http
            .request(req.method.clone(), format!("{}{}", self.base, req.path))
            .header(reqwest::header::ACCEPT, "application/json");
        if !req.query.is_empty() {
            r = r.query(&req.query);
        }
        match (&self.flow, token) {
            (Flow::ApiKey { key, agent_email }, _) => {
                r = r.header("X-API-KEY", key);
                if let Some(agent) = req.agent.or(agent_email.as_deref()) {
                    r = r.header("octa-agent-email", agent);
                }
            }
            (_, Some(t)) => r = r.bearer_auth(t),
            (_, None) => {}
        }
        if let Some(b) = req.body {
            r = r.json(b);
        }
        // A body cut off mid-read is a transient failure of the transport.
        TRANSPORT.send(span, &req.method, &req.path, r).await
    }

    /// Octadesk documents no rate limit; an endpoint's `rate_per_second`
    /// throttles the account across replicas when set. A wait longer than
    /// [`BUDGET_MAX_WAIT`] sends the command back to wait: not an attempt.
    async fn budget(&self) -> Result<(), ExecError> {
        RateBudget::per_second(
            ponte_core::Provider::Octadesk,
            self.rate_per_second,
            BUDGET_MAX_WAIT,
        )
        .take(self.accounts, &self.account)
        .await
    }
}
