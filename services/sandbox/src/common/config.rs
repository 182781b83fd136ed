//! Checks and serde helpers every simulator's tenant settings (`<provider>/config.rs`) share.

use serde::{Deserialize, Deserializer};

/// A tenant name (or any name that becomes a control-API path segment): 1 to 64 letters, digits, '-',
/// '_' or '.', and not `reserved` (the simulator's collection segment, e.g. `domains`). The messages name
/// `field`.
pub fn validate_name(field: &str, name: &str, reserved: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err(format!("{field} must have 1 to 64 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "{field} '{name}' may only contain letters, digits, '-', '_' and '.'"
        ));
    }
    if name == reserved {
        return Err(format!(
            "{field} '{reserved}' is reserved by the control API"
        ));
    }
    Ok(())
}

/// What is wrong with a URL given for the sandbox to call.
enum UrlProblem {
    Invalid(url::ParseError),
    Scheme(String),
}

fn check_url(raw: &str) -> Result<(), UrlProblem> {
    let url = url::Url::parse(raw).map_err(UrlProblem::Invalid)?;
    if matches!(url.scheme(), "http" | "https") {
        Ok(())
    } else {
        Err(UrlProblem::Scheme(url.scheme().to_owned()))
    }
}

/// An http(s) URL; the message does not name the field (`not a valid URL: …`).
pub fn validate_url(raw: &str) -> Result<(), String> {
    check_url(raw).map_err(|p| match p {
        UrlProblem::Invalid(e) => format!("not a valid URL: {e}"),
        UrlProblem::Scheme(s) => format!("must be http or https, not '{s}'"),
    })
}

/// An http(s) URL; the message names the field (`webhook_url is not a valid URL: …`).
pub fn validate_named_url(field: &str, raw: &str) -> Result<(), String> {
    check_url(raw).map_err(|p| match p {
        UrlProblem::Invalid(e) => format!("{field} is not a valid URL: {e}"),
        UrlProblem::Scheme(s) => format!("{field} must be http or https, not '{s}'"),
    })
}

/// Distinguishes an absent field from an explicit `null` (`Some(None)`), for settings patches:
/// `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls_say_what_is_wrong() {
        assert!(validate_name("name", "a-b_c.1", "domains").is_ok());
        assert_eq!(
            validate_name("name", "", "domains").unwrap_err(),
            "name must have 1 to 64 characters"
        );
        assert_eq!(
            validate_name("subdomain", "a b", "tenants").unwrap_err(),
            "subdomain 'a b' may only contain letters, digits, '-', '_' and '.'"
        );
        assert_eq!(
            validate_name("name", "domains", "domains").unwrap_err(),
            "name 'domains' is reserved by the control API"
        );
        assert!(validate_url("https://x.test/h").is_ok());
        assert_eq!(
            validate_url("ftp://x.test").unwrap_err(),
            "must be http or https, not 'ftp'"
        );
        assert!(
            validate_url("nope")
                .unwrap_err()
                .starts_with("not a valid URL: ")
        );
        assert_eq!(
            validate_named_url("webhook_url", "ftp://x.test").unwrap_err(),
            "webhook_url must be http or https, not 'ftp'"
        );
        assert!(
            validate_named_url("webhook_url", "nope")
                .unwrap_err()
                .starts_with("webhook_url is not a valid URL: ")
        );
    }
}
