//! One HTTP transport for every provider client: the request's deadline,
//! the latency metric, `Retry-After`, the body read in full (a body cut off
//! mid-read is worth another try, whoever the provider), and each answer
//! judged by the provider's [`AnswerLogic`] — retry, park or
//! re-authenticate — in the spirit of vector's `RetryLogic`.
//!
//! Providers keep what is theirs: authentication, paths, bodies, the span's
//! name (`movidesk.http`...) and how their error bodies read.

use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::ExecError;
use crate::http::{retry_after, unreachable};

/// What an answer means for the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A success: read the body.
    Done,
    /// Worth another try later (429, 408, 5xx, ...).
    Retry,
    /// Trying again cannot help: park the command with the provider's words.
    Park,
    /// The credentials were refused: log in again, once, before parking.
    Reauthenticate,
}

/// A provider's reading of its answers.
pub trait AnswerLogic: Send + Sync {
    /// The provider as reasons name it (`Movidesk`).
    fn name(&self) -> &'static str;

    /// What a status means; the body is there for providers whose errors
    /// say more than their status. Default: success is done; 429, 408 and
    /// 5xx are retried; any other answer is parked.
    fn verdict(&self, status: StatusCode, _body: &str) -> Verdict {
        default_verdict(status)
    }

    /// The provider's message in one short line.
    fn summarize(&self, body: &str) -> String {
        one_line(body)
    }
}

/// Success done; 429, 408 and 5xx retried; anything else parked.
pub fn default_verdict(status: StatusCode) -> Verdict {
    if status.is_success() {
        Verdict::Done
    } else if status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        Verdict::Retry
    } else {
        Verdict::Park
    }
}

/// Whitespace folded, at most 300 characters; `(no message)` when empty.
pub fn one_line(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "(no message)".into();
    }
    line.chars().take(300).collect()
}

/// An answer read in full.
#[derive(Debug, Clone)]
pub struct Answer {
    pub method: Method,
    pub path: String,
    pub status: StatusCode,
    pub retry_after: Option<Duration>,
    pub body: String,
}

impl Answer {
    /// An answer without `Retry-After`, as a provider's tests build one.
    pub fn new(
        method: Method,
        path: impl Into<String>,
        status: StatusCode,
        body: impl Into<String>,
    ) -> Answer {
        Answer {
            method,
            path: path.into(),
            status,
            retry_after: None,
            body: body.into(),
        }
    }

    /// The body of a successful answer as `T` (an empty body reads as
    /// `null`); any other answer as the failure its verdict says.
    pub fn json<T: DeserializeOwned>(&self, logic: &impl AnswerLogic) -> Result<T, ExecError> {
        match logic.verdict(self.status, &self.body) {
            Verdict::Done => {
                let text = if self.body.trim().is_empty() {
                    "null"
                } else {
                    self.body.as_str()
                };
                serde_json::from_str(text).map_err(|e| ExecError::Permanent {
                    reason: format!(
                        "{} {} {} answered {} with a body Ponte cannot read: {e}",
                        logic.name(),
                        self.method,
                        self.path,
                        self.status
                    ),
                    status: Some(self.status.as_u16()),
                })
            }
            _ => Err(self.failure(logic)),
        }
    }

    /// Like [`Answer::json`], with a 404 read as "none".
    pub fn json_opt<T: DeserializeOwned>(
        &self,
        logic: &impl AnswerLogic,
    ) -> Result<Option<T>, ExecError> {
        if self.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.json(logic).map(Some)
    }

    /// This answer as a failure, transient or permanent by its verdict,
    /// with the provider's words in the reason.
    pub fn failure(&self, logic: &impl AnswerLogic) -> ExecError {
        let said = logic.summarize(&self.body);
        let mut reason = format!(
            "{} {} {} answered {}",
            logic.name(),
            self.method,
            self.path,
            self.status
        );
        if !said.is_empty() {
            reason.push_str(": ");
            reason.push_str(&said);
        }
        let status = Some(self.status.as_u16());
        match logic.verdict(self.status, &self.body) {
            Verdict::Retry => ExecError::Transient {
                reason,
                status,
                retry_after: self.retry_after,
            },
            Verdict::Done | Verdict::Park | Verdict::Reauthenticate => {
                ExecError::Permanent { reason, status }
            }
        }
    }
}

/// Sends requests with one deadline and one latency metric per provider.
#[derive(Debug, Clone, Copy)]
pub struct Transport {
    /// The provider label of the latency metric (`movidesk`).
    pub label: &'static str,
    /// The provider as reasons name it (`Movidesk`).
    pub name: &'static str,
    /// Deadline of one request, answer body included.
    pub timeout: Duration,
}

impl Transport {
    /// Sends `request` inside `span` (the provider's `<provider>.http`,
    /// with an empty `status` field) and reads the answer in full. No
    /// answer, or a body cut off mid-read, is a transient failure; any
    /// answer is returned for the caller to judge. The URL (which may
    /// carry a token) never reaches an error.
    pub async fn send(
        &self,
        span: tracing::Span,
        method: &Method,
        path: &str,
        request: RequestBuilder,
    ) -> Result<Answer, ExecError> {
        let started = Instant::now();
        let sent = request
            .timeout(self.timeout)
            .send()
            .instrument(span.clone())
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                self.observe("error", started);
                return Err(unreachable(self.name, method, path, e));
            }
        };
        let status = response.status();
        span.record("status", status.as_u16());
        self.observe(status.as_str(), started);
        let retry_after = retry_after(response.headers());
        let body = match response.text().instrument(span).await {
            Ok(t) => t,
            Err(e) => {
                return Err(ExecError::Transient {
                    reason: format!(
                        "{} {method} {path} answered {status} but the body was cut off: {}",
                        self.name,
                        e.without_url()
                    ),
                    status: Some(status.as_u16()),
                    retry_after,
                });
            }
        };
        Ok(Answer {
            method: method.clone(),
            path: path.to_string(),
            status,
            retry_after,
            body,
        })
    }

    fn observe(&self, outcome: &str, started: Instant) {
        ponte_telemetry::catalog::PROVIDER_SECONDS
            .observe(&[self.label, outcome], started.elapsed());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    struct Plain;
    impl AnswerLogic for Plain {
        fn name(&self) -> &'static str {
            "Test"
        }
    }

    const T: Transport = Transport {
        label: "test",
        name: "Test",
        timeout: Duration::from_secs(5),
    };

    /// A server that answers every connection with `raw` and hangs up.
    async fn serve(raw: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(raw.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        format!("http://{addr}/x?token=secret-token")
    }

    async fn get(url: &str) -> Result<Answer, ExecError> {
        let http = reqwest::Client::new();
        T.send(
            tracing::info_span!("test.http", status = tracing::field::Empty),
            &Method::GET,
            "/x",
            http.get(url),
        )
        .await
    }

    #[tokio::test]
    async fn a_body_cut_off_mid_read_is_worth_another_try() {
        let url = serve("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"id\": 1").await;
        let err = get(&url).await.expect_err("cut off");
        assert!(matches!(err, ExecError::Transient { .. }), "{err:?}");
        assert!(err.to_string().contains("cut off"), "{err}");
        assert!(!err.to_string().contains("secret-token"), "{err}");
    }

    #[tokio::test]
    async fn answers_are_judged_by_the_provider_logic() {
        let url = serve(
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nbusy",
        )
        .await;
        let answer = get(&url).await.expect("an answer");
        let err = answer.json::<serde_json::Value>(&Plain).expect_err("503");
        match err {
            ExecError::Transient {
                retry_after,
                status,
                reason,
            } => {
                assert_eq!(retry_after, Some(Duration::from_secs(7)));
                assert_eq!(status, Some(503));
                assert!(reason.contains("Test GET /x answered 503"), "{reason}");
                assert!(reason.ends_with(": busy"), "the words stay: {reason}");
            }
            other => panic!("{other:?}"),
        }
        let url = serve("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").await;
        let answer = get(&url).await.expect("an answer");
        assert_eq!(
            answer.json_opt::<serde_json::Value>(&Plain).expect("none"),
            None
        );
        assert!(matches!(
            answer.failure(&Plain),
            ExecError::Permanent { .. }
        ));
        let url = serve("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"id\":1}").await;
        let v: serde_json::Value = get(&url).await.expect("ok").json(&Plain).expect("json");
        assert_eq!(v["id"], 1);
    }

    #[tokio::test]
    async fn no_answer_is_transient_and_names_no_url() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let err = get(&format!("http://{addr}/x?token=secret-token"))
            .await
            .expect_err("refused");
        assert!(matches!(err, ExecError::Transient { .. }));
        assert!(!err.to_string().contains("secret-token"), "{err}");
    }

    #[test]
    fn default_verdicts() {
        assert_eq!(default_verdict(StatusCode::OK), Verdict::Done);
        assert_eq!(
            default_verdict(StatusCode::TOO_MANY_REQUESTS),
            Verdict::Retry
        );
        assert_eq!(default_verdict(StatusCode::REQUEST_TIMEOUT), Verdict::Retry);
        assert_eq!(default_verdict(StatusCode::BAD_GATEWAY), Verdict::Retry);
        assert_eq!(default_verdict(StatusCode::BAD_REQUEST), Verdict::Park);
        assert_eq!(default_verdict(StatusCode::NOT_FOUND), Verdict::Park);
        assert_eq!(one_line("a\n  b"), "a b");
        assert_eq!(one_line(""), "(no message)");
    }
}
