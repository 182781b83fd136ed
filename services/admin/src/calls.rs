//! Call history of a telephony integration: caller, time, outcome,
//! recording, and the ticket opened for a missed call.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State as AxumState};
use axum::response::{IntoResponse, Response};
use ponte_http::ApiError;
use serde::Deserialize;
use serde_json::json;

use crate::app::State;
use crate::body::store_error;
use crate::integrations::load;

#[derive(Deserialize)]
pub(crate) struct CallQuery {
    integration: String,
    limit: Option<usize>,
}

pub(crate) async fn list(
    AxumState(state): AxumState<Arc<State>>,
    Query(q): Query<CallQuery>,
) -> Result<Response, ApiError> {
    load(&state, &q.integration).await?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let calls = state
        .store
        .calls(&q.integration, limit)
        .await
        .map_err(store_error)?;
    Ok(Json(json!({"integration": q.integration, "calls": calls})).into_response())
}
