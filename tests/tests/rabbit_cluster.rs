//! Losing a RabbitMQ node (issue 13), by hand (ignored in CI: it starts a
//! three-node cluster on this machine, beside the shared broker):
//!
//! ```text
//! cargo build --bins && cargo test -p ponte-e2e --test rabbit_cluster -- --ignored --nocapture
//! ```
//!
//! `scripts/rabbit-cluster` starts three clustered nodes on their own ports
//! and data directories; the fleet's `PONTE_AMQP_URL` names all three and
//! its shard queues are declared with `PONTE_QUORUM_INITIAL_GROUP_SIZE=3`.
//! Movidesk tickets and actions flow from domain A to domain B; mid-flow
//! the node leading most of the namespace's shard queues is SIGKILLed.
//! Counted at the sandbox: every ticket has exactly one counterpart, every
//! action is on it once, and no Ponte service was restarted (same pids,
//! all ready). The killed node is then started again (the parking queues
//! are classic and live on one node) and nothing may be parked. The
//! cluster is stopped at the end, also when the test fails. Figures go to docs/reliability.md.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ponte_bus::Route;
use ponte_core::{Command, Envelope, Operation, Provider, Side};
use ponte_e2e::rounds::{self, PER_ROUND, SERVICES, act, counterparts};
use ponte_e2e::scripts;
use ponte_e2e::{Options, TestFleet};
use serde_json::Value;

fn cluster(args: &[&str]) -> String {
    scripts::run("rabbit-cluster", args)
}

/// The running cluster; stopped (nodes and data directory) when dropped,
/// so a failed assertion does not leave three brokers behind.
struct Cluster {
    amqp_url: String,
}

impl Cluster {
    fn start() -> Cluster {
        Cluster {
            amqp_url: scripts::printed(&cluster(&["start"]), "PONTE_AMQP_URL"),
        }
    }

    /// Name, leader and members of every queue, asked of node `via`.
    fn queues(&self, via: u8) -> Vec<Value> {
        let out = cluster(&[
            "ctl",
            &via.to_string(),
            "-q",
            "list_queues",
            "name",
            "leader",
            "members",
            "--formatter",
            "json",
        ]);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("list_queues: {e}: {out}"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        scripts::run_quietly("rabbit-cluster", &["stop"]);
    }
}

/// Node number (1-3) of a node name `ponte-cN@host`.
fn node_number(name: &str) -> Option<u8> {
    name.strip_prefix("ponte-c")?
        .split('@')
        .next()?
        .parse()
        .ok()
}

/// Publishes to the first retry tier, whose classic queue lives on the
/// node that declared it, without an expiry and for a queue name nothing
/// is bound to: if it were kept it would only wait there, touching no
/// ticket, until the namespace is deleted.
async fn retry_probe(t: &TestFleet) -> Result<(), ponte_bus::BusError> {
    let probe = Command {
        integration: "cluster".into(),
        side: Side::Source,
        provider: Provider::Movidesk,
        cause: format!("{}-probe", t.ns),
        op: Operation::SyncTicket {
            ticket_id: "probe".into(),
        },
    };
    let mut envelope = Envelope::command(probe, chrono::Utc::now());
    envelope.attempt = 1;
    let bus = t.bus();
    let route = Route::Retry {
        tier: 0,
        queue: format!("{}.probe", t.ns),
    };
    let result = bus.publish(&route, &envelope, &Default::default()).await;
    bus.close().await;
    result
}

#[tokio::test]
#[ignore = "starts a three-node RabbitMQ cluster; see the module for the command"]
async fn losing_the_shard_queues_leader_loses_and_doubles_nothing() {
    let node = Cluster::start();
    let t = TestFleet::start(Options {
        services: SERVICES.to_vec(),
        env: vec![
            ("PONTE_AMQP_URL".into(), node.amqp_url.clone()),
            ("PONTE_QUORUM_INITIAL_GROUP_SIZE".into(), "3".into()),
            ("PONTE_MAX_ATTEMPTS".into(), "30".into()),
        ],
    })
    .await;
    let pids = scripts::pids(&t, &SERVICES);
    let pair = t.movidesk_pair("cluster").await;

    // Where the namespace's shard queues live: three members each, one leader.
    let shard_prefixes = [
        format!("{}.events.", t.ns),
        format!("{}.work.movidesk.", t.ns),
    ];
    let shards: Vec<Value> = node
        .queues(1)
        .into_iter()
        .filter(|q| {
            let name = q["name"].as_str().unwrap_or_default();
            shard_prefixes.iter().any(|p| name.starts_with(p))
        })
        .collect();
    assert_eq!(shards.len(), 4, "two event and two work shards: {shards:?}");
    for q in &shards {
        let members = q["members"].as_array().map_or(0, Vec::len);
        assert_eq!(members, 3, "each shard queue on three nodes: {q}");
    }
    let mut led: BTreeMap<u8, usize> = BTreeMap::new();
    for q in &shards {
        if let Some(n) = q["leader"].as_str().and_then(node_number) {
            *led.entry(n).or_default() += 1;
        }
    }
    let (victim, victim_leads) = led
        .iter()
        .max_by_key(|(_, count)| **count)
        .map(|(n, c)| (*n, *c))
        .expect("a leader");
    let survivor = if victim == 1 { 2 } else { 1 };

    let started = Instant::now();
    // Round 0 before the loss: tickets, then a first action on each.
    let round0 = rounds::open(&t, &pair, "cluster", 0, PER_ROUND).await;
    counterparts(&t, &pair, &round0, Duration::from_secs(30)).await;
    act(&t, &pair, &round0, 1).await;

    // Round 1 and round 0's second action, with the leader killed midway.
    let mut round1 = Vec::new();
    for i in 0..PER_ROUND {
        round1.push(t.open_ticket(&pair, &format!("cluster 1-{i}")).await);
        if i == PER_ROUND / 2 {
            cluster(&["kill", &victim.to_string()]);
        }
    }
    let killed_at = Instant::now();
    act(&t, &pair, &round0, 2).await;
    counterparts(&t, &pair, &round1, Duration::from_secs(90)).await;
    let recovered_in = killed_at.elapsed();
    act(&t, &pair, &round1, 1).await;
    act(&t, &pair, &round1, 2).await;

    // Round 2 on the two nodes left.
    let round2 = rounds::open(&t, &pair, "cluster", 2, PER_ROUND).await;
    counterparts(&t, &pair, &round2, Duration::from_secs(60)).await;
    act(&t, &pair, &round2, 1).await;
    act(&t, &pair, &round2, 2).await;

    let opened: Vec<String> = [round0, round1, round2].concat();
    let expected_actions = opened.len() * 2;
    rounds::actions_crossed(&t, &pair, 2, expected_actions, Duration::from_secs(120)).await;
    t.settled(Duration::from_secs(60)).await;
    let elapsed = started.elapsed();
    let tally = rounds::tally(&t, &pair, &opened, 2).await;
    let after: Vec<Value> = node
        .queues(survivor)
        .into_iter()
        .filter(|q| {
            let name = q["name"].as_str().unwrap_or_default();
            shard_prefixes.iter().any(|p| name.starts_with(p))
        })
        .collect();
    let new_leaders: Vec<&str> = after.iter().filter_map(|q| q["leader"].as_str()).collect();
    let (restarted, not_ready) = scripts::restarted_and_unready(&t, &pids).await;
    // A message for a classic queue on the dead node (a retry delay) is
    // refused, not confirmed and dropped: the worker gives its command back.
    let probe = retry_probe(&t).await;
    // The parking queues are classic: they live on one node and wait for
    // it. The operator brings the node back; then nothing may be parked.
    let back = Instant::now();
    cluster(&["start"]);
    let rejoined_in = back.elapsed();
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    println!(
        "rabbit-cluster: node {victim} (leader of {victim_leads} of {} shard queues) SIGKILLed mid-flow; \
         {} tickets, {expected_actions} actions in {elapsed:.0?}; the round in flight at the kill \
         had its counterparts {recovered_in:.1?} after it; lost {}, doubled {}, \
         stray tickets in B {}, parked: {}; leaders after the kill {new_leaders:?}; \
         a retry published while its queue's node was down: {probe:?}; node {victim} back in {rejoined_in:.1?}",
        shards.len(),
        opened.len(),
        tally.lost,
        tally.doubled,
        tally.stray,
        if dlq.contains("(none)") { "none" } else { &dlq }
    );
    assert_eq!(
        (tally.lost, tally.doubled),
        (0, 0),
        "nothing lost or doubled"
    );
    assert_eq!(tally.stray, 0, "no stray tickets in B");
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    assert!(
        new_leaders.iter().all(|l| node_number(l) != Some(victim)),
        "the shard queues are led by live nodes: {new_leaders:?}"
    );
    assert!(
        probe.is_err(),
        "a retry for a queue on the dead node was confirmed, so it could be lost"
    );
    assert!(restarted.is_empty(), "restarted: {restarted:?}");
    assert!(
        not_ready.is_empty(),
        "not ready on the nodes left: {not_ready:?}"
    );
    t.teardown().await;
    drop(node);
}
