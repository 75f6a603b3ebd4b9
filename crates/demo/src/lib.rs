//! The Retail DeFi journey on the embedded chain, driven by the real keepers and the owner's
//! verbs: a deployment, three vendors certified A–D (one fails stage B for a measured reason),
//! market data bought over x402, a goal planned and put out to bid, one approval signature,
//! guarded executions (and a stale-oracle attempt the runner refuses), period anchoring,
//! third-party verification of every receipt, the close-out, and the money accounted for.
//!
//! [`run`] is the script: it produces a [`JourneyReport`], handing each [`Phase`] to an
//! observer as it ends. [`narrate`] tells a phase; `agentrunner demo` narrates to the console
//! and the tests assert on the report.
mod execution;
mod market_data;
pub mod narrate;
pub mod report;
mod script;
mod vendors;
mod verification;

pub use narrate::{narrate, Narrator};
pub use report::*;
pub use script::{run, JourneyConfig};
