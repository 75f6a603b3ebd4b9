use agent_registry::state::Stage;
use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{constants::*, error::MarketError};

/// Guards the requester will enforce on execution (the runner checks them on-chain); vendors
/// declare which they honour.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct GuardRequirements {
    /// Largest slippage against the oracle price, in bps.
    pub max_slippage_bps: u16,
    /// Oldest acceptable oracle update, in seconds.
    pub oracle_max_age_secs: u32,
    /// Largest fee (venue + vendor) in bps of the notional.
    pub fee_cap_bps: u16,
    /// Guard families required (see `constants::guard`).
    pub required: u8,
}

/// The winning offer's terms, frozen at award.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct Award {
    pub offer: Pubkey,
    pub agent: Pubkey,
    /// The agent's owner (signs execution).
    pub vendor: Pubkey,
    /// The agent's payout wallet at award time.
    pub payout: Pubkey,
    /// Price in atoms of the RFP's mint.
    pub price: u64,
    /// Offer version accepted.
    pub offer_version: u32,
    /// Unix seconds.
    pub at: i64,
}

/// Lifecycle of an RFP.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum RfpStatus {
    /// Accepting offers until the bid deadline; awardable until the execution deadline.
    Open,
    /// Awarded (manually by the requester or by `award_best`).
    Awarded(Award),
    /// Cancelled by the requester at `at` (unix seconds).
    Cancelled { at: i64 },
}

/// A request for proposals for one plan step. PDA `["rfp", requester, plan, step LE]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Rfp {
    /// Opened the RFP, paid its rent, may cancel and award manually.
    pub requester: Pubkey,
    /// The plan this RFP serves (the runner checks the binding).
    pub plan: Pubkey,
    /// The step of the plan.
    pub step: u16,
    /// Capability bits an agent must advertise (registry `constants::capability`).
    pub capability: u64,
    /// Payment mint; prices are in its atoms.
    pub mint: Pubkey,
    /// Highest acceptable price, atoms.
    pub max_price: u64,
    pub guards: GuardRequirements,
    /// Lowest certification stage accepted.
    pub min_stage: Stage,
    /// Unix seconds; offers accepted while now < bid_deadline.
    pub bid_deadline: i64,
    /// Unix seconds; award and execution only while now < execution_deadline.
    pub execution_deadline: i64,
    pub status: RfpStatus,
    /// Live offers (submitted and not yet withdrawn or closed).
    pub offer_count: u16,
    /// Bumped on every change of the RFP (award, cancel).
    pub version: u32,
    /// Last offer version handed out: every submission or update of any offer on this RFP takes
    /// the next one, so an offer's version never repeats, not even after a withdraw and
    /// resubmit (an award names the version it saw).
    pub offer_versions: u32,
    /// Unix seconds at opening.
    pub created_at: i64,
    /// Sequence number of the last event about this RFP.
    pub seq: u64,
    pub bump: u8,
    /// Room for upgrades; zero.
    pub padding: [u8; 32],
}

impl Rfp {
    pub const SEED: &'static [u8] = RFP_SEED;

    pub fn is_open(&self) -> bool {
        self.status == RfpStatus::Open
    }

    /// Open and before the execution deadline.
    pub fn require_awardable(&self, now: i64) -> Result<()> {
        require!(self.is_open(), MarketError::RfpNotOpen);
        require!(now < self.execution_deadline, MarketError::RfpExpired);
        Ok(())
    }

    /// Open and before the bid deadline.
    pub fn require_accepting_bids(&self, now: i64) -> Result<()> {
        require!(self.is_open(), MarketError::RfpNotOpen);
        require!(now < self.bid_deadline, MarketError::BidDeadlinePassed);
        Ok(())
    }

    /// Nothing can happen to it any more: cancelled, or past the execution deadline.
    pub fn is_finished(&self, now: i64) -> bool {
        matches!(self.status, RfpStatus::Cancelled { .. }) || now >= self.execution_deadline
    }

    /// The next offer version.
    pub fn next_offer_version(&mut self) -> Result<u32> {
        self.offer_versions = self.offer_versions.safe_add(1)?;
        Ok(self.offer_versions)
    }

    pub fn bump_version(&mut self) -> Result<()> {
        self.version = self.version.safe_add(1)?;
        Ok(())
    }

    pub fn next_seq(&mut self) -> Result<u64> {
        self.seq = self.seq.safe_add(1)?;
        Ok(self.seq)
    }

    pub fn invariant(&self) -> Result<()> {
        require!(
            self.offer_count <= MAX_OFFERS_PER_RFP,
            MarketError::TooManyOffers
        );
        require!(
            self.bid_deadline <= self.execution_deadline,
            MarketError::InvalidDeadlines
        );
        Ok(())
    }
}
