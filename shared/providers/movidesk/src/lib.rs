//! Movidesk, what its JSON means: API models, trigger webhooks (what the
//! ingress accepts), the normaliser (ticket → canonical events) and the
//! tags Ponte leaves on tickets. Pure: no I/O and no runtime, so the
//! ingress and the router link only this. The client, the executor and
//! reconciliation are `ponte-movidesk-io`. Facts and their sources are in
//! `../shared/providers/movidesk-octadesk.md`, Part 1.

pub mod de;
pub mod markers;
pub mod model;
pub mod normalize;
pub mod webhook;
