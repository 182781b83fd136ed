use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ponte_bus::{Bus, DeadLetterInfo, Disposition, Handler, Incoming, Route};
use ponte_core::{Command, Envelope, Message};
use ponte_store::{Arrival, HistoryEntry, HistoryKind, IntegrationCache, Intent, Store};
use ponte_telemetry::{catalog, propagation};
use tracing::Instrument;

use crate::Priority;
use crate::busy::{Busy, Full};
use crate::order::{HeldMessage, Lane};
use crate::waiting::WaitingCommand;
use crate::{Ctx, Deferred, ExecError, Executor, Outcome};

/// How long one command may take before it counts as a transient failure.
const COMMAND_DEADLINE: Duration = Duration::from_secs(120);

pub(crate) struct CommandHandler<E> {
    pub bus: Arc<Bus>,
    pub store: Store,
    pub executor: Arc<E>,
    /// Commands in hand per integration: a slow account cannot fill every
    /// slot of the shard consumers.
    pub busy: Busy,
    /// Integrations as of the version each command read (decision 110).
    pub integrations: IntegrationCache,
}

/// How a command left the worker.
struct Ran {
    disposition: Disposition,
    /// Done or parked for good (not waiting for a retry or a delay): a hold
    /// it owns moves on to the next command of its key.
    finished: bool,
}

impl Ran {
    fn finished(disposition: Disposition) -> Ran {
        Ran {
            disposition,
            finished: true,
        }
    }
    fn waiting(disposition: Disposition) -> Ran {
        Ran {
            disposition,
            finished: false,
        }
    }
}

impl<E: Executor> Handler for CommandHandler<E> {
    async fn handle(&self, incoming: Incoming) -> Disposition {
        let provider = self.executor.provider();
        let env = match &incoming.envelope {
            Ok(env) => env,
            Err(e) => {
                tracing::error!(queue = %incoming.queue, error = %e, "unreadable message parked");
                catalog::DEAD_LETTERED.inc(&[provider.as_str(), "malformed"]);
                return Disposition::Reject;
            }
        };
        let span = tracing::info_span!(
            "worker.command",
            provider = %provider,
            command_id = %env.id,
            integration = %env.integration,
            attempt = env.attempt,
            op = tracing::field::Empty,
        );
        propagation::set_parent(&span, &incoming.headers);
        self.handle_envelope(env, &incoming).instrument(span).await
    }
}

impl<E: Executor> CommandHandler<E> {
    async fn handle_envelope(&self, env: &Envelope, incoming: &Incoming) -> Disposition {
        let provider = self.executor.provider().as_str();
        let command = match &env.message {
            Message::Command(c) => c,
            other => {
                let err =
                    ExecError::permanent(format!("a {} arrived on a command queue", other.kind()));
                return self.park(env, incoming, &err, None).await;
            }
        };
        tracing::Span::current().record("op", command.op.name());
        let lane = Lane::of(&incoming.queue, env);
        let held = HeldMessage::encode(env, &incoming.headers);
        let owner = match self.store.arrive(lane.as_str(), &env.id, &held).await {
            Ok(Arrival::Run) => false,
            Ok(Arrival::Owner) => true,
            Ok(Arrival::Held) => {
                tracing::info!(
                    "an earlier command of this key waits for its retry; this one waits behind it"
                );
                catalog::COMMANDS_HELD.inc(&[provider]);
                return Disposition::Ack;
            }
            Ok(Arrival::Released) => return self.release(&lane, &env.id).await,
            Err(e) => return requeue(&e),
        };
        let ran = self.run(env, incoming, command, &lane).await;
        if owner && ran.finished && ran.disposition == Disposition::Ack {
            return self.release(&lane, &env.id).await;
        }
        ran.disposition
    }

    async fn run(
        &self,
        env: &Envelope,
        incoming: &Incoming,
        command: &Command,
        lane: &Lane,
    ) -> Ran {
        let provider = self.executor.provider().as_str();
        // A busy integration's command is set aside before anything is
        // read: the refusals of a backed-up tenant must cost the others
        // little. One sent back from its waiting list had its room counted.
        let _slot = if incoming.headers.contains_key(ponte_bus::SENT_BACK_HEADER) {
            self.busy
                .enter_sent_back(&incoming.queue, &command.integration, &env.id)
        } else {
            match self.busy.enter(&incoming.queue, &command.integration) {
                Ok(slot) => slot,
                Err(full) => return self.set_aside(env, incoming, command, lane, full).await,
            }
        };
        // From memory while no integration changed (decision 110).
        let integration = match self
            .store
            .integration_cached(&self.integrations, &command.integration)
            .await
        {
            Ok(Some(i)) => i,
            Ok(None) => {
                let err = ExecError::permanent(format!(
                    "integration `{}` does not exist (deleted?); replay after re-creating it",
                    command.integration
                ));
                return Ran::finished(self.park(env, incoming, &err, Some(command)).await);
            }
            Err(e) => return Ran::waiting(requeue(&e)),
        };
        if !integration.enabled {
            let err = ExecError::permanent(format!(
                "integration `{}` is disabled; replay after enabling it",
                integration.id
            ));
            return Ran::finished(self.park(env, incoming, &err, Some(command)).await);
        }
        let resumed = match self.store.begin(&env.id).await {
            Ok(Intent::Done(_)) => {
                tracing::info!("command already done; acknowledging the repeat");
                catalog::COMMANDS_REPEATED.inc(&[provider]);
                return Ran::finished(Disposition::Ack);
            }
            Ok(Intent::Fresh) => false,
            Ok(Intent::Unfinished { tries, .. }) => {
                tracing::warn!(
                    tries,
                    "an earlier try did not finish; the executor looks the effect up first"
                );
                true
            }
            Err(e) => return Ran::waiting(requeue(&e)),
        };
        let ctx = Ctx {
            store: &self.store,
            integration: &integration,
            command_id: &env.id,
            attempt: env.attempt,
            resumed,
            priority: priority(incoming),
        };
        let started = Instant::now();
        let result = match tokio::time::timeout(
            COMMAND_DEADLINE,
            self.executor.execute(&ctx, command),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(ExecError::Transient {
                reason: format!(
                    "command did not finish within {}s",
                    COMMAND_DEADLINE.as_secs()
                ),
                status: None,
                retry_after: None,
            }),
        };
        catalog::COMMAND_SECONDS.observe(&[provider, command.op.name()], started.elapsed());
        match result {
            Ok(outcome) => Ran::finished(self.complete(env, command, outcome).await),
            Err(ExecError::Store(e)) => Ran::waiting(requeue(&e)),
            Err(err) if err.back_pressure().is_some() => {
                self.delay(env, incoming, command, lane, &err).await
            }
            Err(err @ ExecError::Transient { .. })
                if self.bus.retry_policy().allows(env.attempt + 1) =>
            {
                self.retry(env, incoming, command, lane, &err).await
            }
            Err(err) => Ran::finished(self.park(env, incoming, &err, Some(command)).await),
        }
    }

    /// A failed try: the key waits for this command, which comes back
    /// after its retry tier with one more attempt counted.
    async fn retry(
        &self,
        env: &Envelope,
        incoming: &Incoming,
        command: &Command,
        lane: &Lane,
        err: &ExecError,
    ) -> Ran {
        let retry_after = match err {
            ExecError::Transient { retry_after, .. } => *retry_after,
            _ => None,
        };
        if let Err(e) = self.hold(lane, &env.id).await {
            return Ran::waiting(requeue(&e));
        }
        match self
            .bus
            .schedule_retry(env, &incoming.queue, retry_after, &onward(incoming))
            .await
        {
            Ok(delay) => {
                tracing::warn!(error = %err, status = err.status_text().unwrap_or_else(|| "-".into()), retry_in_ms = delay.as_millis() as u64, "provider call failed; retry scheduled");
                catalog::RETRIES.inc(&[self.executor.provider().as_str(), command.op.name()]);
                Ran::waiting(Disposition::Ack)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot schedule the retry; giving the message back");
                Ran::waiting(Disposition::Requeue)
            }
        }
    }

    /// Back-pressure: the key waits for this command, which comes back
    /// after the wait with no attempt counted; it is never parked for it.
    async fn delay(
        &self,
        env: &Envelope,
        incoming: &Incoming,
        command: &Command,
        lane: &Lane,
        err: &ExecError,
    ) -> Ran {
        let wait = err.back_pressure().unwrap_or(Duration::from_secs(1));
        if let Err(e) = self.hold(lane, &env.id).await {
            return Ran::waiting(requeue(&e));
        }
        // The delays so far travel on (the bus counts this one), so a
        // command refused again and again waits longer each time.
        match self
            .bus
            .schedule_delay(
                env,
                &incoming.queue,
                wait,
                incoming.delays(),
                &onward(incoming),
            )
            .await
        {
            Ok(delay) => {
                tracing::info!(reason = %err, wait_ms = delay.as_millis() as u64, "back-pressure; the command waits without counting an attempt");
                catalog::BACKPRESSURE_DELAYS.inc(&[
                    self.executor.provider().as_str(),
                    command.integration.as_str(),
                ]);
                Ran::waiting(Disposition::Ack)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot schedule the delay; giving the message back");
                Ran::waiting(Disposition::Requeue)
            }
        }
    }

    /// Back-pressure from a busy integration: the key waits for this
    /// command, which waits in its integration's list, out of the shard
    /// queue, until the integration has room (decision 113). No attempt is
    /// counted; it is never parked for it.
    async fn set_aside(
        &self,
        env: &Envelope,
        incoming: &Incoming,
        command: &Command,
        lane: &Lane,
        full: Full,
    ) -> Ran {
        let provider = self.executor.provider().as_str();
        if let Err(e) = self.hold(lane, &env.id).await {
            return Ran::waiting(requeue(&e));
        }
        let payload = WaitingCommand::encode(lane.queue(), env, &onward(incoming));
        match self
            .store
            .set_aside(provider, &command.integration, &payload)
            .await
        {
            Ok(waiting) => {
                tracing::info!(reason = %full, waiting, "integration busy; the command waits for room in its integration's list");
                catalog::COMMANDS_SET_ASIDE.inc(&[provider, command.integration.as_str()]);
                self.busy.add_waiting(&command.integration);
                Ran::waiting(Disposition::Ack)
            }
            Err(e) => Ran::waiting(requeue(&e)),
        }
    }

    async fn hold(&self, lane: &Lane, command_id: &str) -> Result<(), ponte_store::StoreError> {
        if !self.store.hold(lane.as_str(), command_id).await? {
            tracing::warn!(
                "the key already waits for another command; this one is retried on its own"
            );
        }
        Ok(())
    }

    /// This command owned its key's hold and is finished: the next command
    /// kept behind it goes back to the queue (it alone may run), or the
    /// hold is lifted.
    async fn release(&self, lane: &Lane, command_id: &str) -> Disposition {
        let next = match self.store.release(lane.as_str(), command_id).await {
            Ok(next) => next,
            Err(e) => return requeue(&e),
        };
        let Some(raw) = next else {
            return Disposition::Ack;
        };
        let held = match HeldMessage::parse(&raw) {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "a held command cannot be read; it is dropped");
                return Disposition::Ack;
            }
        };
        match self
            .bus
            .publish(
                &Route::Queue(lane.queue().to_string()),
                &held.envelope,
                &held.headers,
            )
            .await
        {
            Ok(()) => {
                catalog::COMMANDS_RELEASED.inc(&[self.executor.provider().as_str()]);
                Disposition::Ack
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot send the next held command on; giving the message back");
                Disposition::Requeue
            }
        }
    }

    async fn complete(&self, env: &Envelope, command: &Command, outcome: Outcome) -> Disposition {
        let trace = propagation::inject_current();
        for emitted in &outcome.events {
            let derived = Envelope::event(emitted);
            let route = Route::Events {
                shard_key: derived.shard_key.clone(),
            };
            if let Err(e) = self.bus.publish(&route, &derived, &trace).await {
                tracing::error!(error = %e, "cannot publish a derived event; giving the command back");
                return Disposition::Requeue;
            }
        }
        for follow_up in &outcome.commands {
            let (provider, op) = (follow_up.provider, follow_up.op.name());
            let envelope = match self
                .bus
                .send_command(follow_up.clone(), Utc::now(), &trace)
                .await
            {
                Ok(envelope) => envelope,
                Err(e) => {
                    tracing::error!(error = %e, "cannot queue a follow-up command; giving the command back");
                    return Disposition::Requeue;
                }
            };
            tracing::info!(command_id = %envelope.id, op, provider = %provider, "follow-up command sent");
            catalog::COMMANDS_SENT.inc(&[provider.as_str(), op]);
        }
        for d in &outcome.deferred {
            let Deferred::Snapshot { ticket_key, value } = d;
            if let Err(e) = self.store.put_snapshot(ticket_key, value).await {
                return requeue(&e);
            }
        }
        for (link, entry) in &outcome.history {
            if let Err(e) = self.store.record(link, entry).await {
                return requeue(&e);
            }
        }
        if let Err(e) = self.store.finish(&env.id, &outcome.result).await {
            return requeue(&e);
        }
        tracing::info!(events = outcome.events.len(), "command done");
        catalog::COMMANDS_DONE.inc(&[self.executor.provider().as_str(), command.op.name()]);
        Disposition::Ack
    }

    async fn park(
        &self,
        env: &Envelope,
        incoming: &Incoming,
        err: &ExecError,
        command: Option<&Command>,
    ) -> Disposition {
        let provider = self.executor.provider();
        let permanent = matches!(err, ExecError::Permanent { .. });
        let reason = if permanent {
            err.to_string()
        } else {
            format!("gave up after {} attempts: {err}", env.attempt + 1)
        };
        let trace_id =
            propagation::current_trace_id().or_else(|| propagation::trace_id_of(&incoming.headers));
        let info = DeadLetterInfo {
            reason: reason.clone(),
            attempts: env.attempt + 1,
            last_status: err.status_text(),
            trace_id: trace_id.clone(),
            permanent,
        };
        if let Err(e) = self
            .bus
            .dead_letter(
                provider.as_str(),
                env,
                &incoming.queue,
                &info,
                &onward(incoming),
            )
            .await
        {
            tracing::error!(error = %e, "cannot park the message; giving it back");
            return Disposition::Requeue;
        }
        if let Some(link) = command.and_then(Command::link_id) {
            let entry = HistoryEntry {
                at: Utc::now(),
                kind: HistoryKind::Failed,
                detail: format!("{}: {reason}", command.map_or("command", |c| c.op.name())),
                trace_id,
                cause: env.id.clone(),
            };
            if let Err(e) = self.store.record(link, &entry).await {
                tracing::warn!(error = %e, "cannot record the failure in the link history");
            }
        }
        tracing::error!(reason = %reason, status = err.status_text().unwrap_or_else(|| "-".into()), "command parked in the dead-letter queue");
        catalog::DEAD_LETTERED.inc(&[
            provider.as_str(),
            if permanent { "permanent" } else { "exhausted" },
        ]);
        Disposition::Ack
    }
}

/// The headers a command goes on with when it is delayed, retried or
/// parked: the current trace, and the priority it came with.
fn onward(incoming: &Incoming) -> ponte_bus::Headers {
    let mut headers = propagation::inject_current();
    let kept = priority(incoming);
    if kept != Priority::Live {
        headers.insert(
            ponte_bus::PRIORITY_HEADER.to_string(),
            kept.as_str().to_string(),
        );
    }
    headers
}

/// What the command's provider calls are served at: what its sender said,
/// a live change when it said nothing.
fn priority(incoming: &Incoming) -> Priority {
    Priority::from_header(
        incoming
            .headers
            .get(ponte_bus::PRIORITY_HEADER)
            .map(String::as_str),
    )
}

fn requeue(e: &ponte_store::StoreError) -> Disposition {
    tracing::error!(error = %e, "state store unavailable; giving the message back");
    Disposition::Requeue
}

#[cfg(test)]
mod tests;
