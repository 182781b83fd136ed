//! `POST /api/v1/integrations/{id}/inbound-secret`: a side's new inbound
//! secret, with the old one still accepted by the ingress for an overlap
//! window, so the provider's webhook settings can be changed over without
//! losing a webhook. Without a `secret` in the body the admin generates one
//! (32 random bytes, hex) and returns it once as `new_inbound_secret`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use ponte_core::{Secret, Side};
use ponte_http::ApiError;
use serde::Deserialize;

use crate::app::State;
use crate::body::{json, store_error};
use crate::integrations::load;

/// The longest overlap: a month is enough to change any provider's webhook.
pub(crate) const MAX_OVERLAP_SECS: u64 = 30 * 24 * 3600;
const DEFAULT_OVERLAP_SECS: u64 = 24 * 3600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rotation {
    side: Side,
    /// The new secret; generated when left out.
    #[serde(default)]
    secret: Option<Secret>,
    /// Seconds the old secret is still accepted (0: refused at once).
    #[serde(default = "default_overlap")]
    overlap_secs: u64,
}

fn default_overlap() -> u64 {
    DEFAULT_OVERLAP_SECS
}

pub(crate) async fn inbound_secret(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let rotation: Rotation = json(&body)?;
    if rotation.overlap_secs > MAX_OVERLAP_SECS {
        return Err(ApiError::bad_request(
            "invalid_body",
            format!(
                "`overlap_secs`: {} is over the maximum {MAX_OVERLAP_SECS} (30 days)",
                rotation.overlap_secs
            ),
        ));
    }
    let (secret, generated) = match rotation.secret {
        Some(given) => (given, None),
        None => {
            let made = crate::console::random_token();
            (Secret::new(made.clone()), Some(made))
        }
    };
    if secret.is_placeholder() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "`secret`: send the new secret, not the `***` placeholder",
        ));
    }
    let mut integration = load(&state, &id).await?;
    let now = Utc::now();
    let overlap = chrono::Duration::seconds(rotation.overlap_secs as i64);
    let endpoint = match rotation.side {
        Side::Source => &mut integration.source,
        Side::Target => &mut integration.target,
    };
    if endpoint.inbound_secret == secret {
        return Err(ApiError::bad_request(
            "invalid_body",
            "`secret`: is the side's current inbound secret; a rotation needs a new one",
        ));
    }
    endpoint.rotate_inbound_secret(secret, overlap, now);
    let until = endpoint.previous_inbound_secret.as_ref().map(|p| p.until);
    integration
        .validate()
        .map_err(|e| ApiError::bad_request("invalid_integration", e.to_string()))?;
    integration.updated_at = Some(now);
    state
        .store
        .put_integration(&integration)
        .await
        .map_err(store_error)?;
    tracing::info!(
        audit = true,
        action = "integration.inbound_secret_rotated",
        integration = %id,
        side = rotation.side.as_str(),
        previous_accepted_until = ?until,
        generated = generated.is_some(),
        "inbound secret rotated"
    );
    let mut answer = serde_json::to_value(integration.redacted()).unwrap_or_default();
    if let (Some(g), Some(map)) = (generated, answer.as_object_mut()) {
        // Shown this once: it is stored sealed and read back only as `***`.
        map.insert("new_inbound_secret".into(), g.into());
    }
    Ok(Json(answer).into_response())
}
