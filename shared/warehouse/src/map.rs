//! Movidesk JSON (the API's camelCase model) to warehouse rows. A root object without a usable id
//! is refused with an error naming the field; anything else unusable is stored as null (or its row
//! skipped) and listed as an issue, so the rest of the object lands.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::cell::{Cell, Issue, read};
use crate::schema::{self, Kind, Table};

/// Reads one kind of object (`ticket`, `person`…).
pub type Reader = fn(&Value) -> Result<Mapped, Refused>;

/// Why an object cannot be stored at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object} cannot be stored: `{field}` {problem}")]
pub struct Refused {
    pub object: &'static str,
    pub field: String,
    pub problem: String,
}

/// One object read into rows: its root row and every child table's rows, replaced together.
#[derive(Debug, Clone)]
pub struct Mapped {
    /// `ticket`, `person`, `survey_question` or `survey_response` (names its issues).
    pub object: &'static str,
    pub id: String,
    pub root_table: Table,
    pub root: Vec<Cell>,
    /// The root's change stamp (`lastUpdate`, `changedDate`): an older reading never replaces a
    /// newer one.
    pub stamp_column: Option<&'static str>,
    pub stamp: Option<DateTime<Utc>>,
    pub children: Vec<(Table, Vec<Vec<Cell>>)>,
    pub issues: Vec<Issue>,
}

impl Mapped {
    /// Rows of one child table.
    pub fn rows(&self, table: &str) -> usize {
        self.children
            .iter()
            .filter(|(t, _)| t.name == table)
            .map(|(_, rows)| rows.len())
            .sum()
    }
}

fn lookup<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut cur = obj.get(*first)?;
    for key in rest {
        cur = cur.as_object()?.get(*key)?;
    }
    Some(cur)
}

/// A row missing its key: skipped (child) or refused (root).
struct MissingKey(String);

fn row(
    table: &Table,
    obj: &Map<String, Value>,
    given: Vec<Cell>,
    prefix: &str,
    issues: &mut Vec<Issue>,
) -> Result<Vec<Cell>, MissingKey> {
    let mut cells = given;
    for col in table.columns {
        let field = format!("{prefix}{}", col.path.join("."));
        let cell = read(col.kind, lookup(obj, col.path), &field, issues);
        if col.kind == Kind::Key && cell.as_text().is_none_or(|s| s.trim().is_empty()) {
            return Err(MissingKey(field));
        }
        cells.push(cell);
    }
    if table.raw {
        let used: BTreeSet<&str> = table
            .columns
            .iter()
            .filter_map(|c| c.path.first().copied())
            .chain(table.children.iter().copied())
            .collect();
        let rest: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| !used.contains(k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        cells.push(Cell::Json(
            (!rest.is_empty()).then_some(Value::Object(rest)),
        ));
    }
    if table.synced_at {
        cells.push(Cell::Time(Some(Utc::now())));
    }
    Ok(cells)
}

/// The objects of a list field; anything but a list (or null) is an issue.
fn list<'a>(obj: &'a Map<String, Value>, key: &str, issues: &mut Vec<Issue>) -> &'a [Value] {
    match obj.get(key) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => &[],
        Some(_) => {
            issues.push(Issue {
                field: key.to_string(),
                problem: "is not a list; no rows stored".into(),
            });
            &[]
        }
    }
}

/// Reads each object of `items` as a row of `table`; rows without a key (or repeating one) are
/// skipped with an issue.
fn child_rows<'a>(
    table: &Table,
    key: &str,
    items: impl Iterator<Item = (usize, &'a Value)>,
    given: impl Fn(usize, &Map<String, Value>, &mut Vec<Issue>) -> Vec<Cell>,
    key_of: impl Fn(&[Cell]) -> String,
    issues: &mut Vec<Issue>,
) -> Vec<Vec<Cell>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, item) in items {
        let prefix = format!("{key}[{i}].");
        let Value::Object(o) = item else {
            issues.push(Issue {
                field: format!("{key}[{i}]"),
                problem: "is not an object; row skipped".into(),
            });
            continue;
        };
        let cells = match row(table, o, given(i, o, issues), &prefix, issues) {
            Ok(c) => c,
            Err(MissingKey(field)) => {
                issues.push(Issue {
                    field,
                    problem: "is missing or empty; row skipped".into(),
                });
                continue;
            }
        };
        if !seen.insert(key_of(&cells)) {
            issues.push(Issue {
                field: format!("{key}[{i}]"),
                problem: "repeats an earlier item's key; row skipped".into(),
            });
            continue;
        }
        out.push(cells);
    }
    out
}

fn object<'a>(v: &'a Value, what: &'static str) -> Result<&'a Map<String, Value>, Refused> {
    v.as_object().ok_or_else(|| Refused {
        object: what,
        field: "(body)".into(),
        problem: "is not a JSON object".into(),
    })
}

fn root(
    table: &Table,
    obj: &Map<String, Value>,
    what: &'static str,
    issues: &mut Vec<Issue>,
) -> Result<(String, Vec<Cell>), Refused> {
    let cells = row(table, obj, Vec::new(), "", issues).map_err(|MissingKey(field)| Refused {
        object: what,
        field,
        problem: "is missing or empty".into(),
    })?;
    let id = cells
        .first()
        .and_then(Cell::as_text)
        .unwrap_or_default()
        .to_string();
    Ok((id, cells))
}

fn stamp(table: &Table, cells: &[Cell], column: &str) -> Option<DateTime<Utc>> {
    let i = table.column_names().iter().position(|c| *c == column)?;
    match cells.get(i) {
        Some(Cell::Time(t)) => *t,
        _ => None,
    }
}

fn text_key(cells: &[Cell], indexes: &[usize]) -> String {
    indexes
        .iter()
        .map(|i| format!("{:?}", cells.get(*i)))
        .collect::<Vec<_>>()
        .join("|")
}

/// A ticket as `GET /tickets?id=` returns it.
pub fn ticket(v: &Value) -> Result<Mapped, Refused> {
    let obj = object(v, "ticket")?;
    let mut issues = Vec::new();
    let (id, root_cells) = root(&schema::TICKETS, obj, "ticket", &mut issues)?;
    let last_update = stamp(&schema::TICKETS, &root_cells, "last_update");
    let tid = || Cell::text(id.clone());
    let mut children = Vec::new();

    let actions = child_rows(
        &schema::ACTIONS,
        "actions",
        list(obj, "actions", &mut issues).iter().enumerate(),
        |_, _, _| vec![tid()],
        |c| text_key(c, &[1]),
        &mut issues,
    );
    children.push((schema::ACTIONS, actions));

    let clients = child_rows(
        &schema::CLIENTS,
        "clients",
        list(obj, "clients", &mut issues).iter().enumerate(),
        |_, _, _| vec![tid()],
        |c| text_key(c, &[1]),
        &mut issues,
    );
    children.push((schema::CLIENTS, clients));

    let owner: Vec<Value> = obj
        .get("owner")
        .filter(|o| {
            o.as_object()
                .is_some_and(|o| o.get("id").is_some_and(|i| !i.is_null()))
        })
        .cloned()
        .into_iter()
        .collect();
    let owners = child_rows(
        &schema::OWNERS,
        "owner",
        owner.iter().enumerate(),
        |_, _, _| vec![tid()],
        |_| String::new(),
        &mut issues,
    );
    children.push((schema::OWNERS, owners));

    let mut fields = Vec::new();
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, cfv) in list(obj, "customFieldValues", &mut issues)
        .iter()
        .enumerate()
    {
        let at = format!("customFieldValues[{i}]");
        let Value::Object(o) = cfv else {
            issues.push(Issue {
                field: at,
                problem: "is not an object; row skipped".into(),
            });
            continue;
        };
        let given = vec![tid(), Cell::Time(last_update)];
        let mut r = match row(
            &schema::CUSTOM_FIELDS,
            o,
            given,
            &format!("{at}."),
            &mut issues,
        ) {
            Ok(r) => r,
            Err(MissingKey(field)) => {
                issues.push(Issue {
                    field,
                    problem: "is missing or empty; row skipped".into(),
                });
                continue;
            }
        };
        // A custom field without a line is line 1 (Movidesk's default).
        if r[4] == Cell::Num(None) {
            r[4] = Cell::Num(Some(1.0));
        }
        if !seen.insert(text_key(&r, &[2, 3, 4])) {
            issues.push(Issue {
                field: at,
                problem: "repeats an earlier field, rule and line; row skipped".into(),
            });
            continue;
        }
        let parent_key = [r[0].clone(), r[2].clone(), r[3].clone(), r[4].clone()];
        let key = format!("{at}.items");
        let item_list = match o.get("items") {
            Some(Value::Array(list)) => list.as_slice(),
            None | Some(Value::Null) => &[],
            Some(_) => {
                issues.push(Issue {
                    field: key.clone(),
                    problem: "is not a list; no rows stored".into(),
                });
                &[]
            }
        };
        items.extend(child_rows(
            &schema::CUSTOM_FIELD_ITEMS,
            &key,
            item_list.iter().enumerate(),
            |j, _, _| {
                let mut g = parent_key.to_vec();
                g.push(Cell::Num(Some((j + 1) as f64)));
                g
            },
            |c| text_key(c, &[4]),
            &mut issues,
        ));
        fields.push(r);
    }
    children.push((schema::CUSTOM_FIELDS, fields));
    children.push((schema::CUSTOM_FIELD_ITEMS, items));

    // A child's parent is this ticket: its subject and flag as already read (and cleaned).
    let at = |column: &str| {
        schema::TICKETS
            .column_names()
            .iter()
            .position(|c| *c == column)
            .and_then(|i| root_cells.get(i))
    };
    let subject = match at("subject") {
        Some(Cell::Text(Some(s))) => Value::String(s.clone()),
        _ => Value::Null,
    };
    let deleted = match at("is_deleted") {
        Some(Cell::Bool(Some(b))) => Value::Bool(*b),
        _ => Value::Null,
    };
    let mut relations = child_rows(
        &schema::PARENTS_CHILDREN,
        "parentTickets",
        list(obj, "parentTickets", &mut issues).iter().enumerate(),
        |_, p, issues| {
            vec![
                tid(),
                read(Kind::Key, p.get("id"), "parentTickets.id", issues),
            ]
        },
        |c| text_key(c, &[0, 1]),
        &mut issues,
    );
    let children_list: Vec<Value> = list(obj, "childrenTickets", &mut issues)
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.get("id").cloned().unwrap_or(Value::Null),
                "subject": subject,
                "isDeleted": deleted,
            })
        })
        .collect();
    relations.extend(child_rows(
        &schema::PARENTS_CHILDREN,
        "childrenTickets",
        children_list.iter().enumerate(),
        |_, c, issues| {
            vec![
                read(Kind::Key, c.get("id"), "childrenTickets.id", issues),
                tid(),
            ]
        },
        |c| text_key(c, &[0, 1]),
        &mut issues,
    ));
    relations.retain(|r| r[0].as_text().is_some() && r[1].as_text().is_some());
    children.push((schema::PARENTS_CHILDREN, relations));

    Ok(Mapped {
        object: "ticket",
        id,
        root_table: schema::TICKETS,
        root: root_cells,
        stamp_column: Some("last_update"),
        stamp: last_update,
        children,
        issues,
    })
}

fn lines<'a>(
    obj: &'a Map<String, Value>,
    key: &'a str,
    table: Table,
    id: &str,
    issues: &mut Vec<Issue>,
) -> (Table, Vec<Vec<Cell>>) {
    let rows = child_rows(
        &table,
        key,
        list(obj, key, issues).iter().enumerate(),
        |i, _, _| vec![Cell::text(id), Cell::Num(Some((i + 1) as f64))],
        |c| text_key(c, &[1]),
        issues,
    );
    (table, rows)
}

/// A person as `GET /persons` returns it.
pub fn person(v: &Value) -> Result<Mapped, Refused> {
    let obj = object(v, "person")?;
    let mut issues = Vec::new();
    let (id, root_cells) = root(&schema::PERSONS, obj, "person", &mut issues)?;
    let changed = stamp(&schema::PERSONS, &root_cells, "changed_date");
    let children = vec![
        lines(
            obj,
            "relationships",
            schema::PERSON_RELATIONSHIPS,
            &id,
            &mut issues,
        ),
        lines(obj, "emails", schema::PERSON_EMAILS, &id, &mut issues),
        lines(obj, "contacts", schema::PERSON_CONTACTS, &id, &mut issues),
    ];
    Ok(Mapped {
        object: "person",
        id,
        root_table: schema::PERSONS,
        root: root_cells,
        stamp_column: Some("changed_date"),
        stamp: changed,
        children,
        issues,
    })
}

/// A satisfaction-survey question (`/survey/questions` item).
pub fn survey_question(v: &Value) -> Result<Mapped, Refused> {
    let obj = object(v, "survey_question")?;
    let mut issues = Vec::new();
    let (id, root_cells) = root(
        &schema::SURVEY_QUESTIONS,
        obj,
        "survey_question",
        &mut issues,
    )?;
    let languages = child_rows(
        &schema::SURVEY_QUESTION_LANGUAGES,
        "languages",
        list(obj, "languages", &mut issues).iter().enumerate(),
        |_, _, _| vec![Cell::text(id.clone())],
        |c| text_key(c, &[1]),
        &mut issues,
    );
    Ok(Mapped {
        object: "survey_question",
        id,
        root_table: schema::SURVEY_QUESTIONS,
        root: root_cells,
        stamp_column: None,
        stamp: None,
        children: vec![(schema::SURVEY_QUESTION_LANGUAGES, languages)],
        issues,
    })
}

/// A satisfaction-survey response (`/survey/responses` item).
pub fn survey_response(v: &Value) -> Result<Mapped, Refused> {
    let obj = object(v, "survey_response")?;
    let mut issues = Vec::new();
    let (id, root_cells) = root(
        &schema::SURVEY_RESPONSES,
        obj,
        "survey_response",
        &mut issues,
    )?;
    Ok(Mapped {
        object: "survey_response",
        id,
        root_table: schema::SURVEY_RESPONSES,
        root: root_cells,
        stamp_column: None,
        stamp: None,
        children: Vec::new(),
        issues,
    })
}
