//! The command loop (`CommandHandler::handle`) against a fake executor, on
//! the real Redis and RabbitMQ (`PONTE_REDIS_URL`, `PONTE_AMQP_URL`, default
//! the local ones), each test in its own namespace. The tests hand each
//! delivery to the handler themselves: what the handler sends back to the
//! shard queue (a retry, a delay, a released command) is taken off it by a
//! tap and handed over in turn.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use ponte_bus::{
    Bus, BusConfig, DeadLetter, Disposition, Handler, Headers, Incoming, RetryPolicy, Selection,
    Topology, run_consumer,
};
use ponte_core::{Command, Envelope, Integration, Operation, Provider, Side};
use ponte_store::{HistoryEntry, HistoryKind, Store};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::CommandHandler;
use crate::busy::Busy;
use crate::order::Lane;
use crate::{Ctx, ExecError, Executor, Outcome, Priority};
use guard::Guard;

mod done;
mod failures;
mod guard;
mod order;
mod throttle;

/// Tries before a command is parked; every try after the first waits in a
/// short retry tier.
const MAX_ATTEMPTS: u32 = 3;
/// The provider the fake executor stands for (its dead-letter queue).
const PROVIDER: Provider = Provider::Okdesk;
/// How long to wait for something the handler sent to come back.
const PATIENCE: Duration = Duration::from_secs(10);

/// What the executor saw on one call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    command_id: String,
    attempt: u32,
    resumed: bool,
}

/// Answers from a script, in order (a success once it runs out), and
/// records every call.
#[derive(Default)]
struct FakeExecutor {
    script: Mutex<VecDeque<Result<Outcome, ExecError>>>,
    calls: Mutex<Vec<Call>>,
    /// The budget priority each call was given.
    priorities: Mutex<Vec<Priority>>,
}

impl Executor for FakeExecutor {
    fn provider(&self) -> Provider {
        PROVIDER
    }

    async fn execute(&self, ctx: &Ctx<'_>, _command: &Command) -> Result<Outcome, ExecError> {
        self.calls.lock().unwrap().push(Call {
            command_id: ctx.command_id.to_string(),
            attempt: ctx.attempt,
            resumed: ctx.resumed,
        });
        self.priorities.lock().unwrap().push(ctx.priority);
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Ok(Outcome::default()))
    }
}

/// Forwards every delivery of a queue to the test, acknowledged.
struct Tap(mpsc::UnboundedSender<Incoming>);

impl Handler for Tap {
    async fn handle(&self, incoming: Incoming) -> Disposition {
        let _ = self.0.send(incoming);
        Disposition::Ack
    }
}

fn transient(reason: &str) -> ExecError {
    ExecError::Transient {
        reason: reason.into(),
        status: None,
        retry_after: None,
    }
}

/// A command of `integration` for its target side (Okdesk) about `link`,
/// answering event `cause`.
fn command(integration: &str, cause: &str, link: &str) -> Envelope {
    Envelope::command(
        Command {
            integration: integration.into(),
            side: Side::Target,
            provider: PROVIDER,
            cause: cause.into(),
            op: Operation::AssignAgent {
                link_id: link.into(),
                desk_owner: None,
            },
        },
        Utc::now(),
    )
}

fn integration(id: &str, enabled: bool) -> Integration {
    serde_json::from_value(json!({
        "id": id, "name": "test", "enabled": enabled,
        "source": {"provider": "movidesk", "base_url": "http://a"},
        "target": {"provider": "okdesk", "base_url": "http://b"},
    }))
    .unwrap()
}

struct World {
    handler: CommandHandler<FakeExecutor>,
    /// The worker's shard queue.
    queue: String,
    commands: mpsc::UnboundedReceiver<Incoming>,
    events: mpsc::UnboundedReceiver<Incoming>,
    /// The source's (Movidesk's) worker queue: follow-up commands.
    follow_ups: mpsc::UnboundedReceiver<Incoming>,
    stop: CancellationToken,
    taps: Vec<JoinHandle<()>>,
    /// Dropped last: deletes the namespace.
    _guard: Guard,
}

impl World {
    /// A namespace of its own with integrations `mm` and `nn` enabled and
    /// `off` disabled.
    async fn new() -> World {
        let ns = format!(
            "t-loop-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let tiers = vec![Duration::from_millis(150), Duration::from_millis(300)];
        let config = BusConfig {
            amqp_url: std::env::var("PONTE_AMQP_URL")
                .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
            connection_name: "worker-loop-test".into(),
            topology: Topology {
                namespace: ns.clone(),
                event_shards: 1,
                work_shards: 1,
                delivery_limit: 5,
                retry_tiers: tiers.clone(),
                quorum_initial_group_size: None,
            },
            retry: RetryPolicy {
                tiers,
                max_attempts: MAX_ATTEMPTS,
                jitter: 0.1,
            },
            confirm_timeout: Duration::from_secs(5),
        };
        let url =
            std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let guard = Guard {
            config: config.clone(),
            redis_url: url.clone(),
        };
        let bus = Bus::new(config);
        bus.check().await.expect("the broker on this machine");
        let store = Store::new(&url, &ns).unwrap();
        for i in [
            integration("mm", true),
            integration("nn", true),
            integration("off", false),
        ] {
            store
                .put_integration(&i)
                .await
                .expect("Redis on this machine");
        }
        let queue = bus.topology().work_queue(PROVIDER, 0);
        let stop = CancellationToken::new();
        let (commands, work_tap) = tap(&bus, queue.clone(), &stop);
        let (events, events_tap) = tap(&bus, bus.topology().events_queue(0), &stop);
        let source_queue = bus.topology().work_queue(Provider::Movidesk, 0);
        let (follow_ups, follow_ups_tap) = tap(&bus, source_queue, &stop);
        World {
            handler: CommandHandler {
                bus,
                store,
                executor: Arc::new(FakeExecutor::default()),
                busy: Busy::new(4),
                integrations: ponte_store::IntegrationCache::default(),
            },
            queue,
            commands,
            events,
            follow_ups,
            stop,
            taps: vec![work_tap, events_tap, follow_ups_tap],
            _guard: guard,
        }
    }

    fn store(&self) -> &Store {
        &self.handler.store
    }

    /// A sender of the handler's waiting commands, as the worker runs one.
    fn sender(&self) -> crate::waiting::Sender {
        crate::waiting::Sender::new(
            self.handler.bus.clone(),
            self.handler.store.clone(),
            self.handler.busy.clone(),
            PROVIDER,
        )
    }

    /// The executor's next answers.
    fn script(&self, answers: impl IntoIterator<Item = Result<Outcome, ExecError>>) {
        self.handler.executor.script.lock().unwrap().extend(answers);
    }

    fn calls(&self) -> Vec<Call> {
        self.handler.executor.calls.lock().unwrap().clone()
    }

    /// The budget priority of each call, in order.
    fn priorities(&self) -> Vec<Priority> {
        self.handler.executor.priorities.lock().unwrap().clone()
    }

    /// The ids of the commands the executor ran, in order.
    fn ran(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.command_id).collect()
    }

    /// `env` delivered on the worker's shard queue.
    fn delivery(&self, env: &Envelope) -> Incoming {
        Incoming {
            queue: self.queue.clone(),
            envelope: Ok(env.clone()),
            headers: Headers::new(),
            redelivered: false,
        }
    }

    async fn handle(&self, env: &Envelope) -> Disposition {
        self.handler.handle(self.delivery(env)).await
    }

    /// The next message the handler sent back to its shard queue.
    async fn next_command(&mut self) -> Incoming {
        let got = tokio::time::timeout(PATIENCE, self.commands.recv())
            .await
            .expect("a command came back to the shard queue")
            .expect("tap open");
        assert_eq!(got.queue, self.queue);
        got
    }

    /// The next event the handler published.
    async fn next_event(&mut self) -> Envelope {
        let got = tokio::time::timeout(PATIENCE, self.events.recv())
            .await
            .expect("an event was published")
            .expect("tap open");
        got.envelope.expect("an envelope")
    }

    /// The next follow-up command the handler queued for the source's worker.
    async fn next_follow_up(&mut self) -> Envelope {
        let got = tokio::time::timeout(PATIENCE, self.follow_ups.recv())
            .await
            .expect("a follow-up command was queued")
            .expect("tap open");
        got.envelope.expect("an envelope")
    }

    /// No follow-up command is queued for a while.
    async fn no_follow_up(&mut self) {
        let got = tokio::time::timeout(Duration::from_millis(700), self.follow_ups.recv()).await;
        if let Ok(Some(incoming)) = got {
            panic!("unexpected follow-up: {:?}", incoming.envelope);
        }
    }

    /// Nothing comes back to the shard queue for a while (longer than
    /// every retry tier).
    async fn no_command(&mut self) {
        let got = tokio::time::timeout(Duration::from_millis(700), self.commands.recv()).await;
        if let Ok(Some(incoming)) = got {
            panic!("unexpected command on the queue: {:?}", incoming.envelope);
        }
    }

    async fn parked(&self) -> Vec<DeadLetter> {
        self.handler
            .bus
            .dead_letters(PROVIDER.as_str(), &Selection::default())
            .await
            .expect("dead letters")
    }

    async fn history(&self, link: &str) -> Vec<HistoryEntry> {
        self.store().history(link).await.expect("history")
    }

    async fn failed_lines(&self, link: &str) -> Vec<HistoryEntry> {
        let mut lines = self.history(link).await;
        lines.retain(|e| e.kind == HistoryKind::Failed);
        lines
    }

    /// Commands kept behind `env`'s key.
    async fn held(&self, env: &Envelope) -> u64 {
        let lane = Lane::of(&self.queue, env);
        self.store().held_count(lane.as_str()).await.expect("held")
    }

    /// Stops the taps; the guard then deletes the namespace.
    async fn done(self) {
        self.stop.cancel();
        for t in self.taps {
            let _ = t.await;
        }
        self.handler.bus.close().await;
    }
}

/// Consumes `queue` into a channel until `stop`.
fn tap(
    bus: &Arc<Bus>,
    queue: String,
    stop: &CancellationToken,
) -> (mpsc::UnboundedReceiver<Incoming>, JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run_consumer(
        bus.clone(),
        queue,
        4,
        Arc::new(Tap(tx)),
        stop.clone(),
    ));
    (rx, task)
}
