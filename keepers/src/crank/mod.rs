//! The four keepers as runnable cranks: each `run` takes a command line (program name first),
//! starts a [`Keeper`](crate::runtime::Keeper) and runs its operations. The keeper binaries
//! and `agentrunner keeper <name>` both call these.
use crate::{runtime::Report, Outcome};

pub mod anchorer;
pub mod broker;
pub mod certifier;
pub mod planner;

/// A batch's results as a report: a refused item is a failed item, not a failed run.
fn report<K: std::fmt::Display, E: std::fmt::Display>(
    results: impl IntoIterator<Item = (K, Result<Outcome, E>)>,
) -> Report {
    results
        .into_iter()
        .map(|(item, result)| {
            let outcome = result.unwrap_or_else(|e| Outcome::Failed(e.to_string()));
            (item.to_string(), outcome)
        })
        .collect()
}
