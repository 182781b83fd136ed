//! A warehouse target's address: `base_url` is a PostgreSQL URL,
//! `postgres://user@host:port/database[?schema=name]`. The schema the
//! tables live in defaults to `movidesk`; a password never sits in the URL
//! (reads of the integration show it) but in `credentials.password`.

use crate::ValidationError;

/// The schema used when the URL names none.
pub const DEFAULT_SCHEMA: &str = "movidesk";

/// The parts of a warehouse `base_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseAddress {
    /// The URL without its query (what a PostgreSQL client connects to).
    pub url: String,
    pub schema: String,
}

fn invalid(message: impl Into<String>) -> ValidationError {
    ValidationError::new("base_url", message)
}

/// A schema name Ponte puts in SQL unquoted: lower-case letters, digits and
/// `_`, starting with a letter, at most 63 characters.
pub fn validate_schema(schema: &str) -> Result<(), ValidationError> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase())
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "schema `{schema}` must be 1-63 characters of a-z, 0-9 or `_`, starting with a letter"
        )))
    }
}

/// Reads a warehouse `base_url`, naming what is wrong.
pub fn parse_database_url(raw: &str) -> Result<DatabaseAddress, ValidationError> {
    let rest = raw
        .strip_prefix("postgres://")
        .or_else(|| raw.strip_prefix("postgresql://"))
        .ok_or_else(|| {
            invalid("a warehouse needs a PostgreSQL URL: postgres://user@host:port/database")
        })?;
    let (address, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = address.split('/').next().unwrap_or_default();
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && userinfo.contains(':')
    {
        return Err(invalid(
            "must not carry a password: put it in `credentials.password`",
        ));
    }
    if authority.is_empty() {
        return Err(invalid("names no host: postgres://user@host:port/database"));
    }
    let mut schema = DEFAULT_SCHEMA.to_string();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("schema", value)) => {
                validate_schema(value)?;
                schema = value.to_string();
            }
            _ => {
                return Err(invalid(format!(
                    "query `{pair}` is not understood; only `schema=name` is"
                )));
            }
        }
    }
    let scheme_len = raw.len() - rest.len();
    Ok(DatabaseAddress {
        url: format!("{}{address}", &raw[..scheme_len]),
        schema,
    })
}

pub fn validate_database_url(raw: &str) -> Result<(), ValidationError> {
    parse_database_url(raw).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_schema_and_refusals() {
        let a = parse_database_url("postgres://ponte@127.0.0.1:5432/dw?schema=acme_dw");
        assert_eq!(
            a,
            Ok(DatabaseAddress {
                url: "postgres://ponte@127.0.0.1:5432/dw".into(),
                schema: "acme_dw".into()
            })
        );
        let d = parse_database_url("postgresql://h/db").map(|a| a.schema);
        assert_eq!(d, Ok(DEFAULT_SCHEMA.to_string()));
        for bad in [
            "http://h/db",
            "postgres://u:secret@h/db",
            "postgres://h/db?schema=Bad-Name",
            "postgres://h/db?sslmode=disable",
            "postgres:///db",
        ] {
            assert!(parse_database_url(bad).is_err(), "{bad}");
        }
        let shown = parse_database_url("postgres://u:hunter2@h/db")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
