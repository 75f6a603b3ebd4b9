//! The AgentRunner test harness, over the embedded chain.
//!
//! - [`context::TestContext`]: one fresh chain per test, funded wallets, per-program clients.
//! - [`assertions`]: exact-error assertions and byte-identical account snapshots.
//! - [`certifier_world`]: a registered vendor's agent and a certifier, for the certifier suites.
//! - [`clients`]: one client per program, one async method per instruction.
//! - [`faults`]: the chain behind a misbehaving network (lost responses, crashes) for K-tests.
//! - [`fixtures`]: compound setups (a configured registry, a certified vendor).
//! - [`hostile_venue`]: a venue a dishonest vendor controls, for the custody attacks.
//! - [`keeper_world`]: a localnet with one awarded, approved swap, for the keeper suites.
//! - [`rpc_proxy`]: a JSON-RPC endpoint that rate-limits, lags or hangs on cue, for K-06..K-08.
//! - [`runner_world`]: a deployment for guarded executions and an approved plan.
//! - [`mutation`]: the account-mutation matrix (docs/SECURITY-TESTPLAN.md §3, Layer 1).
//! - [`model`]: the randomized, model-based run across every program (§3, Layer 2).
#![allow(clippy::result_large_err)]

pub mod assertions;
pub mod certifier_world;
pub mod clients;
pub mod context;
pub mod faults;
pub mod fixtures;
pub mod hostile_venue;
pub mod keeper_world;
pub mod model;
pub mod mutation;
pub mod rpc_proxy;
pub mod runner_world;

pub use assertions::{assert_error, error_code, Snapshot};
pub use context::TestContext;

/// The seeds of a `tests/regressions/*.seeds` file: one per line; blank lines and `#` comments
/// are skipped.
pub fn regression_seeds(text: &str) -> Vec<u64> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.parse().expect("a seed is a u64"))
        .collect()
}
