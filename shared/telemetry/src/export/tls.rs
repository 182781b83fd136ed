//! TLS for `https://` OTLP endpoints: rustls with the platform verifier,
//! the roots and crypto provider reqwest's `rustls` feature used before.

use std::sync::Arc;
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::crypto::CryptoProvider;
use rustls_platform_verifier::BuilderVerifierExt;

/// A connector that speaks plain HTTP to `http://` endpoints and TLS (HTTP/1.1)
/// to `https://` ones.
pub(super) fn connector(
    connect_timeout: Duration,
) -> Result<HttpsConnector<HttpConnector>, String> {
    // A process-wide provider if one was installed, else aws-lc-rs (what
    // reqwest picks too); never rustls's implicit default, which panics when
    // the build enables more than one provider.
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| e.to_string())?
        .with_no_client_auth();
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(connect_timeout));
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp))
}
