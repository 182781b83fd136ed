//! The router's series, registered at start at zero for their closed
//! label sets.

use ponte_core::{Operation, Provider};
use ponte_telemetry::catalog;

/// Every reason the router gives for an event that needed nothing done:
/// the rules' `Decision::Ignore` reasons, an unknown integration and a
/// webhook reporting Ponte's own write.
pub(crate) const IGNORE_REASONS: [&str; 17] = [
    "unknown_integration",
    "own_write",
    "integration_disabled",
    "counterpart_created",
    "link_removed",
    "unlinked_target_ticket",
    "warehouse_stores_on_hint",
    "call_finished",
    "call_on_target",
    "conditions_not_met",
    "finished_ticket",
    "own_action",
    "own_status",
    "only_reopen_crosses",
    "already_linked",
    "fields_cross_only_at_opening",
    "not_a_ticket_change",
];

pub(crate) fn register() {
    catalog::DUPLICATES.zero(&["router"]);
    for reason in IGNORE_REASONS {
        catalog::EVENTS_IGNORED.zero(&[reason]);
    }
    for kind in ["own_status", "own_action", "own_write"] {
        catalog::ECHOES_DROPPED.zero(&[kind]);
    }
    for provider in Provider::ALL {
        for op in Operation::NAMES {
            catalog::COMMANDS_SENT.zero(&[provider.as_str(), op]);
        }
    }
    catalog::DEAD_LETTERED.zero(&["router", "permanent"]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `Decision::Ignore("…")` in the rules is registered.
    #[test]
    fn every_ignore_reason_of_the_rules_is_registered() {
        let rules = include_str!("rules.rs");
        let missing: Vec<&str> = rules
            .split("Decision::Ignore(\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|r| !IGNORE_REASONS.contains(r))
            .collect();
        assert!(missing.is_empty(), "not registered: {missing:?}");
    }
}
