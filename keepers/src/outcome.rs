//! What one keeper action came to. Keepers crank idempotent transitions: a refusal that means
//! "someone already did this" is success, not an error (docs/SECURITY-TESTPLAN.md §6.3 rule 1).
use agentrunner_client::send::{Landed, SendError};

/// The result of one action.
#[derive(Debug)]
pub enum Outcome {
    /// This keeper's transaction landed.
    Done(Landed),
    /// The transition had already happened (by this keeper before a restart, or by another).
    AlreadyDone(String),
    /// Not this keeper's to do now (not ready, not eligible, outside its limits).
    Skipped(String),
    /// This item of a batch failed; the rest of the batch went on and the item is retried next
    /// round (docs/SECURITY-TESTPLAN.md K-13: no failed batch).
    Failed(String),
}

impl Outcome {
    /// Whether the transition now holds (done by anyone).
    pub fn holds(&self) -> bool {
        matches!(self, Outcome::Done(_) | Outcome::AlreadyDone(_))
    }

    /// A short human description.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Done(landed) => format!("landed {}", landed.signature),
            Outcome::AlreadyDone(why) => format!("already done: {why}"),
            Outcome::Skipped(why) => format!("skipped: {why}"),
            Outcome::Failed(why) => format!("failed, retried next round: {why}"),
        }
    }
}

/// Maps a send result: success, or "already done" when the program refused with one of
/// `done_codes` (custom error codes meaning the transition already holds).
pub fn classify(
    result: Result<Landed, SendError>,
    done_codes: &[u32],
    what: &str,
) -> Result<Outcome, SendError> {
    match result {
        Ok(landed) => Ok(Outcome::Done(landed)),
        Err(error) if error.custom_code().is_some_and(|c| done_codes.contains(&c)) => {
            Ok(Outcome::AlreadyDone(format!("{what} ({error})")))
        }
        Err(error) => Err(error),
    }
}

/// [`classify`] for one item of a batch: any other failure is recorded as
/// [`Outcome::Failed`] instead of ending the batch.
pub fn classify_item(result: Result<Landed, SendError>, done_codes: &[u32], what: &str) -> Outcome {
    classify(result, done_codes, what)
        .unwrap_or_else(|error| Outcome::Failed(format!("{what}: {error}")))
}
