//! Every event of a linked ticket tells the link that side's current
//! status (shown by the admin API, the CLI and the console), whatever the
//! rules then decide about it.

use ponte_core::{CanonicalEvent, Change};

/// The status an event shows its ticket in, if it carries the ticket.
pub(crate) fn reading(event: &CanonicalEvent) -> Option<&str> {
    match &event.change {
        Change::StatusChanged { to, .. } => Some(to.as_str()),
        // The announcement of a new counterpart carries only its number.
        Change::CounterpartCreated { .. } => None,
        other => other
            .ticket()
            .map(|t| t.status.as_str())
            .filter(|s| !s.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::{Provider, Side, Ticket, TicketRef};

    fn event(change: Change) -> CanonicalEvent {
        CanonicalEvent {
            ticket: TicketRef {
                integration: "mm".into(),
                side: Side::Target,
                provider: Provider::Movidesk,
                ticket_id: "7".into(),
            },
            change,
        }
    }

    #[test]
    fn a_status_change_and_any_ticket_reading_carry_the_status() {
        let ticket = Ticket {
            status: "Em atendimento".into(),
            ..Ticket::default()
        };
        let changed = event(Change::StatusChanged {
            from: Some("Novo".into()),
            to: "Resolvido".into(),
            changed_at: None,
            changed_by: None,
            reopened: false,
            ticket: Box::new(ticket.clone()),
        });
        assert_eq!(reading(&changed), Some("Resolvido"));
        let updated = event(Change::TicketUpdated {
            ticket: Box::new(ticket),
        });
        assert_eq!(reading(&updated), Some("Em atendimento"));
        let announced = event(Change::CounterpartCreated {
            link_id: "mm:1".into(),
            ticket: Box::new(Ticket::default()),
            source_ticket: "1".into(),
        });
        assert_eq!(reading(&announced), None);
        assert_eq!(reading(&event(Change::Hint)), None);
    }
}
