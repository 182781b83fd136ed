//! Okdesk, what its JSON means: API models, outgoing webhooks
//! (`{event, issue}`) and the normaliser (webhook → canonical events).
//! Pure: no I/O and no runtime, so the ingress and the router link only
//! this. The client and the executor are `ponte-okdesk-io`. Facts and their
//! sources are in `../shared/providers/okdesk-uis-blip.md`, Part 1.

pub mod de;
pub mod model;
pub mod normalize;
pub mod webhook;
