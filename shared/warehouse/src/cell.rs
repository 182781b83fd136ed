//! One JSON value read as one column value. Movidesk's values are read liberally (ids as numbers or
//! strings, booleans as strings); a value that cannot be what the column holds is stored as null
//! and reported as an [`Issue`] naming the field, so the rest of the object still lands.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::schema::Kind;

/// A column value ready to bind.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(Option<String>),
    Time(Option<DateTime<Utc>>),
    Bool(Option<bool>),
    Num(Option<f64>),
    Json(Option<Value>),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(Some(s.into()))
    }

    pub fn null(kind: Kind) -> Cell {
        match kind {
            Kind::Key | Kind::Text | Kind::Ref => Cell::Text(None),
            Kind::Time => Cell::Time(None),
            Kind::Bool => Cell::Bool(None),
            Kind::Num => Cell::Num(None),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(Some(s)) => Some(s),
            _ => None,
        }
    }
}

/// A field stored as null (or cleaned) because of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where in the object, e.g. `actions[2].createdDate`.
    pub field: String,
    pub problem: String,
}

/// PostgreSQL text cannot hold NUL characters; they are dropped (and reported).
fn clean(s: &str, field: &str, issues: &mut Vec<Issue>) -> String {
    if s.contains('\0') {
        issues.push(Issue {
            field: field.to_string(),
            problem: "contained NUL characters, which were removed".into(),
        });
        s.replace('\0', "")
    } else {
        s.to_string()
    }
}

fn excerpt(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Movidesk dates: `2025-12-04T00:21:12.5903668` (UTC, no offset), or RFC 3339.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
    .map(|n| n.and_utc())
}

fn bad(kind: &str, v: &Value, field: &str, issues: &mut Vec<Issue>) {
    issues.push(Issue {
        field: field.to_string(),
        problem: format!("{} is not {kind}; stored as null", excerpt(v)),
    });
}

/// Reads `v` (absent = `None`) as a value of `kind`. `field` names it in issues.
pub fn read(kind: Kind, v: Option<&Value>, field: &str, issues: &mut Vec<Issue>) -> Cell {
    let v = match v {
        None | Some(Value::Null) => return Cell::null(kind),
        Some(v) => v,
    };
    match kind {
        Kind::Key | Kind::Text => Cell::Text(match v {
            Value::String(s) => Some(clean(s, field, issues)),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => Some(clean(&other.to_string(), field, issues)),
        }),
        Kind::Ref => Cell::Text(match v {
            Value::String(s) => Some(clean(s, field, issues)),
            Value::Number(n) => Some(n.to_string()),
            Value::Object(o) => match o.get("id") {
                Some(Value::String(s)) => Some(clean(s, field, issues)),
                Some(Value::Number(n)) => Some(n.to_string()),
                None | Some(Value::Null) => None,
                Some(other) => {
                    bad("a person id", other, field, issues);
                    None
                }
            },
            other => {
                bad("a person reference", other, field, issues);
                None
            }
        }),
        Kind::Time => Cell::Time(match v {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => {
                let d = parse_date(s);
                if d.is_none() {
                    bad("a date", v, field, issues);
                }
                d
            }
            other => {
                bad("a date", other, field, issues);
                None
            }
        }),
        Kind::Bool => Cell::Bool(match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            Value::Number(n) if n.as_i64() == Some(0) => Some(false),
            Value::Number(n) if n.as_i64() == Some(1) => Some(true),
            other => {
                bad("true or false", other, field, issues);
                None
            }
        }),
        Kind::Num => Cell::Num(match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => {
                let n = s.trim().parse::<f64>().ok().filter(|n| n.is_finite());
                if n.is_none() {
                    bad("a number", v, field, issues);
                }
                n
            }
            other => {
                bad("a number", other, field, issues);
                None
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn liberal_reads_and_named_problems() {
        let mut issues = Vec::new();
        assert_eq!(
            read(Kind::Text, Some(&json!(45127)), "id", &mut issues),
            Cell::text("45127")
        );
        assert_eq!(
            read(Kind::Ref, Some(&json!({"id": "p1"})), "owner", &mut issues),
            Cell::text("p1")
        );
        assert_eq!(
            read(Kind::Bool, Some(&json!("True")), "isDeleted", &mut issues),
            Cell::Bool(Some(true))
        );
        let when = read(
            Kind::Time,
            Some(&json!("2025-12-04T00:21:12.5903668")),
            "lastUpdate",
            &mut issues,
        );
        assert_eq!(
            when,
            Cell::Time(
                DateTime::parse_from_rfc3339("2025-12-04T00:21:12.5903668Z")
                    .ok()
                    .map(|d| d.with_timezone(&Utc))
            )
        );
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(
            read(Kind::Time, Some(&json!("soon")), "closedIn", &mut issues),
            Cell::Time(None)
        );
        assert_eq!(
            read(
                Kind::Num,
                Some(&json!({"x": 1})),
                "slaSolutionTime",
                &mut issues
            ),
            Cell::Num(None)
        );
        assert_eq!(
            read(Kind::Text, Some(&json!("a\u{0}b")), "subject", &mut issues),
            Cell::text("ab")
        );
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["closedIn", "slaSolutionTime", "subject"]);
        assert!(issues[0].problem.contains("\"soon\" is not a date"));
    }
}
