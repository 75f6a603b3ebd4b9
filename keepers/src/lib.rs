//! AgentRunner's keepers. Each cranks the next legal transition and holds no authority the
//! programs do not check; every action is idempotent ("already done" is success) and every
//! transaction is landed at most once ([`agentrunner_client::send`]).
//!
//! - [`planner`]: the RFPs of the plans it plans, and their awards.
//! - [`broker`]: a vendor's bids and guarded executions, with signed receipts.
//! - [`certifier`]: stages A–D (static, sandbox, constrained, SLO) with measured figures.
//! - [`anchorer`]: period roots, refunds of expired budgets, rent back from finished offers.
//!
//! [`crank`] runs each as a keeper: its operations every round over [`runtime`], with
//! [`settings`] (defaults < TOML < env < flags) and Prometheus [`metrics`]; the binaries in
//! `src/bin/` and `agentrunner keeper <name>` call it.
pub mod anchorer;
pub mod broker;
pub mod certifier;
pub mod crank;
pub mod journal;
pub mod metrics;
pub mod outcome;
pub mod planner;
pub mod runtime;
pub mod settings;
pub mod wake;

pub use outcome::Outcome;
