//! Against the real RabbitMQ on this machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::Utc;
use ponte_bus::{
    Bus, BusConfig, DeadLetterInfo, Disposition, Handler, Incoming, RetryPolicy, Route, Selection,
    Topology, run_consumer,
};
use ponte_core::{Command, Envelope, Operation, Provider, Side};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn bus() -> Arc<Bus> {
    let ns = format!("t-bus-{}", uuid::Uuid::new_v4().simple());
    Bus::new(BusConfig {
        amqp_url: std::env::var("PONTE_AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
        connection_name: "bus-test".into(),
        topology: Topology {
            namespace: ns,
            event_shards: 2,
            work_shards: 2,
            delivery_limit: 3,
            retry_tiers: vec![Duration::from_millis(300), Duration::from_millis(600)],
            quorum_initial_group_size: None,
        },
        retry: RetryPolicy {
            tiers: vec![Duration::from_millis(300), Duration::from_millis(600)],
            max_attempts: 3,
            jitter: 0.2,
        },
        confirm_timeout: Duration::from_secs(5),
    })
}

async fn teardown(bus: &Bus) {
    if let Ok(ch) = bus.channel().await {
        let _ = bus.topology().delete(&ch).await;
    }
    bus.close().await;
}

/// A command caused by `cause` (its id is derived from it).
fn envelope(cause: &str) -> Envelope {
    let command = Command {
        integration: "it".into(),
        side: Side::Source,
        provider: Provider::Movidesk,
        cause: cause.into(),
        op: Operation::SyncTicket {
            ticket_id: "1".into(),
        },
    };
    Envelope::command(command, Utc::now())
}

struct Collect {
    tx: mpsc::UnboundedSender<(Envelope, String)>,
    requeues_left: AtomicU32,
}

impl Handler for Collect {
    async fn handle(&self, incoming: Incoming) -> Disposition {
        if self.requeues_left.load(Ordering::SeqCst) > 0 {
            self.requeues_left.fetch_sub(1, Ordering::SeqCst);
            return Disposition::Requeue;
        }
        if let Ok(env) = incoming.envelope {
            let _ = self.tx.send((env, incoming.queue));
        }
        Disposition::Ack
    }
}

fn consume_all(
    bus: &Arc<Bus>,
    requeues: u32,
) -> (
    mpsc::UnboundedReceiver<(Envelope, String)>,
    CancellationToken,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let handler = Arc::new(Collect {
        tx,
        requeues_left: AtomicU32::new(requeues),
    });
    let stop = CancellationToken::new();
    for q in bus.topology().work_queues(Provider::Movidesk) {
        tokio::spawn(run_consumer(
            bus.clone(),
            q,
            4,
            handler.clone(),
            stop.clone(),
        ));
    }
    (rx, stop)
}

#[tokio::test]
async fn publish_consume_retry_and_replay() {
    let bus = bus();
    let route = Route::Work {
        provider: Provider::Movidesk,
        shard_key: "ticket-1".into(),
    };
    bus.publish(&route, &envelope("m1"), &Default::default())
        .await
        .expect("publish confirmed");

    let (mut rx, stop) = consume_all(&bus, 0);
    let (got, queue) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("delivered")
        .expect("open");
    assert_eq!(got.id, envelope("m1").id);
    assert_eq!(got.attempt, 0);

    // A retry comes back to the same queue after the tier delay, counted.
    let started = std::time::Instant::now();
    bus.schedule_retry(&got, &queue, None, &Default::default())
        .await
        .expect("retry parked");
    let (again, queue2) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("retried")
        .expect("open");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "came back too early"
    );
    assert_eq!(
        (again.id.as_str(), again.attempt, queue2.as_str()),
        (envelope("m1").id.as_str(), 1, queue.as_str())
    );

    // Parked with a reason, listed without being taken, then replayed.
    let info = DeadLetterInfo {
        reason: "provider said 400: bad subject".into(),
        attempts: 1,
        last_status: Some("400".into()),
        trace_id: Some("abc".into()),
        permanent: true,
    };
    bus.dead_letter("movidesk", &again, &queue, &info, &Default::default())
        .await
        .expect("parked");
    let listed = bus
        .dead_letters("movidesk", &Selection::default())
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].reason, "provider said 400: bad subject");
    assert_eq!(listed[0].last_status.as_deref(), Some("400"));
    assert_eq!(listed[0].trace_id.as_deref(), Some("abc"));
    assert!(listed[0].permanent);
    assert_eq!(
        bus.dead_letters("movidesk", &Selection::default())
            .await
            .expect("list")
            .len(),
        1,
        "listing must not consume"
    );

    assert_eq!(
        bus.replay("movidesk", &Selection::default())
            .await
            .expect("replay"),
        1
    );
    let (replayed, _) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("replayed")
        .expect("open");
    assert_eq!(
        (replayed.id.as_str(), replayed.attempt),
        (envelope("m1").id.as_str(), 0)
    );
    assert!(
        bus.dead_letters("movidesk", &Selection::default())
            .await
            .expect("list")
            .is_empty()
    );
    stop.cancel();
    teardown(&bus).await;
}

#[tokio::test]
async fn a_message_given_back_too_often_is_parked_by_the_broker() {
    let bus = bus();
    let route = Route::Work {
        provider: Provider::Movidesk,
        shard_key: "poison".into(),
    };
    bus.publish(&route, &envelope("poison-1"), &Default::default())
        .await
        .expect("publish");
    let (_rx, stop) = consume_all(&bus, 1000);
    let mut parked = Vec::new();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        parked = bus
            .dead_letters("movidesk", &Selection::default())
            .await
            .expect("list");
        if !parked.is_empty() {
            break;
        }
    }
    stop.cancel();
    assert_eq!(
        parked.len(),
        1,
        "the poison message should be parked after the delivery limit"
    );
    assert!(
        parked[0].reason.contains("delivery limit"),
        "{}",
        parked[0].reason
    );
    assert!(
        parked[0]
            .origin_queue
            .as_deref()
            .is_some_and(|q| q.contains(".work.movidesk."))
    );
    // Counted as the broker's own parking, aged from the broker's x-death.
    assert_eq!(parked[0].category, "delivery_limit");
    let age = parked[0].dead_at.map(|at| Utc::now() - at);
    assert!(
        age.is_some_and(|a| a >= chrono::TimeDelta::zero() && a < chrono::TimeDelta::minutes(1)),
        "{age:?}"
    );
    let census = bus.census("movidesk", 100).await.expect("census");
    assert_eq!(census.by_category["delivery_limit"], 1, "{census:?}");
    assert_eq!(census.total(), 1);
    assert_eq!(
        bus.purge("movidesk", &Selection::default())
            .await
            .expect("purge"),
        1
    );
    teardown(&bus).await;
}

#[tokio::test]
async fn unknown_dead_letter_queue_is_named() {
    let bus = bus();
    let err = bus
        .dead_letters("nope", &Selection::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nope"));
    teardown(&bus).await;
}
