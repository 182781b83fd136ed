//! Per-key lanes on the real RabbitMQ: one shard consumer runs different
//! keys concurrently and one key strictly in arrival order.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use ponte_bus::{
    Bus, BusConfig, Disposition, Handler, Incoming, RetryPolicy, Route, Topology, run_consumer,
};
use ponte_core::{Command, Envelope, Message, Operation, Provider, Side};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

fn bus() -> Arc<Bus> {
    let ns = format!("t-lanes-{}", uuid::Uuid::new_v4().simple());
    Bus::new(BusConfig {
        amqp_url: std::env::var("PONTE_AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
        connection_name: "lanes-test".into(),
        topology: Topology {
            namespace: ns,
            event_shards: 1,
            work_shards: 1,
            delivery_limit: 5,
            retry_tiers: vec![Duration::from_millis(300)],
            quorum_initial_group_size: None,
        },
        retry: RetryPolicy {
            tiers: vec![Duration::from_millis(300)],
            max_attempts: 3,
            jitter: 0.2,
        },
        confirm_timeout: Duration::from_secs(5),
    })
}

/// Message `seq` of `key`: a read of ticket `key` caused by `seq`.
fn envelope(key: &str, seq: u32) -> Envelope {
    let command = Command {
        integration: "it".into(),
        side: Side::Source,
        provider: Provider::Movidesk,
        cause: seq.to_string(),
        op: Operation::SyncTicket {
            ticket_id: key.into(),
        },
    };
    Envelope::command(command, Utc::now())
}

/// The key and sequence number [`envelope`] gave a message.
fn key_and_seq(env: &Envelope) -> Option<(String, u64)> {
    match &env.message {
        Message::Command(Command {
            cause,
            op: Operation::SyncTicket { ticket_id },
            ..
        }) => Some((ticket_id.clone(), cause.parse().ok()?)),
        _ => None,
    }
}

#[derive(Default)]
struct Seen {
    /// Messages of each key in the order their handling started.
    order: BTreeMap<String, Vec<u64>>,
    /// Messages of each key in hand right now.
    in_hand: HashMap<String, u32>,
    /// Most messages of one key ever in hand at once.
    most_of_one_key: u32,
    /// Most messages in hand at once, all keys.
    most_at_once: u32,
    /// Given back once already (by id).
    given_back: Vec<String>,
}

struct Recorder {
    seen: Mutex<Seen>,
    /// The `slow` key's first message waits for this, which only another
    /// key's message can give.
    other_key_ran: Notify,
    done: mpsc::UnboundedSender<String>,
}

impl Handler for Recorder {
    async fn handle(&self, incoming: Incoming) -> Disposition {
        let Ok(env) = incoming.envelope else {
            return Disposition::Reject;
        };
        let Some((key, seq)) = key_and_seq(&env) else {
            return Disposition::Reject;
        };
        let give_back = {
            let mut s = self.seen.lock().expect("lock");
            let n = s.in_hand.entry(key.clone()).or_default();
            *n += 1;
            let n = *n;
            s.most_of_one_key = s.most_of_one_key.max(n);
            let all: u32 = s.in_hand.values().sum();
            s.most_at_once = s.most_at_once.max(all);
            // `flaky` gives its message 1 back once: it must come back
            // before 2 and 3 of the same key run.
            let give_back = key == "flaky" && seq == 1 && !s.given_back.contains(&env.id);
            if give_back {
                s.given_back.push(env.id.clone());
            } else {
                s.order.entry(key.clone()).or_default().push(seq);
            }
            give_back
        };
        if key == "slow" && seq == 0 {
            // With one message at a time per shard this never returns.
            tokio::time::timeout(Duration::from_secs(20), self.other_key_ran.notified())
                .await
                .expect("another key's message ran while `slow` was in hand");
        } else if key != "slow" {
            self.other_key_ran.notify_one();
            tokio::time::sleep(Duration::from_millis(5 * (seq % 3))).await;
        }
        let mut s = self.seen.lock().expect("lock");
        if let Some(n) = s.in_hand.get_mut(&key) {
            *n -= 1;
        }
        drop(s);
        if give_back {
            return Disposition::Requeue;
        }
        let _ = self.done.send(env.id);
        Disposition::Ack
    }
}

#[tokio::test]
async fn keys_run_concurrently_and_each_key_in_order() {
    let bus = bus();
    let queue = bus.topology().work_queue(Provider::Movidesk, 0);
    let keys = ["slow", "a", "b", "c", "flaky"];
    let per_key = 6u32;
    for seq in 0..per_key {
        for key in keys {
            bus.publish(
                &Route::Queue(queue.clone()),
                &envelope(key, seq),
                &Default::default(),
            )
            .await
            .expect("publish confirmed");
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler = Arc::new(Recorder {
        seen: Mutex::new(Seen::default()),
        other_key_ran: Notify::new(),
        done: tx,
    });
    let stop = CancellationToken::new();
    let consumer = tokio::spawn(run_consumer(
        bus.clone(),
        queue,
        8,
        handler.clone(),
        stop.clone(),
    ));
    let total = keys.len() * per_key as usize;
    let mut done = 0;
    while done < total {
        tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("every message handled")
            .expect("open");
        done += 1;
    }
    stop.cancel();
    let _ = consumer.await;
    {
        let seen = handler.seen.lock().expect("lock");
        for key in keys {
            assert_eq!(
                seen.order.get(key).cloned().unwrap_or_default(),
                (0..u64::from(per_key)).collect::<Vec<_>>(),
                "messages of `{key}` in arrival order"
            );
        }
        assert_eq!(seen.most_of_one_key, 1, "one message per key at a time");
        assert!(
            seen.most_at_once > 1,
            "different keys ran concurrently (most at once: {})",
            seen.most_at_once
        );
    }
    if let Ok(ch) = bus.channel().await {
        let _ = bus.topology().delete(&ch).await;
    }
    bus.close().await;
}
