//! A worker's series, registered at start at zero for its provider and
//! every operation; families with open label sets (accounts, integrations,
//! HTTP statuses) are described and fill in as they are used.

use ponte_core::{Operation, Provider};
use ponte_telemetry::catalog;

/// Reasons a worker parks a command in its dead-letter queue.
pub const DEAD_LETTER_REASONS: [&str; 3] = ["malformed", "permanent", "exhausted"];

/// Reasons the Okdesk worker gives for a caller card it could not pop.
pub const CALL_POP_SKIP_REASONS: [&str; 3] = [
    "no_employee_named",
    "employee_unmapped",
    "extension_unknown",
];

pub fn register(provider: Provider) {
    let p = provider.as_str();
    for reason in DEAD_LETTER_REASONS {
        catalog::DEAD_LETTERED.zero(&[p, reason]);
    }
    catalog::COMMANDS_HELD.zero(&[p]);
    catalog::COMMANDS_RELEASED.zero(&[p]);
    catalog::COMMANDS_SENT_BACK.zero(&[p]);
    catalog::COMMANDS_REPEATED.zero(&[p]);
    for op in Operation::NAMES {
        catalog::COMMANDS_DONE.zero(&[p, op]);
        catalog::RETRIES.zero(&[p, op]);
        catalog::COMMAND_SECONDS.zero(&[p, op]);
    }
    catalog::BACKPRESSURE_DELAYS.0.describe();
    catalog::COMMANDS_SET_ASIDE.0.describe();
    catalog::COMMANDS_WAITING.0.describe();
    catalog::PROVIDER_SECONDS.0.describe();
    match provider {
        Provider::Movidesk | Provider::Warehouse => {
            catalog::RATE_BUDGET_TAKEN.0.describe();
            catalog::RATE_BUDGET_WAIT.0.describe();
            catalog::RATE_BUDGET_DELAYS.0.describe();
            catalog::RATE_BUDGET_YIELDED.0.describe();
            if provider == Provider::Movidesk {
                catalog::RECONCILED.zero(&[p]);
                catalog::CUSTOM_FIELDS_DROPPED.zero(&[p]);
            }
        }
        Provider::Octadesk => catalog::OCTADESK_TOKEN_RENEWALS.zero(&[]),
        Provider::Okdesk => {
            for reason in CALL_POP_SKIP_REASONS {
                catalog::CALL_POPS_SKIPPED.zero(&[p, reason]);
            }
        }
        Provider::Uis | Provider::Blip => {}
    }
}
