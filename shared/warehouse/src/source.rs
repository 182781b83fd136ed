//! Paged reads of Movidesk for the backfill and the refresh, through the Movidesk client (so every
//! call counts against the account's shared budget). Tickets are paged by id (a stable order that
//! a resumed pass continues from); `/tickets` holds those changed in the last 90 days and
//! `/tickets/past` the older ones. Persons page with `$top`/`$skip`; survey questions and responses
//! with `startingAfter`/`limit` and `hasMore`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_movidesk_io::Client;
use ponte_worker::ExecError;
use serde_json::Value;

use crate::schema;

/// Movidesk's largest page.
pub const PAGE: usize = 100;

/// Which ticket endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// `/tickets`: `lastUpdate` within 90 days.
    Recent,
    /// `/tickets/past`: older.
    Past,
}

impl Window {
    pub fn path(self) -> &'static str {
        match self {
            Window::Recent => "/tickets",
            Window::Past => "/tickets/past",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Window::Recent => "recent",
            Window::Past => "past",
        }
    }
}

/// What a list returns only when expanded: the person references and the collections (nested
/// expands as Movidesk takes them).
pub const TICKET_EXPAND: &str = "owner,createdBy,slaSolutionChangedBy,clients($expand=organization),actions,customFieldValues($expand=items),parentTickets,childrenTickets";

/// Every scalar field the warehouse maps (a list needs `$select`).
pub fn ticket_select() -> String {
    let mut fields: Vec<&str> = schema::TICKETS
        .columns
        .iter()
        .filter_map(|c| c.path.first().copied())
        .collect();
    fields.dedup();
    fields.join(",")
}

fn odata_date(d: &DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S.00z").to_string()
}

/// A call that waits out the budget: a used-up budget or a 429 is a pause, not a failure. Other
/// errors end the pass (the cursor keeps what was done).
pub async fn patiently<T, F, Fut>(mut call: F) -> Result<T, ExecError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ExecError>>,
{
    let mut transient_failures = 0u32;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(ExecError::Transient {
                retry_after: Some(wait),
                ..
            }) => {
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    "waiting for the Movidesk budget"
                );
                tokio::time::sleep(wait.max(Duration::from_millis(50))).await;
            }
            Err(e @ ExecError::Transient { .. }) if transient_failures < 5 => {
                transient_failures += 1;
                tracing::warn!(error = %e, "Movidesk read failed; trying again");
                tokio::time::sleep(Duration::from_secs(2u64.pow(transient_failures))).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn array(v: Value, what: &str) -> Result<Vec<Value>, ExecError> {
    match v {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Err(ExecError::permanent(format!(
            "Movidesk {what} answered {} instead of a list",
            other.to_string().chars().take(80).collect::<String>()
        ))),
    }
}

fn ticket_filter(after_id: Option<u64>, since: Option<&DateTime<Utc>>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(id) = after_id {
        parts.push(format!("id gt {id}"));
    }
    if let Some(s) = since {
        parts.push(format!("lastUpdate ge {}", odata_date(s)));
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

/// One page of full tickets with ids above `after_id`, lowest id first.
pub async fn tickets_page(
    client: &Client<'_>,
    window: Window,
    after_id: Option<u64>,
    since: Option<&DateTime<Utc>>,
) -> Result<Vec<Value>, ExecError> {
    let mut query = vec![
        ("$select", ticket_select()),
        ("$expand", TICKET_EXPAND.to_string()),
        ("$orderby", "id asc".to_string()),
        ("$top", PAGE.to_string()),
    ];
    if let Some(f) = ticket_filter(after_id, since) {
        query.push(("$filter", f));
    }
    let v = patiently(|| client.get_json(window.path(), &query)).await?;
    array(v, window.path())
}

/// The lowest and highest ticket id of a window (two small calls), for the progress bar.
pub async fn ticket_id_bounds(
    client: &Client<'_>,
    window: Window,
    since: Option<&DateTime<Utc>>,
) -> Result<Option<(u64, u64)>, ExecError> {
    let mut ends = Vec::new();
    for order in ["id asc", "id desc"] {
        let mut query = vec![
            ("$select", "id".to_string()),
            ("$orderby", order.to_string()),
            ("$top", "1".to_string()),
        ];
        if let Some(f) = ticket_filter(None, since) {
            query.push(("$filter", f));
        }
        let v = patiently(|| client.get_json(window.path(), &query)).await?;
        let id = array(v, window.path())?
            .first()
            .and_then(|t| t.get("id"))
            .and_then(id_number);
        ends.push(id);
    }
    Ok(
        match (
            ends.first().copied().flatten(),
            ends.get(1).copied().flatten(),
        ) {
            (Some(lo), Some(hi)) => Some((lo, hi)),
            _ => None,
        },
    )
}

/// A ticket id as a number (ids are strings in GET, numbers elsewhere).
pub fn id_number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One page of persons, in id order, skipping `skip`; only those created or changed since `since`
/// if given.
pub async fn persons_page(
    client: &Client<'_>,
    skip: usize,
    since: Option<&DateTime<Utc>>,
) -> Result<Vec<Value>, ExecError> {
    let mut query = vec![
        ("$orderby", "id asc".to_string()),
        ("$top", PAGE.to_string()),
        ("$skip", skip.to_string()),
    ];
    if let Some(s) = since {
        // A person never changed since its creation may have no `changedDate`.
        let d = odata_date(s);
        query.push((
            "$filter",
            format!("changedDate ge {d} or createdDate ge {d}"),
        ));
    }
    let v = patiently(|| client.get_json("/persons", &query)).await?;
    array(v, "/persons")
}

/// Survey endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Survey {
    Questions,
    Responses,
}

impl Survey {
    pub fn path(self) -> &'static str {
        match self {
            Survey::Questions => "/survey/questions",
            Survey::Responses => "/survey/responses",
        }
    }
}

/// One page of survey questions or responses after `starting_after`; the bool is `hasMore`.
pub async fn survey_page(
    client: &Client<'_>,
    survey: Survey,
    starting_after: Option<&str>,
    since: Option<&DateTime<Utc>>,
) -> Result<(Vec<Value>, bool), ExecError> {
    let mut query = vec![("limit", PAGE.to_string())];
    if let Some(id) = starting_after {
        query.push(("startingAfter", id.to_string()));
    }
    if let (Survey::Responses, Some(s)) = (survey, since) {
        query.push((
            "responseDateGreaterThan",
            s.format("%Y-%m-%dT%H:%M:%S").to_string(),
        ));
    }
    let v = patiently(|| client.get_json(survey.path(), &query)).await?;
    let has_more = v.get("hasMore").and_then(Value::as_bool).unwrap_or(false);
    let items = match v.get("items") {
        Some(items) => array(items.clone(), survey.path())?,
        None => array(v, survey.path())?,
    };
    Ok((items, has_more))
}
