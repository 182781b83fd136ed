//! OData query options of list GETs: `$select`, `$filter`, `$orderby`, `$top`, `$skip`, `$expand`.
//! `$count` and other `$` options are refused like Movidesk does.

use serde_json::{Map, Value};

use super::odata::{Filter, check_property, order, path_value};

/// What a list endpoint accepts.
pub struct EntitySchema {
    /// Name used in error messages.
    pub name: &'static str,
    pub properties: Vec<&'static str>,
    /// Collections returned only when expanded or selected.
    pub collections: &'static [&'static str],
    pub require_select: bool,
    pub max_top: usize,
}

/// Parsed list options.
#[derive(Debug)]
pub struct ListQuery {
    filter: Option<Filter>,
    /// The `$filter` as given, lower-cased: which properties it may read.
    filter_text: String,
    select: Option<Vec<String>>,
    expand: Vec<String>,
    orderby: Vec<(String, bool)>,
    top: usize,
    skip: usize,
}

fn canonical(name: &str, schema: &EntitySchema) -> Result<String, String> {
    check_property(name, schema.name, &schema.properties)?;
    Ok(schema
        .properties
        .iter()
        .find(|p| p.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_owned(), |p| (*p).to_owned()))
}

/// Splits on commas outside parentheses: `actions($select=id,origin),owner`.
fn split_top_level(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

fn number(name: &str, raw: &str) -> Result<usize, String> {
    raw.trim()
        .parse::<usize>()
        .map_err(|_| format!("Invalid value for {name}: '{raw}' is not a non-negative integer"))
}

impl ListQuery {
    /// Parses the options; `params` are the decoded query pairs (credentials already removed or not).
    pub fn parse(params: &[(String, String)], schema: &EntitySchema) -> Result<Self, String> {
        let mut q = Self {
            filter: None,
            filter_text: String::new(),
            select: None,
            expand: Vec::new(),
            orderby: Vec::new(),
            top: schema.max_top,
            skip: 0,
        };
        for (key, value) in params {
            if !key.starts_with('$') {
                continue;
            }
            match key.to_ascii_lowercase().as_str() {
                "$filter" => {
                    q.filter_text = value.to_ascii_lowercase();
                    q.filter = Some(
                        Filter::parse(value, schema.name, &schema.properties)
                            .map_err(|e| format!("Invalid $filter: {e}"))?,
                    );
                }
                "$select" => {
                    let mut fields = Vec::new();
                    for f in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                        if f == "*" {
                            fields.extend(schema.properties.iter().map(|p| (*p).to_owned()));
                        } else {
                            fields.push(
                                canonical(f, schema)
                                    .map_err(|e| format!("Invalid $select: {e}"))?,
                            );
                        }
                    }
                    if fields.is_empty() {
                        return Err("Invalid $select: no property given".to_owned());
                    }
                    q.select = Some(fields);
                }
                "$expand" => {
                    for item in split_top_level(value) {
                        let name = item.split('(').next().unwrap_or("").trim();
                        q.expand.push(
                            canonical(name, schema).map_err(|e| format!("Invalid $expand: {e}"))?,
                        );
                    }
                }
                "$orderby" => {
                    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                        let mut words = item.split_whitespace();
                        let path = words.next().unwrap_or("");
                        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
                            None | Some("asc") => false,
                            Some("desc") => true,
                            Some(other) => {
                                return Err(format!(
                                    "Invalid $orderby: '{other}' after '{path}' (use asc or desc)"
                                ));
                            }
                        };
                        if words.next().is_some() {
                            return Err(format!("Invalid $orderby: '{item}'"));
                        }
                        let first = path.split('/').next().unwrap_or("");
                        check_property(first, schema.name, &schema.properties)
                            .map_err(|e| format!("Invalid $orderby: {e}"))?;
                        q.orderby.push((path.to_owned(), desc));
                    }
                }
                "$top" => q.top = number("$top", value)?.min(schema.max_top),
                "$skip" => q.skip = number("$skip", value)?,
                other => {
                    return Err(format!("The query parameter '{other}' is not supported."));
                }
            }
        }
        if schema.require_select && q.select.is_none() {
            return Err(format!(
                "The $select parameter is mandatory when listing {}s: name the properties to return, e.g. $select=id,subject,lastUpdate",
                schema.name.to_lowercase()
            ));
        }
        Ok(q)
    }

    /// Whether the answer can depend on top-level property `name`: it is
    /// selected (or nothing is), expanded, ordered by, or named anywhere in
    /// the filter's text (a superset: a value that spells it counts too).
    /// Entities may be rendered without the properties this says no to.
    pub fn reads(&self, name: &str) -> bool {
        let is = |candidate: &str| candidate.eq_ignore_ascii_case(name);
        self.select.as_ref().is_none_or(|s| s.iter().any(|f| is(f)))
            || self.expand.iter().any(|e| is(e))
            || self
                .orderby
                .iter()
                .any(|(path, _)| is(path.split('/').next().unwrap_or(path)))
            || self.filter_text.contains(&name.to_ascii_lowercase())
    }

    /// The tag every listed entity must carry, when the filter requires one
    /// (`tags/any(t: t eq '…')`, Ponte's marker search): the list can leave
    /// the others out before rendering them.
    pub fn required_tag(&self) -> Option<String> {
        self.filter.as_ref()?.required_member("tags")
    }

    /// Filters, orders, pages and projects rendered entities (already in default order).
    pub fn apply(&self, entities: Vec<Value>, schema: &EntitySchema) -> Vec<Value> {
        let mut list: Vec<Value> = match &self.filter {
            Some(f) => entities.into_iter().filter(|e| f.matches(e)).collect(),
            None => entities,
        };
        if !self.orderby.is_empty() {
            list.sort_by(|a, b| {
                self.orderby
                    .iter()
                    .map(|(path, desc)| {
                        let o = order(path_value(a, path), path_value(b, path));
                        if *desc { o.reverse() } else { o }
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
        list.into_iter()
            .skip(self.skip)
            .take(self.top)
            .map(|e| self.project(e, schema))
            .collect()
    }

    fn project(&self, entity: Value, schema: &EntitySchema) -> Value {
        let Value::Object(full) = entity else {
            return entity;
        };
        let keep = |k: &str| -> bool {
            let expanded = self.expand.iter().any(|e| e == k);
            let selected = self
                .select
                .as_ref()
                .is_none_or(|s| s.iter().any(|f| f == k));
            let collection = schema.collections.contains(&k);
            if self.select.is_some() {
                selected || expanded
            } else {
                !collection || expanded
            }
        };
        let projected: Map<String, Value> = full.into_iter().filter(|(k, _)| keep(k)).collect();
        Value::Object(projected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> EntitySchema {
        EntitySchema {
            name: "Ticket",
            properties: vec!["id", "subject", "tags", "lastUpdate", "actions", "clients"],
            collections: &["actions", "clients"],
            require_select: true,
            max_top: 1000,
        }
    }

    fn query(pairs: &[(&str, &str)]) -> ListQuery {
        let params: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ListQuery::parse(&params, &schema()).expect("a valid query")
    }

    #[test]
    fn a_query_reads_what_it_selects_expands_orders_by_or_filters_on() {
        let q = query(&[
            ("$select", "id,subject"),
            ("$filter", "tags/any(t: startswith(t, 'ponte-'))"),
            ("$orderby", "lastUpdate desc"),
            ("$expand", "clients"),
        ]);
        for name in [
            "id",
            "subject",
            "tags",
            "lastUpdate",
            "clients",
            "LASTUPDATE",
        ] {
            assert!(q.reads(name), "{name} should be read");
        }
        assert!(!q.reads("actions"), "nothing names the actions");
        let q = query(&[
            ("$select", "id"),
            ("$filter", "Actions/any(a: a/description eq 'x')"),
        ]);
        assert!(q.reads("actions"), "the filter names the actions");
    }
}
