//! Errors of starting and running the sandbox.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("cannot read the seed file {path}: {error}")]
    SeedRead {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("invalid seed file {path}: {message}")]
    SeedParse { path: PathBuf, message: String },
    #[error("invalid seed: {0}")]
    Seed(String),
    #[error("cannot build the webhook HTTP client: {0}")]
    HttpClient(String),
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
}
