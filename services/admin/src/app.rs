use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use ponte_bus::{Bus, BusConfig};
use ponte_config::{Common, ConfigError, Source, listen_addr};
use ponte_core::Secret;
use ponte_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::console::ConsoleSettings;
use crate::{auth, calls, console, deadletters, export, integrations, links, manual, rebuild};

#[derive(Debug, Clone)]
pub struct Settings {
    pub common: Common,
    pub addr: SocketAddr,
    pub token: Secret,
    /// `PONTE_ADMIN_TOKEN_PREVIOUS`: still accepted while clients move to
    /// the new token.
    pub previous_token: Option<Secret>,
    pub console: ConsoleSettings,
    pub rebuild: crate::rebuild::RebuildSettings,
    pub observer: crate::observer::ObserverSettings,
}

pub const MIN_TOKEN_LEN: usize = 16;

impl Settings {
    pub fn load(source: &Source) -> Result<Settings, ConfigError> {
        let token = source.get("PONTE_ADMIN_TOKEN").ok_or_else(|| {
            ConfigError::invalid(
                "PONTE_ADMIN_TOKEN",
                "is required: the admin API needs a bearer token",
            )
        })?;
        if token.chars().count() < MIN_TOKEN_LEN {
            return Err(ConfigError::invalid(
                "PONTE_ADMIN_TOKEN",
                format!("must be at least {MIN_TOKEN_LEN} characters"),
            ));
        }
        let previous_token = source.get("PONTE_ADMIN_TOKEN_PREVIOUS");
        if let Some(p) = &previous_token {
            if p.chars().count() < MIN_TOKEN_LEN {
                return Err(ConfigError::invalid(
                    "PONTE_ADMIN_TOKEN_PREVIOUS",
                    format!("must be at least {MIN_TOKEN_LEN} characters"),
                ));
            }
            if *p == token {
                return Err(ConfigError::invalid(
                    "PONTE_ADMIN_TOKEN_PREVIOUS",
                    "is the same as PONTE_ADMIN_TOKEN; set it to the token being replaced",
                ));
            }
        }
        Ok(Settings {
            common: Common::load(source)?,
            addr: listen_addr(source, "PONTE_ADMIN_ADDR", "127.0.0.1:8081")?,
            token: Secret::new(token),
            previous_token: previous_token.map(Secret::new),
            console: ConsoleSettings::load(source)?,
            rebuild: crate::rebuild::RebuildSettings {
                movidesk_per_minute: source.parse("PONTE_MOVIDESK_RATE_PER_MINUTE", 10)?,
            },
            observer: crate::observer::ObserverSettings::load(source)?,
        })
    }
}

pub(crate) struct State {
    pub bus: Arc<Bus>,
    pub store: Store,
    pub rebuilds: crate::rebuild::Rebuilds,
    pub rebuild_settings: crate::rebuild::RebuildSettings,
}

pub struct Admin {
    listener: TcpListener,
    router: Router,
    bus: Arc<Bus>,
    observer: crate::observer::ObserverSettings,
}

impl Admin {
    pub async fn build(settings: Settings) -> std::io::Result<Admin> {
        // Latency series appear per route as requests come (the routes are
        // many; registering each at zero would bury the page).
        ponte_http::register_routes(&[]);
        let bus = Bus::new(BusConfig::from_common(&settings.common, "ponte-admin"));
        let store = Store::from_common(&settings.common).map_err(std::io::Error::other)?;
        store
            .check_secrets_at_start()
            .await
            .map_err(std::io::Error::other)?;
        let state = Arc::new(State {
            bus: bus.clone(),
            store: store.clone(),
            rebuilds: Default::default(),
            rebuild_settings: settings.rebuild,
        });
        let token = Arc::new(auth::AdminTokens::new(
            settings.token,
            settings.previous_token,
        ));
        let console = console::router(state.clone(), token.clone(), settings.console);
        let api = Router::new()
            .route(
                "/integrations",
                get(integrations::list).post(integrations::create),
            )
            .route(
                "/integrations/{id}",
                get(integrations::get)
                    .put(integrations::replace)
                    .delete(integrations::delete),
            )
            .route("/integrations/{id}/enable", post(integrations::enable))
            .route("/integrations/{id}/disable", post(integrations::disable))
            .route("/integrations/{id}/clone", post(integrations::clone))
            .route(
                "/integrations/{id}/inbound-secret",
                post(crate::rotate::inbound_secret),
            )
            .route("/integrations/export", get(export::export))
            .route("/integrations/{id}/eligible", get(manual::eligible))
            .route(
                "/integrations/{id}/links/rebuild",
                get(rebuild::show).post(rebuild::start),
            )
            .route("/calls", get(calls::list))
            .route("/links", get(links::list).post(manual::create))
            .route("/links/preview", post(crate::preview::preview))
            .route("/links/{id}", get(links::get).delete(manual::remove))
            .route("/links/{id}/history", get(links::history))
            .route("/dead-letters", get(deadletters::list))
            .route("/dead-letters/{queue}/{id}", get(deadletters::show))
            .route("/dead-letters/{queue}/replay", post(deadletters::replay))
            .route("/dead-letters/{queue}/purge", post(deadletters::purge))
            .layer(middleware::from_fn(move |req, next| {
                let token = token.clone();
                auth::require(token, req, next)
            }))
            .with_state(state);
        // The API and the console are timed by route template; the ops
        // endpoints are not (scrapes and probes would fill the histogram).
        let router = ponte_http::timed(Router::new().nest("/api/v1", api).merge(console)).merge(
            ponte_http::ops_router(ponte_http::bus_and_store_ready(bus.clone(), store)),
        );
        Ok(Admin {
            listener: TcpListener::bind(settings.addr).await?,
            router,
            bus,
            observer: settings.observer,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run(self, shutdown: CancellationToken) -> std::io::Result<()> {
        crate::observer::spawn(self.bus.clone(), self.observer, shutdown.child_token());
        // Reports the bound address, and serves with the peer address,
        // which the console's sign-in limit counts by.
        let result = ponte_http::serve(self.listener, self.router, shutdown).await;
        self.bus.close().await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_previous_admin_token_must_be_long_and_different() {
        let current = ("PONTE_ADMIN_TOKEN", "new-admin-token-0123456789");
        for previous in ["short", "new-admin-token-0123456789"] {
            let err = Settings::load(&Source::from_pairs([
                current,
                ("PONTE_ADMIN_TOKEN_PREVIOUS", previous),
            ]))
            .expect_err("refused")
            .to_string();
            assert!(err.contains("PONTE_ADMIN_TOKEN_PREVIOUS"), "{err}");
            assert!(!err.contains("0123456789"), "{err}");
        }
        let ok = Settings::load(&Source::from_pairs([
            current,
            ("PONTE_ADMIN_TOKEN_PREVIOUS", "old-admin-token-0123456789"),
        ]))
        .expect("accepted");
        assert!(ok.previous_token.is_some());
    }
}
