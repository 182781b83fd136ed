//! The state shared by every handler.

use std::time::Duration;

use tokio::sync::watch;

use crate::common::error::ControlError;
use crate::common::faults::FaultRegistry;
use crate::common::requests::RequestLog;
use crate::movidesk::domain::MovideskState;

/// Providers the sandbox simulates (used to validate control paths).
pub const PROVIDERS: &[&str] = &["movidesk"];

#[derive(Debug)]
pub struct AppState {
    pub movidesk: MovideskState,
    pub requests: RequestLog,
    pub faults: FaultRegistry,
    shutdown: watch::Receiver<bool>,
}

impl AppState {
    pub fn new(http: reqwest::Client, shutdown: watch::Receiver<bool>) -> Self {
        Self {
            movidesk: MovideskState::new(http),
            requests: RequestLog::default(),
            faults: FaultRegistry::default(),
            shutdown,
        }
    }

    /// Sleeps, waking early when the sandbox shuts down. Returns false when interrupted.
    pub async fn sleep(&self, d: Duration) -> bool {
        let mut rx = self.shutdown.clone();
        if *rx.borrow() {
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(d) => true,
            _ = rx.wait_for(|stop| *stop) => false,
        }
    }

    /// Checks that a provider's tenant exists (for fault injection).
    pub fn check_tenant(&self, provider: &str, tenant: &str) -> Result<(), ControlError> {
        match provider {
            "movidesk" if self.movidesk.exists(tenant) => Ok(()),
            "movidesk" => Err(crate::movidesk::domain::unknown_domain(tenant)),
            other => Err(ControlError::not_found(format!(
                "unknown provider '{other}' (known: {})",
                PROVIDERS.join(", ")
            ))),
        }
    }

    /// Forgets everything: tenants, requests, faults.
    pub fn reset(&self) {
        self.movidesk.reset();
        self.requests.clear();
        self.faults.clear_all();
    }
}
