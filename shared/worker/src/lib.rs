//! The runtime every provider worker shares: consume commands, record the
//! intent before acting, hand the command to the provider's executor,
//! publish what it derived, record the result, and turn failures into
//! scheduled retries or parked messages. Providers only write an
//! [`Executor`].

mod app;
pub mod budget;
mod busy;
pub mod dispatch;
pub mod effect;
mod endpoint;
mod executor;
mod handler;
pub mod handles;
pub mod http;
mod link_status;
pub mod metrics;
mod order;
mod pair;
pub mod token_api;
pub mod transport;
mod waiting;

pub use app::{StartError, Started, WorkerApp, bootstrap, run_worker};
pub use budget::Priority;
pub use dispatch::{Desk, dispatch};
pub use endpoint::endpoint_of;
pub use executor::{Ctx, Deferred, ExecError, Executed, Executor, Outcome};
pub use handles::Accounts;
pub use link_status::record_link_statuses;
pub use pair::pair_ticket;
