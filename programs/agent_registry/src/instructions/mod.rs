//! One instruction per file: Args, Accounts, `validate`, then the handler.
// Every instruction module exports a `handler`; the glob re-exports exist for the Accounts
// types (and the client modules Anchor generates next to them), which `#[program]` needs in scope.
#![allow(ambiguous_glob_reexports)]
pub mod attest;
pub mod init_config;
pub mod publish_version;
pub mod record_outcome;
pub mod register_agent;
pub mod revoke_attestation;
pub mod set_admin;
pub mod set_certifiers;
pub mod set_outcome_recorder;
pub mod set_quorum;
pub mod set_status;
pub mod update_agent;

pub use attest::*;
pub use init_config::*;
pub use publish_version::*;
pub use record_outcome::*;
pub use register_agent::*;
pub use revoke_attestation::*;
pub use set_admin::*;
pub use set_certifiers::*;
pub use set_outcome_recorder::*;
pub use set_quorum::*;
pub use set_status::*;
pub use update_agent::*;
