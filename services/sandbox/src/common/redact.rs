//! Keeps secrets out of logs and inspection records: query parameters that carry credentials are
//! replaced by `REDACTED` (or removed, for the request log).

/// Query parameter names whose values are credentials.
const SECRET_PARAMS: &[&str] = &[
    "token",
    "api_token",
    "apitoken",
    "access_token",
    "key",
    "apikey",
    "api_key",
    "secret",
    "password",
];

/// The placeholder written instead of a secret.
pub const REDACTED: &str = "REDACTED";

fn is_secret(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Rewrites a raw query string, replacing the value of every secret parameter with `REDACTED`.
/// The rest of the query is kept byte for byte.
pub fn redact_query(query: &str) -> String {
    rewrite_query(query, |_| Some(REDACTED))
}

/// Rewrites a raw query string, dropping every secret parameter.
pub fn strip_secret_params(query: &str) -> String {
    rewrite_query(query, |_| None)
}

fn rewrite_query(query: &str, replacement: impl Fn(&str) -> Option<&'static str>) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(n, _)| n);
            if is_secret(name) {
                replacement(name).map(|r| format!("{name}={r}"))
            } else {
                Some(pair.to_owned())
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Redacts a URL for logs: secret query values are replaced and any user-info password is hidden.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some(REDACTED));
            }
            if let Some(q) = url.query().map(redact_query) {
                url.set_query(if q.is_empty() { None } else { Some(&q) });
            }
            url.to_string()
        }
        // Not a URL we can parse: keep only what precedes the query.
        Err(_) => match raw.split_once('?') {
            Some((base, q)) => format!("{base}?{}", redact_query(q)),
            None => raw.to_owned(),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn redacts_token_values_only() {
        assert_eq!(
            redact_query("token=abc&id=5&Token=x"),
            "token=REDACTED&id=5&Token=REDACTED"
        );
        assert_eq!(strip_secret_params("token=abc&id=5"), "id=5");
        assert_eq!(
            redact_url("http://127.0.0.1:8080/hooks/movidesk/x?token=secret-a&a=1"),
            "http://127.0.0.1:8080/hooks/movidesk/x?token=REDACTED&a=1"
        );
    }
}
