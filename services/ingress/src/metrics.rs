//! The ingress's series, registered at start at zero for their closed
//! label sets.

use ponte_core::Provider;
use ponte_telemetry::catalog;

/// The route webhooks arrive on (the `route` label of the latency).
pub(crate) const HOOK_ROUTE: &str = "/hooks/{provider}/{integration}";

/// Every outcome of a webhook to a provider Ponte serves: accepted, a
/// repeat, or the code of the error answered.
pub(crate) const OUTCOMES: [&str; 11] = [
    "accepted",
    "duplicate",
    "own_write",
    "unauthorized",
    "unsupported_media_type",
    "body_too_large",
    "invalid_json",
    "invalid_body",
    "store_unavailable",
    "broker_unavailable",
    "spool_full",
];

/// The outcome of a webhook to a provider Ponte does not serve (its
/// `provider` label is `unknown`).
pub(crate) const UNKNOWN_PROVIDER: &str = "unknown_provider";

pub(crate) fn register() {
    // The warehouse receives no webhooks: it is a target only.
    for provider in Provider::ALL.into_iter().filter(|p| !p.is_warehouse()) {
        for outcome in OUTCOMES {
            catalog::WEBHOOKS.zero(&[provider.as_str(), outcome]);
        }
    }
    catalog::WEBHOOKS.zero(&["unknown", UNKNOWN_PROVIDER]);
    catalog::ECHOES_DROPPED.zero(&[crate::hooks::Taken::OwnWrite.as_str()]);
    catalog::SPOOL_APPENDED.zero(&[]);
    catalog::SPOOL_FORWARDED.zero(&[]);
    catalog::SPOOL_DEPTH.zero(&[]);
    catalog::SPOOL_BYTES.zero(&[]);
    ponte_http::register_routes(&[("POST", HOOK_ROUTE)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error code the webhook path can answer is a registered outcome.
    #[test]
    fn every_error_code_of_the_webhook_path_is_registered() {
        let sources = [include_str!("hooks.rs"), include_str!("spool_forward.rs")];
        let mut codes: Vec<&str> = Vec::new();
        for src in sources {
            for marker in [
                "ApiError::unavailable(\n",
                "ApiError::bad_request(\"",
                "StatusCode::PAYLOAD_TOO_LARGE,\n",
                "StatusCode::UNSUPPORTED_MEDIA_TYPE,\n",
                "StatusCode::SERVICE_UNAVAILABLE,\n",
                ".with_code(\"",
            ] {
                for part in src.split(marker).skip(1) {
                    if let Some(code) = part.trim_start().trim_start_matches('"').split('"').next()
                    {
                        codes.push(code);
                    }
                }
            }
        }
        assert!(codes.len() >= 7, "{codes:?}");
        for code in codes {
            assert!(
                OUTCOMES.contains(&code) || code == UNKNOWN_PROVIDER,
                "`{code}` is not registered"
            );
        }
    }
}
