//! HTTP pieces every Ponte service shares: the JSON error body, the
//! `/healthz`, `/readyz` and `/metrics` endpoints, serving with graceful
//! shutdown, and the process signal handler.

mod error;
mod ops;
mod shutdown;

pub use error::ApiError;
pub use ops::{ReadyCheck, ops_router};
pub use shutdown::{serve, shutdown_on_signal};
