use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use ponte_core::Integration;
use ponte_core::integration::validate_id;
use ponte_http::ApiError;
use serde::Deserialize;
use serde_json::json;

use crate::app::State;
use crate::body::{json, store_error};

type Shared = AxumState<Arc<State>>;

fn invalid(e: ponte_core::ValidationError) -> ApiError {
    ApiError::bad_request("invalid_integration", e.to_string())
}

pub(crate) async fn load(state: &State, id: &str) -> Result<Integration, ApiError> {
    state
        .store
        .integration(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no integration `{id}`")))
}

pub(crate) async fn list(AxumState(state): Shared) -> Result<Response, ApiError> {
    let all = state.store.integrations().await.map_err(store_error)?;
    let shown: Vec<Integration> = all.iter().map(Integration::redacted).collect();
    Ok(Json(json!({"integrations": shown})).into_response())
}

pub(crate) async fn get(
    AxumState(state): Shared,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(load(&state, &id).await?.redacted()).into_response())
}

pub(crate) async fn create(AxumState(state): Shared, body: Bytes) -> Result<Response, ApiError> {
    let integration: Integration = json(&body)?;
    let stored = save_new(&state, integration).await?;
    Ok((StatusCode::CREATED, Json(stored.redacted())).into_response())
}

/// Stores a new integration; refuses an invalid one or an id in use. The
/// API and the console both create through here.
pub(crate) async fn save_new(
    state: &State,
    mut integration: Integration,
) -> Result<Integration, ApiError> {
    integration.validate().map_err(invalid)?;
    if state
        .store
        .integration(&integration.id)
        .await
        .map_err(store_error)?
        .is_some()
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_exists",
            format!(
                "integration `{}` exists; PUT /api/v1/integrations/{} replaces it",
                integration.id, integration.id
            ),
        ));
    }
    integration.updated_at = Some(Utc::now());
    state
        .store
        .put_integration(&integration)
        .await
        .map_err(store_error)?;
    tracing::info!(integration = %integration.id, "integration created");
    Ok(integration)
}

/// Creates or replaces. Secrets sent as `***` (or left out) keep their
/// stored values, so what GET shows can be edited and sent back.
pub(crate) async fn replace(
    AxumState(state): Shared,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut value: serde_json::Value = json(&body)?;
    match value.get("id").and_then(|v| v.as_str()) {
        Some(body_id) if body_id != id => {
            return Err(ApiError::bad_request(
                "invalid_integration",
                format!("`id`: the body says `{body_id}` but the URL says `{id}`"),
            ));
        }
        Some(_) => {}
        None => {
            if let Some(obj) = value.as_object_mut() {
                obj.insert("id".into(), json!(id));
            }
        }
    }
    let integration: Integration = serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request("invalid_body", format!("invalid integration: {e}")))?;
    let (stored, created) = save_replace(&state, &id, integration).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(stored.redacted())).into_response())
}

/// Creates or replaces integration `id`, keeping stored secrets the update
/// left out or sent as `***`. Returns what was stored and whether it is new.
pub(crate) async fn save_replace(
    state: &State,
    id: &str,
    mut integration: Integration,
) -> Result<(Integration, bool), ApiError> {
    validate_id(id).map_err(invalid)?;
    let stored = state.store.integration(id).await.map_err(store_error)?;
    if let Some(old) = &stored {
        integration.source.keep_secrets_from(&old.source);
        integration.target.keep_secrets_from(&old.target);
    }
    integration.validate().map_err(invalid)?;
    integration.updated_at = Some(Utc::now());
    state
        .store
        .put_integration(&integration)
        .await
        .map_err(store_error)?;
    tracing::info!(integration = %id, created = stored.is_none(), "integration stored");
    Ok((integration, stored.is_none()))
}

pub(crate) async fn delete(
    AxumState(state): Shared,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    remove(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn remove(state: &State, id: &str) -> Result<(), ApiError> {
    if state
        .store
        .delete_integration(id)
        .await
        .map_err(store_error)?
    {
        tracing::info!(integration = %id, "integration deleted");
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no integration `{id}`")))
    }
}

pub(crate) async fn set_enabled(
    state: &State,
    id: &str,
    enabled: bool,
) -> Result<Integration, ApiError> {
    let mut integration = load(state, id).await?;
    integration.enabled = enabled;
    integration.updated_at = Some(Utc::now());
    state
        .store
        .put_integration(&integration)
        .await
        .map_err(store_error)?;
    tracing::info!(integration = %id, enabled, "integration switched");
    Ok(integration)
}

pub(crate) async fn enable(
    AxumState(state): Shared,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(set_enabled(&state, &id, true).await?.redacted()).into_response())
}

pub(crate) async fn disable(
    AxumState(state): Shared,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(set_enabled(&state, &id, false).await?.redacted()).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CloneRequest {
    id: String,
    name: Option<String>,
}

/// A copy under a new id, disabled until someone enables it, so a clone
/// never starts handling the original's traffic by surprise.
pub(crate) async fn clone(
    AxumState(state): Shared,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CloneRequest = json(&body)?;
    let copy = copy(&state, &id, &request.id, request.name).await?;
    Ok((StatusCode::CREATED, Json(copy.redacted())).into_response())
}

/// Copies integration `id` as `new_id`, disabled.
pub(crate) async fn copy(
    state: &State,
    id: &str,
    new_id: &str,
    name: Option<String>,
) -> Result<Integration, ApiError> {
    validate_id(new_id).map_err(invalid)?;
    let original = load(state, id).await?;
    if state
        .store
        .integration(new_id)
        .await
        .map_err(store_error)?
        .is_some()
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_exists",
            format!("integration `{new_id}` exists"),
        ));
    }
    let copy = Integration {
        id: new_id.to_string(),
        name: name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("{} (copy)", original.name)),
        enabled: false,
        updated_at: Some(Utc::now()),
        ..original
    };
    state
        .store
        .put_integration(&copy)
        .await
        .map_err(store_error)?;
    tracing::info!(integration = %new_id, from = %id, "integration cloned");
    Ok(copy)
}
