use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ponte_bus::{Bus, Disposition, Handler, Incoming};
use ponte_core::ids::status_echo;
use ponte_core::link::marker_target;
use ponte_core::{CanonicalEvent, Change, Command, Envelope, Integration, Link, Message, Side};
use ponte_store::{Eligible, IntegrationCache, Store};
use ponte_telemetry::{catalog, propagation};
use tracing::Instrument;

use crate::ignored::Ignored;
use crate::rules::{Decision, Facts, plan};

/// Events handled are remembered this long, so a repeat is dropped.
const ROUTED_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

pub(crate) struct EventHandler {
    pub bus: Arc<Bus>,
    pub store: Store,
    /// Integrations as of the version each event's first read saw.
    pub integrations: IntegrationCache,
}

/// The side and ticket an event envelope is about, when it says.
fn subject(env: &Envelope) -> Option<(Side, &str)> {
    match &env.message {
        Message::Webhook(body) => body.subject.as_deref().map(|t| (body.side, t)),
        Message::Event(event) => Some((event.ticket.side, event.ticket.ticket_id.as_str())),
        Message::Command(_) => None,
    }
}

/// The link index of the envelope's ticket, read with the repeat check.
#[derive(Clone, Copy)]
struct KnownLink<'a> {
    side: Side,
    ticket: &'a str,
    link_id: Option<&'a str>,
}

impl KnownLink<'_> {
    fn is_about(&self, event: &CanonicalEvent) -> bool {
        event.ticket.side == self.side && event.ticket.ticket_id == self.ticket
    }
}

enum Failure {
    /// Redis or the broker: give the message back.
    Infrastructure(String),
    /// The message cannot be routed, ever: park it.
    Poison(String),
}

impl Handler for EventHandler {
    async fn handle(&self, incoming: Incoming) -> Disposition {
        let env = match &incoming.envelope {
            Ok(env) => env,
            Err(e) => {
                tracing::error!(queue = %incoming.queue, error = %e, "unreadable event parked");
                return Disposition::Reject;
            }
        };
        let span = tracing::info_span!("router.event", event_id = %env.id, integration = %env.integration, kind = ?env.kind(), change = tracing::field::Empty);
        propagation::set_parent(&span, &incoming.headers);
        async {
            match self.route(env).await {
                Ok(()) => Disposition::Ack,
                Err(Failure::Infrastructure(why)) => {
                    tracing::error!(error = %why, "cannot route now; giving the event back");
                    Disposition::Requeue
                }
                Err(Failure::Poison(why)) => self.park(env, &incoming, why).await,
            }
        }
        .instrument(span)
        .await
    }
}

impl EventHandler {
    async fn route(&self, env: &Envelope) -> Result<(), Failure> {
        let infra = |e: ponte_store::StoreError| Failure::Infrastructure(e.to_string());
        // One round trip: a repeat, the integrations' version, and the
        // link of the ticket the event is about.
        let about = subject(env);
        let quiet_echo = crate::webhooks::quiet_echo(env);
        let read = self
            .store
            .route_read(
                &env.id,
                about.map(|(side, t)| (env.integration.as_str(), side, t)),
                quiet_echo.as_deref(),
            )
            .await
            .map_err(infra)?;
        if read.routed {
            catalog::DUPLICATES.inc(&["router"]);
            tracing::info!("event already routed; dropping the repeat");
            return Ok(());
        }
        let events = self.canonical(env)?;
        let Some(integration) = self
            .store
            .integration_as_of(&self.integrations, &env.integration, read.version)
            .await
            .map_err(infra)?
        else {
            tracing::warn!("integration no longer exists; event dropped");
            catalog::EVENTS_IGNORED.inc(&[Ignored::UnknownIntegration.as_str()]);
            return self.done(env).await;
        };
        // Ponte's own write: its referenced actions (read from the body),
        // or a write that added none, whose mark the read above took.
        if let Message::Webhook(body) = &env.message
            && (read.quiet_echo || crate::webhooks::own_write(env, &integration, body))
        {
            let reason = Ignored::OwnWrite.as_str();
            tracing::info!(reason, "nothing to do for this event");
            catalog::EVENTS_IGNORED.inc(&[reason]);
            catalog::ECHOES_DROPPED.inc(&[reason]);
            return self.done(env).await;
        }
        if events.is_empty() {
            tracing::info!("the webhook needs nothing done");
        }
        let known = about.map(|(side, ticket)| KnownLink {
            side,
            ticket,
            link_id: read.link_id.as_deref(),
        });
        for event in &events {
            tracing::Span::current().record("change", event.change.name());
            self.apply(env, &integration, event, known).await?;
        }
        self.done(env).await
    }

    /// Plans one event against the link state and carries out the decision.
    async fn apply(
        &self,
        env: &Envelope,
        integration: &Integration,
        event: &CanonicalEvent,
        known: Option<KnownLink<'_>>,
    ) -> Result<(), Failure> {
        let infra = |e: ponte_store::StoreError| Failure::Infrastructure(e.to_string());
        let link = match known.filter(|k| k.is_about(event)) {
            Some(KnownLink { link_id: None, .. }) => None,
            Some(KnownLink {
                link_id: Some(id), ..
            }) => self.store.link(id).await.map_err(infra)?,
            None => self
                .store
                .link_of(&integration.id, event.ticket.side, &event.ticket.ticket_id)
                .await
                .map_err(infra)?,
        };
        // The side's status is kept on the link by the event's time (the
        // desk's time of the change), so a late event cannot undo a newer one.
        if let Some(link) = &link
            && let Some(status) = crate::link_status::reading(event)
        {
            self.store
                .set_link_status(&link.id, event.ticket.side, status, env.occurred_at)
                .await
                .map_err(infra)?;
        }
        // A status Ponte set itself comes back in the provider's webhook;
        // its mark is taken here, once.
        let status_echo = match (&event.change, &link) {
            (Change::StatusChanged { to, .. }, Some(_)) => self
                .store
                .take_echo(&status_echo(
                    &integration.id,
                    event.ticket.side.as_str(),
                    &event.ticket.ticket_id,
                    to,
                ))
                .await
                .map_err(infra)?,
            _ => false,
        };
        // No link yet: the pair may still be in the making (Ponte's marker
        // on a target ticket names it), or an agent removed it.
        let pair = match (&link, event.ticket.side) {
            (Some(_), _) => None,
            (None, Side::Source) => Some(Link::id_for(&integration.id, &event.ticket.ticket_id)),
            (None, Side::Target) => event.change.ticket().and_then(|t| {
                t.tags
                    .iter()
                    .find_map(|tag| marker_target(&integration.id, tag))
                    .map(|source| Link::id_for(&integration.id, source))
            }),
        };
        let removed = match &pair {
            Some(id) => self.store.link_removed(id).await.map_err(infra)?,
            None => false,
        };
        let pending = match (&pair, event.ticket.side) {
            (Some(id), Side::Target) => Some(id.as_str()),
            _ => None,
        };
        let facts = Facts {
            link: link.as_ref(),
            pending,
            removed,
            status_echo,
        };
        match plan(integration, &env.id, event, facts) {
            Decision::Ignore(ignored) => {
                let reason = ignored.as_str();
                tracing::info!(reason, "nothing to do for this event");
                catalog::EVENTS_IGNORED.inc(&[reason]);
                if ignored.leaves_eligible() {
                    self.store
                        .remove_eligible(&integration.id, &event.ticket.ticket_id)
                        .await
                        .map_err(infra)?;
                }
                if ignored.is_echo() {
                    catalog::ECHOES_DROPPED.inc(&[reason]);
                }
            }
            Decision::Eligible(ticket) => {
                tracing::info!(ticket = %ticket.id, "eligible for manual integration");
                let entry = Eligible {
                    ticket_id: ticket.id.clone(),
                    subject: ticket.subject.clone(),
                    status: ticket.status.clone(),
                    client: ticket
                        .client()
                        .and_then(|c| c.name.clone().or(c.email.clone())),
                    since: Utc::now(),
                };
                self.store
                    .put_eligible(&integration.id, &entry)
                    .await
                    .map_err(infra)?;
            }
            Decision::Commands(commands) => {
                for command in commands {
                    self.send(env, command).await?;
                }
            }
        }
        Ok(())
    }

    fn canonical(&self, env: &Envelope) -> Result<Vec<CanonicalEvent>, Failure> {
        match &env.message {
            Message::Webhook(body) => crate::webhooks::events(env, body).map_err(Failure::Poison),
            Message::Event(event) => Ok(vec![event.clone()]),
            Message::Command(_) => Err(Failure::Poison(
                "a command arrived on the event queue".into(),
            )),
        }
    }

    /// Queues `command` for its provider's worker (its cause is `cause`'s
    /// event: see `Envelope::command` for its id and shard).
    async fn send(&self, cause: &Envelope, command: Command) -> Result<(), Failure> {
        let (provider, op) = (command.provider, command.op.name());
        let envelope = self
            .bus
            .send_command(command, cause.occurred_at, &propagation::inject_current())
            .await
            .map_err(|e| Failure::Infrastructure(e.to_string()))?;
        tracing::info!(command_id = %envelope.id, op, provider = %provider, "command sent");
        catalog::COMMANDS_SENT.inc(&[provider.as_str(), op]);
        Ok(())
    }

    async fn done(&self, env: &Envelope) -> Result<(), Failure> {
        self.store
            .mark_seen("routed", &env.id, ROUTED_WINDOW)
            .await
            .map_err(|e| Failure::Infrastructure(e.to_string()))
    }

    async fn park(&self, env: &Envelope, incoming: &Incoming, reason: String) -> Disposition {
        tracing::error!(reason = %reason, "event cannot be routed; parked");
        let info = ponte_bus::DeadLetterInfo {
            reason,
            attempts: env.attempt + 1,
            last_status: None,
            trace_id: propagation::current_trace_id(),
            permanent: true,
        };
        match self
            .bus
            .dead_letter(
                "router",
                env,
                &incoming.queue,
                &info,
                &propagation::inject_current(),
            )
            .await
        {
            Ok(()) => {
                catalog::DEAD_LETTERED.inc(&["router", "permanent"]);
                Disposition::Ack
            }
            Err(_) => Disposition::Requeue,
        }
    }
}
