//! Why an event needed nothing done: a closed set, so every reason is a
//! metric label registered at start and a rule cannot invent a new one
//! by a typo.

/// Why the router did nothing for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// The event names an integration that no longer exists.
    UnknownIntegration,
    /// The webhook only reports Ponte's own write.
    OwnWrite,
    IntegrationDisabled,
    CounterpartCreated,
    LinkRemoved,
    UnlinkedTargetTicket,
    WarehouseStoresOnHint,
    CallFinished,
    CallOnTarget,
    /// The source ticket does not meet the integration's conditions (it
    /// leaves the eligible list).
    ConditionsNotMet,
    /// The source ticket is finished (it leaves the eligible list).
    FinishedTicket,
    /// Ponte's own mirrored action, reported back.
    OwnAction,
    /// Ponte's own status change, reported back.
    OwnStatus,
    OnlyReopenCrosses,
    AlreadyLinked,
    FieldsCrossOnlyAtOpening,
    NotATicketChange,
}

impl Ignored {
    pub const ALL: [Ignored; 17] = [
        Ignored::UnknownIntegration,
        Ignored::OwnWrite,
        Ignored::IntegrationDisabled,
        Ignored::CounterpartCreated,
        Ignored::LinkRemoved,
        Ignored::UnlinkedTargetTicket,
        Ignored::WarehouseStoresOnHint,
        Ignored::CallFinished,
        Ignored::CallOnTarget,
        Ignored::ConditionsNotMet,
        Ignored::FinishedTicket,
        Ignored::OwnAction,
        Ignored::OwnStatus,
        Ignored::OnlyReopenCrosses,
        Ignored::AlreadyLinked,
        Ignored::FieldsCrossOnlyAtOpening,
        Ignored::NotATicketChange,
    ];

    /// The label logs and metrics use.
    pub fn as_str(self) -> &'static str {
        match self {
            Ignored::UnknownIntegration => "unknown_integration",
            Ignored::OwnWrite => "own_write",
            Ignored::IntegrationDisabled => "integration_disabled",
            Ignored::CounterpartCreated => "counterpart_created",
            Ignored::LinkRemoved => "link_removed",
            Ignored::UnlinkedTargetTicket => "unlinked_target_ticket",
            Ignored::WarehouseStoresOnHint => "warehouse_stores_on_hint",
            Ignored::CallFinished => "call_finished",
            Ignored::CallOnTarget => "call_on_target",
            Ignored::ConditionsNotMet => "conditions_not_met",
            Ignored::FinishedTicket => "finished_ticket",
            Ignored::OwnAction => "own_action",
            Ignored::OwnStatus => "own_status",
            Ignored::OnlyReopenCrosses => "only_reopen_crosses",
            Ignored::AlreadyLinked => "already_linked",
            Ignored::FieldsCrossOnlyAtOpening => "fields_cross_only_at_opening",
            Ignored::NotATicketChange => "not_a_ticket_change",
        }
    }

    /// Ponte hearing its own write: counted as an echo dropped too.
    pub fn is_echo(self) -> bool {
        matches!(
            self,
            Ignored::OwnWrite | Ignored::OwnAction | Ignored::OwnStatus
        )
    }

    /// The source ticket stopped meeting the conditions: it leaves the
    /// eligible list.
    pub fn leaves_eligible(self) -> bool {
        matches!(self, Ignored::ConditionsNotMet | Ignored::FinishedTicket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_distinct_snake_case() {
        let mut labels: Vec<&str> = Ignored::ALL.iter().map(|r| r.as_str()).collect();
        assert!(
            labels
                .iter()
                .all(|l| l.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Ignored::ALL.len());
    }
}
