//! Ponte's vocabulary: providers, envelopes, canonical events and commands,
//! integrations and deterministic ids. No I/O lives here.

pub mod call;
pub mod command;
pub mod conditions;
pub mod correlation;
pub mod desk_view;
pub mod diff;
pub mod envelope;
pub mod error;
pub mod event;
pub mod ids;
pub mod integration;
pub mod link;
pub mod provider;
pub mod secret;
pub mod text;
pub mod ticket;
pub mod warehouse;

pub use call::Call;
pub use command::{Command, Operation};
pub use envelope::{Envelope, Message, MessageKind, WebhookBody};
pub use error::ValidationError;
pub use event::{CanonicalEvent, Change, Emitted, TicketRef};
pub use integration::{Endpoint, Integration, Mode, PreviousSecret, Side};
pub use link::{Link, LinkOrigin};
pub use provider::Provider;
pub use secret::Secret;
pub use ticket::{
    Action, Attachment, BaseStatus, CustomField, FieldFile, Person, Ticket, Visibility,
};
