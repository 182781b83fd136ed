//! A JSON API whose token rides in the query string (Movidesk's `token`,
//! Okdesk's `api_token`): every request takes its place in the account's
//! rate budget, goes through the shared [`Transport`] inside the provider's
//! `<provider>.http` span, and is judged by the provider's [`AnswerLogic`].
//! The URL, which carries the token, never reaches an error or a log.

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ExecError;
use crate::budget::RateBudget;
use crate::handles::Accounts;
use crate::transport::{Answer, AnswerLogic, Transport};

/// One account of a query-token API.
pub struct TokenApi<'a, L> {
    pub http: &'a reqwest::Client,
    /// The API's base URL, without a trailing `/`.
    pub base: &'a str,
    /// The query parameter the token rides in.
    pub token_param: &'static str,
    pub token: &'a str,
    pub transport: Transport,
    /// The provider's span for one request: `<provider>.http` with
    /// `http.method`, `path` and an empty `status`.
    pub span: fn(&Method, &str) -> tracing::Span,
    pub logic: L,
    pub accounts: Accounts<'a>,
    pub budget: RateBudget,
    /// The account's key in Redis (a hash of its URL and token).
    pub bucket: String,
}

impl<L: AnswerLogic> TokenApi<'_, L> {
    /// One request, after the budget; any answer is returned for the
    /// caller to judge.
    pub async fn answer<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<Answer, ExecError> {
        self.budget.take(self.accounts, &self.bucket).await?;
        let span = (self.span)(&method, path);
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .query(&[(self.token_param, self.token)])
            .query(query);
        if let Some(b) = body {
            req = req.json(b);
        }
        self.transport.send(span, &method, path, req).await
    }

    /// One request whose successful answer reads as `T`.
    pub async fn send<T: DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<T, ExecError> {
        self.answer(method, path, query, body)
            .await?
            .json(&self.logic)
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ExecError> {
        self.send::<T, ()>(Method::GET, path, query, None).await
    }

    /// A GET that answers 404 reads as "none".
    pub async fn get_opt<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<T>, ExecError> {
        self.answer::<()>(Method::GET, path, query, None)
            .await?
            .json_opt(&self.logic)
    }
}
