//! A Movidesk API client that respects the account's rate limit across all
//! replicas (through Redis), honours `retry-after`, and classifies every
//! failure as transient or permanent. The token travels only as the
//! `token` query parameter and never appears in an error or a log line.

use std::time::Duration;

use ponte_core::{Endpoint, Provider};
use ponte_worker::Accounts;
use ponte_worker::ExecError;
use ponte_worker::budget::RateBudget;
use ponte_worker::token_api::{self, TokenApi};
use ponte_worker::transport::{AnswerLogic, Transport};
use reqwest::Method;

use ponte_movidesk::model::{IdOnly, NewPerson, NewTicket, Person, Ticket};

/// Movidesk's documented budget: 10 requests a minute per account.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// 0 turns the limiter off.
    pub per_minute: u32,
    /// Longest wait spent sleeping in the command's lane; a longer wait
    /// becomes a scheduled redelivery that does not count as an attempt,
    /// so the slot goes to other keys meanwhile.
    pub max_wait: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_minute: 10,
            max_wait: Duration::from_secs(1),
        }
    }
}

pub struct Client<'a> {
    pub(crate) api: TokenApi<'a, Answers>,
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Movidesk counts a minute; Ponte counts a request when it leaves, and it
/// reaches Movidesk a little later, so Ponte's window is a second longer
/// lest two requests a minute apart here arrive 59.99 s apart there.
const BUDGET_WINDOW: Duration = Duration::from_secs(61);

/// Movidesk's largest page of tickets.
pub const PAGE: usize = 100;

impl<'a> Client<'a> {
    pub fn new(
        http: &'a reqwest::Client,
        endpoint: &'a Endpoint,
        accounts: Accounts<'a>,
        rate: RateLimit,
    ) -> Result<Self, ExecError> {
        let (token, bucket) = token_api::account(endpoint, "token", Provider::Movidesk)?;
        Ok(Client {
            api: TokenApi {
                http,
                base: endpoint.base_url.trim_end_matches('/'),
                token_param: "token",
                token,
                transport: TRANSPORT,
                span: |method, path| tracing::info_span!("movidesk.http", http.method = %method, path = %path, status = tracing::field::Empty),
                logic: Answers,
                accounts,
                budget: RateBudget {
                    provider: Provider::Movidesk,
                    limit: rate.per_minute,
                    window: BUDGET_WINDOW,
                    max_wait: rate.max_wait,
                },
                bucket,
            },
        })
    }

    /// The account's key (a hash of its URL and token, never the token).
    pub fn account(&self) -> &str {
        &self.api.bucket
    }

    pub async fn ticket(&self, id: &str) -> Result<Option<Ticket>, ExecError> {
        self.api
            .get_opt("/tickets", &[("id", id.to_string())])
            .await
    }

    /// The ticket exactly as Movidesk returns it, every field kept (the
    /// warehouse stores fields Ponte's model leaves out).
    pub async fn ticket_json(&self, id: &str) -> Result<Option<serde_json::Value>, ExecError> {
        let found: Option<serde_json::Value> = self
            .api
            .get_opt("/tickets", &[("id", id.to_string())])
            .await?;
        Ok(found.filter(|v| !v.is_null()))
    }

    /// One GET of any read endpoint (lists for the warehouse's backfill),
    /// within the account's budget.
    pub async fn get_json(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<serde_json::Value, ExecError> {
        self.api.get(path, query).await
    }

    /// Ticket ids carrying `tag` (Ponte's marker of the tickets it creates).
    pub async fn tickets_tagged(&self, tag: &str) -> Result<Vec<String>, ExecError> {
        let filter = format!("tags/any(t: t eq '{}')", escape(tag));
        let found: Vec<IdOnly> = self
            .api
            .get("/tickets", &[("$select", "id".into()), ("$filter", filter)])
            .await?;
        Ok(found.into_iter().map(|t| t.id).collect())
    }

    /// Tickets changed since `since`, oldest change first, one page.
    pub async fn changed_since(
        &self,
        since: chrono::DateTime<chrono::Utc>,
        skip: usize,
    ) -> Result<Vec<ponte_movidesk::model::Changed>, ExecError> {
        let filter = format!("lastUpdate ge {}", since.format("%Y-%m-%dT%H:%M:%S.00z"));
        self.api
            .get(
                "/tickets",
                &[
                    ("$select", "id,lastUpdate".into()),
                    ("$filter", filter),
                    ("$orderby", "lastUpdate asc".into()),
                    ("$top", PAGE.to_string()),
                    ("$skip", skip.to_string()),
                ],
            )
            .await
    }

    /// Creates a ticket; returns its number and, when Movidesk sends it
    /// (`returnAllProperties`), the ticket as created.
    pub async fn create_ticket(
        &self,
        body: &NewTicket,
    ) -> Result<(String, Option<Ticket>), ExecError> {
        let created: serde_json::Value = self
            .api
            .send(
                Method::POST,
                "/tickets",
                &[("returnAllProperties", "true".into())],
                Some(body),
            )
            .await?;
        let full = created
            .get("actions")
            .is_some()
            .then(|| serde_json::from_value::<Ticket>(created.clone()).ok())
            .flatten();
        let id: IdOnly = serde_json::from_value(created).map_err(|e| ExecError::Permanent {
            reason: format!("Movidesk POST /tickets answered without a ticket number: {e}"),
            status: None,
        })?;
        Ok((id.id, full))
    }

    /// PATCH with a partial body. Lists sent replace the stored ones.
    pub async fn patch_ticket(&self, id: &str, body: &serde_json::Value) -> Result<(), ExecError> {
        let _: serde_json::Value = self
            .api
            .send(
                Method::PATCH,
                "/tickets",
                &[("id", id.to_string())],
                Some(body),
            )
            .await?;
        Ok(())
    }

    /// True when this account was found to refuse `what` (e.g. `origin`
    /// on a new ticket).
    pub async fn refuses(&self, what: &str) -> Result<bool, ExecError> {
        Ok(self.api.accounts.refuses(&self.api.bucket, what).await?)
    }

    /// Remembers that this account refuses `what`.
    pub async fn note_refusal(&self, what: &str) -> Result<(), ExecError> {
        Ok(self
            .api
            .accounts
            .note_refusal(&self.api.bucket, what)
            .await?)
    }

    pub async fn person(&self, id: &str) -> Result<Option<Person>, ExecError> {
        self.api
            .get_opt("/persons", &[("id", id.to_string())])
            .await
    }

    /// Persons matching an OData filter, first page.
    pub async fn persons_where(&self, filter: &str) -> Result<Vec<Person>, ExecError> {
        self.api
            .get(
                "/persons",
                &[("$filter", filter.to_string()), ("$top", "5".into())],
            )
            .await
    }

    pub async fn create_person(&self, body: &NewPerson) -> Result<String, ExecError> {
        let created: IdOnly = self
            .api
            .send(Method::POST, "/persons", &[], Some(body))
            .await?;
        Ok(created.id)
    }
}

/// Movidesk's answers: 429, 408 and 5xx are worth another try (429 after
/// `retry-after`); other 4xx are not: Movidesk locks the token after 3
/// failures in a row, so a bad request must never be repeated blindly.
pub(crate) struct Answers;

impl AnswerLogic for Answers {
    fn name(&self) -> &'static str {
        "Movidesk"
    }

    fn summarize(&self, body: &str) -> String {
        summarize(body)
    }
}

const TRANSPORT: Transport = Transport {
    label: "movidesk",
    name: "Movidesk",
    timeout: REQUEST_TIMEOUT,
};

/// The provider's message in one short line: `message` of a JSON object,
/// a JSON string, or the text itself.
fn summarize(body: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o
            .get("message")
            .or_else(|| o.get("Message"))
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| body.to_string()),
        _ => body.to_string(),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(300).collect()
}

/// OData string literal escaping.
pub fn escape(s: &str) -> String {
    s.replace('\'', "''")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_worker::http::retry_after;
    use ponte_worker::transport::Answer;
    use reqwest::StatusCode;

    fn answer(status: StatusCode, body: &str, retry: Option<Duration>) -> Answer {
        Answer {
            method: Method::POST,
            path: "/tickets".into(),
            status,
            retry_after: retry,
            body: body.into(),
        }
    }

    #[test]
    fn classification_follows_movidesk_rules() {
        assert!(matches!(
            answer(StatusCode::INTERNAL_SERVER_ERROR, "", None).failure(&Answers),
            ExecError::Transient { .. }
        ));
        assert!(matches!(
            answer(
                StatusCode::TOO_MANY_REQUESTS,
                "",
                Some(Duration::from_secs(60))
            )
            .failure(&Answers),
            ExecError::Transient {
                retry_after: Some(_),
                ..
            }
        ));
        let e =
            answer(StatusCode::BAD_REQUEST, "\"Customers is required\"", None).failure(&Answers);
        assert!(matches!(e, ExecError::Permanent { .. }));
        assert!(e.to_string().contains("Customers is required"), "{e}");
        assert_eq!(
            summarize("{\"message\":\"Ref. code is required\"}"),
            "Ref. code is required"
        );
        let none: Option<serde_json::Value> = answer(StatusCode::NOT_FOUND, "", None)
            .json_opt(&Answers)
            .expect("404 reads as none");
        assert_eq!(none, None);
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("42"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(42)));
    }
}
