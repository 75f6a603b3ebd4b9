//! How a vendor prices its work and when it trades.
use serde::{Deserialize, Serialize};

/// A vendor's commercial terms and trading discipline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strategy {
    /// Fee per execution, atoms of the RFP's mint.
    pub price: u64,
    /// Latency it promises (offer `eta_ms`), milliseconds.
    pub eta_ms: u32,
    /// Success rate it promises, bps.
    pub success_rate_bps: u16,
    /// Largest execution notional it takes on, micro-USD.
    pub max_notional_usd: u64,
    /// Checks the oracles and the pool against the step's guards before sending. A broker that
    /// does not trades on the pool's spot price and has executions refused on-chain whenever
    /// the pool and the oracle disagree.
    pub respects_guards: bool,
    /// Tolerance below its own quote it gives the venue, bps.
    pub venue_tolerance_bps: u16,
}

impl Default for Strategy {
    fn default() -> Self {
        Self {
            price: 50_000,
            eta_ms: 800,
            success_rate_bps: 9_900,
            max_notional_usd: 10_000_000_000,
            respects_guards: true,
            venue_tolerance_bps: 100,
        }
    }
}
