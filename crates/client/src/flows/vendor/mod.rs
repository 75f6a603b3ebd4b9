//! The vendor's side of the lifecycle, as builders that never send: which RFPs its agent may
//! bid on and the offer ([`bid`]), and each awarded step's next execution — ready, waiting (and
//! why), or to be reported unfunded ([`next_execution`]), priced by the runner's own rules
//! ([`quote`]). AgentRunner's broker is one agent built on these; a vendor's own agent can be
//! another (`agents/minimal` is the smallest).
mod bid;
mod execute;
pub mod quote;

pub use bid::{bid, rfps, Bid, OFFER_VALIDITY_SECS};
pub use execute::{next_execution, Execution, Next};
pub use quote::{Quote, QuoteRefusal};
