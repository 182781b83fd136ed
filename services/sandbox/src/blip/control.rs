//! The Blip part of the control API (`/_sandbox/blip/...`): contract registration, the customer
//! simulator (new ticket, customer messages, customer closes — each firing the custom-channel webhook),
//! injected command failures, and inspection of tickets, commands, messages and webhook deliveries.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::config::validate_identity;
use super::contract::{BlipState, CommandRecord, Contract, MessageRecord, NotificationRecord};
use super::customer::{NewTicket, unknown_ticket};
use super::envelope::TEXT_PLAIN;
use super::failures::{CommandFailure, CommandFailureSpec};
use super::ticket::{ThreadMessage, Ticket};
use crate::common::delivery::DeliveryRecord;
use crate::common::error::{ControlError, parse_body};
use crate::common::tenants::{self, Tenants};
use crate::common::time;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{contract}/tickets", get(list_tickets).post(create_ticket))
        .route("/{contract}/tickets/{id}", get(get_ticket))
        .route("/{contract}/tickets/{id}/messages", post(customer_message))
        .route("/{contract}/tickets/{id}/close", post(customer_close))
        .route("/{contract}/commands", get(list_commands))
        .route("/{contract}/messages", get(list_messages))
        .route("/{contract}/notifications", get(list_notifications))
        .route(
            "/{contract}/notification-deliveries",
            get(list_notification_deliveries),
        )
        .route(
            "/{contract}/command-failure",
            get(get_failure).put(put_failure).delete(delete_failure),
        )
        .merge(tenants::registration_routes::<BlipState>("/contracts"))
        .merge(tenants::outbox_routes::<BlipState>("/{contract}/webhooks"))
}

/// A ticket with everything a test may assert on: the ticket document, the customer's name, the whole
/// thread with delivery states, and the commands that named the ticket.
fn inspect(c: &Contract, t: &Ticket) -> Value {
    let mut v = t.render();
    if let Value::Object(o) = &mut v {
        if let Some(name) = &t.customer_name {
            o.insert("customerName".into(), json!(name));
        }
        o.insert(
            "thread".into(),
            Value::Array(t.thread.iter().map(ThreadMessage::inspect).collect()),
        );
        let commands: Vec<&CommandRecord> = c
            .commands
            .iter()
            .filter(|r| {
                r.ticket_id
                    .as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case(&t.id))
            })
            .collect();
        o.insert("commands".into(), json!(commands));
    }
    v
}

fn ticket_view(c: &Contract, id: &str) -> Result<Value, ControlError> {
    c.ticket(id)
        .map(|t| inspect(c, t))
        .ok_or_else(|| unknown_ticket(id))
}

async fn list_tickets(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.blip.control(&contract, |c| {
        Ok(Json(c.tickets.values().map(|t| inspect(c, t)).collect()))
    })
}

async fn get_ticket(
    State(state): State<Arc<AppState>>,
    Path((contract, id)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    state
        .blip
        .control(&contract, |c| ticket_view(c, &id).map(Json))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTicket {
    /// The customer's identity, e.g. `5511999990001@wa.gw.msging.net`.
    customer: String,
    /// The message that made the bot hand over: a string (text/plain) or `{type, content}`.
    #[serde(default)]
    first_message: Option<Value>,
    #[serde(default)]
    customer_name: Option<String>,
    #[serde(default)]
    team: Option<String>,
}

fn first_message(v: Option<Value>) -> Result<Option<(String, Value)>, ControlError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some((TEXT_PLAIN.to_owned(), Value::String(s)))),
        Some(Value::Object(o)) => {
            let m = typed_content(o)
                .map_err(|e| ControlError::validation(format!("first_message: {e}")))?;
            Ok(Some(m))
        }
        Some(_) => Err(ControlError::validation(
            "first_message must be a string or {\"type\", \"content\"}",
        )),
    }
}

/// `{type, content}` (type defaults to text/plain), checked like a LIME message.
fn typed_content(mut o: Map<String, Value>) -> Result<(String, Value), String> {
    let type_ = match o.remove("type") {
        None | Some(Value::Null) => TEXT_PLAIN.to_owned(),
        Some(Value::String(t)) => t,
        Some(_) => return Err("type must be a string".to_owned()),
    };
    let content = o.remove("content").unwrap_or(Value::Null);
    if let Some(extra) = o.keys().next() {
        return Err(format!("unknown field '{extra}' (expected type, content)"));
    }
    super::envelope::validate_content(&type_, &content)?;
    Ok((type_, content))
}

async fn create_ticket(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let req: CreateTicket = parse_body(&body)?;
    validate_identity("customer", &req.customer).map_err(ControlError::validation)?;
    let input = first_message(req.first_message)?;
    state.blip.control(&contract, |c| {
        let id = c.open_ticket(
            NewTicket {
                customer: req.customer,
                customer_name: req.customer_name,
                team: req.team,
                input,
                agent: None,
            },
            time::now(),
        );
        Ok((StatusCode::CREATED, Json(ticket_view(c, &id)?)))
    })
}

async fn customer_message(
    State(state): State<Arc<AppState>>,
    Path((contract, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let o: Map<String, Value> = parse_body(&body)?;
    let (type_, content) = typed_content(o).map_err(ControlError::validation)?;
    state.blip.control(&contract, |c| {
        let m = c.customer_writes(&id, &type_, content, time::now())?;
        Ok((StatusCode::CREATED, Json(m)))
    })
}

async fn customer_close(
    State(state): State<Arc<AppState>>,
    Path((contract, id)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    state.blip.control(&contract, |c| {
        c.customer_closes(&id, time::now())?;
        ticket_view(c, &id).map(Json)
    })
}

async fn list_commands(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
) -> Result<Json<Vec<CommandRecord>>, ControlError> {
    state
        .blip
        .control(&contract, |c| Ok(Json(c.commands.clone())))
}

async fn list_messages(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
) -> Result<Json<Vec<MessageRecord>>, ControlError> {
    state
        .blip
        .control(&contract, |c| Ok(Json(c.messages.clone())))
}

async fn list_notifications(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
) -> Result<Json<Vec<NotificationRecord>>, ControlError> {
    state
        .blip
        .control(&contract, |c| Ok(Json(c.notifications.clone())))
}

async fn list_notification_deliveries(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
) -> Result<Json<Vec<DeliveryRecord>>, ControlError> {
    state
        .blip
        .control(&contract, |c| Ok(Json(c.notify_outbox.records())))
}

async fn get_failure(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
) -> Result<Json<CommandFailure>, ControlError> {
    state.blip.control(&contract, |c| {
        c.command_failure.clone().map(Json).ok_or_else(|| {
            ControlError::not_found(format!(
                "no command failure set for Blip contract '{contract}'"
            ))
        })
    })
}

async fn put_failure(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
    body: Bytes,
) -> Result<Json<CommandFailure>, ControlError> {
    let spec: CommandFailureSpec = parse_body(&body)?;
    spec.validate().map_err(ControlError::validation)?;
    state.blip.control(&contract, |c| {
        let failure = CommandFailure::new(spec);
        tracing::info!(contract = %c.name, ?failure, "blip command failure set");
        c.command_failure = Some(failure.clone());
        Ok(Json(failure))
    })
}

async fn delete_failure(
    State(state): State<Arc<AppState>>,
    Path(contract): Path<String>,
) -> Result<StatusCode, ControlError> {
    state.blip.control(&contract, |c| {
        c.command_failure = None;
        Ok(StatusCode::NO_CONTENT)
    })
}
