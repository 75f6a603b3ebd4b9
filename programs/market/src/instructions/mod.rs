//! One instruction per file: Args, Accounts, `validate`, then the handler.
// Every instruction module exports a `handler`; the glob re-exports exist for the Accounts
// types (and the client modules Anchor generates next to them), which `#[program]` needs in scope.
#![allow(ambiguous_glob_reexports)]

pub mod award;
pub mod award_best;
pub mod cancel_rfp;
pub mod certified_agent;
pub mod close_offer;
pub mod close_rfp;
pub mod open_rfp;
pub mod submit_offer;
pub mod update_offer;
pub mod withdraw_offer;

pub use award::*;
pub use award_best::*;
pub use cancel_rfp::*;
pub use certified_agent::*;
pub use close_offer::*;
pub use close_rfp::*;
pub use open_rfp::*;
pub use submit_offer::*;
pub use update_offer::*;
pub use withdraw_offer::*;
