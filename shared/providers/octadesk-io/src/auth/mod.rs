//! Authentication: which flow an endpoint uses, the legacy logins, and the
//! token cache shared by the worker's tasks.

mod cache;
mod flow;
pub mod jwt;
mod login;

pub use cache::TokenCache;
pub use flow::{Api, Flow};
pub use login::login;
