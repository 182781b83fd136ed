//! UIS (CoMagic platform) cloud PBX: a telephony source only. UIS sends
//! HTTP notifications whose bodies are templates the customer pastes into
//! the UIS LK; Ponte owns those templates (`templates`, and
//! `docs/uis-templates.md`) and reads what UIS substitutes into them
//! liberally (`model`): numbers or strings, arrays or JSON-encoded arrays,
//! microsecond timestamps. `webhook` is what the ingress accepts,
//! `normalize` turns a notification into a canonical call event. There is
//! no `client` or `execute`: nothing is ever sent to UIS. Facts and their
//! sources are in `../shared/providers/okdesk-uis-blip.md`, Part 2.

mod fields;
pub mod model;
pub mod normalize;
pub mod templates;
pub mod time;
pub mod webhook;

pub use model::{Event, Notification};
pub use webhook::{Accepted, WebhookError, accept};
