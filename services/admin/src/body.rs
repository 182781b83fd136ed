use axum::body::Bytes;
use ponte_http::ApiError;
use ponte_store::StoreError;
use serde::de::DeserializeOwned;

/// Parses a JSON body with an error that says what was wrong and where.
pub(crate) fn json<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "the request needs a JSON body",
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("invalid_body", format!("invalid JSON body: {e}")))
}

pub(crate) fn store_error(e: StoreError) -> ApiError {
    tracing::error!(error = %e, "state store failure");
    if let StoreError::Sealed { .. } = e {
        // The message names the key variable and never a secret.
        return ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "secrets_unreadable",
            e.to_string(),
        );
    }
    ApiError::unavailable(
        "store_unavailable",
        "Ponte's state store is unavailable; retry later",
    )
}
