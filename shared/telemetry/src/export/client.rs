//! The OTLP exporter's HTTP transport: hyper, run on the service's runtime.
//!
//! opentelemetry_sdk's batch span processor exports from its own thread under
//! a plain executor, where there is no Tokio runtime; hyper needs one. The
//! client keeps a handle to the runtime it was built in and runs each request
//! there as a task, so the export thread only waits for the task's answer.
//! It logs nothing: the exporter's headers (`OTEL_EXPORTER_OTLP_HEADERS`, often
//! an API key) never reach a log line or an error message from here.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response, ResponseBodyTooLarge};
use tokio::runtime::{Handle, RuntimeFlavor};

/// The most of a collector's answer that is read (as opentelemetry-http's
/// own clients: an OTLP answer is a short status message).
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "OTLP export (OTEL_EXPORTER_OTLP_ENDPOINT is set) needs a multi-thread Tokio runtime: \
         call ponte_telemetry::init from inside #[tokio::main]"
    )]
    NoRuntime,
    #[error(
        "OTLP export (OTEL_EXPORTER_OTLP_ENDPOINT is set) needs a multi-thread Tokio runtime, \
         not a current-thread one: flushing at shutdown would wait on the runtime it blocks"
    )]
    CurrentThread,
    #[error("cannot set up TLS for OTLP export: {0}")]
    Tls(String),
    #[error("OTLP request took longer than {0:?}")]
    Timeout(Duration),
    #[error("OTLP request stopped: the runtime is shutting down")]
    Cancelled,
}

/// An [`HttpClient`] for `opentelemetry-otlp`, usable from any thread once
/// built inside a multi-thread Tokio runtime. Each request, body included,
/// gets `timeout`.
#[derive(Clone)]
pub struct ExportClient {
    runtime: Handle,
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl ExportClient {
    /// Binds the client to the current runtime; fails outside one, or in a
    /// current-thread one.
    pub fn new(timeout: Duration) -> Result<Self, ClientError> {
        let runtime = Handle::try_current().map_err(|_| ClientError::NoRuntime)?;
        if runtime.runtime_flavor() != RuntimeFlavor::MultiThread {
            return Err(ClientError::CurrentThread);
        }
        let connector = super::tls::connector(timeout).map_err(ClientError::Tls)?;
        let inner = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connector);
        Ok(ExportClient {
            runtime,
            inner,
            timeout,
        })
    }
}

impl fmt::Debug for ExportClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportClient")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl HttpClient for ExportClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let inner = self.inner.clone();
        let timeout = self.timeout;
        let task = self.runtime.spawn(async move {
            tokio::time::timeout(timeout, exchange(&inner, request))
                .await
                .unwrap_or_else(|_| Err(Box::new(ClientError::Timeout(timeout)) as HttpError))
        });
        // A JoinHandle can be awaited from any executor, the SDK's included.
        task.await
            .unwrap_or_else(|_| Err(Box::new(ClientError::Cancelled) as HttpError))
    }
}

/// One request and its whole answer (status, headers, body up to the limit).
async fn exchange(
    client: &Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, HttpError> {
    let (parts, body) = request.into_parts();
    let response = client
        .request(Request::from_parts(parts, Full::new(body)))
        .await?;
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, MAX_RESPONSE_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<LengthLimitError>() {
                Box::new(ResponseBodyTooLarge::new()) as HttpError
            } else {
                e
            }
        })?
        .to_bytes();
    Ok(Response::from_parts(parts, body))
}
