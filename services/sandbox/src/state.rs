//! The state shared by every handler.

use std::time::Duration;

use tokio::sync::watch;

use crate::blip::contract::BlipState;
use crate::common::error::ControlError;
use crate::common::faults::FaultRegistry;
use crate::common::requests::RequestLog;
use crate::common::tenants::Tenants;
use crate::movidesk::domain::MovideskState;
use crate::octadesk::tenant::OctadeskState;
use crate::okdesk::account::OkdeskState;
use crate::uis::account::UisState;

/// Providers the sandbox simulates (used to validate control paths).
pub const PROVIDERS: &[&str] = &["movidesk", "blip", "okdesk", "octadesk"];

#[derive(Debug)]
pub struct AppState {
    pub movidesk: MovideskState,
    pub blip: BlipState,
    pub okdesk: OkdeskState,
    pub uis: UisState,
    pub octadesk: OctadeskState,
    pub requests: RequestLog,
    pub faults: FaultRegistry,
    shutdown: watch::Receiver<bool>,
}

impl AppState {
    pub fn new(http: reqwest::Client, shutdown: watch::Receiver<bool>) -> Self {
        Self {
            movidesk: MovideskState::new(http.clone()),
            blip: BlipState::new(http.clone()),
            okdesk: OkdeskState::new(http.clone()),
            octadesk: OctadeskState::new(http.clone()),
            uis: UisState::new(http),
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
            "blip" if self.blip.exists(tenant) => Ok(()),
            "blip" => Err(crate::blip::contract::unknown_contract(tenant)),
            "okdesk" if self.okdesk.exists(tenant) => Ok(()),
            "okdesk" => Err(crate::okdesk::account::unknown_account(tenant)),
            "octadesk" if self.octadesk.exists(tenant) => Ok(()),
            "octadesk" => Err(crate::octadesk::tenant::unknown_tenant(tenant)),
            other => Err(ControlError::not_found(format!(
                "unknown provider '{other}' (known: {})",
                PROVIDERS.join(", ")
            ))),
        }
    }

    /// Forgets everything: tenants, requests, faults.
    pub fn reset(&self) {
        self.movidesk.reset();
        self.blip.reset();
        self.okdesk.reset();
        self.uis.reset();
        self.octadesk.reset();
        self.requests.clear();
        self.faults.clear_all();
    }
}
