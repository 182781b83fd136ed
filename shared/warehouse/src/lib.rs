//! The Movidesk warehouse: Kondado's data model (seed 001) in PostgreSQL, kept current by the live
//! path (every ticket change read once and written in one transaction), a resumable backfill, and
//! a scheduled refresh of the objects Movidesk sends no webhook for (persons, surveys).
//!
//! Rooms: `schema` (tables as data), `cell` (JSON value → column value), `map` (objects → rows),
//! `db` (migrations, transactions, cursors, status), `targets` (one pool per integration),
//! `execute` (the worker's executor), `source` (paged reads from Movidesk), `backfill`, `refresh`.

pub mod backfill;
pub mod cell;
pub mod db;
pub mod execute;
pub mod map;
pub mod refresh;
pub mod schema;
pub mod source;
pub mod targets;

pub use db::{DbError, Warehouse, Written};
pub use execute::WarehouseExecutor;
pub use targets::Targets;
