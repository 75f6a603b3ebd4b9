//! Seeds, limits and guard bits.
use anchor_lang::prelude::*;

/// Seed of an [`crate::state::Rfp`]: `["rfp", requester, plan, step (u16 LE)]`.
#[constant]
pub const RFP_SEED: &[u8] = b"rfp";
/// Seed of an [`crate::state::Offer`]: `["offer", rfp, agent]` (one offer per agent per RFP).
#[constant]
pub const OFFER_SEED: &[u8] = b"offer";

/// Most live offers an RFP accepts. `award_best` reads every live offer with its agent and
/// version (3 accounts each): 8 offers = 24 remaining accounts, which keeps the permissionless
/// award inside one 1,232-byte transaction.
#[constant]
pub const MAX_OFFERS_PER_RFP: u16 = 8;
/// Longest time from opening to the execution deadline: 30 days, in seconds.
#[constant]
pub const MAX_RFP_DURATION_SECS: i64 = 30 * 24 * 60 * 60;
/// 100% in basis points.
#[constant]
pub const BPS: u16 = 10_000;

/// Guard families an RFP can require and an offer can declare it honours (bitmask).
pub mod guard {
    /// Slippage cap against the oracle price.
    pub const SLIPPAGE: u8 = 1 << 0;
    /// Oracle freshness (max age) and confidence.
    pub const ORACLE: u8 = 1 << 1;
    /// Fee cap.
    pub const FEE_CAP: u8 = 1 << 2;
    /// Venue and mint allowlists.
    pub const ALLOWLIST: u8 = 1 << 3;
    /// Every defined bit.
    pub const ALL: u8 = SLIPPAGE | ORACLE | FEE_CAP | ALLOWLIST;
}
