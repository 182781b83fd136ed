//! What a manual "create counterpart" will send, before it is sent; and
//! reading a source ticket Ponte has not seen yet (its webhook was lost,
//! or it was opened before the integration existed).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use ponte_core::ids::derive;
use ponte_core::{Command, Integration, Operation, Side, Ticket, TicketRef, Visibility};
use ponte_http::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::State;
use crate::body::{json, store_error};
use crate::integrations::load;

/// A read of the same ticket is asked of its desk at most once per window;
/// previews polled meanwhile wait for that one.
const READ_WINDOW: Duration = Duration::from_secs(30);
/// What a client polling the preview is told to wait between two polls.
pub(crate) const RETRY_AFTER_SECS: u64 = 2;

#[derive(Deserialize)]
pub(crate) struct PreviewRequest {
    pub integration: String,
    pub source_ticket: String,
}

/// One field of the counterpart as the correlation maps it, or why it
/// cannot be mapped (the create still goes ahead without it).
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreviewField {
    /// `status`, `category`, `urgency`, `agent`, `custom_field:<id>`, or
    /// `custom_fields` when the whole list could not be mapped.
    pub field: String,
    pub value: Option<String>,
    pub problem: Option<String>,
}

/// The counterpart a manual create would open on the target.
#[derive(Serialize, Debug, Clone)]
pub(crate) struct Preview {
    pub integration: String,
    pub source_ticket: String,
    pub target_provider: String,
    pub subject: String,
    pub visibility: Visibility,
    pub client: Option<String>,
    pub first_action: Option<String>,
    pub fields: Vec<PreviewField>,
}

impl Preview {
    pub(crate) fn of(integration: &Integration, t: &Ticket) -> Preview {
        let client = t.client().map(|c| {
            [c.name.as_deref(), c.email.as_deref(), c.phone.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        });
        Preview {
            integration: integration.id.clone(),
            source_ticket: t.id.clone(),
            target_provider: integration.target.provider.as_str().to_string(),
            subject: t.subject.clone(),
            visibility: t.visibility,
            client: client.filter(|c| !c.is_empty()),
            first_action: t.first_action().map(|a| a.text.clone()),
            fields: correlated(integration, t),
        }
    }
}

fn field(name: &str, r: Result<String, impl std::fmt::Display>) -> PreviewField {
    match r {
        Ok(v) => PreviewField {
            field: name.to_string(),
            value: Some(v),
            problem: None,
        },
        Err(e) => PreviewField {
            field: name.to_string(),
            value: None,
            problem: Some(e.to_string()),
        },
    }
}

/// The correlated fields the counterpart will get, or why one cannot be.
fn correlated(i: &Integration, t: &Ticket) -> Vec<PreviewField> {
    let c = &i.correlation;
    let mut out = vec![field("status", c.status(Side::Source, &t.status))];
    if let Some(cat) = &t.category {
        out.push(field("category", c.category(cat)));
    }
    if let Some(u) = &t.urgency {
        out.push(field("urgency", c.urgency(u)));
    }
    let owner = t.owner.as_ref().and_then(|o| o.id.as_deref());
    match c.agent(owner) {
        Ok(Some(a)) => out.push(field(
            "agent",
            Ok::<_, String>(
                a.team
                    .map(|team| format!("{} ({team})", a.id))
                    .unwrap_or(a.id),
            ),
        )),
        Ok(None) => {}
        Err(e) => out.push(field("agent", Err::<String, _>(e))),
    }
    match c.custom_fields(Side::Source, &t.custom_fields) {
        Ok(fields) => {
            for f in fields {
                let value = f
                    .field
                    .value
                    .clone()
                    .unwrap_or_else(|| f.field.items.join(", "));
                out.push(field(
                    &format!("custom_field:{}", f.field.id),
                    Ok::<_, String>(value),
                ));
            }
        }
        Err(e) => out.push(field("custom_fields", Err::<String, _>(e))),
    }
    out
}

/// The ticket as Ponte last read it, or `None` after asking the source's
/// worker to read it (once per [`READ_WINDOW`]).
pub(crate) async fn source_ticket(
    state: &State,
    integration: &Integration,
    ticket_id: &str,
) -> Result<Option<Ticket>, ApiError> {
    let source = TicketRef {
        integration: integration.id.clone(),
        side: Side::Source,
        provider: integration.source.provider,
        ticket_id: ticket_id.to_string(),
    };
    let known: Option<Ticket> = state
        .store
        .snapshot(&source.key())
        .await
        .map_err(store_error)?
        .and_then(|v| serde_json::from_value(v).ok());
    if known.is_some() {
        return Ok(known);
    }
    let provider = integration.source.provider;
    if provider.is_channel() || provider.is_telephony() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "unknown_ticket",
            format!(
                "Ponte has not seen #{ticket_id}; a {} conversation is known only from its messages",
                integration.source.provider
            ),
        ));
    }
    // One read per window, however many previews poll meanwhile: the
    // first to take the lock queues it.
    let subject = source.key();
    let lock = format!("manual-read:{subject}");
    if state
        .store
        .try_lock(&lock, READ_WINDOW)
        .await
        .map_err(store_error)?
    {
        let cause = derive(&["manual-read", &subject, &Utc::now().to_rfc3339()]);
        let op = Operation::SyncTicket {
            ticket_id: ticket_id.to_string(),
        };
        let command = Command::new(integration, Side::Source, &cause, op);
        if let Err(e) = crate::manual::queue(state, command).await {
            // Not queued: the next poll may try again.
            let _ = state.store.release_lock(&lock).await;
            return Err(e);
        }
        tracing::info!(ticket = %subject, "source ticket read requested for a manual create");
    }
    Ok(None)
}

/// How long a manual create waits for a source ticket Ponte had not read.
const READ_WAIT: Duration = Duration::from_secs(20);

/// The source ticket, read from its desk first when Ponte has not seen it:
/// waits up to [`READ_WAIT`], then answers 503 (the read stays queued, so a
/// retry finds it).
pub(crate) async fn read_source(
    state: &State,
    integration: &Integration,
    ticket_id: &str,
) -> Result<Ticket, ApiError> {
    let started = std::time::Instant::now();
    loop {
        if let Some(t) = source_ticket(state, integration, ticket_id).await? {
            return Ok(t);
        }
        if started.elapsed() >= READ_WAIT {
            return Err(ApiError::unavailable(
                "ticket_not_read_yet",
                format!(
                    "Ponte asked {} for ticket #{ticket_id} and has no answer after {} s (the desk's API budget may be waiting); try again in a moment",
                    integration.source.provider,
                    READ_WAIT.as_secs()
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `POST /links/preview`: 200 with the preview, or 202 while the source
/// desk is being read (poll again after `Retry-After`).
pub(crate) async fn preview(
    AxumState(state): AxumState<Arc<State>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: PreviewRequest = json(&body)?;
    let integration = load(&state, &req.integration).await?;
    let number = req.source_ticket.trim();
    if number.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "`source_ticket` must be a ticket number",
        ));
    }
    match source_ticket(&state, &integration, number).await? {
        Some(t) => Ok(Json(Preview::of(&integration, &t)).into_response()),
        None => Ok(reading(&integration, number)),
    }
}

/// 202: the desk is being asked for the ticket.
pub(crate) fn reading(integration: &Integration, number: &str) -> Response {
    let mut r = (
        StatusCode::ACCEPTED,
        Json(json!({
            "status": "reading",
            "integration": integration.id,
            "source_ticket": number,
            "message": format!(
                "Ponte is reading #{number} from {}; ask again in a moment",
                integration.source.provider
            ),
            "retry_after_secs": RETRY_AFTER_SECS,
        })),
    )
        .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmappable_status_is_a_problem_not_a_value() {
        let f = field("status", Err::<String, _>("no mapping for `Zzz`"));
        assert_eq!(f.value, None);
        assert_eq!(f.problem.as_deref(), Some("no mapping for `Zzz`"));
    }
}
