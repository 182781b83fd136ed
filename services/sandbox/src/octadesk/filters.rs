//! v1 list queries (§2.3): `filters[i][property|operator|value]`, `sort[property|direction]`, `page`,
//! `limit` (≤ 100), answered as a JSON array with `X-Total-Items` and `X-Total-Pages`.
//!
//! Filters apply to the rendered objects by dot path (`requester.id`, `status.name`,
//! `phoneContacts.number`); through an array, any element may match (`ne`/`nin`: none may). Operators
//! `eq ne gt ge lt le in nin` (`in`/`nin` take a comma-separated list). Two dates compare as instants
//! (`2024-01-01T00:00:00-0300` and RFC 3339 are read), two numbers as numbers, text without case.
//! A property the objects do not have matches nothing (a typo finds nothing, it is not an error).

use std::cmp::Ordering;

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::errors::OctaError;

pub const MAX_LIMIT: usize = 100;
const DEFAULT_LIMIT: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    Nin,
}

#[derive(Debug, Clone)]
struct Filter {
    property: String,
    op: Op,
    value: String,
}

/// A parsed list query.
#[derive(Debug, Clone)]
pub struct ListQuery {
    filters: Vec<Filter>,
    sort: Option<(String, bool)>,
    page: usize,
    limit: usize,
}

fn parse_op(s: &str) -> Option<Op> {
    Some(match s.to_ascii_lowercase().as_str() {
        "eq" => Op::Eq,
        "ne" => Op::Ne,
        "gt" => Op::Gt,
        "ge" => Op::Ge,
        "lt" => Op::Lt,
        "le" => Op::Le,
        "in" => Op::In,
        "nin" => Op::Nin,
        _ => return None,
    })
}

/// `filters[3][property]` → `(3, "property")`.
fn filter_key(k: &str) -> Option<(usize, &str)> {
    let rest = k.strip_prefix("filters[")?;
    let (index, rest) = rest.split_once("][")?;
    let field = rest.strip_suffix(']')?;
    Some((index.parse().ok()?, field))
}

impl ListQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, OctaError> {
        let mut parts: std::collections::BTreeMap<usize, [Option<String>; 3]> = Default::default();
        let mut sort_prop = None;
        let mut sort_dir = None;
        let mut page = 1usize;
        let mut limit = DEFAULT_LIMIT;
        for (k, v) in pairs {
            if let Some((i, field)) = filter_key(k) {
                let slot = parts.entry(i).or_default();
                match field {
                    "property" => slot[0] = Some(v.clone()),
                    "operator" => slot[1] = Some(v.clone()),
                    "value" => slot[2] = Some(v.clone()),
                    other => {
                        return Err(OctaError::bad_request(format!(
                            "Invalid filter field '{other}' (use property, operator, value)"
                        )));
                    }
                }
                continue;
            }
            match k.as_str() {
                "sort[property]" => sort_prop = Some(v.clone()),
                "sort[direction]" => sort_dir = Some(v.to_ascii_lowercase()),
                "page" => {
                    page =
                        v.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                            OctaError::bad_request("page must be a positive integer")
                        })?;
                }
                "limit" => {
                    limit = v
                        .parse()
                        .ok()
                        .filter(|l| (1..=MAX_LIMIT).contains(l))
                        .ok_or_else(|| {
                            OctaError::bad_request(format!(
                                "limit must be between 1 and {MAX_LIMIT}"
                            ))
                        })?;
                }
                _ => {}
            }
        }
        let mut filters = Vec::new();
        for (i, [property, operator, value]) in parts {
            let (Some(property), Some(operator), Some(value)) = (property, operator, value) else {
                return Err(OctaError::bad_request(format!(
                    "filters[{i}] needs property, operator and value"
                )));
            };
            let op = parse_op(&operator).ok_or_else(|| {
                OctaError::bad_request(format!(
                    "Invalid filter operator '{operator}' (use eq, ne, gt, ge, lt, le, in, nin)"
                ))
            })?;
            filters.push(Filter {
                property,
                op,
                value,
            });
        }
        let sort = match (sort_prop, sort_dir.as_deref()) {
            (None, _) => None,
            (Some(p), None | Some("asc")) => Some((p, false)),
            (Some(p), Some("desc")) => Some((p, true)),
            (Some(_), Some(other)) => {
                return Err(OctaError::bad_request(format!(
                    "Invalid sort direction '{other}' (use asc or desc)"
                )));
            }
        };
        Ok(Self {
            filters,
            sort,
            page,
            limit,
        })
    }

    /// Filters, sorts and pages `items`; answers the page with the total headers.
    pub fn answer(&self, items: Vec<Value>) -> Response {
        let mut items: Vec<Value> = items
            .into_iter()
            .filter(|v| self.filters.iter().all(|f| matches(v, f)))
            .collect();
        if let Some((prop, desc)) = &self.sort {
            items.sort_by(|a, b| {
                let o = compare_opt(first(a, prop), first(b, prop));
                if *desc { o.reverse() } else { o }
            });
        }
        let total = items.len();
        let pages = total.div_ceil(self.limit);
        let page: Vec<Value> = items
            .into_iter()
            .skip((self.page - 1).saturating_mul(self.limit))
            .take(self.limit)
            .collect();
        let mut resp = (StatusCode::OK, Json(page)).into_response();
        for (name, v) in [("x-total-items", total), ("x-total-pages", pages)] {
            if let Ok(h) = HeaderValue::from_str(&v.to_string()) {
                resp.headers_mut().insert(name, h);
            }
        }
        resp
    }
}

/// Every value at a dot path, flattening arrays.
fn values_at<'a>(v: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![v];
    for part in path.split('.') {
        let mut next = Vec::new();
        for c in current {
            let step = |x: &'a Value, out: &mut Vec<&'a Value>| {
                if let Some(y) = x.get(part).filter(|y| !y.is_null()) {
                    match y {
                        Value::Array(items) => out.extend(items.iter()),
                        other => out.push(other),
                    }
                }
            };
            match c {
                Value::Array(items) => items.iter().for_each(|x| step(x, &mut next)),
                other => step(other, &mut next),
            }
        }
        current = next;
    }
    current
}

fn first<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    values_at(v, path).into_iter().next()
}

fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if s.len() < 10 || s.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    crate::common::time::parse_liberal(s)
}

/// Compares a stored value with a filter literal.
fn compare(stored: &Value, literal: &str) -> Option<Ordering> {
    match stored {
        Value::Number(n) => {
            let a = n.as_f64()?;
            let b: f64 = literal.trim().parse().ok()?;
            a.partial_cmp(&b)
        }
        Value::Bool(b) => literal.trim().parse::<bool>().ok().map(|l| b.cmp(&l)),
        Value::String(s) => match (parse_date(s), parse_date(literal.trim())) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => Some(s.to_lowercase().cmp(&literal.to_lowercase())),
        },
        _ => None,
    }
}

fn compare_opt(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => match (a, b) {
            (Value::Number(x), Value::Number(y)) => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
            (Value::String(x), Value::String(y)) => match (parse_date(x), parse_date(y)) {
                (Some(p), Some(q)) => p.cmp(&q),
                _ => x.to_lowercase().cmp(&y.to_lowercase()),
            },
            _ => a.to_string().cmp(&b.to_string()),
        },
    }
}

fn matches(item: &Value, f: &Filter) -> bool {
    let values = values_at(item, &f.property);
    let any = |pred: &dyn Fn(Ordering) -> bool| {
        values
            .iter()
            .any(|v| compare(v, &f.value).is_some_and(pred))
    };
    let list: Vec<&str> = f.value.split(',').map(str::trim).collect();
    let in_list = || {
        values
            .iter()
            .any(|v| list.iter().any(|l| compare(v, l) == Some(Ordering::Equal)))
    };
    match f.op {
        Op::Eq => any(&|o| o == Ordering::Equal),
        Op::Ne => !any(&|o| o == Ordering::Equal),
        Op::Gt => any(&|o| o == Ordering::Greater),
        Op::Ge => any(&|o| o != Ordering::Less),
        Op::Lt => any(&|o| o == Ordering::Less),
        Op::Le => any(&|o| o != Ordering::Greater),
        Op::In => in_list(),
        Op::Nin => !in_list(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery, OctaError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ListQuery::parse(&pairs)
    }

    #[test]
    fn filters_by_dot_path_dates_and_lists() {
        let items = [
            json!({"number": 1, "createdAt": "2024-01-02T10:00:00.000Z", "tags": ["a"], "requester": {"email": "X@y.com"}}),
            json!({"number": 2, "createdAt": "2024-01-03T10:00:00.000Z", "tags": ["b", "c"], "requester": {"email": "z@y.com"}}),
        ];
        let run = |query: &ListQuery| -> Vec<i64> {
            items
                .iter()
                .filter(|v| query.filters.iter().all(|f| matches(v, f)))
                .map(|v| v["number"].as_i64().unwrap())
                .collect()
        };
        let query = q(&[
            ("filters[0][property]", "createdAt"),
            ("filters[0][operator]", "ge"),
            ("filters[0][value]", "2024-01-03T00:00:00-0300"),
        ])
        .unwrap();
        assert_eq!(run(&query), vec![2]);
        let query = q(&[
            ("filters[0][property]", "requester.email"),
            ("filters[0][operator]", "eq"),
            ("filters[0][value]", "x@y.com"),
        ])
        .unwrap();
        assert_eq!(run(&query), vec![1]);
        let query = q(&[
            ("filters[0][property]", "tags"),
            ("filters[0][operator]", "in"),
            ("filters[0][value]", "c,d"),
        ])
        .unwrap();
        assert_eq!(run(&query), vec![2]);
        let query = q(&[
            ("filters[0][property]", "tags"),
            ("filters[0][operator]", "ne"),
            ("filters[0][value]", "a"),
        ])
        .unwrap();
        assert_eq!(run(&query), vec![2]);
    }

    #[test]
    fn rejects_bad_queries() {
        assert!(q(&[("limit", "101")]).is_err());
        assert!(q(&[("page", "0")]).is_err());
        assert!(
            q(&[
                ("filters[0][property]", "x"),
                ("filters[0][operator]", "like"),
                ("filters[0][value]", "y")
            ])
            .is_err()
        );
        assert!(q(&[("filters[0][property]", "x")]).is_err());
        assert!(q(&[("sort[property]", "x"), ("sort[direction]", "up")]).is_err());
    }
}
