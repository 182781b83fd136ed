//! Call recordings, as UIS serves them at `file_link` (`https://media.uiscom.ru/{call_session_id}/{record_id}`
//! on the real platform): `GET /uis/media/{call_session_id}/{record_id}`, no authentication, a small
//! MP3 body (silence) with `audio/mpeg`. Unknown ids answer 404.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// Where the recordings are served.
pub const MEDIA_PREFIX: &str = "/uis/media";

/// MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417-byte frames of 1152 samples.
const FRAME_HEADER: [u8; 4] = [0xFF, 0xFB, 0x90, 0x64];
const FRAME_LEN: usize = 417;
const FRAMES: usize = 20;

/// An ID3v2.4 header (no frames) followed by `FRAMES` silent MP3 frames.
pub fn fake_mp3() -> Vec<u8> {
    let mut out = Vec::with_capacity(10 + FRAME_LEN * FRAMES);
    out.extend_from_slice(b"ID3\x04\x00\x00\x00\x00\x00\x00");
    for _ in 0..FRAMES {
        out.extend_from_slice(&FRAME_HEADER);
        out.resize(out.len() + FRAME_LEN - FRAME_HEADER.len(), 0);
    }
    out
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{call_session_id}/{record_id}", get(recording))
        .route("/{call_session_id}/{record_id}/", get(recording))
}

async fn recording(
    State(state): State<Arc<AppState>>,
    Path((call, record)): Path<(String, String)>,
) -> Response {
    let found = match (call.parse::<u64>(), record.parse::<u64>()) {
        (Ok(c), Ok(r)) => state.uis.has_record(c, r).is_some(),
        _ => false,
    };
    if !found {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "audio/mpeg"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"record.mp3\"",
            ),
        ],
        fake_mp3(),
    )
        .into_response()
}
