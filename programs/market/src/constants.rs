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

/// Guard families (bitmask), defined by the registry where certifiers verify them.
pub use agent_registry::constants::guard;
