//! Pieces shared by every provider simulator: request log, fault injection, rate limits and lockouts,
//! webhook delivery, date formats, secret redaction and the control-API error shape.

pub mod config;
pub mod control;
pub mod delivery;
pub mod error;
pub mod faults;
pub mod gate;
pub mod limits;
pub mod outbox;
pub mod redact;
pub mod requests;
pub mod tenants;
pub mod time;
pub mod zones;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks a mutex, recovering the data if another thread panicked while holding it.
///
/// The sandbox state stays usable after a panic in one handler: a poisoned lock only means a handler
/// died mid-request, and every mutation is applied to a copy first, so the state is still consistent.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
