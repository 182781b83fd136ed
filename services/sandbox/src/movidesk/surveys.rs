//! Satisfaction surveys (KB "Pesquisa de satisfação": `/survey/questions` and `/survey/responses`,
//! GET only). Lists answer `{"hasMore": bool, "items": [...]}` and page with `startingAfter` (the
//! last id seen) and `limit` (at most 100 [INF]); responses filter by question, client, ticket,
//! type and response date. Questions and responses are added through the control API (in Movidesk
//! agents create questions and customers answer them).

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::domain::Domain;
use super::input::{as_bool, as_date, as_id, as_int, as_text, present};
use crate::common::time::format_movidesk;

/// Largest page of a survey list.
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Surveys {
    /// In creation order (the order lists page in).
    pub questions: Vec<Value>,
    pub responses: Vec<Value>,
}

fn random_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..6)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn survey_type(o: &Map<String, Value>) -> Result<i64, String> {
    present(o, "type")
        .and_then(as_int)
        .filter(|t| (1..=4).contains(t))
        .ok_or_else(|| {
            "type is required: 1 (satisfied/dissatisfied), 2 (smiley faces), 3 (NPS) or 4 (yes/no)"
                .to_owned()
        })
}

/// The scores a survey type allows.
fn valid_value(kind: i64, value: i64) -> bool {
    match kind {
        1 | 4 => (1..=2).contains(&value),
        2 => (1..=5).contains(&value),
        3 => (0..=10).contains(&value),
        _ => false,
    }
}

impl Surveys {
    fn question(&self, id: &str) -> Option<&Value> {
        self.questions
            .iter()
            .find(|q| q.get("id").and_then(Value::as_str) == Some(id))
    }

    /// Adds a question from `{id?, type, isActive?, languages: [{language, description}]}`.
    pub fn add_question(&mut self, input: &Value) -> Result<Value, String> {
        let o = input.as_object().ok_or("a question must be an object")?;
        let id = present(o, "id").and_then(as_id).unwrap_or_else(random_id);
        if self.question(&id).is_some() {
            return Err(format!("there is already a question '{id}'"));
        }
        let kind = survey_type(o)?;
        let languages = match present(o, "languages") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let l = l
                        .as_object()
                        .ok_or_else(|| format!("languages[{i}] must be an object"))?;
                    Ok(json!({
                        "language": present(l, "language").and_then(as_text)
                            .ok_or_else(|| format!("languages[{i}].language is required (e.g. pt-BR)"))?,
                        "description": present(l, "description").and_then(as_text),
                    }))
                })
                .collect::<Result<Vec<_>, String>>()?,
            Some(_) => return Err("languages must be a list".to_owned()),
        };
        let q = json!({
            "id": id,
            "type": kind,
            "isActive": present(o, "isActive").and_then(as_bool).unwrap_or(true),
            "languages": languages,
        });
        self.questions.push(q.clone());
        Ok(q)
    }

    /// Adds a response from `{id?, questionId, clientId, ticketId, value, commentary?, responseDate?}`;
    /// its type is the question's.
    pub fn add_response(&mut self, input: &Value, now: &DateTime<Utc>) -> Result<Value, String> {
        let o = input.as_object().ok_or("a response must be an object")?;
        let id = present(o, "id").and_then(as_id).unwrap_or_else(random_id);
        if self
            .responses
            .iter()
            .any(|r| r.get("id").and_then(Value::as_str) == Some(id.as_str()))
        {
            return Err(format!("there is already a response '{id}'"));
        }
        let question_id = present(o, "questionId")
            .and_then(as_id)
            .ok_or("questionId is required")?;
        let kind = self
            .question(&question_id)
            .and_then(|q| q.get("type"))
            .and_then(Value::as_i64)
            .ok_or_else(|| format!("questionId: no question '{question_id}'"))?;
        let value = present(o, "value")
            .and_then(as_int)
            .ok_or("value is required (the score)")?;
        if !valid_value(kind, value) {
            return Err(format!(
                "value {value} is not a score of a type-{kind} survey"
            ));
        }
        let date = match present(o, "responseDate") {
            None => *now,
            Some(v) => as_date(v).ok_or("responseDate must be a date")?,
        };
        let r = json!({
            "id": id,
            "questionId": question_id,
            "type": kind,
            "clientId": present(o, "clientId").and_then(as_id),
            "ticketId": present(o, "ticketId").and_then(as_int),
            "responseDate": format_movidesk(&date),
            "commentary": present(o, "commentary").and_then(as_text),
            "value": value,
        });
        self.responses.push(r.clone());
        Ok(r)
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn page(items: Vec<&Value>, params: &[(String, String)]) -> Result<Value, String> {
    let limit = match param(params, "limit") {
        None => MAX_LIMIT,
        Some(raw) => raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| format!("limit must be a number from 1 to {MAX_LIMIT}"))?,
    };
    let start = match param(params, "startingAfter") {
        None => 0,
        Some(after) => {
            items
                .iter()
                .position(|v| v.get("id").and_then(Value::as_str) == Some(after))
                .ok_or_else(|| format!("startingAfter: no item '{after}'"))?
                + 1
        }
    };
    let rest = items.get(start..).unwrap_or_default();
    let chosen: Vec<Value> = rest.iter().take(limit).map(|v| (*v).clone()).collect();
    Ok(json!({"hasMore": rest.len() > limit, "items": chosen}))
}

fn matches_text(v: &Value, key: &str, wanted: Option<&str>) -> bool {
    wanted.is_none_or(|w| {
        v.get(key).is_some_and(|x| match x {
            Value::String(s) => s == w,
            Value::Number(n) => w.trim().parse::<f64>().ok() == n.as_f64(),
            Value::Bool(b) => w.trim().parse::<bool>().ok() == Some(*b),
            _ => false,
        })
    })
}

fn date_param(params: &[(String, String)], name: &str) -> Result<Option<DateTime<Utc>>, String> {
    param(params, name)
        .map(|raw| as_date(&Value::String(raw.to_owned())).ok_or(format!("{name} must be a date")))
        .transpose()
}

impl Domain {
    /// `GET /survey/questions`.
    pub fn list_survey_questions(&self, params: &[(String, String)]) -> Result<Value, String> {
        let active = param(params, "isActive")
            .map(|raw| {
                as_bool(&Value::String(raw.to_owned())).ok_or("isActive must be true or false")
            })
            .transpose()?;
        let items = self
            .surveys
            .questions
            .iter()
            .filter(|q| matches_text(q, "id", param(params, "id")))
            .filter(|q| matches_text(q, "type", param(params, "type")))
            .filter(|q| {
                active.is_none_or(|a| q.get("isActive").and_then(Value::as_bool) == Some(a))
            })
            .collect();
        page(items, params)
    }

    /// `GET /survey/responses`.
    pub fn list_survey_responses(&self, params: &[(String, String)]) -> Result<Value, String> {
        let after = date_param(params, "responseDateGreaterThan")?;
        let before = date_param(params, "responseDateLessThan")?;
        let items = self
            .surveys
            .responses
            .iter()
            .filter(|r| {
                ["id", "questionId", "clientId", "ticketId", "type"]
                    .iter()
                    .all(|k| matches_text(r, k, param(params, k)))
            })
            .filter(|r| {
                let d = r.get("responseDate").and_then(as_date);
                after.is_none_or(|a| d.is_some_and(|d| d > a))
                    && before.is_none_or(|b| d.is_some_and(|d| d < b))
            })
            .collect();
        page(items, params)
    }
}
