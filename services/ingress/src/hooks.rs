use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ponte_core::{Envelope, Integration, Provider, Side, TicketRef};
use ponte_http::ApiError;
use ponte_telemetry::{catalog, propagation};
use serde_json::Value;
use tracing::Instrument;

use crate::app::State;
use crate::auth;

/// Past the limit the rest of the body is still read, up to this much, so
/// the client gets the 413 instead of a reset connection.
const DRAIN_CAP: usize = 16 * 1024 * 1024;

/// The body when it fits in `limit`; `None` when it does not. `expected`
/// is the length the request announced, if any (room is made for it).
async fn read_limited(body: Body, limit: usize, expected: Option<usize>) -> Option<Vec<u8>> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::with_capacity(expected.unwrap_or(0).min(limit));
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        seen += chunk.len();
        if seen <= limit {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAIN_CAP {
            return None;
        }
    }
    (seen <= limit).then_some(kept)
}

/// How long the ingress remembers an event id to answer repeats.
const DEDUPE_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

pub(crate) async fn receive(
    AxumState(state): AxumState<Arc<State>>,
    Path((provider, integration)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Response {
    // The request is taken whole: the header and extension extractors
    // would copy both on every webhook.
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    // Labels and log fields come from closed sets or are escaped: the path
    // is the caller's text (a `%0A` in it is a line feed here).
    let provider_label = known_provider(&provider);
    let span = tracing::info_span!("ingress.webhook", provider = provider_label, integration = %integration.escape_debug(), event_id = tracing::field::Empty, refusal = tracing::field::Empty);
    // Boxed: the handling's state is large, and unboxed it would be
    // copied through every layer that wraps this future.
    let result = Box::pin(handle(
        &state,
        &provider,
        &integration,
        query.as_deref(),
        &headers,
        body,
    ))
    .instrument(span.clone())
    .await;
    let outcome = match &result {
        Ok((_, taken)) => taken.as_str(),
        Err(e) => e.code,
    };
    catalog::WEBHOOKS.inc(&[provider_label, outcome]);
    match result {
        Ok((event_id, taken)) => accepted(&event_id, taken),
        Err(e) => {
            let client = parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "unknown".to_string(), |c| c.0.to_string());
            span.in_scope(|| {
                tracing::info!(
                    status = e.status.as_u16(),
                    code = e.code,
                    client = %client,
                    "webhook refused"
                )
            });
            e.into_response()
        }
    }
}

/// `202 {"event_id", "duplicate"}` (and `"own_write": true` when it is).
fn accepted(event_id: &str, taken: Taken) -> Response {
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        event_id: &'a str,
        duplicate: bool,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        own_write: bool,
    }
    let answer = Answer {
        event_id,
        duplicate: taken == Taken::Duplicate,
        own_write: taken == Taken::OwnWrite,
    };
    (StatusCode::ACCEPTED, Json(answer)).into_response()
}

/// Whether the webhook takes the mark Ponte set before a write that adds
/// no action: the one Redis round trip before the publish (decision 114).
/// Unanswered, the webhook is queued and the router asks again.
async fn takes_mark(state: &State, mark: &str) -> bool {
    match state.store.take_echo(mark).await {
        Ok(taken) => taken,
        Err(e) => {
            tracing::warn!(error = %e, "cannot ask whether this webhook reports Ponte's own marker; queueing it");
            false
        }
    }
}

/// The console's "last webhook" cursor and its new value, when this
/// integration's is due (at most once a second).
fn heard_now(
    state: &State,
    integration: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(String, String)> {
    state
        .last_heard
        .due(integration, std::time::Instant::now())
        .then(|| (format!("last_webhook:{integration}"), now.to_rfc3339()))
}

/// What became of an accepted webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Taken {
    /// Queued for the router.
    Accepted,
    /// A provider's retry of one queued before: the router drops the copy.
    Duplicate,
    /// It reports only Ponte's own write at that desk: nothing is to be
    /// done, so nothing is queued (decision 108).
    OwnWrite,
}

impl Taken {
    /// The `outcome` label of `ponte_webhooks_total`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Taken::Accepted => "accepted",
            Taken::Duplicate => "duplicate",
            Taken::OwnWrite => "own_write",
        }
    }
}

/// The one answer for every request no enabled integration accepts.
fn not_accepted(integration_id: &str) -> ApiError {
    ApiError::unauthorized(format!(
        "no enabled integration `{}` accepts this request's secret; present the integration's inbound secret as `Authorization: Bearer <secret>`, `X-Ponte-Token: <secret>` or `?token=<secret>`",
        integration_id.escape_debug()
    ))
}

/// The provider's name when it is one Ponte serves, else `unknown`.
fn known_provider(name: &str) -> &'static str {
    name.parse::<Provider>()
        .map(Provider::as_str)
        .unwrap_or("unknown")
}

/// The integration and the side whose secret the request presents, or
/// why the request is refused (for the log line only).
async fn admit(
    state: &State,
    provider: Provider,
    integration_id: &str,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Result<(Arc<Integration>, Side), &'static str>, ApiError> {
    let integration = state.integrations.get(integration_id).await.map_err(|e| {
        tracing::error!(error = %e, "state store unavailable");
        ApiError::unavailable(
            "store_unavailable",
            "Ponte cannot read its configuration right now; retry later",
        )
    })?;
    let Some(integration) = integration else {
        return Ok(Err("unknown_integration"));
    };
    if !integration.enabled {
        return Ok(Err("disabled_integration"));
    }
    if integration.source.provider != provider && integration.target.provider != provider {
        return Ok(Err("no_side_of_this_provider"));
    }
    Ok(
        match auth::side_for(&integration, provider, headers, query) {
            Ok(side) => Ok((integration, side)),
            Err(auth::Refusal::Missing) => Err("missing_secret"),
            Err(auth::Refusal::Mismatch) => Err("bad_secret"),
        },
    )
}

async fn handle(
    state: &State,
    provider_name: &str,
    integration_id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(String, Taken), ApiError> {
    let provider: Provider = provider_name.parse().map_err(|_| {
        ApiError::not_found(format!(
            "unknown provider `{provider_name}`; webhooks go to /hooks/{{movidesk|octadesk|okdesk|uis|blip}}/{{integration}}"
        ))
        .with_code("unknown_provider")
    })?;
    // Unknown, disabled, no side of this provider, no secret, a wrong
    // secret: one answer for all, so nobody learns from outside which
    // integrations exist. The log line says which it was. The copy in
    // memory may predate a change the admin made a moment ago (a new
    // secret, an integration enabled): before refusing, it catches up once
    // and the request is judged again. Again even when this refresh found
    // nothing to load: the watcher may have brought the copy up to date
    // since the first judgement.
    let mut admitted = admit(state, provider, integration_id, headers, query).await?;
    if admitted.is_err() {
        state.integrations.refresh().await;
        admitted = admit(state, provider, integration_id, headers, query).await?;
    }
    let (integration, side) = admitted.map_err(|why| {
        tracing::Span::current().record("refusal", why);
        not_accepted(integration_id)
    })?;

    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !(mime == "application/json"
        || (mime.starts_with("application/") && mime.ends_with("+json")))
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "the body must be JSON (Content-Type: application/json), got `{}`",
                if content_type.is_empty() {
                    "nothing"
                } else {
                    content_type
                }
            ),
        ));
    }
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the body is larger than the {} bytes this ingress accepts",
                state.body_limit
            ),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let bytes = read_limited(body, state.body_limit, announced)
        .await
        .ok_or_else(too_large)?;
    let payload: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
    })?;
    let reading = ponte_webhooks::reader(provider)
        .reading(&payload)
        .map_err(|e| ApiError::bad_request("invalid_body", e.0))?;
    let accepted = reading.accepted;
    let own_write = ponte_webhooks::own_write(&integration, provider, side, &payload);
    // A body that lists no action may be the echo of a marker Ponte wrote
    // (decision 114); a warehouse never marks, so it is not asked.
    let quiet = match (own_write, integration.target.provider) {
        (false, target) if target != Provider::Warehouse => ponte_webhooks::quiet_echo(
            &integration.id,
            provider,
            side,
            &accepted.subject_id,
            &payload,
        ),
        _ => None,
    };
    let ticket = TicketRef {
        integration: integration.id.clone(),
        side,
        provider,
        ticket_id: accepted.subject_id,
    };
    // The same delivery from the same side always gets the same id, so a
    // provider's retry is recognised (see `Envelope::webhook`).
    let envelope = Envelope::webhook(
        ticket,
        accepted.dedupe_key.as_deref(),
        payload,
        reading.changes,
    );
    let event_id = envelope.id.clone();
    let now = envelope.received_at;
    tracing::Span::current().record("event_id", event_id.as_str());
    let own_write = own_write
        || match &quiet {
            Some(mark) => takes_mark(state, mark).await,
            None => false,
        };
    if own_write {
        // The router would drop it unread; queueing it would cost the
        // broker a message and the router a pass for nothing.
        if let Some((name, at)) = &heard_now(state, &integration.id, now)
            && let Err(e) = state.store.set_cursor(name, at).await
        {
            tracing::warn!(error = %e, "cannot note when this integration last heard from its provider");
        }
        catalog::ECHOES_DROPPED.inc(&[Taken::OwnWrite.as_str()]);
        tracing::info!(ticket = %envelope.shard_key, "webhook reports Ponte's own write; nothing to queue");
        return Ok((event_id, Taken::OwnWrite));
    }
    let delivered = crate::spool_forward::deliver(
        &state.bus,
        state.spool.as_ref(),
        &envelope,
        &propagation::inject_current(),
    )
    .await?;
    // One round trip after the publish remembers the id and says whether
    // it was remembered already (a provider's retry: answered as a
    // duplicate; the router drops the copy), and, at most once a second per
    // integration, when the ingress last heard from a provider (the console
    // shows it). Nothing before the publish (decision 107).
    let heard = heard_now(state, &integration.id, now);
    let note = heard.as_ref().map(|(k, v)| (k.as_str(), v.as_str()));
    let duplicate = match state
        .store
        .mark_first_and_cursor("event", &event_id, DEDUPE_WINDOW, note)
        .await
    {
        Ok(first) => !first,
        Err(e) => {
            tracing::warn!(error = %e, "cannot remember the event id; the router drops repeats");
            false
        }
    };
    if duplicate {
        tracing::info!(ticket = %envelope.shard_key, ?delivered, "webhook repeated; the router drops the copy");
        return Ok((event_id, Taken::Duplicate));
    }
    tracing::info!(ticket = %envelope.shard_key, ?delivered, "webhook accepted");
    Ok((event_id, Taken::Accepted))
}
