//! Which of Octadesk's ways in an endpoint uses, chosen by the credentials
//! it carries:
//!
//! | credentials | flow | API |
//! |---|---|---|
//! | `api_key` (+ `agent_email`) | static key in `X-API-KEY`, the agent in `octa-agent-email` | the newer API (`https://{account}.api00N.octadesk.services`) |
//! | `api_token` (+ `agent_email`, `subdomain`) | `POST /login/apiToken` → access token | legacy (`https://api.octadesk.services`) |
//! | `user` + `password` + `subdomain` | `POST /login` → access token | legacy |
//!
//! `Debug` never shows a secret.

use std::fmt;

use ponte_core::Endpoint;
use ponte_worker::ExecError;
use sha2::{Digest, Sha256};

/// The two public APIs, which differ in paths and bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `api.octadesk.services`, bearer access tokens.
    Legacy,
    /// The per-account host with a static API key.
    V1,
}

#[derive(Clone)]
pub enum Flow {
    ApiKey {
        key: String,
        agent_email: Option<String>,
    },
    ApiToken {
        token: String,
        username: Option<String>,
        subdomain: Option<String>,
    },
    Password {
        user: String,
        password: String,
        subdomain: String,
    },
}

impl fmt::Debug for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flow({})", self.name())
    }
}

fn cred(endpoint: &Endpoint, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| endpoint.credential(n))
        .map(|s| s.expose().trim().to_string())
        .filter(|s| !s.is_empty())
}

impl Flow {
    pub fn from_endpoint(endpoint: &Endpoint) -> Result<Flow, ExecError> {
        if let Some(key) = cred(endpoint, &["api_key"]) {
            return Ok(Flow::ApiKey {
                key,
                agent_email: cred(endpoint, &["agent_email"]),
            });
        }
        if let Some(token) = cred(endpoint, &["api_token"]) {
            return Ok(Flow::ApiToken {
                token,
                username: cred(endpoint, &["agent_email", "username", "user"]),
                subdomain: cred(endpoint, &["subdomain"]),
            });
        }
        let user = cred(endpoint, &["user", "username"]);
        let password = cred(endpoint, &["password"]);
        match (user, password, cred(endpoint, &["subdomain"])) {
            (Some(user), Some(password), Some(subdomain)) => Ok(Flow::Password {
                user,
                password,
                subdomain,
            }),
            (Some(_), Some(_), None) => Err(ExecError::permanent(
                "the Octadesk endpoint has `user` and `password` but no `subdomain`: POST /login needs all three",
            )),
            (Some(_), None, _) => Err(ExecError::permanent(
                "the Octadesk endpoint has `user` but no `password`: POST /login needs user, password and subdomain",
            )),
            _ => Err(ExecError::permanent(
                "the Octadesk endpoint has no credentials Ponte can use: set `api_key` (the newer API), `api_token` (legacy POST /login/apiToken) or `user` + `password` + `subdomain` (legacy POST /login)",
            )),
        }
    }

    pub fn api(&self) -> Api {
        match self {
            Flow::ApiKey { .. } => Api::V1,
            Flow::ApiToken { .. } | Flow::Password { .. } => Api::Legacy,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Flow::ApiKey { .. } => "api_key",
            Flow::ApiToken { .. } => "api_token",
            Flow::Password { .. } => "password",
        }
    }

    /// The account's cache key: a digest of the base URL and the
    /// credentials, never the secrets themselves.
    pub fn account_key(&self, base_url: &str) -> String {
        let mut h = Sha256::new();
        let mut part = |s: &str| {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        };
        part(base_url.trim_end_matches('/'));
        part(self.name());
        match self {
            Flow::ApiKey { key, agent_email } => {
                part(key);
                part(agent_email.as_deref().unwrap_or_default());
            }
            Flow::ApiToken {
                token,
                username,
                subdomain,
            } => {
                part(token);
                part(username.as_deref().unwrap_or_default());
                part(subdomain.as_deref().unwrap_or_default());
            }
            Flow::Password {
                user,
                password,
                subdomain,
            } => {
                part(user);
                part(password);
                part(subdomain);
            }
        }
        format!("octadesk:{}", hex::encode(&h.finalize()[..8]))
    }

    /// What Octadesk refused when the login or the key is refused, in words
    /// an operator acts on.
    pub fn refused(&self) -> &'static str {
        match self {
            Flow::ApiKey { .. } => "Octadesk refused the API key (revoked?)",
            Flow::ApiToken { .. } => "Octadesk refused the API token (revoked?)",
            Flow::Password { .. } => "Octadesk refused the user name or password (changed?)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::{Provider, Secret};

    fn endpoint(creds: &[(&str, &str)]) -> Endpoint {
        Endpoint {
            provider: Provider::Octadesk,
            base_url: "https://api.octadesk.services".into(),
            credentials: creds
                .iter()
                .map(|(k, v)| (k.to_string(), Secret::new(*v)))
                .collect(),
            inbound_secret: Secret::new("inbound-secret-0123456789"),
            previous_inbound_secret: None,
            inbound_header: None,
            rate_per_second: 0,
            view: Default::default(),
            client_organization: None,
        }
    }

    #[test]
    fn credentials_choose_the_flow() {
        let f = Flow::from_endpoint(&endpoint(&[("api_key", "k"), ("api_token", "t")]));
        assert_eq!(f.map(|f| f.api()).ok(), Some(Api::V1));
        let f = Flow::from_endpoint(&endpoint(&[
            ("api_token", "octa.x.y"),
            ("agent_email", "a@x"),
        ]));
        assert!(matches!(
            f,
            Ok(Flow::ApiToken {
                username: Some(_),
                ..
            })
        ));
        let f = Flow::from_endpoint(&endpoint(&[
            ("user", "a@x"),
            ("password", "p"),
            ("subdomain", "acme"),
        ]));
        assert_eq!(f.map(|f| f.name()).ok(), Some("password"));
        let e = Flow::from_endpoint(&endpoint(&[("user", "a@x"), ("password", "p")]));
        assert!(e.unwrap_err().to_string().contains("subdomain"));
        let e = Flow::from_endpoint(&endpoint(&[]));
        assert!(e.unwrap_err().to_string().contains("api_key"));
    }

    #[test]
    fn the_account_key_and_debug_hide_secrets() {
        let f =
            Flow::from_endpoint(&endpoint(&[("api_token", "octa.secret.value")])).expect("flow");
        let key = f.account_key("https://api.octadesk.services/");
        assert!(key.starts_with("octadesk:") && !key.contains("secret"));
        assert_eq!(key, f.account_key("https://api.octadesk.services"));
        let other = Flow::from_endpoint(&endpoint(&[("api_token", "octa.other")])).expect("flow");
        assert_ne!(key, other.account_key("https://api.octadesk.services"));
        assert!(!format!("{f:?}").contains("secret"));
    }
}
