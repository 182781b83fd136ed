//! The integration rules, as a pure function of the event, the integration
//! and the link state. Kept free of I/O so every rule is unit-tested.

use ponte_core::ids::has_reference;

use crate::ignored::Ignored;
use ponte_core::{
    CanonicalEvent, Change, Command, Integration, Link, LinkOrigin, Mode, Operation, Side, Ticket,
};

/// What the router does with one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Commands(Vec<Command>),
    /// Manual mode: the ticket meets the conditions; list it for agents.
    Eligible(Box<Ticket>),
    /// Nothing to do, and why (for logs and metrics). A source ticket that
    /// stopped meeting the conditions leaves the eligible list.
    Ignore(Ignored),
}

/// What the router knows besides the event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    pub link: Option<&'a Link>,
    /// No link yet, but Ponte's marker on the ticket names the pair whose
    /// create is in flight (the id of that link).
    pub pending: Option<&'a str>,
    /// The pair's link was removed by an agent: nothing crosses any more.
    pub removed: bool,
    /// The status change is one Ponte made itself (its echo mark was found).
    pub status_echo: bool,
}

pub fn plan(
    integration: &Integration,
    event_id: &str,
    event: &CanonicalEvent,
    facts: Facts<'_>,
) -> Decision {
    if !integration.enabled {
        return Decision::Ignore(Ignored::IntegrationDisabled);
    }
    let side = event.ticket.side;
    if integration.target.provider.is_warehouse() {
        return warehouse(integration, event_id, event);
    }
    if let Some(decision) = calls(integration, event_id, event) {
        return decision;
    }
    if let Change::CounterpartCreated {
        link_id,
        ticket,
        source_ticket,
    } = &event.change
    {
        // Queued by a worker before decision 99; a worker now sends what
        // the source needs itself, under the same command id.
        return Command::after_created(integration, side, event_id, link_id, ticket, source_ticket)
            .map_or(Decision::Ignore(Ignored::CounterpartCreated), |c| {
                Decision::Commands(vec![c])
            });
    }
    let Some(ticket) = event.change.ticket() else {
        // A hint: re-read the ticket on the side it came from.
        return Decision::Commands(vec![Command::new(
            integration,
            side,
            event_id,
            Operation::SyncTicket {
                ticket_id: event.ticket.ticket_id.clone(),
            },
        )]);
    };
    if let Some(link) = facts.link {
        return mirror(integration, event_id, event, &link.id, facts);
    }
    if facts.removed {
        return Decision::Ignore(Ignored::LinkRemoved);
    }
    match (side, facts.pending) {
        (Side::Target, Some(pending)) => mirror(integration, event_id, event, pending, facts),
        (Side::Target, None) => Decision::Ignore(Ignored::UnlinkedTargetTicket),
        (Side::Source, _) => unlinked(integration, event_id, event, ticket, facts),
    }
}

/// A warehouse target copies the source ticket: every hint (webhook or
/// reconciliation) becomes one read-and-store on the warehouse's queue,
/// ordered per ticket. There are no links and nothing crosses back.
fn warehouse(integration: &Integration, event_id: &str, event: &CanonicalEvent) -> Decision {
    match (&event.change, event.ticket.side) {
        (Change::Hint, Side::Source) => Decision::Commands(vec![Command::new(
            integration,
            Side::Target,
            event_id,
            Operation::SyncTicket {
                ticket_id: event.ticket.ticket_id.clone(),
            },
        )]),
        _ => Decision::Ignore(Ignored::WarehouseStoresOnHint),
    }
}

/// A telephony source's calls become desk commands; they have no link.
fn calls(integration: &Integration, event_id: &str, event: &CanonicalEvent) -> Option<Decision> {
    let op = match &event.change {
        Change::CallRinging { call } => Operation::PopCallerCard { call: call.clone() },
        Change::CallRecorded { call } => Operation::LogCall { call: call.clone() },
        Change::CallLost { call } => Operation::OpenMissedCallTicket { call: call.clone() },
        Change::CallFinished { .. } => return Some(Decision::Ignore(Ignored::CallFinished)),
        _ => return None,
    };
    if event.ticket.side != Side::Source {
        return Some(Decision::Ignore(Ignored::CallOnTarget));
    }
    Some(Decision::Commands(vec![Command::new(
        integration,
        Side::Target,
        event_id,
        op,
    )]))
}

/// A source ticket without a counterpart: does it (now) meet the conditions?
fn unlinked(
    integration: &Integration,
    event_id: &str,
    event: &CanonicalEvent,
    ticket: &Ticket,
    facts: Facts<'_>,
) -> Decision {
    if !integration.conditions.matches(ticket) {
        return Decision::Ignore(Ignored::ConditionsNotMet);
    }
    let is_new = matches!(event.change, Change::TicketCreated { .. });
    if !is_new && ticket.base_status.is_finished() {
        return Decision::Ignore(Ignored::FinishedTicket);
    }
    match integration.mode {
        Mode::Manual => Decision::Eligible(Box::new(ticket.clone())),
        Mode::Automatic => {
            let link_id = Link::id_for(&integration.id, &event.ticket.ticket_id);
            let mut commands = vec![Command::new(
                integration,
                Side::Target,
                event_id,
                Operation::CreateTicket {
                    link_id: link_id.clone(),
                    source: event.ticket.clone(),
                    ticket: Box::new(ticket.clone()),
                    how: LinkOrigin::Automatic,
                },
            )];
            // A change that arrives while the counterpart is being created
            // still crosses: its command runs after the create, on the
            // pair's shard. (A create that finds the link is a no-op.)
            if !is_new
                && let Decision::Commands(more) =
                    mirror(integration, event_id, event, &link_id, facts)
            {
                commands.extend(more);
            }
            Decision::Commands(commands)
        }
    }
}

/// What crosses from one ticket of a pair to the other.
fn mirror(
    integration: &Integration,
    event_id: &str,
    event: &CanonicalEvent,
    link_id: &str,
    facts: Facts<'_>,
) -> Decision {
    let side = event.ticket.side;
    let other = side.other();
    let own_agent = integration.agent(side);
    match &event.change {
        Change::ActionAdded { action, ticket } => {
            let by_ponte =
                has_reference(&action.text) || action.html.as_deref().is_some_and(has_reference);
            if by_ponte || (action.author.id.is_some() && action.author.id.as_deref() == own_agent)
            {
                return Decision::Ignore(Ignored::OwnAction);
            }
            // Custom-field edits on the integrated side travel back with
            // its next action.
            let fields = match side {
                Side::Target => ticket.custom_fields.clone(),
                Side::Source => vec![],
            };
            Decision::Commands(vec![Command::new(
                integration,
                other,
                event_id,
                Operation::AddAction {
                    link_id: link_id.to_string(),
                    origin: event.ticket.clone(),
                    action: Box::new(action.clone()),
                    fields,
                    from_customer: integration.endpoint(side).provider.is_channel(),
                },
            )])
        }
        Change::StatusChanged {
            to,
            changed_at,
            changed_by,
            reopened,
            ticket,
            ..
        } => {
            let by_ponte = changed_by.is_some() && changed_by.as_deref() == own_agent;
            if facts.status_echo || by_ponte {
                return Decision::Ignore(Ignored::OwnStatus);
            }
            if side == Side::Source && !integration.send_all_status_changes && !reopened {
                return Decision::Ignore(Ignored::OnlyReopenCrosses);
            }
            let changed_at = changed_at
                .or(ticket.updated_at)
                .unwrap_or_else(chrono::Utc::now);
            Decision::Commands(vec![Command::new(
                integration,
                other,
                event_id,
                Operation::ChangeStatus {
                    link_id: link_id.to_string(),
                    origin: event.ticket.clone(),
                    status: to.clone(),
                    base_status: ticket.base_status.clone(),
                    changed_at,
                    justification: ticket.justification.clone(),
                },
            )])
        }
        Change::TicketCreated { .. } => Decision::Ignore(Ignored::AlreadyLinked),
        Change::CustomFieldsChanged { .. } | Change::TicketUpdated { .. } => {
            Decision::Ignore(Ignored::FieldsCrossOnlyAtOpening)
        }
        Change::Hint
        | Change::CounterpartCreated { .. }
        | Change::CallRinging { .. }
        | Change::CallRecorded { .. }
        | Change::CallLost { .. }
        | Change::CallFinished { .. } => Decision::Ignore(Ignored::NotATicketChange),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use ponte_core::conditions::{Condition, Conditions, Op};
    use ponte_core::{
        Action, BaseStatus, Endpoint, Person, Provider, Secret, TicketRef, Visibility,
    };

    fn integration(mode: Mode) -> Integration {
        let ep = |s: &str| Endpoint {
            provider: Provider::Movidesk,
            base_url: "http://x".into(),
            credentials: [("token".to_string(), Secret::new("t"))].into(),
            inbound_secret: Secret::new(s),
            previous_inbound_secret: None,
            inbound_header: None,
            rate_per_second: 0,
            view: Default::default(),
            client_organization: None,
        };
        Integration {
            id: "mm".into(),
            name: "mm".into(),
            enabled: true,
            mode,
            send_all_status_changes: true,
            client_key: Default::default(),
            create_missing_client: true,
            generator_agent: Some("gen-b".into()),
            source_agent: Some("ponte-a".into()),
            conditions: Conditions::default(),
            correlation: Default::default(),
            telephony: Default::default(),
            reconcile_every_secs: 0,
            source: ep("a"),
            target: ep("b"),
            updated_at: None,
        }
    }

    fn at(side: Side) -> TicketRef {
        TicketRef {
            integration: "mm".into(),
            side,
            provider: Provider::Movidesk,
            ticket_id: if side == Side::Source {
                "7".into()
            } else {
                "9".into()
            },
        }
    }

    fn ticket() -> Box<Ticket> {
        Box::new(Ticket {
            id: "7".into(),
            category: Some("Hardware".into()),
            ..Ticket::default()
        })
    }

    fn event(side: Side, change: Change) -> CanonicalEvent {
        CanonicalEvent {
            ticket: at(side),
            change,
        }
    }

    fn link() -> Link {
        Link {
            id: "mm:7".into(),
            integration: "mm".into(),
            source_ticket: "7".into(),
            target_ticket: "9".into(),
            origin: LinkOrigin::Automatic,
            created_at: Utc::now(),
        }
    }

    fn action(author: &str) -> Action {
        Action {
            id: "2".into(),
            visibility: Visibility::Public,
            text: "hi".into(),
            html: None,
            author: Person {
                id: Some(author.into()),
                ..Person::default()
            },
            created_at: None,
            attachments: vec![],
        }
    }

    fn status(reopened: bool, by: Option<&str>) -> Change {
        Change::StatusChanged {
            from: Some("Resolvido".into()),
            to: "Novo".into(),
            changed_at: Some(Utc::now()),
            changed_by: by.map(str::to_string),
            reopened,
            ticket: ticket(),
        }
    }

    fn commands(d: Decision) -> Vec<Command> {
        match d {
            Decision::Commands(c) => c,
            other => panic!("expected commands, got {other:?}"),
        }
    }

    #[test]
    fn a_new_source_ticket_is_created_on_the_target_in_automatic_mode() {
        let cmds = commands(plan(
            &integration(Mode::Automatic),
            "e1",
            &event(Side::Source, Change::TicketCreated { ticket: ticket() }),
            Facts::default(),
        ));
        assert_eq!(cmds[0].side, Side::Target);
        assert_eq!(cmds[0].link_id(), Some("mm:7"));
    }

    #[test]
    fn a_movidesk_source_is_marked_by_its_own_worker_when_another_desk_created_the_counterpart() {
        let created = |i: &Integration| {
            plan(
                i,
                "e",
                &event(
                    Side::Target,
                    Change::CounterpartCreated {
                        link_id: "mm:7".into(),
                        ticket: Box::new(Ticket {
                            id: "9".into(),
                            ..Ticket::default()
                        }),
                        source_ticket: "7".into(),
                    },
                ),
                Facts::default(),
            )
        };
        let mut octa = integration(Mode::Automatic);
        octa.target.provider = Provider::Octadesk;
        let cmds = commands(created(&octa));
        assert_eq!(cmds[0].side, Side::Source);
        assert_eq!(cmds[0].provider, Provider::Movidesk);
        assert_eq!(
            cmds[0].op,
            Operation::MarkLinked {
                link_id: "mm:7".into(),
                ticket_id: "7".into(),
                counterpart: "9".into()
            }
        );
        // Movidesk ↔ Movidesk: the creating worker marked the source itself.
        assert!(matches!(
            created(&integration(Mode::Automatic)),
            Decision::Ignore(_)
        ));
    }

    #[test]
    fn manual_mode_lists_eligible_tickets() {
        let d = plan(
            &integration(Mode::Manual),
            "e",
            &event(Side::Source, Change::TicketCreated { ticket: ticket() }),
            Facts::default(),
        );
        assert!(matches!(d, Decision::Eligible(_)));
    }

    #[test]
    fn conditions_decide_and_open_tickets_can_start_meeting_them() {
        let mut i = integration(Mode::Automatic);
        i.conditions.rules = vec![Condition {
            field: "category".into(),
            op: Op::Eq,
            value: Some("Rede".into()),
            values: vec![],
        }];
        let created = event(Side::Source, Change::TicketCreated { ticket: ticket() });
        assert_eq!(
            plan(&i, "e", &created, Facts::default()),
            Decision::Ignore(Ignored::ConditionsNotMet)
        );
        let mut now_rede = ticket();
        now_rede.category = Some("Rede".into());
        let updated = event(
            Side::Source,
            Change::TicketUpdated {
                ticket: now_rede.clone(),
            },
        );
        assert_eq!(
            commands(plan(&i, "e2", &updated, Facts::default()))[0]
                .op
                .name(),
            "create_ticket"
        );
        now_rede.base_status = BaseStatus::Closed;
        let closed = event(Side::Source, Change::TicketUpdated { ticket: now_rede });
        assert_eq!(
            plan(&i, "e3", &closed, Facts::default()),
            Decision::Ignore(Ignored::FinishedTicket)
        );
    }

    #[test]
    fn actions_cross_both_ways_but_never_ponte_s_own() {
        let i = integration(Mode::Automatic);
        let l = link();
        let facts = Facts {
            link: Some(&l),
            ..Facts::default()
        };
        let from_a = commands(plan(
            &i,
            "e",
            &event(
                Side::Source,
                Change::ActionAdded {
                    action: action("ana"),
                    ticket: ticket(),
                },
            ),
            facts,
        ));
        assert_eq!(
            (from_a[0].side, from_a[0].op.name()),
            (Side::Target, "add_action")
        );
        let from_b = commands(plan(
            &i,
            "e",
            &event(
                Side::Target,
                Change::ActionAdded {
                    action: action("bob"),
                    ticket: ticket(),
                },
            ),
            facts,
        ));
        assert_eq!(from_b[0].side, Side::Source);
        let Operation::AddAction { link_id, .. } = &from_b[0].op else {
            panic!()
        };
        assert_eq!(link_id, "mm:7");
        assert_eq!(
            plan(
                &i,
                "e",
                &event(
                    Side::Target,
                    Change::ActionAdded {
                        action: action("gen-b"),
                        ticket: ticket()
                    }
                ),
                facts
            ),
            Decision::Ignore(Ignored::OwnAction)
        );
        assert_eq!(
            plan(
                &i,
                "e",
                &event(
                    Side::Source,
                    Change::ActionAdded {
                        action: action("ponte-a"),
                        ticket: ticket()
                    }
                ),
                facts
            ),
            Decision::Ignore(Ignored::OwnAction)
        );
    }

    #[test]
    fn status_flag_reopen_only_and_echoes() {
        let mut i = integration(Mode::Automatic);
        let l = link();
        let facts = Facts {
            link: Some(&l),
            ..Facts::default()
        };
        assert_eq!(
            commands(plan(
                &i,
                "e",
                &event(Side::Source, status(false, None)),
                facts
            ))[0]
                .op
                .name(),
            "change_status"
        );
        i.send_all_status_changes = false;
        assert_eq!(
            plan(&i, "e", &event(Side::Source, status(false, None)), facts),
            Decision::Ignore(Ignored::OnlyReopenCrosses)
        );
        assert_eq!(
            commands(plan(
                &i,
                "e",
                &event(Side::Source, status(true, None)),
                facts
            ))
            .len(),
            1
        );
        assert_eq!(
            commands(plan(
                &i,
                "e",
                &event(Side::Target, status(false, None)),
                facts
            ))
            .len(),
            1,
            "the integrated side always comes back"
        );
        let echo = Facts {
            link: Some(&l),
            status_echo: true,
            ..Facts::default()
        };
        assert_eq!(
            plan(&i, "e", &event(Side::Target, status(false, None)), echo),
            Decision::Ignore(Ignored::OwnStatus)
        );
        assert_eq!(
            plan(
                &i,
                "e",
                &event(Side::Target, status(false, Some("gen-b"))),
                facts
            ),
            Decision::Ignore(Ignored::OwnStatus)
        );
    }

    #[test]
    fn changes_during_the_create_still_cross_and_removed_links_stay_silent() {
        let i = integration(Mode::Automatic);
        let from_a = commands(plan(
            &i,
            "e",
            &event(
                Side::Source,
                Change::ActionAdded {
                    action: action("ana"),
                    ticket: ticket(),
                },
            ),
            Facts::default(),
        ));
        let ops: Vec<_> = from_a.iter().map(|c| c.op.name()).collect();
        assert_eq!(
            ops,
            ["create_ticket", "add_action"],
            "the action follows the create on the pair's shard"
        );
        let pending = Facts {
            pending: Some("mm:7"),
            ..Facts::default()
        };
        let from_b = commands(plan(
            &i,
            "e",
            &event(
                Side::Target,
                Change::ActionAdded {
                    action: action("bob"),
                    ticket: ticket(),
                },
            ),
            pending,
        ));
        assert_eq!(from_b[0].link_id(), Some("mm:7"));
        let removed = Facts {
            removed: true,
            ..Facts::default()
        };
        assert_eq!(
            plan(
                &i,
                "e",
                &event(
                    Side::Source,
                    Change::ActionAdded {
                        action: action("ana"),
                        ticket: ticket()
                    }
                ),
                removed
            ),
            Decision::Ignore(Ignored::LinkRemoved)
        );
        assert_eq!(
            plan(
                &i,
                "e",
                &event(
                    Side::Target,
                    Change::ActionAdded {
                        action: action("bob"),
                        ticket: ticket()
                    }
                ),
                Facts::default()
            ),
            Decision::Ignore(Ignored::UnlinkedTargetTicket)
        );
    }

    #[test]
    fn a_hint_asks_the_same_side_to_re_read_the_ticket() {
        let cmds = commands(plan(
            &integration(Mode::Automatic),
            "e",
            &event(Side::Target, Change::Hint),
            Facts::default(),
        ));
        assert_eq!(cmds[0].side, Side::Target);
        assert_eq!(
            cmds[0].op,
            Operation::SyncTicket {
                ticket_id: "9".into()
            }
        );
    }

    #[test]
    fn a_warehouse_target_stores_every_source_hint_and_nothing_else() {
        let mut i = integration(Mode::Automatic);
        i.target.provider = Provider::Warehouse;
        i.target.base_url = "postgres://dw@127.0.0.1/dw".into();
        let d = plan(
            &i,
            "e1",
            &event(Side::Source, Change::Hint),
            Facts::default(),
        );
        let Decision::Commands(commands) = d else {
            panic!("expected a command, got {d:?}");
        };
        assert_eq!(commands.len(), 1);
        assert_eq!(commands[0].provider, Provider::Warehouse);
        assert_eq!(commands[0].side, Side::Target);
        assert_eq!(
            commands[0].op,
            Operation::SyncTicket {
                ticket_id: "7".into()
            }
        );
        let created = event(Side::Source, Change::TicketCreated { ticket: ticket() });
        assert_eq!(
            plan(&i, "e2", &created, Facts::default()),
            Decision::Ignore(Ignored::WarehouseStoresOnHint)
        );
        i.enabled = false;
        assert_eq!(
            plan(
                &i,
                "e3",
                &event(Side::Source, Change::Hint),
                Facts::default()
            ),
            Decision::Ignore(Ignored::IntegrationDisabled)
        );
    }
}
