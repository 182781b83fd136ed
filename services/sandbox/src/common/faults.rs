//! Fault injection per provider and tenant: errors, latency, timeouts and lost responses.
//!
//! A fault is set with `PUT /_sandbox/faults/{provider}/{tenant}` and applies to the tenant's public-API
//! requests (optionally only some methods, optionally only the next `count` matching requests).
//! With `after_effect: true` the request is processed (its write applied, its webhook fired) and the
//! client gets the error or the timeout anyway: the response is lost.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::lock;

/// Default time a "timeout" holds the request before answering 504.
pub const DEFAULT_TIMEOUT_MS: u64 = 120_000;

/// A fault as given to the control API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Probability (0..=1) that a matching request gets `error_status`.
    #[serde(default)]
    pub error_rate: f64,
    /// Status of injected errors (400..=599; default 500).
    #[serde(default = "default_error_status")]
    pub error_status: u16,
    /// Extra latency added to every matching request.
    #[serde(default)]
    pub latency_ms: u64,
    /// Probability (0..=1) that a matching request is held and then answered 504.
    #[serde(default)]
    pub timeout_rate: f64,
    /// How long a timeout holds the request (default 120 000 ms).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Apply only to the next N matching requests (null: until cleared).
    #[serde(default)]
    pub count: Option<u32>,
    /// Only requests with these methods match (null or empty: all methods).
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// Process the request for real, then answer the fault anyway (a lost response).
    #[serde(default)]
    pub after_effect: bool,
    /// Whether injected errors count towards the tenant's failed-request lockout (default true).
    #[serde(default = "default_true")]
    pub counts_as_failure: bool,
    /// `retry-after` seconds sent with an injected 429 (default 1).
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
}

fn default_error_status() -> u16 {
    500
}

fn default_true() -> bool {
    true
}

impl FaultSpec {
    /// Checks ranges; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("timeout_rate", self.timeout_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0.0 and 1.0, got {rate}"));
            }
        }
        if !(400..=599).contains(&self.error_status) {
            return Err(format!(
                "error_status must be an HTTP error status (400..=599), got {}",
                self.error_status
            ));
        }
        if let Some(methods) = &self.methods {
            for m in methods {
                if axum::http::Method::from_bytes(m.to_ascii_uppercase().as_bytes()).is_err() {
                    return Err(format!("methods: '{m}' is not an HTTP method"));
                }
            }
        }
        Ok(())
    }

    fn matches(&self, method: &str) -> bool {
        match &self.methods {
            Some(methods) if !methods.is_empty() => {
                methods.iter().any(|m| m.eq_ignore_ascii_case(method))
            }
            _ => true,
        }
    }
}

/// A fault currently set, as listed by the control API.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveFault {
    pub provider: String,
    pub tenant: String,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Matching requests left before the fault expires (null: no limit).
    pub remaining: Option<u32>,
    /// Matching requests seen so far.
    pub matched: u64,
}

/// What happens to the answer of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultOutcome {
    /// The real answer is returned (possibly after latency).
    Pass,
    /// Answer this status instead.
    Error { status: u16, retry_after_secs: u64 },
    /// Hold the request for this long, then answer 504.
    Timeout(Duration),
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultDecision {
    pub latency: Duration,
    pub outcome: FaultOutcome,
    pub after_effect: bool,
    pub counts_as_failure: bool,
}

/// All faults, keyed by provider and tenant.
#[derive(Debug, Default)]
pub struct FaultRegistry {
    faults: Mutex<BTreeMap<(String, String), ActiveFault>>,
}

impl FaultRegistry {
    pub fn set(&self, provider: &str, tenant: &str, spec: FaultSpec) -> ActiveFault {
        let active = ActiveFault {
            provider: provider.to_owned(),
            tenant: tenant.to_owned(),
            remaining: spec.count,
            spec,
            matched: 0,
        };
        lock(&self.faults).insert((provider.to_owned(), tenant.to_owned()), active.clone());
        active
    }

    pub fn clear(&self, provider: &str, tenant: &str) -> bool {
        lock(&self.faults)
            .remove(&(provider.to_owned(), tenant.to_owned()))
            .is_some()
    }

    /// Removes every fault of a provider's tenant (when the tenant is removed) or all faults.
    pub fn clear_all(&self) {
        lock(&self.faults).clear();
    }

    pub fn list(&self) -> Vec<ActiveFault> {
        lock(&self.faults).values().cloned().collect()
    }

    /// Decides what happens to one request. `None` when no fault matches.
    pub fn decide(&self, provider: &str, tenant: &str, method: &str) -> Option<FaultDecision> {
        let mut faults = lock(&self.faults);
        let key = (provider.to_owned(), tenant.to_owned());
        let fault = faults.get_mut(&key)?;
        if !fault.spec.matches(method) {
            return None;
        }
        if fault.remaining == Some(0) {
            faults.remove(&key);
            return None;
        }
        fault.matched += 1;
        if let Some(n) = fault.remaining.as_mut() {
            *n -= 1;
        }
        let spec = fault.spec.clone();
        if fault.remaining == Some(0) {
            faults.remove(&key);
        }
        drop(faults);

        let roll: f64 = rand::rng().random();
        let outcome = if roll < spec.timeout_rate {
            FaultOutcome::Timeout(Duration::from_millis(
                spec.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
            ))
        } else if roll < spec.timeout_rate + spec.error_rate {
            FaultOutcome::Error {
                status: spec.error_status,
                retry_after_secs: spec.retry_after_seconds.unwrap_or(1),
            }
        } else {
            FaultOutcome::Pass
        };
        Some(FaultDecision {
            latency: Duration::from_millis(spec.latency_ms),
            outcome,
            after_effect: spec.after_effect,
            counts_as_failure: spec.counts_as_failure,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn count_expires_and_methods_filter() {
        let reg = FaultRegistry::default();
        reg.set(
            "movidesk",
            "a",
            spec(r#"{"error_rate":1.0,"count":2,"methods":["post"]}"#),
        );
        assert_eq!(reg.decide("movidesk", "a", "GET"), None);
        for _ in 0..2 {
            let d = reg.decide("movidesk", "a", "POST").unwrap();
            assert!(matches!(d.outcome, FaultOutcome::Error { status: 500, .. }));
        }
        assert_eq!(reg.decide("movidesk", "a", "POST"), None);
        assert!(reg.list().is_empty());
    }

    #[test]
    fn validation_names_the_field() {
        let err = spec(r#"{"error_rate":2}"#).validate().unwrap_err();
        assert!(err.contains("error_rate"));
        assert!(serde_json::from_str::<FaultSpec>(r#"{"eror_rate":1}"#).is_err());
    }
}
