//! One instruction per file; shared account groups in `accounts.rs`, shared steps in
//! `settlement.rs` (payment, receipt, reputation) and `guarded.rs` (custody, price rule,
//! completion of a trading step).
// Every instruction module exports a `handler`; the glob re-exports exist for the Accounts
// types (and the client modules Anchor generates next to them), which `#[program]` needs in scope.
#![allow(ambiguous_glob_reexports)]

pub mod accounts;
pub mod approve_plan;
pub mod cancel_plan;
pub mod close_plan;
pub mod close_staging;
pub mod complete_service_step;
pub mod create_plan;
pub mod execute_liquidity_step;
pub mod execute_swap_step;
pub mod guarded;
pub mod mark_step_failed;
pub mod record_nav;
pub mod report_unfunded_step;
pub mod settlement;

pub use accounts::*;
pub use approve_plan::*;
pub use cancel_plan::*;
pub use close_plan::*;
pub use close_staging::*;
pub use complete_service_step::*;
pub use create_plan::*;
pub use execute_liquidity_step::*;
pub use execute_swap_step::*;
pub use mark_step_failed::*;
pub use record_nav::*;
pub use report_unfunded_step::*;
