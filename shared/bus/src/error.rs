#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("broker unreachable: {0}")]
    Unreachable(String),
    #[error("broker did not confirm the message: {0}")]
    NotConfirmed(String),
    #[error("no queue is bound for route `{0}`; was the topology declared?")]
    Unroutable(String),
    #[error("broker refused the topology: {0}")]
    Topology(String),
    #[error("unknown dead-letter queue `{0}`")]
    UnknownQueue(String),
}

impl From<lapin::Error> for BusError {
    fn from(e: lapin::Error) -> Self {
        BusError::Unreachable(e.to_string())
    }
}
