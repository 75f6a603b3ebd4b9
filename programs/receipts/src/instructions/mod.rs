//! One instruction per file: Args, Accounts, `validate`, then the handler.
// Every instruction module exports a `handler`; the glob re-exports exist for the Accounts
// types (and the client modules Anchor generates next to them), which `#[program]` needs in scope.
#![allow(ambiguous_glob_reexports)]

pub mod anchor_period;
pub mod append_receipt;
pub mod create_tree;
pub mod init_config;
pub mod provision_tree;
pub mod set_writers;
pub mod verify_receipt;
pub mod verify_receipt_live;

pub use anchor_period::*;
pub use append_receipt::*;
pub use create_tree::*;
pub use init_config::*;
pub use provision_tree::*;
pub use set_writers::*;
pub use verify_receipt::*;
pub use verify_receipt_live::*;
