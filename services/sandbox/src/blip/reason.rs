//! LIME reason codes (`reason: {code, description}`) used in failed command responses and failed
//! notifications. The numbers are those of the LIME protocol's `ReasonCodes` (lime-csharp), which Blip
//! uses; which code Blip's desk picks for each situation is not documented, so the sandbox's choices are
//! listed in the README.

use serde::Serialize;
use serde_json::{Value, json};

pub const GENERAL_ERROR: u32 = 1;
pub const VALIDATION_ERROR: u32 = 21;
pub const VALIDATION_EMPTY_DOCUMENT: u32 = 22;
/// "The sender is not authorized to send messages to the message destination": a message to a ticket
/// that is closed or not yet assigned.
pub const AUTHORIZATION_UNAUTHORIZED_SENDER: u32 = 32;
/// "The message destination was not found": a message to an unknown ticket or an unsimulated address.
pub const ROUTING_DESTINATION_NOT_FOUND: u32 = 42;
/// No processor for this command URI (or destination) in the sandbox.
pub const COMMAND_RESOURCE_NOT_SUPPORTED: u32 = 62;
/// The URI exists but not with this method.
pub const COMMAND_METHOD_NOT_SUPPORTED: u32 = 63;
/// Bad or missing resource field, unknown status, unknown agent.
pub const COMMAND_INVALID_ARGUMENT: u32 = 64;
/// The ticket is closed and cannot be updated any more.
pub const COMMAND_NOT_ALLOWED: u32 = 66;
/// The ticket does not exist.
pub const COMMAND_RESOURCE_NOT_FOUND: u32 = 67;

/// A LIME reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: u32,
    pub description: String,
}

impl Reason {
    pub fn new(code: u32, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({"code": self.code, "description": self.description})
    }
}
