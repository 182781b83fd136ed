//! An Okdesk API client: `api_token` in the query of every request (the
//! only auth Okdesk documents), JSON bodies wrapped where Okdesk wants
//! them, a request budget per account shared by all replicas through
//! Redis, and every failure classified as transient or permanent with
//! Okdesk's `{"errors": …}` in the reason. The token never appears in an
//! error or a log line: errors name the path only, and transport errors
//! are stripped of their URL.

use std::time::Duration;

use ponte_core::{Endpoint, Provider};
use ponte_worker::Accounts;
use ponte_worker::ExecError;
use ponte_worker::budget::RateBudget;
use ponte_worker::token_api::{self, TokenApi};
use ponte_worker::transport::Transport;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::errors::{Answers, is_duplicate_call};
use ponte_okdesk::de::first_of;
use ponte_okdesk::model::{
    Comment, Company, Contact, Employee, Issue, NewComment, NewContact, NewIssue, NewPhoneCall,
    NewStatus, TelephonyMessage,
};

/// Okdesk publishes no limit; this is Ponte's own budget per account.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Requests per second when the endpoint sets none (0 turns it off).
    pub per_second: u32,
    /// Longest wait spent sleeping in the worker; longer waits become a
    /// scheduled retry so the shard is not blocked.
    pub max_wait: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 5,
            max_wait: Duration::from_secs(15),
        }
    }
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const TRANSPORT: Transport = Transport {
    label: "okdesk",
    name: "Okdesk",
    timeout: REQUEST_TIMEOUT,
};

/// Largest page Okdesk serves.
pub const PAGE: usize = 100;

/// Pages of employees read at most (10 000 employees).
const MAX_EMPLOYEE_PAGES: usize = 100;

/// What `POST /phone_calls` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    Created,
    /// The call list already has this `call_id`.
    AlreadyThere,
}

pub struct Client<'a> {
    api: TokenApi<'a, Answers>,
}

impl<'a> Client<'a> {
    pub fn new(
        http: &'a reqwest::Client,
        endpoint: &'a Endpoint,
        accounts: Accounts<'a>,
        rate: RateLimit,
    ) -> Result<Self, ExecError> {
        let (token, bucket) = token_api::account(endpoint, "api_token", Provider::Okdesk)?;
        let per_second = if endpoint.rate_per_second > 0 {
            endpoint.rate_per_second
        } else {
            rate.per_second
        };
        Ok(Client {
            api: TokenApi {
                http,
                base: endpoint.base_url.trim_end_matches('/'),
                token_param: "api_token",
                token,
                transport: TRANSPORT,
                span: |method, path| tracing::info_span!("okdesk.http", http.method = %method, path = %path, status = tracing::field::Empty),
                logic: Answers,
                accounts,
                budget: RateBudget::per_second(Provider::Okdesk, per_second, rate.max_wait),
                bucket,
            },
        })
    }

    /// Identifies the account (base URL and key) without revealing the key.
    pub fn account_key(&self) -> &str {
        &self.api.bucket
    }

    /// Every employee, page by page.
    pub async fn employees(&self) -> Result<Vec<Employee>, ExecError> {
        let mut all = Vec::new();
        for page in 1..=MAX_EMPLOYEE_PAGES {
            let batch: Vec<Employee> = self
                .api
                .get(
                    "/employees/list",
                    &[
                        ("page[number]", page.to_string()),
                        ("page[size]", PAGE.to_string()),
                    ],
                )
                .await?;
            let last = batch.len() < PAGE;
            all.extend(batch);
            if last {
                break;
            }
        }
        Ok(all)
    }

    /// The contact whose `key` (`phone`, `email`, `id`) is `value`, if any.
    /// Okdesk matches a phone exactly; `+` travels as `%2B`.
    pub async fn contact_by(&self, key: &str, value: &str) -> Result<Option<Contact>, ExecError> {
        self.find_one("/contacts/", key, value, "contact", "contacts")
            .await
    }

    pub async fn company_by_phone(&self, phone: &str) -> Result<Option<Company>, ExecError> {
        self.find_one("/companies/", "phone", phone, "company", "companies")
            .await
    }

    pub async fn create_contact(&self, contact: &NewContact) -> Result<Contact, ExecError> {
        let created: Value = self
            .api
            .send(
                Method::POST,
                "/contacts/",
                &[],
                Some(&json!({"contact": contact})),
            )
            .await?;
        first_of(created, "contact", "contacts")
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(|| {
                ExecError::permanent("Okdesk POST /contacts/ answered without the contact's id")
            })
    }

    /// Pops the caller's card on the screens of these employees.
    pub async fn pop_card(&self, message: &TelephonyMessage) -> Result<(), ExecError> {
        let _: Value = self
            .api
            .send(Method::POST, "/telephony/messages", &[], Some(message))
            .await?;
        Ok(())
    }

    /// Adds a call to the call list; a `call_id` already there is not an
    /// error.
    pub async fn log_call(&self, call: &NewPhoneCall) -> Result<Logged, ExecError> {
        let path = "/phone_calls";
        let reply = self
            .api
            .answer(Method::POST, path, &[], Some(&json!({"phone_call": call})))
            .await?;
        if reply.status.is_success() {
            return Ok(Logged::Created);
        }
        if is_duplicate_call(reply.status, &reply.body) {
            return Ok(Logged::AlreadyThere);
        }
        Err(reply.failure(&Answers))
    }

    /// Creates an issue; returns its id.
    pub async fn create_issue(&self, issue: &NewIssue) -> Result<String, ExecError> {
        let created: Value = self
            .api
            .send(
                Method::POST,
                "/issues/",
                &[],
                Some(&json!({"issue": issue})),
            )
            .await?;
        let id = created
            .get("id")
            .or_else(|| created.get("issue").and_then(|i| i.get("id")))
            .and_then(|v| match v {
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            });
        id.ok_or_else(|| ExecError::permanent("Okdesk POST /issues/ answered without an issue id"))
    }

    pub async fn issue(&self, id: &str) -> Result<Option<Issue>, ExecError> {
        self.api.get_opt(&format!("/issues/{id}"), &[]).await
    }

    /// The newest issues (of a contact, when given) that mention `needle`
    /// in their title or description. `None` when this Okdesk does not
    /// serve `/issues/list` or refuses the query, so nothing can be said.
    pub async fn issues_mentioning(
        &self,
        needle: &str,
        contact_id: Option<&str>,
    ) -> Result<Option<Vec<String>>, ExecError> {
        let path = "/issues/list";
        let mut query = vec![
            ("page[size]", "50".to_string()),
            ("page[direction]", "reverse".to_string()),
        ];
        if let Some(c) = contact_id {
            query.push(("contact_ids[]", c.to_string()));
        }
        let reply = self
            .api
            .answer::<()>(Method::GET, path, &query, None)
            .await?;
        if reply.status.is_client_error() && reply.status != StatusCode::TOO_MANY_REQUESTS {
            tracing::warn!(status = reply.status.as_u16(), said = %crate::errors::summarize(&reply.body), "Okdesk GET /issues/list refused; cannot look for an earlier try's issue");
            return Ok(None);
        }
        let found: Vec<Issue> = reply.json(&Answers)?;
        Ok(Some(
            found
                .into_iter()
                .filter(|i| i.mentions(needle))
                .map(|i| i.id)
                .collect(),
        ))
    }

    pub async fn comments(&self, issue_id: &str) -> Result<Vec<Comment>, ExecError> {
        self.api
            .get(&format!("/issues/{issue_id}/comments"), &[])
            .await
    }

    pub async fn add_comment(&self, issue_id: &str, comment: &NewComment) -> Result<(), ExecError> {
        let _: Value = self
            .api
            .send(
                Method::POST,
                &format!("/issues/{issue_id}/comments"),
                &[],
                Some(&json!({"comment": comment})),
            )
            .await?;
        Ok(())
    }

    pub async fn change_status(&self, issue_id: &str, status: &NewStatus) -> Result<(), ExecError> {
        let _: Value = self
            .api
            .send(
                Method::POST,
                &format!("/issues/{issue_id}/statuses"),
                &[],
                Some(status),
            )
            .await?;
        Ok(())
    }

    async fn find_one<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        value: &str,
        singular: &str,
        plural: &str,
    ) -> Result<Option<T>, ExecError> {
        let found: Option<Value> = self.api.get_opt(path, &[(key, value.to_string())]).await?;
        Ok(found
            .and_then(|v| first_of(v, singular, plural))
            .and_then(|v| serde_json::from_value(v).ok()))
    }
}
