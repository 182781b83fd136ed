//! Manual mode: the tickets that meet an integration's conditions wait
//! here; an agent creates their counterpart, associates an existing
//! ticket by its number, or removes a link.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use ponte_core::ids::derive;
use ponte_core::link::marker;
use ponte_core::{Command, Link, LinkOrigin, Operation, Side, TicketRef};
use ponte_http::ApiError;
use ponte_store::{HistoryEntry, HistoryKind};
use ponte_worker::Priority;
use serde::Deserialize;
use serde_json::json;

use crate::app::State;
use crate::body::{json, store_error};
use crate::integrations::load;

type Shared = AxumState<Arc<State>>;

pub(crate) async fn eligible(
    AxumState(state): Shared,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let integration = load(&state, &id).await?;
    let list = state.store.eligible(&id).await.map_err(store_error)?;
    // Why the list is empty, when that is the integration's nature.
    let note = if integration.mode != ponte_core::Mode::Manual {
        Some("automatic mode: tickets are linked as they arrive, none waits for an agent")
    } else if !integration.enabled {
        Some("the integration is disabled: no ticket becomes eligible until it is enabled")
    } else {
        None
    };
    Ok(
        Json(json!({"integration": id, "mode": integration.mode, "eligible": list, "note": note}))
            .into_response(),
    )
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LinkAction {
    /// Create the counterpart on the target.
    Create,
    /// Link with an existing target ticket.
    Associate,
}

#[derive(Deserialize)]
pub(crate) struct LinkRequest {
    pub integration: String,
    pub source_ticket: String,
    pub action: LinkAction,
    pub target_ticket: Option<String>,
}

/// What [`queue_link`] queued.
pub(crate) struct Queued {
    pub link_id: String,
    pub command_id: String,
    pub queue: ponte_core::Provider,
}

/// Queues the command; the target's worker carries it out (it checks the
/// tickets at the provider). Answers 202 with the link id to watch.
pub(crate) async fn create(AxumState(state): Shared, body: Bytes) -> Result<Response, ApiError> {
    let req: LinkRequest = json(&body)?;
    let q = queue_link(&state, req).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"link": q.link_id, "command_id": q.command_id, "queue": q.queue, "status": "queued"})),
    )
        .into_response())
}

/// Checks a manual link request and queues its command for the target's
/// worker. The API and the console both link through here.
pub(crate) async fn queue_link(state: &State, req: LinkRequest) -> Result<Queued, ApiError> {
    let integration = load(state, &req.integration).await?;
    if !integration.enabled {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "integration_disabled",
            format!("integration `{}` is disabled", integration.id),
        ));
    }
    let source_ticket = req.source_ticket.trim().to_string();
    if source_ticket.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "`source_ticket` must be a ticket number",
        ));
    }
    if let Some(existing) = state
        .store
        .link_of(&integration.id, Side::Source, &source_ticket)
        .await
        .map_err(store_error)?
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_linked",
            format!(
                "ticket #{source_ticket} is already linked to #{} (link `{}`)",
                existing.target_ticket, existing.id
            ),
        ));
    }
    let source = TicketRef {
        integration: integration.id.clone(),
        side: Side::Source,
        provider: integration.source.provider,
        ticket_id: source_ticket.clone(),
    };
    let link_id = Link::id_for(&integration.id, &source_ticket);
    let op = match req.action {
        LinkAction::Create => {
            let ticket = crate::preview::read_source(state, &integration, &source_ticket).await?;
            Operation::CreateTicket {
                link_id: link_id.clone(),
                source,
                ticket: Box::new(ticket),
                how: LinkOrigin::Manual,
            }
        }
        LinkAction::Associate => {
            let target = req
                .target_ticket
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_body",
                        "`target_ticket` is required to associate",
                    )
                })?;
            Operation::LinkTickets {
                link_id: link_id.clone(),
                source,
                ticket_id: target,
            }
        }
    };
    let cause = derive(&["manual", &link_id, &Utc::now().to_rfc3339()]);
    let command = Command::new(&integration, Side::Target, &cause, op);
    let (op, provider) = (command.op.name(), command.provider);
    let command_id = queue(state, command).await?;
    tracing::info!(link = %link_id, op, "manual link command queued");
    Ok(Queued {
        link_id,
        command_id,
        queue: provider,
    })
}

/// Publishes `command` on its provider's work queue, on its shard (the
/// link's, or the ticket's for a read: see `Envelope::command`); the
/// command's id.
pub(crate) async fn queue(state: &State, command: Command) -> Result<String, ApiError> {
    // An agent's command is served after live changes within the desk's
    // API budget (decision 102).
    let mut headers = ponte_telemetry::propagation::inject_current();
    headers.insert(
        ponte_bus::PRIORITY_HEADER.to_string(),
        Priority::Manual.as_str().to_string(),
    );
    let envelope = state
        .bus
        .send_command(command, Utc::now(), &headers)
        .await
        .map_err(|e| {
            ApiError::unavailable(
                "broker_unavailable",
                format!("the command could not be queued: {e}"),
            )
        })?;
    Ok(envelope.id)
}

pub(crate) async fn remove(
    AxumState(state): Shared,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let link = unlink(&state, &id).await?;
    Ok(Json(json!({"removed": link})).into_response())
}

/// Removes a link, records who did it in its history and queues the
/// removal of Ponte's markers from both tickets. Removing it again while
/// its tombstone stands queues the markers' removal again (the first
/// attempt may have found the broker away) and answers as the first did.
pub(crate) async fn unlink(state: &State, id: &str) -> Result<Link, ApiError> {
    let link = match state.store.remove_link(id).await.map_err(store_error)? {
        Some(link) => {
            let entry = HistoryEntry {
                at: Utc::now(),
                kind: HistoryKind::Removed,
                detail: format!(
                    "link between #{} and #{} removed by an agent",
                    link.source_ticket, link.target_ticket
                ),
                trace_id: ponte_telemetry::propagation::current_trace_id(),
                cause: derive(&["remove", id, &Utc::now().to_rfc3339()]),
            };
            state.store.record(id, &entry).await.map_err(store_error)?;
            tracing::info!(link = %id, "link removed");
            link
        }
        None => state
            .store
            .removed_link(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| ApiError::not_found(format!("no link `{id}`")))?,
    };
    unmark(state, &link).await?;
    Ok(link)
}

/// Queues `remove_marker` for each ticket of `link` whose desk keeps the
/// marker as a tag.
async fn unmark(state: &State, link: &Link) -> Result<(), ApiError> {
    let Some(integration) = state
        .store
        .integration(&link.integration)
        .await
        .map_err(store_error)?
    else {
        tracing::warn!(link = %link.id, "the integration is gone; its markers stay on the tickets");
        return Ok(());
    };
    for side in [Side::Source, Side::Target] {
        if !integration.endpoint(side).provider.marks_with_tags() {
            continue;
        }
        let other = link.ticket_on(side.other());
        let op = Operation::RemoveMarker {
            link_id: link.id.clone(),
            ticket_id: link.ticket_on(side).to_string(),
            marker: marker(&integration.id, other),
        };
        let cause = derive(&[
            "unmark",
            &link.id,
            side.as_str(),
            &link.created_at.to_rfc3339(),
        ]);
        queue(state, Command::new(&integration, side, &cause, op)).await?;
    }
    Ok(())
}
