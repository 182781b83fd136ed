//! A JSON API whose token rides in the query string (Movidesk's `token`,
//! Okdesk's `api_token`): every request takes its place in the account's
//! rate budget, goes through the shared [`Transport`] inside the provider's
//! `<provider>.http` span, and is judged by the provider's [`AnswerLogic`].
//! The URL, which carries the token, never reaches an error or a log.

use ponte_core::{Endpoint, Provider};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::ExecError;
use crate::budget::RateBudget;
use crate::handles::Accounts;
use crate::transport::{Answer, AnswerLogic, Transport};

/// The endpoint's token (its credential `param`) and the account's key in
/// Redis: `<provider>:` and a hash of the URL and the token, never the token.
pub fn account<'a>(
    endpoint: &'a Endpoint,
    param: &str,
    provider: Provider,
) -> Result<(&'a str, String), ExecError> {
    let token = endpoint
        .credential(param)
        .ok_or_else(|| {
            ExecError::permanent(format!(
                "the {} endpoint has no `{param}` credential",
                provider.title()
            ))
        })?
        .expose();
    let digest = Sha256::digest(format!("{}\n{token}", endpoint.base_url).as_bytes());
    Ok((token, format!("{provider}:{}", hex::encode(&digest[..8]))))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(credentials: serde_json::Value) -> Endpoint {
        serde_json::from_value(serde_json::json!({
            "provider": "okdesk", "base_url": "https://acme.okdesk.ru/api/v1",
            "credentials": credentials,
        }))
        .expect("an endpoint")
    }

    #[test]
    fn an_account_is_keyed_by_a_hash_of_its_url_and_token_never_the_token() {
        let e = endpoint(serde_json::json!({"api_token": "s3cr3t-token"}));
        let (token, bucket) = account(&e, "api_token", Provider::Okdesk).expect("has a token");
        assert_eq!(token, "s3cr3t-token");
        assert!(bucket.starts_with("okdesk:") && bucket.len() == "okdesk:".len() + 16);
        assert!(!bucket.contains("s3cr3t"));
        let other = endpoint(serde_json::json!({"api_token": "another"}));
        let (_, other_bucket) = account(&other, "api_token", Provider::Okdesk).expect("token");
        assert_ne!(bucket, other_bucket, "one budget per account");
    }

    #[test]
    fn a_missing_token_is_a_permanent_failure_naming_the_credential() {
        let e = endpoint(serde_json::json!({"token": "wrong name"}));
        let err = account(&e, "api_token", Provider::Okdesk).expect_err("no api_token");
        assert!(matches!(err, ExecError::Permanent { .. }));
        assert_eq!(
            err.to_string(),
            "the Okdesk endpoint has no `api_token` credential"
        );
    }
}
