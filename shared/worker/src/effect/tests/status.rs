//! The shared status sequence against a fake desk.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use ponte_core::ids::status_echo;
use ponte_core::{BaseStatus, Side, TicketRef};
use ponte_store::HistoryKind;
use serde_json::json;

use super::World;
use crate::ExecError;
use crate::effect::{Reading, StatusChange, StatusDesk, set_status};

/// One ticket's status, a write that can be applied and its answer lost.
struct FakeStatuses {
    status: Mutex<Option<String>>,
    writes: AtomicU32,
    lose_next_answer: AtomicBool,
}

impl FakeStatuses {
    fn at(status: &str) -> Self {
        FakeStatuses {
            status: Mutex::new(Some(status.into())),
            writes: AtomicU32::new(0),
            lose_next_answer: AtomicBool::new(false),
        }
    }

    fn now(&self) -> Option<String> {
        self.status.lock().unwrap().clone()
    }
}

impl StatusDesk for FakeStatuses {
    type Plan = ();

    fn name(&self, ticket_id: &str) -> String {
        format!("fake ticket #{ticket_id}")
    }

    async fn read(&self, _ticket_id: &str, status: &str) -> Result<Reading<()>, ExecError> {
        Ok(match self.now() {
            None => Reading::Gone,
            Some(s) if s == status => Reading::Already,
            Some(_) => Reading::Write(()),
        })
    }

    async fn write(&self, _id: &str, status: &str, (): ()) -> Result<Option<String>, ExecError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        *self.status.lock().unwrap() = Some(status.into());
        if self.lose_next_answer.swap(false, Ordering::SeqCst) {
            return Err(ExecError::Transient {
                reason: "504 after the write".into(),
                status: Some(504),
                retry_after: None,
            });
        }
        Ok(Some("justification `Feito`".into()))
    }
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 10, minute, 0).unwrap()
}

fn world() -> World {
    World::with_correlation(json!({"status": {"Resolvido": "resolved", "Aberto": "opened"}}))
}

/// What the source reached (the sequence maps the status text instead).
static RESOLVED: BaseStatus = BaseStatus::Resolved;

fn change<'a>(origin: &'a TicketRef, status: &'a str, minute: u32) -> StatusChange<'a> {
    StatusChange {
        link_id: "mm:7",
        side: Side::Target,
        ticket_id: "101",
        origin,
        status,
        changed_at: at(minute),
        base_status: &RESOLVED,
        justification: None,
    }
}

#[tokio::test]
async fn a_change_is_mapped_marked_as_ponte_s_own_written_and_told() {
    let w = world();
    let desk = FakeStatuses::at("opened");
    let out = set_status(
        &w.ctx("c1", false),
        &desk,
        change(&w.source, "Resolvido", 1),
    )
    .await
    .unwrap();
    assert_eq!(desk.now().as_deref(), Some("resolved"));
    assert_eq!(desk.writes.load(Ordering::SeqCst), 1);
    assert!(
        w.store
            .is_echo(&status_echo("mm", "target", "101", "resolved"))
            .await
            .unwrap(),
        "the webhook about Ponte's own write is recognised"
    );
    let (link, line) = &out.history[0];
    assert_eq!(link, "mm:7");
    assert_eq!(line.kind, HistoryKind::StatusMirrored);
    assert_eq!(
        line.detail,
        "status `Resolvido` on the source side #7 → `resolved` (justification `Feito`) on fake ticket #101"
    );
    w.done().await;
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_writes_nothing_more() {
    let w = world();
    let desk = FakeStatuses::at("opened");
    desk.lose_next_answer.store(true, Ordering::SeqCst);
    let lost = set_status(
        &w.ctx("c1", false),
        &desk,
        change(&w.source, "Resolvido", 1),
    )
    .await;
    assert!(matches!(lost, Err(ExecError::Transient { .. })));
    let again = set_status(&w.ctx("c1", true), &desk, change(&w.source, "Resolvido", 1))
        .await
        .unwrap();
    assert_eq!(desk.writes.load(Ordering::SeqCst), 1, "written once");
    assert_eq!(again.result["already"], true);
    w.done().await;
}

#[tokio::test]
async fn an_older_change_never_overwrites_a_newer_one() {
    let w = world();
    let desk = FakeStatuses::at("opened");
    set_status(
        &w.ctx("c2", false),
        &desk,
        change(&w.source, "Resolvido", 5),
    )
    .await
    .unwrap();
    // The earlier change, retried late, arrives after the newer one.
    let out = set_status(&w.ctx("c1", false), &desk, change(&w.source, "Aberto", 1))
        .await
        .unwrap();
    assert_eq!(desk.now().as_deref(), Some("resolved"));
    assert_eq!(desk.writes.load(Ordering::SeqCst), 1);
    assert_eq!(out.result["stale"], true);
    assert_eq!(out.history[0].1.kind, HistoryKind::Dropped);
    w.done().await;
}

#[tokio::test]
async fn a_deleted_ticket_and_an_unmapped_status_fail_for_good_naming_them() {
    let w = world();
    let gone = FakeStatuses {
        status: Mutex::new(None),
        ..FakeStatuses::at("")
    };
    match set_status(
        &w.ctx("c1", false),
        &gone,
        change(&w.source, "Resolvido", 1),
    )
    .await
    {
        Err(ExecError::Permanent { reason, status }) => {
            assert!(reason.contains("fake ticket #101"), "{reason}");
            assert_eq!(status, Some(404));
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    let desk = FakeStatuses::at("opened");
    match set_status(&w.ctx("c2", false), &desk, change(&w.source, "Pendente", 2)).await {
        Err(ExecError::Permanent { reason, .. }) => {
            assert!(reason.contains("`Pendente`"), "{reason}");
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    assert_eq!(desk.writes.load(Ordering::SeqCst), 0);
    w.done().await;
}
