//! Benchmark phases that run on their own fleet (`ponte-bench --phase ...`).

pub mod calls;
pub mod warehouse;
