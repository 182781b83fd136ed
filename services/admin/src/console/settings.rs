//! What the console needs to know beyond the admin API: where webhooks
//! arrive, where traces are shown, which services make up the fleet, and
//! whether cookies must be `Secure`.

use ponte_config::{ConfigError, Source};

#[derive(Debug, Clone, Default)]
pub struct ConsoleSettings {
    /// Public base URL of the ingress (`PONTE_INGRESS_URL`): the webhook
    /// URLs shown to paste into each provider start with it.
    pub ingress_url: Option<String>,
    /// Tracing UI link with `{trace_id}` (`PONTE_CONSOLE_TRACE_URL`).
    pub trace_url: Option<String>,
    /// `name=url` of each service whose `/healthz`, `/readyz` and
    /// `/metrics` the fleet page reads (`PONTE_CONSOLE_SERVICES`).
    pub services: Vec<(String, String)>,
    /// Always mark the session cookie `Secure`
    /// (`PONTE_CONSOLE_SECURE_COOKIE`); it is also marked when a proxy
    /// says the request came over TLS (`X-Forwarded-Proto: https`).
    pub secure_cookie: bool,
}

fn http_url(key: &str, value: &str) -> Result<String, ConfigError> {
    let v = value.trim().trim_end_matches('/');
    if v.starts_with("http://") || v.starts_with("https://") {
        Ok(v.to_string())
    } else {
        Err(ConfigError::invalid(
            key,
            format!("must be an http:// or https:// URL, got `{v}`"),
        ))
    }
}

impl ConsoleSettings {
    pub fn load(source: &Source) -> Result<ConsoleSettings, ConfigError> {
        let ingress_url = source
            .get("PONTE_INGRESS_URL")
            .filter(|v| !v.trim().is_empty())
            .map(|v| http_url("PONTE_INGRESS_URL", &v))
            .transpose()?;
        let trace_url = source
            .get("PONTE_CONSOLE_TRACE_URL")
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                let url = http_url("PONTE_CONSOLE_TRACE_URL", &v)?;
                if url.contains("{trace_id}") {
                    Ok(url)
                } else {
                    Err(ConfigError::invalid(
                        "PONTE_CONSOLE_TRACE_URL",
                        "must contain `{trace_id}`, where the trace id goes",
                    ))
                }
            })
            .transpose()?;
        let mut services = Vec::new();
        for entry in source
            .get("PONTE_CONSOLE_SERVICES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (name, url) = entry.split_once('=').ok_or_else(|| {
                ConfigError::invalid(
                    "PONTE_CONSOLE_SERVICES",
                    format!("`{entry}` is not `name=url`"),
                )
            })?;
            services.push((
                name.trim().to_string(),
                http_url("PONTE_CONSOLE_SERVICES", url)?,
            ));
        }
        let secure_cookie = source.parse("PONTE_CONSOLE_SECURE_COOKIE", false)?;
        Ok(ConsoleSettings {
            ingress_url,
            trace_url,
            services,
            secure_cookie,
        })
    }

    /// The tracing UI's page for `trace_id`, when one is configured.
    pub fn trace_link(&self, trace_id: &str) -> Option<String> {
        self.trace_url
            .as_ref()
            .map(|u| u.replace("{trace_id}", trace_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<ConsoleSettings, ConfigError> {
        ConsoleSettings::load(&Source::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn services_and_trace_url_are_read_and_checked() {
        let s = load(&[
            (
                "PONTE_CONSOLE_SERVICES",
                "ingress=http://127.0.0.1:8080/, router=http://127.0.0.1:9101",
            ),
            (
                "PONTE_CONSOLE_TRACE_URL",
                "http://jaeger.local/trace/{trace_id}",
            ),
        ])
        .expect("valid");
        assert_eq!(s.services.len(), 2);
        assert_eq!(s.services[0].1, "http://127.0.0.1:8080");
        assert_eq!(
            s.trace_link("abc").as_deref(),
            Some("http://jaeger.local/trace/abc")
        );
        let bad = load(&[("PONTE_CONSOLE_SERVICES", "ingress")]).expect_err("no url");
        assert!(
            bad.to_string().contains("`ingress` is not `name=url`"),
            "{bad}"
        );
        let bad = load(&[("PONTE_CONSOLE_TRACE_URL", "http://jaeger.local/")]).expect_err("no id");
        assert!(bad.to_string().contains("{trace_id}"), "{bad}");
    }
}
