//! `POST /api/v1/integrations/{id}/links/rebuild` starts rebuilding an
//! integration's links from the markers on the providers' tickets (one
//! rebuild per integration at a time); `GET` on the same path shows its
//! progress. The rebuild runs in the background: the answer does not wait.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use ponte_http::ApiError;

use crate::app::State;
use crate::integrations::load;
use crate::rebuild_scan::{Progress, rebuild, searchable};

pub use crate::rebuild_scan::RebuildSettings;

/// The latest rebuild of each integration since the admin started.
#[derive(Default, Clone)]
pub(crate) struct Rebuilds(Arc<Mutex<BTreeMap<String, Progress>>>);

impl Rebuilds {
    fn get(&self, id: &str) -> Option<Progress> {
        self.0.lock().ok()?.get(id).cloned()
    }

    fn set(&self, p: &Progress) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(p.integration.clone(), p.clone());
        }
    }

    /// Records `p` as running unless a rebuild of the same integration
    /// already runs; returns the running one then.
    fn start(&self, p: &Progress) -> Option<Progress> {
        let mut m = self.0.lock().ok()?;
        match m.get(&p.integration) {
            Some(running) if running.state == "running" => Some(running.clone()),
            _ => {
                m.insert(p.integration.clone(), p.clone());
                None
            }
        }
    }
}

type Shared = AxumState<Arc<State>>;

pub(crate) async fn start(
    AxumState(state): Shared,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let integration = load(&state, &id).await?;
    if searchable(&integration).is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_rebuildable",
            format!(
                "neither side of `{id}` ({} → {}) carries markers Ponte can search (Movidesk tags); its links cannot be rebuilt from the providers",
                integration.source.provider, integration.target.provider
            ),
        ));
    }
    let mut progress = Progress {
        integration: id.clone(),
        state: "running",
        started_at: Utc::now().to_rfc3339(),
        ..Progress::default()
    };
    if let Some(running) = state.rebuilds.start(&progress) {
        return Ok((StatusCode::OK, Json(running)).into_response());
    }
    let (rebuilds, store, settings) = (
        state.rebuilds.clone(),
        state.store.clone(),
        state.rebuild_settings,
    );
    tokio::spawn(async move {
        tracing::info!(integration = %integration.id, "rebuilding links from the providers' markers");
        let report = {
            let rebuilds = rebuilds.clone();
            move |p: &Progress| rebuilds.set(p)
        };
        let outcome = rebuild(&store, &integration, settings, &mut progress, &report).await;
        progress.finished_at = Some(Utc::now().to_rfc3339());
        match outcome {
            Ok(()) => progress.state = "done",
            Err(e) => {
                tracing::error!(integration = %integration.id, error = %e, "link rebuild failed");
                progress.state = "failed";
                progress.error = Some(e);
            }
        }
        tracing::info!(
            integration = %integration.id,
            written = progress.links_written,
            kept = progress.links_kept,
            conflicts = progress.conflicts.len(),
            "link rebuild finished"
        );
        rebuilds.set(&progress);
    });
    let shown = state.rebuilds.get(&id).unwrap_or_default();
    Ok((StatusCode::ACCEPTED, Json(shown)).into_response())
}

pub(crate) async fn show(
    AxumState(state): Shared,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    load(&state, &id).await?;
    let progress = state.rebuilds.get(&id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no rebuild of `{id}` since the admin started; start one with POST"
        ))
        .with_code("no_rebuild")
    })?;
    Ok(Json(progress).into_response())
}
