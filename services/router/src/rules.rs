//! The integration rules, as a pure function of the event, the integration
//! and the link state. Kept free of I/O so every rule is unit-tested.

use ponte_core::{
    CanonicalEvent, Change, Command, Integration, Link, LinkOrigin, Mode, Operation, Side,
};

/// What the router does with one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Commands(Vec<Command>),
    /// Nothing to do, and why (for logs and metrics).
    Ignore(&'static str),
}

pub fn plan(
    integration: &Integration,
    event_id: &str,
    event: &CanonicalEvent,
    link: Option<&Link>,
) -> Decision {
    if !integration.enabled {
        return Decision::Ignore("integration_disabled");
    }
    match &event.change {
        Change::Hint => Decision::Commands(vec![Command {
            integration: integration.id.clone(),
            side: event.ticket.side,
            provider: event.ticket.provider,
            cause: event_id.to_string(),
            op: Operation::SyncTicket {
                ticket_id: event.ticket.ticket_id.clone(),
            },
        }]),
        Change::TicketCreated { ticket } => {
            if event.ticket.side != Side::Source {
                return Decision::Ignore("created_on_target");
            }
            if link.is_some() {
                return Decision::Ignore("already_linked");
            }
            if integration.mode != Mode::Automatic {
                return Decision::Ignore("manual_mode");
            }
            Decision::Commands(vec![Command {
                integration: integration.id.clone(),
                side: Side::Target,
                provider: integration.target.provider,
                cause: event_id.to_string(),
                op: Operation::CreateTicket {
                    link_id: Link::id_for(&integration.id, &event.ticket.ticket_id),
                    source: event.ticket.clone(),
                    ticket: ticket.clone(),
                    how: LinkOrigin::Automatic,
                },
            }])
        }
        Change::ActionAdded { .. }
        | Change::StatusChanged { .. }
        | Change::CustomFieldsChanged { .. } => Decision::Ignore("not_mirrored_yet"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use ponte_core::{Endpoint, Provider, Secret, Ticket, TicketRef};

    fn integration(mode: Mode) -> Integration {
        let ep = |s: &str| Endpoint {
            provider: Provider::Movidesk,
            base_url: "http://x".into(),
            credentials: [("token".to_string(), Secret::new("t"))].into(),
            inbound_secret: Secret::new(s),
        };
        Integration {
            id: "mm".into(),
            name: "mm".into(),
            enabled: true,
            mode,
            send_all_status_changes: true,
            client_key: Default::default(),
            create_missing_client: true,
            generator_agent: Some("g".into()),
            source: ep("a"),
            target: ep("b"),
            updated_at: None,
        }
    }

    fn created(side: Side) -> CanonicalEvent {
        CanonicalEvent {
            ticket: TicketRef {
                integration: "mm".into(),
                side,
                provider: Provider::Movidesk,
                ticket_id: "7".into(),
            },
            change: Change::TicketCreated {
                ticket: Box::new(Ticket {
                    id: "7".into(),
                    ..Ticket::default()
                }),
            },
        }
    }

    #[test]
    fn a_new_source_ticket_is_created_on_the_target_in_automatic_mode() {
        let Decision::Commands(cmds) = plan(
            &integration(Mode::Automatic),
            "e1",
            &created(Side::Source),
            None,
        ) else {
            panic!("expected a command");
        };
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0].side, Side::Target);
        assert_eq!(cmds[0].link_id(), Some("mm:7"));
    }

    #[test]
    fn no_counterpart_when_linked_manual_disabled_or_from_the_target() {
        let link = Link {
            id: "mm:7".into(),
            integration: "mm".into(),
            source_ticket: "7".into(),
            target_ticket: "9".into(),
            origin: LinkOrigin::Automatic,
            created_at: Utc::now(),
        };
        assert_eq!(
            plan(
                &integration(Mode::Automatic),
                "e",
                &created(Side::Source),
                Some(&link)
            ),
            Decision::Ignore("already_linked")
        );
        assert_eq!(
            plan(
                &integration(Mode::Manual),
                "e",
                &created(Side::Source),
                None
            ),
            Decision::Ignore("manual_mode")
        );
        assert_eq!(
            plan(
                &integration(Mode::Automatic),
                "e",
                &created(Side::Target),
                None
            ),
            Decision::Ignore("created_on_target")
        );
        let mut off = integration(Mode::Automatic);
        off.enabled = false;
        assert_eq!(
            plan(&off, "e", &created(Side::Source), None),
            Decision::Ignore("integration_disabled")
        );
    }

    #[test]
    fn a_hint_asks_the_same_side_to_re_read_the_ticket() {
        let mut e = created(Side::Target);
        e.change = Change::Hint;
        let Decision::Commands(cmds) = plan(&integration(Mode::Automatic), "e", &e, None) else {
            panic!("expected a sync");
        };
        assert_eq!(cmds[0].side, Side::Target);
        assert_eq!(
            cmds[0].op,
            Operation::SyncTicket {
                ticket_id: "7".into()
            }
        );
    }
}
