//! The shared associate sequence against a fake desk.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use ponte_core::{Provider, Side, Ticket, TicketRef};
use ponte_store::HistoryKind;

use super::World;
use crate::effect::{AssociateDesk, Association, Existing, associate};
use crate::{Deferred, ExecError};

/// Tickets by id; marks counted per ticket.
#[derive(Default)]
struct FakeTickets {
    tickets: Vec<Ticket>,
    marked: Mutex<Vec<String>>,
    reads: AtomicU32,
}

impl FakeTickets {
    fn with(ids: &[&str]) -> Self {
        FakeTickets {
            tickets: ids
                .iter()
                .map(|id| Ticket {
                    id: (*id).into(),
                    status: "open".into(),
                    ..Ticket::default()
                })
                .collect(),
            ..FakeTickets::default()
        }
    }
}

impl AssociateDesk for FakeTickets {
    fn provider(&self) -> Provider {
        Provider::Okdesk
    }

    fn name(&self, ticket_id: &str) -> String {
        format!("fake issue #{ticket_id}")
    }

    fn refusal(&self, ticket_id: &str) -> Option<String> {
        ticket_id
            .starts_with("chat-")
            .then(|| "a conversation cannot be associated".to_string())
    }

    async fn read(&self, ticket_id: &str) -> Result<Existing, ExecError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(match self.tickets.iter().find(|t| t.id == ticket_id) {
            None => Existing::Missing,
            Some(t) => Existing::Found {
                baseline: Some(Box::new(t.clone())),
            },
        })
    }

    async fn mark(&self, ticket_id: &str, _source: &TicketRef) -> Result<(), ExecError> {
        self.marked.lock().unwrap().push(ticket_id.into());
        Ok(())
    }
}

fn pair<'a>(source: &'a TicketRef, ticket_id: &'a str) -> Association<'a> {
    Association {
        link_id: "mm:7",
        side: Side::Target,
        source,
        ticket_id,
    }
}

#[tokio::test]
async fn an_existing_ticket_is_linked_marked_and_kept_as_baseline_and_a_retry_does_nothing() {
    let w = World::new();
    let desk = FakeTickets::with(&["55"]);
    let out = associate(&w.ctx("c1", false), &desk, pair(&w.source, "55"))
        .await
        .unwrap();
    let link = w.store.link("mm:7").await.unwrap().expect("linked");
    assert_eq!(link.target_ticket, "55");
    assert_eq!(*desk.marked.lock().unwrap(), ["55"]);
    assert!(matches!(
        out.deferred.first(),
        Some(Deferred::Snapshot { ticket_key, .. }) if ticket_key.ends_with(":55")
    ));
    assert_eq!(out.history[0].1.kind, HistoryKind::Associated);
    assert_eq!(
        out.history[0].1.detail,
        "#7 associated with the existing fake issue #55 by an agent"
    );

    // A retry after a lost answer (or a second click) finds the link.
    let again = associate(&w.ctx("c1", true), &desk, pair(&w.source, "55"))
        .await
        .unwrap();
    assert_eq!(again.result["already"], true);
    assert_eq!(desk.reads.load(Ordering::SeqCst), 1, "nothing read again");
    w.done().await;
}

#[tokio::test]
async fn a_missing_a_taken_or_a_refused_ticket_fails_for_good_naming_it() {
    let w = World::new();
    let desk = FakeTickets::with(&["55", "56"]);
    let reason = |r: Result<_, ExecError>| match r {
        Err(ExecError::Permanent { reason, .. }) => reason,
        other => panic!("expected a permanent failure, got {other:?}"),
    };
    let missing = reason(associate(&w.ctx("c1", false), &desk, pair(&w.source, "99")).await);
    assert_eq!(missing, "fake issue #99 does not exist on the target side");
    let refused = reason(associate(&w.ctx("c2", false), &desk, pair(&w.source, "chat-1")).await);
    assert!(refused.contains("conversation"), "{refused}");
    assert!(
        w.store.link("mm:7").await.unwrap().is_none(),
        "nothing half done"
    );

    associate(&w.ctx("c3", false), &desk, pair(&w.source, "55"))
        .await
        .unwrap();
    let other = reason(associate(&w.ctx("c4", false), &desk, pair(&w.source, "56")).await);
    assert_eq!(
        other,
        "ticket #7 is already linked to #55; remove that link first"
    );
    let second_source = TicketRef {
        ticket_id: "8".into(),
        ..w.source.clone()
    };
    let taken = Association {
        link_id: "mm:8",
        ..pair(&second_source, "55")
    };
    let taken = reason(associate(&w.ctx("c5", false), &desk, taken).await);
    assert_eq!(
        taken,
        "fake issue #55 on the target side is already linked to #7"
    );
    assert_eq!(*desk.marked.lock().unwrap(), ["55"], "marked once");
    w.done().await;
}
