//! The shared re-read sequence against a fake desk.

use chrono::Utc;
use ponte_core::link::marker;
use ponte_core::{Action, Link, LinkOrigin, Person, Provider, Side, Ticket, Visibility};

use super::World;
use crate::effect::{Current, SyncDesk, sync_ticket};
use crate::{Deferred, ExecError, Outcome};

/// One ticket as the desk holds it (or none).
struct FakeReader {
    ticket: Option<Ticket>,
    replays: bool,
}

impl SyncDesk for FakeReader {
    fn provider(&self) -> Provider {
        Provider::Octadesk
    }

    fn name(&self, id: &str) -> String {
        format!("fake ticket #{id}")
    }

    async fn read(&self, id: &str) -> Result<Option<Current>, ExecError> {
        Ok(self
            .ticket
            .clone()
            .filter(|t| t.id == id)
            .map(|ticket| Current {
                ticket,
                status_by: Some("agent-5".into()),
            }))
    }

    fn replays_forgotten_links(&self) -> bool {
        self.replays
    }
}

fn ticket(status: &str, actions: &[&str]) -> Ticket {
    Ticket {
        id: "101".into(),
        status: status.into(),
        actions: actions
            .iter()
            .map(|id| Action {
                id: (*id).into(),
                visibility: Visibility::Public,
                text: format!("action {id}"),
                html: None,
                author: Person::default(),
                created_at: None,
                attachments: vec![],
            })
            .collect(),
        ..Ticket::default()
    }
}

fn desk(ticket: Ticket, replays: bool) -> FakeReader {
    FakeReader {
        ticket: Some(ticket),
        replays,
    }
}

/// What the events say, in order: the change and its action or status.
fn said(out: &Outcome) -> Vec<String> {
    out.events
        .iter()
        .map(|e| {
            let c = &e.event.change;
            match c {
                ponte_core::Change::ActionAdded { action, .. } => format!("action {}", action.id),
                ponte_core::Change::StatusChanged { to, changed_by, .. } => {
                    format!("status {to} by {}", changed_by.as_deref().unwrap_or("-"))
                }
                other => other.name().to_string(),
            }
        })
        .collect()
}

/// Keeps the reading's deferred snapshot, as the runtime does after the publish.
async fn keep(w: &World, out: &Outcome) {
    for d in &out.deferred {
        let Deferred::Snapshot { ticket_key, value } = d;
        w.store.put_snapshot(ticket_key, value).await.unwrap();
    }
}

#[tokio::test]
async fn each_reading_is_compared_with_the_last_and_becomes_the_next_baseline() {
    let w = World::new();
    let ctx = w.ctx("s1", false);
    let first = sync_ticket(
        &ctx,
        &desk(ticket("open", &["a1"]), false),
        Side::Target,
        "101",
    )
    .await
    .unwrap();
    assert_eq!(said(&first), ["ticket_created"]);
    assert_eq!(first.events[0].event.ticket.provider, Provider::Octadesk);
    assert_eq!(first.events[0].event.ticket.key(), "mm:target:101");
    keep(&w, &first).await;

    let later = ticket("closed", &["a1", "a2"]);
    let second = sync_ticket(&ctx, &desk(later.clone(), false), Side::Target, "101")
        .await
        .unwrap();
    assert_eq!(said(&second), ["action a2", "status closed by agent-5"]);
    keep(&w, &second).await;

    let again = sync_ticket(&ctx, &desk(later, false), Side::Target, "101")
        .await
        .unwrap();
    assert!(again.events.is_empty(), "nothing new: {:?}", said(&again));
    w.done().await;
}

/// The reading after Ponte marked a ticket (the marker's echo) reports
/// nothing: the marker is Ponte's write. Another tag gained beside it, or
/// the marker taken off, is an update as before.
#[tokio::test]
async fn gaining_its_own_marker_is_not_news_but_other_tags_are() {
    let w = World::new();
    let ctx = w.ctx("s1", false);
    let mut t = ticket("open", &["a1"]);
    t.tags = vec!["vip".into()];
    let first = sync_ticket(&ctx, &desk(t.clone(), false), Side::Source, "101")
        .await
        .unwrap();
    keep(&w, &first).await;

    let mut marked = t.clone();
    marked.tags.push(marker("mm", "55"));
    let echo = sync_ticket(&ctx, &desk(marked.clone(), false), Side::Source, "101")
        .await
        .unwrap();
    assert!(
        echo.events.is_empty(),
        "the marker's echo: {:?}",
        said(&echo)
    );
    keep(&w, &echo).await;

    let mut tagged = marked.clone();
    tagged.tags.push("urgent".into());
    let update = sync_ticket(&ctx, &desk(tagged, false), Side::Source, "101")
        .await
        .unwrap();
    assert_eq!(said(&update), ["ticket_updated"]);

    // Another integration's marker is a tag like any other.
    let mut foreign = marked.clone();
    foreign.tags.push(marker("other", "9"));
    let other = sync_ticket(&ctx, &desk(foreign, false), Side::Source, "101")
        .await
        .unwrap();
    assert_eq!(said(&other), ["ticket_updated"]);

    // The marker taken off (the link removed at the desk) is news.
    let unmarked = sync_ticket(&ctx, &desk(t, false), Side::Source, "101")
        .await
        .unwrap();
    assert_eq!(said(&unmarked), ["ticket_updated"]);

    // Marked and tagged in one reading: the other tag makes it an update.
    let w2 = World::new();
    let ctx2 = w2.ctx("s2", false);
    let mut plain = ticket("open", &["a1"]);
    let base = sync_ticket(&ctx2, &desk(plain.clone(), false), Side::Source, "101")
        .await
        .unwrap();
    keep(&w2, &base).await;
    plain.tags = vec![marker("mm", "55"), "urgent".into()];
    let both = sync_ticket(&ctx2, &desk(plain, false), Side::Source, "101")
        .await
        .unwrap();
    assert_eq!(said(&both), ["ticket_updated"]);
    w.done().await;
    w2.done().await;
}

#[tokio::test]
async fn a_ticket_that_is_gone_is_a_permanent_failure_naming_it() {
    let w = World::new();
    let gone = FakeReader {
        ticket: None,
        replays: true,
    };
    let err = sync_ticket(&w.ctx("s1", false), &gone, Side::Source, "101")
        .await
        .expect_err("gone");
    assert!(matches!(
        err,
        ExecError::Permanent {
            status: Some(404),
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "fake ticket #101 does not exist on the source side (deleted?)"
    );
    w.done().await;
}

/// Redis lost the snapshot of a linked ticket: a desk that asks for it
/// offers every action after the first again; one that does not reports
/// the ticket as new.
#[tokio::test]
async fn a_linked_ticket_whose_snapshot_is_gone_offers_its_later_actions_again() {
    let w = World::new();
    let ctx = w.ctx("s1", false);
    w.store
        .put_link(&Link {
            id: "mm:7".into(),
            integration: "mm".into(),
            source_ticket: "7".into(),
            target_ticket: "101".into(),
            origin: LinkOrigin::Automatic,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let now = ticket("open", &["a1", "a2", "a3"]);
    let replayed = sync_ticket(&ctx, &desk(now.clone(), true), Side::Target, "101")
        .await
        .unwrap();
    assert_eq!(said(&replayed), ["action a2", "action a3"]);
    let not = sync_ticket(&ctx, &desk(now.clone(), false), Side::Target, "101")
        .await
        .unwrap();
    assert_eq!(said(&not), ["ticket_created"]);

    // Without the link in Redis, Ponte's marker on the ticket tells.
    let w2 = World::new();
    let mut marked = now;
    marked.tags = vec![marker("mm", "7")];
    let out = sync_ticket(
        &w2.ctx("s1", false),
        &desk(marked.clone(), true),
        Side::Target,
        "101",
    )
    .await
    .unwrap();
    assert_eq!(said(&out), ["action a2", "action a3"]);
    marked.tags.clear();
    let unmarked = sync_ticket(
        &w2.ctx("s2", false),
        &desk(marked, true),
        Side::Target,
        "101",
    )
    .await
    .unwrap();
    assert_eq!(
        said(&unmarked),
        ["ticket_created"],
        "not linked: new to Ponte"
    );
    w.done().await;
    w2.done().await;
}
