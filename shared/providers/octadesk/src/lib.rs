//! Octadesk, what its JSON means, for both public APIs (the legacy
//! `api.octadesk.services` one and the newer API-key one): the models, the
//! webhook the ingress accepts and the normaliser (ticket → canonical
//! events). Pure: no I/O and no runtime, so the ingress and the router link
//! only this. Authentication, the client and the executor are
//! `ponte-octadesk-io`. Facts and their sources:
//! `../shared/providers/movidesk-octadesk.md`, Part 2.

pub mod de;
pub mod model;
pub mod normalize;
pub mod webhook;
