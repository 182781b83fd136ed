//! The shared action sequence against a fake desk.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use ponte_core::{Action, Person, Side, TicketRef, Visibility};
use ponte_store::{HistoryEntry, HistoryKind};

use super::World;
use crate::ExecError;
use crate::effect::{ActionDesk, Looks, Mirror, history, mirror_action};

/// A ticket's comments; a write whose answer can be lost; a desk that can
/// be unsearchable or read the ticket before every write.
#[derive(Default)]
struct FakeComments {
    comments: Mutex<Vec<String>>,
    finds: AtomicU32,
    lose_next_answer: AtomicBool,
    unsearchable: bool,
    reads_anyway: bool,
    /// Its writes count: it looks unless Redis proves a first try.
    counts_writes: bool,
}

impl ActionDesk for FakeComments {
    fn name(&self, ticket_id: &str) -> String {
        format!("fake ticket #{ticket_id}")
    }

    fn written_as(&self, from_customer: bool) -> &'static str {
        if from_customer {
            "public comment"
        } else {
            "internal comment"
        }
    }

    fn looks(&self, _mirror: &Mirror<'_>) -> Looks {
        if self.reads_anyway {
            Looks::Always
        } else if self.counts_writes {
            Looks::UnlessProvenFirst
        } else {
            Looks::WhenResumed
        }
    }

    async fn find(&self, _m: &Mirror<'_>, reference: &str) -> Result<Option<bool>, ExecError> {
        self.finds.fetch_add(1, Ordering::SeqCst);
        if self.unsearchable {
            return Ok(None);
        }
        let comments = self.comments.lock().unwrap();
        Ok(Some(comments.iter().any(|c| c.contains(reference))))
    }

    async fn write(&self, m: &Mirror<'_>, reference: &str) -> Result<Vec<HistoryEntry>, ExecError> {
        self.comments
            .lock()
            .unwrap()
            .push(format!("{} ({reference})", m.action.text));
        if self.lose_next_answer.swap(false, Ordering::SeqCst) {
            return Err(ExecError::Transient {
                reason: "502 after the write".into(),
                status: Some(502),
                retry_after: None,
            });
        }
        Ok(Vec::new())
    }
}

fn reply() -> Action {
    Action {
        id: "a1".into(),
        visibility: Visibility::Public,
        text: "printer fixed".into(),
        html: None,
        author: Person {
            email: Some("bia@desk".into()),
            ..Person::default()
        },
        created_at: None,
        attachments: vec![],
    }
}

fn mirror<'a>(origin: &'a TicketRef, action: &'a Action) -> Mirror<'a> {
    Mirror {
        link_id: "mm:7",
        side: Side::Target,
        ticket_id: "101",
        origin,
        action,
        from_customer: false,
        fields: &[],
    }
}

#[tokio::test]
async fn an_action_is_written_once_with_its_reference_and_told() {
    let w = World::new();
    let desk = FakeComments::default();
    let action = reply();
    let out = mirror_action(&w.ctx("c1", false), &desk, mirror(&w.source, &action))
        .await
        .unwrap();
    assert_eq!(desk.comments.lock().unwrap().len(), 1);
    assert_eq!(
        desk.finds.load(Ordering::SeqCst),
        0,
        "a first try has nothing to look for"
    );
    let (link, line) = &out.history[0];
    assert_eq!(link, "mm:7");
    assert_eq!(line.kind, HistoryKind::ActionMirrored);
    assert_eq!(
        line.detail,
        "action a1 by bia@desk on the source side #7 → internal comment on fake ticket #101"
    );
    w.done().await;
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_finds_the_action_and_writes_nothing() {
    let w = World::new();
    let desk = FakeComments::default();
    desk.lose_next_answer.store(true, Ordering::SeqCst);
    let action = reply();
    let lost = mirror_action(&w.ctx("c1", false), &desk, mirror(&w.source, &action)).await;
    assert!(matches!(lost, Err(ExecError::Transient { .. })));
    let again = mirror_action(&w.ctx("c1", true), &desk, mirror(&w.source, &action))
        .await
        .unwrap();
    assert_eq!(desk.comments.lock().unwrap().len(), 1, "written once");
    assert_eq!(again.result["found_after_crash"], true);
    assert_eq!(
        again.history.len(),
        1,
        "the history still says where it went"
    );
    w.done().await;
}

#[tokio::test]
async fn a_desk_that_reads_anyway_looks_every_time_and_one_that_cannot_be_searched_writes_again() {
    let w = World::new();
    let action = reply();
    let reads = FakeComments {
        reads_anyway: true,
        ..FakeComments::default()
    };
    mirror_action(&w.ctx("c1", false), &reads, mirror(&w.source, &action))
        .await
        .unwrap();
    assert_eq!(reads.finds.load(Ordering::SeqCst), 1);

    let blind = FakeComments {
        unsearchable: true,
        ..FakeComments::default()
    };
    blind.lose_next_answer.store(true, Ordering::SeqCst);
    let _ = mirror_action(&w.ctx("c2", false), &blind, mirror(&w.source, &action)).await;
    mirror_action(&w.ctx("c2", true), &blind, mirror(&w.source, &action))
        .await
        .unwrap();
    assert_eq!(blind.finds.load(Ordering::SeqCst), 1, "it did look");
    assert_eq!(
        blind.comments.lock().unwrap().len(),
        2,
        "nothing to find by: the documented cost"
    );
    w.done().await;
}

#[tokio::test]
async fn a_desk_whose_writes_count_skips_the_look_only_when_redis_proves_a_first_try() {
    let w = World::new();
    let desk = FakeComments {
        counts_writes: true,
        ..FakeComments::default()
    };
    let born = |ago: i64| Action {
        created_at: Some(chrono::Utc::now() - chrono::Duration::seconds(ago)),
        ..reply()
    };
    let finds = || desk.finds.load(Ordering::SeqCst);
    let just_added = born(5);
    // A namespace Ponte has just begun to watch proves nothing about an
    // action born before.
    mirror_action(&w.ctx("c1", false), &desk, mirror(&w.source, &just_added))
        .await
        .unwrap();
    assert_eq!(finds(), 1, "looked: Redis may have lost an earlier try");

    w.redis_kept_since(3600).await;
    mirror_action(&w.ctx("c2", false), &desk, mirror(&w.source, &just_added))
        .await
        .unwrap();
    assert_eq!(finds(), 1, "kept since before it was born: no look");
    let old = born(2 * 24 * 3600);
    mirror_action(&w.ctx("c3", false), &desk, mirror(&w.source, &old))
        .await
        .unwrap();
    assert_eq!(finds(), 2, "older than the records of tries are kept");
    mirror_action(&w.ctx("c4", true), &desk, mirror(&w.source, &just_added))
        .await
        .unwrap();
    assert_eq!(finds(), 3, "a resumed command always looks");
    let unknown = reply();
    mirror_action(&w.ctx("c5", false), &desk, mirror(&w.source, &unknown))
        .await
        .unwrap();
    assert_eq!(finds(), 4, "no birth time, no proof");

    w.redis_restarted().await;
    mirror_action(&w.ctx("c6", false), &desk, mirror(&w.source, &just_added))
        .await
        .unwrap();
    assert_eq!(finds(), 5, "Redis restarted since it was born: looked");
    w.done().await;
}

/// A desk whose write adds its own history lines after the action's.
struct Noting;

impl ActionDesk for Noting {
    fn name(&self, ticket_id: &str) -> String {
        format!("#{ticket_id}")
    }

    fn written_as(&self, _from_customer: bool) -> &'static str {
        "action"
    }

    async fn find(&self, _m: &Mirror<'_>, _r: &str) -> Result<Option<bool>, ExecError> {
        Ok(Some(false))
    }

    async fn write(&self, _m: &Mirror<'_>, _r: &str) -> Result<Vec<HistoryEntry>, ExecError> {
        Ok(vec![HistoryEntry {
            kind: HistoryKind::Dropped,
            ..history_line()
        }])
    }
}

fn history_line() -> HistoryEntry {
    let w = World::new();
    history(&w.ctx("c9", false), HistoryKind::Dropped, "field x".into())
}

#[tokio::test]
async fn the_desk_s_own_lines_follow_the_action_s() {
    let w = World::new();
    let action = reply();
    let out = mirror_action(&w.ctx("c1", false), &Noting, mirror(&w.source, &action))
        .await
        .unwrap();
    let kinds: Vec<_> = out.history.iter().map(|(_, l)| l.kind.clone()).collect();
    assert_eq!(kinds, [HistoryKind::ActionMirrored, HistoryKind::Dropped]);
    assert!(out.history.iter().all(|(link, _)| link == "mm:7"));
    w.done().await;
}
