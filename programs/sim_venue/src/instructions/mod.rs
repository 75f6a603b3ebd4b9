//! One instruction per file.
// Every instruction module exports a `handler`; the glob re-exports exist for the Accounts
// types (and the client modules Anchor generates next to them), which `#[program]` needs in scope.
#![allow(ambiguous_glob_reexports)]

pub mod create_pool;
pub mod liquidity;
pub mod swap;
pub mod zap;

pub use create_pool::*;
pub use liquidity::*;
pub use swap::*;
pub use zap::*;
