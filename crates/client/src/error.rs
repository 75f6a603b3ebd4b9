//! Client-side errors.
use anchor_lang::prelude::Pubkey;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("account {0} not found")]
    AccountNotFound(Pubkey),
    #[error("chain: {0}")]
    Chain(String),
    /// The endpoint could not answer now (transport failure, timeout, rate limit, unhealthy or
    /// lagging node): another endpoint may ([`crate::failover::Failover`]).
    #[error("endpoint unavailable: {0}")]
    Unavailable(String),
    /// Something asked for cannot be built or read as given: the message says what and why
    /// (a keypair file, a deployment, a plan not awarded yet, ...).
    #[error("{0}")]
    Build(String),
    #[error("invalid receipt: {0}")]
    InvalidReceipt(String),
    #[error("account {address} could not be decoded as {expected}: {reason}")]
    Decode {
        address: Pubkey,
        expected: &'static str,
        reason: String,
    },
}

pub type ClientResult<T> = Result<T, ClientError>;
