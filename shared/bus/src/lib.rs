//! RabbitMQ for Ponte: topology, a confirmed publisher that survives broker
//! restarts, a consumer loop, retry tiers and dead-letter queues.

mod census;
mod connection;
mod consumer;
mod deadletter;
mod error;
mod headers;
mod lanes;
mod nodes;
mod publish;
mod retry;
mod topology;

pub use census::Census;
pub use connection::{Bus, BusConfig};
pub use consumer::{Disposition, Handler, Incoming, run_consumer};
pub use deadletter::{CATEGORIES as DEAD_LETTER_CATEGORIES, DeadLetter, DeadLetterInfo, Selection};
pub use error::BusError;
pub use headers::{Headers, PRIORITY as PRIORITY_HEADER, SENT_BACK as SENT_BACK_HEADER};
pub use retry::RetryPolicy;
pub use topology::{Route, Topology};
