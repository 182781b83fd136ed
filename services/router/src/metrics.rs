//! The router's series, registered at start at zero for their closed
//! label sets.

use ponte_core::{Operation, Provider};
use ponte_telemetry::catalog;

use crate::ignored::Ignored;

pub(crate) fn register() {
    catalog::DUPLICATES.zero(&["router"]);
    for reason in Ignored::ALL {
        catalog::EVENTS_IGNORED.zero(&[reason.as_str()]);
        if reason.is_echo() {
            catalog::ECHOES_DROPPED.zero(&[reason.as_str()]);
        }
    }
    for provider in Provider::ALL {
        for op in Operation::NAMES {
            catalog::COMMANDS_SENT.zero(&[provider.as_str(), op]);
        }
    }
    catalog::DEAD_LETTERED.zero(&["router", "permanent"]);
}
