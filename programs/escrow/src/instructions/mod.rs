//! One instruction per file: Args, Accounts, `validate`, then the handler.
// Every instruction module exports a `handler`; the glob re-exports exist for the Accounts
// types (and the client modules Anchor generates next to them), which `#[program]` needs in scope.
#![allow(ambiguous_glob_reexports)]

pub mod budget_vault;
pub mod close_budget;
pub mod close_grant;
pub mod issue_grant;
pub mod issue_grants;
pub mod open_budget;
pub mod redeem;
pub mod refund;
pub mod revoke_grant;
pub mod set_session_key;
pub mod settle_voucher;
pub mod top_up;

pub use budget_vault::*;
pub use close_budget::*;
pub use close_grant::*;
pub use issue_grant::*;
pub use issue_grants::*;
pub use open_budget::*;
pub use redeem::*;
pub use refund::*;
pub use revoke_grant::*;
pub use set_session_key::*;
pub use settle_voucher::*;
pub use top_up::*;
