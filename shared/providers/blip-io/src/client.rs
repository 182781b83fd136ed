//! A client of Blip's HTTP API: commands and messages with
//! `Authorization: Key`, the plan's throughput respected across replicas
//! (through Redis), and every failure classified. Command failures come as
//! HTTP 200 with `status: failure`; they are errors here, by LIME reason code.

use std::time::Duration;

use ponte_core::Endpoint;
use ponte_worker::Accounts;
use ponte_worker::ExecError;
use ponte_worker::budget::RateBudget;
use ponte_worker::transport::{Answer, AnswerLogic, Transport};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use ponte_blip::model::{CommandResponse, DESK};

/// Requests per second the contract's plan allows (Blip: free plan 3
/// messages and 48 commands a second).
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub messages_per_second: u32,
    pub commands_per_second: u32,
}

impl Default for Throughput {
    fn default() -> Self {
        Throughput {
            messages_per_second: 3,
            commands_per_second: 48,
        }
    }
}

pub struct Client<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    key: &'a str,
    accounts: Accounts<'a>,
    throughput: Throughput,
    bucket: String,
}

/// Longest wait for the account's budget spent in the command's lane; a
/// longer one sends the command back to wait (not an attempt).
const BUDGET_MAX_WAIT: Duration = Duration::from_secs(2);

const TIMEOUT: Duration = Duration::from_secs(70);

const TRANSPORT: Transport = Transport {
    label: "blip",
    name: "Blip",
    timeout: TIMEOUT,
};

impl<'a> Client<'a> {
    pub fn new(
        http: &'a reqwest::Client,
        endpoint: &'a Endpoint,
        accounts: Accounts<'a>,
        mut throughput: Throughput,
    ) -> Result<Self, ExecError> {
        let key = endpoint
            .credential("key")
            .ok_or_else(|| ExecError::permanent("the Blip endpoint has no `key` credential (the HTTP endpoint's Authorization Key)"))?
            .expose();
        if endpoint.rate_per_second > 0 {
            throughput.messages_per_second = endpoint.rate_per_second;
        }
        let account = Sha256::digest(format!("{}\n{key}", endpoint.base_url).as_bytes());
        Ok(Client {
            http,
            base: endpoint.base_url.trim_end_matches('/'),
            key,
            accounts,
            throughput,
            bucket: format!("blip:{}", hex::encode(&account[..8])),
        })
    }

    /// Sends a command to the desk extension and returns its resource.
    pub async fn command(
        &self,
        id: &str,
        method: &str,
        uri: &str,
        kind: Option<&str>,
        resource: Option<Value>,
    ) -> Result<Value, ExecError> {
        let mut body = json!({"id": id, "to": DESK, "method": method, "uri": uri});
        if let Some(k) = kind {
            body["type"] = json!(k);
        }
        if let Some(r) = resource {
            body["resource"] = r;
        }
        self.budget("commands", self.throughput.commands_per_second)
            .await?;
        let mut answer = self.post("/commands", &body).await?;
        // The reason names the command, not only the endpoint.
        answer.path = format!("/commands ({method} {uri})");
        let response: CommandResponse = answer.json(&Answers)?;
        match response.status.as_deref() {
            Some("success") => Ok(response.resource),
            _ => Err(command_failure(method, uri, &response)),
        }
    }

    /// Sends a message envelope; Blip accepts it (202) and delivers later.
    pub async fn message(&self, envelope: &Value) -> Result<(), ExecError> {
        self.budget("messages", self.throughput.messages_per_second)
            .await?;
        let answer = self.post("/messages", envelope).await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(answer.failure(&Answers))
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Answer, ExecError> {
        let span = tracing::info_span!("blip.http", path = %path, status = tracing::field::Empty);
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::AUTHORIZATION, format!("Key {}", self.key))
            .json(body);
        // A body cut off mid-read is a transient failure of the transport.
        TRANSPORT
            .send(span, &reqwest::Method::POST, path, request)
            .await
    }

    /// Waits for a place in the plan's per-second budget; a wait longer
    /// than [`BUDGET_MAX_WAIT`] sends the command back to wait: not an
    /// attempt.
    async fn budget(&self, what: &str, per_second: u32) -> Result<(), ExecError> {
        let bucket = format!("{}:{what}", self.bucket);
        RateBudget::per_second(ponte_core::Provider::Blip, per_second, BUDGET_MAX_WAIT)
            .take(self.accounts, &bucket)
            .await
    }
}

/// Blip's HTTP answers, judged by the shared transport: 429, 408 and 5xx
/// are worth another try (after `Retry-After`), any other answer is not.
/// A command answered 200 can still fail inside: see [`command_failure`].
struct Answers;

impl AnswerLogic for Answers {
    fn name(&self) -> &'static str {
        "Blip"
    }
}

/// LIME reason codes: session, dispatch and gateway troubles (11-17, 51,
/// 61, 71-74) are worth another try; validation, authorization, routing
/// and the rest (21-25, 31-32, 41-43, 62-67) are not.
pub fn is_transient_reason(code: i64) -> bool {
    matches!(code, 1 | 11..=17 | 51 | 61 | 71..=74)
}

fn command_failure(method: &str, uri: &str, response: &CommandResponse) -> ExecError {
    let code = response.reason.as_ref().and_then(|r| r.code).unwrap_or(0);
    let description = response
        .reason
        .as_ref()
        .and_then(|r| r.description.clone())
        .unwrap_or_else(|| "no description".into());
    let reason = format!("Blip command {method} {uri} failed with reason {code}: {description}");
    // Blip answered 200 with a `failure` inside: no HTTP failure status;
    // the reason code is in `reason`.
    let status = None;
    if is_transient_reason(code) {
        ExecError::Transient {
            reason,
            status,
            retry_after: None,
        }
    } else {
        ExecError::Permanent { reason, status }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_blip::model::Reason;

    #[test]
    fn failures_are_classified_by_reason_code() {
        let failed = |code| CommandResponse {
            status: Some("failure".into()),
            reason: Some(Reason {
                code: Some(code),
                description: Some("nope".into()),
            }),
            resource: Value::Null,
        };
        assert!(matches!(
            command_failure("set", "/tickets/change-status", &failed(32)),
            ExecError::Permanent { .. }
        ));
        assert!(matches!(
            command_failure("set", "/tickets/change-status", &failed(51)),
            ExecError::Transient { .. }
        ));
        let e = command_failure("set", "/tickets/change-status", &failed(66));
        assert!(
            e.to_string().contains("66") && e.to_string().contains("nope"),
            "{e}"
        );
    }

    #[test]
    fn http_answers_are_judged_by_the_shared_transport() {
        let answer = |status: u16, body: &str| Answer {
            method: reqwest::Method::POST,
            path: "/commands (set /tickets/change-status)".into(),
            status: reqwest::StatusCode::from_u16(status).expect("status"),
            retry_after: Some(Duration::from_secs(7)),
            body: body.into(),
        };
        match answer(429, "slow down").failure(&Answers) {
            ExecError::Transient {
                retry_after,
                status,
                ..
            } => {
                assert_eq!(
                    retry_after,
                    Some(Duration::from_secs(7)),
                    "Retry-After kept"
                );
                assert_eq!(status, Some(429));
            }
            other => panic!("expected a retry, got {other:?}"),
        }
        assert!(matches!(
            answer(408, "").failure(&Answers),
            ExecError::Transient { .. }
        ));
        let refused = answer(400, "bad  uri").failure(&Answers);
        assert!(matches!(refused, ExecError::Permanent { .. }));
        assert_eq!(
            refused.to_string(),
            "Blip POST /commands (set /tickets/change-status) answered 400 Bad Request: bad uri"
        );
    }
}
