//! Take Blip's custom attendance channel (provider `Webhook`), what its
//! JSON means: LIME envelopes, the desk extension's resources, message
//! contents rendered as text, and the normaliser (envelope → canonical
//! events). Pure: no I/O and no runtime, so the ingress and the router link
//! only this. The client and the executor are `ponte-blip-io`. Facts and
//! sources: `../shared/providers/okdesk-uis-blip.md`, Part 3.

pub mod content;
pub mod model;
pub mod normalize;
pub mod webhook;
