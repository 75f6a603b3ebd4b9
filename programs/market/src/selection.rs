//! The award rule of `award_best`, as a pure function.
//!
//! ```text
//! utility(offer) = reliability_bps(agent, rfp capability) * compat_bps / max(price, max_price / 2)
//! reliability_bps = the registry's per-capability reputation (state::reputation): credit from
//!                   independent payers' paid value, 5_000 for a new agent
//! compat_bps      = 10_000 * |certified guards ∩ required guards| / |required guards|
//!                   (10_000 when the RFP requires none); certified guards are those the
//!                   agent's stage-B pass verified, not what the offer claims
//! ```
//!
//! Higher utility wins: cheaper, more reliable, more guard-compatible. A bid below half the
//! RFP's maximum price counts as half: undercutting buys at most a factor of two, so a new agent
//! (5,000 bps) cannot outbid an agent with a perfect record (~10,000 bps) on price alone.
//! Utilities are compared exactly (cross-multiplied in u128, no rounding). Ties go to the lower
//! price, then the earlier submission, then the lower agent address, so the winner is unique and
//! reproducible off-chain.
use std::cmp::Ordering;

use anchor_lang::prelude::Pubkey;

use crate::constants::BPS;

/// What the rule looks at for one eligible offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub agent: Pubkey,
    /// Atoms, > 0.
    pub price: u64,
    /// The price the utility divides by: `max(price, max_price / 2)`, > 0.
    pub priced_at: u64,
    /// Agent reliability, bps (<= 10_000).
    pub reliability_bps: u64,
    /// Guard compatibility, bps (<= 10_000).
    pub compat_bps: u64,
    /// Unix seconds.
    pub submitted_at: i64,
}

/// `10_000 * |offered ∩ required| / |required|`, or 10_000 if nothing is required.
pub fn compat_bps(offered: u8, required: u8) -> u64 {
    let wanted = required.count_ones();
    if wanted == 0 {
        return u64::from(BPS);
    }
    let met = (offered & required).count_ones();
    u64::from(met) * u64::from(BPS) / u64::from(wanted)
}

/// Orders two candidates: `Greater` means `a` is the better offer.
pub fn compare(a: &Candidate, b: &Candidate) -> Ordering {
    // utility_a > utility_b  <=>  rel_a * compat_a * price_b > rel_b * compat_b * price_a.
    // Factors are clamped to 10_000, so each product is < 10^8 * 2^64 < 2^128: exact.
    let bps = u64::from(BPS);
    let weight =
        |c: &Candidate| u128::from(c.reliability_bps.min(bps)) * u128::from(c.compat_bps.min(bps));
    let score_a = weight(a) * u128::from(b.priced_at);
    let score_b = weight(b) * u128::from(a.priced_at);
    score_a
        .cmp(&score_b)
        .then_with(|| b.price.cmp(&a.price))
        .then_with(|| b.submitted_at.cmp(&a.submitted_at))
        .then_with(|| b.agent.to_bytes().cmp(&a.agent.to_bytes()))
}

/// The price term of an offer at `price` on an RFP with `max_price`: never below half the
/// maximum (and never zero).
pub fn priced_at(price: u64, max_price: u64) -> u64 {
    price.max(max_price / 2).max(1)
}

/// Index of the best candidate, if any.
pub fn best(candidates: &[Candidate]) -> Option<usize> {
    (0..candidates.len()).max_by(|&i, &j| compare(&candidates[i], &candidates[j]))
}

#[cfg(test)]
mod tests;
