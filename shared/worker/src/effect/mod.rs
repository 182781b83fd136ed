//! The effect-once sequences every provider shares, written once against a
//! narrow per-provider trait.

pub mod create;

pub use create::{CounterpartDesk, Created, Pair, create_counterpart};

#[cfg(test)]
mod tests;
