//! Market events (`emit_cpi!`). Prices are atoms of the RFP's mint; every event carries the
//! RFP's `seq`, the slot and unix seconds.
use agent_registry::state::Stage;
use anchor_lang::prelude::*;

#[event]
pub struct RfpOpened {
    pub rfp: Pubkey,
    pub requester: Pubkey,
    pub plan: Pubkey,
    pub step: u16,
    /// Capability bits required.
    pub capability: u64,
    pub mint: Pubkey,
    /// Atoms.
    pub max_price: u64,
    pub min_stage: Stage,
    /// Unix seconds.
    pub bid_deadline: i64,
    /// Unix seconds.
    pub execution_deadline: i64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct OfferSubmitted {
    pub rfp: Pubkey,
    pub offer: Pubkey,
    pub agent: Pubkey,
    pub vendor: Pubkey,
    /// Atoms.
    pub price: u64,
    pub offer_count_before: u16,
    pub offer_count_after: u16,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct OfferUpdated {
    pub rfp: Pubkey,
    pub offer: Pubkey,
    /// Atoms.
    pub old_price: u64,
    /// Atoms.
    pub new_price: u64,
    pub old_version: u32,
    pub new_version: u32,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct OfferClosed {
    pub rfp: Pubkey,
    pub offer: Pubkey,
    pub vendor: Pubkey,
    /// True when the vendor withdrew it; false when cranked after the RFP moved on.
    pub withdrawn: bool,
    /// Lamports returned to the vendor.
    pub rent_returned: u64,
    pub offer_count_before: u16,
    pub offer_count_after: u16,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct RfpAwarded {
    pub rfp: Pubkey,
    pub offer: Pubkey,
    pub agent: Pubkey,
    pub vendor: Pubkey,
    /// Atoms.
    pub price: u64,
    pub offer_version: u32,
    /// The requester (manual award) or any caller (award_best).
    pub by: Pubkey,
    /// True for `award_best`.
    pub best_utility: bool,
    /// Offers that were eligible (unexpired, agent certified) when awarded.
    pub eligible: u8,
    /// Winner's reliability and guard compatibility, bps (award_best; 0 for manual awards).
    pub reliability_bps: u64,
    pub compat_bps: u64,
    pub old_version: u32,
    pub new_version: u32,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct RfpCancelled {
    pub rfp: Pubkey,
    pub old_version: u32,
    pub new_version: u32,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct RfpClosed {
    pub rfp: Pubkey,
    pub requester: Pubkey,
    /// Lamports returned to the requester.
    pub rent_returned: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

/// A full RFP made room for a better offer: the named offer left, its rent back to its vendor.
#[event]
pub struct OfferEvicted {
    pub rfp: Pubkey,
    pub offer: Pubkey,
    pub agent: Pubkey,
    pub vendor: Pubkey,
    /// The agent whose offer took the place.
    pub by_agent: Pubkey,
    /// Lamports returned to the evicted vendor.
    pub rent_returned: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}
