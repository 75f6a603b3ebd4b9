//! Account types. Each type owns its seed and checks its own invariant after every mutation.
#![deny(clippy::arithmetic_side_effects)]

pub mod agent;
pub mod attestation;
pub mod config;
pub mod payer_record;
pub mod reputation;
pub mod version;

pub use agent::*;
pub use attestation::*;
pub use config::*;
pub use payer_record::*;
pub use reputation::*;
pub use version::*;
