//! The shared sequences against a fake provider, on the real Redis
//! (`PONTE_REDIS_URL`, default the local one), each test in its own
//! namespace.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use ponte_core::{
    Action, Change, Integration, LinkOrigin, Operation, Person, Provider, Side, Ticket, TicketRef,
    Visibility,
};
use ponte_store::Store;
use serde_json::json;

use super::*;
use crate::{Ctx, Deferred, ExecError, Outcome};

mod action;
mod associate;
mod status;
mod sync;

/// A desk in memory: tickets with their tags, answers that can be lost
/// after the write, a search that can be missing.
#[derive(Default)]
struct FakeDesk {
    tickets: Mutex<Vec<Ticket>>,
    creates: AtomicU32,
    searches: AtomicU32,
    lose_next_answer: AtomicBool,
    /// The next create is refused with a 400 worth another try (Movidesk's
    /// "Person not found" for a client Ponte remembered): nothing written.
    refuse_next: AtomicBool,
    unsearchable: bool,
    search_lag: std::time::Duration,
    /// Marks written on the source, and whether the next one must wait
    /// for the source's budget.
    marks: AtomicU32,
    mark_waits_next: AtomicBool,
}

impl FakeDesk {
    fn reply(&self, id: &str, text: &str) {
        let mut tickets = self.tickets.lock().unwrap();
        let t = tickets.iter_mut().find(|t| t.id == id).unwrap();
        let n = t.actions.len() + 1;
        t.actions.push(action(&n.to_string(), text, "agent-b"));
    }
}

fn action(id: &str, text: &str, by: &str) -> Action {
    Action {
        id: id.into(),
        visibility: Visibility::Public,
        text: text.into(),
        html: None,
        author: Person {
            id: Some(by.into()),
            ..Person::default()
        },
        created_at: None,
        attachments: vec![],
    }
}

impl CounterpartDesk for FakeDesk {
    fn provider(&self) -> Provider {
        Provider::Okdesk
    }

    async fn find_by_marker(&self, marker: &str) -> Result<Option<Vec<String>>, ExecError> {
        self.searches.fetch_add(1, Ordering::SeqCst);
        if self.unsearchable {
            return Ok(None);
        }
        Ok(Some(
            self.tickets
                .lock()
                .unwrap()
                .iter()
                .filter(|t| t.tags.iter().any(|x| x == marker))
                .map(|t| t.id.clone())
                .collect(),
        ))
    }

    async fn create(&self, marker: &str) -> Result<Created, ExecError> {
        if self.refuse_next.swap(false, Ordering::SeqCst) {
            return Err(ExecError::Transient {
                reason: "400 Person not found; the clients are looked up again".into(),
                status: Some(400),
                retry_after: None,
            });
        }
        let n = self.creates.fetch_add(1, Ordering::SeqCst) + 1;
        let ticket = Ticket {
            id: format!("{}", 100 + n),
            subject: "Printer".into(),
            status: "New".into(),
            tags: vec![marker.to_string()],
            actions: vec![action("1", "as Ponte wrote it", "ponte")],
            ..Ticket::default()
        };
        self.tickets.lock().unwrap().push(ticket.clone());
        if self.lose_next_answer.swap(false, Ordering::SeqCst) {
            return Err(ExecError::Transient {
                reason: "502 after the write".into(),
                status: Some(502),
                retry_after: None,
            });
        }
        Ok(Created {
            id: ticket.id.clone(),
            as_created: Some(ticket),
        })
    }

    async fn read(&self, id: &str) -> Result<Option<Ticket>, ExecError> {
        Ok(self
            .tickets
            .lock()
            .unwrap()
            .iter()
            .find(|t| t.id == id)
            .cloned())
    }

    async fn mark_source(&self, _counterpart: &str) -> Result<(), ExecError> {
        if self.mark_waits_next.swap(false, Ordering::SeqCst) {
            return Err(ExecError::Throttled {
                reason: "the source's budget is used up".into(),
                retry_after: Some(std::time::Duration::from_secs(6)),
            });
        }
        self.marks.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn describe(&self, id: &str, created: bool) -> String {
        format!("#{id} {}", if created { "created" } else { "found" })
    }

    fn search_lag(&self) -> std::time::Duration {
        self.search_lag
    }
}

struct World {
    store: Store,
    integration: Integration,
    source: TicketRef,
}

impl World {
    fn new() -> World {
        Self::with_correlation(json!({}))
    }

    fn with_correlation(correlation: serde_json::Value) -> World {
        let url =
            std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let ns = format!("wt{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let integration: Integration = serde_json::from_value(json!({
            "id": "mm", "name": "test",
            "source": {"provider": "movidesk", "base_url": "http://a"},
            "target": {"provider": "okdesk", "base_url": "http://b"},
            "correlation": correlation,
        }))
        .unwrap();
        World {
            store: Store::new(&url, &ns).unwrap(),
            integration,
            source: TicketRef {
                integration: "mm".into(),
                side: Side::Source,
                provider: Provider::Movidesk,
                ticket_id: "7".into(),
            },
        }
    }

    fn ctx<'a>(&'a self, command_id: &'a str, resumed: bool) -> Ctx<'a> {
        Ctx::new(&self.store, &self.integration, command_id, 0, resumed)
    }

    fn pair(&self) -> Pair<'_> {
        Pair {
            side: Side::Target,
            link_id: "mm:7",
            source: &self.source,
            how: LinkOrigin::Automatic,
            born: None,
        }
    }

    async fn run(&self, desk: &FakeDesk, command_id: &str) -> Result<Outcome, ExecError> {
        create_counterpart(&self.ctx(command_id, false), desk, self.pair()).await
    }

    /// Makes Redis look as if Ponte had watched it keep every write since
    /// `ago` seconds.
    async fn redis_kept_since(&self, ago: i64) {
        self.store
            .writes_kept_since()
            .await
            .unwrap()
            .expect("no eviction");
        let since = chrono::Utc::now() - chrono::Duration::seconds(ago);
        self.set_record("since", &since.to_rfc3339()).await;
    }

    /// Makes the record name another server, as after a restart or a failover.
    async fn redis_restarted(&self) {
        self.set_record("identity", "an-earlier-run/an-earlier-history")
            .await;
    }

    async fn set_record(&self, field: &str, value: &str) {
        let url =
            std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let client = deadpool_redis::redis::Client::open(url).unwrap();
        let mut c = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = deadpool_redis::redis::cmd("HSET")
            .arg(format!("{}:redis-kept", self.store.namespace()))
            .arg(field)
            .arg(value)
            .query_async(&mut c)
            .await
            .unwrap();
    }

    fn pair_born(&self, ago: i64) -> Pair<'_> {
        Pair {
            born: Some(chrono::Utc::now() - chrono::Duration::seconds(ago)),
            ..self.pair()
        }
    }

    async fn done(self) {
        let _ = self.store.wipe().await;
    }
}

fn snapshot(outcome: &Outcome) -> Ticket {
    let Some(Deferred::Snapshot { value, .. }) = outcome.deferred.first() else {
        panic!("no baseline snapshot in {outcome:?}");
    };
    serde_json::from_value(value.clone()).unwrap()
}

#[tokio::test]
async fn a_first_create_looks_for_its_marker_links_and_keeps_the_answer_as_baseline() {
    let w = World::new();
    let desk = FakeDesk::default();
    let out = w.run(&desk, "c1").await.unwrap();
    assert_eq!(
        desk.searches.load(Ordering::SeqCst),
        1,
        "Redis may have forgotten an earlier counterpart: it looks first"
    );
    assert_eq!(desk.creates.load(Ordering::SeqCst), 1);
    let link = w.store.link("mm:7").await.unwrap().expect("link");
    assert_eq!(link.target_ticket, "101");
    assert_eq!(snapshot(&out).actions.len(), 1);
    assert!(out.events.is_empty(), "nothing new to publish");
    // The Movidesk source is marked by its own worker, told directly (no
    // router round trip), under an id its cause fixes.
    assert_eq!(out.commands.len(), 1, "{:?}", out.commands);
    let mark = &out.commands[0];
    assert_eq!(
        (mark.side, mark.provider),
        (Side::Source, Provider::Movidesk)
    );
    assert_eq!(
        mark.op,
        Operation::MarkLinked {
            link_id: "mm:7".into(),
            ticket_id: "7".into(),
            counterpart: "101".into(),
        }
    );
    assert_eq!(
        mark.cause,
        ponte_core::ids::derive(&["counterpart", "mm:7", "101"])
    );
    w.done().await;
}

#[tokio::test]
async fn a_ticket_born_after_redis_last_lost_anything_is_created_without_a_search() {
    let w = World::new();
    w.redis_kept_since(3600).await;
    let desk = FakeDesk::default();
    desk.lose_next_answer.store(true, Ordering::SeqCst);
    let lost = create_counterpart(&w.ctx("c1", false), &desk, w.pair_born(5)).await;
    assert!(lost.is_err());
    assert_eq!(
        desk.searches.load(Ordering::SeqCst),
        0,
        "no try recorded and nothing lost since the ticket was born"
    );
    // The lost answer's try is recorded: any later command looks.
    let out = create_counterpart(&w.ctx("c2", false), &desk, w.pair_born(5))
        .await
        .unwrap();
    assert_eq!(desk.searches.load(Ordering::SeqCst), 1);
    assert_eq!(desk.creates.load(Ordering::SeqCst), 1, "no second ticket");
    assert_eq!(out.result["target_ticket"], "101");
    w.done().await;
}

#[tokio::test]
async fn a_ticket_born_before_redis_restarted_or_long_ago_is_searched_for() {
    let w = World::new();
    w.redis_kept_since(3600).await;
    let desk = FakeDesk::default();
    create_counterpart(&w.ctx("c1", false), &desk, w.pair_born(2 * 24 * 3600))
        .await
        .unwrap();
    assert_eq!(desk.searches.load(Ordering::SeqCst), 1, "born too long ago");
    w.done().await;

    let w = World::new();
    w.redis_kept_since(3600).await;
    w.redis_restarted().await;
    let desk = FakeDesk::default();
    create_counterpart(&w.ctx("c1", false), &desk, w.pair_born(5))
        .await
        .unwrap();
    assert_eq!(
        desk.searches.load(Ordering::SeqCst),
        1,
        "Redis restarted since the ticket was born: it may have lost a try"
    );
    w.done().await;
}

#[tokio::test]
async fn a_try_stopped_after_the_link_finishes_the_mark_and_the_history_when_resumed() {
    let w = World::new();
    let desk = FakeDesk::default();
    desk.mark_waits_next.store(true, Ordering::SeqCst);
    let waited = w.run(&desk, "c1").await;
    assert!(
        matches!(waited, Err(ExecError::Throttled { .. })),
        "{waited:?}"
    );
    assert!(
        w.store.link("mm:7").await.unwrap().is_some(),
        "linked first"
    );
    assert_eq!(desk.marks.load(Ordering::SeqCst), 0);

    let out = create_counterpart(&w.ctx("c1", true), &desk, w.pair())
        .await
        .unwrap();
    assert_eq!(desk.marks.load(Ordering::SeqCst), 1, "the source is marked");
    assert_eq!(desk.creates.load(Ordering::SeqCst), 1, "no second ticket");
    assert_eq!(out.result["target_ticket"], "101");
    assert_eq!(out.history.len(), 1, "the creation's history line");
    // Another command finding the pair linked does nothing.
    let other = w.run(&desk, "c2").await.unwrap();
    assert_eq!(other.result["already"], true);
    assert_eq!(desk.marks.load(Ordering::SeqCst), 1);
    w.done().await;
}

#[tokio::test]
async fn a_desk_source_of_the_creators_provider_needs_no_follow_up() {
    let mut w = World::new();
    w.integration.target.provider = Provider::Movidesk;
    let desk = FakeDesk::default();
    let out = w.run(&desk, "c1").await.unwrap();
    assert!(out.commands.is_empty(), "{:?}", out.commands);
    assert!(out.events.is_empty());
    w.done().await;
}

#[tokio::test]
async fn a_channel_source_is_told_who_attends() {
    let mut w = World::new();
    w.integration.source.provider = Provider::Blip;
    w.source.provider = Provider::Blip;
    let desk = FakeDesk::default();
    let out = w.run(&desk, "c1").await.unwrap();
    assert_eq!(out.commands.len(), 1, "{:?}", out.commands);
    assert_eq!(out.commands[0].provider, Provider::Blip);
    assert!(
        matches!(&out.commands[0].op, Operation::AssignAgent { link_id, .. } if link_id == "mm:7"),
        "{:?}",
        out.commands[0].op
    );
    w.done().await;
}

#[tokio::test]
async fn a_lost_answer_then_another_command_finds_the_ticket_instead_of_creating_again() {
    let w = World::new();
    let desk = FakeDesk::default();
    desk.lose_next_answer.store(true, Ordering::SeqCst);
    let lost = w.run(&desk, "c1").await;
    assert!(matches!(lost, Err(ExecError::Transient { .. })));
    assert!(w.store.link("mm:7").await.unwrap().is_none());

    // Another command id, not a redelivery: it still looks first.
    let out = w.run(&desk, "c2").await.unwrap();
    for (link, line) in &out.history {
        w.store.record(link, line).await.unwrap(); // as the handler does
    }
    assert_eq!(desk.creates.load(Ordering::SeqCst), 1, "no second ticket");
    assert_eq!(out.result["target_ticket"], "101");
    assert_eq!(
        w.store.link("mm:7").await.unwrap().unwrap().target_ticket,
        "101"
    );
    // And the first command's retry finds the link.
    let again = create_counterpart(&w.ctx("c1", true), &desk, w.pair())
        .await
        .unwrap();
    assert_eq!(again.result["already"], true);
    assert_eq!(desk.creates.load(Ordering::SeqCst), 1);
    w.done().await;
}

#[tokio::test]
async fn a_found_counterpart_takes_what_ponte_wrote_as_baseline_and_publishes_the_rest() {
    let w = World::new();
    let desk = FakeDesk::default();
    desk.lose_next_answer.store(true, Ordering::SeqCst);
    assert!(w.run(&desk, "c1").await.is_err());
    desk.reply("101", "checking the printer");

    let out = create_counterpart(&w.ctx("c1", true), &desk, w.pair())
        .await
        .unwrap();
    let news: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match &e.event.change {
            Change::ActionAdded { action, .. } => Some(action.text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(news, ["checking the printer"], "the reply is news, once");
    assert_eq!(
        snapshot(&out).actions.len(),
        2,
        "the snapshot is the ticket as read, so the next sync finds nothing new"
    );
    assert!(out.history[0].1.detail.contains("found"));
    w.done().await;
}

#[tokio::test]
async fn an_account_that_cannot_be_searched_creates_again() {
    let w = World::new();
    let desk = FakeDesk {
        unsearchable: true,
        ..FakeDesk::default()
    };
    desk.lose_next_answer.store(true, Ordering::SeqCst);
    assert!(w.run(&desk, "c1").await.is_err());
    w.run(&desk, "c2").await.unwrap();
    assert_eq!(
        desk.searches.load(Ordering::SeqCst),
        2,
        "it did look, both times"
    );
    assert_eq!(
        desk.creates.load(Ordering::SeqCst),
        2,
        "nothing to find by: the documented cost"
    );
    w.done().await;
}

#[tokio::test]
async fn an_existing_link_makes_the_create_a_no_op() {
    let w = World::new();
    let desk = FakeDesk::default();
    w.run(&desk, "c1").await.unwrap();
    let out = w.run(&desk, "c2").await.unwrap();
    assert_eq!(out.result["already"], true);
    assert_eq!(desk.creates.load(Ordering::SeqCst), 1);
    assert_eq!(
        desk.searches.load(Ordering::SeqCst),
        1,
        "only the first create looked; the linked pair costs no call"
    );
    w.done().await;
}

#[tokio::test]
async fn a_removed_links_old_counterpart_is_never_taken_for_the_new_one() {
    let w = World::new();
    let desk = FakeDesk::default();
    w.run(&desk, "c1").await.unwrap();
    // An agent removes the link; the old counterpart (101) still carries
    // the marker, as an Okdesk description would.
    w.store.remove_link("mm:7").await.unwrap().expect("removed");
    let out = w.run(&desk, "c2").await.unwrap();
    assert_eq!(desk.creates.load(Ordering::SeqCst), 2, "a new ticket");
    assert_eq!(out.result["target_ticket"], "102");
    assert_eq!(
        w.store.link("mm:7").await.unwrap().unwrap().target_ticket,
        "102"
    );
    assert!(
        w.store.removed_link("mm:7").await.unwrap().is_none(),
        "the new link ends the tombstone"
    );
    w.done().await;
}

#[tokio::test]
async fn a_refused_create_is_tried_again_at_once_a_lost_answer_waits_out_the_search_lag() {
    let w = World::new();
    let lag = std::time::Duration::from_secs(300);
    let refused = FakeDesk {
        search_lag: lag,
        ..FakeDesk::default()
    };
    refused.refuse_next.store(true, Ordering::SeqCst);
    let first = w.run(&refused, "c1").await;
    assert!(matches!(
        first,
        Err(ExecError::Transient {
            status: Some(400),
            ..
        })
    ));
    let again = create_counterpart(&w.ctx("c1", true), &refused, w.pair())
        .await
        .expect("a 400 wrote nothing: no wait for the search");
    assert_eq!(again.result["target_ticket"], "101");
    w.done().await;

    let w = World::new();
    // The search does not show the ticket the lost answer's write made.
    let lost = FakeDesk {
        search_lag: lag,
        unsearchable: true,
        ..FakeDesk::default()
    };
    lost.lose_next_answer.store(true, Ordering::SeqCst);
    assert!(w.run(&lost, "c1").await.is_err());
    let wait = create_counterpart(&w.ctx("c1", true), &lost, w.pair()).await;
    assert!(
        matches!(wait, Err(ExecError::Throttled { .. })),
        "a 502 may have written: the create waits for the search, got {wait:?}"
    );
    w.done().await;
}
