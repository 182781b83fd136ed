//! The `ponte` command line: the admin API's operations, declarative
//! `apply`, and `up`/`demo` to run the fleet on this machine. The fleet
//! launcher is a library so the end-to-end tests start the real binaries
//! the same way.

pub mod api;
pub mod apply;
pub mod demo;
pub mod demo_blip;
pub mod demo_warehouse;
pub mod export;
pub mod fleet;
pub mod manual;
pub mod output;
pub mod rebuild;
pub mod rotate_secret;
pub mod sandbox;
pub mod secrets;
pub mod warehouse;
