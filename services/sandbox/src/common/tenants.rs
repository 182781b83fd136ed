//! What every simulator's tenant registry (Movidesk domains, Blip contracts, Okdesk and UIS accounts,
//! Octadesk tenants) shares, and the control routes written once on top of it: registration
//! (`GET/POST /{tenants}`, `GET/PATCH/DELETE /{tenants}/{name}`) and the outbox's records
//! (`GET/DELETE /{tenant}/webhooks`, `POST /{tenant}/webhooks/drop`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::{ControlError, parse_body};
use super::outbox::{Deliverable, Outbox};
use crate::state::AppState;

/// One simulator's tenants, as the shared control routes use them.
pub trait Tenants: Send + Sync + Sized + 'static {
    type Tenant;
    /// The registration body (`POST /{tenants}`).
    type Spec: DeserializeOwned;
    /// The settings change body (`PATCH /{tenants}/{name}`).
    type Patch: DeserializeOwned;
    /// The provider's name in fault injection, when its tenants can have faults.
    const FAULTS: Option<&'static str>;

    /// This registry in the sandbox's state.
    fn of(state: &AppState) -> &Self;
    /// The control API's 404 for an unknown tenant.
    fn unknown(name: &str) -> ControlError;
    /// Registers a tenant and returns its view. Must run inside a Tokio runtime (spawns the outbox).
    fn register(&self, spec: Self::Spec) -> Result<Value, ControlError>;
    /// Changes a tenant's settings and returns its view.
    fn patch(&self, name: &str, patch: Self::Patch) -> Result<Value, ControlError>;
    /// A tenant's view.
    fn view(tenant: &Self::Tenant) -> Value;
    /// Runs `f` on the tenants by name under the registry's lock. `f` must not block.
    fn with_map<R>(&self, f: impl FnOnce(&mut BTreeMap<String, Self::Tenant>) -> R) -> R;

    /// Every tenant's view.
    fn list(&self) -> Vec<Value> {
        self.with_map(|m| m.values().map(Self::view).collect())
    }

    /// Forgets a tenant; false when there was none.
    fn remove(&self, name: &str) -> bool {
        self.with_map(|m| m.remove(name).is_some())
    }

    fn exists(&self, name: &str) -> bool {
        self.with_map(|m| m.contains_key(name))
    }

    /// The name of the first tenant (by name) that `matches` (e.g. the one a credential selects).
    fn find_name(&self, matches: impl Fn(&Self::Tenant) -> bool) -> Option<String> {
        self.with_map(|m| {
            m.iter()
                .find(|(_, t)| matches(t))
                .map(|(name, _)| name.clone())
        })
    }

    /// Runs `f` on a tenant under the registry's lock. `f` must not block.
    fn with_tenant<R>(&self, name: &str, f: impl FnOnce(&mut Self::Tenant) -> R) -> Option<R> {
        self.with_map(|m| m.get_mut(name).map(f))
    }

    /// Like `with_tenant`, with the control API's 404 for an unknown tenant.
    fn control<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut Self::Tenant) -> Result<R, ControlError>,
    ) -> Result<R, ControlError> {
        self.with_tenant(name, f)
            .unwrap_or_else(|| Err(Self::unknown(name)))
    }
}

/// A tenant whose outgoing calls leave through an outbox shown by the control API.
pub trait HasOutbox {
    type Payload: Deliverable;
    fn outbox(&mut self) -> &mut Outbox<Self::Payload>;
}

/// `GET/POST {collection}` and `GET/PATCH/DELETE {collection}/{name}`.
pub fn registration_routes<T: Tenants>(collection: &str) -> Router<Arc<AppState>> {
    Router::new()
        .route(collection, get(list::<T>).post(create::<T>))
        .route(
            &format!("{collection}/{{name}}"),
            get(read::<T>).patch(patch::<T>).delete(delete::<T>),
        )
}

/// `GET/DELETE {records}` (the outbox's delivery records) and `POST {records}/drop` (`{"count"}`).
pub fn outbox_routes<T>(records: &str) -> Router<Arc<AppState>>
where
    T: Tenants,
    T::Tenant: HasOutbox,
    <<T::Tenant as HasOutbox>::Payload as Deliverable>::Record: serde::Serialize,
{
    Router::new()
        .route(records, get(list_records::<T>).delete(clear_records::<T>))
        .route(&format!("{records}/drop"), post(drop_next::<T>))
}

async fn list<T: Tenants>(State(state): State<Arc<AppState>>) -> Json<Vec<Value>> {
    Json(T::of(&state).list())
}

async fn create<T: Tenants>(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let spec: T::Spec = match parse_body(&body) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    match T::of(&state).register(spec) {
        Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn read<T: Tenants>(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ControlError> {
    T::of(&state).control(&name, |t| Ok(Json(T::view(t))))
}

async fn patch<T: Tenants>(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let patch: T::Patch = parse_body(&body)?;
    T::of(&state).patch(&name, patch).map(Json)
}

async fn delete<T: Tenants>(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<StatusCode, ControlError> {
    if T::of(&state).remove(&name) {
        if let Some(provider) = T::FAULTS {
            state.faults.clear(provider, &name);
        }
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(T::unknown(&name))
    }
}

async fn list_records<T>(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<Response, ControlError>
where
    T: Tenants,
    T::Tenant: HasOutbox,
    <<T::Tenant as HasOutbox>::Payload as Deliverable>::Record: serde::Serialize,
{
    T::of(&state).control(&tenant, |t| Ok(Json(t.outbox().records()).into_response()))
}

async fn clear_records<T>(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<StatusCode, ControlError>
where
    T: Tenants,
    T::Tenant: HasOutbox,
{
    T::of(&state).control(&tenant, |t| {
        t.outbox().clear_records();
        Ok(StatusCode::NO_CONTENT)
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DropRequest {
    count: u32,
}

async fn drop_next<T>(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ControlError>
where
    T: Tenants,
    T::Tenant: HasOutbox,
{
    let req: DropRequest = parse_body(&body)?;
    T::of(&state).control(&tenant, |t| {
        let pending = t.outbox().drop_next(req.count);
        Ok(Json(json!({ "pending_drops": pending })))
    })
}
