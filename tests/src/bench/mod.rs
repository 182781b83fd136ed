//! Benchmark phases that run on their own fleet (`ponte-bench --phase ...`).

pub mod warehouse;
