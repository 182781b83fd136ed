//! Two readings of an Octadesk ticket compared by the shared diff
//! (`ponte_core::diff`, run by the worker's `effect::sync_ticket`): ids
//! depend only on the change, so reading the same ticket twice yields the
//! same ids, and the router drops the repeats.

use ponte_core::{
    Action, BaseStatus, Emitted, Person, Provider, Side, Ticket, TicketRef, Visibility,
};

/// Octadesk reports no author for a status change.
fn diff(previous: Option<&Ticket>, current: &Ticket, at: &TicketRef) -> Vec<Emitted> {
    ponte_core::diff::diff(previous, current, at, None)
}

fn at() -> TicketRef {
    TicketRef {
        integration: "od".into(),
        side: Side::Target,
        provider: Provider::Octadesk,
        ticket_id: "9".into(),
    }
}

fn action(id: &str) -> Action {
    Action {
        id: id.into(),
        visibility: Visibility::Public,
        text: format!("a{id}"),
        html: None,
        author: Person::default(),
        created_at: None,
        attachments: vec![],
    }
}

#[test]
fn first_reading_then_new_interactions_and_status() {
    let before = Ticket {
        id: "9".into(),
        status: "Novo".into(),
        actions: vec![action("description")],
        ..Ticket::default()
    };
    assert_eq!(
        diff(None, &before, &at())[0].event.change.name(),
        "ticket_created"
    );
    let after = Ticket {
        status: "Resolvido".into(),
        base_status: BaseStatus::Resolved,
        actions: vec![action("description"), action("i1")],
        ..before.clone()
    };
    let events = diff(Some(&before), &after, &at());
    let names: Vec<_> = events.iter().map(|e| e.event.change.name()).collect();
    assert_eq!(names, ["action_added", "status_changed"]);
    assert_eq!(events[0].id, diff(Some(&before), &after, &at())[0].id);
    assert!(diff(Some(&after), &after, &at()).is_empty());
}
