//! What every provider client reads the same way from HTTP.

use std::time::Duration;

use crate::ExecError;

/// The longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `Retry-After` as seconds (whole or fractional) or an HTTP date, at most
/// an hour.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let wait = match raw.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => {
            Duration::from_secs_f64(secs.min(MAX_RETRY_AFTER.as_secs_f64()))
        }
        Ok(_) => return None,
        Err(_) => httpdate::parse_http_date(raw)
            .ok()?
            .duration_since(std::time::SystemTime::now())
            .ok()?,
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// A request that never got an answer: worth another try. The URL (which
/// may carry a token in its query) is left out of the message.
pub fn unreachable(
    provider: &str,
    method: &reqwest::Method,
    path: &str,
    e: reqwest::Error,
) -> ExecError {
    let e = e.without_url();
    let what = if e.is_timeout() {
        "timed out"
    } else {
        "could not be reached"
    };
    ExecError::Transient {
        reason: format!("{provider} {method} {path} {what}: {e}"),
        status: None,
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    fn with(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn seconds_fractions_dates_and_a_cap() {
        assert_eq!(retry_after(&with("42")), Some(Duration::from_secs(42)));
        assert_eq!(retry_after(&with("1.5")), Some(Duration::from_millis(1500)));
        assert_eq!(retry_after(&with("999999")), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after(&with("-3")), None);
        assert_eq!(
            retry_after(&with("Wed, 21 Oct 2015 07:28:00 GMT")),
            None,
            "a past date asks for no wait"
        );
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
