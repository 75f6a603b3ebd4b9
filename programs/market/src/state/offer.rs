use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::constants::*;

/// A vendor's bid on an RFP. PDA `["offer", rfp, agent]`; rent paid by the vendor and returned
/// only to it.
#[account]
#[derive(InitSpace, Debug)]
pub struct Offer {
    pub rfp: Pubkey,
    /// The bidding agent (agent_registry account).
    pub agent: Pubkey,
    /// The agent's owner; signs the offer, pays its rent.
    pub vendor: Pubkey,
    /// Price, atoms of the RFP's mint; 0 < price <= max_price.
    pub price: u64,
    /// Promised end-to-end latency of a step, milliseconds.
    pub eta_ms: u32,
    /// Promised success rate, bps.
    pub success_rate_bps: u16,
    /// Guard families the vendor's broker honours (see `constants::guard`).
    pub guard_compat: u8,
    /// Unix seconds; the offer cannot win from then on.
    pub expires_at: i64,
    /// Bumped on every change; `award` must name the version the requester saw.
    pub version: u32,
    /// Unix seconds of submission (tie-break: earlier wins).
    pub submitted_at: i64,
    pub bump: u8,
    /// Room for upgrades; zero.
    pub padding: [u8; 16],
}

impl Offer {
    pub const SEED: &'static [u8] = OFFER_SEED;

    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }

    pub fn bump_version(&mut self) -> Result<()> {
        self.version = self.version.safe_add(1)?;
        Ok(())
    }
}
