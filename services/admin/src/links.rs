use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as AxumState};
use axum::response::{IntoResponse, Response};
use ponte_core::Link;
use ponte_http::ApiError;
use ponte_store::LinkStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::State;
use crate::body::store_error;

#[derive(Deserialize)]
pub(crate) struct LinkFilter {
    integration: Option<String>,
    ticket: Option<String>,
}

pub(crate) async fn list(
    AxumState(state): AxumState<Arc<State>>,
    Query(filter): Query<LinkFilter>,
) -> Result<Response, ApiError> {
    let links = find(&state, filter.integration, filter.ticket).await?;
    Ok(Json(json!({"links": links})).into_response())
}

/// Links of one integration (or all), optionally only those with `ticket`
/// on either side.
pub(crate) async fn find(
    state: &State,
    integration: Option<String>,
    ticket: Option<String>,
) -> Result<Vec<Link>, ApiError> {
    let integrations = match &integration {
        Some(i) => vec![i.clone()],
        None => state
            .store
            .integrations()
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|i| i.id)
            .collect(),
    };
    let mut links = Vec::new();
    for id in integrations {
        links.extend(state.store.links(&id).await.map_err(store_error)?);
    }
    if let Some(t) = &ticket {
        links.retain(|l| &l.source_ticket == t || &l.target_ticket == t);
    }
    Ok(links)
}

pub(crate) async fn get(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let link = state
        .store
        .link(&id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no link `{id}`")))?;
    let status = state.store.link_status(&id).await.map_err(store_error)?;
    Ok(Json(LinkView {
        link: &link,
        status,
    })
    .into_response())
}

/// A link with each side's current status.
#[derive(Serialize)]
struct LinkView<'a> {
    #[serde(flatten)]
    link: &'a Link,
    status: LinkStatus,
}

pub(crate) async fn history(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let entries = state.store.history(&id).await.map_err(store_error)?;
    Ok(Json(json!({"link": id, "history": entries})).into_response())
}
