//! The four keepers as runnable cranks: each `run` takes a command line (program name first),
//! starts a [`Keeper`](crate::runtime::Keeper) and runs its operations. The keeper binaries
//! and `agentrunner keeper <name>` both call these.
use crate::{runtime::Report, Outcome};

pub mod anchorer;
pub mod broker;
pub mod certifier;
pub mod planner;

/// A batch's outcomes as a report, each item named by its key.
fn labelled<K: std::fmt::Display>(outcomes: impl IntoIterator<Item = (K, Outcome)>) -> Report {
    outcomes
        .into_iter()
        .map(|(item, outcome)| (item.to_string(), outcome))
        .collect()
}

/// A batch's results as a report: a refused item is a failed item, not a failed run.
fn report<K: std::fmt::Display, E: std::fmt::Display>(
    results: impl IntoIterator<Item = (K, Result<Outcome, E>)>,
) -> Report {
    labelled(results.into_iter().map(|(item, result)| {
        (
            item,
            result.unwrap_or_else(|e| Outcome::Failed(e.to_string())),
        )
    }))
}
