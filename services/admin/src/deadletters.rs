use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxumState};
use axum::response::{IntoResponse, Response};
use ponte_bus::{BusError, DeadLetter, Selection};
use ponte_http::ApiError;
use serde::Deserialize;
use serde_json::json;

use crate::app::State;
use crate::body::json;

pub(crate) fn bus_error(e: BusError) -> ApiError {
    match e {
        BusError::UnknownQueue(q) => ApiError::not_found(format!(
            "unknown dead-letter queue `{q}`; queues are named after providers (movidesk, octadesk, okdesk, uis, blip, warehouse) and `router`"
        )),
        other => {
            tracing::error!(error = %other, "broker failure");
            ApiError::unavailable(
                "broker_unavailable",
                format!("the broker is unavailable: {other}"),
            )
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    queue: Option<String>,
    integration: Option<String>,
    reason: Option<String>,
    limit: Option<usize>,
}

pub(crate) async fn list(
    AxumState(state): AxumState<Arc<State>>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let selection = Selection {
        id: None,
        integration: q.integration,
        reason_contains: q.reason,
        limit: q.limit,
    };
    let out = parked(&state, q.queue, &selection).await?;
    Ok(Json(json!({"dead_letters": out})).into_response())
}

/// The parked messages of one queue (or of every queue) that `selection`
/// picks, left where they are.
pub(crate) async fn parked(
    state: &State,
    queue: Option<String>,
    selection: &Selection,
) -> Result<Vec<DeadLetter>, ApiError> {
    let queues = match queue {
        Some(name) => vec![name],
        None => state.bus.topology().dlq_names(),
    };
    let mut out = Vec::new();
    for name in queues {
        out.extend(
            state
                .bus
                .dead_letters(&name, selection)
                .await
                .map_err(bus_error)?,
        );
    }
    Ok(out)
}

pub(crate) async fn show(
    AxumState(state): AxumState<Arc<State>>,
    Path((queue, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let selection = Selection {
        id: Some(id.clone()),
        ..Selection::default()
    };
    let found = state
        .bus
        .dead_letters(&queue, &selection)
        .await
        .map_err(bus_error)?;
    match found.into_iter().next() {
        Some(dl) => Ok(Json(dl).into_response()),
        None => Err(ApiError::not_found(format!(
            "no parked message `{id}` in `{queue}`"
        ))),
    }
}

/// Which messages to act on. Nothing selected is refused: `all: true` must
/// be said out loud.
#[derive(Deserialize, Default)]
pub(crate) struct Choice {
    id: Option<String>,
    integration: Option<String>,
    reason: Option<String>,
    #[serde(default)]
    all: bool,
    limit: Option<usize>,
}

impl Choice {
    fn selection(self) -> Result<Selection, ApiError> {
        if self.id.is_none() && self.integration.is_none() && self.reason.is_none() && !self.all {
            return Err(ApiError::bad_request(
                "nothing_selected",
                "say which messages: `id`, `integration`, `reason`, or `all: true`",
            ));
        }
        Ok(Selection {
            id: self.id,
            integration: self.integration,
            reason_contains: self.reason,
            limit: self.limit,
        })
    }
}

pub(crate) async fn replay(
    AxumState(state): AxumState<Arc<State>>,
    Path(queue): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let selection = json::<Choice>(&body)?.selection()?;
    let result = state.bus.replay(&queue, &selection).await;
    // The audit trail: who asked for what, and what came of it.
    match &result {
        Ok(n) => tracing::info!(
            audit = true,
            action = "dlq.replay",
            queue = %queue.escape_debug(),
            selection = ?selection,
            outcome = "done",
            replayed = n,
            "dead letters replayed"
        ),
        Err(e) => tracing::warn!(
            audit = true,
            action = "dlq.replay",
            queue = %queue.escape_debug(),
            selection = ?selection,
            outcome = "failed",
            error = %e,
            "dead-letter replay failed"
        ),
    }
    let n = result.map_err(bus_error)?;
    Ok(Json(json!({"queue": queue, "replayed": n})).into_response())
}

pub(crate) async fn purge(
    AxumState(state): AxumState<Arc<State>>,
    Path(queue): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let selection = json::<Choice>(&body)?.selection()?;
    let result = state.bus.purge(&queue, &selection).await;
    // The audit trail: who asked for what, and what came of it.
    match &result {
        Ok(n) => tracing::info!(
            audit = true,
            action = "dlq.purge",
            queue = %queue.escape_debug(),
            selection = ?selection,
            outcome = "done",
            purged = n,
            "dead letters purged"
        ),
        Err(e) => tracing::warn!(
            audit = true,
            action = "dlq.purge",
            queue = %queue.escape_debug(),
            selection = ?selection,
            outcome = "failed",
            error = %e,
            "dead-letter purge failed"
        ),
    }
    let n = result.map_err(bus_error)?;
    Ok(Json(json!({"queue": queue, "purged": n})).into_response())
}
