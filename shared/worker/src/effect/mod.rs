//! The effect-once sequences every provider shares, written once against a
//! narrow per-provider trait.

pub mod create;
pub mod unmark;

pub use create::{CounterpartDesk, Created, Pair, create_counterpart};
pub use unmark::{Marked, TagDesk, remove_marker};

#[cfg(test)]
mod tests;
